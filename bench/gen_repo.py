#!/usr/bin/env python3
"""Builds a large repository fast with `git fast-import`: FILES files, then COMMITS commits
touching one file each on main, then a hotfix branch whose one commit changes HOTFIX files;
then main moves on by MERGED commits and the hotfix merges main back in (as a developer does
during a long incident).
Usage: gen_repo.py DIR [--files 5000] [--commits 10000] [--hotfix 20] [--merged 30]"""
import argparse, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--files", type=int, default=5000)
ap.add_argument("--commits", type=int, default=10000)
ap.add_argument("--hotfix", type=int, default=20)
ap.add_argument("--merged", type=int, default=30)
a = ap.parse_args()

subprocess.run(["git", "init", "-q", "-b", "main", a.dir], check=True)
out = []
def data(s):
    b = s.encode()
    out.append(b"data %d\n" % len(b) + b + b"\n")
def commit(ref, mark, parent, msg, files, t, merge=None):
    out.append(f"commit {ref}\nmark :{mark}\ncommitter Dev <dev@example.com> {t} +0000\n".encode())
    data(msg)
    if parent:
        out.append(f"from :{parent}\n".encode())
    if merge:
        out.append(f"merge :{merge}\n".encode())
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
hotfix = last + 1
commit("refs/heads/hotfix/BENCH-1-guard", hotfix, last, "fix: the hotfix", files, t0 + last + 1)
upstream = []
main = last
for k in range(a.merged):
    i = a.files - 1 - k
    f = (f"src/mod{i // 100:03}/file{i:05}.ts", f"export const v{i} = 'upstream {k}';\n")
    upstream.append(f)
    commit("refs/heads/main", hotfix + 1 + k, main, f"upstream {k}", [f], t0 + hotfix + 1 + k)
    main = hotfix + 1 + k
if a.merged:
    commit("refs/heads/hotfix/BENCH-1-guard", main + 1, hotfix, "Merge branch 'main' into hotfix/BENCH-1-guard", upstream, t0 + main + 1, merge=main)
subprocess.run(["git", "-C", a.dir, "fast-import", "--quiet"], input=b"".join(out), check=True)
subprocess.run(["git", "-C", a.dir, "checkout", "-q", "hotfix/BENCH-1-guard"], check=True)
print(f"{a.dir}: {a.files} files, {a.commits + 1 + a.merged} commits on main, a {a.hotfix}-file hotfix with main ({a.merged} newer commits) merged into it")
