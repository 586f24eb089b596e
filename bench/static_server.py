#!/usr/bin/python3
"""static_server.py - a fast static file server for the download benchmarks.

The fake GitHub generates asset bytes in Python (SHAKE-256 blocks), which
serves far below loopback speed, so the benchmarks point the fake's download
redirect here instead: files under ROOT are served with os.sendfile (zero
copy, the kernel does the work), HTTP/1.1 keep-alive, HEAD, and single byte
ranges (206 / 416). The query string is ignored (the fake's signed URLs carry
one). One thread per connection.

Library use:  srv = StaticServer(root).start(); srv.url; srv.stop()
Standalone:   static_server.py ROOT [--port N]
Standard library, plus the fake's server plumbing and Range parsing
(test/fakes/fake_github.py: ThreadedServer, serve_in_thread, parse_range)."""

import argparse
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test",
                                "fakes"))
from fake_github import ThreadedServer, parse_range, serve_in_thread  # noqa: E402


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bench-static"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def _path(self):
        rel = unquote(self.path.partition("?")[0]).lstrip("/")
        full = os.path.realpath(os.path.join(self.server.root, rel))
        if not full.startswith(self.server.root + os.sep) or not os.path.isfile(full):
            return None
        return full

    def _empty(self, status, extra=()):
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self):
        self._serve(body=False)

    def do_GET(self):
        self._serve(body=True)

    def _serve(self, body):
        path = self._path()
        if path is None:
            self._empty(404)
            return
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            rng = parse_range(self.headers.get("Range"), size)
            if rng == "unsatisfiable":
                self._empty(416, [("Content-Range", "bytes */%d" % size)])
                return
            start, end = (0, size) if rng is None else rng
            self.send_response(200 if rng is None else 206)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Accept-Ranges", "bytes")
            if rng is not None:
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end - 1, size))
            self.send_header("Content-Length", str(end - start))
            self.end_headers()
            if body and end > start:
                self.connection.sendfile(f, start, end - start)


class StaticServer:
    """Serve root on 127.0.0.1:port (0: ephemeral) from a daemon thread."""

    def __init__(self, root, port=0):
        self.root = os.path.realpath(root)
        self.port = port
        self.srv = None
        self.url = None

    def start(self):
        self.srv = ThreadedServer(("127.0.0.1", self.port), _Handler)
        self.srv.root = self.root
        serve_in_thread(self.srv, "static-server")
        self.url = "http://127.0.0.1:%d" % self.srv.server_address[1]
        return self

    def stop(self):
        if self.srv:
            self.srv.shutdown()
            self.srv.server_close()
            self.srv = None


def main():
    ap = argparse.ArgumentParser(description="Serve a directory with sendfile and Range.")
    ap.add_argument("root")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    srv = StaticServer(args.root, args.port).start()
    print(srv.url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
