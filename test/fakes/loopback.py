"""loopback.py - a small HTTP server on 127.0.0.1 for the test fakes (the
IdP, the instance metadata service, the STS proxy): a handler class served
on a free port from a daemon thread, started and stopped by its owner."""

import http.server
import threading


class LoopbackServer:
    """Serves handler (an http.server.BaseHTTPRequestHandler subclass) on
    127.0.0.1 at a free port; url is its http:// base."""

    def __init__(self, handler):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
