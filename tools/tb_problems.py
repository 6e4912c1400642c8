"""tb_problems.py — read the registry of problem codes
(engine/tb_problems.def) for the build's generators and the tests.

    import tb_problems
    rows = tb_problems.read("engine/tb_problems.def")
    rows[0] == {"name": "MALFORMED_JSON", "code": "malformed_json",
                "status": 400, "en": "…", "zh": "…"}

The file is C (an X-macro table); each row is
TB_PROBLEM_ROW(NAME, "code", status, "English", "中文"), possibly over
several lines. A row the pattern cannot read, or a file without rows,
raises ValueError, so a malformed registry fails the build.
"""
import re

_STR = r'"((?:[^"\\\n]|\\.)*)"'
_ROW = re.compile(r"TB_PROBLEM_ROW\(\s*([A-Z][A-Z0-9_]*)\s*,\s*" + _STR +
                  r"\s*,\s*(\d{3})\s*,\s*" + _STR + r"\s*,\s*" + _STR +
                  r"\s*\)")


def _unescape(s):
    """The C string literal's text (the registry uses no escapes but \\"
    and \\\\)."""
    return re.sub(r"\\(.)", r"\1", s)


def _strip_comments(text):
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def read(path):
    """The rows of the registry, in file order."""
    with open(path, encoding="utf-8") as f:
        text = _strip_comments(f.read())
    rows = []
    for m in _ROW.finditer(text):
        rows.append({"name": m.group(1), "code": _unescape(m.group(2)),
                     "status": int(m.group(3)), "en": _unescape(m.group(4)),
                     "zh": _unescape(m.group(5))})
    if text.count("TB_PROBLEM_ROW(") != len(rows) or not rows:
        raise ValueError(f"{path}: {text.count('TB_PROBLEM_ROW(')} rows, "
                         f"{len(rows)} readable")
    return rows


def codes(path):
    """The set of registered codes."""
    return {r["code"] for r in read(path)}
