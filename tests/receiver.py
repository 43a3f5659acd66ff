#!/usr/bin/env python3
"""A local HTTP receiver for the uploader's tests (Python 3 standard library only).

It speaks the two JSON shapes the kiosk sends:
  --mode webhook        POST / with {"schema": "barnstorm.v1", "records": [...]}, Bearer token
  --mode actionnetwork  POST /people/ and /events/ID/attendances/, OSDI-API-Token header

It checks the token, honours Idempotency-Key (a repeated key is acknowledged but not stored twice)
and appends what it accepted to --log as JSON lines, flushed before it answers. With --fail-rate
it fails on purpose, pseudo-randomly but deterministically from --seed: 500, 429 with Retry-After,
a dropped connection before or after storing, a slow answer (after storing), and for
actionnetwork a 200 with an empty body. --always STATUS, --garbage and --hang make every request
fail one way, for the bad-input tests (--always 429 carries Retry-After). --script gives the
failures of the first requests exactly, in arrival order ("drop_after,ok,500"), and
--request-log appends one line per request that arrives ("METHOD PATH KEY"), so a test can count
requests that stored nothing. It binds 127.0.0.1 on a free port and writes the port to
--port-file once it listens.
"""
import argparse
import json
import os
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 64 * 1024 * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["webhook", "actionnetwork"], required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fail-rate", type=float, default=0.0)
    ap.add_argument("--slow-seconds", type=float, default=2.0)
    ap.add_argument("--retry-after", type=int, default=3)
    ap.add_argument("--always", type=int, default=0, help="answer every request with this status")
    ap.add_argument("--garbage", action="store_true", help="answer with bytes that are not HTTP")
    ap.add_argument("--hang", action="store_true", help="never answer")
    ap.add_argument("--script", default="",
                    help="comma-separated failures for the first requests (ok: none)")
    ap.add_argument("--request-log", default="", help="append METHOD PATH KEY per request")
    args = ap.parse_args()

    lock = threading.Lock()
    rng = random.Random(args.seed)
    seen = set()
    log = open(args.log, "a", encoding="utf-8")
    stats = {"requests": 0}
    script = [x.strip() for x in args.script.split(",") if x.strip()]
    reqlog = open(args.request_log, "a", encoding="utf-8") if args.request_log else None

    def failure():
        """The failure for this request, or None (drawn in arrival order: deterministic)."""
        with lock:
            stats["requests"] += 1
            if script:
                f = script.pop(0)
                return None if f == "ok" else f
            if rng.random() >= args.fail_rate:
                return None
            kinds = ["500", "429", "drop_before", "drop_after", "slow"]
            if args.mode == "actionnetwork":
                kinds.append("empty200")
            return rng.choice(kinds)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stalls

        def log_message(self, fmt, *a):
            pass

        def answer(self, status, obj=None, headers=None, raw=None):
            body = raw if raw is not None else (b"" if obj is None else json.dumps(obj).encode())
            try:
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
            except OSError:
                self.close_connection = True  # the client gave up (a timeout): fine

        def drop(self):
            self.close_connection = True

        def authorised(self):
            if args.mode == "webhook":
                return self.headers.get("Authorization") == "Bearer " + args.token
            return self.headers.get("OSDI-API-Token") == args.token

        def store(self, key, lines):
            """Stores lines under key once; returns False when the key was seen before."""
            with lock:
                if key in seen:
                    return False
                seen.add(key)
                for line in lines:
                    log.write(json.dumps(line, sort_keys=True) + "\n")
                log.flush()
                os.fsync(log.fileno())
                return True

        def do_POST(self):
            if reqlog:
                with lock:
                    reqlog.write("%s %s %s\n" % (self.command, self.path,
                                                  self.headers.get("Idempotency-Key")))
                    reqlog.flush()
            if args.hang:
                time.sleep(3600)
                return
            if args.garbage:
                self.wfile.write(b"\x00\x01 this is not HTTP \xff\r\n\r\n")
                self.wfile.flush()
                self.drop()
                return
            n = int(self.headers.get("Content-Length") or 0)
            if n < 0 or n > MAX_BODY:
                self.answer(413, {"error": "too large"})
                return
            data = self.rfile.read(n)
            if args.always:
                ra = {"Retry-After": str(args.retry_after)} if args.always == 429 else None
                self.answer(args.always, {"error": "always %d" % args.always}, ra)
                return
            if not self.authorised():
                self.answer(401, {"error": "unauthorised"})
                return
            key = self.headers.get("Idempotency-Key")
            if not key:
                self.answer(400, {"error": "no Idempotency-Key"})
                return
            try:
                body = json.loads(data)
            except ValueError:
                self.answer(400, {"error": "not JSON"})
                return
            if args.mode == "webhook":
                if self.path != "/hook" or body.get("schema") != "barnstorm.v1" \
                        or not isinstance(body.get("records"), list) \
                        or not body["records"] or not body.get("kiosk") \
                        or not isinstance(body.get("event"), dict):
                    self.answer(422, {"error": "not a barnstorm.v1 batch"})
                    return
                for r in body["records"]:
                    if not r.get("uuid") or not r.get("kind") or "payload" not in r \
                            or "created_at" not in r or "clock_synced" not in r:
                        self.answer(422, {"error": "record without uuid/kind/payload"})
                        return
                lines = [{"key": key, "uuid": r["uuid"], "kind": r["kind"],
                          "person_uuid": r.get("person_uuid"), "payload": r["payload"],
                          "event": body["event"], "kiosk": body["kiosk"]}
                         for r in body["records"]]
            else:
                # Under any API root: .../people/ or .../events/ID/attendances/
                parts = self.path.strip("/").split("/")
                ok_path = parts[-1:] == ["people"] or (len(parts) >= 3 and parts[-3] == "events"
                                                       and parts[-1] == "attendances")
                person = body.get("person") if isinstance(body, dict) else None
                if not ok_path or not isinstance(person, dict) \
                        or not person.get("email_addresses"):
                    self.answer(422, {"error": "not a person signup / attendance"})
                    return
                lines = [{"key": key, "path": self.path, "body": body}]

            f = failure()
            if f == "500":
                self.answer(500, {"error": "injected"})
                return
            if f == "429":
                self.answer(429, {"error": "slow down"}, {"Retry-After": str(args.retry_after)})
                return
            if f == "drop_before":
                self.drop()
                return
            if f == "empty200":
                self.answer(200, raw=b"")
                return
            self.store(key, lines)
            if f == "drop_after":
                self.drop()
                return
            if f == "slow":
                time.sleep(args.slow_seconds)
            if args.mode == "webhook":
                self.answer(200, {"accepted": len(lines)})
            else:
                self.answer(200, {"identifiers": ["action_network:" + key]})

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # dropped and timed-out connections are part of the test

    srv = Server(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
