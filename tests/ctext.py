"""ctext.py — what the suite's checks of C source share: the folders they
skip, and C text with its comments and literals blanked out (so that a
word in a comment or a string is never taken for code)."""
import re

SKIP_DIRS = {"node_modules", ".git"}


def strip_comments_and_strings(text):
    """Blank out comments, string and character literals, keeping lines."""
    def blank(m):
        s = m.group(0)
        if s.startswith("/"):
            return re.sub(r"[^\n]", " ", s)
        return s[0] + re.sub(r"[^\n]", " ", s[1:-1]) + s[-1]
    return re.sub(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'
                  r"'(?:\\.|[^'\\\n])*'", blank, text, flags=re.S)
