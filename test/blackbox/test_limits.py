#!/usr/bin/env python3
"""test_limits.py - bounded time, and transfer errors that say what failed
(issue 11, items 10, 11, 14 and 15).

  - max_rate_limit_wait is one budget for the whole command, not per request;
  - every API request has an overall deadline (GRM_REQUEST_TIMEOUT, default
    120 s): a server trickling 2 bytes/s (nethelp.Trickle) cannot keep check
    alive;
  - every asset transfer has a minimum average rate (GRM_MIN_RATE bytes/s
    after GRM_MIN_RATE_GRACE s);
  - a 302 without Location fails naming the method, the URL (no query) and
    the status;
  - a failing curl_multi_perform (forced with an LD_PRELOAD shim built here)
    is an error, not a success with transfers unfinished.
Run: GRM_BIN_DIR=<build dir> python3 test_limits.py"""

import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bbutil import OWNER, REPO, GitHubCase  # noqa: E402
from nethelp import Trickle  # noqa: E402

SHIM_C = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <curl/curl.h>
/* curl_multi_perform fails from call GRM_SHIM_FAIL_AT on */
CURLMcode curl_multi_perform(CURLM *m, int *running)
{
    static CURLMcode (*real)(CURLM *, int *);
    static int calls;
    const char *at = getenv("GRM_SHIM_FAIL_AT");
    if (!real)
        real = (CURLMcode (*)(CURLM *, int *))dlsym(RTLD_NEXT, "curl_multi_perform");
    if (++calls >= (at ? atoi(at) : 1))
        return CURLM_INTERNAL_ERROR;
    return real(m, running);
}
"""


class TestRateLimitBudget(GitHubCase):
    def test_budget_is_shared_by_every_request_of_the_command(self):
        """Three requests of one get each answered once by 429 retry-after
        2 s, with max_rate_limit_wait 3: the second wait is over budget."""
        r = self.rel("v1.0.0")
        for path in (r"/releases/%d$" % r.id, r"/releases/%d/assets$" % r.id, r"/git/ref/"):
            self.gh.add_fault(path_regex=path, action="status", code=429,
                              headers={"Retry-After": "2"}, times=1)
        t0 = time.monotonic()
        res = self.get(self.version(r), source=self.source(max_rate_limit_wait=3))
        self.assertFailsClearly(res, "max_rate_limit_wait", "whole command", "HTTP 429")
        self.assertLess(time.monotonic() - t0, 5.5, res)  # 2 s waited; 6 s are 3 waits

    def test_repeated_429_on_one_request_stops_at_the_budget(self):
        """Repeated 429 retry-after 1 on the listing, budget 2: two waits,
        then the failure (not max_attempts waits)."""
        self.rel("v1.0.0")
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=429,
                          headers={"Retry-After": "1"}, times=None)
        res = self.check(source=self.source(max_rate_limit_wait=2),
                         env={"GRM_MAX_ATTEMPTS": "10"})
        self.assertFailsClearly(res, "max_rate_limit_wait", "0 s left")
        self.assertEqual(len(self.api_log(r"/releases$")), 3)

    def test_within_the_budget_still_recovers(self):
        r = self.rel("v1.0.0")
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=429,
                          headers={"Retry-After": "1"}, times=1)
        self.assertEqual(self.check_ok(source=self.source(max_rate_limit_wait=1)),
                         [self.version(r)])


class TestDeadlines(GitHubCase):
    def test_trickling_api_fails_within_the_request_deadline(self):
        """The API sends its answer at 2 bytes/s: check fails once
        GRM_REQUEST_TIMEOUT (3 s) is over, naming the URL and the deadline."""
        trickle = Trickle(length=100000, rate=2)
        self.addCleanup(trickle.stop)
        t0 = time.monotonic()
        try:
            res = self.check(source=self.source(github_api_url=trickle.url),
                             env={"GRM_REQUEST_TIMEOUT": "3"}, timeout=30)
        except subprocess.TimeoutExpired:
            self.fail("check still running after 30 s against a trickling server")
        elapsed = time.monotonic() - t0
        self.assertFailsClearly(res, "GET %s/repos/%s/%s/releases" % (trickle.url, OWNER, REPO),
                                "HTTP 200", "within 3 s")
        self.assertLess(elapsed, 8, res)
        self.assertGreaterEqual(elapsed, 2.5, res)

    def test_trickling_asset_host_is_cut_by_the_minimum_rate(self):
        """The download host trickles 2 bytes/s: with GRM_MIN_RATE 1000 after
        a 1 s grace each attempt is cut; the get fails, leaving no file."""
        trickle = Trickle(length=50000, rate=2, content_type="application/octet-stream")
        self.addCleanup(trickle.stop)
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "big.bin", size=50000)
        self.gh.add_fault(path_regex=r"/releases/assets/%d$" % a.id, action="status", code=302,
                          headers={"Location": trickle.url + "/dl?sig=QUERYSIG"}, times=None)
        dest = self.mkdir("dest")
        t0 = time.monotonic()
        try:
            res = self.get(self.version(r), dest=dest, timeout=40,
                           env={"GRM_MIN_RATE": "1000", "GRM_MIN_RATE_GRACE": "1",
                                "GRM_MAX_ATTEMPTS": "2"})
        except subprocess.TimeoutExpired:
            self.fail("get still running after 40 s against a trickling download host")
        self.assertFailsClearly(res, "GET %s/dl" % trickle.url, "minimum average rate")
        self.assertNotIn("QUERYSIG", res.stderr)
        self.assertLess(time.monotonic() - t0, 15, res)
        self.assertEqual(trickle.requests, 2)
        self.assertEqual(os.listdir(dest), [])

    def test_normal_downloads_meet_the_minimum_rate(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "a.bin", size=3 * 1024 * 1024)
        self.get_ok(self.version(r), env={"GRM_MIN_RATE": "100000", "GRM_MIN_RATE_GRACE": "1"})


class TestTransferErrors(GitHubCase):
    def test_redirect_without_location_names_method_url_and_status(self):
        self.rel("v1.0.0")
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=302, times=None)
        res = self.check()
        self.assertOneError(res, "GET %s/repos/%s/%s/releases:" % (self.gh.api_url, OWNER, REPO),
                            "HTTP 302", "Location")
        self.assertNotIn("per_page", res.stderr)

    def test_asset_redirect_without_location(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "a.bin", size=10)
        self.gh.add_fault(path_regex=r"/releases/assets/", action="status", code=302,
                          times=None)
        res = self.get(self.version(r))
        self.assertOneError(res, "GET %s/repos/%s/%s/releases/assets/%d:" % (
            self.gh.api_url, OWNER, REPO, a.id), "HTTP 302", "Location")


class TestMultiFailure(GitHubCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shim_dir = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                    "grm-shim-%d" % os.getpid())
        os.makedirs(cls.shim_dir, exist_ok=True)
        src = os.path.join(cls.shim_dir, "shim.c")
        with open(src, "w") as fp:
            fp.write(SHIM_C)
        cls.shim = os.path.join(cls.shim_dir, "shim.so")
        subprocess.run(["cc", "-shared", "-fPIC", "-o", cls.shim, src, "-ldl"], check=True)

    def shim_env(self, at):
        asan = os.environ.get("ASAN_OPTIONS", "")
        return {"LD_PRELOAD": self.shim, "GRM_SHIM_FAIL_AT": str(at),
                "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"}

    def test_failing_multi_perform_is_an_error(self):
        # the first request of a check takes at least two calls; a third may
        # already belong to the next request on a loaded machine
        for at in (1, 2):
            with self.subTest(fail_at_call=at):
                self.gh.clear_log()
                res = self.check(env=dict(self.shim_env(at),
                                          TMPDIR=self.mkdir("cold%d" % at)))
                self.assertOneError(res, "curl_multi_perform failed", "GET %s/repos/" % (
                    self.gh.api_url))

    def test_failing_multi_perform_during_downloads(self):
        r = self.rel("v1.0.0")
        for i in range(3):
            self.gh.add_asset(r, "f%d.bin" % i, size=200000)
        dest = self.mkdir("dest")
        # the JSON requests take a few calls each; fail during the downloads
        res = self.get(self.version(r), {"concurrency": 3}, dest=dest,
                       env=self.shim_env(12))
        self.assertFailsClearly(res, "curl_multi_perform failed")
        self.assertEqual([n for n in os.listdir(dest) if n.startswith("f")], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
