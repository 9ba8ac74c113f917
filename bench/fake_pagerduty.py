#!/usr/bin/env python3
"""A PagerDuty-shaped server on 127.0.0.1 for the benchmarks: incident PBENCH1 on service
PSVC1 (GET /incidents/PBENCH1, GET /incidents), its escalation policy's on-calls (GET /oncalls)
and the service (GET /services/PSVC1), in the REST API v2's shapes. `POST /__ack/NAME`
acknowledges it as NAME, `POST /__trigger` puts it back to triggered. Counts the answers at
`GET /__counts`. Prints its port, then serves until killed. Usage: fake_pagerduty.py"""
import http.server, json, socket, threading, time

LOCK = threading.Lock()
STATE = {"status": "triggered", "acks": []}
COUNTS = {"200": 0}


def ref(kind, id_, name):
    return {"id": id_, "type": kind, "summary": name}


def incident():
    return {"id": "PBENCH1", "type": "incident", "incident_number": 1,
            "title": "[P0] BENCH-PD Checkout 500s", "status": STATE["status"],
            "html_url": "https://acme.pagerduty.com/incidents/PBENCH1",
            "incident_key": "BENCH-PD", "urgency": "high",
            "service": ref("service_reference", "PSVC1", "Payments API"),
            "escalation_policy": ref("escalation_policy_reference", "PPOL1", "Payments on-call"),
            "acknowledgements": [{"at": at, "acknowledger": ref("user_reference", "PU" + who, who)}
                                 for who, at in STATE["acks"]]}


def answer(path):
    p = path.split("?")[0]
    if p == "/incidents/PBENCH1":
        return {"incident": incident()}
    if p == "/incidents":
        return {"incidents": [incident()], "limit": 100, "offset": 0, "more": False, "total": None}
    if p == "/services/PSVC1":
        return {"service": {"id": "PSVC1", "type": "service", "name": "Payments API",
                            "escalation_policy": ref("escalation_policy_reference", "PPOL1", "p")}}
    if p == "/oncalls":
        return {"oncalls": [{"user": ref("user_reference", "PU1", "Ana Oncall"), "escalation_level": 1,
                             "escalation_policy": ref("escalation_policy_reference", "PPOL1", "p")}],
                "limit": 100, "offset": 0, "more": False, "total": None}
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PagerDuty keeps its connections

    def setup(self):
        super().setup()
        # One answer in one go (headers, then body, without Nagle's wait between them).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def do_GET(self):
        with LOCK:
            value = COUNTS if self.path == "/__counts" else answer(self.path)
            if value is not None and self.path != "/__counts":
                COUNTS["200"] += 1
            body = json.dumps(value).encode()
        self.reply(200 if value is not None else 404, body)

    def do_POST(self):
        with LOCK:
            if self.path.startswith("/__ack/"):
                STATE["status"] = "acknowledged"
                at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                STATE["acks"] = [(self.path[len("/__ack/"):], at)]
            elif self.path == "/__trigger":
                STATE["status"], STATE["acks"] = "triggered", []
        self.reply(200, b"{}")

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
