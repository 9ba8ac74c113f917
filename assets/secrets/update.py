#!/usr/bin/env python3
"""Writes assets/secrets/gitleaks.json, the secret shapes warroom redacts, from gitleaks' rule set.

Usage: update.py SOURCE > assets/secrets/gitleaks.json

SOURCE is gitleaks' own config/gitleaks.toml (https://github.com/gitleaks/gitleaks, MIT), or a
JSON transformation of it with the same fields ({"rules": [{"id", "name", "pattern",
"secret_group", "keywords", "min_entropy", "path", "allowlist": [...]}]}, as the keyspoor crate
ships it). Rules that only look at file paths are left out: warroom reads output, not files.
The global allowlist is written once; each rule keeps the allowlists of its own.
"""
import json
import sys
import tomllib


def from_toml(doc):
    glob = doc.get("allowlist", {})
    rules = []
    for r in doc["rules"]:
        allows = []
        for a in r.get("allowlists", []) + ([r["allowlist"]] if "allowlist" in r else []):
            allows.append({
                "condition": a.get("condition", "or").lower(),
                "target": a.get("regexTarget", "secret"),
                "regexes": a.get("regexes", []),
                "stopwords": a.get("stopwords", []),
            })
        rules.append({
            "id": r["id"], "description": r.get("description", ""),
            "pattern": r.get("regex"), "secret_group": r.get("secretGroup"),
            "keywords": [k.lower() for k in r.get("keywords", [])],
            "entropy": r.get("entropy"), "path_only": "regex" not in r, "allow": allows,
        })
    return {"regexes": glob.get("regexes", []), "stopwords": glob.get("stopwords", [])}, rules


def from_json(doc):
    first = doc["rules"][0]["allowlist"][0]
    rules = []
    for r in doc["rules"]:
        own = [a for a in r["allowlist"] if a != first]
        rules.append({
            "id": r["id"], "description": r["name"], "pattern": r["pattern"],
            "secret_group": r["secret_group"], "keywords": [k.lower() for k in r["keywords"]],
            "entropy": r["min_entropy"], "path_only": bool(r.get("path")),
            "allow": [{"condition": a["condition"], "target": a["target"],
                       "regexes": a.get("regexes") or [], "stopwords": a.get("stopwords") or []}
                      for a in own if a.get("regexes") or a.get("stopwords")],
        })
    return {"regexes": first.get("regexes") or [], "stopwords": first.get("stopwords") or []}, rules


def main():
    path = sys.argv[1]
    if path.endswith(".toml"):
        with open(path, "rb") as f:
            glob, rules = from_toml(tomllib.load(f))
    else:
        with open(path) as f:
            glob, rules = from_json(json.load(f))
    rules = [{k: v for k, v in r.items() if k != "path_only" and v not in (None, [], 0)}
             for r in rules if r["pattern"] and not r["path_only"]]
    out = {
        "source": "gitleaks v8.30.1, config/gitleaks.toml (commit 83d9cd684c87d95d656c1458ef04895a7f1cbd8e); MIT License, Copyright (c) 2019 Zachary Rice: see NOTICE beside this file",
        "allow": glob,
        "rules": rules,
    }
    json.dump(out, sys.stdout, indent=0, ensure_ascii=False)
    sys.stdout.write("\n")


main()
