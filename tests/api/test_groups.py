"""test_groups.py — the groups (岗位) of officers and 抄送 copies (issue 14;
api/api_groups.c, api/api_accounts.c, api/api_copies.c,
store/tb_store_groups.c, store/tb_store_copies.c), started by test_api.c
with this script's name and the tongban binary.

- GET /api/v1/bureaus lists each bureau's groups with their Chinese names.
- An administrator creates an officer in groups of its bureau and changes
  them with the role; the list, the log-in answer and
  GET /api/v1/sessions/current show them; a role without a bureau loses
  them. Refusals: a group the bureau does not declare (naming the code and
  the bureau), groups for a clerk, a malformed code, one twice, more than
  eight, not an array. Each change is an event of the security log with
  the groups.
- `tongban accounts add --groups` and `set-role --groups`, with the same
  refusals, and `accounts list` showing them.
- 抄送: copies to a bureau, to one group of it and to another bureau
  (rows as the transition writes them; the store function itself is
  tested in tests/store/test_store_copies.c): an officer sees those to
  their bureau with no group or one of their groups, newest first, the
  unread ones, a page by limit and before; marking read records the first
  reader and may be repeated; a copy that is not theirs is 404; bad query
  parameters are 422 naming them.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import json
import os
import subprocess

from tbhttp import (ADMIN_DB, PASSWORD, ROOT, case, credit_code, done, expect,
                    http, officer, org_intake, sql, tok)

TONGBAN = os.environ["TB_TONGBAN"]
WORKFLOWS = os.path.join(ROOT, "workflows")
ADMIN = "admin1"
START = "Start-Pass-2026"
OWN = "Own-Choice-2027"
state = {}


def admin(method, path, body=None):
    return http(method, path, body, token=tok(ADMIN))


def tongban(*args, stdin=None):
    r = subprocess.run([TONGBAN, *args, "--db", ADMIN_DB], input=stdin,
                       capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def create(user, role="officer", bureau="ZJ", groups=None):
    body = {"username": user, "role": role, "password": START}
    if bureau:
        body["bureau"] = bureau
    if groups is not None:
        body["groups"] = groups
    return admin("POST", "/api/v1/accounts", body)


def login(user, password):
    return http("POST", "/api/v1/sessions",
                {"username": user, "password": password})


def ready(user, **kw):
    """A new account that has chosen its own password: its token."""
    expect(create(user, **kw), 201)
    t = expect(login(user, START), 201).json["token"]
    expect(http("POST", "/api/v1/sessions/current/password",
                {"current_password": START, "new_password": OWN}, token=t),
           200)
    return expect(login(user, OWN), 201).json


def listed(user):
    r = expect(admin("GET", "/api/v1/accounts"), 200)
    return next(a for a in r.json["accounts"] if a["username"] == user)


def refused(r, *words):
    expect(r, 422, "invalid_request")
    assert r.json["errors"][0]["field"] == "groups", r.json
    for w in words:
        assert w in r.json["detail"], (w, r.json)


def last_event(kind, user):
    """The details of the account's newest security event of kind."""
    return json.loads(sql("SELECT details FROM security_events WHERE kind = "
                          f"'{kind}' AND subject = 'account:{user}' ORDER BY "
                          "seq DESC LIMIT 1"))


@case("GET /api/v1/bureaus: each bureau with its groups, in Chinese")
def _():
    r = expect(http("GET", "/api/v1/bureaus", token=tok("clerk1")), 200)
    zj = next(b for b in r.json["bureaus"] if b["code"] == "ZJ")
    assert zj["name"] == "住房和城乡建设局", zj
    assert {"code": "KZ", "name": "科长"} in zj["groups"], zj
    assert {"code": "STY", "name": "审图员"} in zj["groups"], zj
    ga = next(b for b in r.json["bureaus"] if b["code"] == "GA")
    assert ga["groups"] == [], ga
    expect(http("GET", "/api/v1/bureaus"), 401)


@case("an officer created in groups: the list, the log-in and the session show them")
def _():
    r = expect(create("grp-kz", groups=["STY", "KZ"]), 201)
    assert sorted(r.json["groups"]) == ["KZ", "STY"], r.json
    assert listed("grp-kz")["groups"] == ["KZ", "STY"]
    s = ready("grp-kz2", groups=["KZ"])
    assert s["groups"] == ["KZ"], s
    state["kz"] = s["token"]
    me = expect(http("GET", "/api/v1/sessions/current", token=s["token"]),
                200).json
    assert me == {"username": "grp-kz2", "role": "officer", "bureau": "ZJ",
                  "groups": ["KZ"], "pending": []}, me
    clerk = expect(http("GET", "/api/v1/sessions/current",
                        token=tok("clerk1")), 200).json
    assert clerk["groups"] == [] and clerk["bureau"] is None, clerk
    assert listed("clerk1")["groups"] == []
    details = last_event("account_created", "grp-kz")
    assert details == {"role": "officer", "bureau": "ZJ",
                       "groups": ["KZ", "STY"]}, details


@case("a session owing its password change still reads who it is")
def _():
    t = expect(login("grp-kz", START), 201).json["token"]
    me = expect(http("GET", "/api/v1/sessions/current", token=t), 200).json
    assert me["pending"] == ["password_change"] and me["groups"] == [
        "KZ", "STY"], me
    expect(http("GET", "/api/v1/sessions/current"), 401)


@case("refused groups: unknown to the bureau, for a clerk, malformed, twice, too many, not an array")
def _():
    refused(create("grp-bad1", groups=["XX"]), "'XX'", "ZJ", "KZ, STY")
    refused(create("grp-bad2", bureau="GA", groups=["KZ"]), "'KZ'", "GA",
            "none")
    refused(create("grp-bad3", role="clerk", bureau=None, groups=["KZ"]),
            "only officers")
    refused(create("grp-bad4", groups=["K Z"]), "no group code")
    refused(create("grp-bad5", groups=["KZ", "KZ"]), "twice")
    refused(create("grp-bad6", groups=[f"G{i}" for i in range(9)]),
            "at most 8")
    refused(create("grp-bad7", groups=[1]), "array of group codes")
    r = expect(create("grp-bad8", groups="KZ"), 422, "invalid_request")
    assert r.json["errors"][0]["field"] == "groups", r.json
    for i in range(1, 9):  # nothing was stored
        assert sql(f"SELECT count(*) FROM accounts WHERE username = "
                   f"'grp-bad{i}'") == "0"
    # an empty list is no groups
    r = expect(create("grp-none", groups=[]), 201)
    assert r.json["groups"] == [], r.json


@case("the role route sets the groups: an event, the sessions ended, cleared with the bureau")
def _():
    r = expect(admin("POST", "/api/v1/accounts/grp-kz2/role",
                     {"role": "officer", "bureau": "ZJ",
                      "groups": ["STY"]}), 200)
    assert r.json["sessions_ended"] >= 1, r.json
    expect(http("GET", "/api/v1/sessions/current", token=state["kz"]), 401)
    assert listed("grp-kz2")["groups"] == ["STY"]
    details = last_event("account_role_changed", "grp-kz2")
    assert details == {"role": "officer", "bureau": "ZJ",
                       "groups": ["STY"]}, details
    refused(admin("POST", "/api/v1/accounts/grp-kz2/role",
                  {"role": "officer", "bureau": "ZJ", "groups": ["FYK"]}),
            "'FYK'", "ZJ")
    assert listed("grp-kz2")["groups"] == ["STY"]
    expect(admin("POST", "/api/v1/accounts/grp-kz2/role",
                 {"role": "clerk"}), 200)
    assert listed("grp-kz2")["groups"] == []
    assert last_event("account_role_changed", "grp-kz2") == {
        "role": "clerk", "bureau": None, "groups": []}
    expect(admin("POST", "/api/v1/accounts/grp-kz2/role",
                 {"role": "officer", "bureau": "ZJ", "groups": ["KZ"]}), 200)
    s = expect(login("grp-kz2", OWN), 201).json
    assert s["groups"] == ["KZ"], s
    state["kz"] = s["token"]


@case("tongban accounts add --groups, set-role --groups, list")
def _():
    rc, out = tongban("accounts", "add", "grp-cli", "--role", "officer",
                      "--bureau", "ZJ", "--groups", "KZ,STY", "--workflows",
                      WORKFLOWS, stdin=START + "\n")
    assert rc == 0 and "groups KZ,STY" in out, out
    assert listed("grp-cli")["groups"] == ["KZ", "STY"]
    details = last_event("account_created", "grp-cli")
    assert details == {"command": "accounts add", "role": "officer",
                       "bureau": "ZJ", "groups": ["KZ", "STY"]}, details
    rc, out = tongban("accounts", "add", "grp-cli2", "--role", "officer",
                      "--bureau", "ZJ", "--groups", "KZ,NOPE", "--workflows",
                      WORKFLOWS, stdin=START + "\n")
    assert rc == 2 and "'NOPE'" in out and "ZJ" in out, out
    rc, out = tongban("accounts", "add", "grp-cli3", "--role", "clerk",
                      "--groups", "KZ", "--workflows", WORKFLOWS,
                      stdin=START + "\n")
    assert rc == 2 and "only officers" in out, out
    rc, out = tongban("accounts", "add", "grp-cli4", "--role", "officer",
                      "--bureau", "ZJ", "--groups", "KZ,,STY",
                      "--workflows", WORKFLOWS, stdin=START + "\n")
    assert rc == 2 and "no group code" in out, out
    assert sql("SELECT count(*) FROM accounts WHERE username LIKE "
               "'grp-cli_'") == "0"
    rc, out = tongban("accounts", "set-role", "grp-cli", "officer",
                      "--bureau", "ZJ", "--groups", "STY", "--workflows",
                      WORKFLOWS)
    assert rc == 0, out
    assert listed("grp-cli")["groups"] == ["STY"]
    assert last_event("account_role_changed", "grp-cli")["groups"] == ["STY"]
    rc, out = tongban("accounts", "list")
    line = next(x for x in out.splitlines() if x.startswith("grp-cli "))
    assert line.endswith(" groups=STY"), line
    rc, out = tongban("accounts", "disable", "grp-cli", "--groups", "KZ")
    assert rc == 2 and "usage" in out, out


# ---- 抄送 -------------------------------------------------------------------

def application():
    """An accepted qykb application: its number and row id."""
    body = org_intake(credit_code("MA2H9G01"))
    n = expect(http("POST", "/api/v1/applications", body,
                    token=tok("clerk1")), 201).json["number"]
    expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                token=tok("clerk1")), 200)
    return n, sql(f"SELECT id FROM applications WHERE number = '{n}'")


def copy_row(app, bureau, group):
    g = f"'{group}'" if group else "NULL"
    return int(sql("INSERT INTO task_copies (application_id, branch, step, "
                   "round, from_bureau, bureau, group_code) VALUES "
                   f"({app}, 0, 0, 1, 'SCJG', '{bureau}', {g}) RETURNING id"))


def copies(token, query=""):
    return expect(http("GET", "/api/v1/copies" + query, token=token),
                  200).json["items"]


@case("抄送: an officer sees the copies to the bureau and to their groups, newest first")
def _():
    n, app = application()
    state["number"] = n
    ids = {"all": copy_row(app, "ZJ", None), "kz": copy_row(app, "ZJ", "KZ"),
           "sty": copy_row(app, "ZJ", "STY"), "ga": copy_row(app, "GA", None)}
    state["ids"] = ids
    mine = copies(state["kz"])
    assert [c["id"] for c in mine] == [ids["kz"], ids["all"]], mine
    c = mine[0]
    assert (c["application"], c["from_bureau"], c["from_bureau_name"],
            c["bureau"], c["group"], c["round"], c["read_at"],
            c["read_by"]) == (n, "SCJG", "市场监督管理局", "ZJ", "KZ", 1, None,
                              None), c
    assert c["service"] and c["step_name"] and c["branch"], c
    # the harness's officer of ZJ is in no group: the bureau's copy only
    assert [c["id"] for c in copies(officer("ZJ"))] == [ids["all"]]
    assert [c["id"] for c in copies(officer("GA"))] == [ids["ga"]]
    expect(http("GET", "/api/v1/copies", token=tok("clerk1")), 403)


@case("抄送: marking read records the first reader, may be repeated; others get 404")
def _():
    ids = state["ids"]
    r = expect(http("POST", f"/api/v1/copies/{ids['all']}/read", {},
                    token=officer("ZJ")), 200).json
    assert r["id"] == ids["all"] and r["read_by"] == "officer-ZJ", r
    assert r["read_at"], r
    again = expect(http("POST", f"/api/v1/copies/{ids['all']}/read", {},
                        token=state["kz"]), 200).json
    assert again["read_by"] == "officer-ZJ" and \
        again["read_at"] == r["read_at"], again
    unread = copies(state["kz"], "?unread=true")
    assert [c["id"] for c in unread] == [ids["kz"]], unread
    assert [c["id"] for c in copies(state["kz"], "?unread=false")] == \
        [ids["kz"], ids["all"]]
    for cid, who in ((ids["sty"], state["kz"]), (ids["kz"], officer("ZJ")),
                     (ids["ga"], state["kz"]), (ids["all"], officer("GA")),
                     (999999999, state["kz"])):
        expect(http("POST", f"/api/v1/copies/{cid}/read", {}, token=who),
               404, "not_found")
    assert sql(f"SELECT read_at IS NULL FROM task_copies WHERE id = "
               f"{ids['sty']}") == "t"
    expect(http("POST", "/api/v1/copies/abc/read", {}, token=state["kz"]),
           404, "not_found")


@case("抄送: pages by limit and before; bad parameters are 422 naming them")
def _():
    ids = state["ids"]
    first = copies(state["kz"], "?limit=1")
    assert [c["id"] for c in first] == [ids["kz"]], first
    rest = copies(state["kz"], f"?limit=1&before={ids['kz']}")
    assert [c["id"] for c in rest] == [ids["all"]], rest
    assert copies(state["kz"], f"?before={ids['all']}") == []
    for query, field in (("?limit=0", "limit"), ("?limit=201", "limit"),
                         ("?limit=x", "limit"), ("?before=-1", "before"),
                         ("?before=1e3", "before"), ("?unread=yes", "unread")):
        r = expect(http("GET", "/api/v1/copies" + query, token=state["kz"]),
                   422, "invalid_request")
        assert r.json["errors"][0]["field"] == field, (query, r.json)


done()
