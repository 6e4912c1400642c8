"""test_session_steps.py — steps a session owes before anything else
(issue 17 §4; sql/0012_session_steps.sql, api/api_auth.c steps_taken),
started by test_api.c with this script's name and the tongban binary.

- An account whose password an administrator set logs in with
  "pending": ["password_change"]; its token is refused on every other
  route with 403 password_change_required — a staff route, a public one
  (a token, when sent, decides), the event stream — while log-out and a
  new log-in stay open.
- A session owing the second factor's enrolment is refused with 403
  totp_enrolment_required.
- A session that owes nothing works as before and says "pending": [].

Speaks TAP on stdout. Environment as for test_api.py.
"""
from tbhttp import PASSWORD, case, done, expect, http, sql, tok

USER = "steps1"


def login(user):
    return expect(http("POST", "/api/v1/sessions",
                       {"username": user, "password": PASSWORD}), 201).json


@case("an account an administrator set owes a new password, and may only log out")
def _():
    sql(f"INSERT INTO accounts (username, role, password_hash, "
        f"password_change_required) SELECT '{USER}', 'clerk', password_hash, "
        f"true FROM accounts WHERE username = 'clerk1'")
    s = login(USER)
    assert s["pending"] == ["password_change"], s
    t = s["token"]
    for method, path in (("GET", "/api/v1/applications?state=submitted"),
                         ("GET", "/healthz"),
                         ("GET", "/api/v1/workflows"),
                         ("GET", "/api/v1/supervision/rules")):
        r = expect(http(method, path, token=t), 403, "password_change_required")
        assert "password" in r.json["detail"], r.json
    stream = expect(http("GET", "/api/v1/supervision/stream?access_token=" + t,
                         headers={"Accept": "text/event-stream"}), 403,
                    "password_change_required")
    assert stream.headers["Content-Type"].startswith("application/problem+json")
    again = login(USER)
    assert again["pending"] == ["password_change"], again
    expect(http("DELETE", "/api/v1/sessions/current", token=t), 204)
    expect(http("GET", "/healthz", token=t), 401, "invalid_token")


@case("a session owing the second factor's enrolment is refused until it enrols")
def _():
    t = login(USER)["token"]
    sql(f"UPDATE accounts SET password_change_required = false "
        f"WHERE username = '{USER}'")
    sql("UPDATE sessions SET pending = 2 WHERE account_id = (SELECT id FROM "
        f"accounts WHERE username = '{USER}') AND revoked_at IS NULL")
    expect(http("GET", "/api/v1/applications?state=submitted", token=t), 403,
           "totp_enrolment_required")
    expect(http("DELETE", "/api/v1/sessions/current", token=t), 204)


@case("a session that owes nothing says so and works")
def _():
    s = login("clerk1")
    assert s["pending"] == [], s
    expect(http("GET", "/api/v1/applications?state=submitted",
                token=s["token"]), 200)
    assert "pending" not in tok("clerk1")


done()
