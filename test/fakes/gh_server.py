"""gh_server.py - the fake GitHub's HTTP plumbing (part of fake_github.py):
the two listeners (optionally TLS), the handler, the request log,
responses and their transmission (faults that act on the wire included)."""

import json
import re
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from faults import set_rst

DOCS = "https://docs.github.com/rest"
_BLOCK = 64 * 1024                      # generation and streaming chunk size


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class Headers(dict):
    """Request headers: names stored lowercased, lookups case-insensitive.
    Repeated headers are joined with ", ". A plain dict for json.dumps."""

    def __init__(self, items=()):
        super().__init__()
        for name, value in items:
            name = name.lower()
            old = super().get(name)
            super().__setitem__(name, value if old is None else old + ", " + value)

    def __getitem__(self, name):
        return super().__getitem__(name.lower())

    def __contains__(self, name):
        return isinstance(name, str) and super().__contains__(name.lower())

    def get(self, name, default=None):
        return super().get(name.lower(), default)


class _Resp:
    """A response: status, header list and a body given as bytes or as a
    chunk-generator factory with a known length."""

    def __init__(self, status, headers=(), body=b"", chunks=None, length=None):
        self.status = status
        self.headers = list(headers)
        self.body = body
        self.chunks = chunks
        self.length = len(body) if chunks is None else length
        self.json = None
        self.etag = None

    def iter_body(self):
        return iter((self.body,)) if self.chunks is None else self.chunks()


def _json_resp(status, obj, headers=()):
    body = json.dumps(obj, separators=(",", ":")).encode()
    resp = _Resp(status, [("Content-Type", "application/json; charset=utf-8")] + list(headers), body)
    resp.json = obj
    return resp


def _gh_error(status, message, doc=DOCS):
    return _json_resp(status, {"message": message, "documentation_url": doc, "status": str(status)})


def _s3_error(status, code, message, headers=()):
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
            '<Message>%s</Message></Error>' % (code, message)).encode()
    return _Resp(status, [("Content-Type", "application/xml")] + list(headers), body)


def _inm_matches(header, etag):
    if not header:
        return False
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*" or (tag[2:] if tag.startswith("W/") else tag) == etag:
            return True
    return False


def _hard_close(handler):
    """Abort the connection with a TCP RST (SO_LINGER 0)."""
    handler.close_connection = True
    sock = handler.connection
    set_rst(sock)
    handler.rfile.close()       # drop makefile's reference so close() is real
    sock.close()


# --------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------

class ThreadedServer(ThreadingHTTPServer):
    """A thread per connection; stop() waits for none of them, and a client
    that drops its connection is not reported (also bench/static_server.py)."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, OSError)):
            super().handle_error(request, client_address)


def serve_in_thread(srv, name):
    """srv.serve_forever() in a daemon thread that notices shutdown() within
    50 ms; returns srv."""
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, name=name,
                     daemon=True).start()
    return srv


def parse_range(value, size):
    """A Range header against a body of size bytes: None (serve all; also
    for a syntactically invalid header, which is ignored), (start, end) half
    open, or "unsatisfiable" (416)."""
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", value or "")
    if not m or (m[1] == "" and m[2] == ""):
        return None
    if m[1] == "":
        n = int(m[2])
        return (max(0, size - n), size) if n > 0 and size > 0 else "unsatisfiable"
    start = int(m[1])
    if m[2] and int(m[2]) < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, min(int(m[2]) + 1 if m[2] else size, size)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""
    timeout = 120                       # idle keep-alive connections

    def setup(self):
        super().setup()
        self.server.fake._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, False)

    def _dispatch(self):
        self.server.fake._serve(self, self.server.listener)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def version_string(self):
        return self.server_version

    def date_time_string(self, timestamp=None):
        app = self.server.fake.app
        if timestamp is None and app is not None:
            timestamp = app.now()
        return super().date_time_string(timestamp)

    def log_message(self, format, *args):  # noqa: A002 - silence stderr
        pass


class _Request:
    def __init__(self, handler, listener):
        self.listener = listener
        self.method = handler.command
        path, _, raw_query = handler.path.partition("?")
        self.path, self.raw_query = path, raw_query
        self.query = dict(parse_qsl(raw_query, keep_blank_values=True))
        self.headers = Headers(handler.headers.items())


# --------------------------------------------------------------------------
# The server side of FakeGitHub
# --------------------------------------------------------------------------

class ServerMixin:
    """FakeGitHub's listeners, request log, dispatch and transmission."""

    # ---- lifecycle -------------------------------------------------------

    def start(self):
        for listener in ("api", "asset"):
            srv = ThreadedServer((self.host, self._ports[listener]), _Handler)
            srv.fake, srv.listener = self, listener
            if listener in self.tls:
                srv.socket = self.tls[listener].wrap_socket(srv.socket, server_side=True)
            self._servers[listener] = serve_in_thread(srv, "fake-github-" + listener)
        self.api_url = "%s://%s:%d" % ("https" if "api" in self.tls else "http", self.host,
                                       self._servers["api"].server_address[1])
        self.asset_url = "%s://%s:%d" % ("https" if "asset" in self.tls else "http", self.host,
                                         self._servers["asset"].server_address[1])
        return self

    def stop(self):
        self._stopping.set()
        for srv in self._servers.values():
            srv.shutdown()
            srv.server_close()
        self._servers.clear()
        with self._lock:
            conns = list(self._conns)
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _track(self, sock, add):
        with self._lock:
            (self._conns.add if add else self._conns.discard)(sock)

    @property
    def log(self):
        """Snapshot list of request entries (dicts): listener, method, path
        (raw), query (dict, last value wins), raw_query, headers (Headers),
        status (None when no response was sent), counted, authorized,
        authorization_rejected, fault (action or None), bytes_sent, time."""
        with self._lock:
            return list(self._log)

    def clear_log(self):
        with self._lock:
            self._log.clear()

    def requests(self, listener=None, method=None, path_regex=None, status=None):
        """Log entries filtered by listener, method, path (re.search), status."""
        return [e for e in self.log
                if (listener is None or e["listener"] == listener)
                and (method is None or e["method"] == method)
                and (path_regex is None or re.search(path_regex, e["path"]))
                and (status is None or e["status"] == status)]

    # ---- request handling ------------------------------------------------

    def _serve(self, h, listener):
        req = _Request(h, listener)
        req.body = self._drain_request_body(h)
        entry = {"listener": listener, "method": req.method, "path": req.path,
                 "query": req.query, "raw_query": req.raw_query, "headers": req.headers,
                 "status": None, "counted": False, "authorized": False,
                 "authorization_rejected": False, "fault": None, "bytes_sent": 0,
                 "time": time.time()}
        fault = self._take_fault(req)
        entry["fault"] = fault.action if fault else None
        try:
            if fault and fault.action in ("refuse", "close"):
                self._record(entry)
                if fault.action == "refuse":
                    _hard_close(h)
                else:
                    h.close_connection = True
                return
            try:
                resp = self._respond(req, fault, entry)
            except Exception:       # a bug in the fake: say so, keep serving
                traceback.print_exc()
                resp = _gh_error(500, "fake_github internal error")
            entry["status"] = resp.status
            self._record(entry)
            self._transmit(h, req, resp, fault, entry)
        except (ConnectionError, OSError):
            entry["client_aborted"] = True
            h.close_connection = True
        finally:
            if self.on_request:
                try:
                    self.on_request(entry)
                except Exception:
                    traceback.print_exc()

    @staticmethod
    def _drain_request_body(h):
        """Read the request body; its first 64 KiB are returned."""
        if h.headers.get("Transfer-Encoding"):
            h.close_connection = True
            return b""
        left = _int(h.headers.get("Content-Length"), 0)
        kept = []
        while left > 0:
            got = h.rfile.read(min(left, _BLOCK))
            if not got:
                break
            if sum(map(len, kept)) < _BLOCK:
                kept.append(got)
            left -= len(got)
        return b"".join(kept)[:_BLOCK]

    def _record(self, entry):
        with self._lock:
            self._log.append(entry)

    def _respond(self, req, fault, entry):
        action = fault.action if fault else None
        kw = fault.kw if fault else {}
        if action == "status":
            return self._fault_status(kw)
        if action == "rate_limited":
            return self._fault_rate_limited(kw)
        if action == "invalid_json":
            return _Resp(200, [("Content-Type", "application/json; charset=utf-8")], b"{not json")
        if req.listener == "api":
            resp = self._api(req, entry)
        else:
            resp = self._asset_host(req, entry)
        if action == "wrong_shape":
            resp = self._wrong_shape(resp, kw)
        return resp

    # ---- transmission ----

    def _transmit(self, h, req, resp, fault, entry):
        h.send_response(resp.status)
        for name, value in resp.headers:
            h.send_header(name, value)
        if resp.length is not None:
            h.send_header("Content-Length", str(resp.length))
        h.end_headers()
        action = fault.action if fault else None
        kw = fault.kw if fault else {}
        if req.method == "HEAD" or not resp.length:
            if action == "reset_mid_body":
                _hard_close(h)
            return
        length = resp.length
        cut = None
        if action in ("reset_mid_body", "stall"):
            cut = int(length * kw.get("fraction", 0.5))
        flip = None
        if action == "corrupt_byte":
            flip = min(max(int(kw.get("offset", length // 2)), 0), length - 1)
        pos = 0
        for chunk in resp.iter_body():
            if flip is not None and pos <= flip < pos + len(chunk):
                b = bytearray(chunk)
                b[flip - pos] ^= 0xFF
                chunk = bytes(b)
            if cut is not None and pos + len(chunk) >= cut:
                head, chunk = chunk[:cut - pos], chunk[cut - pos:]
                self._write(h, head, entry)
                pos += len(head)
                cut = None
                if action == "reset_mid_body":
                    _hard_close(h)
                    return
                self._stopping.wait(kw.get("seconds", 2))
                then = kw.get("then", "continue")
                if then == "reset":
                    _hard_close(h)
                    return
                if then == "close":
                    h.close_connection = True
                    return
            self._write(h, chunk, entry)
            pos += len(chunk)

    @staticmethod
    def _write(h, data, entry):
        if data:
            entry["bytes_sent"] += len(data)
            h.wfile.write(data)


