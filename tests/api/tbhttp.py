"""tbhttp.py — what the HTTP test scripts share: TAP cases, requests,
sessions, identifiers with valid check characters, SQL as the superuser,
the text of a PDF (pdf_text, its fonts checked embedded),
and the check every answer passes: a problem+json body's code and
errors[].code are registered codes (engine/tb_problems.def) and its status
is its code's (check_problem), and every answer of http() and chunked()
is what the served OpenAPI document says (tbschema.check: status,
Content-Type, body schema).

The scripts are started by test_api.c, which exports TB_BASE_URL,
TB_ADMIN_CONNINFO, TB_PASSWORD (every account's password),
TB_SOURCE_ROOT and, when the harness offers them, TB_CONTROL_FDS (see
control()).
"""
import glob
import http.client as httpclient
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

BASE = os.environ["TB_BASE_URL"]
ADMIN_DB = os.environ["TB_ADMIN_CONNINFO"]
PASSWORD = os.environ["TB_PASSWORD"]
ROOT = os.environ["TB_SOURCE_ROOT"]

sys.path.insert(0, os.path.join(ROOT, "tools"))
import tb_problems  # noqa: E402
import tbschema  # noqa: E402

# code → HTTP status, from the registry the server is built from.
PROBLEMS = {p["code"]: p["status"] for p in
            tb_problems.read(os.path.join(ROOT, "engine", "tb_problems.def"))}

count = 0
failed = 0


def case(name):
    """Run the decorated function now as one TAP case."""
    def wrap(fn):
        global count, failed
        count += 1
        try:
            fn()
            print(f"ok {count} - {name}")
        except Exception as e:  # noqa: BLE001 - a failing case, reported
            failed += 1
            print(f"not ok {count} - {name}")
            for line in traceback.format_exc().splitlines():
                print("# " + line)
            print(f"# {e}")
        sys.stdout.flush()
        return fn
    return wrap


def done():
    """Print the plan; the exit status for the script."""
    print(f"1..{count}")
    return 1 if failed else 0


def check_problem(status, headers, body):
    """Fail (AssertionError) when a problem+json answer carries a code the
    registry does not know, at the top or in errors[], or a status that is
    not its code's. Other answers pass untouched."""
    ctype = (headers.get("Content-Type") or "") if headers else ""
    if not ctype.startswith("application/problem+json") or not body:
        return
    p = json.loads(body.decode("utf-8"))
    code = p.get("code")
    assert code in PROBLEMS, f"unregistered problem code {code!r}: {p}"
    assert PROBLEMS[code] == status == p.get("status"), \
        f"{code} is {PROBLEMS[code]}, answered {status} / {p.get('status')}"
    for e in p.get("errors", []):
        assert e.get("code") in PROBLEMS, \
            f"unregistered code {e.get('code')!r} in errors[]: {p}"


class Resp:
    """One answer. With the request's method and path, it is also checked
    against the server's OpenAPI document (tbschema.check): every answer of
    http() and chunked() is."""
    def __init__(self, status, headers, body, method=None, path=None,
                 base=None):
        self.status, self.headers, self.body = status, headers, body
        check_problem(status, headers, body)
        if method and path:
            tbschema.check(base or BASE, method, path, status, headers, body)

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


def from_source(source):
    """A urllib opener whose connections start from the loopback address
    `source` (127.0.0.x: another client address for the server)."""
    import functools
    import http.client

    class FromSource(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(functools.partial(
                http.client.HTTPConnection, source_address=(source, 0)), req)
    return urllib.request.build_opener(FromSource)


def http(method, path, body=None, token=None, headers=None, raw=None,
         ctype=None, base=None, clock=None, source=None):
    """One request; body is sent as JSON, or raw bytes with ctype (none
    when ctype is None); to base (a server's URL) instead of TB_BASE_URL
    when given; clock: the X-Tongban-Clock header (Unix seconds); source:
    the loopback address to connect from (from_source). The answer is
    checked against the OpenAPI document (Resp)."""
    h = dict(headers or {})
    data = None
    if raw is not None:
        data = raw
        if ctype:
            h.setdefault("Content-Type", ctype)
    elif body is not None:
        data = json.dumps(body).encode("utf-8")
        h.setdefault("Content-Type", "application/json")
    if token:
        h["Authorization"] = "Bearer " + token
    if clock:
        h["X-Tongban-Clock"] = str(int(clock))
    req = urllib.request.Request((base or BASE) + path, data=data,
                                 method=method, headers=h)
    opener = from_source(source).open if source else urllib.request.urlopen
    try:
        with opener(req, timeout=60) as r:
            return Resp(r.status, r.headers, r.read(), method, path, base)
    except urllib.error.HTTPError as e:
        return Resp(e.code, e.headers, e.read(), method, path, base)


def chunked(method, path, data, token=None, ctype="application/json"):
    """A request with a chunked body (no Content-Length)."""
    import http.client
    host, port = BASE.split("//")[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=60)
    parts = (data[i:i + 65536] for i in range(0, len(data), 65536))
    h = {"Content-Type": ctype}
    if token:
        h["Authorization"] = "Bearer " + token
    c.request(method, path, body=parts, encode_chunked=True, headers=h)
    r = c.getresponse()
    out = Resp(r.status, r.headers, r.read(), method, path)
    c.close()
    return out


def audit_verify(number):
    """`tongban audit verify NUMBER` (TB_TONGBAN; every chain when number
    is empty): exit status and output."""
    r = subprocess.run([os.environ.get("TB_TONGBAN", ""), "audit", "verify"]
                       + ([number] if number else []) + ["--db", ADMIN_DB],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


def expect(r, status, code=None):
    assert r.status == status, f"expected {status}, got {r!r}"
    if code:
        assert r.json["code"] == code, r.json
    return r


_tokens = {}


def tok(user):
    """A session token for one of the harness's accounts (cached)."""
    if user not in _tokens:
        r = expect(http("POST", "/api/v1/sessions",
                        {"username": user, "password": PASSWORD}), 201)
        _tokens[user] = r.json["token"]
    return _tokens[user]


def citizen_id(birth="19850612", seq="271"):
    """A citizen ID (GB 11643) with its check character."""
    base = "330106" + birth + seq
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(c) * k for c, k in zip(base, w))
    return base + "10X98765432"[s % 11]


def credit_code(org8, prefix="91330106"):
    """A unified social credit code (GB 32100) around an organization code
    (GB 11714) whose check character is computed too."""
    val = lambda c: int(c) if c.isdigit() else ord(c) - 55
    s = sum(val(c) * w for c, w in zip(org8, [3, 7, 9, 10, 5, 8, 4, 2]))
    c9 = 11 - s % 11
    base17 = prefix + org8 + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    s = sum(alphabet.index(c) * pow(3, i, 31) for i, c in enumerate(base17))
    return base17 + alphabet[(31 - s % 31) % 31]


def psql_path():
    p = shutil.which("psql")
    if p:
        return p
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    return found[-1] if found else "psql"


def sql(query):
    """One statement as the cluster's superuser; its output as text."""
    out = subprocess.run([psql_path(), "-XAtq", "-d", ADMIN_DB, "-c", query],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def control(command):
    """Ask the harness to act on the database: "halt" stops PostgreSQL,
    "restart" starts it again. Returns the harness's one-line answer."""
    wfd, rfd = (int(x) for x in os.environ["TB_CONTROL_FDS"].split(","))
    os.write(wfd, (command + "\n").encode())
    answer = b""
    while not answer.endswith(b"\n"):
        chunk = os.read(rfd, 256)
        if not chunk:
            break
        answer += chunk
    return answer.decode().strip()


# ---- the business start-up workflow (qykb), valid as it is --------------------

QYKB_PERSON = citizen_id()
QYKB_FORM = {
    "company_name": "杭州通办科技有限公司", "company_type": "llc",
    "registered_capital": 1000000, "legal_rep_name": "张三丰",
    "legal_rep_id": QYKB_PERSON, "address": "杭州市西湖区文三路一号",
    "scope": ["software", "consulting"], "employees": 12, "seal_count": 2,
    "needs_invoice": True, "housing_fund": False, "phone": "0571-88886666",
}
QYKB_MATERIALS = ["application", "articles", "legal_rep_id_card",
                  "shareholder_proof", "premises", "appointment"]


def org_intake(holder, service="qykb", channel="window", form=None,
               materials=None):
    """The body of an intake for the enterprise holder (a credit code):
    qykb with QYKB_FORM and every material unless told otherwise."""
    return {"service": service, "channel": channel,
            "form": QYKB_FORM if form is None else form,
            "materials": QYKB_MATERIALS if materials is None else materials,
            "applicant": {"kind": "organization", "name": "杭州通办科技有限公司",
                          "id_number": holder}}


def spjy_form(holder):
    """A valid food business license (spjy) form for the enterprise holder."""
    return {"operator_name": "杭州通办科技有限公司", "credit_code": holder,
            "legal_rep_name": "张三丰", "legal_rep_id": QYKB_PERSON,
            "premises_address": "杭州市西湖区文三路一号", "operator_type": "seller",
            "items": ["prepacked"], "area": 120, "staff": 5,
            "safety_manager": "李四光"}


def officer(bureau):
    """The token of the harness's officer of a bureau."""
    return tok("officer-" + bureau)


def add_officer(user, bureau):
    """Another officer of a bureau (beside the harness's officer-BUREAU),
    with the harness's password: a target of 转办, 委派 and 加签."""
    sql(f"INSERT INTO accounts (username, role, bureau, password_hash) "
        f"SELECT '{user}', 'officer', '{bureau}', password_hash FROM accounts "
        f"WHERE username = 'officer-{bureau}' ON CONFLICT (username) DO "
        f"NOTHING")


def open_task(number, bureau):
    """The open or claimed task of bureau in application number, as the
    bureau's worklist shows it."""
    r = expect(http("GET", "/api/v1/tasks?bureau=" + bureau,
                    token=officer(bureau)), 200)
    for t in r.json["items"]:
        if t["number"] == number and t["state"] in ("open", "claimed"):
            return t
    raise AssertionError(f"no open task of {bureau} for {number}")


def china_today(days=0):
    """The server's day (China Standard Time, UTC+8) as YYYY-MM-DD, moved
    by `days`: what min="today" / max="today" date fields are bound by."""
    import datetime
    tz = datetime.timezone(datetime.timedelta(hours=8))
    day = datetime.datetime.now(tz).date() + datetime.timedelta(days=days)
    return day.isoformat()


NEWBORN = citizen_id("20250602", "017")
_workflows = {}


def sample_output(o):
    """A valid value of one output (as the definition JSON lists it)."""
    if o["type"] == "id-number":
        return NEWBORN
    if o["type"] == "date":
        return china_today()
    n = max(o.get("min") or 2, 2)
    return "测" * (min(n, o["max"]) if o.get("max") else n)


def task_outputs(task, values=None):
    """Valid values of the branch outputs a task declares (<output> in the
    definition; the newborn's citizen ID for an id-number), or {} when it
    declares none. values: given values by output id."""
    service = task["service"]
    if service not in _workflows:
        _workflows[service] = expect(
            http("GET", "/api/v1/workflows/" + service), 200).json
    values = values or {}
    for b in _workflows[service]["steps"]:
        if b["id"] != task["branch_id"]:
            continue
        for t in b["tasks"]:
            if t["id"] == task["task_id"]:
                return {o["id"]: values.get(o["id"], sample_output(o))
                        for o in t.get("outputs", [])}
    return {}


# ---- supervision (issue 15 §3, §4, 催办) ----------------------------------------

def supervision_sweep(at):
    """`tongban supervision sweep` of the shipped rules at Unix seconds
    `at` (the injected clock): its output, e.g. "2 findings raised"."""
    r = subprocess.run([os.environ.get("TB_TONGBAN", ""), "supervision",
                        "sweep", "--db", ADMIN_DB, "--workflows",
                        os.path.join(ROOT, "workflows"), "--at", str(int(at))],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.strip()


def matches_schema(path, body, method="GET", status="200"):
    """Fail unless body (parsed JSON) matches the OpenAPI document's schema
    for the answer `status` of `method path` (path: the document's
    template). Every answer of http() is checked anyway; this checks a
    body kept or rebuilt by a test."""
    tbschema.check_body(BASE, path, method, status, body)


def raw_exchange(data, timeout=10, source=None, pause=0.0):
    """Send bytes as they are on a fresh connection (data: bytes, or a list
    of pieces sent `pause` seconds apart; from the loopback address source
    when given) and read until the server closes it or `timeout` seconds
    pass; (answer bytes, whether the server closed the connection)."""
    import socket
    import time
    host, port = BASE.split("//")[1].split(":")
    out, closed = b"", False
    with socket.create_connection((host, int(port)), timeout=timeout,
                                  source_address=(source, 0) if source
                                  else None) as sk:
        for i, piece in enumerate([data] if isinstance(data, bytes) else data):
            if i:
                time.sleep(pause)
            sk.sendall(piece)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sk.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                chunk = sk.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            out += chunk
    return out, closed


def raw_answer(out):
    """An answer's bytes as (status, headers with lower-case names, body)."""
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def flat(text):
    """Text without any white space: pdftotext breaks lines (and table
    cells) where the layout does."""
    return "".join(text.split())


def pdf_text(body):
    """The text of a PDF's bytes (pdftotext -raw: in the order it was
    drawn, so that a table cell's wrapped lines stay together), after
    pdffonts has shown that it has fonts and embeds every one of them."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(body)
        f.flush()
        text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", f.name,
                               "-"], capture_output=True, check=True).stdout
        fonts = subprocess.run(["pdffonts", f.name], capture_output=True,
                               check=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows, f"no fonts in the PDF:\n{fonts}"
    # columns from the right: emb sub uni object ID
    assert all(r[-5] == "yes" for r in rows), f"a font not embedded:\n{fonts}"
    return text.decode("utf-8")


# ---- the live stream (GET /api/v1/supervision/stream) ---------------------

class Stream:
    """One live stream on its own connection (to base); its events as they
    come."""

    def __init__(self, token, base=BASE, last_event_id=None):
        u = urllib.parse.urlsplit(base)
        self.conn = httpclient.HTTPConnection(u.hostname, u.port, timeout=10)
        headers = {"Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        self.conn.request("GET", "/api/v1/supervision/stream?access_token="
                          + token, headers=headers)
        self.sock = self.conn.sock
        self.raw = self.sock.dup()  # to see the server's close at the end
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200, (self.resp.status, self.resp.read())
        self.text = ""
        self.ended = False
        self.wait(lambda s: "tongban supervision" in s.text, 10)

    def _read(self, until):
        """Read what arrives before the monotonic time `until`."""
        self.sock.settimeout(max(until - time.monotonic(), 0.05))
        try:
            chunk = self.resp.read1(65536)
        except (socket.timeout, TimeoutError):
            return
        if not chunk:
            self.ended = True
        self.text += chunk.decode("utf-8")

    def wait(self, pred, seconds):
        """Read until pred(self) holds, the stream ends or `seconds`
        pass; whether pred holds."""
        until = time.monotonic() + seconds
        while not pred(self) and not self.ended and time.monotonic() < until:
            self._read(until)
        return pred(self)

    def events(self):
        """(type, data, id) of every event received whole so far; data
        parsed."""
        out = []
        for block in self.text.split("\n\n")[:-1]:
            fields = {}
            for line in block.split("\n"):
                k, sep, v = line.partition(": ")
                if sep and k in ("id", "event", "data"):
                    fields[k] = v
            if "event" in fields:
                out.append((fields["event"], json.loads(fields["data"]),
                            fields.get("id")))
        return out

    def changes(self, number):
        return [d for t, d, _ in self.events()
                if t == "change" and d.get("number") == number]

    def has(self, number):
        return lambda s: any(d.get("number") == number
                             for t, d, _ in s.events())

    def server_closed(self):
        """Whether the server closed the connection after the answer
        (read only once the answer ended)."""
        self.raw.settimeout(3)
        try:
            return self.raw.recv(1) == b""
        except socket.timeout:
            return False

    def close(self):
        self.resp.close()
        self.conn.close()
        self.raw.close()
