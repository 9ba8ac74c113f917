#!/usr/bin/env python3
"""Builds a large repository fast with `git fast-import`: FILES files, then COMMITS commits
touching one file each on main, then a hotfix branch whose one commit changes HOTFIX files.
Usage: gen_repo.py DIR [--files 5000] [--commits 10000] [--hotfix 20]"""
import argparse, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--files", type=int, default=5000)
ap.add_argument("--commits", type=int, default=10000)
ap.add_argument("--hotfix", type=int, default=20)
a = ap.parse_args()

subprocess.run(["git", "init", "-q", "-b", "main", a.dir], check=True)
out = []
def data(s):
    b = s.encode()
    out.append(b"data %d\n" % len(b) + b + b"\n")
def commit(ref, mark, parent, msg, files, t):
    out.append(f"commit {ref}\nmark :{mark}\ncommitter Dev <dev@example.com> {t} +0000\n".encode())
    data(msg)
    if parent:
        out.append(f"from :{parent}\n".encode())
    for path, text in files:
        out.append(f"M 100644 inline {path}\n".encode())
        data(text)
    out.append(b"\n")

t0 = 1_700_000_000
commit("refs/heads/main", 1, None, "initial", [(f"src/mod{i // 100:03}/file{i:05}.ts", f"export const v{i} = {i};\n" * 5) for i in range(a.files)], t0)
for c in range(a.commits):
    i = c % a.files
    commit("refs/heads/main", c + 2, c + 1, f"change {c}", [(f"src/mod{i // 100:03}/file{i:05}.ts", f"export const v{i} = {c};\n" * 5)], t0 + c + 1)
last = a.commits + 1
files = [(f"src/mod{i // 100:03}/file{i:05}.ts", f"export const v{i} = -1;\nexport const fixed = true;\n" * 5) for i in range(a.hotfix - 1)]
files.append(("tests/auth.test.ts", "test('expired', () => {});\n"))
commit("refs/heads/hotfix/BENCH-1-guard", last + 1, last, "fix: the hotfix", files, t0 + last + 1)
subprocess.run(["git", "-C", a.dir, "fast-import", "--quiet"], input=b"".join(out), check=True)
subprocess.run(["git", "-C", a.dir, "checkout", "-q", "hotfix/BENCH-1-guard"], check=True)
print(f"{a.dir}: {a.files} files, {a.commits + 1} commits on main, a {a.hotfix}-file hotfix")
