#!/usr/bin/env python3
"""gen_openapi.py — write the OpenAPI 3.1 document that the binary embeds
and serves at /api/v1/openapi.json. The build runs it (api/meson.build):

    python3 api/gen_openapi.py engine/tb_problems.def OUTPUT.json

Edit the tables here. The problem codes are not written here: the
`ProblemCode` enum (the `code` of every problem and of its errors[]) is
read from the registry, engine/tb_problems.def, so the document and the
server cannot disagree. tests/api checks that every route of
api/api_router.c is in the document, validates it with an OpenAPI 3.1
validator from npm, and checks every problem it receives against the
registry.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tools"))
import tb_problems  # noqa: E402

if len(sys.argv) != 3:
    print(__doc__, file=sys.stderr)
    sys.exit(2)
PROBLEMS = tb_problems.read(sys.argv[1])
S = lambda **kw: dict(kw)
ref = lambda n: {"$ref": f"#/components/schemas/{n}"}
def resp(desc, schema=None, ctype="application/json", headers=None):
    r = {"description": desc}
    if schema is not None:
        r["content"] = {ctype: {"schema": schema}}
    if headers:
        r["headers"] = headers
    return r
def prob(desc, extra_headers=None):
    return resp(desc, ref("Problem"), "application/problem+json", extra_headers)
RA = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
ALLOW = {"Allow": {"description": "the methods the path answers to", "schema": {"type": "string"}}}
common = {
    "404": prob("no such resource"),
    "405": prob("wrong method; see the Allow header", ALLOW),
    "500": prob("internal error (details in the server log)"),
    "503": prob("the database is unreachable or busy (code database_unavailable "
                "or busy: nothing was stored), or the connection to it was lost "
                "while a change was being committed (code outcome_unknown: it "
                "may or may not be stored; repeat the request with the same "
                "Idempotency-Key and it is done exactly once)", RA),
}
auth_err = {"401": prob("missing, malformed, expired or revoked token"),
            "403": prob("the role or bureau may not do this, or the session still owes a step "
                        "(password_change_required, totp_enrolment_required)")}
# The one rule for a token on every route (api_auth.c): no Authorization
# header is anonymous; a header that is sent is always checked.
TOKEN_RULE = ("A token is optional here and checked when sent: a malformed, unknown, expired or revoked token is 401 "
              "invalid_token (send no Authorization header to be anonymous).")
bad_token = {"401": prob("a token was sent and is malformed, unknown, expired or revoked (invalid_token): a token, "
                         "when sent, is checked on every route; send none to be anonymous"),
             "403": prob("a token was sent whose session still owes a step (password_change_required, "
                         "totp_enrolment_required): take it, or send no token to be anonymous")}
body_err = {"400": prob("malformed JSON, invalid UTF-8 or a bad Idempotency-Key"),
            "413": prob("the body is larger than the cap (1 MiB)"),
            "415": prob("the body is not application/json (charset=utf-8 the only parameter), or has no Content-Type"),
            "422": prob("fields are missing, of the wrong type, unknown or invalid; errors[] names each")}
idem = {"name": "Idempotency-Key", "in": "header", "required": False,
        "description": "replays the first successful answer for the same key "
                       "(same account, method, path and body) and changes "
                       "nothing; a refused request is not remembered. Send "
                       "one with every change you may retry: after a 503 "
                       "outcome_unknown, the repeat with the same key is "
                       "what makes the change happen exactly once",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255}}
num = {"name": "number", "in": "path", "required": True,
       "description": "the 24-character application number (21 characters if made before the 9-digit serial)",
       "schema": {"type": "string", "pattern": "^([0-9]{20}|[0-9]{23})[0-9X]$"}}
def op(summary, tag, responses, params=None, body=None, secured=True, anonymous=False, desc=None):
    o = {"summary": summary, "tags": [tag], "operationId": None, "responses": {}}
    if desc:
        o["description"] = desc
    if params:
        o["parameters"] = params
    if body:
        o["requestBody"] = body
    o["responses"].update(responses)
    if secured:
        o["responses"].update(auth_err)
        o["security"] = [{"bearer": []}] + ([{}] if anonymous else [])
    else:
        o["responses"].update(bad_token)
        o["security"] = [{}, {"bearer": []}]
    for k, v in common.items():
        o["responses"].setdefault(k, v)
    return o
def jbody(schema, required=True):
    return {"required": required, "content": {"application/json": {"schema": schema}}}
obj = lambda props, req=(): {"type": "object", "additionalProperties": False,
                             "properties": props, **({"required": list(req)} if req else {})}
ids = {"type": "array", "items": {"type": "string"}}
reason = {"type": "string", "maxLength": 1000}
dt = {"type": "string", "format": "date-time", "description": "RFC 3339, UTC"}
ndt = {"type": ["string", "null"], "format": "date-time", "description": "RFC 3339, UTC; null when it has not happened"}
day = {"type": "string", "format": "date"}
nday = {"type": ["string", "null"], "format": "date"}
number_s = {"type": "string", "pattern": "^([0-9]{20}|[0-9]{23})[0-9X]$",
            "description": "the 24-character application number: region (6), date (8), serial (9: 000000001-199999999 taken in "
                           "by staff, 200000000-999999999 online without a token), check character; 21 characters (6-digit serial) "
                           "if made before"}
# The staff view of an application (api_views.c api_app_view, api_full_view).
APPLICATION = {"number": number_s,
    "service": obj({"id": {"type": "string"}, "version": {"type": "integer"}, "name": {"type": "string"}}, ["id", "version", "name"]),
    "state": ref("State"), "channel": {"type": "string", "enum": ["window", "online"]}, "warning": ref("Warning"),
    "applicant": ref("Applicant"), "form": ref("FormValues"),
    "deadline": {**nday, "description": "the promised deadline (承诺时限); null before acceptance"},
    "working_days_left": {"$ref": "#/components/schemas/DaysLeft",
        "description": "working days to the promised deadline; null while the clock does not run (before acceptance, returned, suspended, decided or ended)"},
    "statutory_deadline": {**nday, "description": "the statutory deadline (法定时限)"},
    "submitted_at": ndt, "accepted_at": ndt, "finished_at": ndt,
    "deadline_provisional": ref("Provisional"), "statutory_deadline_provisional": ref("Provisional"),
    "paused_days": {"type": "integer", "minimum": 0, "description": "calendar days the clock stood still (special procedures)"},
    "special": {"type": ["string", "null"], "enum": ["hearing", "inspection", "testing", "expert-review", None],
                "description": "the special procedure under way while suspended"},
    "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
    "gap_overdue": {"type": "boolean", "description": "a tolerated gap is past its due day (rule warn)"},
    "materials": {"type": "array", "items": ref("Material")}, "branches": {"type": "array", "items": ref("Branch")},
    "notice": ref("Notice"), "decision": ref("Decision"), "created_at": dt, "updated_at": dt,
    "outputs": {"allOf": [ref("FormValues")],
        "description": "the branch outputs the approvals recorded, output id → value in its type (e.g. child_id)"}}
conflict = {"409": prob("illegal in the current state; the problem carries `state`")}
app_ok = {"200": resp("the application after the transition", ref("Application"))}
def action(name, summary, schema, roles="clerk", desc=None):
    return {"post": op(summary, "applications", {**app_ok, **conflict, **body_err},
                       [num, idem], jbody(schema, required=False), desc=(desc or "") + f" Roles: {roles}.")}
paths = {}
paths["/healthz"] = {"get": op("Database reachable", "operations",
    {"200": resp("the database answers", obj({"status": {"type": "string", "const": "ok"}, "database": {"type": "string", "const": "reachable"}},
                                               ["status", "database"]))}, secured=False)}
paths["/metrics"] = {"get": op("Prometheus metrics", "operations",
    {"200": resp("requests by route and status, latency histogram, transitions, open applications by state", {"type": "string"}, "text/plain")}, secured=False)}
paths["/api/v1/openapi.json"] = {"get": op("This document", "operations",
    {"200": resp("the OpenAPI 3.1 document", {"type": "object"})}, secured=False)}
paths["/api/v1/sessions"] = {"post": op("Log in", "sessions",
    {"201": resp("a new session", ref("Session")),
     "401": prob("wrong user name or password (bad_credentials); or the password is right, the role needs a second factor "
                 "and the account has one: otp is missing (otp_required) or wrong, expired or used already (otp_invalid, "
                 "counted as a failed log-in)"),
     "429": prob("too many failed logins: slowed down or locked", RA), **{k: v for k, v in body_err.items()},
     "503": prob("password_hashing_busy: too many logins wait for their password check (the hashing pool's queue is full, or this one waited over 5 s); "
                 "or the database is unreachable or busy", RA)},
    body=jbody(obj({"username": {"type": "string", "maxLength": 64}, "password": {"type": "string", "maxLength": 1024},
                    "otp": {"type": "string", "maxLength": 64,
                            "description": "the second factor, for a role that needs one (--totp-roles, default admin and "
                                           "inspector) once enrolled: the 6-digit TOTP code of the authenticator app, each "
                                           "accepted once, or one of the recovery codes (\"ABCD-EFGH-IJKL-MNOP\", any case, "
                                           "dashes optional), each usable once"}},
                   ["username", "password"])), secured=False)}
paths["/api/v1/sessions/current"] = {"delete": op("Log out (revoke this token)", "sessions",
    {"204": {"description": "revoked"}}, desc="Roles: every staff role.")}
paths["/api/v1/applications"] = {
    "post": op("Take in an application", "applications",
        {"201": resp("created and submitted; the tracking code is shown only now", ref("NewApplication"),
                     headers={"Location": {"description": "the new application", "schema": {"type": "string"}}}),
         **body_err, "409": prob("holder_name_mismatch: the number is on record under another name (name_on_record; window_required online); or illegal in the current state")},
        [idem], jbody(ref("Intake")), anonymous=True,
        desc="Roles: clerk (window or online); no login: online only. Online applications wait for pre-review at the window."),
    "get": op("List applications (one number: by applicant)", "applications",
        {"200": resp("newest first", obj({"items": {"type": "array", "items": ref("ApplicationRow")}}, ["items"])),
         "422": prob("a bad filter")},
        [{"name": "applicant", "in": "query", "schema": {"type": "string"}, "description": "citizen ID or credit code"},
         {"name": "state", "in": "query", "schema": ref("State")},
         {"name": "service", "in": "query", "schema": {"type": "string"}},
         {"name": "channel", "in": "query", "schema": {"type": "string", "enum": ["window", "online"]},
          "description": "the window's queue of online submissions: channel=online&state=submitted"},
         {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}],
        desc="Roles: clerk, inspector.")}
paths["/api/v1/applications/{number}"] = {"get": op("One application", "applications",
    {"200": resp("the application", ref("Application"))}, [num],
    desc="Roles: clerk, inspector, officer (of a bureau with a task in it).")}
paths["/api/v1/applications/{number}/events"] = {"get": op("The audit timeline", "applications",
    {"200": resp("every event in order", obj({"number": number_s, "state": ref("State"),
        "events": {"type": "array", "items": ref("Event")}}, ["number", "state", "events"]))}, [num],
    desc="Roles: clerk, inspector, officer (of a bureau with a task in it).")}
paths["/api/v1/applications/{number}/accept"] = action("accept", "Accept (受理), with tolerated gaps and commitments",
    obj({"tolerated": ids, "committed": ids, "note": reason}),
    desc="A body that names neither tolerated nor committed uses the choices stored at registration (less what was supplied since); naming either replaces both. The audit event says which (choices: stored or request).")
paths["/api/v1/applications/{number}/reject"] = action("reject", "Refuse (不予受理)",
    obj({"reason": {**reason, "description": "why it is refused; told to the applicant (行政许可法 art. 38)"},
         "legal_basis": {**reason, "description": "the articles the refusal rests on, e.g. 《中华人民共和国行政许可法》第三十二条第一款; replaces the definition's <legal-basis refusal> for this decision"}},
        ["reason"]),
    desc="The reply's (and tracking's) `decision` carries the reason, the legal basis and the applicant's rights (Decision).")
paths["/api/v1/applications/{number}/supplement-request"] = action("sr", "Ask once for everything missing (一次性告知)",
    obj({"items": ids, "reason": reason}, ["items", "reason"]))
paths["/api/v1/applications/{number}/supplement"] = {"post": op("Take the applicant's supplement (in parts, at the window or online)", "applications",
    {"200": resp("the application after the supplement: the staff view, or for the applicant (no token, with code) the tracking view",
                 {"oneOf": [ref("Application"), ref("Tracking")]}),
     **conflict, **body_err,
     "401": prob("neither a token nor a code in the body"),
     "404": prob("no application with this number and tracking code (a wrong code looks the same as an unknown number, as in tracking)"),
     "429": prob("too many tracking-code misses from this client", RA)},
    [num, idem], jbody(obj({"materials": ids, "note": reason,
        "code": {"type": "string", "maxLength": 64, "description": "the tracking code: lets the applicant supply online without a token (upload the files first, then name the materials here)"}},
        ["materials"]), required=False), anonymous=True,
    desc="Answers the open one-time notice item by item: the notice stays open with the items still owed (each item's `supplied`), "
         "and the application goes back to the window (before acceptance) or to the returned bureaus (after) only when the last "
         "item is supplied. A material the notice does not ask for (nor an outstanding tolerated gap) is refused with 422 `material` "
         "naming it. In review, the supplement fills tolerated gaps (容缺). "
         "Roles: clerk (at the window); no token: the applicant, with the tracking code in the body (audited as channel online).")}
receipt_schema = obj({"number": {"type": "string"},
    "tracking_code": {"type": ["string", "null"], "description": "the code printed on the receipt; null when the application was made before codes were derived (reissue one)"},
    "reprintable": {"type": "boolean"}}, ["number", "tracking_code", "reprintable"])
paths["/api/v1/applications/{number}/receipt"] = {"get": op("The receipt's data again (reprint)", "applications",
    {"200": resp("the tracking code to print with the QR code", receipt_schema),
     "503": prob("receipt_unavailable: the server has no tracking-code key")}, [num],
    desc="Tracking codes are derived from the number under the server's key (tracking.key in the keys folder), and only their digest is stored, "
         "so the receipt can be printed again at any time. An application made before cannot show its code (reprintable false): reissue one. "
         "Logged with the clerk's account as a security-relevant read. Roles: clerk.")}
paths["/api/v1/applications/{number}/tracking-code"] = {"post": op("Reissue the tracking code", "applications",
    {"200": resp("the new code; the old one stops working at once", receipt_schema), **body_err,
     "503": prob("receipt_unavailable: the server has no tracking-code key")},
    [num, idem], jbody(obj({"reason": reason}, ["reason"])),
    desc="Audited as tracking_code_reissued with the new version and the reason (never the code). Roles: clerk.")}
paths["/api/v1/applications/{number}/notice/close"] = action("nc", "Close the one-time notice with a reason",
    obj({"reason": reason}, ["reason"]),
    desc="The items still owed are no longer asked for (listed as `waived` in the audit event) and stay missing: before "
         "acceptance the application is back at the window (accept with gaps, refuse, or ask again); after a return the "
         "returned bureaus review again with what was supplied.")
paths["/api/v1/applications/{number}/suspend"] = action("su", "Start a special procedure (clock paused)",
    obj({"kind": {"type": "string", "enum": ["hearing", "inspection", "testing", "expert-review"]}, "reason": reason}, ["kind", "reason"]),
    "clerk, officer (of a bureau with a task in it)")
paths["/api/v1/applications/{number}/resume"] = action("re", "End the special procedure (deadline moves)",
    obj({"reason": reason}), "clerk, officer (of a bureau with a task in it)",
    desc="Every deadline moves by the working days paused; the resume's audit event records the moves "
         "(payload.deadlines: deadline and statutory_deadline {old, new} when they moved, tasks, gaps) and paused_days.")
paths["/api/v1/applications/{number}/withdraw"] = action("w", "Withdraw", obj({"reason": reason}))
paths["/api/v1/applications/{number}/deliver"] = action("d", "Deliver the result (出件)",
    obj({"method": {"type": "string", "enum": ["window", "electronic"]}}))
paths["/api/v1/applications/{number}/rating"] = {"post": op("Rate the service (好差评)", "applications",
    {"200": resp("the application after the rating: the staff view, or for the applicant (no token, with code) the tracking view",
                 {"oneOf": [ref("Application"), ref("Tracking")]}),
     **conflict, **body_err,
     "404": prob("no application with this number and tracking code (a wrong or missing code looks the same, as in tracking)"),
     "429": prob("too many tracking-code misses from this client", RA)},
    [num, idem], jbody(obj({"grade": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": reason,
        "code": {"type": "string", "maxLength": 64, "description": "the tracking code: lets the applicant rate without a token"}},
        ["grade"]), required=False), anonymous=True,
    desc="After delivery, once. Roles: clerk (at the window); no token: the applicant, with the tracking code in the body.")}
tid = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
task_ok = {"200": resp("the application after the transition", obj({"task_id": {"type": "integer"}, "application": ref("Application")},
                                                                     ["task_id", "application"]))}
paths["/api/v1/tasks"] = {"get": op("A bureau's queue", "tasks",
    {"200": resp("one page, earliest deadline first (no deadline last)", obj({"items": {"type": "array", "items": ref("Task")},
        "total": {"type": "integer", "description": "every task of the filter, on all pages"},
        "next": {"type": ["string", "null"], "description": "the cursor of the next page (pass it as after), null on the last"}},
        ["items", "total", "next"])), "422": prob("a bad filter, limit or cursor")},
    [{"name": "bureau", "in": "query", "schema": {"type": "string"}, "description": "officers: their own (default)"},
     {"name": "state", "in": "query", "schema": {"type": "string", "enum": ["waiting", "open", "claimed", "decided", "cancelled"]},
      "description": "default: open and claimed; waiting: 依次 and 加签 tasks whose turn has not come"},
     {"name": "mine", "in": "query", "schema": {"type": "string", "enum": ["true", "false"], "default": "false"},
      "description": "officers: only the tasks assigned to or claimed by them (an inspector gets 422)"},
     {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
     {"name": "after", "in": "query", "schema": {"type": "string"},
      "description": "the next cursor of the previous page; stable while tasks are added"}],
    desc="Roles: officer (own bureau only), inspector. An officer sees the pool tasks of the bureau, the group tasks "
         "of their groups and the tasks assigned to or claimed by them; an inspector every task of the filter.")}
paths["/api/v1/tasks/{id}/claim"] = {"post": op("Claim a task", "tasks", {**task_ok, **conflict, **body_err},
    [tid, idem], jbody(obj({}), required=False), desc="Roles: officer of the task's bureau. A task id acts only on its own round: a task that is decided, cancelled or of an earlier round (after a return) is refused with 409 task_superseded naming the open task of its branch (current_task).")}
paths["/api/v1/tasks/{id}/decide"] = {"post": op("Decide a task (claiming it when unclaimed)", "tasks", {**task_ok, **conflict, **body_err},
    [tid, idem], jbody(obj({"decision": {"type": "string", "enum": ["approve", "deny", "return"]},
        "comment": {"type": "string", "maxLength": 2000, "description": "deny: the reason, told to the applicant (行政许可法 art. 38); required (422 missing naming comment); return: what to supplement"},
        "legal_basis": {"type": "string", "maxLength": 2000, "description": "deny only: the articles the denial rests on; replaces the definition's <legal-basis denial> for this decision"},
        "items": ids,
        "outputs": {"allOf": [ref("FormValues")], "description": "approve only: the task's branch outputs (<output> in the definition, e.g. child_id, the newborn's citizen ID), output id → a value typed like a form value; a required one missing is 422 naming outputs.ID"}}, ["decision"])),
    desc="Roles: officer of the task's bureau. deny and return need a comment (a denial's is its reason, shown to the applicant with the legal basis and rights in `decision`); only deny takes legal_basis; return needs items (merged into one notice); approve records the task's outputs. A task that is decided, cancelled or of an earlier round is refused with 409 task_superseded naming the open task of its branch (current_task).")}
paths["/api/v1/track/{number}"] = {"get": op("Public tracking", "tracking",
    {"200": resp("the masked timeline", ref("Tracking")),
     "404": prob("no application with this number and code (wrong codes look the same)"),
     "429": prob("too many misses from this client", RA)},
    [{"name": "number", "in": "path", "required": True, "schema": {"type": "string"}},
     {"name": "code", "in": "query", "required": True, "schema": {"type": "string"}}], secured=False)}
paths["/api/v1/workflows"] = {
    "get": op("Services (newest versions)", "workflows",
        {"200": resp("the services", obj({"items": {"type": "array", "items": obj({"id": {"type": "string"}, "version": {"type": "integer"}, "name": {"type": "string"},
                                                                                   "deployed_at": {**dt, "description": "when this version was stored (RFC 3339, UTC)"}},
                                                                                  ["id", "version", "name", "deployed_at"])}}, ["items"]))}, secured=False),
    "post": op("Deploy a definition (XML)", "workflows",
        {"201": resp("stored", ref("Deployed")), "200": resp("the same file was stored before", ref("Deployed")),
         "409": prob("another file under an existing version"),
         "422": prob("the loader's problems; errors[].field is \"line N\""),
         "400": prob("no body"), "413": prob("over 1 MiB"), "415": prob("not application/xml")},
        [idem], {"required": True, "content": {"application/xml": {"schema": {"type": "string"}}}},
        desc="Roles: admin.")}
paths["/api/v1/workflows/{id}"] = {"get": op("One service, enough to render its intake form", "workflows",
    {"200": resp("the definition", ref("Definition"))},
    [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}], secured=False)}

# descriptions of the operations above that have none in their op()
_summaries = {o["summary"]: o for ops in paths.values() for o in ops.values()}
_summaries["Database reachable"]["description"] = "For load balancers and probes: 200 when the database answers a query, 503 with Retry-After when it does not."
_summaries["Prometheus metrics"]["description"] = "The Prometheus text exposition format (version 0.0.4)."
_summaries["This document"]["description"] = "The OpenAPI 3.1 document of this server, generated at build time from api/gen_openapi.py and the problem registry."
_summaries["Log in"]["description"] = "Staff log in with user name and password; failed logins are slowed down and then locked per account and client (429 with Retry-After)."
_summaries["Public tracking"]["description"] = "The applicant's view with the tracking code from the receipt. A wrong code, a missing code, a malformed or an unknown number get the same 404, and every miss counts against the client's guess limit (429)."
_summaries["Services (newest versions)"]["description"] = "Every service's newest definition: id, version and name."
_summaries["One service, enough to render its intake form"]["description"] = "The newest definition of a service as JSON: fields, materials, branches with their steps and outputs, special procedures and licenses."
# ---- electronic licenses (api/api_licenses.c) ----
lid = {"name": "id", "in": "path", "required": True, "description": "the GB/T 36904 license identifier",
       "schema": {"type": "string", "pattern": "^1\\.2\\.156\\.3005\\.2\\."}}
png = lambda d: resp(d, {"type": "string", "contentEncoding": "base64"}, "image/png")
svg = lambda d: resp(d, {"type": "string"}, "image/svg+xml")
unavailable = {"503": prob("the database is unreachable, or no license keys are configured", RA)}
paths["/api/v1/applications/{number}/qr.png"] = {"get": op("The receipt's QR code (PNG)", "tracking",
    {"200": png("a QR code of the tracking page URL PUBLIC-URL/t/{number}?c=CODE (the server's --public-url, never the request's Host)"),
     "404": prob("the number is not a well-formed application number (nothing is looked up)"),
     "422": prob("c is not 1 to 64 capital letters and digits (errors[] names c)")},
    [num, {"name": "c", "in": "query", "schema": {"type": "string", "pattern": "^[A-Z0-9]{1,64}$"},
           "description": "the tracking code (known only at intake); without it the URL has no code"}],
    secured=False, desc="Public: the number's syntax is checked, nothing is looked up.")}
paths["/api/v1/applications/{number}/qr.svg"] = {"get": op("The receipt's QR code (SVG)", "tracking",
    {"200": svg("a QR code of the tracking page URL PUBLIC-URL/t/{number}?c=CODE (the server's --public-url, never the request's Host)"),
     "404": prob("the number is not a well-formed application number (nothing is looked up)"),
     "422": prob("c is not 1 to 64 capital letters and digits (errors[] names c)")},
    paths["/api/v1/applications/{number}/qr.png"]["get"]["parameters"], secured=False,
    desc="Public: the number's syntax is checked, nothing is looked up.")}
paths["/api/v1/licenses"] = {"get": op("One number: a holder's licenses, or an application's", "licenses",
    {"200": resp("a holder's newest first; an application's in the order issued (none for an unknown number)",
                 obj({"items": {"type": "array", "items": ref("License")}}, ["items"])),
     "422": prob("neither or both of holder and application, an invalid holder or an invalid application number (errors[] names it)"),
     **unavailable},
    [{"name": "holder", "in": "query", "required": False, "schema": {"type": "string"},
      "description": "citizen ID or unified social credit code"},
     {"name": "application", "in": "query", "required": False, "schema": {"type": "string"},
      "description": "an application number: the licenses it issued (the window's delivery, the issuing bureau's revocation)"}],
    desc="Roles: every staff role. Give exactly one of holder and application.")}
paths["/api/v1/licenses/verify"] = {"post": op("Verify a QR payload", "licenses",
    {"200": resp("the verdict (valid or not)", ref("Verdict")), **body_err, **unavailable},
    body=jbody(obj({"payload": {"type": "string", "maxLength": 16384, "description": "\"TB1:…\", or the verification link a license QR code carries (https://…/v?p=TB1:…, the payload form-encoded)"}}, ["payload"])),
    secured=False, desc="Public. A link is read strictly (exactly one p parameter, no user information or fragment, printable ASCII): 422 invalid_license_link says what is wrong; any other text is judged as a payload (malformed). The signature is checked against the trust list, the signing certificate's authority for the license's type (issuer_not_authorized) and revocation against the database.")}
paths["/api/v1/licenses/verify"]["post"]["responses"]["422"] = prob(
    "invalid_request: no payload; invalid_license_link: a verification link that is refused (detail says what is wrong)")
code_q = {"name": "code", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 64},
          "description": "without a token: the tracking code of the application the license came from"}
code_404 = {"404": prob("no such license, or (without a token) a wrong or missing tracking code: both look the same"),
            "429": prob("too many tracking-code misses from this client", RA)}
paths["/api/v1/licenses/{id}.svg"] = {"get": op("The printable license (A4 SVG)", "licenses",
    {"200": svg("the license's data, issuing bureau, dates and QR code"), **code_404, **unavailable}, [lid, code_q],
    anonymous=True, desc="Roles: every staff role; no token: the applicant, with ?code= the tracking code.")}
paths["/api/v1/licenses/{id}"] = {"get": op("One license", "licenses",
    {"200": resp("the license, its payload and revocation state", ref("License"))}, [lid],
    desc="Roles: every staff role.")}
paths["/api/v1/licenses/{id}/qr.png"] = {"get": op("The license's QR code (PNG)", "licenses",
    {"200": png("a link to the verification page, PUBLIC-URL/v?p=PAYLOAD (the payload form-encoded; the server's --public-url), at error-correction level M; the bare payload if the link would not fit a QR code"), **code_404}, [lid, code_q],
    anonymous=True, desc="Roles: every staff role; no token: the applicant, with ?code= the tracking code.")}
paths["/api/v1/licenses/{id}/revoke"] = {"post": op("Revoke a license", "licenses",
    {"200": resp("the revoked license", ref("License")), "409": prob("revoked already"), **body_err},
    [lid, idem], jbody(obj({"reason": reason}, ["reason"])),
    desc="Roles: admin, officer of the issuing bureau. Audited in the chain of the application it came from.")}
paths["/api/v1/trust"] = {"get": op("The trust list (PEM)", "licenses",
    {"200": resp("the platform root and every issuing certificate", {"type": "string"}, "application/x-pem-file"),
     **unavailable}, secured=False, desc="Public: enough to verify any license offline. Each issuing certificate lists the license types it may sign in the non-critical extension 2.25.252955788365036925136431616508213913944 (SEQUENCE OF UTF8String type codes).")}
paths["/api/v1/revocations"] = {"get": op("The signed revocation list", "licenses",
    {"200": resp("every revoked license, signed by the platform's revocations key", ref("RevocationList")),
     **unavailable}, secured=False,
    desc="Public, and answers HEAD. `list` is the signed bytes: RFC 8785 canonical JSON "
         "{format: \"tongban-revocations/1\", this_update, next_update (this_update + 1 day: fetch again then), "
         "revoked: [{id, reason, revoked_at}] sorted by id}, times as YYYY-MM-DDTHH:MM:SSZ. `signature` is "
         "the base64url DER SM2/SM3 signature (signer ID 1234567812345678) over those bytes by the platform "
         "certificate of the trust list (GET /api/v1/trust) whose key id is `key_id`. A revocation is in the "
         "next answer at once; an unchanged list may be reused for up to a minute. "
         "`tongban license verify --revocations FILE` or `--online URL` checks against it.")}
# ---- supervision and pages (api/api_supervision.c, api_sse.c, api_web.c) ----
bureau_stat = obj({"bureau": {"type": "string"}, "handled": {"type": "integer", "description": "its tasks decided"},
                   "open": {"type": "integer", "description": "its tasks open or claimed"},
                   "average_days": {"type": ["number", "null"], "description": "calendar days from a task's creation to its decision, 2 places; null when none is decided"},
                   "overdue": {"type": "integer"}, "overdue_rate": {"type": "number", "minimum": 0, "maximum": 1}},
                  ["bureau", "handled", "open", "average_days", "overdue", "overdue_rate"])
service_stat = obj({"service": {"type": "string"}, "name": {"type": ["string", "null"]}, "total": {"type": "integer"},
                    "handled": {"type": "integer", "description": "finished"}, "open": {"type": "integer"},
                    "average_days": {"type": ["number", "null"], "description": "calendar days from submission to finishing, 2 places; null when none finished"},
                    "overdue": {"type": "integer", "description": "finished after the deadline, or open and red"},
                    "overdue_rate": {"type": "number", "minimum": 0, "maximum": 1}},
                   ["service", "name", "total", "handled", "open", "average_days", "overdue", "overdue_rate"])
alert_row = obj({"number": number_s, "service": {"type": "string"}, "service_name": {"type": ["string", "null"]},
                 "state": ref("State"), "warning": ref("Warning"), "deadline": nday, "deadline_provisional": ref("Provisional"),
                 "level": {"type": "string", "enum": ["yellow", "red"], "description": "the application's card or its worst open task's"},
                 "tasks": {"type": "array", "description": "its open and claimed tasks", "items": obj({
                     "id": {"type": "integer"}, "bureau": {"type": "string"}, "task": {"type": "string", "description": "the task's name"},
                     "state": {"type": "string", "enum": ["open", "claimed"]}, "deadline": nday, "warning": ref("Warning"),
                     "deadline_provisional": ref("Provisional")},
                     ["id", "bureau", "task", "state", "deadline", "warning", "deadline_provisional"])}},
                ["number", "service", "service_name", "state", "warning", "deadline", "deadline_provisional", "level", "tasks"])
paths["/api/v1/supervision/overview"] = {"get": op("Live counts and statistics", "supervision",
    {"200": resp("counts by state; open applications by alert level (`warnings`: the lengths of the alert lists) and open "
                  "tasks by card (`task_warnings`: the worklist's badges); the calendar's coverage; per bureau and per service: "
                  "handled, open, average working days, overdue rate",
        obj({"counts": {"type": "object", "description": "applications by state (a state with none is absent)",
                        "propertyNames": ref("State"), "additionalProperties": {"type": "integer", "minimum": 1}},
             "warnings": obj({"yellow": {"type": "integer"}, "red": {"type": "integer"}}, ["yellow", "red"]),
             "task_warnings": obj({"yellow": {"type": "integer"}, "red": {"type": "integer"}}, ["yellow", "red"]),
             "calendar": obj({"source": {"type": ["string", "null"], "enum": ["shipped", "administrator", None],
                                         "description": "shipped: the State Council schedules built in, loaded on first start; "
                                                        "administrator: `tongban calendar load FILE`; null: none loaded"},
                              "covered_until": {"type": ["string", "null"], "format": "date",
                                                "description": "the last day the loaded schedules cover"},
                              "provisional": {"type": "integer",
                                              "description": "open applications whose promised deadline lies past it (暂定)"}},
                             ["source", "covered_until", "provisional"]),
             "bureaus": {"type": "array", "items": bureau_stat}, "services": {"type": "array", "items": service_stat},
             "today": {"type": "string", "format": "date"}, "at": {"type": "string", "format": "date-time"}},
            ["counts", "warnings", "task_warnings", "calendar", "bureaus", "services", "today", "at"]))},
    desc="Roles: inspector.")}
paths["/api/v1/supervision/alerts"] = {"get": op("The yellow and red lists", "supervision",
    {"200": resp("open applications with a warning (their own or a bureau's), red first, then by deadline",
        obj({"items": {"type": "array", "items": alert_row}}, ["items"])),
     "422": prob("level is not yellow or red, or limit is out of range")},
    [{"name": "level", "in": "query", "required": False, "schema": {"type": "string", "enum": ["yellow", "red"]}},
     {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 5000}}],
    desc="Roles: inspector.")}
paths["/api/v1/supervision/stream"] = {"get": op("Live changes (server-sent events)", "supervision",
    {"200": resp("text/event-stream: `change` events (data: number, seq, action, status, warning) with ids EPOCH-N; "
                 "`reset` when the client must reload (unknown Last-Event-ID, an event of its own lost, listener reconnected); "
                 "a comment heartbeat every 15 s; a last `auth` event (data: reason: revoked, expired, disabled, "
                 "role_changed or ended) when the session ends or the account's role or bureau changes, checked every "
                 "2 s (`--stream-recheck`), and then the stream and its connection close", {"type": "string"}, "text/event-stream"),
     "406": prob("the request does not accept text/event-stream")},
    [{"name": "Last-Event-ID", "in": "header", "required": False, "schema": {"type": "string"}},
     {"name": "access_token", "in": "query", "required": False,
      "description": "the bearer token, for EventSource (which cannot send headers)", "schema": {"type": "string"}}],
    desc="Roles: clerk, officer, inspector. Each stream carries its own events: an inspector every one; an officer "
         "those of applications in which its bureau has a task (and of an alert or urge only its own bureau's); a "
         "clerk the window's (the window's and the applicant's actions, and decisions, returns and terminations "
         "once the application leaves review) with only number, seq, action, status and warning.")}
# ---- statistics (api/api_stats.c, store/tb_store_stats.c) ----
_int = {"type": "integer", "minimum": 0}
_rate = {"type": ["number", "null"], "minimum": 0, "maximum": 1,
         "description": "a share with 4 places; null when there is nothing to divide by"}
_days = {"type": ["number", "null"], "minimum": 0,
         "description": "working days with one decimal (fractions of working days, by the stored calendar); "
                        "a positive time below 0.05 shows as 0.1, never 0; null when none is completed"}
schemas_stats_row = obj({
    "key": {"type": "string", "description": "the bureau's code, the service's id, or the window: "
            "clerk:ACCOUNT_ID, or channel:window / channel:online when no clerk is recorded"},
    "name": {"type": ["string", "null"], "description": "the bureau's or service's name, the clerk's username; "
             "null for a channel"},
    "applications": _int, "completed": {**_int, "description": "approved, denied or delivered"},
    "on_time": {**_int, "description": "completed by the deadline (per bureau: each task by its deadline)"},
    "on_time_rate": _rate, "average_days": _days, "p90_days": _days,
    "returns": {**_int, "description": "tasks returned (退回)"}, "denials": {**_int, "description": "不予许可"},
    "red_cards": {**_int, "description": "red alerts not revoked"},
    "rated": _int, "grade_1": _int, "grade_2": _int, "grade_3": _int, "grade_4": _int, "grade_5": _int,
    "satisfaction_rate": {**_rate, "description": "grades 4-5 among rated"},
    "bad": {**_int, "description": "grades 1-2 (差评)"},
    "bad_fixed_on_time": {**_int, "description": "差评 whose 整改 was closed with a reply on or before its due day"}},
    ["key", "name", "applications", "completed", "on_time", "on_time_rate", "average_days", "p90_days",
     "returns", "denials", "red_cards", "rated", "grade_1", "grade_2", "grade_3", "grade_4", "grade_5",
     "satisfaction_rate", "bad", "bad_fixed_on_time"])
_date = {"type": "string", "format": "date", "example": "2026-03-01"}
paths["/api/v1/supervision/statistics"] = {"get": op("Statistics per bureau, service or window", "supervision",
    {"200": {"description": "one row per group, ordered by key",
             "content": {"application/json": {"schema": obj({
                 "by": {"type": "string", "enum": ["bureau", "service", "window"]},
                 "basis": {"type": "string", "enum": ["accepted", "completed"]},
                 "from": _date, "to": _date,
                 "items": {"type": "array", "items": schemas_stats_row}},
                 ["by", "basis", "from", "to", "items"])},
                         "text/csv": {"schema": {"type": "string"},
                                      "example": "\ufeff部门代码,部门,申请件数,办结件数,...\r\n"}},
             "headers": {"Content-Disposition": {"description": "CSV only: attachment; filename*=UTF-8''…",
                                                 "schema": {"type": "string"}}}},
     "422": prob("a bad parameter, named in errors[]: by, basis or format unknown; from or to missing "
                 "or not a date; to before from; a range longer than 366 days")},
    [{"name": "by", "in": "query", "required": False, "schema": {"type": "string", "enum": ["bureau", "service", "window"], "default": "bureau"}},
     {"name": "from", "in": "query", "required": True, "schema": _date, "description": "the first day (local date), inclusive"},
     {"name": "to", "in": "query", "required": True, "schema": _date, "description": "the last day, inclusive; at most 366 days in all"},
     {"name": "basis", "in": "query", "required": False, "schema": {"type": "string", "enum": ["accepted", "completed"], "default": "accepted"},
      "description": "accepted: the applications accepted in the range (open ones too); completed: those completed in it"},
     {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": ["json", "csv"]},
      "description": "csv: text/csv; charset=utf-8 with a byte order mark and Chinese headings, as an attachment "
                     "(also chosen by Accept: text/csv when format is not given)"}],
    desc="Roles: inspector. Per bureau a row is the bureau's part of each application (its tasks, first created "
         "to last decided); per service and per window the whole application, from acceptance to completion. "
         "Durations are working time: each working day of the stored calendar counts the share of its 24 hours "
         "covered (local time), days off count nothing.")}
# ---- supervision rules, findings, red cards, 催办 (api/api_alerts.c) ----
rule_id = {"type": "string", "pattern": "^[a-z_]{1,63}$"}
level = {"type": "string", "enum": ["yellow", "red"]}
when = {"type": "string", "format": "date-time"}
schemas_supervision = {
    "Rule": obj({"id": rule_id,
                 "kind": {"type": "string", "enum": ["step_overdue", "finished_late", "immediate_not_same_day",
                                                     "special_too_long", "gap_overdue", "verification_overdue",
                                                     "short_reason", "urged_repeatedly"]},
                 "level": level, "name": {"type": "string", "description": "in Chinese"},
                 "threshold": {"type": ["integer", "null"],
                               "description": "urged_repeatedly: urges of one task; short_reason: the fewest "
                                              "characters where the definition sets no min-reason"}},
                ["id", "kind", "level", "name", "threshold"]),
    "Finding": obj({
        "id": {"type": "integer"}, "rule": rule_id, "name": {"type": "string"}, "kind": {"type": "string"},
        "level": level, "number": {"type": "string"}, "service": {"type": "string"},
        "service_name": {"type": ["string", "null"]},
        "task": {**obj({"id": {"type": "integer"}, "name": {"type": "string"},
                        "state": {"type": "string", "enum": ["open", "claimed", "decided", "cancelled"]}}, ["id", "name", "state"]),
                 "type": ["object", "null"], "description": "the task the finding is about; null for an application's"},
        "bureau": {"type": ["string", "null"], "description": "the responsible bureau; null: the window"},
        "subject": {"type": "string"},
        "detail": {"type": "object", "description": "what the rule found, as the sweep recorded it; its keys depend on the rule's "
                   "kind (e.g. task and deadline for step_overdue, length and minimum for short_reason, urges for "
                   "urged_repeatedly), so this record is not closed here"},
        "raised_at": when,
        "state": {"type": "string", "enum": ["open", "answered", "upheld", "revoked"]},
        "answer": {"type": ["object", "null"], "additionalProperties": False,
                   "properties": {"kind": {"type": "string", "enum": ["explanation", "appeal"]},
                                  "text": {"type": "string"}, "by": {"type": ["string", "null"]}, "at": when,
                                  "file": {**obj({"name": {"type": "string"},
                                                  "media_type": {"type": "string", "enum": ["application/pdf", "image/jpeg", "image/png"]},
                                                  "size": {"type": "integer", "minimum": 1},
                                                  "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
                                                 ["name", "media_type", "size", "sha256"]),
                                           "type": ["object", "null"], "description": "GET …/findings/{id}/file; null without one"}},
                   "required": ["kind", "text", "by", "at", "file"]},
        "decision": {"type": ["object", "null"], "additionalProperties": False,
                     "properties": {"decision": {"type": "string", "enum": ["upheld", "revoked"]},
                                    "reason": {"type": "string"}, "by": {"type": ["string", "null"]}, "at": when},
                     "required": ["decision", "reason", "by", "at"]},
        "urges": {"type": "integer", "description": "urges of its task so far"}},
        ["id", "rule", "name", "kind", "level", "number", "service", "service_name", "task", "bureau", "subject", "detail",
         "raised_at", "state", "answer", "decision", "urges"]),
}
fid = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
q = lambda name, schema, desc=None: {"name": name, "in": "query", "required": False, "schema": schema,
                                     **({"description": desc} if desc else {})}
paths["/api/v1/supervision/rules"] = {"get": op("The loaded supervision rules", "supervision",
    {"200": resp("the rules of workflows/supervision.xml, in the file's order",
                 obj({"items": {"type": "array", "items": ref("Rule")}}, ["items"]))},
    desc="Roles: clerk, officer, inspector.")}
paths["/api/v1/supervision/findings"] = {"get": op("Findings of the rules (paged, newest first)", "supervision",
    {"200": resp("a page", obj({"items": {"type": "array", "items": ref("Finding")},
                                "next": {"type": ["integer", "null"], "description": "?after= of the next page"}},
                               ["items", "next"])),
     "422": prob("a query parameter is malformed; errors[] names it")},
    [q("rule", rule_id), q("level", level), q("bureau", {"type": "string"}, "an officer: only its own"),
     q("from", {"type": "string", "format": "date"}, "raised on or after (China's date)"),
     q("to", {"type": "string", "format": "date"}),
     q("state", {"type": "string", "enum": ["open", "answered", "decided", "upheld", "revoked"]}),
     q("limit", {"type": "integer", "minimum": 1, "maximum": 500}), q("after", {"type": "integer", "minimum": 1})],
    desc="Roles: inspector (every finding), officer (its bureau's). A red finding is a red card (红牌).")}
count_row = obj({"bureau": {"type": ["string", "null"]}, "total": {"type": "integer"}, "red": {"type": "integer"},
                 "yellow": {"type": "integer"},
                 "red_cards": {"type": "integer", "description": "red findings not revoked (counted in statistics)"},
                 "to_answer": {"type": "integer", "description": "red, neither answered nor decided"},
                 "urges": {"type": "integer"},
                 "rules": {"type": "object", "description": "findings by rule id (a rule with none is absent)",
                           "propertyNames": rule_id, "additionalProperties": {"type": "integer", "minimum": 1}}},
                ["bureau", "total", "red", "yellow", "red_cards", "to_answer", "urges", "rules"])
paths["/api/v1/supervision/findings/counts"] = {"get": op("Findings and urges counted per bureau and rule", "supervision",
    {"200": resp("the counts", obj({"bureaus": {"type": "array", "items": count_row},
                                    "rules": {"type": "object", "description": "findings by rule id (a rule with none is absent)",
                                              "propertyNames": rule_id, "additionalProperties": {"type": "integer", "minimum": 1}},
                                    "urges": {"type": "integer"}}, ["bureaus", "rules", "urges"]))},
    [q("bureau", {"type": "string"})], desc="Roles: inspector, officer (its bureau's).")}
paths["/api/v1/supervision/urges"] = {"get": op("Urged tasks still open (催办)", "supervision",
    {"200": resp("each urged open or claimed task with its count and latest urge",
                 obj({"items": {"type": "array", "items": obj({
                     "task": {"type": "integer"}, "task_name": {"type": "string"}, "number": {"type": "string"},
                     "bureau": {"type": "string"}, "state": {"type": "string"}, "urges": {"type": "integer"},
                     "reason": {"type": "string"}, "by": {"type": ["string", "null"]},
                     "role": {"type": "string", "enum": ["clerk", "inspector"]}, "at": when},
                     ["task", "task_name", "number", "bureau", "state", "urges", "reason", "by", "role", "at"])}}, ["items"]))},
    [q("bureau", {"type": "string"})], desc="Roles: clerk, inspector, officer (its bureau's).")}
paths["/api/v1/supervision/findings/{id}"] = {"get": op("One finding", "supervision",
    {"200": resp("the finding", ref("Finding"))}, [fid], desc="Roles: inspector, officer (its bureau's).")}
paths["/api/v1/supervision/findings/{id}/file"] = {"get": op("The file of a red card's answer", "supervision",
    {"200": {"description": "its bytes, with Content-Type the type detected from them (PDF, JPEG or PNG)",
             "content": {t: {"schema": {"type": "string", "contentMediaType": t}} for t in ("application/pdf", "image/jpeg", "image/png")}},
     "404": prob("no such finding, or it has no file")},
    [fid, q("download", {"type": "string", "enum": ["1"]})], desc="Roles: inspector, officer (its bureau's).")}
paths["/api/v1/supervision/findings/{id}/answer"] = {"post": op("Answer a red card (情况说明 or 申诉)", "supervision",
    {"200": resp("the finding, answered", ref("Finding")),
     "409": prob("answered already (alert_answered), decided already (alert_decided) or a yellow finding "
                 "(not_red_card); the problem carries `state`"),
     "415": prob("the attachment is not a PDF, JPEG or PNG (decided from its bytes; errors[] names attachment)"),
     **body_err},
    [fid, idem], jbody(obj({"kind": {"type": "string", "enum": ["explanation", "appeal"]},
                            "text": {"type": "string", "minLength": 1, "maxLength": 2000},
                            "attachment": obj({"name": {"type": "string", "maxLength": 200},
                                               "content": {"type": "string", "description": "the file's bytes, base64"}},
                                              ["content"])}, ["kind", "text"])),
    desc="Roles: officer of the card's bureau. One answer per card; the file (within the 1 MiB body) is "
         "checked from its bytes like a material. Audited (alert_answered).")}
paths["/api/v1/supervision/findings/{id}/decision"] = {"post": op("Decide a card (维持 or 撤销)", "supervision",
    {"200": resp("the finding, decided", ref("Finding")),
     "409": prob("decided already (alert_decided); the problem carries `state`"), **body_err},
    [fid, idem], jbody(obj({"decision": {"type": "string", "enum": ["upheld", "revoked"]},
                            "reason": {"type": "string", "minLength": 1, "maxLength": 2000}},
                           ["decision", "reason"])),
    desc="Roles: inspector. One decision per card; statistics count a red card unless revoked. Audited (alert_decided).")}
paths["/api/v1/tasks/{id}/urge"] = {"post": op("Urge a task (催办)", "tasks",
    {"201": resp("the urge recorded", obj({"task": {"type": "integer"}, "bureau": {"type": "string"},
                                           "urges": {"type": "integer"}, "reason": {"type": "string"},
                                           "by": {"type": "string"}, "urged_repeatedly": {"type": "boolean",
                                           "description": "this urge raised the urged_repeatedly finding"}},
                                          ["task", "bureau", "urges", "reason", "by", "urged_repeatedly"])),
     "409": prob("the task is decided or cancelled (task_closed); the problem carries `state`"), **body_err},
    [fid, idem], jbody(obj({"reason": {"type": "string", "minLength": 1, "maxLength": 500}}, ["reason"])),
    desc="Roles: clerk, inspector. Recorded with an audit event (task_urged); shown on the bureau's worklist.")}
# The verbs of a branch (issue 14, api/api_verbs.c): every one answers as
# decide does, and refuses with a reason a person can act on.
verb_conflict = {"409": prob(
    "refused, nothing changed: task_superseded (the task is no longer its slot's current one; current_task names the "
    "branch's open task), not_assignee (assigned to another officer or a group the officer is not in), "
    "claimed_by_other, not_allowed (the definition does not allow it here; the detail names what it allows), "
    "illegal_state (e.g. 撤回 after the next step acted), limit (加签 past the step's signers); the problem carries `state`")}
verb_422 = {"422": prob("fields are missing, of the wrong type, unknown or invalid (errors[] names each); "
                        "invalid_request on field to: no active officer of the task's bureau has that user name")}
to_field = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9._-]{1,64}$",
            "description": "the user name of an active officer of the task's bureau"}
verb_reason = {"type": "string", "maxLength": 2000, "description": "why, kept in the audit event and shown on the timeline"}
def verb(summary, props, req, example, desc):
    return {"post": op(summary, "tasks", {**task_ok, **verb_conflict, **body_err, **verb_422}, [tid, idem],
                       {"required": True, "content": {"application/json": {"schema": obj(props, req), "example": example}}},
                       desc="Roles: officer of the task's bureau. " + desc)}
paths["/api/v1/tasks/{id}/transfer"] = verb("Transfer a task (转办)",
    {"to": to_field, "reason": verb_reason}, ["to"], {"to": "officer-li", "reason": "该事项由李科员负责"},
    "The holder of an open task hands it to another officer of the bureau: the task closes (decision transfer, "
    "handed_to) and a new one of the same slot and deadline opens for them. Refused for the officer themself or one "
    "who already signs in the step.")
paths["/api/v1/tasks/{id}/delegate"] = verb("Delegate a task (委派)",
    {"to": to_field, "reason": verb_reason}, ["to"], {"to": "officer-li", "reason": "请协助核实现场"},
    "As transfer, but the task comes back: the delegate gets a task (delegate_of names the holder) and only they may "
    "act on the slot, by resolve.")
paths["/api/v1/tasks/{id}/resolve"] = verb("Hand a delegated task back (委派办毕)",
    {"comment": verb_reason}, [], {"comment": "现场核实无误"},
    "The delegate's task closes (decision resolve, handed_to the holder); a new task opens for the holder to decide.")
paths["/api/v1/tasks/{id}/signers"] = verb("Add a signer (加签)",
    {"to": to_field, "position": {"type": "string", "enum": ["before", "after", "parallel"],
                                  "description": "before (前加签) and after (后加签) in a one-signer or 依次 step; parallel in 会签, 或签 and 票签"},
     "reason": verb_reason}, ["to", "position"], {"to": "officer-li", "position": "before", "reason": "需法制审核"},
    "before: the added signer's task opens now and the holder's waits until they approved; after: the added signer "
    "waits for the holder's approval; parallel: signs beside the others. At most 8 signers per step (409 limit); "
    "a position the step does not allow is 409 not_allowed naming the ones it does.")
paths["/api/v1/tasks/{id}/remove"] = verb("Remove a signer (减签)",
    {"reason": verb_reason}, ["reason"], {"reason": "无需法制审核"},
    "The path names the removed signer's task, waiting or open, not decided. Allowed to whoever added the signer, or "
    "for a signer of the definition to an officer of the step's remove-by group (else 409 not_allowed); never the "
    "step's last signer.")
paths["/api/v1/tasks/{id}/send-back"] = verb("Send the branch back to an earlier step (退回)",
    {"to_step": {"type": "string", "minLength": 1, "maxLength": 64, "description": "the step id of the branch to go back to"},
     "reason": verb_reason}, ["to_step", "reason"], {"to_step": "accept", "reason": "受理材料不全，请重新审核"},
    "The step's tasks close (the acted one with decision send_back and back_to), the round goes up and the named step "
    "opens afresh with its own days. Only to a step the definition's back-to lists (else 409 not_allowed naming them); "
    "a step id not of the branch is 422 naming to_step. Other branches are never touched.")
paths["/api/v1/tasks/{id}/take-back"] = verb("Take back a decision (撤回)",
    {"reason": verb_reason}, ["reason"], {"reason": "意见有误，需重新审核"},
    "The path names the decided task; only its decider may take it back, while what the decision opened has not acted "
    "(409 illegal_state otherwise, e.g. once the next step claimed or decided, the branch is approved or the "
    "application left review). The decision's slot opens again with a new task; the row keeps taken_back_at.")
paths["/api/v1/tasks/{id}/options"] = {"get": op("What the officer may do with a task", "tasks",
    {"200": resp("the verbs, the officers to name, the steps to send back to, the 加签 positions, the step's signers", obj({
        "verbs": {"type": "array", "items": {"type": "string", "enum": [
            "claim", "approve", "deny", "return", "transfer", "delegate", "signers", "send-back", "resolve", "remove",
            "take-back"]}, "description": "as far as the task's row and the definition tell; the engine has the last word"},
        "officers": {"type": "array", "description": "the active officers of the task's bureau but the asker (转办, 委派, 加签)",
                     "items": obj({"username": {"type": "string"}, "groups": {"type": "array", "items": {"type": "string"}}},
                                  ["username", "groups"])},
        "send_back_to": {"type": "array", "description": "the steps 退回 may go back to (the definition's back-to)",
                         "items": obj({"step": {"type": "string"}, "name": {"type": "string"}}, ["step", "name"])},
        "add_positions": {"type": "array", "items": {"type": "string", "enum": ["before", "after", "parallel"]}},
        "signers": {"type": "array", "description": "the newest task of each signer slot of the step and round",
                    "items": obj({"slot": {"type": "integer", "minimum": 0}, "task": {"type": "integer"},
                                  "status": {"type": "string", "enum": ["waiting", "open", "claimed", "decided", "cancelled"]},
                                  "who": {"type": ["string", "null"], "description": "the user name, else the group code"},
                                  "kind": {"type": "string", "enum": ["pool", "group", "officer", "account"]},
                                  "decision": {"type": ["string", "null"]}},
                                 ["slot", "task", "status", "who", "kind", "decision"])}},
        ["verbs", "officers", "send_back_to", "add_positions", "signers"]))},
    [tid], desc="Roles: officer of the task's bureau (403 wrong_bureau otherwise).")}
html = {"type": "string", "contentMediaType": "text/html"}
not_modified = {"description": "not modified: the If-None-Match header named the file's ETag; no body",
                "headers": {"ETag": {"description": "the file's entity tag", "schema": {"type": "string"}}}}
def page(summary, desc, params=None, types=("text/html",)):
    ok = {"description": "the file (embedded in the binary), with its ETag, Cache-Control no-cache and, for HTML, a Content-Security-Policy",
          "headers": {"ETag": {"description": "the file's entity tag: send it back as If-None-Match", "schema": {"type": "string"}}},
          "content": {t: {"schema": {"type": "string", "contentMediaType": t}} for t in types}}
    return {"get": op(summary, "pages", {"200": ok, "304": not_modified, "404": prob("no such page or file")},
                      params, secured=False, desc=desc)}
paths["/"] = page("Start page", "The start page: links to the window console, the worklist, supervision, tracking and license verification.")
paths["/web/{file}"] = page("A file of web/ (HTML, CSS, JavaScript modules)", "The pages' files by name (flat: no folders); "
    "the type is the file's (HTML, CSS or a JavaScript module).",
    [{"name": "file", "in": "path", "required": True, "description": "a file name of web/, e.g. common.js",
      "schema": {"type": "string", "pattern": "^[a-z0-9_.-]+$"}}],
    ("text/html", "text/css", "text/javascript"))
paths["/t/{number}"] = page("The applicant's tracking page", "The page a receipt's QR code opens: it reads the number from "
    "the path and the tracking code from ?c= and asks GET /api/v1/track/{number}?code= (the page itself checks neither).",
    [{"name": "number", "in": "path", "required": True, "description": "the application number, as printed on the receipt",
      "schema": {"type": "string"}},
     {"name": "c", "in": "query", "required": False, "description": "the tracking code; without it the page asks for one",
      "schema": {"type": "string", "maxLength": 64}}])
paths["/v"] = page("The license verification page", "Verifies a license QR payload with POST /api/v1/licenses/verify; "
    "a payload in ?p= is verified at once, else the page asks for one.",
    [{"name": "p", "in": "query", "required": False, "description": "a license QR payload (\"TB1:…\")",
      "schema": {"type": "string", "maxLength": 8192}}])
# ---- materials as files (api/api_files.c) ----
file_body = {"required": True, "description": "the raw bytes of ONE file (a scan or photo): PDF, JPEG or PNG. "
             "Any Content-Type is accepted and ignored: the type is decided from the bytes, which are "
             "checked in full (PDF header, startxref and %%EOF; PNG and JPEG decoded under width, height "
             "and pixel limits). At most the server's --max-file-bytes (default 10 MiB).",
             "content": {"application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}},
                         "application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}},
                         "image/jpeg": {"schema": {"type": "string", "contentMediaType": "image/jpeg"}},
                         "image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}}}}
fname = {"name": "name", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "the file's name as people read it: only shown, never a path. Cleaned: the part after the "
                        "last / or \\, control characters removed, at most 100 characters (the extension kept); "
                        "absent or empty: 未命名 and the detected type's extension"}
file_code = {"name": "code", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 64},
             "description": "without a token: the applicant's tracking code"}
file_errs = {"413": prob("file_too_large: over --max-file-bytes; application_files_too_large: the application's "
                         "files together would pass --max-application-bytes (errors[].field names the material)"),
             "415": prob("unsupported_file_type: the bytes are not a PDF, JPEG or PNG (a zip under a .pdf name is one)"),
             "422": prob("empty_file, damaged_file (truncated, corrupt, bytes after a PNG's IEND or a PDF's %%EOF, "
                         "or an image over the width/height/pixel limits: a decompression bomb); "
                         "unknown_material (field \"material\"); errors[].field is \"materials.ID\" "
                         "for a material's file, \"file\" for an opinion file"),
             "400": prob("a bad Idempotency-Key")}
file_created = {"201": resp("stored; the audit event (material_attached / opinion_attached) carries its SHA-256",
                            ref("File"), headers={"Location": {"description": "the file (its href)", "schema": {"type": "string"}}})}
mat = {"name": "material", "in": "path", "required": True, "schema": {"type": "string"},
       "description": "a material id of the application's definition"}
paths["/api/v1/applications/{number}/materials/{material}/files"] = {"post": op(
    "Attach a file (one page) to a material", "applications",
    {**file_created, **file_errs,
     "404": prob("no such application; without a token also a wrong or missing tracking code (the same answer as tracking)"),
     "409": prob("materials_locked: the material takes no files in the application's state (field materials.ID)"),
     "429": prob("too many tracking-code misses from this client", RA)},
    [num, mat, fname, file_code, idem], file_body, anonymous=True,
    desc="Roles: clerk; no token: the applicant with ?code= (online supplements). Files may be attached while the "
         "application is submitted (intake; online ones too); while a one-time notice names the material "
         "(awaiting_supplement, returned); while a tolerated gap (容缺) of it is open (in_review, awaiting_materials). "
         "Versions: the files attached between two transitions that concern materials (submit, accept, "
         "request_supplement, return, supplement) form one version, pages numbered from 1; the first file after such "
         "a transition opens the next version and marks the one before replaced (still readable). Nothing is deleted. "
         "One transaction locks the application and appends the audit event material_attached {material, version, "
         "page, name, size, media_type, sha256}; a refused file changes nothing.")}
paths["/api/v1/tasks/{id}/files"] = {"post": op(
    "Attach an opinion file (意见附件, e.g. 现场核查报告) to a task", "tasks",
    {**file_created, **file_errs,
     "404": prob("no such task"),
     "409": prob("task_superseded: the task is decided or cancelled; claimed_by_other: another officer claimed it")},
    [tid, fname, idem], file_body,
    desc="Roles: officer of the task's bureau (403 wrong_bureau otherwise), while the task is open or claimed by "
         "them. Audited as opinion_attached {task, bureau, page, name, size, media_type, sha256}.")}
paths["/api/v1/applications/{number}/materials"] = {"get": op(
    "The materials of an application, with their files and versions", "applications",
    {"200": resp("every material of the definition in its order, and the officers' opinion files by task", ref("MaterialList")),
     "404": prob("no such application; without a token also a wrong or missing tracking code"),
     "429": prob("too many tracking-code misses from this client", RA)},
    [num, file_code], anonymous=True,
    desc="Roles: clerk, inspector, officer (of a bureau with a task in the application, any round; 403 wrong_bureau "
         "otherwise); no token: the applicant with ?code=.")}
paths["/api/v1/applications/{number}/files/{id}"] = {"get": op(
    "One file's bytes", "applications",
    {"200": {"description": "the bytes, with Content-Type the detected type (application/pdf, image/jpeg or image/png; "
             "never HTML), X-Content-Type-Options: nosniff, a Content-Security-Policy that runs no script, "
             "Content-Disposition inline (attachment with download=1) with filename*=UTF-8''…, Cache-Control private. "
             "Pages fetch() it with the Authorization header and show a blob: URL.",
             "content": {"application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}},
                         "image/jpeg": {"schema": {"type": "string", "contentMediaType": "image/jpeg"}},
                         "image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}}},
             "headers": {"Content-Disposition": {"description": "inline or attachment; filename*=UTF-8''<percent-encoded name>",
                                                 "schema": {"type": "string"}}}},
     "404": prob("the application has no such file; without a token also a wrong or missing tracking code"),
     "429": prob("too many tracking-code misses from this client", RA)},
    [num, {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}, file_code,
     {"name": "download", "in": "query", "required": False, "schema": {"type": "string", "enum": ["1"]},
      "description": "1: Content-Disposition attachment"}],
    anonymous=True, desc="Roles: as GET …/materials.")}
# The documents of an application (issue 13 §1; api_documents.c).
doc_kinds = ["acceptance", "notice", "refusal", "denial", "gap", "commitment", "approval", "delivery"]
doc_roles = ("Roles: clerk, inspector, officer (of a bureau with a task in the application; 403 wrong_bureau otherwise); "
             "no token: the applicant with ?code= (the tracking code: a wrong one is the tracking's 404 and counts "
             "against the client's guess limit); neither a token nor a code is 401. A read by staff is logged with "
             "the account (security log, not the audit trail).")
doc_errs = {"401": prob("neither a token nor ?code= (unauthenticated), or a bad token"),
            "429": prob("too many tracking-code misses from this client", RA)}
paths["/api/v1/applications/{number}/documents"] = {"get": op(
    "The documents an application has now", "applications",
    {"200": resp("the documents, in the order of their kinds", obj({
        "number": number_s,
        "documents": {"type": "array", "items": obj({
            "kind": {"type": "string", "enum": doc_kinds},
            "title": {"type": "string", "description": "the document's Chinese title (受理通知书 …)", "example": "受理通知书"},
            "url": {"type": "string", "description": "the PDF: …/documents/{kind}, with ?code= when the list was read with one",
                    "example": "/api/v1/applications/330100202611300000012/documents/acceptance"},
            "reason": {"type": "string", "description": "why the application has it, in Chinese", "example": "申请已受理"}},
            ["kind", "title", "url", "reason"])}}, ["number", "documents"])),
     "404": prob("no such application; without a token also a wrong tracking code (the same answer as tracking)"),
     **doc_errs},
    [num, file_code], anonymous=True,
    desc="Which kinds: acceptance (受理通知书) once accepted; notice (一次性告知书) when a supplement was ever requested "
         "(by the window or a bureau's return); refusal (不予受理决定书) when refused; denial (不予许可决定书) when denied; "
         "gap (容缺受理告知书) when accepted with tolerated gaps; commitment (告知承诺书) before acceptance when the service "
         "has commitment materials (the applicant signs it), after acceptance when materials were committed; approval (准予许可决定书) once licenses were issued; "
         "delivery (出件回执) once delivered. " + doc_roles)}
paths["/api/v1/applications/{number}/documents/{kind}"] = {"get": op(
    "One document as PDF", "applications",
    {"200": {"description": "the PDF rendered now from the server's templates (a changed template shows in the next "
             "one): Content-Disposition inline with filename*=UTF-8''<title>-<number>.pdf, Cache-Control no-store. "
             "It carries the office, the document's number and date, the applicant, the application and a QR code "
             "of the tracking page (with the tracking code only in the clerk's and the code holder's copy).",
             "content": {"application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}}},
             "headers": {"Content-Disposition": {"description": "inline; filename*=UTF-8''<percent-encoded name>",
                                                 "schema": {"type": "string"}},
                         "Cache-Control": {"description": "no-store", "schema": {"type": "string"}}}},
     "404": prob("document_not_found: the application has no document of this kind now, or the kind is none; "
                 "not_found: no such application (without a token also a wrong tracking code)"),
     "500": prob("document_failed: the template has problems or the renderer failed (details in the log)"),
     "503": prob("documents_unavailable: the server has no templates folder or bureaus.xml names no <office>; "
                 "or the database is unreachable or busy", RA),
     **doc_errs},
    [num, {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": doc_kinds},
           "description": "the document's kind"}, file_code],
    anonymous=True, desc=doc_roles)}
nullable = lambda t: {"type": [t, "null"]}
schemas = {
    "Problem": {"type": "object", "description": "RFC 9457 problem details with a stable code",
        "required": ["type", "title", "status", "code", "detail", "errors"], "additionalProperties": False,
        "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "code": ref("ProblemCode"), "detail": {"type": "string"},
            "state": {"type": "string", "description": "409: the state that refused the request: an application's (State), a task's "
                      "(open, claimed, decided, cancelled), a finding's (open, answered, upheld, revoked), a 整改 ticket's "
                      "(open, replied, closed) or a verification's (open, true, false)",
                      "enum": sorted(set(["none", "submitted", "awaiting_supplement", "refused", "in_review", "returned",
                          "suspended", "approved", "denied", "delivered", "withdrawn", "terminated", "awaiting_materials", "expired",
                          "open", "claimed", "decided", "cancelled", "answered", "upheld", "revoked", "replied", "closed",
                          "true", "false"]))},
            "current_task": {"type": ["integer", "null"], "description": "task_superseded: the open task of the branch now, null when it has none"},
            "name_on_record": {"type": "string", "description": "holder_name_mismatch: the number's name on record, in full for staff and masked (first character and asterisks) for anyone else"},
            "window_required": {"type": "boolean", "description": "holder_name_mismatch: true when the change of name can only be recorded at a window (an online application)"},
            "errors": {"type": "array", "description": "each offending field (a JSON path like materials.ID or bureaus[0].grade, a header or a query parameter)",
                "items": obj({"field": {"type": "string"}, "code": ref("ProblemCode"), "detail": {"type": "string"}},
                             ["field", "code", "detail"])}}},
    "ProblemCode": {"type": "string", "enum": [p["code"] for p in PROBLEMS],
        "description": "Every code the server sends, at the top of a problem and in its errors[] "
                       "(the registry engine/tb_problems.def; the status is the problem's):\n\n" +
                       "\n".join(f"- `{p['code']}` ({p['status']}): {p['en']} — {p['zh']}" for p in PROBLEMS)},
    "State": {"type": "string", "enum": ["none", "submitted", "awaiting_supplement", "refused", "in_review", "returned",
        "suspended", "approved", "denied", "delivered", "withdrawn", "terminated", "awaiting_materials", "expired"],
        "description": "awaiting_materials (准予许可，待补齐容缺材料后出证): every bureau approved, but tolerated "
                       "materials (容缺) are still owed, so no license is signed yet; the supplement of the last one "
                       "signs them in its transaction and the state becomes approved. A missed due day applies the "
                       "service's rule (warn: gap_overdue; terminate: terminated, nothing signed). expired (已过期): an online "
                       "application no clerk accepted within the server's --online-expiry; final, it counts toward nothing "
                       "(overview, statistics, cards, intake limits, the holder's list unless state=expired is asked for)."},
    "Warning": {"type": "string", "enum": ["none", "yellow", "red"],
        "description": "the card (黄牌 / 红牌), one definition everywhere (engine/README.md, \"Deadlines and warnings\"): red from the day "
                       "after the deadline; yellow from the start of the T-th last working day, T = min(warn-days, half the limit rounded "
                       "up), so a one-day task is not yellow when it opens; none while the clock does not run (before acceptance, paused, "
                       "decided or ended)"},
    "Provisional": {"type": "boolean", "description": "the deadline lies past the last day the loaded holiday calendar covers (that year's "
        "State Council schedule is not loaded yet): it may move when it is, and is shown as 暂定"},
    "Applicant": {"type": "object", "required": ["kind", "name", "id_number"], "additionalProperties": False,
        "properties": {"kind": {"type": "string", "enum": ["person", "organization"]}, "name": {"type": "string", "maxLength": 100},
            "id_number": {"type": "string", "description": "18-character citizen ID (GB 11643) or credit code (GB 32100)"}}},
    "Intake": {"type": "object", "required": ["service", "applicant", "form", "channel"], "additionalProperties": False,
        "properties": {"service": {"type": "string"}, "applicant": ref("Applicant"),
            "form": {"allOf": [ref("FormValues")], "description": "field id → value in the field's type (FormValues; a number or money may also be a decimal string)"},
            "materials": {"type": "array", "items": {"oneOf": [{"type": "string"},
                {"type": "object", "required": ["id"], "additionalProperties": False,
                 "properties": {"id": {"type": "string"}, "license_id": {"type": "string",
                     "description": "an e-license of the holder that supplies the material (checked: exists, the holder's, the material's type, valid); materials with a license type are otherwise filled in from the holder's valid license automatically"}}}]}},
            "channel": {"type": "string", "enum": ["window", "online"]},
            "tolerated": {**ids, "description": "window only: the clerk's 容缺 choice, checked against the service as acceptance does and stored; an acceptance whose body names no choice uses it"},
            "committed": {**ids, "description": "the 告知承诺 choice, stored like tolerated: the clerk's at a window, the applicant's own online"},
            "name_change": {"type": "object", "required": ["confirmed", "reason"], "additionalProperties": False,
                "description": "window only: the clerk confirms that the holder's name changed; recorded as the audit event holder_renamed (old and new name) before the submission",
                "properties": {"confirmed": {"type": "boolean", "const": True}, "reason": {"type": "string", "maxLength": 1000}}}}},
    "FormValues": {"type": "object", "description": "form values (or branch outputs) by field id, each in its field's type: "
        "number → a JSON number; boolean → true / false; choice → the choice's value (a string), a multiple choice → a list of "
        "values in the definition's order; date → \"YYYY-MM-DD\"; money (yuan) → a decimal string with exactly two places "
        "(\"1000.00\", \"-12.50\" only where the field's min is negative); text and id-number → strings. A field left blank is absent. "
        "Intake takes the same shapes (a number or money may also be given as a decimal string).",
        "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"},
            {"type": "array", "items": {"type": "string"}}]},
        "examples": [{"company_type": "llc", "registered_capital": "1000000.00", "scope": ["software", "consulting"],
                      "employees": 12, "needs_invoice": False}]},
    "DaysLeft": {"type": ["integer", "null"], "description": "working days from today to a deadline, counted by the server on the loaded holiday "
        "calendar (调休 included): 0 on the last day, negative when overdue; null while the clock does not run"},
    "PublicEvent": {"type": "object", "required": ["at", "action", "bureau"], "additionalProperties": False,
        "properties": {"at": {"type": "string", "format": "date-time"},
            "action": {"type": "string", "enum": ["submit", "accept", "refuse", "request_supplement", "supplement", "approve", "deny",
                "return", "suspend", "resume", "withdraw", "deliver", "rate", "timer", "issue_license", "deadline_recomputed",
                "close_notice", "expire"],
                "description": "issue_license: a license signed (bureau: its issuer), right after the event that signed it"},
            "bureau": {**nullable("string"), "description": "the bureau that acted (a bureau code), null for the window and the applicant"}}},
    "Decision": {"type": ["object", "null"], "additionalProperties": False,
        "required": ["kind", "reason", "legal_basis", "decided_at", "bureau", "bureau_name", "rights"],
        "description": "the refusal (不予受理) or denial (不予许可) that ended the application, as the applicant is told it (行政许可法 art. 38); "
                       "null in every other state. The reason and a cited legal basis are what the clerk (reject) or officer (deny's "
                       "comment) wrote, kept in the decision's audit event; without a cited one, the legal basis is the definition's "
                       "<legal-basis>. The review body and court are the deciding bureau's <rights> in bureaus.xml (else the list's).",
        "properties": {"kind": {"type": "string", "enum": ["refused", "denied"]},
            "reason": {"type": ["string", "null"]},
            "legal_basis": {"type": ["string", "null"], "description": "null when neither the decision nor the definition gives one"},
            "decided_at": {"type": "string", "format": "date-time"},
            "bureau": {**nullable("string"), "description": "the deciding bureau's code; null for a refusal by a clerk of no bureau (the window)"},
            "bureau_name": nullable("string"),
            "rights": {"type": "object", "additionalProperties": False, "required": ["review", "litigation"],
                "properties": {
                    "review": {"type": "object", "additionalProperties": False, "required": ["body", "days", "until"],
                        "description": "行政复议 within 60 days (行政复议法 art. 20)",
                        "properties": {"body": {**nullable("string"), "description": "the 行政复议 body; null when bureaus.xml names none"},
                            "days": {"type": "integer", "const": 60},
                            "until": {"type": "string", "format": "date", "description": "the decision's day (China Standard Time) + 60 calendar days, moved to the next working day of the loaded calendar when it is not one"}}},
                    "litigation": {"type": "object", "additionalProperties": False, "required": ["court", "months", "until"],
                        "description": "行政诉讼 within 6 months (行政诉讼法 art. 46)",
                        "properties": {"court": {**nullable("string"), "description": "the court of first instance; null when bureaus.xml names none"},
                            "months": {"type": "integer", "const": 6},
                            "until": {"type": "string", "format": "date", "description": "the decision's day + 6 months (the last day of a shorter month), moved to the next working day when it is not one"}}}}}},
        "example": {"kind": "denied", "reason": "经营场所与有毒有害场所距离不足25米，不符合食品经营许可条件",
            "legal_basis": "《中华人民共和国行政许可法》第三十八条第二款；《中华人民共和国食品安全法》第三十五条",
            "decided_at": "2026-11-30T02:15:00Z", "bureau": "SCJG", "bureau_name": "市场监督管理局",
            "rights": {"review": {"body": "杭州市人民政府", "days": 60, "until": "2027-01-29"},
                       "litigation": {"court": "杭州市上城区人民法院", "months": 6, "until": "2027-05-31"}}}},
    "Session": obj({"token": {"type": "string", "description": "send it as Authorization: Bearer <token>"},
        "role": {"type": "string", "enum": ["admin", "clerk", "officer", "inspector"]},
        "username": {"type": "string"}, "bureau": {**nullable("string"), "description": "an officer's bureau code; null for other roles"},
        "expires_at": dt,
        "pending": {"type": "array", "uniqueItems": True,
                    "items": {"type": "string", "enum": ["password_change", "totp_enrolment"]},
                    "description": "steps this session owes before anything else (empty: none). While one is owed, every "
                                   "route but the step's own and log-out answers 403 password_change_required or "
                                   "totp_enrolment_required"},
        "groups": {"type": "array", "maxItems": 8, "uniqueItems": True, "items": {"type": "string"},
                   "description": "the officer's groups (岗位, bureaus.xml <group>) as they are now; empty for other roles"}},
        ["token", "role", "username", "bureau", "expires_at", "pending", "groups"]),
    "Material": obj({"id": {"type": "string"}, "name": {"type": "string"}, "required": {"type": "boolean"},
        "status": {"type": "string", "enum": ["provided", "from_license", "committed", "gap", "requested", "missing"],
                   "description": "gap: an open tolerated gap (容缺, see due); requested: asked for by the open one-time notice; "
                                  "from_license: an e-license supplies it; committed: replaced by a signed commitment (告知承诺)"},
        "due": {**day, "description": "only for an open tolerated gap (status gap): the last day to supply it"},
        "choice": {"type": ["string", "null"], "enum": ["tolerated", "committed", None],
            "description": "the clerk's choice stored at registration (容缺 or 告知承诺), seen by every window"}},
        ["id", "name", "required", "status", "choice"]),
    "Branch": obj({"id": {"type": "string"}, "name": {"type": "string"}, "bureau": {"type": "string"},
        "status": {"type": "string", "enum": ["inactive", "waiting", "active", "returned", "approved", "denied", "skipped", "cancelled"]},
        "round": {"type": "integer", "minimum": 0, "description": "counts up with each return (退回): a task acts only on its own round"},
        "claimed": {"type": "boolean"}, "warning": ref("Warning"),
        "task": {**obj({"id": {"type": "string"}, "name": {"type": "string"}, "step": {"type": "integer", "minimum": 0}},
                       ["id", "name", "step"]),
                 "description": "the branch's current step; absent once its last step is done"},
        "deadline": nday,
        "working_days_left": {"$ref": "#/components/schemas/DaysLeft", "description": "working days to the branch's deadline; null unless the branch is active and the application's clock runs"},
        "deadline_provisional": ref("Provisional")},
        ["id", "name", "bureau", "status", "round", "claimed", "warning", "deadline", "working_days_left", "deadline_provisional"]),
    "Notice": {**obj({"items": {"type": "array", "items": obj({"id": {"type": "string"}, "name": {"type": "string"},
                "supplied": {"type": "boolean", "description": "supplied since the notice; the notice stays open while any item is owed"}},
                ["id", "name", "supplied"])},
            "reason": {"type": ["string", "null"], "description": "what the window wrote with its supplement request, while the application waits for it before acceptance"},
            "bureaus": {"type": "array", "items": obj({"branch": {"type": "string"},
                "bureau": {"type": "string"}, "bureau_name": {"type": "string"}, "comment": nullable("string"),
                "items": {"type": ["array", "null"], "items": {"type": "string"}, "description": "the material ids the bureau returned for"}},
                ["branch", "bureau", "bureau_name", "comment", "items"])}},
            ["items", "reason", "bureaus"]),
        "type": ["object", "null"],
        "description": "the one-time notice: every item, the window's reason, and each returning bureau's comment and items; null when there is none"},
    "Application": obj(APPLICATION, list(APPLICATION)),
    "NewApplication": obj({**APPLICATION,
        "tracking_code": {"type": "string", "description": "printed on the receipt; shown only now, stored only hashed"},
        "from_licenses": {"type": "array", "description": "the materials an e-license of the holder supplies (named in the request, or automatic: the holder's valid license of the material's type)",
            "items": obj({"material": {"type": "string"}, "license_id": {"type": "string"},
                          "automatic": {"type": "boolean", "description": "filled in by the server, not named in the request"}},
                         ["material", "license_id", "automatic"])}},
        list(APPLICATION) + ["tracking_code", "from_licenses"]),
    "ApplicationRow": obj({"number": number_s, "service": {"type": "string", "description": "the service id"},
        "version": {"type": "integer", "description": "the definition's version"}, "applicant": ref("Applicant"),
        "form": ref("FormValues"), "state": ref("State"), "warning": ref("Warning"),
        "channel": {"type": "string", "enum": ["window", "online"]}, "deadline": nday, "statutory_deadline": nday,
        "created_at": dt, "updated_at": dt,
        "deadline_provisional": ref("Provisional"), "statutory_deadline_provisional": ref("Provisional")},
        ["number", "service", "version", "applicant", "form", "state", "warning", "channel", "deadline",
         "statutory_deadline", "created_at", "updated_at", "deadline_provisional", "statutory_deadline_provisional"]),
    "Event": obj({"seq": {"type": "integer", "minimum": 1}, "at": dt, "action": {"type": "string"},
        "actor": {"type": ["string", "null"], "description": "the account's user name; null for the applicant online and for timers"},
        "role": {"type": ["string", "null"]}, "bureau": nullable("string"),
        "payload": {"type": ["object", "null"],
            "description": "what the change recorded, as hashed into the chain; its keys depend on the action (a transition: "
                           "definition, from, to, event, effects and data; a file: material, version, page, name, size, media_type, sha256; "
                           "an approval's branch outputs in their types, like FormValues). This map is the audit record itself, so its "
                           "keys are not closed here."}},
        ["seq", "at", "action", "actor", "role", "bureau", "payload"]),
    "Task": obj({"id": {"type": "integer"}, "number": number_s, "service": {"type": "string"},
        "version": {"type": "integer", "description": "the definition's version"},
        "branch": {"type": "integer", "minimum": 0, "description": "the branch's index in the definition"},
        "step": {"type": "integer", "minimum": 0, "description": "the step's index in its branch"},
        "round": {"type": "integer", "minimum": 0},
        "branch_id": {"type": "string"}, "task_id": {"type": "string"}, "name": {"type": "string"}, "bureau": {"type": "string"},
        "state": {"type": "string", "enum": ["waiting", "open", "claimed", "decided", "cancelled"],
                  "description": "waiting: a 依次 (or 加签) signer whose turn has not come"},
        "claimant": {"type": ["integer", "null"], "description": "the account id of the officer who claimed it"},
        "deadline": nday, "warning": ref("Warning"),
        "application_deadline": nday, "application_state": ref("State"),
        "decision": {"type": ["string", "null"],
                     "enum": ["approve", "deny", "return", "send_back", "transfer", "delegate", "resolve", None],
                     "description": "what the officer did with it: a decision, 退回 (send_back), or handed it on (转办 transfer, 委派 delegate, 委派办毕 resolve)"},
        "slot": {"type": "integer", "minimum": 0, "description": "the signer's place in its step"},
        "serial": {"type": "integer", "minimum": 1, "description": "the task's number in its branch"},
        "signer_kind": {"type": "string", "enum": ["pool", "group", "officer", "account"],
                        "description": "who may take it: any officer of the bureau, officers of a group, one named officer, an account named at run time (转办, 委派, 加签)"},
        "group": {"type": ["string", "null"], "description": "a group task: the group's code (bureaus.xml <group>)"},
        "assignee": {"type": ["string", "null"], "description": "the user name it is assigned to (an officer signer not matching any active officer keeps the definition's name)"},
        "delegate_of": {"type": ["string", "null"], "description": "a 委派 task: the user name it goes back to"},
        "added_by": {"type": ["string", "null"], "description": "a 加签 signer's task: who added the signer"},
        "handed_to": {"type": ["string", "null"], "description": "transfer, delegate, resolve: the user name it went to"},
        "back_to": {"type": ["string", "null"], "description": "send_back: the step id the branch went back to"},
        "close_reason": {"type": ["string", "null"],
                         "enum": ["ended", "not_needed", "step_denied", "returned", "removed", "sent_back", "taken_back", "replaced", None],
                         "description": "why a cancelled task closed without its own decision"},
        "taken_back_at": {**ndt, "description": "撤回: when its decision was taken back; null if never"},
        "urges": {"type": "integer", "minimum": 0, "description": "催办 of this task so far"},
        "sign": {"type": ["string", "null"], "enum": ["one", "all", "any", "sequence", "vote", None],
                 "description": "the step's sign rule: one, 会签 all, 或签 any, 依次 sequence, 票签 vote"},
        "comment": nullable("string"),
        "items": {"type": ["array", "null"], "items": {"type": "string"}, "description": "a return's material ids"},
        "outputs": {"oneOf": [ref("FormValues"), {"type": "null"}], "description": "what the approval of this task recorded (branch outputs), each value in its type"},
        "created_at": dt, "decided_at": ndt,
        "deadline_provisional": ref("Provisional"),
        "working_days_left": {"$ref": "#/components/schemas/DaysLeft", "description": "working days to the task's deadline; null unless the task is open or claimed and the application's clock runs"}},
        ["id", "number", "service", "version", "branch", "step", "round", "branch_id", "task_id", "name", "bureau", "state",
         "claimant", "deadline", "warning", "application_deadline", "application_state", "decision", "comment", "items",
         "outputs", "created_at", "decided_at", "deadline_provisional", "working_days_left", "slot", "serial",
         "signer_kind", "group", "assignee", "delegate_of", "added_by", "handed_to", "back_to", "close_reason",
         "taken_back_at", "urges", "sign"]),
    "Tracking": obj({"number": number_s,
        "service": obj({"id": {"type": "string"}, "name": {"type": "string"}}, ["id", "name"]), "state": ref("State"),
        "applicant": obj({"name": {"type": "string", "description": "first character and asterisks"}}, ["name"]),
        "deadline": nday, "deadline_provisional": ref("Provisional"),
        "submitted_at": ndt, "accepted_at": ndt, "finished_at": ndt,
        "paused_days": {"type": "integer", "minimum": 0, "description": "calendar days the clock stood still (special procedures)"},
        "steps": {"type": "array", "description": "each bureau's branch that has started",
                  "items": obj({"name": {"type": "string"}, "bureau": {"type": "string"},
                                "status": {"type": "string", "enum": ["waiting", "active", "returned", "approved", "denied", "skipped", "cancelled"]},
                                "deadline": nday, "deadline_provisional": ref("Provisional")},
                               ["name", "bureau", "status", "deadline", "deadline_provisional"])},
        "notice": ref("Notice"), "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
        "working_days_left": {"type": ["integer", "null"],
            "description": "working days from today to the promised deadline, counted by the server on the loaded holiday calendar (调休 included): 0 on the last day, negative when overdue; null while the clock does not run (before acceptance, paused, decided or ended)"},
        "owed": {"type": "array", "description": "tolerated materials (容缺) still owed, with the last day to supply each",
            "items": obj({"id": {"type": "string"}, "name": {"type": "string"}, "due": nday}, ["id", "name", "due"])},
        "licenses": {"type": "array", "description": "the licenses issued, with their QR payloads",
            "items": obj({"id": {"type": "string"}, "name": {"type": "string"}, "type": {"type": "string", "description": "the type code"},
                          "valid_until": {"type": "string", "description": "YYYY-MM-DD or long-term"},
                          "payload": {"type": "string", "description": "the QR payload, \"TB1:\" + base45"},
                          "revoked": {"type": "boolean"}, "revoked_at": ndt},
                         ["id", "name", "type", "valid_until", "payload", "revoked", "revoked_at"])},
        "decision": ref("Decision"),
        "timeline": {"type": "array", "items": ref("PublicEvent"),
            "description": "what the applicant needs, in order: submitted, accepted or refused, notices and supplements, each bureau's result "
                           "(an approval that ends its branch, a denial, a return), special procedures, withdrawal, delivery, rating, a deadline "
                           "recomputed after a holiday calendar was loaded (deadline_recomputed), a timer that changed the state, and each license issued. Claims, approvals that only pass a branch to its next step, "
                           "warning timers and every other internal action are left out by the server."}},
        ["number", "service", "state", "applicant", "deadline", "deadline_provisional", "submitted_at", "accepted_at",
         "finished_at", "paused_days", "steps", "notice", "rating", "evaluation", "working_days_left", "owed", "licenses",
         "decision", "timeline"]),
    "Definition": obj({"id": {"type": "string"}, "version": {"type": "integer", "minimum": 1}, "name": {"type": "string"},
        "applicant": {"type": "string", "enum": ["person", "organization", "either"]},
        "statutory_days": {"type": "integer", "description": "the statutory time limit (法定时限), working days"},
        "promised_days": {"type": "integer", "description": "the promised time limit (承诺时限), working days"},
        "warn_days": {"type": "integer", "description": "the yellow card's lead, working days"},
        "online": {"type": "boolean", "description": "applicants may apply online"},
        "fields": {"type": "array", "items": ref("FieldDef")},
        "materials": {"type": "array", "items": obj({"id": {"type": "string"}, "name": {"type": "string"},
            "required": {"type": "boolean"},
            "tolerate_days": {"type": "integer", "minimum": 0, "description": "容缺: working days to supply it after acceptance; 0: not tolerated"},
            "commitment": {"type": "boolean", "description": "告知承诺: a signed commitment may replace it"},
            "license_type": {**nullable("string"), "description": "the e-license type that supplies it (one number)"}},
            ["id", "name", "required", "tolerate_days", "commitment", "license_type"])},
        "steps": {"type": "array", "description": "the branches; each task lists its outputs (fields an approval records)",
            "items": obj({"id": {"type": "string"}, "name": {"type": "string"}, "bureau": {"type": "string"},
                "tasks": {"type": "array", "items": obj({"id": {"type": "string"}, "name": {"type": "string"},
                    "days": {"type": "integer", "description": "the step's time limit in working days"},
                    "outputs": {"type": "array", "items": ref("FieldDef")}}, ["id", "name", "days", "outputs"])},
                "after": {"type": "array", "items": {"type": "string"}, "description": "the branches that must finish first"},
                "deny_continues": {"type": "boolean"},
                "when": {**nullable("string"), "description": "the condition on form values that starts the branch; null: always"}},
                ["id", "name", "bureau", "tasks", "after", "deny_continues", "when"])},
        "specials": {"type": "array", "items": obj({"kind": {"type": "string", "enum": ["hearing", "inspection", "testing", "expert-review"]},
            "name": {"type": "string"}, "max_days": {"type": "integer"}}, ["kind", "name", "max_days"])},
        "licenses": {"type": "array", "items": obj({"type": {"type": "string", "description": "the license type code"},
            "name": {"type": "string"}, "bureau": {"type": "string", "description": "the issuing bureau"},
            "holder": {**obj({"number": {"type": "string"}, "name": {"type": "string"}}, ["number", "name"]),
                       "type": ["object", "null"],
                       "description": "null: the applicant; else the field or output ids holding the holder's number and name (a newborn's)"}},
            ["type", "name", "bureau", "holder"])}},
        ["id", "version", "name", "applicant", "statutory_days", "promised_days", "warn_days", "online", "fields",
         "materials", "steps", "specials", "licenses"]),
    "FieldDef": obj({"id": {"type": "string"}, "label": {"type": "string"},
        "type": {"type": "string", "enum": ["text", "number", "money", "date", "choice", "boolean", "id-number"]},
        "required": {"type": "boolean"},
        "multiple": {"type": "boolean", "description": "choice only: several values may be chosen"},
        "choices": {"type": "array", "description": "choice only", "items": obj({"value": {"type": "string"}, "label": {"type": "string"}}, ["value", "label"])},
        "integer": {"type": "boolean", "description": "number only: whole numbers only"},
        "min": {"type": ["number", "string", "null"], "description": "a number's or money's least value, a text's fewest characters, or a date's first day (YYYY-MM-DD, or \"today\": the day of intake); null: none"},
        "max": {"type": ["number", "string", "null"], "description": "like min, the upper bound"},
        "same_as": {"type": ["string", "null"], "enum": ["applicant", None], "description": "id-number only: applicant when it must be the applicant's own number"}},
        ["id", "label", "type", "required", "min", "max"]),
    "License": obj({"id": {"type": "string"}, "type": obj({"code": {"type": "string"}, "name": {"type": "string"}}, ["code", "name"]),
        "holder": obj({"name": {"type": "string"}, "id_number": {"type": "string"}}, ["name", "id_number"]),
        "issuer": obj({"code": {"type": "string", "description": "the issuing bureau"}, "credit_code": {"type": "string"}}, ["code", "credit_code"]),
        "application": {"type": "string", "description": "the number of the application it came from"}, "issued_at": dt,
        "valid_from": day, "valid_until": {"type": "string", "description": "YYYY-MM-DD or long-term"},
        "key_id": {"type": "string", "description": "the signing certificate's key id"},
        "signature": {"type": "string", "description": "hex DER SM2 signature"},
        "payload": {"type": "string", "description": "the QR payload, \"TB1:\" + base45"},
        "revoked": {"type": "boolean"}, "revoked_at": ndt, "revoked_by": nullable("string"),
        "revocation_reason": nullable("string"), "license": ref("SignedLicense")},
        ["id", "type", "holder", "issuer", "application", "issued_at", "valid_from", "valid_until", "key_id", "signature",
         "payload", "revoked", "revoked_at", "revoked_by", "revocation_reason", "license"]),
    "SignedLicense": obj({"id": {"type": "string"}, "application": {"type": "string"},
        "type": obj({"code": {"type": "string"}, "name": {"type": "string"}}, ["code", "name"]),
        "holder": obj({"name": {"type": "string"}, "number": {"type": "string"}}, ["name", "number"]),
        "issuer": obj({"code": {"type": "string"}, "credit_code": {"type": "string"}, "name": {"type": "string"}}, ["code", "credit_code", "name"]),
        "issued": day, "valid_from": day, "valid_until": {"type": "string", "description": "YYYY-MM-DD or long-term"},
        "data": {"type": "array", "description": "the data items as [label, value] pairs, in the definition's order",
                 "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}}},
        ["id", "application", "type", "holder", "issuer", "issued", "valid_from", "valid_until", "data"]),
    "Verdict": obj({"valid": {"type": "boolean"}, "revoked": {"type": "boolean"},
        "revocation_checked": {"type": "boolean", "description": "false when the database could not be asked"},
        "reasons": {"type": "array", "items": {"type": "string", "enum": ["malformed", "unknown_key", "untrusted_key",
            "bad_signature", "wrong_issuer", "not_yet_valid", "expired", "revoked", "revocation_unknown",
            "issuer_not_authorized"]},
            "description": "issuer_not_authorized: the signing certificate's license-authority extension does not list the license's type"},
        "key_id": {"type": ["string", "null"]}, "license": {"oneOf": [ref("SignedLicense"), {"type": "null"}],
            "description": "the signed license as read from the payload; null when it could not be read"}},
        ["valid", "revoked", "revocation_checked", "reasons", "key_id", "license"]),
    "Deployed": obj({"id": {"type": "string"}, "version": {"type": "integer"}, "inserted": {"type": "boolean", "description": "false: the same file was stored before"}},
                    ["id", "version", "inserted"]),
}
schemas["RevocationList"] = {"type": "object", "required": ["key_id", "list", "signature"],
    "additionalProperties": False,
    "properties": {"key_id": {"type": "string", "pattern": "^[0-9a-f]{40}$",
                              "description": "the signing platform certificate's key id (RFC 7093 method 1)"},
                   "list": {"type": "string", "description": "the signed bytes: canonical JSON of the list"},
                   "signature": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$",
                                 "description": "base64url (no padding) of the DER SM2 signature"}}}
schemas["File"] = obj({
    "id": {"type": "integer"},
    "material": {"type": ["string", "null"], "description": "the material id; null for an opinion file"},
    "task": {"type": ["integer", "null"], "description": "the task of an opinion file; null for a material"},
    "version": {"type": "integer", "minimum": 1}, "page": {"type": "integer", "minimum": 1},
    "name": {"type": "string", "description": "only shown, never a path"},
    "media_type": {"type": "string", "enum": ["application/pdf", "image/jpeg", "image/png"]},
    "size": {"type": "integer", "minimum": 1},
    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "also in the audit event that attached it"},
    "added_at": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"},
    "added_by": {"type": "string", "enum": ["clerk", "applicant", "officer"]},
    "replaced": {"type": "boolean", "description": "its version was replaced by a later one (still readable)"},
    "href": {"type": "string", "description": "/api/v1/applications/{number}/files/{id}"}},
    ["id", "material", "task", "version", "page", "name", "media_type", "size", "sha256", "added_at",
     "added_by", "replaced", "href"])
schemas["MaterialList"] = obj({
    "materials": {"type": "array", "items": obj({
        "id": {"type": "string"}, "name": {"type": "string"}, "required": {"type": "boolean"},
        "status": {"type": "string", "enum": ["provided", "missing", "tolerated", "committed", "license"],
                   "description": "license: an e-license satisfied it; committed: a signed commitment (告知承诺) "
                                  "replaced it; tolerated: an open tolerated gap (容缺), see due"},
        "due": {"type": "string", "format": "date", "description": "only for an open tolerated gap: the day it is due"},
        "license": {"type": ["object", "null"], "description": "only when an e-license satisfied it (null for an "
                    "application taken in before licenses were recorded)",
                    "additionalProperties": False, "required": ["id", "type", "name", "status_at_reuse", "status_now"],
                    "properties": {"id": {"type": "string"}, "type": {"type": "string", "description": "the type code"},
                                   "name": {"type": "string"},
                                   "status_at_reuse": {"type": "string", "enum": ["valid", "revoked", "expired"],
                                                       "description": "checked at intake: a license is reused only when valid"},
                                   "status_now": {"type": "string", "enum": ["valid", "revoked", "expired"]},
                                   "revoked_at": {"type": "string", "format": "date-time", "description": "only when revoked"}}},
        "versions": {"type": "array", "items": obj({"version": {"type": "integer", "minimum": 1},
                                                     "replaced": {"type": "boolean"},
                                                     "files": {"type": "array", "items": ref("File")}},
                                                    ["version", "replaced", "files"])}},
        ["id", "name", "required", "status", "versions"])},
    "opinions": {"type": "array", "items": obj({
        "task": {"type": "integer"}, "bureau": {"type": "string"}, "task_name": {"type": "string"},
        "files": {"type": "array", "items": ref("File")}}, ["task", "bureau", "task_name", "files"])}},
    ["materials", "opinions"])
# ---- 好差评, 差评整改 and 告知承诺 verification (api/api_ratings.c, api_verify.c) ----
bureau_grade = obj({"bureau": {"type": "string", "maxLength": 63,
                               "description": "a bureau with a branch in the application, or window (the comprehensive window)"},
                    "grade": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": {"type": "string", "maxLength": 500}},
                   ["bureau", "grade"])
_rating = paths["/api/v1/applications/{number}/rating"]["post"]
_rating["requestBody"]["content"]["application/json"]["schema"]["properties"].update({
    "comment": {"type": "string", "maxLength": 500},
    "bureaus": {"type": "array", "maxItems": 17, "items": bureau_grade,
                "description": "each bureau's handling rated once (the window as window); a bureau without a branch is 422 unknown_bureau naming bureaus[i].bureau"},
    "responsible": {"type": ["string", "null"], "maxLength": 63,
                    "description": "the bureau (with a branch) a grade of 1 or 2 of the whole application names as responsible; default the window"}})
_rating["description"] += (" Every grade is kept (the whole one and each bureau's); a grade of 1 (非常不满意) or 2 (不满意) opens a 整改 "
                           "ticket for the responsible bureau (the rated bureau; for the whole grade `responsible` or the window), due in the "
                           "definition's rectify-days working days (default 5). All in the rating's transaction, audited.")
_rating["responses"]["422"] = prob("fields are invalid, or unknown_bureau: a bureau rated or named had no branch in the application")
schemas["Tracking"]["properties"]["evaluation"] = {"type": ["object", "null"], "additionalProperties": False,
    "description": "once rated: the grades and the bureaus' replies to a bad one (部门答复)",
    "properties": {"ratings": {"type": "array", "items": obj({"bureau": {"type": ["string", "null"], "description": "null: the whole application; window: the window"},
                                                              "bureau_name": {"type": ["string", "null"]}, "grade": {"type": "integer", "minimum": 1, "maximum": 5}},
                                                             ["bureau", "bureau_name", "grade"])},
                   "replies": {"type": "array", "items": obj({"bureau": {"type": ["string", "null"], "description": "null: the window"},
                                                              "bureau_name": {"type": ["string", "null"]}, "reply": {"type": "string"},
                                                              "replied_at": {"type": "string"}},
                                                             ["bureau", "bureau_name", "reply", "replied_at"])}},
    "required": ["ratings", "replies"]}
schemas["Rectification"] = obj({
    "id": {"type": "integer"}, "number": {"type": "string"}, "service": {"type": "string"}, "service_name": {"type": ["string", "null"]},
    "bureau": {"type": ["string", "null"], "description": "null: the window's (answered by clerks)"}, "bureau_name": {"type": ["string", "null"]},
    "grade": {"type": "integer", "minimum": 1, "maximum": 2}, "comment": {"type": ["string", "null"]},
    "state": {"type": "string", "enum": ["open", "replied", "closed"]}, "due": {"type": "string", "format": "date"},
    "overdue": {"type": "boolean", "description": "open and past due (逾期)"}, "opened_at": {"type": "string"},
    "reply": {"type": ["string", "null"], "description": "to the applicant (shown on the tracking page)"},
    "changes": {"type": ["string", "null"], "description": "what the bureau changed"}, "replied_at": {"type": ["string", "null"]},
    "review": {"type": ["string", "null"]}, "closed_at": {"type": ["string", "null"]}, "reopened": {"type": "integer"}},
    ["id", "number", "service", "service_name", "bureau", "bureau_name", "grade", "comment", "state", "due", "overdue",
     "opened_at", "reply", "changes", "replied_at", "review", "closed_at", "reopened"])
schemas["Verification"] = obj({
    "id": {"type": "integer"}, "number": {"type": "string"}, "service": {"type": "string"}, "service_name": {"type": ["string", "null"]},
    "holder": obj({"name": {"type": "string"}, "id_number": {"type": "string"}}, ["name", "id_number"]),
    "bureau": {"type": "string"}, "bureau_name": {"type": ["string", "null"]},
    "materials": {"type": "array", "items": obj({"id": {"type": "string"}, "name": {"type": "string"}}, ["id", "name"])},
    "state": {"type": "string", "enum": ["open", "true", "false"], "description": "true: 核查属实; false: 承诺不实"},
    "due": {"type": "string", "format": "date"}, "overdue": {"type": "boolean", "description": "open and past due (逾期)"},
    "opened_at": {"type": "string"}, "finding": {"type": ["string", "null"]}, "found_at": {"type": ["string", "null"]}},
    ["id", "number", "service", "service_name", "holder", "bureau", "bureau_name", "materials", "state", "due", "overdue",
     "opened_at", "finding", "found_at"])
rid = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
ticket_409 = {"409": prob("ticket_state: the ticket or verification is not in a state that allows this")}
paths["/api/v1/rectifications"] = {"get": op("差评整改 tickets", "supervision",
    {"200": resp("newest first (at most 200)", obj({"items": {"type": "array", "items": ref("Rectification")}}, ["items"])),
     "422": prob("a bad filter")},
    [{"name": "bureau", "in": "query", "schema": {"type": "string"}, "description": "a bureau code, or window; officers: their own; clerks: window"},
     {"name": "state", "in": "query", "schema": {"type": "string", "enum": ["open", "replied", "closed"]}}],
    desc="Roles: officer (own bureau's), clerk (the window's), inspector (all).")}
paths["/api/v1/rectifications/{id}/reply"] = {"post": op("Reply to the applicant and record the changes", "supervision",
    {"200": resp("the ticket, replied", ref("Rectification")), **ticket_409, **body_err},
    [rid, idem], jbody(obj({"reply": {"type": "string", "maxLength": 2000}, "changes": {"type": "string", "maxLength": 2000}},
                          ["reply", "changes"])),
    desc="Roles: officer of the ticket's bureau; clerk for the window's. An open ticket only; audited (rectification_replied).")}
paths["/api/v1/rectifications/{id}/review"] = {"post": op("Close or reopen a replied ticket", "supervision",
    {"200": resp("the ticket", ref("Rectification")), **ticket_409, **body_err},
    [rid, idem], jbody(obj({"decision": {"type": "string", "enum": ["close", "reopen"]},
                            "review": {"type": "string", "maxLength": 2000}}, ["decision", "review"])),
    desc="Roles: inspector. reopen: open again, due in rectify-days working days from today, reopened counted up. Audited.")}
paths["/api/v1/verifications"] = {"get": op("告知承诺 verifications (事后核查)", "supervision",
    {"200": resp("newest first (at most 200)", obj({"items": {"type": "array", "items": ref("Verification")}}, ["items"])),
     "422": prob("a bad filter")},
    [{"name": "bureau", "in": "query", "schema": {"type": "string"}, "description": "officers: their own"},
     {"name": "state", "in": "query", "schema": {"type": "string", "enum": ["open", "true", "false"]}}],
    desc="Roles: officer (own bureau's), inspector (all). Approval of an application with commitments opens one per verifying bureau "
         "(the definition's verify-bureau), due in its verify-days working days.")}
paths["/api/v1/verifications/{id}/finding"] = {"post": op("Record the finding", "supervision",
    {"200": resp("the verification and what a false finding did", obj({"verification": ref("Verification"),
        "licenses_revoked": {"type": "integer"}, "terminated": {"type": "boolean", "description": "the application still waited for delivery or its gaps and ended (终止办理)"},
        "excluded_until": {"type": ["string", "null"], "format": "date"}}, ["verification", "licenses_revoked", "terminated"])),
     **ticket_409, **body_err},
    [rid, idem], jbody(obj({"result": {"type": "string", "enum": ["true", "false"]},
                            "finding": {"type": "string", "maxLength": 1000, "description": "what was found; required when false (the reason)"}},
                           ["result"])),
    desc="Roles: officer of the verifying bureau; an open verification only. false (承诺不实): every license issued on the application is "
         "revoked with the reason, an application still waiting for delivery or its tolerated gaps ends (终止办理), and the holder's one "
         "number is excluded from 告知承诺 for the materials' exclude-days: a later intake (POST /applications, …/accept) that chooses a "
         "commitment is 422 commitment_excluded naming committed, with material and excluded_until. Audited.")}
schemas["Problem"]["properties"].update({
    "material": {"type": "string", "description": "commitment_excluded: the committed material that must be provided"},
    "material_name": {"type": ["string", "null"], "description": "commitment_excluded: its name"},
    "excluded_until": {"type": "string", "format": "date", "description": "commitment_excluded: the last day of the holder's exclusion from 告知承诺"}})
paths["/api/v1/applications"]["post"]["responses"]["422"] = prob(
    "fields are invalid; or commitment_excluded: the holder chose 告知承诺 while excluded (material, excluded_until)")
# ---- intake that nobody can stop for others (issue 17 §1) ----
paths["/api/v1/applications"]["post"]["responses"]["429"] = prob(
    "intake_throttled: an online application without a token from a client address or for an applicant number over "
    "its limit (serve --intake-limit-address, --intake-limit-applicant); Retry-After says when to try again", RA)
paths["/api/v1/applications"]["post"]["responses"]["503"] = prob(
    "numbers_exhausted: every application number of the day of the pool is used (staff and online intake have pools "
    "of their own), Retry-After until the next day; or the database is unreachable or busy (database_unavailable, "
    "busy), or outcome_unknown (see the document's description)", RA)
intake_alert = obj({"region": {"type": "string", "pattern": "^[0-9]{6}$", "example": "330100"}, "day": day,
                    "pool": {"type": "string", "enum": ["staff", "public"],
                             "description": "staff: intake with a token; public: online intake without one"},
                    "first_at": dt, "last_at": dt,
                    "refused": {"type": "integer", "minimum": 1, "description": "intakes refused (503 numbers_exhausted)"}},
                   ["region", "day", "pool", "first_at", "last_at", "refused"])
paths["/api/v1/supervision/intake-alerts"] = {"get": op("Days whose application numbers ran out", "supervision",
    {"200": resp("newest day first, at most 100", obj({"items": {"type": "array", "items": intake_alert}}, ["items"]))},
    desc="A pool of numbers spent is an alert: the intake it refused answered 503 numbers_exhausted. Roles: inspector.")}
# ---- the security log (issue 17 §4; api/api_security_log.c) ----
schemas["SecurityEvent"] = obj({
    "seq": {"type": "integer", "minimum": 1, "description": "its place in the security log's hash chain"},
    "at": {"type": "string", "format": "date-time", "description": "RFC 3339, UTC, to the microsecond"},
    "kind": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$",
             "description": "login, logout, account_created, definition_deployed, key_rotated, keys_initialized, "
                            "calendar_loaded … (README: The security log)"},
    "actor": {"type": ["string", "null"], "description": "the account's user name, the operating system's user of a "
                                                         "`tongban` command; null for anonymous and the system"},
    "actor_kind": {"type": "string", "enum": ["account", "cli", "system", "anonymous"]},
    "address": {"type": ["string", "null"], "description": "the client's address; null outside requests"},
    "subject": {"type": "string", "description": "what it concerns, TYPE:NAME (account:alice, definition:spjy@3, "
                                                  "key:SCJG, calendar:2027)"},
    "outcome": {"type": "string", "enum": ["ok", "failed", "locked", "refused"]},
    "details": {"type": "object", "description": "what else the event records (a login's reason or role, a "
                                                 "definition's version, a calendar's files); its members depend on kind"}},
    ["seq", "at", "kind", "actor", "actor_kind", "address", "subject", "outcome", "details"])
schemas["SecurityEvent"]["example"] = {"seq": 42, "at": "2026-11-30T08:15:02.123456Z", "kind": "login",
    "actor": None, "actor_kind": "anonymous", "address": "192.0.2.7", "subject": "account:clerk1",
    "outcome": "failed", "details": {"reason": "wrong_password"}}
paths["/api/v1/security-events"] = {"get": op("The security log (安全审计日志)", "security",
    {"200": resp("one page, newest first", obj({"items": {"type": "array", "items": ref("SecurityEvent")},
        "total": {"type": "integer", "description": "every event of the filter, on all pages"},
        "next": {"type": ["string", "null"], "description": "the cursor of the next (older) page (pass it as after), null on the last"}},
        ["items", "total", "next"])), "422": prob("a bad kind, actor, date, limit or cursor; errors[] names each")},
    [{"name": "kind", "in": "query", "schema": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"}},
     {"name": "actor", "in": "query", "schema": {"type": "string", "minLength": 1, "maxLength": 64},
      "description": "a user name (or the operating system's user of a command)"},
     {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "first day, Beijing time"},
     {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "last day, Beijing time"},
     {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
     {"name": "after", "in": "query", "schema": {"type": "string", "pattern": "^[1-9][0-9]*$"},
      "description": "the next cursor of the previous page; stable while events are added"}],
    desc="Roles: inspector, admin. The append-only, hash-chained security log; `tongban audit verify` checks it "
         "against the signed checkpoints.")}
# ---- HTTP itself (issue 16 §1): the favicon, framing refusals, HEAD ----
paths["/favicon.ico"] = {"get": op("The site icon (web/favicon.svg, a seal with 通)", "pages",
    {"200": resp("the icon", {"type": "string"}, "image/svg+xml"),
     "304": {"description": "not modified (If-None-Match)"}}, secured=False)}
# ---- the second factor (issue 17 §4, api/api_totp.c) ----
totp_role = {"403": prob("the role does not use a second factor on this server (forbidden), or a token whose session "
                         "owes another step")}
totp_code_body = jbody(obj({"code": {"type": "string", "maxLength": 32, "examples": ["287082"],
                                     "description": "the 6 digits the authenticator app shows now"}}, ["code"]))
paths["/api/v1/sessions/current/totp"] = {"post": op("Start enrolling a second factor (TOTP)", "sessions",
    {"200": resp("a fresh secret, answered only now: the QR code for an authenticator app, or the secret to type",
                 ref("TotpEnrolment")),
     "409": prob("a second factor is enrolled already (totp_enrolled): an administrator can reset it"), **totp_role},
    desc="Roles: every staff role that needs a second factor (--totp-roles, default admin and inspector). Open to a session "
         "that owes totp_enrolment. Starting again replaces a secret not confirmed yet.")}
paths["/api/v1/sessions/current/totp/confirm"] = {"post": op("Confirm the enrolment with a first code", "sessions",
    {"200": resp("enrolled: the session's totp_enrolment step is taken, and the ten recovery codes are shown this once",
                 ref("RecoveryCodes")),
     "409": prob("no enrolment was started, or another one since (totp_not_enrolled), or the account is enrolled "
                 "already (totp_enrolled)"),
     **body_err, "422": prob("the code is not the app's current one (totp_code_invalid, field code), or the body is invalid"),
     **totp_role}, body=totp_code_body,
    desc="Roles: every staff role that needs a second factor. Open to a session that owes totp_enrolment.")}
paths["/api/v1/sessions/current/totp/recovery-codes"] = {"post": op("New recovery codes for a current code", "sessions",
    {"200": resp("ten new recovery codes, shown this once; the old ones stop working", ref("RecoveryCodes")),
     "409": prob("no second factor is enrolled (totp_not_enrolled)"),
     **body_err, "422": prob("the code is wrong, expired or used already (totp_code_invalid, field code; counted like a "
                             "failed log-in), or the body is invalid"),
     "429": prob("too many wrong codes: slowed down or locked", RA), **totp_role}, body=totp_code_body,
    desc="Roles: every staff role that needs a second factor, enrolled.")}
paths["/api/v1/accounts/{username}/totp"] = {"delete": op("Reset an account's second factor (a lost phone)", "sessions",
    {"204": {"description": "removed with its recovery codes; the account's sessions ended, its next log-in enrols again"},
     "404": prob("no such account, or it has no second factor"),
     "403": prob("not an administrator, or the administrator's own account (ask another one, or run "
                 "`tongban accounts reset-totp` on the server)")},
    [{"name": "username", "in": "path", "required": True, "description": "the account's user name",
      "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"}}],
    desc="Roles: admin.")}
schemas["TotpEnrolment"] = obj({
    "secret": {"type": "string", "pattern": "^[A-Z2-7]{32}$",
               "description": "the 160-bit secret in base32, to type into an app or `oathtool --totp -b SECRET`"},
    "uri": {"type": "string", "description": "otpauth://totp/通办:USER?secret=…&issuer=通办&algorithm=SHA1&digits=6&period=30, "
                                             "percent-encoded: what the QR code holds"},
    "qr_svg": {"type": "string", "description": "the URI's QR code, an SVG document"}}, ["secret", "uri", "qr_svg"])
schemas["TotpEnrolment"]["example"] = {"secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    "uri": "otpauth://totp/%E9%80%9A%E5%8A%9E:inspector1?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=%E9%80%9A%E5%8A%9E"
           "&algorithm=SHA1&digits=6&period=30",
    "qr_svg": "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 29 29\">…</svg>"}
schemas["RecoveryCodes"] = obj({"recovery_codes": {"type": "array", "minItems": 10, "maxItems": 10, "uniqueItems": True,
    "items": {"type": "string", "pattern": "^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$"},
    "description": "each usable once in place of a code (log-in otp); the server keeps only their digests"}},
    ["recovery_codes"])
schemas["RecoveryCodes"]["example"] = {"recovery_codes": ["ABCD-EFGH-IJKL-MNOP", "QRST-UVWX-YZ23-4567", "BCDE-FGHI-JKLM-NOPQ",
    "RSTU-VWXY-Z234-567A", "CDEF-GHIJ-KLMN-OPQR", "STUV-WXYZ-2345-67AB", "DEFG-HIJK-LMNO-PQRS", "TUVW-XYZ2-3456-7ABC",
    "EFGH-IJKL-MNOP-QRST", "UVWX-YZ23-4567-ABCD"]}
# ---- accounts (issue 17 §4): administrators manage them, users change their own password ----
ROLE_ENUM = {"type": "string", "enum": ["admin", "clerk", "officer", "inspector"]}
pw_422 = {"422": prob("fields are invalid; or the password breaks the policy: password_too_short, password_too_simple "
                      "(too few of upper case, lower case, digits, symbols), password_contains_username; the detail "
                      "says what is missing")}
schemas["Account"] = obj({"username": {"type": "string"}, "role": ROLE_ENUM,
    "bureau": {**nullable("string"), "description": "an officer's bureau code; null for other roles"},
    "disabled": {"type": "boolean"},
    "password_change_required": {"type": "boolean", "description": "an administrator set the password: the next log-in must change it"},
    "created_at": dt, "last_login_at": {**ndt, "description": "the last successful log-in; null: never"},
    "groups": {"type": "array", "maxItems": 8, "uniqueItems": True, "items": {"type": "string"},
               "description": "an officer's groups (岗位) of its bureau, sorted; empty for other roles"}},
    ["username", "role", "bureau", "disabled", "password_change_required", "created_at", "last_login_at", "groups"])
schemas["Account"]["example"] = {"username": "scjg", "role": "officer", "bureau": "SCJG", "disabled": False,
    "password_change_required": True, "created_at": "2026-11-30T09:00:00Z", "last_login_at": None, "groups": ["KZ"]}
GROUPS_IN = {"type": "array", "maxItems": 8, "uniqueItems": True, "items": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"},
             "description": "officers only: groups (岗位) its bureau declares in bureaus.xml (<group code>); an unknown "
                            "code is 422 invalid_request naming the field groups, the code and the bureau"}
schemas["AccountChange"] = obj({"username": {"type": "string"},
    "sessions_ended": {"type": "integer", "minimum": 0, "description": "the account's sessions this change ended"}},
    ["username", "sessions_ended"])
schemas["AccountChange"]["example"] = {"username": "scjg", "sessions_ended": 1}
acct = {"name": "username", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}
no_acct = {"404": prob("no such account (or it was deleted)")}
last_admin = {"409": prob("last_admin: the last enabled administrator cannot be disabled, deleted or given another role")}
ENDS = " Ends the account's sessions at once, in the same transaction."
paths["/api/v1/accounts"] = {
    "get": op("Staff accounts", "accounts",
        {"200": resp("every account but deleted ones, by user name",
                     obj({"accounts": {"type": "array", "items": ref("Account")}}, ["accounts"]))},
        desc="Roles: admin."),
    "post": op("Create an account", "accounts",
        {"201": resp("created; the password must be changed at the first log-in", ref("Account")),
         "409": prob("account_exists: the user name is or was in use (names of deleted accounts are not reused)"),
         **body_err, **pw_422},
        body=jbody(obj({"username": {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9._-]{1,64}$"},
                        "role": ROLE_ENUM,
                        "bureau": {"type": "string", "maxLength": 32, "description": "officers only, and required for them: a code of bureaus.xml (unknown_bureau)"},
                        "groups": GROUPS_IN,
                        "password": {"type": "string", "maxLength": 256, "description": "meets the password policy"}},
                       ["username", "role", "password"])),
        desc="Roles: admin.")}
for verb, summary, extra in (("disable", "Disable an account", ENDS), ("enable", "Enable a disabled account", "")):
    paths[f"/api/v1/accounts/{{username}}/{verb}"] = {"post": op(summary, "accounts",
        {"200": resp("done", ref("AccountChange")), **no_acct, **({} if verb == "enable" else last_admin), **body_err},
        [acct], jbody(obj({}), required=False), desc="Roles: admin." + extra)}
paths["/api/v1/accounts/{username}/password"] = {"post": op("Reset an account's password", "accounts",
    {"200": resp("set; the next log-in must change it", ref("AccountChange")), **no_acct, **body_err, **pw_422},
    [acct], jbody(obj({"password": {"type": "string", "maxLength": 256, "description": "meets the password policy"}}, ["password"])),
    desc="Roles: admin. The account must choose its own password at its next log-in." + ENDS)}
paths["/api/v1/accounts/{username}/role"] = {"post": op("Change an account's role, bureau and groups", "accounts",
    {"200": resp("changed", ref("AccountChange")), **no_acct, **last_admin, **body_err},
    [acct], jbody(obj({"role": ROLE_ENUM,
                       "bureau": {"type": "string", "maxLength": 32, "description": "officers only, and required for them (unknown_bureau)"},
                       "groups": {**GROUPS_IN, "description": GROUPS_IN["description"] + "; they replace the account's "
                                  "groups (absent: none)"}},
                      ["role"])),
    desc="Roles: admin. The change is one event of the security log (account_role_changed, details role, bureau and "
         "groups)." + ENDS)}
paths["/api/v1/accounts/{username}"] = {"delete": op("Delete an account", "accounts",
    {"204": {"description": "deleted"}, **no_acct, **last_admin},
    [acct], desc="Roles: admin. The account is disabled for good and its password cleared; the row stays, because "
                 "sessions, findings, tickets and the audit trail name it, and its user name is never given again." + ENDS)}
paths["/api/v1/sessions/current/password"] = {"post": op("Change my own password", "sessions",
    {"200": resp("changed; the steps still owed and the account's other sessions ended",
                 obj({"pending": schemas["Session"]["properties"]["pending"],
                      "sessions_ended": {"type": "integer", "minimum": 0, "description": "the account's other sessions, ended"}},
                     ["pending", "sessions_ended"])),
     "403": prob("wrong_password: the current password is wrong (counted like a failed log-in); or the role may not"),
     "429": prob("too many wrong passwords: slowed down or locked", RA),
     **body_err,
     "422": prob("fields are invalid; or the new password breaks the policy (password_too_short, password_too_simple, "
                 "password_contains_username) or is the current one (password_unchanged)")},
    body=jbody(obj({"current_password": {"type": "string", "maxLength": 1024},
                    "new_password": {"type": "string", "maxLength": 256, "description": "meets the password policy"}},
                   ["current_password", "new_password"])),
    desc="Roles: every staff role, also while the session owes the password_change step (it takes it). "
         "Ends the account's other sessions.")}
paths["/api/v1/sessions/current/password"]["post"]["responses"]["403"] = prob(
    "wrong_password: the current password is wrong (counted like a failed log-in); or the session owes another step")
paths["/api/v1/sessions"]["post"]["responses"]["429"] = prob(
    "too many failed logins: slowed down or locked, per user name and client address (3 / 10 in 15 minutes), "
    "per user name from anywhere (20 / 100 in an hour) and per client address (30 / 100 in 15 minutes)", RA)
# ---- the administrator's pages (issue 13 §4): api_calendar.c, the check of a definition ----
xml_body = {"required": True, "content": {"application/xml": {"schema": {"type": "string"}}}}
paths["/api/v1/workflows/check"] = {"post": op("Check a definition (XML) without deploying it", "workflows",
    {"200": resp("no problem: what a deployment would store",
                 obj({"id": {"type": "string"}, "version": {"type": "integer"}, "name": {"type": "string"}}, ["id", "version", "name"])),
     "422": prob("invalid_definition: the loader's problems, every one in errors[] (field \"line N\", code definition)"),
     "400": prob("no body"), "413": prob("over 1 MiB"), "415": prob("not application/xml")},
    body=xml_body,
    desc="Roles: admin. The same check as POST /api/v1/workflows (the loader's static checks against the stored bureaus); "
         "nothing is stored and nothing is logged.")}
day_list = {"type": "array", "items": day}
cal_file = {"required": True, "content": {"text/plain": {"schema": {"type": "string", "maxLength": 1048576},
    "example": "# 2027 — 国务院办公厅关于2027年部分节假日安排的通知\n2027-01-01 holiday  元旦\n2027-02-06 workday  调休上班\n"}}}
cal_422 = {"422": prob("invalid_calendar: the file has a problem; errors[] names its line (field \"line N\", code "
                       "calendar_line; \"body\" when it is the whole text); nothing was stored"),
           "400": prob("no body"), "413": prob("over 1 MiB"),
           "415": prob("not text/plain (charset=utf-8 the only parameter)")}
schemas["CalendarYear"] = obj({"year": {"type": "integer", "minimum": 1900, "maximum": 2199},
    "holidays": {**day_list, "description": "weekdays off (法定节假日)"},
    "workdays": {**day_list, "description": "weekend days worked (调休上班)"},
    "loaded_at": {**dt, "description": "when a load last touched the year"},
    "source": {"type": ["string", "null"], "enum": ["shipped", "administrator", None],
               "description": "the load that last touched the year: built into the binary, or an administrator's (null: not recorded)"},
    "file": {**nullable("string"), "description": "that load's file name"},
    "sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$", "description": "that file's SHA-256"}},
    ["year", "holidays", "workdays", "loaded_at", "source", "file", "sha256"])
schemas["CalendarYear"]["example"] = {"year": 2026, "holidays": ["2026-01-01", "2026-01-02"], "workdays": ["2026-01-04"],
    "loaded_at": "2026-11-30T08:00:00Z", "source": "shipped", "file": "calendar/2026.txt",
    "sha256": "5f0c6a4c1f0e2b7d9a3e8c4b6d2f1a0e9c8b7a6d5e4f3a2b1c0d9e8f7a6b5c4d"}
paths["/api/v1/calendar"] = {
    "get": op("The working-day calendar (工作日历)", "calendar",
        {"200": resp("where it came from, what it covers, every loaded year",
                     obj({"source": {"type": ["string", "null"], "enum": ["shipped", "administrator", None],
                                     "description": "null: never loaded"},
                          "covered_until": {**nday, "description": "the last day covered; deadlines after it are provisional"},
                          "years": {"type": "array", "items": ref("CalendarYear")}},
                         ["source", "covered_until", "years"]))},
        desc="Roles: every staff role. The exceptions to Monday–Friday, by year."),
    "post": op("Load a year's calendar file (like `tongban calendar load`)", "calendar",
        {"200": resp("stored, and every open deadline recomputed",
                     obj({"days": {"type": "integer", "minimum": 0, "description": "the days the file marks"},
                          "source": {"type": "string", "enum": ["shipped", "administrator"]},
                          "covered_until": {**nday, "description": "the calendar's last covered day after the load"},
                          "recomputed": obj({"open": {"type": "integer", "minimum": 0, "description": "open applications looked at"},
                                             "moved": {"type": "integer", "minimum": 0, "description": "those whose deadlines moved (each got an audited event)"}},
                                            ["open", "moved"])},
                         ["days", "source", "covered_until", "recomputed"])),
         **cal_422, "422": {**cal_422["422"], "description": cal_422["422"]["description"] + "; or invalid_request naming name"}},
        [{"name": "name", "in": "query", "required": False, "description": "the file's name for the record (1–100 bytes); default calendar.txt",
          "schema": {"type": "string", "maxLength": 100}}],
        cal_file,
        desc="Roles: admin. Checked by the engine's parser (all or nothing), stored in one transaction with its row in "
             "calendar_loads and the security log's calendar_loaded (the administrator as actor, subject calendar:YEAR), "
             "exactly as the command does; days already stored are replaced, others kept; the calendar's source becomes "
             "administrator. Then every open application's deadlines are recomputed (100 per transaction); should that "
             "fail (500, 503), the load itself is stored already: load the same file again to finish, as the command says.")}
paths["/api/v1/calendar/check"] = {"post": op("Check a year's calendar file without loading it", "calendar",
    {"200": resp("no problem: the days the file marks",
                 obj({"days": {"type": "integer", "minimum": 0}, "covers_until": {**nday, "description": "December 31 of the last year the file marks"},
                      "holidays": day_list, "workdays": day_list},
                     ["days", "covers_until", "holidays", "workdays"])),
     **cal_422},
    body=cal_file, desc="Roles: admin. The same parser as the load; nothing is stored.")}
http_errs = {
    "400": prob("malformed_request: the request's framing is not HTTP/1.1 (Transfer-Encoding beside "
                "Content-Length, two Content-Length values, no Host or two, a bare LF line end); or "
                "invalid_path: an encoded NUL or slash (%00, %2F) in the target. The connection is closed"),
    "501": prob("unsupported_transfer_coding: a Transfer-Encoding other than chunked; the connection is closed")}
for p, ops in paths.items():
    for m, o in list(ops.items()):
        for k, v in http_errs.items():
            o["responses"].setdefault(k, v)
        if m == "get":  # HEAD: GET's status and headers, no body
            head = json.loads(json.dumps(o))
            head["summary"] = "Headers of: " + o["summary"]
            head["description"] = ("GET's status and headers (Content-Length of the full body), "
                                   "without the body. " + o.get("description", "")).strip()
            for r in head["responses"].values():
                r.pop("content", None)
            ops["head"] = head
# The service guide (办事指南, issue 13 §2): api/api_guide.c; every text ready to print in Chinese.
_txt = {"type": "string"}
schemas["Guide"] = obj({"id": _txt, "version": {"type": "integer", "minimum": 1}, "name": _txt,
    "code": {"type": "string", "pattern": "^[0-9A-HJ-NP-RTUW-Y]{18}[0-9]{10,24}$",
             "description": "实施编码 (GB/T 39554.1 style): the implementing organization's credit code and the item's digits; absent when the definition gives none"},
    "kind": {"type": "string", "enum": ["行政许可", "行政确认", "行政给付", "行政奖励", "行政裁决", "其他行政权力", "公共服务"],
             "description": "事项类型; absent (as are legal_basis, conditions, fees and contact) when the definition has no <guide>"},
    "applicant": {"type": "string", "enum": ["自然人", "法人和其他组织", "自然人、法人和其他组织"], "description": "服务对象"},
    "legal_basis": {"type": "array", "items": obj({"text": _txt}, ["text"]), "minItems": 1, "description": "设定依据, each law or regulation"},
    "conditions": {"type": "array", "items": obj({"text": _txt}, ["text"]), "minItems": 1, "description": "受理条件"},
    "fees": obj({"free": {"type": "boolean", "description": "不收费 (items is empty)"},
                 "items": {"type": "array", "items": obj({"name": _txt,
                     "amount": {"type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$", "description": "yuan"},
                     "basis": {"type": "string", "description": "收费依据"}}, ["name", "amount", "basis"])}},
                ["free", "items"]),
    "where": obj({"address": {"type": "string", "description": "办理地点"}, "hours": {"type": "string", "description": "办理时间"}},
                 ["address", "hours"]),
    "contact": obj({"consult": {"type": "string", "description": "咨询电话"}, "complain": {"type": "string", "description": "监督投诉电话"}},
                   ["consult", "complain"]),
    "limits": obj({"statutory_days": {"type": "integer", "description": "法定办结时限, working days"},
                   "promised_days": {"type": "integer", "description": "承诺办结时限, working days"},
                   "immediate": {"type": "boolean", "description": "即办件"}},
                  ["statutory_days", "promised_days", "immediate"]),
    "online": {"type": "boolean", "description": "may be applied for online (the guide page links /web/apply.html?service=ID)"},
    "materials": {"type": "array", "items": obj({"id": _txt, "name": _txt, "required": {"type": "boolean"},
        "tolerate_days": {"type": "integer", "minimum": 0, "description": "容缺: working days to supply it after acceptance; 0: not tolerated"},
        "commitment": {"type": "boolean", "description": "告知承诺 allowed"},
        "shared": {"type": "boolean", "description": "an electronic license supplies it (免提交)"},
        "note": {"type": "string", "description": "the above in Chinese, ready to print; empty when none applies"}},
        ["id", "name", "required", "tolerate_days", "commitment", "shared", "note"])},
    "steps": {"type": "array", "description": "办理流程: the definition's <step> elements, or derived from its branches",
              "items": obj({"name": _txt, "detail": _txt}, ["name", "detail"])},
    "delivery": {"type": "array", "description": "送达方式: the definition's <delivery-method> elements, or what its delivery attribute allows",
                 "items": obj({"kind": {"type": "string", "enum": ["window", "post", "electronic"]},
                               "name": {"type": "string", "enum": ["窗口领取", "邮寄送达", "电子送达"]},
                               "detail": {"type": "string", "description": "empty when the definition says nothing more"}},
                              ["kind", "name", "detail"])},
    "bureaus": {"type": "array", "description": "the bureaus that review it, each once",
                "items": obj({"code": _txt, "name": _txt}, ["code", "name"])},
    "results": {"type": "array", "description": "审批结果: the licenses it issues",
                "items": obj({"name": _txt, "bureau": _txt}, ["name", "bureau"])}},
    ["id", "version", "name", "applicant", "limits", "online", "materials", "steps", "delivery", "bureaus", "results"])
schemas["Guide"]["example"] = {"id": "spjy", "version": 4, "name": "食品经营许可", "code": "11330100002489532W000117015000",
    "kind": "行政许可", "applicant": "法人和其他组织",
    "legal_basis": [{"text": "《中华人民共和国食品安全法》第三十五条"}],
    "conditions": [{"text": "申请人已取得营业执照等合法主体资格。"}],
    "fees": {"free": True, "items": []},
    "where": {"address": "杭州市上城区解放东路18号杭州市民中心C区政务服务大厅",
              "hours": "工作日 上午9:00—12:00，下午13:30—17:00（法定节假日除外）"},
    "contact": {"consult": "0571-85253456", "complain": "12315"},
    "limits": {"statutory_days": 10, "promised_days": 5, "immediate": False}, "online": True,
    "materials": [{"id": "application", "name": "食品经营许可申请书", "required": True, "tolerate_days": 0,
                   "commitment": False, "shared": False, "note": ""},
                  {"id": "business_license", "name": "营业执照", "required": True, "tolerate_days": 0,
                   "commitment": False, "shared": True, "note": "可用电子证照，免于提交"}],
    "steps": [{"name": "申请", "detail": "到综合窗口，或在网上办事大厅在线提交申请表和材料"},
              {"name": "受理", "detail": "综合窗口当场核对材料：齐全的出具受理通知书，不齐全的一次性告知需要补正的全部内容"}],
    "delivery": [{"kind": "window", "name": "窗口领取", "detail": "在综合窗口领取食品经营许可证纸质证书。"}],
    "bureaus": [{"code": "SCJG", "name": "市场监督管理局"}],
    "results": [{"name": "食品经营许可证", "bureau": "市场监督管理局"}]}
paths["/api/v1/workflows/{id}/guide"] = {"get": op("The service guide (办事指南)", "workflows",
    {"200": resp("the guide of the newest deployed version", ref("Guide")),
     "404": prob("no such workflow")},
    [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}], secured=False,
    desc="Built from the newest deployed definition and the bureau list at every request: a definition deployed with "
         "POST /api/v1/workflows changes the guide (and the guide page, /web/guide.html?service=ID) at once. Roles: everyone.")}
paths["/api/v1/workflows/{id}/guide.pdf"] = {"get": op("The service guide (办事指南) as PDF", "workflows",
    {"200": {"description": "the guide of the newest deployed version, rendered now with the templates folder's guide.tpl "
                            "(the service's own <id>/guide.tpl if it has one) and the office of bureaus.xml; its QR code "
                            "leads to the guide page. Content-Disposition inline with filename*=UTF-8''办事指南-<id>.pdf, "
                            "Cache-Control no-store.",
             "content": {"application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}}},
             "headers": {"Content-Disposition": {"description": "inline; filename*=UTF-8''<percent-encoded name>",
                                                 "schema": {"type": "string"}},
                         "Cache-Control": {"description": "no-store", "schema": {"type": "string"}}}},
     "404": prob("no such workflow"),
     "500": prob("document_failed: the template has problems or the renderer failed (details in the log)"),
     "503": prob("documents_unavailable: the server has no templates folder or bureaus.xml names no <office>; "
                 "or the database is unreachable or busy", RA)},
    [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}], secured=False,
    desc="The same data as GET /api/v1/workflows/{id}/guide, so a deployed definition or a changed template shows in "
         "the next PDF without a restart. Roles: everyone.")}
# ---- groups of officers (岗位) and 抄送 (issue 14): api_groups.c, api_copies.c, api_sessions.c ----
paths["/api/v1/sessions/current"]["get"] = op("Who this session is", "sessions",
    {"200": resp("the session's account as it is now", obj({
        "username": {"type": "string"}, "role": ROLE_ENUM, "bureau": nullable("string"),
        "groups": schemas["Session"]["properties"]["groups"], "pending": schemas["Session"]["properties"]["pending"]},
        ["username", "role", "bureau", "groups", "pending"]))},
    desc="Roles: every staff role (also while a step is owed).")
schemas["Bureau"] = obj({"code": {"type": "string"}, "name": {"type": "string", "description": "in Chinese, as bureaus.xml names it"},
    "groups": {"type": "array", "items": obj({"code": {"type": "string"}, "name": {"type": "string", "description": "科长 …"}},
                                             ["code", "name"]),
               "description": "the groups (岗位) of its officers (bureaus.xml <group>)"}},
    ["code", "name", "groups"])
schemas["Bureau"]["example"] = {"code": "ZJ", "name": "住房和城乡建设局",
                                "groups": [{"code": "KZ", "name": "科长"}, {"code": "STY", "name": "审图员"}]}
paths["/api/v1/bureaus"] = {"get": op("The bureaus and their groups", "accounts",
    {"200": resp("the stored bureau list (empty before a server first loaded one)",
                 obj({"bureaus": {"type": "array", "items": ref("Bureau")}}, ["bureaus"]))},
    desc="Roles: every staff role.")}
schemas["Copy"] = obj({"id": {"type": "integer"}, "application": {"type": "string", "description": "the application's number"},
    "service": {"type": "string", "description": "the service's name"},
    "branch": nullable("string"), "step": nullable("string"),
    "step_name": {**nullable("string"), "description": "the completed step's name"},
    "round": {"type": "integer", "minimum": 1},
    "from_bureau": {"type": "string", "description": "the bureau whose step completed"},
    "from_bureau_name": nullable("string"),
    "bureau": {"type": "string", "description": "the bureau copied (the reader's)"},
    "group": {**nullable("string"), "description": "the group of it copied; null: every officer of the bureau"},
    "created_at": dt, "read_at": {**ndt, "description": "when the first officer marked it read; null: unread"},
    "read_by": {**nullable("string"), "description": "that officer's user name"}},
    ["id", "application", "service", "branch", "step", "step_name", "round", "from_bureau", "from_bureau_name", "bureau",
     "group", "created_at", "read_at", "read_by"])
schemas["Copy"]["example"] = {"id": 7, "application": "3301002026113000001XQ", "service": "建筑工程施工许可",
    "branch": "drawings", "step": "review", "step_name": "施工图审查", "round": 1, "from_bureau": "ZJ",
    "from_bureau_name": "住房和城乡建设局", "bureau": "XF", "group": None, "created_at": "2026-11-30T09:00:00Z",
    "read_at": None, "read_by": None}
paths["/api/v1/copies"] = {"get": op("抄送: the copies sent to me", "tasks",
    {"200": resp("newest first", obj({"items": {"type": "array", "items": ref("Copy")}}, ["items"])),
     "422": prob("a query parameter is invalid (invalid_request naming it)")},
    [q("unread", {"type": "string", "enum": ["true", "false"]}, "true: only those nobody has marked read"),
     q("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
     q("before", {"type": "integer", "minimum": 1}, "only copies with a smaller id (the last id of the previous page)")],
    desc="Roles: officer. A completed step copies a bureau, or one group of it, for information (the definition's <copy>); "
         "an officer sees the copies to their bureau with no group or a group they are in.")}
paths["/api/v1/copies/{id}/read"] = {"post": op("抄送: mark a copy read", "tasks",
    {"200": resp("read (the first reader and time stay when it was read before)", ref("Copy")),
     "404": prob("no such copy, or not one for this officer"), **body_err},
    [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}, idem],
    jbody(obj({}), required=False), desc="Roles: officer (of the copied bureau, and of its group when it names one).")}
# every operation's id, from its method and path (after every path is added);
# the shared 404 only where a path parameter can name nothing
for p, ops in paths.items():
    for m, o in ops.items():
        if "{" not in p and o["responses"].get("404") == common["404"]:
            del o["responses"]["404"]
        if o["security"] == [{}, {"bearer": []}]:
            o["description"] = (o.get("description", "") + " " + TOKEN_RULE).strip()
        o["operationId"] = (m + p.replace("/api/v1", "").replace("{", "").replace("}", "").replace("/", "_").replace("-", "_").replace(".", "_")).strip("_")
schemas.update(schemas_supervision)
# ---- examples --------------------------------------------------------------
# Every operation gets an example of its success answer and of its request
# body, made from its schema (so Spectral's example checks hold them to it):
# a schema's own example wins, strings come from the property's name
# (SAMPLE), enums give their first value, optional properties are left out.
SAMPLE = {"number": "330100202611300000012", "application": "330100202611300000012",
    "service": "qykb", "service_name": "企业开办", "bureau": "SCJG", "bureau_name": "市场监督管理局",
    "name": "营业执照", "task_name": "名称登记", "task": "名称登记", "label": "企业名称", "username": "clerk1",
    "id_number": "330106199003071236", "holder": "330106199003071236", "token": "kq3Z0cT8Jw2mYc1eVbq7iN4uP5sX9aL6dR0fH2gK8oE",
    "reason": "申请材料不齐全", "comment": "经营范围表述不规范，请补正", "note": "窗口已核对原件", "review": "整改到位，同意关闭",
    "reply": "已加强窗口人员培训", "changes": "调整了材料审核清单", "finding": "经现场核查，承诺内容属实", "text": "因系统故障延误，已处理",
    "subject": "名称登记 超过办理期限", "detail": "the request is invalid", "title": "Unprocessable Content",
    "type": "about:blank", "field": "form.company_name", "key_id": "b7d318c225018fb9f798687ed6263eacc4091783",
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "signature": "3045022100c1d2e3f4", "payload": "TB1:NCFOXN%TS3DH", "list": "{\"format\":\"tongban-revocations/1\"}",
    "href": "/api/v1/applications/330100202611300000012/files/7", "media_type": "application/pdf",
    "material": "articles", "material_name": "公司章程", "branch": "registration", "branch_id": "registration",
    "task_id": "name_check", "id": "registration", "code": "K7Q2M9XW", "tracking_code": "K7Q2M9XW",
    "credit_code": "11330100002489532W", "valid_until": "long-term", "when": "company_type == 'llc'",
    "password": "correct horse battery staple", "grade": 5, "next": None, "after": None, "by": "inspector1",
    "role": "clerk", "state": "in_review", "status": "ok", "database": "reachable", "source": "shipped",
    "kind": "explanation", "content": "JVBERi0xLjQK", "value": "llc", "threshold": 3}
schemas["Applicant"]["example"] = {"kind": "organization", "name": "杭州通办科技有限公司", "id_number": "91330106MA2H7Q515U"}
schemas["Session"]["example"] = {"token": SAMPLE["token"], "role": "officer", "username": "scjg", "bureau": "SCJG",
                                 "expires_at": "2026-11-30T10:15:00Z", "pending": [], "groups": ["KZ"]}
_ex_branch = lambda i, n, b, t, tn, status="active", left=1: {"id": i, "name": n, "bureau": b, "status": status,
    "round": 1, "claimed": False, "warning": "none", "task": {"id": t, "name": tn, "step": 0}, "deadline": "2026-12-01",
    "deadline_provisional": False, "working_days_left": left}
schemas["Application"]["example"] = {"number": "330100202611300000012",
    "service": {"id": "qykb", "version": 3, "name": "企业开办"}, "state": "in_review", "channel": "window", "warning": "none",
    "applicant": {"kind": "person", "name": "张三丰", "id_number": "330106199003071236"},
    "form": {"company_name": "杭州通办科技有限公司", "company_type": "llc", "registered_capital": "1000000.00",
             "legal_rep_name": "张三丰", "legal_rep_id": "330106199003071236", "scope": ["software", "consulting"],
             "employees": 12, "needs_invoice": True},
    "deadline": "2026-12-03", "working_days_left": 3, "statutory_deadline": "2026-12-07",
    "submitted_at": "2026-11-30T03:04:32Z", "accepted_at": "2026-11-30T03:10:05Z", "finished_at": None,
    "deadline_provisional": False, "statutory_deadline_provisional": False, "paused_days": 0, "special": None,
    "rating": None, "gap_overdue": False,
    "materials": [{"id": "application", "name": "公司登记（备案）申请书", "required": True, "status": "provided", "choice": None},
                  {"id": "articles", "name": "公司章程", "required": True, "status": "gap", "due": "2026-12-07", "choice": "tolerated"}],
    "branches": [_ex_branch("registration", "设立登记", "SCJG", "examine", "登记审核"),
                 _ex_branch("seal", "印章刻制备案", "GA", "record", "印章刻制备案")],
    "notice": None, "decision": None, "created_at": "2026-11-30T03:04:32Z", "updated_at": "2026-11-30T03:10:05Z",
    "outputs": {}}
schemas["NewApplication"]["example"] = {**schemas["Application"]["example"], "state": "submitted", "accepted_at": None,
    "deadline": None, "working_days_left": None,
    "materials": [{**m, "status": "provided", "choice": None} for m in schemas["Application"]["example"]["materials"]],
    "branches": [{**b, "status": "inactive", "working_days_left": None, "deadline": None}
                 for b in schemas["Application"]["example"]["branches"]],
    "tracking_code": "K7Q2M9XW4RTA", "from_licenses": []}
schemas["Tracking"]["example"] = {"number": "330100202611300000012", "service": {"id": "qykb", "name": "企业开办"},
    "state": "in_review", "applicant": {"name": "张**"}, "deadline": "2026-12-03", "deadline_provisional": False,
    "submitted_at": "2026-11-30T03:04:32Z", "accepted_at": "2026-11-30T03:10:05Z", "finished_at": None, "paused_days": 0,
    "steps": [{"name": "设立登记", "bureau": "SCJG", "status": "approved", "deadline": "2026-12-01", "deadline_provisional": False},
              {"name": "印章刻制备案", "bureau": "GA", "status": "active", "deadline": "2026-12-01", "deadline_provisional": False}],
    "notice": None, "rating": None, "evaluation": None, "working_days_left": 3,
    "owed": [{"id": "articles", "name": "公司章程", "due": "2026-12-07"}], "licenses": [], "decision": None,
    "timeline": [{"at": "2026-11-30T03:04:32Z", "action": "submit", "bureau": None},
                 {"at": "2026-11-30T03:10:05Z", "action": "accept", "bureau": None},
                 {"at": "2026-11-30T06:41:17Z", "action": "approve", "bureau": "SCJG"}]}
schemas["Task"]["example"] = {"id": 58, "number": "330100202611300000012", "service": "qykb", "version": 3, "branch": 1,
    "step": 0, "round": 1, "branch_id": "seal", "task_id": "record", "name": "印章刻制备案", "bureau": "GA", "state": "claimed",
    "claimant": 7, "deadline": "2026-12-01", "warning": "none", "application_deadline": "2026-12-03",
    "application_state": "in_review", "decision": None, "comment": None, "items": None, "outputs": None,
    "created_at": "2026-11-30T03:10:05Z", "decided_at": None, "deadline_provisional": False, "working_days_left": 1,
    "slot": 0, "serial": 1, "signer_kind": "pool", "group": None, "assignee": None, "delegate_of": None, "added_by": None,
    "handed_to": None, "back_to": None, "close_reason": None, "taken_back_at": None, "urges": 0, "sign": "one"}
schemas["Intake"]["example"] = {"service": "qykb", "channel": "window",
    "applicant": {"kind": "person", "name": "张三丰", "id_number": "330106199003071236"},
    "form": {"company_name": "杭州通办科技有限公司", "company_type": "llc", "registered_capital": 1000000,
             "legal_rep_name": "张三丰", "legal_rep_id": "330106199003071236", "address": "杭州市西湖区文三路一号",
             "scope": ["software", "consulting"], "employees": 12, "seal_count": 2, "needs_invoice": True,
             "housing_fund": False, "phone": "0571-88886666"},
    "materials": ["application", "articles", "legal_rep_id_card", "shareholder_proof", "premises", "appointment"]}
FORMAT_SAMPLE = {"date": "2026-11-30", "date-time": "2026-11-30T02:15:00Z"}

def _resolve(schema):
    while isinstance(schema, dict) and "$ref" in schema and len(schema) <= 2:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    return schema

def example_of(schema, name=None, depth=0):
    schema = _resolve(schema)
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("allOf", "oneOf", "anyOf"):
        if key in schema:
            return example_of(schema[key][0], name, depth)
    if "$ref" in schema:
        return example_of({"$ref": schema["$ref"]}, name, depth)
    types = schema.get("type", "object")
    types = [types] if isinstance(types, str) else types
    t = next((x for x in types if x != "null"), "null")
    if "enum" in schema and any(v is not None for v in schema["enum"]):
        return next(v for v in schema["enum"] if v is not None)
    if t == "object":
        props = schema.get("properties", {})
        if depth > 8:
            return {}
        out = {k: example_of(props[k], k, depth + 1) for k in schema.get("required", []) if k in props}
        if not props and isinstance(schema.get("additionalProperties"), dict):
            key = example_of(schema["propertyNames"], None, depth + 1) if "propertyNames" in schema else "example"
            out = {key: example_of(schema["additionalProperties"], None, depth + 1)}
        return out
    if t == "array":
        item = example_of(schema.get("items", {"type": "string"}), name, depth + 1)
        return [item] * max(schema.get("minItems", 1), 1)
    if t == "null":
        return None
    sample = SAMPLE.get(name)
    if t == "string":
        if schema.get("format") in FORMAT_SAMPLE:
            return FORMAT_SAMPLE[schema["format"]]
        return sample if isinstance(sample, str) else (name or "text")
    if t in ("integer", "number"):
        low, high = schema.get("minimum", 1), schema.get("maximum")
        if isinstance(sample, int) and not isinstance(sample, bool) and sample >= low and (high is None or sample <= high):
            return sample
        return low
    if t == "boolean":
        return False
    return None

TEXT_SAMPLES = {
    "text/plain": "# HELP tongban_http_requests_total Requests by route and status.\n# TYPE tongban_http_requests_total counter\n"
                  "tongban_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 3\n",
    "text/event-stream": "id: 1764468000-1\nevent: change\ndata: {\"number\":\"330100202611300000012\",\"seq\":2,"
                         "\"action\":\"accept\",\"status\":\"in_review\",\"warning\":\"none\"}\n\n",
    "text/html": "<!doctype html>\n<html lang=\"zh-CN\">…</html>\n",
    "text/css": "body { font-family: sans-serif; }\n",
    "text/javascript": "export function api(method, path, body) { … }\n",
    "image/svg+xml": "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 29 29\">…</svg>\n",
    "image/png": "iVBORw0KGgoAAAANSUhEUgAAAB0AAAAdAQAAAAB+6FqiAAAA…",
    "image/jpeg": "/9j/4AAQSkZJRgABAQAAAQABAAD…", "application/pdf": "JVBERi0xLjQK…",
    "application/octet-stream": "JVBERi0xLjQK…",
    "application/x-pem-file": "-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----\n",
    "application/xml": "<workflow xmlns=\"urn:tongban:workflow:1\" id=\"qykb\" version=\"4\">…</workflow>\n",
}

def add_example(media, ctype):
    if "example" in media or "examples" in media or "schema" not in media:
        return
    if ctype.endswith("json"):
        media["example"] = example_of(media["schema"])
    elif ctype in TEXT_SAMPLES:
        media["example"] = TEXT_SAMPLES[ctype]

for p, ops in paths.items():
    for m, o in ops.items():
        for st, r in o["responses"].items():
            if st.startswith("2"):
                for ctype, media in r.get("content", {}).items():
                    add_example(media, ctype)
        for ctype, media in o.get("requestBody", {}).get("content", {}).items():
            add_example(media, ctype)
doc = {"openapi": "3.1.0",
       "info": {"title": "tongban REST API", "version": "1.0.0",
                "description": "One number, one window, one network: intake, bureau worklists, one-number look-up, public tracking. Errors are application/problem+json (RFC 9457) with a stable code. Absolute URLs (the QR codes of receipts and licenses) start with the server's --public-url, never with the request's Host; X-Forwarded-For/-Proto/-Host are read only from --trusted-proxy peers. A change answered 2xx is stored; 4xx, 500 and 503 database_unavailable/busy mean nothing was stored; 503 outcome_unknown means the commit's outcome is unknown: repeat it with the same Idempotency-Key. Every GET route answers HEAD; JSON, HTML, CSS, JavaScript, SVG and /metrics bodies are gzip-compressed when Accept-Encoding allows it (Vary: Accept-Encoding, and an ETag of their own).",
                "description": "One number, one window, one network: intake, bureau worklists, one-number look-up, public tracking. Errors are application/problem+json (RFC 9457) with a stable code. Absolute URLs (the QR codes of receipts and licenses) start with the server's --public-url, never with the request's Host; X-Forwarded-For/-Proto/-Host are read only from --trusted-proxy peers. A change answered 2xx is stored; 4xx, 500 and 503 database_unavailable/busy mean nothing was stored; 503 outcome_unknown means the commit's outcome is unknown: repeat it with the same Idempotency-Key.\n\n"
                               "Tokens: staff send Authorization: Bearer <token> from POST /api/v1/sessions. One rule on every route, public ones "
                               "included: a request without an Authorization header is anonymous (a route that needs a role answers 401 "
                               "unauthenticated); a header that is sent is always checked, and a malformed, unknown, expired or revoked token "
                               "is 401 invalid_token, never quietly taken as anonymous. Public routes therefore need no token, and a token "
                               "decides the role where a route answers staff and applicants differently (a rating, a license's QR without the "
                               "tracking code).",
                "contact": {"name": "tongban maintainers"},
                "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"}},
       "servers": [{"url": "http://127.0.0.1:8080"}],
       "tags": [{"name": t, "description": d} for t, d in [
           ("applications", "intake at the window and online, the window's actions, materials and files"),
           ("tasks", "the bureaus' worklists: claim, decide, opinion files, 催办"),
           ("tracking", "the applicant's public view with the tracking code, and the receipt's QR code"),
           ("licenses", "electronic licenses: look-up, QR codes, verification, revocation, the trust list"),
           ("workflows", "the services' definitions"),
           ("sessions", "staff log-in and log-out"),
           ("accounts", "staff accounts, managed by administrators"),
           ("security", "the security log: log-ins, account changes, deployments, keys, calendars"),
           ("calendar", "the working-day calendar: holidays and 调休 working days, loaded by administrators"),
           ("operations", "health, metrics and this document"),
           ("supervision", "electronic supervision: counts, cards, statistics, findings, 整改 and 核查"),
           ("pages", "the HTML pages and their files")]],
       "paths": paths,
       "components": {"schemas": schemas,
                      "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                          "description": "a token from POST /api/v1/sessions"}}}}
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
