"""tbschema.py — every answer the Python API tests receive, checked against
the OpenAPI document the server serves (/api/v1/openapi.json): the status
is one the document lists for the route and method, the Content-Type is
one it lists for that status (none when it lists no content), and a JSON
body is valid against its schema (JSON Schema 2020-12, the dialect of
OpenAPI 3.1, with Debian's python3-jsonschema, formats checked; a gzip
Content-Encoding is undone first).

tbhttp.Resp calls check() for every answer of tbhttp.http() and
tbhttp.chunked(); a mismatch raises AssertionError naming the method,
the route, the status and the schema's error, which fails the TAP case
that made the request. One compiled validator is kept per route, method,
status and media type.
"""
import gzip
import json
import urllib.request

import jsonschema

_doc = {}
_validators = {}


def document(base):
    """The OpenAPI document served at base (fetched once per server)."""
    if base not in _doc:
        with urllib.request.urlopen(base + "/api/v1/openapi.json",
                                    timeout=60) as r:
            _doc[base] = json.loads(r.read().decode("utf-8"))
    return _doc[base]


def _segment_matches(template, segment):
    """One template segment ("{id}", "{id}.svg", "qr.png") against one
    segment of a concrete path."""
    if not template.startswith("{"):
        return template == segment
    suffix = template[template.index("}") + 1:]
    return len(segment) > len(suffix) and segment.endswith(suffix)


def template_of(doc, path):
    """The document's path template for a concrete path (its query left
    out), or None. A literal segment wins over a parameter with a literal
    suffix, which wins over a bare one: /api/v1/licenses/verify is not
    /api/v1/licenses/{id}, nor is /api/v1/licenses/X.svg."""
    parts = path.split("?", 1)[0].split("/")
    best, best_score = None, None
    for template in doc["paths"]:
        tparts = template.split("/")
        if len(tparts) != len(parts):
            continue
        if not all(_segment_matches(t, s) for t, s in zip(tparts, parts)):
            continue
        score = [2 if not t.startswith("{") else 1 if not t.endswith("}")
                 else 0 for t in tparts]
        if best_score is None or score > best_score:
            best, best_score = template, score
    return best


def _pointer(*keys):
    return "#/" + "/".join(str(k).replace("~", "~0").replace("/", "~1")
                           for k in keys)


def _validator(doc, keys):
    """A compiled validator of the schema at keys inside the document: the
    document is the root, so "#/components/schemas/…" resolves in it."""
    if keys not in _validators:
        root = dict(doc)
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        root["$ref"] = _pointer(*keys)
        cls = jsonschema.Draft202012Validator
        formats = getattr(cls, "FORMAT_CHECKER", None) or \
            jsonschema.draft202012_format_checker
        _validators[keys] = cls(root, format_checker=formats)
    return _validators[keys]


def _problem_keys(doc):
    return ("components", "schemas", "Problem")


def _media_type(headers):
    ctype = (headers.get("Content-Type") or "") if headers else ""
    return ctype.split(";", 1)[0].strip().lower()


def _check_body(doc, keys, where, media, body):
    """A JSON body against the schema at keys (other media: the type is
    enough; their schemas only say string)."""
    if not (media.endswith("/json") or media.endswith("+json")):
        return
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise AssertionError(f"{where}: the body is not JSON ({e}): "
                             f"{body[:200]!r}") from None
    errors = sorted(_validator(doc, keys).iter_errors(value),
                    key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        at = "/".join(str(p) for p in e.absolute_path) or "(the body)"
        raise AssertionError(
            f"{where}: the body does not match the document at {at}: "
            f"{e.message} (schema: {'/'.join(str(p) for p in e.absolute_schema_path)}; "
            f"{len(errors)} error(s)); body: {body[:400]!r}")


def _check_unrouted(doc, where, status, headers, body):
    """An answer to a path the document does not have (a probe of a
    wrong path): a problem+json 4xx, valid as a Problem."""
    media = _media_type(headers)
    assert 400 <= status < 500 and media == "application/problem+json", \
        f"{where}: no such route in the document, answered {status} {media}"
    _check_body(doc, _problem_keys(doc), where, media, body)


def check_body(base, template, method, status, value):
    """Fail (AssertionError) unless value (parsed JSON) is valid against
    the document's JSON schema (application/json, else
    application/problem+json) of the answer status of method template (a
    path of the document, e.g. /api/v1/track/{number})."""
    doc = document(base)
    where = f"{method} {template} → {status}"
    content = doc["paths"].get(template, {}).get(method.lower(), {}) \
        .get("responses", {}).get(str(status), {}).get("content", {})
    media = next((m for m in ("application/json", "application/problem+json")
                  if m in content), None)
    assert media, f"the document has no JSON schema for {where}"
    keys = ("paths", template, method.lower(), "responses", str(status),
            "content", media, "schema")
    _check_body(doc, keys, where, media, json.dumps(value).encode("utf-8"))


def check(base, method, path, status, headers, body):
    """Fail (AssertionError) unless the answer is one the document
    describes for method and path. HEAD is checked as GET without a
    body."""
    doc = document(base)
    template = template_of(doc, path)
    where = f"{method} {template or path} → {status}"
    if template is None:
        return _check_unrouted(doc, where, status, headers, body)
    ops = doc["paths"][template]
    verb = method.lower()
    if verb == "head" and "head" not in ops:
        verb = "get"
    if verb not in ops:
        assert status == 405, \
            f"{where}: the document has no {method} for the route"
        if method == "HEAD":  # a HEAD answer has no body to check
            return
        return _check_body(doc, _problem_keys(doc), where,
                           _media_type(headers), body)
    responses = ops[verb]["responses"]
    assert str(status) in responses, \
        f"{where}: status not documented (documented: {', '.join(sorted(responses))})"
    content = responses[str(status)].get("content")
    media = _media_type(headers)
    if not content:
        assert method == "HEAD" or not body, \
            f"{where}: the document lists no content, the answer has " \
            f"{len(body)} bytes of {media or 'no type'}"
        return
    assert media in content, \
        f"{where}: Content-Type {media or '(none)'} not documented " \
        f"(documented: {', '.join(content)})"
    if method == "HEAD":
        return
    if headers and (headers.get("Content-Encoding") or "").lower() == "gzip":
        body = gzip.decompress(body)
    _check_body(doc, ("paths", template, verb, "responses", str(status),
                      "content", media, "schema"), where, media, body)
