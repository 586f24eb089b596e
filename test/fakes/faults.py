"""faults.py - fault injection machinery shared by the fake GitHub
(test/fakes/gh_faults.py) and the S3 fault proxy (test/s3/fault_proxy.py).

FaultRule holds what their rules have in common: the request match (method,
path regex) and the counting (skip the first `skip` matches, then apply to
`times` of them, None: all); pick() finds the first rule that applies, under
a lock; set_rst() makes a socket's close() send a TCP RST. Standard library
only.
"""

import re
import socket
import struct


class FaultRule:
    """A fault rule's match and count. A subclass adds its own matches()
    (calling _match_request) and keyword arguments; `seen` counts matching
    requests, `hits` those the rule was applied to."""

    def __init__(self, action, method=None, path_regex=None, times=1, skip=0):
        self.action = action
        self.method = method
        self.path_re = re.compile(path_regex) if path_regex else None
        self.times = times
        self.skip = skip
        self.seen = 0
        self.hits = 0

    def _match_request(self, method, path):
        return ((self.method is None or self.method.upper() == method)
                and (self.path_re is None or self.path_re.search(path)))

    def take(self):
        """Count a matching request; True when the rule applies to it."""
        self.seen += 1
        if self.seen <= self.skip:
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        self.hits += 1
        return True


def pick(lock, rules, *request):
    """The first of rules whose matches(*request) holds and that take()s
    the request, under lock; None if none does."""
    with lock:
        for f in rules:
            if f.matches(*request) and f.take():
                return f
    return None


def set_rst(sock):
    """Make close() abort the connection with a TCP RST (SO_LINGER 0);
    an OSError (a socket already gone) is ignored."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
