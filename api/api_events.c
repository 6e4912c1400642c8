/*
 * api_events.c — what the change events do besides the live streams
 * (api_caches.h): they keep the tracking views and the sessions cached
 * by every node right. The events of other nodes arrive through the
 * hub's tail (api_sse.c); this node's own are told by its store handles
 * right after COMMIT, so a read that follows a change on the same node
 * never sees the cached past.
 */
#include "api_caches.h"

#include <jansson.h>
#include <string.h>

bool api_events_heard(api_track_cache *t, api_session_cache *s,
                      const char *payload) {
  json_t *v = json_loads(payload, 0, NULL);
  const char *kind = json_string_value(json_object_get(v, "kind"));
  const char *number = json_string_value(json_object_get(v, "number"));
  json_t *account = json_object_get(v, "account");
  bool for_streams = true;
  if (kind && strcmp(kind, "account") == 0) {
    if (s && json_is_integer(account))
      api_session_cache_drop_account(s, (int64_t)json_integer_value(account));
    else if (s)
      api_session_cache_clear(s);
    for_streams = false;
  } else if (t && number) {
    api_track_cache_drop(t, number);
  } else if (t) {
    api_track_cache_clear(t); /* not ours to read: assume anything changed */
  }
  json_decref(v);
  return for_streams;
}

void api_events_committed(api_track_cache *t, api_session_cache *s,
                          const char *const *numbers, size_t n, bool overflow,
                          bool accounts) {
  if (t && overflow)
    api_track_cache_clear(t);
  for (size_t i = 0; t && i < n && !overflow; i++)
    api_track_cache_drop(t, numbers[i]);
  if (accounts && s)
    api_session_cache_clear(s);
}
