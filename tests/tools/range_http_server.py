#!/usr/bin/env python3
"""A small HTTP server for the `ganrun data fetch` tests: serves one folder on 127.0.0.1 (a
free port, printed on stdout as "PORT <n>"), answers `Range: bytes=N-` with 206 and
Content-Range (http.server's own handler ignores ranges), and can misbehave on purpose:

  --cut NAME:K     the first response for file NAME stops after K body bytes and the
                   connection is closed (an interrupted download); later requests are whole
  --ignore-range   answer every request 200 with the whole file (a server without ranges)
  --log FILE       one JSON line per request: path, range header, status, body bytes sent
                   (null when the client hung up mid-body), method
  --lifetime S     exit by itself after S seconds (default 300), so a test that dies never
                   leaves it running

Only for tests: single folder, no listing, GET and HEAD only."""
import argparse
import json
import pathlib
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RANGE = re.compile(r"^bytes=(\d+)-$")


def make_handler(root, cuts, ignore_range, log_path, lock):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # keep stderr quiet; the JSON log is the record
            pass

        def record(self, status, sent):
            if log_path is None:
                return
            entry = {"path": self.path, "range": self.headers.get("Range"), "status": status,
                     "sent": sent, "method": self.command}
            with lock, open(log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")

        def send_plain(self, status, text):
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.record(status, 0)

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            name = self.path.split("?", 1)[0].lstrip("/")
            target = (root / name).resolve()
            if not name or root not in target.parents or not target.is_file():
                self.send_plain(404, "not found\n")
                return
            data = target.read_bytes()
            start = 0
            status = 200
            want = self.headers.get("Range")
            if want is not None and not ignore_range:
                m = RANGE.match(want.strip())
                if m is None:
                    self.send_plain(400, "only Range: bytes=N- is supported\n")
                    return
                start = int(m.group(1))
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    self.record(416, 0)
                    return
                status = 206
            body = data[start:]
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "none" if ignore_range else "bytes")
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            if self.command == "HEAD":
                self.record(status, 0)
                return
            with lock:
                cut = cuts.pop(name, None)  # only the first response for that file is cut
            if cut is not None and cut < len(body):
                self.wfile.write(body[:cut])
                self.wfile.flush()
                self.record(status, cut)
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            try:
                self.wfile.write(body)
            except (ConnectionError, BrokenPipeError):
                # The client hung up (libcurl does when a 200 answers its Range request).
                self.record(status, None)
                self.close_connection = True
                return
            self.record(status, len(body))

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", required=True, help="folder to serve")
    p.add_argument("--cut", action="append", default=[], metavar="NAME:K")
    p.add_argument("--ignore-range", action="store_true")
    p.add_argument("--log")
    p.add_argument("--lifetime", type=float, default=300.0)
    args = p.parse_args()
    cuts = {}
    for item in args.cut:
        name, _, k = item.rpartition(":")
        cuts[name] = int(k)
    root = pathlib.Path(args.root).resolve()
    handler = make_handler(root, cuts, args.ignore_range, args.log, threading.Lock())
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    timer = threading.Timer(args.lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
