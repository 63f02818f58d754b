#!/usr/bin/env python3
"""No function over 100 lines (the project's rule, docs in README's
"How we want the code"): in every C file of bpf/, user/, include/, tests/,
bench/ and detect/, a function's body, from its opening brace to its
closing one (clang-format puts both in column 0), holds at most 100 lines.
One result per file; `--self-test` checks the check on made-up files."""
import os
import sys
import tempfile

LIMIT = 100
DIRS = ("bpf", "user", "include", "tests", "bench", "detect")


def long_functions(path):
    """[(line of the signature, body lines)] of the bodies over LIMIT"""
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    out, i = [], 0
    while i < len(lines):
        if lines[i].startswith("{"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("}"):
                j += 1
            if j - i + 1 > LIMIT:
                k = i - 1
                while k > 0 and lines[k][:1] in ("\t", " "):
                    k -= 1  # back over a signature's continuation lines
                out.append((k + 1, j - i + 1, lines[k].strip()))
            i = j
        i += 1
    return out


def self_test(quiet=False):
    def body(n):  # a function whose body is n lines, braces included
        return "int f(void)\n{\n" + "\tx++;\n" * (n - 2) + "}\n"
    with tempfile.TemporaryDirectory() as d:
        cases = {"ok.c": (body(LIMIT), False), "long.c": (body(LIMIT + 1), True),
                 "init.c": ("static int a[] = {\n" + "\t1,\n" * 200 + "};\n", False),
                 "wrapped.c": ("static int g(int a,\n\t     int b)\n" + body(LIMIT + 5)[12:], True)}
        bad = 0
        for name, (text, flagged) in cases.items():
            p = os.path.join(d, name)
            open(p, "w").write(text)
            if bool(long_functions(p)) != flagged:
                print(f"self-test: {name} {'not ' if flagged else ''}flagged")
                bad += 1
    if not quiet:
        print(f"{len(cases) - bad} passed, {bad} failed")
    return len(cases) - bad, bad


def main():
    if sys.argv[1:] == ["--self-test"]:
        return 1 if self_test()[1] else 0
    passed, failed = self_test(quiet=True)  # the check can fail
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    for top in DIRS:
        for root, _, files in sorted(os.walk(top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(root, f)
                found = long_functions(path)
                for line, n, sig in found:
                    print(f"{path}:{line}: {n} lines (at most {LIMIT}): {sig}")
                passed, failed = (passed, failed + 1) if found else (passed + 1, failed)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
