#!/usr/bin/env python3
"""layering.py — the module table of DESIGN.md ("Architecture", "Layering,
checked"), enforced on the #include lines of every C file.

Checks, each one TAP case:

1. Every #include of every .c and .h file is allowed by its module's row:
   the module's own headers, the public headers of the modules it may use,
   the libraries it may use, and the C and POSIX system headers. Each
   violation is named with file:line, what was included and what the
   module may include.
2. No circle between file groups. A group is x.c together with x.h (same
   folder). An edge a -> b means that a's .c or .h includes b's header, or
   that a's .c uses a function or variable that b's .c defines and that a
   sees through a shared header (tb_api_int.h, tb_store.h …): a shared
   header does not hide who depends on whom. A header with no .c of its
   own (a module's public or shared header) is no group: what a file
   takes from it counts by the names it uses. Every circle is printed with
   its path and the reason of each edge; so is any file that includes
   itself through other files.
3. and 4. Negative self-tests: the script run over a temporary copy of the
   tree with an include of tb_license.h added to a store/ file, and with
   two workflows/ files that include each other, must fail and name them.

usage: layering.py [--root DIR]   (default: the checkout this file is in)
Exit status: 0 when every case passes, 1 otherwise.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

from ctext import SKIP_DIRS, strip_comments_and_strings

# ---- the table ----------------------------------------------------------------

# The C standard (C17) and POSIX.1-2017 headers: "libc".
C_HEADERS = {
    "assert.h", "complex.h", "ctype.h", "errno.h", "fenv.h", "float.h",
    "inttypes.h", "iso646.h", "limits.h", "locale.h", "math.h", "setjmp.h",
    "signal.h", "stdalign.h", "stdarg.h", "stdatomic.h", "stdbool.h",
    "stddef.h", "stdint.h", "stdio.h", "stdlib.h", "stdnoreturn.h",
    "string.h", "tgmath.h", "threads.h", "time.h", "uchar.h", "wchar.h",
    "wctype.h",
}
POSIX_HEADERS = {
    "aio.h", "arpa/inet.h", "cpio.h", "dirent.h", "dlfcn.h", "fcntl.h",
    "fmtmsg.h", "fnmatch.h", "ftw.h", "glob.h", "grp.h", "iconv.h",
    "langinfo.h", "libgen.h", "monetary.h", "mqueue.h", "ndbm.h",
    "net/if.h", "netdb.h", "netinet/in.h", "netinet/tcp.h", "nl_types.h",
    "poll.h", "pthread.h", "pwd.h", "regex.h", "sched.h", "search.h",
    "semaphore.h", "spawn.h", "strings.h", "sys/ipc.h", "sys/mman.h",
    "sys/msg.h", "sys/resource.h", "sys/select.h", "sys/sem.h",
    "sys/shm.h", "sys/socket.h", "sys/stat.h", "sys/statvfs.h",
    "sys/time.h", "sys/times.h", "sys/types.h", "sys/uio.h", "sys/un.h",
    "sys/utsname.h", "sys/wait.h", "syslog.h", "tar.h", "termios.h",
    "ulimit.h", "unistd.h", "utime.h", "utmpx.h", "wordexp.h",
}
# Linux and glibc extensions the shell uses (getrandom, flock, epoll …):
# system headers too, but not for the portable engine.
LINUX_HEADERS = {
    "getopt.h", "sys/random.h", "sys/file.h", "sys/epoll.h",
    "sys/inotify.h", "sys/eventfd.h", "sys/prctl.h", "sys/sysinfo.h",
}

# Libraries: name -> a test on the included path.
LIBRARIES = {
    "libpq": lambda h: h in ("libpq-fe.h", "postgres_ext.h", "pg_config_ext.h")
    or h.startswith("libpq/"),
    "libxml2": lambda h: h.startswith("libxml/"),
    "jansson": lambda h: h in ("jansson.h", "jansson_config.h"),
    "OpenSSL": lambda h: h.startswith("openssl/"),
    "libqrencode": lambda h: h == "qrencode.h",
    "libpng": lambda h: h in ("png.h", "pngconf.h"),
    "zlib": lambda h: h in ("zlib.h", "zconf.h"),
    "libmicrohttpd": lambda h: h == "microhttpd.h",
    "libjpeg": lambda h: h in ("jpeglib.h", "jerror.h", "jconfig.h",
                               "jmorecfg.h"),
    # cli/ only (license verify --online): no other row lists it
    "libcurl": lambda h: h.startswith("curl/"),
    # api/ only: the second factor's TOTP and base32 (api_totp_codes.c)
    "liboath": lambda h: h.startswith("liboath/"),
    # documents/ only: the PDF renderer and the headers pango pulls in
    "cairo": lambda h: h.startswith("cairo"),
    "pango": lambda h: h.startswith("pango/"),
    "glib": lambda h: h in ("glib.h", "glib-object.h"),
    "fontconfig": lambda h: h == "fontconfig/fontconfig.h",
}

MODULES = ["engine", "workflows", "store", "electronic-licenses",
           "documents", "api", "cli", "tests", "bench"]
EVERYTHING = None  # the rows of cli/, tests/ and bench/

# folder: (project modules it may include, libraries it may include,
# whether the Linux/glibc extensions are allowed). libc is always allowed.
RULES = {
    "engine": ([], [], False),
    "workflows": (["engine"], ["libxml2"], True),
    "store": (["engine"], ["libpq", "jansson", "OpenSSL"], True),
    "electronic-licenses": (["engine"], ["OpenSSL", "libqrencode", "libpng",
                                         "zlib", "jansson"], True),
    "documents": (["engine", "workflows"], ["cairo", "pango", "glib",
                                            "fontconfig", "jansson",
                                            "libqrencode"], True),
    "api": (["engine", "workflows", "store", "electronic-licenses",
             "documents"],
            ["libmicrohttpd", "jansson", "OpenSSL", "zlib", "libpng",
             "libjpeg", "liboath"], True),
    "cli": EVERYTHING,
    "tests": EVERYTHING,
    "bench": EVERYTHING,
}

def is_internal(header):
    """A module's private header (shared by its own files only)."""
    return header.endswith("_int.h") or header.endswith("_internal.h")


# ---- reading the tree ----------------------------------------------------------

# What an #include may name besides .h: X-macro tables and the like.
INCLUDABLE = (".h", ".def", ".inc")


def c_files(root, exts=(".c", ".h")):
    """Every .c and .h file (or those ending in exts) of the modules, as
    paths relative to root."""
    out = []
    for module in MODULES:
        top = os.path.join(root, module)
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS
                                 and not d.startswith("build"))
            for f in sorted(filenames):
                if f.endswith(exts):
                    out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return out


INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"]+)[>"]')


def includes_of(text):
    """[(line, header, quoted)] of the #include lines outside comments."""
    code = strip_comments_and_strings(text)
    raw = text.split("\n")
    out = []
    for i, line in enumerate(code.split("\n")):
        # the header's name sits in a string literal: read it from raw
        if re.match(r'^[ \t]*#[ \t]*include', line):
            m = INCLUDE_RE.match(raw[i])
            if m:
                out.append((i + 1, m.group(2).strip(), m.group(1) == '"'))
    return out


DEF_SKIP = ("static", "extern", "typedef", "#", "}", "{", "struct",
            "union", "enum", "_Static_assert")
DEF_NAME = re.compile(r"\b([A-Za-z_]\w*)\s*(\(|\[|=)")


def definitions_of(code):
    """Names a .c file defines for others: column-0 declarations of
    functions and variables that are not static (clang-format keeps
    definitions at column 0 and everything in a body indented)."""
    names = {}
    for i, line in enumerate(code.split("\n")):
        if not line or line[0] in " \t" or line.startswith(DEF_SKIP):
            continue
        if line.startswith(("const struct", "const union")):
            pass
        m = DEF_NAME.search(line)
        if m and m.group(1) not in ("__attribute__", "sizeof"):
            names.setdefault(m.group(1), i + 1)
    return names


IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


def uses_of(code):
    """{identifier: first line} of a file's code."""
    seen = {}
    for i, line in enumerate(code.split("\n")):
        for m in IDENT.finditer(line):
            seen.setdefault(m.group(0), i + 1)
    return seen


class Tree:
    def __init__(self, root):
        self.root = root
        self.files = c_files(root)
        self.text = {}
        for f in self.files:
            with open(os.path.join(root, f), encoding="utf-8",
                      errors="replace") as fh:
                self.text[f] = fh.read()
        # project headers by the name they are included with (base name)
        self.headers = {}
        for f in c_files(root, INCLUDABLE):
            self.headers.setdefault(os.path.basename(f), []).append(f)

    @staticmethod
    def module_of(path):
        return path.split(os.sep)[0]

    @staticmethod
    def group_of(path):
        return os.path.splitext(path)[0]

    def resolve(self, src, header):
        """The project file an include names, or None (a system header).
        The including file's own folder is searched first, as the compiler
        does for quoted includes; there any file counts (an X-macro table
        such as tb_problems.def), elsewhere the project's headers."""
        local = os.path.normpath(os.path.join(os.path.dirname(src), header))
        if local in self.text or os.path.isfile(os.path.join(self.root,
                                                             local)):
            return self.load(local)
        found = self.headers.get(os.path.basename(header), [])
        same = [h for h in found if self.module_of(h) == self.module_of(src)]
        hit = (same or found or [None])[0]
        return self.load(hit) if hit else None

    def load(self, path):
        if path not in self.text:
            with open(os.path.join(self.root, path), encoding="utf-8",
                      errors="replace") as fh:
                self.text[path] = fh.read()
        return path

    def has_group(self, path):
        """Whether a file belongs to a file group: every .c file, and x.h
        beside x.c. Other headers (a module's public or shared header
        without a .c of its own, an X-macro table) are no group: an
        include of one stands for what it includes."""
        if path.endswith(".c"):
            return True
        return path.endswith(".h") and \
            os.path.splitext(path)[0] + ".c" in self.text


# ---- check 1: what each module includes ------------------------------------------

def allowed_text(module):
    rule = RULES[module]
    if rule is EVERYTHING:
        return "everything"
    mods, libs, linux = rule
    parts = ["its own headers"]
    if mods:
        parts.append("the public headers of " + ", ".join(mods))
    parts.append("libc/POSIX" + (" (and Linux/glibc extensions)" if linux
                                 else " (standard C and POSIX headers only)"))
    if libs:
        parts.append(", ".join(libs))
    return "; ".join(parts)


def check_include(tree, src, header, quoted):
    """None when allowed, else why not."""
    module = tree.module_of(src)
    rule = RULES[module]
    target = tree.resolve(src, header)
    if target is not None:
        tmod = tree.module_of(target)
        if tmod == module:
            return None
        if rule is not EVERYTHING and tmod not in rule[0]:
            return f"{header} is a header of {tmod}/"
        if module not in ("tests", "bench") and is_internal(header):
            return f"{header} is private to {tmod}/"
        return None
    if quoted:
        return f"{header} is no header of the project"
    if rule is EVERYTHING:
        return None
    mods, libs, linux = rule
    if header in C_HEADERS or header in POSIX_HEADERS:
        return None
    if header in LINUX_HEADERS:
        return None if linux else f"{header} is a Linux/glibc header"
    for lib, test in LIBRARIES.items():
        if test(header):
            return None if lib in libs else f"{header} is {lib}"
    return f"{header} is no known system or library header"


def include_violations(tree):
    out = []
    for f in tree.files:
        for line, header, quoted in includes_of(tree.text[f]):
            why = check_include(tree, f, header, quoted)
            if why:
                module = tree.module_of(f)
                shown = f'"{header}"' if quoted else f"<{header}>"
                out.append(f"{f}:{line}: #include {shown}: {why}; "
                           f"{module}/ may include {allowed_text(module)}")
    return out


# ---- check 2: circles ----------------------------------------------------------

def included_groups(tree, f):
    """[(group, reason)] of the groups whose header file f includes
    itself. A header that is no group (see Tree.has_group) gives no edge
    of its own: what a file uses through such a shared header is found by
    the names it uses (dependency_graph)."""
    out = []
    for line, header, _ in includes_of(tree.text[f]):
        target = tree.resolve(f, header)
        if target is not None and tree.has_group(target):
            out.append((tree.group_of(target), f"{f}:{line} includes {header}"))
    return out


def dependency_graph(tree):
    """{group: {group: reason}} over every file group of every module."""
    edges = {}

    def add(a, b, why):
        if a != b:
            edges.setdefault(a, {}).setdefault(b, why)

    code = {f: strip_comments_and_strings(tree.text[f]) for f in tree.files}
    defined = {}  # name -> (.c file, line) of its one definition
    for f in tree.files:
        if f.endswith(".c"):
            for name, line in definitions_of(code[f]).items():
                defined.setdefault(name, []).append((f, line))
    # only names some project header declares count as exported
    declared = set()
    for f in tree.files:
        if f.endswith(".h"):
            declared.update(uses_of(code[f]))
    exported = {n: d[0] for n, d in defined.items()
                if len(d) == 1 and n in declared and n != "main"}
    for f in tree.files:
        if not tree.has_group(f):
            continue
        g = tree.group_of(f)
        for target, why in included_groups(tree, f):
            add(g, target, why)
        if f.endswith(".c"):
            for name, line in sorted(uses_of(code[f]).items(),
                                     key=lambda kv: kv[1]):
                if name in exported:
                    df, dl = exported[name]
                    add(g, tree.group_of(df),
                        f"{f}:{line} uses {name} ({df}:{dl})")
    return edges


def file_circles(tree):
    """Headers that include themselves through others: [[file, ...]]."""
    graph = {}
    for f in list(tree.files):
        for line, header, _ in includes_of(tree.text[f]):
            target = tree.resolve(f, header)
            if target:
                graph.setdefault(f, {}).setdefault(target, line)
    out, done = [], set()

    def visit(v, path, on_path):
        for w in sorted(graph.get(v, {})):
            if w in on_path:
                ring = path[path.index(w):] + [w]
                out.append([f"{a}:{graph[a][b]}" for a, b in
                            zip(ring, ring[1:])] + [w])
            elif w not in done:
                on_path.add(w)
                visit(w, path + [w], on_path)
                on_path.discard(w)
        done.add(v)

    for v in sorted(graph):
        if v not in done:
            visit(v, [v], {v})
    return out


def circles(edges):
    """One circle per strongly connected component with more than one
    group (Tarjan), as the list of groups along it."""
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        work = [(v, iter(sorted(edges.get(v, {}))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, {})))))
                    advanced = True
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))

    nodes = set(edges) | {b for bs in edges.values() for b in bs}
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    out = []
    for comp in comps:
        members = set(comp)
        # a shortest way back from the component's first group to itself
        start = comp[0]
        prev, queue, seen = {}, [start], {start}
        found = None
        while queue and not found:
            nxt = []
            for v in queue:
                for w in sorted(edges.get(v, {})):
                    if w not in members:
                        continue
                    if w == start:
                        found = v
                        break
                    if w not in seen:
                        seen.add(w)
                        prev[w] = v
                        nxt.append(w)
                if found:
                    break
            queue = nxt
        path = [found]
        while path[-1] != start:
            path.append(prev[path[-1]])
        path.reverse()
        out.append((path + [start], comp))
    return out


def circle_reports(tree):
    edges = dependency_graph(tree)
    out = []
    for ring in file_circles(tree):
        out.append("include circle of files: " + " -> ".join(ring))
    for path, comp in circles(edges):
        lines = [f"circle: {' -> '.join(path)}"]
        for a, b in zip(path, path[1:]):
            lines.append(f"  {a} -> {b}: {edges[a][b]}")
        if len(comp) > len(path) - 1:
            lines.append("  (the groups caught in it: " + ", ".join(comp) +
                         ")")
        out.append("\n".join(lines))
    return out


# ---- the self-tests --------------------------------------------------------------

def copy_tree(root, dest):
    for f in c_files(root, (".c",) + INCLUDABLE):
        os.makedirs(os.path.join(dest, os.path.dirname(f)), exist_ok=True)
        shutil.copyfile(os.path.join(root, f), os.path.join(dest, f))


def run_self(root):
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--root",
                        root], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def self_test_include(root):
    """store/ including tb_license.h must be reported, with file:line."""
    with tempfile.TemporaryDirectory(prefix="tongban-layering-") as tmp:
        copy_tree(root, tmp)
        victim = sorted(f for f in c_files(tmp)
                        if f.startswith("store" + os.sep) and f.endswith(".c"))
        if not victim:
            return False, "no store/ file to change"
        path = os.path.join(tmp, victim[0])
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        # right after the file's first #include line
        at = next(i for i, l in enumerate(lines)
                  if l.startswith("#include")) + 1
        lines.insert(at, '#include "tb_license.h"')
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines))
        rc, out = run_self(tmp)
        want = f'{victim[0]}:{at + 1}: #include "tb_license.h": ' \
               f'tb_license.h is a header of electronic-licenses/'
        if rc != 0 and want in out:
            return True, ""
        return False, f"exit {rc}, expected a line with: {want}\n{out}"


def self_test_circle(root):
    """Two workflows/ file groups including each other must be reported."""
    with tempfile.TemporaryDirectory(prefix="tongban-layering-") as tmp:
        copy_tree(root, tmp)
        wf = os.path.join(tmp, "workflows")
        os.makedirs(wf, exist_ok=True)
        for me, other in (("tb_wf_aa", "tb_wf_bb"), ("tb_wf_bb", "tb_wf_aa")):
            with open(os.path.join(wf, me + ".h"), "w") as fh:
                fh.write(f"/* {me}.h */\nvoid {me}_run(void);\n")
            with open(os.path.join(wf, me + ".c"), "w") as fh:
                fh.write(f'#include "{me}.h"\n#include "{other}.h"\n'
                         f"void {me}_run(void) {{}}\n")
        rc, out = run_self(tmp)
        want = "circle: workflows/tb_wf_aa -> workflows/tb_wf_bb -> " \
               "workflows/tb_wf_aa"
        if rc != 0 and want in out and "workflows/tb_wf_aa.c:2 includes" in out:
            return True, ""
        return False, f"exit {rc}, expected: {want}\n{out}"


# ---- TAP ----------------------------------------------------------------------------

def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    selftest = True
    if len(argv) == 3 and argv[1] == "--root":
        root, selftest = argv[2], False
    elif len(argv) != 1:
        print(__doc__.split("\n\n")[-2], file=sys.stderr)
        return 2
    tree = Tree(root)
    n, failed = 0, 0

    def case(ok, name, diagnostics):
        nonlocal n, failed
        n += 1
        for d in diagnostics:
            for line in d.split("\n"):
                print(f"# {line}")
        print(f"{'ok' if ok else 'not ok'} {n} - {name}")
        failed += 0 if ok else 1

    bad = include_violations(tree)
    case(not bad, f"every include of {len(tree.files)} C files is allowed by "
         "its module's row", bad)
    rings = circle_reports(tree)
    case(not rings, "no include circle between file groups", rings)
    if selftest:
        ok, why = self_test_include(root)
        case(ok, "self-test: an include of tb_license.h from store/ fails",
             [why] if why else [])
        ok, why = self_test_circle(root)
        case(ok, "self-test: two file groups including each other fail",
             [why] if why else [])
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
