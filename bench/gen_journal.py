#!/usr/bin/env python3
"""Write an incident with N events straight into $WARROOM_HOME: gen_journal.py HOME TICKET N"""
import json, os, sys
from datetime import datetime, timedelta, timezone

home, ticket, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = os.path.join(home, "incidents", ticket)
os.makedirs(d, exist_ok=True)
t0 = datetime.now(timezone.utc) - timedelta(minutes=30)
fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
with open(os.path.join(d, "journal.jsonl"), "w") as f:
    f.write(json.dumps({"at": fmt(t0), "kind": "incident_opened", "text": "Incident opened",
                        "ticket": ticket, "title": "Large journal", "priority": "P1",
                        "detected_at": fmt(t0)}) + "\n")
    kinds = ["note", "checklist_done", "checklist_reopened", "x_ci_step"]
    for i in range(n - 1):
        k = kinds[i % 4]
        ev = {"at": fmt(t0 + timedelta(milliseconds=i * 10)), "kind": k,
              "text": f"event {i}: investigating the token cache on pod web-{i % 7}"}
        if k.startswith("checklist"):
            ev["item"] = "impact-scoped"
        f.write(json.dumps(ev) + "\n")
