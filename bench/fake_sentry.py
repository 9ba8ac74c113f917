#!/usr/bin/env python3
"""A Sentry-shaped server on 127.0.0.1 for the benchmarks: events-stats with a series around
now (quiet, then a spike), and an empty issues list. Prints its port, then serves until killed.
Usage: fake_sentry.py"""
import http.server, json, sys, time


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        now = int(time.time()) // 60 * 60
        if "/events-stats/" in self.path:
            data = [[now - (179 - i) * 60, [{"count": 12 if i < 150 else 412}]] for i in range(180)]
            body = json.dumps({"data": data, "start": data[0][0], "end": now, "meta": {}}).encode()
        elif "/issues/" in self.path:
            body = b"[]"
        elif "/organizations/acme/projects/" in self.path:
            body = b'[{"id": "2", "slug": "bench", "name": "bench"}]'
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
