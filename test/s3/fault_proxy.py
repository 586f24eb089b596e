#!/usr/bin/python3
"""fault_proxy.py - HTTP/1.1 reverse proxy that logs every request and injects
faults, for testing an S3 client against RGW.

The proxy forwards each request's bytes unchanged (request line, headers
including Host, body), so a SigV4 signature made for the proxy's host:port
reaches the upstream intact; RGW checks the signature against the Host header
it receives, not against its own port, so this verifies. Bodies are streamed
(Content-Length or chunked), "Expect: 100-continue" is relayed, client
connections are kept alive, and each client connection gets its own upstream
connection.

In-process use:

    from fault_proxy import FaultProxy
    with FaultProxy("http://127.0.0.1:8000") as p:       # p.endpoint
        p.add_fault("error", method="PUT", query="partNumber=2",
                    status=503, code="SlowDown", times=1)
        ... run the client against p.endpoint ...
        p.requests(method="PUT")                        # the log, filtered

Fault actions (the first `times` (default 1; None: all) matching requests
after the first `skip` get it):
    error       answer status + S3 XML error, without forwarding
    error200    forward; a 200 answer becomes 200 + <Error> body
                (CompleteMultipartUpload's "200 with an error" case)
    reset       read the request, then reset the connection (RST), no answer
    reset_after forward and let the upstream finish, then reset instead of
                answering (the operation happened, the client cannot know)
    delay       sleep `delay` seconds, then forward

Out of process: `fault_proxy.py --upstream URL [--fault JSON]... [--log FILE]`
prints FAULT_PROXY_ENDPOINT=http://127.0.0.1:PORT and serves until SIGTERM.
While running, the control paths on the same port are:
    POST   /__fault_proxy__/faults   body: JSON object (add_fault's keywords)
    GET    /__fault_proxy__/faults   JSON list of the faults (repr)
    DELETE /__fault_proxy__/faults   clear faults and log
    GET    /__fault_proxy__/log      JSON list of log entries
"""

import argparse
import json
import os
import re
import select
import signal
import socket
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakes"))
from faults import FaultRule, pick, set_rst  # noqa: E402 (shared with the fake GitHub)

CONTROL_PREFIX = "/__fault_proxy__/"
ACTIONS = ("error", "error200", "reset", "reset_after", "delay")
LOGGED_HEADERS = (
    "host", "content-length", "content-type", "content-md5", "content-encoding",
    "transfer-encoding", "expect", "range", "x-amz-content-sha256",
    "x-amz-decoded-content-length", "x-amz-copy-source", "x-amz-date",
    "x-amz-trailer", "if-match", "if-none-match", "connection",
)
IO_TIMEOUT = 120.0
BLOCK = 65536
MAX_HEAD = 65536
LINGER = "linger"  # _one's verdict: answered early, close the client gently


class ProtocolError(Exception):
    """The peer sent something that is not HTTP/1.x as this proxy knows it."""


def s3_error_xml(code, message, resource=""):
    """Bytes of an S3 <Error> document."""
    esc = lambda s: (s.replace("&", "&amp;").replace("<", "&lt;")
                     .replace(">", "&gt;"))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
            '<Message>%s</Message><Resource>%s</Resource>'
            '<RequestId>fault-proxy</RequestId></Error>'
            % (esc(code), esc(message), esc(resource))).encode()


class Fault(FaultRule):
    """One fault rule; `hits` counts the requests it was applied to."""

    def __init__(self, action, method=None, path=None, query=None, times=1,
                 skip=0, status=500, code="InternalError",
                 message="injected", delay=0.0):
        if action not in ACTIONS:
            raise ValueError("unknown fault action %r" % action)
        super().__init__(action, method.upper() if method else None, path, times, skip)
        self.query = query
        self.status = status
        self.code = code
        self.message = message
        self.delay = delay

    @property
    def path(self):
        return self.path_re

    def matches(self, method, path, query):
        return self._match_request(method, path) and (not self.query or self.query in query)

    def __repr__(self):
        return ("Fault(%s %s %s %s times=%s skip=%s hits=%d)"
                % (self.action, self.method, self.path and self.path.pattern,
                   self.query, self.times, self.skip, self.hits))


class _Head:
    """A parsed request or response head; `raw` is the bytes as received."""

    def __init__(self, raw):
        self.raw = raw
        lines = raw.decode("latin-1").split("\r\n")
        self.start = lines[0].split(" ", 2)
        if len(self.start) < 2:
            raise ProtocolError("bad start line %r" % lines[0])
        self.headers = []
        for line in lines[1:]:
            if not line:
                continue
            if ":" not in line:
                raise ProtocolError("bad header line %r" % line)
            k, v = line.split(":", 1)
            self.headers.append((k.strip().lower(), v.strip()))

    def get(self, name, default=None):
        for k, v in self.headers:
            if k == name:
                return v
        return default

    def has_token(self, name, token):
        v = self.get(name, "")
        return token in [t.strip().lower() for t in v.split(",")]

    def content_length(self):
        v = self.get("content-length")
        try:
            return int(v) if v is not None else None
        except ValueError:
            raise ProtocolError("bad content-length %r" % v)

    def chunked(self):
        return self.has_token("transfer-encoding", "chunked")


def _read_head(rfile):
    """Read one HTTP head (through the blank line); None at clean EOF."""
    raw = b""
    while True:
        line = rfile.readline(MAX_HEAD)
        if not line:
            if raw:
                raise ProtocolError("eof inside head")
            return None
        if not raw and line in (b"\r\n", b"\n"):
            continue  # stray blank line between messages
        raw += line
        if line in (b"\r\n", b"\n"):
            return _Head(raw)
        if len(raw) > MAX_HEAD:
            raise ProtocolError("head too large")


def _relay_body(rfile, head, out, no_body=False, until_eof=False):
    """Copy a message body from rfile to out (a callable taking bytes, or
    None to discard), following chunked or Content-Length framing, or up to
    EOF when until_eof; returns the payload size (without chunk framing)."""
    total = 0

    def emit(data):
        if out:
            out(data)

    if no_body:
        return 0
    if head.chunked():
        while True:
            line = rfile.readline(MAX_HEAD)
            if not line:
                raise ProtocolError("eof in chunk size")
            emit(line)
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers
                    t = rfile.readline(MAX_HEAD)
                    if not t:
                        raise ProtocolError("eof in trailers")
                    emit(t)
                    if t in (b"\r\n", b"\n"):
                        return total
            left = size + 2  # data and its CRLF
            while left:
                data = rfile.read(min(left, BLOCK))
                if not data:
                    raise ProtocolError("eof in chunk")
                emit(data)
                left -= len(data)
            total += size
    n = head.content_length()
    if n is not None:
        left = n
        while left:
            data = rfile.read(min(left, BLOCK))
            if not data:
                raise ProtocolError("eof in body (%d of %d bytes left)" % (left, n))
            emit(data)
            left -= len(data)
        return n
    if until_eof:
        while True:
            data = rfile.read1(BLOCK) if hasattr(rfile, "read1") else rfile.read(BLOCK)
            if not data:
                return total
            emit(data)
            total += len(data)
    return 0


def _until_close(resp, no_body):
    """True when the response body runs to EOF (no length, not chunked)."""
    return (not no_body and resp.content_length() is None
            and not resp.chunked())


def _quietly(call, *args):
    """call(*args), ignoring OSError (a socket the peer already dropped)."""
    try:
        call(*args)
    except OSError:
        pass


def _reset(sock):
    """Close with RST instead of FIN."""
    set_rst(sock)
    _quietly(sock.close)


def _drain(sock):
    """Send FIN, then read what the client still sends, for up to 2 s."""
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(0.2)
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        if not sock.recv(BLOCK):
            break


def _lingering_close(sock):
    """_drain, then close: so an early answer is not lost to an RST caused
    by unread request bytes."""
    _quietly(_drain, sock)
    _quietly(sock.close)


class FaultProxy:
    """Reverse proxy to `upstream` ("http://host:port") on 127.0.0.1.

    Attributes: endpoint ("http://127.0.0.1:PORT", set by start()), port,
    log (list of dicts, one per request, appended when the request ends:
    time, method, path, query, headers (a selection, lower-case names),
    content_length (declared), body_bytes (relayed payload), status (None
    when reset), fault (action or None), error_code (S3 <Code> of an error
    answer, when status >= 300), body (request body, when <= capture)),
    faults (list of Fault). log_file: path of a JSON-lines copy of the log.
    capture: request bodies up to this many bytes are kept in entry["body"]
    (bytes; text in the JSON file)."""

    def __init__(self, upstream, port=0, log_file=None, capture=65536):
        u = urllib.parse.urlsplit(upstream)
        if u.scheme != "http" or not u.hostname:
            raise ValueError("upstream must be http://host:port, got %r" % upstream)
        self.upstream = (u.hostname, u.port or 80)
        self.port = port
        self.endpoint = None
        self.log = []
        self.faults = []
        self.capture = capture
        self._log_file = open(log_file, "a", encoding="utf-8") if log_file else None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)  # notified when _inflight drops
        self._inflight = 0  # requests read and not yet in the log
        self._listener = None
        self._conns = set()
        self._thread = None
        self._stopping = False

    # -- public API --------------------------------------------------------

    def start(self):
        """Listen on 127.0.0.1:port (0: ephemeral) and serve in threads."""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        self._listener = s
        self.port = s.getsockname()[1]
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self._accept_loop, daemon=True,
                                        name="fault-proxy-accept")
        self._thread.start()
        return self

    def stop(self):
        """Stop listening and drop every open connection."""
        self._stopping = True
        if self._listener:
            _quietly(self._listener.shutdown, socket.SHUT_RDWR)
            self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            _quietly(c.shutdown, socket.SHUT_RDWR)
        if self._thread:
            self._thread.join(5)
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def add_fault(self, action, **kw):
        """Add a Fault (see Fault's keywords: method, path (regex searched in
        the URL path), query (substring of the raw query), times (default 1;
        None: always), skip, status, code, message, delay). Returns the Fault."""
        f = Fault(action, **kw)
        with self._lock:
            self.faults.append(f)
        return f

    def clear(self, log=True):
        """Remove all faults (and empty the log unless log=False)."""
        with self._lock:
            self.faults.clear()
            if log:
                self.log.clear()

    def settle(self, timeout=5.0):
        """Wait (up to timeout) until every request read so far is in the log:
        an entry is recorded after its answer is relayed, so a client can hold
        the answer before the proxy holds the entry."""
        with self._idle:
            self._idle.wait_for(lambda: self._inflight == 0, timeout)

    def requests(self, method=None, path=None, query=None):
        """Log entries filtered like a fault (path is a regex), once settled."""
        rx = re.compile(path) if path else None
        self.settle()
        with self._lock:
            entries = sorted(self.log, key=lambda e: e["time"])  # arrival order
        return [e for e in entries
                if (not method or e["method"] == method.upper())
                and (not rx or rx.search(e["path"]))
                and (not query or query in e["query"])]

    # -- internals ---------------------------------------------------------

    def _accept_loop(self):
        while not self._stopping:
            try:
                c, _ = self._listener.accept()
            except OSError:
                return
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._conns.add(c)
            threading.Thread(target=self._serve, args=(c,), daemon=True,
                             name="fault-proxy-conn").start()

    def _pick_fault(self, method, path, query):
        return pick(self._lock, self.faults, method, path, query)

    def _record(self, entry):
        with self._lock:
            self.log.append(entry)
            self._inflight -= 1
            self._idle.notify_all()
            if self._log_file:
                e = dict(entry)
                if isinstance(e.get("body"), bytes):
                    e["body"] = e["body"].decode("utf-8", "replace")
                self._log_file.write(json.dumps(e) + "\n")
                self._log_file.flush()

    def _serve(self, client):
        client.settimeout(IO_TIMEOUT)
        rfile = client.makefile("rb")
        up = None
        try:
            while not self._stopping:
                head = _read_head(rfile)
                if head is None:
                    break
                keep, up = self._one(client, rfile, head, up)
                if keep == LINGER:
                    _lingering_close(client)
                if keep is not True:
                    break
        except (OSError, ProtocolError, ValueError):
            pass
        finally:
            if up:
                up[0].close()
            with self._lock:
                self._conns.discard(client)
            try:
                rfile.close()
                client.close()
            except OSError:
                pass

    def _connect(self):
        s = socket.create_connection(self.upstream, timeout=IO_TIMEOUT)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return (s, s.makefile("rb"))

    def _one(self, client, rfile, head, up):
        """Handle one request; returns (keep client connection, upstream)."""
        method = head.start[0].upper()
        target = head.start[1]
        parts = urllib.parse.urlsplit(target)
        path, query = parts.path, parts.query
        entry = {
            "time": time.time(), "method": method, "path": path, "query": query,
            "headers": {k: v for k, v in head.headers if k in LOGGED_HEADERS},
            "content_length": head.content_length(), "body_bytes": 0,
            "status": None, "fault": None, "error_code": None,
        }
        if path.startswith(CONTROL_PREFIX):
            return self._control(client, rfile, head, method, path, entry), up
        with self._lock:
            self._inflight += 1  # until _record, below
        expect = head.has_token("expect", "100-continue")
        keep = (not head.has_token("connection", "close")
                and head.start[-1].strip().upper() != "HTTP/1.0")
        fault = self._pick_fault(method, path, query)
        if fault:
            entry["fault"] = fault.action
        try:
            if fault and fault.action == "error":
                return self._answer_error(client, rfile, head, expect, fault,
                                          entry, path), up
            if fault and fault.action == "reset":
                if expect:
                    client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                self._body_in(rfile, head, None, entry)
                _reset(client)
                return False, up
            if fault and fault.action == "delay":
                time.sleep(fault.delay)
            return self._forward(client, rfile, head, up, expect, keep,
                                 fault, entry, method)
        finally:
            self._record(entry)

    def _body_in(self, rfile, head, out, entry):
        """Relay the request body to out (None: discard), capturing it."""
        cap = []
        size = [0]

        def sink(data):
            if out:
                out(data)
            if size[0] + len(data) <= self.capture:
                cap.append(data)
            size[0] += len(data)

        n = _relay_body(rfile, head, sink)
        entry["body_bytes"] = n
        if size[0] <= self.capture and not head.chunked():
            entry["body"] = b"".join(cap)

    def _answer_error(self, client, rfile, head, expect, fault, entry, path):
        body = s3_error_xml(fault.code, fault.message, path)
        entry["error_code"] = fault.code
        resp = ("HTTP/1.1 %d Injected\r\nContent-Type: application/xml\r\n"
                "Content-Length: %d\r\nConnection: close\r\n\r\n"
                % (fault.status, len(body))).encode() + body
        entry["status"] = fault.status
        if not expect:
            self._body_in(rfile, head, None, entry)
            client.sendall(resp)
            return False
        client.sendall(resp)  # the client will not send the body
        return LINGER

    def _forward(self, client, rfile, head, up, expect, keep, fault, entry,
                 method):
        """Forward one request upstream and relay the answer back."""
        if up is not None and select.select([up[0]], [], [], 0)[0]:
            up[0].close()  # idle upstream connection closed (or sent junk)
            up = None
        if up is None:
            up = self._connect()
        up[0].sendall(head.raw)
        usock, ufile = up
        resp = None
        if expect:
            resp = _read_head(ufile)
            if resp is None:
                raise ProtocolError("upstream closed")
            if resp.start[1] != "100":
                # Early final answer: the client will not send the body.
                self._relay_response(client, ufile, resp, entry, method)
                usock.close()
                return LINGER, None
            client.sendall(resp.raw)
            resp = None
        try:
            self._body_in(rfile, head, usock.sendall, entry)
        except BrokenPipeError:
            pass  # upstream answered early; read its answer below
        while True:  # skip interim answers
            resp = _read_head(ufile)
            if resp is None:
                raise ProtocolError("upstream closed")
            if not resp.start[1].startswith("1"):
                break
            client.sendall(resp.raw)
        status = int(resp.start[1])
        entry["status"] = status
        no_body = method == "HEAD" or status in (204, 304)
        up_close = _until_close(resp, no_body)
        if fault and fault.action == "reset_after":
            _relay_body(ufile, resp, None, no_body=no_body, until_eof=up_close)
            _reset(client)
            usock.close()
            return False, None
        if fault and fault.action == "error200" and status == 200:
            _relay_body(ufile, resp, None, no_body=no_body, until_eof=up_close)
            body = s3_error_xml(fault.code, fault.message, entry["path"])
            hdrs = [l for l in resp.raw.decode("latin-1").split("\r\n")[1:]
                    if l and l.split(":", 1)[0].strip().lower() not in
                    ("content-length", "transfer-encoding", "content-type",
                     "connection")]
            entry["error_code"] = fault.code
            out = "\r\n".join([resp.raw.decode("latin-1").split("\r\n")[0]] + hdrs
                              + ["Content-Type: application/xml",
                                 "Content-Length: %d" % len(body),
                                 "Connection: close", "", ""])
            client.sendall(out.encode("latin-1") + body)
            usock.close()
            return False, None
        if not self._relay_response(client, ufile, resp, entry, method):
            usock.close()
            return False, None
        return keep, up

    def _relay_response(self, client, ufile, resp, entry, method):
        """Send a final response (head read) and its body to the client,
        noting status and error code; returns False when the upstream
        connection cannot be reused."""
        status = int(resp.start[1])
        entry["status"] = status
        no_body = method == "HEAD" or status in (204, 304)
        until_eof = _until_close(resp, no_body)
        client.sendall(resp.raw)
        keep_error = status >= 300 and not no_body
        kept = []

        def sink(data):
            client.sendall(data)
            if keep_error and sum(map(len, kept)) < 65536:
                kept.append(data)  # the start of an error body, for <Code>
        _relay_body(ufile, resp, sink, no_body=no_body, until_eof=until_eof)
        if keep_error:
            m = re.search(rb"<Code>([^<]*)</Code>", b"".join(kept))
            entry["error_code"] = m.group(1).decode("latin-1") if m else None
        return not (until_eof or resp.has_token("connection", "close"))

    def _control(self, client, rfile, head, method, path, entry):
        """Serve the control paths (see the module doc)."""
        body = b""
        n = head.content_length() or 0
        if n:
            body = rfile.read(n)
        what = path[len(CONTROL_PREFIX):].strip("/")
        status, out = 200, b""
        try:
            if what == "faults" and method == "POST":
                f = self.add_fault(**json.loads(body or b"{}"))
                out = json.dumps({"added": repr(f)}).encode()
            elif what == "faults" and method == "DELETE":
                self.clear()
                out = b"{}"
            elif what == "faults" and method == "GET":
                with self._lock:
                    out = json.dumps([repr(f) for f in self.faults]).encode()
            elif what == "log" and method == "GET":
                self.settle()  # an answer may reach its client before its entry is logged
                with self._lock:
                    entries = [dict(e) for e in sorted(self.log, key=lambda e: e["time"])]
                for e in entries:
                    if isinstance(e.get("body"), bytes):
                        e["body"] = e["body"].decode("utf-8", "replace")
                out = json.dumps(entries).encode()
            else:
                status, out = 404, b'{"error": "unknown control path"}'
        except (TypeError, ValueError, re.error) as e:
            status, out = 400, json.dumps({"error": str(e)}).encode()
        client.sendall(("HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                        "Content-Length: %d\r\n\r\n" % (status, len(out))).encode()
                       + out)
        return True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--upstream", required=True, help="http://host:port")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", help="append a JSON line per request to this file")
    ap.add_argument("--fault", action="append", default=[],
                    help='JSON object of add_fault keywords, e.g. '
                         '\'{"action": "error", "status": 503, "code": '
                         '"SlowDown", "method": "PUT", "query": "partNumber=2"}\'')
    a = ap.parse_args(argv)
    p = FaultProxy(a.upstream, port=a.port, log_file=a.log)
    for spec in a.fault:
        p.add_fault(**json.loads(spec))
    p.start()
    print("FAULT_PROXY_ENDPOINT=%s" % p.endpoint, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    p.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
