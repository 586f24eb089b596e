#!/usr/bin/python3
"""test_concurrent_put.py - latest.json under concurrent puts, against Ceph
RGW (test/s3) through the fault proxy, releases from the fake GitHub.

  - two puts at once, the older release's latest.json write held back by the
    proxy until the newer one has written: latest.json names the newer;
  - latest.json is written with If-None-Match: * when absent and If-Match
    (the ETag read) when present;
  - both If-Match behaviours: RGW's (compares the ETag without quotes, so the
    RFC's quoted form gets 412) and the RFC's (emulated by a proxy that
    strips the quotes before RGW sees them, so the quoted form matches);
  - a lost race is retried after reading again, at most 5 times.

Run: GRM_BIN_DIR=<build dir> /usr/bin/python3 test_concurrent_put.py."""

import os
import re
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "s3"))
import fault_proxy  # noqa: E402
from bbutil import OWNER, REPO  # noqa: E402
from test_out import OutCase, Proxy  # noqa: E402

LATEST = "%s/%s/latest.json" % (OWNER, REPO)
QUIRK = "compares If-Match with the ETag without its quotes"


class RfcProxy(Proxy):
    """A proxy whose RGW behaves like RFC 9110 / AWS for If-Match: the quoted
    ETag the client sends reaches RGW bare (what RGW compares with). The
    values the client sent are kept in sent_if_match."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.sent_if_match = []

    def _one(self, client, rfile, head, up):
        v = head.get("if-match")
        if v is not None:
            self.sent_if_match.append(v)
            raw = re.sub(rb'(?im)^(If-Match:[ \t]*)"([^"\r\n]*)"', rb"\1\2", head.raw)
            head = fault_proxy._Head(raw)
        return super()._one(client, rfile, head, up)


class TestLatestConcurrency(OutCase):
    def put_latest_writes(self, proxy=None):
        return [e for e in (proxy or self.proxy).requests(method="PUT")
                if e["path"].endswith("/latest.json")]

    def prepare(self, tag, size=300):
        r = self.rel(tag)
        self.gh.add_asset(r, "a-%s.bin" % tag, size=size)
        return self.fetch(r)[0]

    def test_older_put_delayed_does_not_overwrite_the_newer(self):
        old, new = self.prepare("v1.0.0"), self.prepare("v2.0.0")
        # The older one's latest.json write waits 6 s at the proxy.
        fault = self.proxy.add_fault("delay", method="PUT", path=r"/latest\.json$", delay=6.0)
        box = {}
        t = threading.Thread(target=lambda: box.update(res=self.out(old)))
        t.start()
        deadline = time.time() + 60
        while fault.hits == 0 and time.time() < deadline and t.is_alive():
            time.sleep(0.05)
        self.assertEqual(fault.hits, 1, box)
        # The newer one writes straight to RGW meanwhile.
        direct = self.mirror(endpoint=self.s3["endpoint"])
        res_new = self.out(new, self.src(direct))
        self.assertEqual((res_new.rc, res_new.errors), (0, []), res_new)
        t.join(120)
        res_old = box["res"]
        self.assertEqual((res_old.rc, res_old.errors), (0, []), res_old)
        self.assertEqual(self.get_json(LATEST)["tag"], "v2.0.0")
        self.assertIn("changed while we wrote it", res_old.stderr, res_old)
        self.assertIn("newer than v1.0.0: left as it is", res_old.stderr, res_old)
        writes = self.put_latest_writes()
        self.assertEqual([w["headers"].get("if-none-match") for w in writes], ["*"], writes)
        self.assertEqual(writes[0]["status"], 412, writes)

    def test_if_match_carries_the_etag_read_rgw_quirk(self):
        self.out_ok(self.prepare("v1.0.0"))
        etag = self.s3r.head(self.bucket, LATEST)["ETag"].strip('"')
        self.proxy.clear()
        res = self.out(self.prepare("v2.0.0"))
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertEqual(self.get_json(LATEST)["tag"], "v2.0.0")
        writes = self.put_latest_writes()
        # RFC form first (412 from RGW), then the bare ETag.
        self.assertEqual([(w["headers"].get("if-match"), w["status"]) for w in writes],
                         [('"%s"' % etag, 412), (etag, 200)], writes)
        self.assertEqual(sum(QUIRK in ln for ln in res.lines), 1, res)

    def test_if_match_quoted_is_enough_on_an_rfc_server(self):
        self.out_ok(self.prepare("v1.0.0"))
        etag = self.s3r.head(self.bucket, LATEST)["ETag"].strip('"')
        proxy = RfcProxy(self.s3["endpoint"]).start()
        self.addCleanup(proxy.stop)
        res = self.out(self.prepare("v2.0.0"), self.src(self.mirror(endpoint=proxy.endpoint)))
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertEqual(self.get_json(LATEST)["tag"], "v2.0.0")
        writes = self.put_latest_writes(proxy)
        self.assertEqual([w["status"] for w in writes], [200], writes)
        self.assertEqual(proxy.sent_if_match, ['"%s"' % etag])
        self.assertNotIn(QUIRK, res.stderr)

    def test_conflicts_are_retried_then_fail_after_five(self):
        self.out_ok(self.prepare("v1.0.0"))
        self.proxy.clear()
        self.proxy.add_fault("error", method="PUT", path=r"/latest\.json$", status=412,
                             code="PreconditionFailed", times=2)
        res = self.out(self.prepare("v2.0.0"))
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertEqual(self.get_json(LATEST)["tag"], "v2.0.0")
        self.assertIn("changed while we wrote it", res.stderr, res)
        self.assertEqual(len([e for e in self.proxy.requests(method="GET")
                              if e["path"].endswith("/latest.json")]), 2)

        self.proxy.add_fault("error", method="PUT", path=r"/latest\.json$", status=409,
                             code="ConditionalRequestConflict", times=None)
        res = self.out(self.prepare("v3.0.0"))
        self.assertFailsClearly(res, LATEST, "5 conditional writes")
        self.assertEqual(self.get_json(LATEST)["tag"], "v2.0.0")


if __name__ == "__main__":
    unittest.main(verbosity=2)
