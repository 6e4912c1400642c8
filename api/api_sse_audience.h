/*
 * api_sse_audience.h — who sees a change event of the live stream
 * (api/api_sse_audience.c), decided once when the event arrives, so that
 * handing it to every open stream is a string test, never a query.
 *
 * An inspector sees every event. An officer sees the events of
 * applications in which its bureau has a task (the NOTIFY carries their
 * "bureaus", store/tb_store_supervision.c), and of the supervision events
 * that name a bureau (alert_*, task_urged) only its own bureau's. A clerk
 * sees what the window acts on: the window's and the applicant's own
 * actions, and a bureau's outcome once the application leaves review
 * (approved, denied, returned …), with only number, seq, action, status
 * and warning in the data; never a claim, an opinion file, an alert or
 * an urge.
 *
 * Ownership: api_sse_audience_read fills the caller's struct with
 * malloc'ed strings that api_sse_audience_free frees; the payload is only
 * read.
 */
#ifndef API_SSE_AUDIENCE_H
#define API_SSE_AUDIENCE_H

#include <stdbool.h>

typedef struct {
  char *data;    /* the data for inspectors and officers: the payload
                    without "bureaus" (compact JSON, sorted keys) */
  char *window;  /* the clerk's data, or NULL: not the window's event */
  char *bureaus; /* ",A,B,": the officers' bureaus that see it, or NULL:
                    no officer does */
} api_sse_audience;

/* Read a NOTIFY payload (any bytes): true when it is a change event, a
 * JSON object naming its application ("number"); false otherwise, and
 * then nothing is allocated. */
bool api_sse_audience_read(const char *payload, api_sse_audience *out);
void api_sse_audience_free(api_sse_audience *a);
/* Whether an officer of bureau (a code) sees the event. */
bool api_sse_audience_officer(const api_sse_audience *a, const char *bureau);

#endif /* API_SSE_AUDIENCE_H */
