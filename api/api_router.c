/*
 * api_router.c — the one static route table: method, path pattern
 * ({name} matches one segment, or its start when a literal suffix follows
 * in the segment: "{id}.svg"), handler, the roles allowed, and whether
 * the route takes a body and changes state. A path that matches with
 * another method answers 405 with Allow; no match at all answers 404.
 * HEAD is answered by every GET route (and Allow names it beside GET).
 */
#include "api_totp.h"
#include "tb_api_int.h"

#include <stdio.h>
#include <string.h>

#define CLERK ROLE_CLERK
#define OFFICER ROLE_OFFICER
#define INSPECTOR ROLE_INSPECTOR
#define ADMIN ROLE_ADMIN
#define CHANGE (ROUTE_BODY_JSON | ROUTE_CHANGE)
#define APP "/api/v1/applications/{number}"
#define FILE_CHANGE (ROUTE_BODY_FILE | ROUTE_CHANGE)

const api_route api_routes[] = {
    {"GET", "/healthz", api_h_healthz, ROLE_EVERYONE, 0},
    {"GET", "/metrics", api_h_metrics, ROLE_EVERYONE, 0},
    {"GET", "/api/v1/openapi.json", api_h_openapi, ROLE_EVERYONE, 0},
    {"POST", "/api/v1/sessions", api_h_session_create, ROLE_EVERYONE,
     ROUTE_BODY_JSON | ROUTE_STEP},
    {"DELETE", "/api/v1/sessions/current", api_h_session_delete, ROLE_STAFF,
     ROUTE_STEP},
    {"POST", "/api/v1/applications", api_h_app_create, CLERK | ROLE_ANONYMOUS,
     CHANGE},
    {"GET", "/api/v1/applications", api_h_app_list, CLERK | INSPECTOR, 0},
    {"GET", APP, api_h_app_get, CLERK | OFFICER | INSPECTOR, 0},
    {"GET", APP "/events", api_h_app_events, CLERK | OFFICER | INSPECTOR, 0},
    {"POST", APP "/accept", api_h_app_accept, CLERK, CHANGE},
    {"POST", APP "/reject", api_h_app_reject, CLERK, CHANGE},
    {"POST", APP "/supplement-request", api_h_app_supplement_request, CLERK,
     CHANGE},
    {"POST", APP "/supplement", api_h_app_supplement, CLERK | ROLE_ANONYMOUS,
     CHANGE},
    {"POST", APP "/suspend", api_h_app_suspend, CLERK | OFFICER, CHANGE},
    {"POST", APP "/resume", api_h_app_resume, CLERK | OFFICER, CHANGE},
    {"POST", APP "/withdraw", api_h_app_withdraw, CLERK, CHANGE},
    {"POST", APP "/deliver", api_h_app_deliver, CLERK, CHANGE},
    {"POST", APP "/rating", api_h_app_rating, CLERK | ROLE_ANONYMOUS, CHANGE},
    {"GET", "/api/v1/tasks", api_h_tasks_list, OFFICER | INSPECTOR, 0},
    {"POST", "/api/v1/tasks/{id}/claim", api_h_task_claim, OFFICER, CHANGE},
    {"POST", "/api/v1/tasks/{id}/decide", api_h_task_decide, OFFICER, CHANGE},
    {"GET", "/api/v1/track/{number}", api_h_track, ROLE_EVERYONE, 0},
    {"GET", "/api/v1/workflows", api_h_workflows_list, ROLE_EVERYONE, 0},
    {"GET", "/api/v1/workflows/{id}", api_h_workflow_get, ROLE_EVERYONE, 0},
    {"POST", "/api/v1/workflows", api_h_workflow_post, ADMIN,
     ROUTE_BODY_XML | ROUTE_CHANGE},
    {"GET", APP "/qr.png", api_h_app_qr_png, ROLE_EVERYONE, 0},
    {"GET", APP "/qr.svg", api_h_app_qr_svg, ROLE_EVERYONE, 0},
    {"GET", "/api/v1/licenses", api_h_licenses_list, ROLE_STAFF, 0},
    {"POST", "/api/v1/licenses/verify", api_h_license_verify, ROLE_EVERYONE,
     ROUTE_BODY_JSON},
    {"GET", "/api/v1/licenses/{id}.svg", api_h_license_svg, ROLE_EVERYONE, 0},
    {"GET", "/api/v1/licenses/{id}", api_h_license_get, ROLE_STAFF, 0},
    {"GET", "/api/v1/licenses/{id}/qr.png", api_h_license_qr_png, ROLE_EVERYONE,
     0},
    {"POST", "/api/v1/licenses/{id}/revoke", api_h_license_revoke,
     ADMIN | OFFICER, CHANGE},
    {"GET", "/api/v1/trust", api_h_trust, ROLE_EVERYONE, 0},
    {"GET", "/api/v1/revocations", api_h_revocations, ROLE_EVERYONE, 0},
    {"GET", "/api/v1/supervision/overview", api_h_supervision_overview,
     INSPECTOR, 0},
    {"GET", "/api/v1/supervision/alerts", api_h_supervision_alerts, INSPECTOR,
     0},
    {"GET", "/api/v1/supervision/stream", api_h_supervision_stream,
     CLERK | OFFICER | INSPECTOR, ROUTE_QUERY_TOKEN},
    {"GET", "/api/v1/supervision/statistics", api_h_supervision_statistics,
     INSPECTOR, 0},
    {"POST", APP "/materials/{material}/files", api_h_material_file_post,
     CLERK | ROLE_ANONYMOUS, FILE_CHANGE},
    {"GET", APP "/materials", api_h_materials_get,
     CLERK | OFFICER | INSPECTOR | ROLE_ANONYMOUS, 0},
    {"GET", APP "/files/{id}", api_h_file_get,
     CLERK | OFFICER | INSPECTOR | ROLE_ANONYMOUS, 0},
    {"POST", "/api/v1/tasks/{id}/files", api_h_task_file_post, OFFICER,
     FILE_CHANGE},
    {"GET", "/", api_h_web, ROLE_EVERYONE, 0},
    {"GET", "/web/{file}", api_h_web, ROLE_EVERYONE, 0},
    {"GET", "/t/{number}", api_h_web, ROLE_EVERYONE, 0},
    {"GET", "/v", api_h_web, ROLE_EVERYONE, 0},
    {"POST", APP "/notice/close", api_h_app_notice_close, CLERK, CHANGE},
    {"GET", APP "/receipt", api_h_app_receipt, CLERK, 0},
    {"POST", APP "/tracking-code", api_h_app_code_reissue, CLERK, CHANGE},
    {"GET", "/api/v1/rectifications", api_h_rectifications_list,
     CLERK | OFFICER | INSPECTOR, 0},
    {"POST", "/api/v1/rectifications/{id}/reply", api_h_rectification_reply,
     CLERK | OFFICER, CHANGE},
    {"POST", "/api/v1/rectifications/{id}/review", api_h_rectification_review,
     INSPECTOR, CHANGE},
    {"GET", "/api/v1/verifications", api_h_verifications_list,
     OFFICER | INSPECTOR, 0},
    {"POST", "/api/v1/verifications/{id}/finding", api_h_verification_finding,
     OFFICER, CHANGE},
    {"GET", "/api/v1/supervision/rules", api_h_supervision_rules,
     CLERK | OFFICER | INSPECTOR, 0},
    {"GET", "/api/v1/supervision/findings", api_h_findings_list,
     OFFICER | INSPECTOR, 0},
    {"GET", "/api/v1/supervision/findings/counts", api_h_findings_counts,
     OFFICER | INSPECTOR, 0},
    {"GET", "/api/v1/supervision/urges", api_h_supervision_urges,
     CLERK | OFFICER | INSPECTOR, 0},
    {"GET", "/api/v1/supervision/findings/{id}", api_h_finding_get,
     OFFICER | INSPECTOR, 0},
    {"GET", "/api/v1/supervision/findings/{id}/file", api_h_finding_file,
     OFFICER | INSPECTOR, 0},
    {"POST", "/api/v1/supervision/findings/{id}/answer", api_h_finding_answer,
     OFFICER, CHANGE},
    {"POST", "/api/v1/supervision/findings/{id}/decision",
     api_h_finding_decision, INSPECTOR, CHANGE},
    {"POST", "/api/v1/tasks/{id}/urge", api_h_task_urge, CLERK | INSPECTOR,
     CHANGE},
    {"GET", "/favicon.ico", api_h_web, ROLE_EVERYONE, 0},
    /* the second factor (api_totp.c): enrolment is a session's step */
    {"POST", "/api/v1/sessions/current/totp", api_h_totp_begin, ROLE_STAFF,
     ROUTE_STEP},
    {"POST", "/api/v1/sessions/current/totp/confirm", api_h_totp_confirm,
     ROLE_STAFF, ROUTE_BODY_JSON | ROUTE_STEP},
    {"POST", "/api/v1/sessions/current/totp/recovery-codes",
     api_h_totp_recovery, ROLE_STAFF, ROUTE_BODY_JSON},
    {"DELETE", "/api/v1/accounts/{username}/totp", api_h_totp_reset, ADMIN, 0},
    {"GET", "/api/v1/supervision/intake-alerts", api_h_intake_alerts, INSPECTOR,
     0},
    /* accounts (issue 17 §4): api_accounts.c, api_sessions.c */
    {"POST", "/api/v1/sessions/current/password", api_h_session_password,
     ROLE_STAFF, ROUTE_BODY_JSON | ROUTE_STEP},
    {"GET", "/api/v1/accounts", api_h_accounts_list, ADMIN, 0},
    {"POST", "/api/v1/accounts", api_h_account_create, ADMIN, ROUTE_BODY_JSON},
    {"POST", "/api/v1/accounts/{username}/disable", api_h_account_disable,
     ADMIN, ROUTE_BODY_JSON},
    {"POST", "/api/v1/accounts/{username}/enable", api_h_account_enable, ADMIN,
     ROUTE_BODY_JSON},
    {"POST", "/api/v1/accounts/{username}/password", api_h_account_password,
     ADMIN, ROUTE_BODY_JSON},
    {"POST", "/api/v1/accounts/{username}/role", api_h_account_role, ADMIN,
     ROUTE_BODY_JSON},
    {"DELETE", "/api/v1/accounts/{username}", api_h_account_delete, ADMIN, 0},
    {"GET", "/api/v1/security-events", api_h_security_events_list,
     INSPECTOR | ADMIN, 0},
    /* the administrator's pages (issue 13 §4): api_calendar.c, a check of
     * a definition that deploys nothing (api_workflows.c) */
    {"GET", "/api/v1/calendar", api_h_calendar_get, ROLE_STAFF, 0},
    {"POST", "/api/v1/calendar", api_h_calendar_post, ADMIN, ROUTE_BODY_TEXT},
    {"POST", "/api/v1/calendar/check", api_h_calendar_check, ADMIN,
     ROUTE_BODY_TEXT},
    {"POST", "/api/v1/workflows/check", api_h_workflow_check, ADMIN,
     ROUTE_BODY_XML},
    /* the service guide (issue 13 §2): api_guide.c */
    {"GET", "/api/v1/workflows/{id}/guide", api_h_workflow_guide, ROLE_EVERYONE,
     0},
    {"GET", "/api/v1/workflows/{id}/guide.pdf", api_h_workflow_guide_pdf,
     ROLE_EVERYONE, 0},
    /* the documents of an application (issue 13 §1): api_documents.c */
    {"GET", APP "/documents", api_h_app_documents,
     CLERK | OFFICER | INSPECTOR | ROLE_ANONYMOUS, 0},
    {"GET", APP "/documents/{kind}", api_h_app_document,
     CLERK | OFFICER | INSPECTOR | ROLE_ANONYMOUS, 0},
    /* groups of officers and 抄送 (issue 14): api_groups.c, api_copies.c */
    {"GET", "/api/v1/sessions/current", api_h_session_get, ROLE_STAFF,
     ROUTE_STEP},
    {"GET", "/api/v1/bureaus", api_h_bureaus_list, ROLE_STAFF, 0},
    {"GET", "/api/v1/copies", api_h_copies_list, OFFICER, 0},
    {"POST", "/api/v1/copies/{id}/read", api_h_copy_read, OFFICER, CHANGE},
    /* the verbs of a branch (issue 14): api_verbs.c */
    {"POST", "/api/v1/tasks/{id}/transfer", api_h_task_transfer, OFFICER,
     CHANGE},
    {"POST", "/api/v1/tasks/{id}/delegate", api_h_task_delegate, OFFICER,
     CHANGE},
    {"POST", "/api/v1/tasks/{id}/resolve", api_h_task_resolve, OFFICER, CHANGE},
    {"POST", "/api/v1/tasks/{id}/signers", api_h_task_signers, OFFICER, CHANGE},
    {"POST", "/api/v1/tasks/{id}/remove", api_h_task_remove, OFFICER, CHANGE},
    {"POST", "/api/v1/tasks/{id}/send-back", api_h_task_send_back, OFFICER,
     CHANGE},
    {"POST", "/api/v1/tasks/{id}/take-back", api_h_task_take_back, OFFICER,
     CHANGE},
    {"GET", "/api/v1/tasks/{id}/options", api_h_task_options, OFFICER, 0},
};
const size_t api_route_count = sizeof api_routes / sizeof api_routes[0];

size_t api_route_index(const api_route *rt) {
  return (size_t)(rt - api_routes);
}

/* Match one pattern against a path; params get the {…} segments. */
static bool match(tb_arena *a, const char *pattern, const char *path,
                  const char *params[API_MAX_PARAMS]) {
  size_t np = 0;
  const char *p = pattern, *s = path;
  while (*p && *s) {
    if (*p == '{') {
      const char *pend = strchr(p, '}');
      const char *send = strchr(s, '/');
      size_t n = send ? (size_t)(send - s) : strlen(s);
      /* a literal suffix inside the segment ("{id}.svg") */
      size_t suffix = pend ? strcspn(pend + 1, "/") : 0;
      if (!pend || n <= suffix || np >= API_MAX_PARAMS ||
          memcmp(s + n - suffix, pend + 1, suffix) != 0)
        return false;
      if (params)
        params[np] = tb_arena_strndup(a, s, n - suffix);
      np++;
      p = pend + 1 + suffix;
      s += n;
      continue;
    }
    if (*p != *s)
      return false;
    p++;
    s++;
  }
  return *p == '\0' && *s == '\0';
}

/* A route's method against the request's: HEAD is answered by the GET
 * route (libmicrohttpd sends its headers and leaves the body out). */
static bool method_matches(const char *route, const char *method) {
  return strcmp(route, method) == 0 ||
         (strcmp(method, "HEAD") == 0 && strcmp(route, "GET") == 0);
}

const api_route *api_route_match(tb_arena *a, const char *method,
                                 const char *path,
                                 const char *params[API_MAX_PARAMS],
                                 char *allow, size_t allow_len) {
  allow[0] = '\0';
  size_t used = 0;
  for (size_t i = 0; i < api_route_count; i++) {
    const api_route *rt = &api_routes[i];
    if (!match(a, rt->pattern, path, NULL))
      continue;
    if (method_matches(rt->method, method)) {
      for (size_t k = 0; k < API_MAX_PARAMS; k++)
        params[k] = NULL;
      match(a, rt->pattern, path, params);
      return rt;
    }
    if (strstr(allow, rt->method)) /* "{id}" and "{id}.svg" both match */
      continue;
    int n =
        snprintf(allow + used, allow_len - used, "%s%s%s", used ? ", " : "",
                 rt->method, strcmp(rt->method, "GET") == 0 ? ", HEAD" : "");
    if (n > 0 && (size_t)n < allow_len - used)
      used += (size_t)n;
  }
  return NULL;
}
