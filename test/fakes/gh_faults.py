"""gh_faults.py - the fake GitHub's fault injection (part of fake_github.py):
its Fault rules (listener, method, path and query match, on faults.FaultRule,
the machinery shared with test/s3/fault_proxy.py), the queue and the
responses the fault actions make."""

import json
import re
import time

from faults import FaultRule, pick
from gh_server import DOCS, _json_resp, _Resp



# ---- the fake GitHub's faults --------------------------------------------

FAULT_ACTIONS = ("status", "rate_limited", "reset_mid_body", "corrupt_byte", "stall",
                 "invalid_json", "wrong_shape", "refuse", "close")

class Fault(FaultRule):
    """A queued fault; see FakeGitHub.add_fault. `hits` counts the requests
    it was applied to, `remaining` how many more it will take (None: all)."""

    def __init__(self, listener, method, path_regex, query_regex, times, action, kw):
        super().__init__(action, method, path_regex, times)
        self.listener, self.kw = listener, kw
        self.query_re = re.compile(query_regex) if query_regex else None

    @property
    def remaining(self):
        return None if self.times is None else self.times - self.hits

    def matches(self, listener, method, path, raw_query):
        return ((self.listener is None or self.listener == listener)
                and self._match_request(method, path)
                and (self.query_re is None or self.query_re.search(raw_query)))

    def __repr__(self):
        return "Fault(%s %s %s, hits=%d, remaining=%s)" % (
            self.listener, self.method, self.action, self.hits, self.remaining)



class FaultsMixin:
    """FakeGitHub's queued faults and the responses they make."""

    # ---- queue --------------------------------------------------------

    def add_fault(self, listener="api", method="GET", path_regex=None, times=1,
                  action="status", query_regex=None, **kw):
        """Queue a fault for the first `times` (None: all) requests whose
        listener ("api", "asset" or None for both), method (None: any) and
        path (re.search; query_regex against the raw query) match.

        status          code (500), body (bytes/str/JSON object), headers {}
        rate_limited    403 with x-ratelimit-remaining 0, reset in reset_in (1) s
        reset_mid_body  send fraction (0.5) of the normal body, then RST
        corrupt_byte    normal body with byte `offset` (len//2) flipped
        stall           send fraction (0.5), sleep seconds (2), then
                        then="continue" | "close" (FIN) | "reset" (RST)
        invalid_json    200 with body `{not json`
        wrong_shape     normal answer with mistyped fields (`assets`, `size`,
                        `object` become strings), or kw json=... verbatim
        refuse / close  no response; RST / FIN
        Body faults apply to whatever the request would get (JSON, download,
        a Range slice). Returns the Fault."""
        if action not in FAULT_ACTIONS:
            raise ValueError("unknown fault action %r" % action)
        if listener not in ("api", "asset", None):
            raise ValueError("listener must be 'api', 'asset' or None")
        f = Fault(listener, method, path_regex, query_regex, times, action, kw)
        with self._lock:
            self._faults.append(f)
        return f

    def clear_faults(self):
        with self._lock:
            self._faults.clear()

    def _take_fault(self, req):
        return pick(self._lock, self._faults, req.listener, req.method, req.path, req.raw_query)

    @staticmethod
    def _fault_status(kw):
        code = kw.get("code", 500)
        body = kw.get("body")
        headers = list((kw.get("headers") or {}).items())
        if body is None:
            return _json_resp(code, {"message": "fault %d" % code, "documentation_url": DOCS},
                              headers)
        if isinstance(body, (dict, list)):
            return _json_resp(code, body, headers)
        if isinstance(body, str):
            body = body.encode()
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "text/plain; charset=utf-8"))
        return _Resp(code, headers, body)

    def _fault_rate_limited(self, kw):
        limit = self.rate_limit.get("limit", 5000)
        reset = int(time.time() + kw.get("reset_in", 1))
        return _json_resp(403, {
            "message": "API rate limit exceeded for user ID 1. If you reach out to GitHub "
                       "Support for help, please include the request ID.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            "status": "403"}, self._rate_headers(limit, 0, reset))

    @staticmethod
    def _wrong_shape(resp, kw):
        if "json" in kw:
            obj = kw["json"]
        elif resp.json is None:
            obj = {"unexpected": True}
        else:
            obj = json.loads(json.dumps(resp.json))

            def mangle(o):
                if not isinstance(o, dict):
                    return o
                for key, bad in (("assets", "not-a-list"), ("size", "big"), ("object", "nope")):
                    if key in o:
                        o[key] = bad
                        return o
                return [o]
            if isinstance(obj, list):
                obj = [mangle(o) for o in obj] if obj else {"message": "not a list"}
            else:
                obj = mangle(obj)
        new = _json_resp(200, obj, [(k, v) for k, v in resp.headers
                                    if k.lower() not in ("content-type", "etag", "location")])
        return new

