#!/usr/bin/env python3
"""A GitHub-shaped server on 127.0.0.1 for the benchmarks: pull 7 of acme/api, its reviews,
check runs and combined status, each with an ETag and a 304 for a matching If-None-Match.
`POST /__review/NAME` adds an approval by NAME. Counts 200s and 304s at `GET /__counts`.
Prints its port, then serves until killed. Usage: fake_github.py"""
import hashlib, http.server, json, threading

LOCK = threading.Lock()
REVIEWS = []
COUNTS = {"200": 0, "304": 0}
SHA = "a" * 40


def answer(path):
    p = path.split("?")[0]
    if p == "/repos/acme/api/pulls/7":
        return {"number": 7, "html_url": "https://github.com/acme/api/pull/7", "state": "open",
                "title": "t", "merged": False, "merged_at": None, "merge_commit_sha": None,
                "head": {"ref": "hotfix/BENCH", "sha": SHA}, "base": {"ref": "main", "sha": "0" * 40}}
    if p == "/repos/acme/api/pulls/7/reviews":
        return [{"id": i + 1, "user": {"login": who}, "state": "APPROVED",
                 "submitted_at": "2026-11-27T05:00:00Z"} for i, who in enumerate(REVIEWS)]
    if p == f"/repos/acme/api/commits/{SHA}/check-runs":
        return {"total_count": 1, "check_runs": [{"name": "test", "status": "in_progress",
                                                  "conclusion": None, "html_url": "https://ci/1"}]}
    if p == f"/repos/acme/api/commits/{SHA}/status":
        return {"state": "pending", "statuses": [], "total_count": 0}
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/__counts":
            with LOCK:
                body = json.dumps(COUNTS).encode()
            return self.reply(200, body, None)
        with LOCK:
            value = answer(self.path)
        if value is None:
            return self.reply(404, b'{"message":"Not Found"}', None)
        body = json.dumps(value).encode()
        etag = 'W/"%s"' % hashlib.sha1(body).hexdigest()
        if self.headers.get("if-none-match") == etag:
            with LOCK:
                COUNTS["304"] += 1
            return self.reply(304, b"", etag)
        with LOCK:
            COUNTS["200"] += 1
        self.reply(200, body, etag)

    def do_POST(self):
        if self.path.startswith("/__review/"):
            with LOCK:
                REVIEWS.append(self.path.rsplit("/", 1)[1])
            return self.reply(200, b"{}", None)
        self.reply(404, b"{}", None)

    def reply(self, status, body, etag):
        self.send_response(status)
        self.send_header("content-type", "application/json")
        if etag:
            self.send_header("etag", etag)
        if status != 304:
            self.send_header("content-length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
