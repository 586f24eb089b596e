"""nethelp.py - servers and certificates for the network-rule suites
(test_token_origin.py, test_tls_scope.py, test_limits.py, test_redaction.py):

  Foreign       an HTTP(S) server on its own port (another origin than the
                fake GitHub's): answers every request with a fixed body and
                records method, path and headers, so a test can tell whether
                the token reached it.
  Trickle       a TCP server that sends a response head, then its body at
                `rate` bytes per second (a server that keeps a client alive
                for ever without ever stalling completely).
  make_ca / make_cert   a CA and a server certificate for 127.0.0.1 made with
                the openssl command line.

Standard library only."""

import os
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler

import bbutil  # noqa: F401 (puts test/fakes on sys.path)
from fake_github import ThreadedServer, serve_in_thread  # noqa: E402 (bbutil put it on the path)


class _ForeignHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _any(self):
        srv = self.server
        with srv.lock:
            srv.log.append({"method": self.command, "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()}})
        body = srv.body
        self.send_response(200)
        self.send_header("Content-Type", srv.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = _any

    def log_message(self, format, *args):  # noqa: A002
        pass


class Foreign:
    """A server at another origin. log: one dict per request (method, path,
    headers with lowercase names)."""

    def __init__(self, body=b"foreign bytes\n", content_type="application/octet-stream",
                 tls=None):
        self.srv = ThreadedServer(("127.0.0.1", 0), _ForeignHandler)
        self.srv.lock = threading.Lock()
        self.srv.log = []
        self.srv.body = body
        self.srv.content_type = content_type
        if tls is not None:
            self.srv.socket = tls.wrap_socket(self.srv.socket, server_side=True)
        serve_in_thread(self.srv, "foreign")
        self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http",
                                          self.srv.server_address[1])

    @property
    def log(self):
        with self.srv.lock:
            return list(self.srv.log)

    def authorizations(self):
        return [e for e in self.log if "authorization" in e["headers"]]

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


class Trickle:
    """Answers every request with `head` (status line and headers, with a
    Content-Length of `length`) at once, then the body `rate` bytes a second.
    requests counts the connections that sent a request."""

    def __init__(self, length=100000, rate=2, content_type="application/json"):
        self.length, self.rate = length, rate
        self.head = ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                     % (content_type, length)).encode()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.requests = 0
        self._stop = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            self.requests += 1
            conn.sendall(self.head)
            sent = 0
            while sent < self.length and not self._stop.is_set():
                n = min(self.rate, self.length - sent)
                conn.sendall(b" " * n)
                sent += n
                time.sleep(1.0)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self):
        self._stop.set()
        self.sock.close()


def _openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def make_ca(directory, name):
    """A self-signed CA: returns (cert_path, key_path)."""
    cert, key = os.path.join(directory, name + ".crt"), os.path.join(directory, name + ".key")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
             "-days", "2", "-subj", "/CN=grm test " + name,
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return cert, key


def make_cert(directory, name, ca):
    """A server certificate for 127.0.0.1 signed by ca (cert, key) or, when
    ca is None, self-signed. Returns an ssl.SSLContext serving it."""
    cert, key = os.path.join(directory, name + ".crt"), os.path.join(directory, name + ".key")
    ext = os.path.join(directory, name + ".ext")
    with open(ext, "w") as fp:
        fp.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                 "extendedKeyUsage=serverAuth\n")
    if ca is None:
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                 "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                 "subjectAltName=IP:127.0.0.1")
    else:
        csr = os.path.join(directory, name + ".csr")
        _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                 "-subj", "/CN=127.0.0.1")
        _openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
                 "-out", cert, "-days", "2", "-extfile", ext)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def read(path):
    with open(path, encoding="utf-8") as fp:
        return fp.read()
