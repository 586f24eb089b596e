#!/usr/bin/python3
"""bench_check.py - what a check costs on a repository with 1,050 releases,
against the "all pages every time" strategy (concourse/github-release-resource
over REST: per_page=100, follow Link rel="next" on every check, no
conditional requests), computed here against the same fake GitHub.

Cases, in this order, with one cache directory ($TMPDIR) throughout:
  cold        first check, no cache, no version;
  warm        nothing new, cache warm, version = the latest (the steady
              state); timed BENCH_CHECK_RUNS times (default 21), median,
              each run followed by one of `check` exiting at validation
              (process start and exit only), reported beside it for scale;
  new         one new release since the last check (repeated BENCH_REPEAT
              times, a new release each time; worst counts, median time);
  deleted     the cache directory removed, version given.
Requests and rate-limit units are what the fake's log records for the run
("counted": a 304 costs nothing, as on GitHub). The reference walk runs
right after each case against the same state (its wall time is a Python
http.client walk: shown for scale, no target).

The fake answers page 1 from a per-state memo (the body and ETag of a page
depend only on the releases, which the script changes itself), so that the
wall time measures the client, not the Python fake building 100 releases of
JSON per request; the memo is dropped whenever a release is added.

Targets (issue 6): warm 1 request, 0 units, wall <= 20 ms; new release <= 2
requests, <= 1 unit."""

import http.client
import json
import os
import re
import shutil
import subprocess
import time
from urllib.parse import urlsplit

import benchlib as B
from fake_github import FakeGitHub

N_RELEASES = 1050
BODY = ("## Changes\n\n" + "".join("- change %d: fixed a thing in module %d\n" % (i, i)
                                   for i in range(12)))


class MemoFake(FakeGitHub):
    """Memoizes list pages per (path, query) until a release is added."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self._memo = {}

    def add_release(self, *a, **kw):
        rel = super().add_release(*a, **kw)
        self._memo.clear()
        return rel

    def _r_list(self, req, repo, auth):
        key = (req.path, req.raw_query, auth)
        resp = self._memo.get(key)
        if resp is None:
            resp = super()._r_list(req, repo, auth)
            self._memo[key] = resp
        # a fresh response object per request: _api appends headers to it
        copy = type(resp)(resp.status, resp.headers, resp.body)
        copy.json = resp.json
        return copy


def add_release(gh, i):
    rel = gh.add_release(B.OWNER, B.REPO, "v%d.%d.%d" % (1 + i // 1000, (i // 100) % 10, i % 100),
                         body=BODY)
    gh.add_asset(rel, "widget-linux-amd64.tar.gz", size=1000)
    gh.add_asset(rel, "widget-darwin-arm64.tar.gz", size=1000)
    return rel


def version(rel):
    return {"tag": rel.tag, "id": str(rel.id), "timestamp": rel.published_at}


def counts(gh):
    api = [e for e in gh.log if e["listener"] == "api"]
    return len(api), sum(1 for e in api if e["counted"])


def run_check(gh, tmpdir, ver=None):
    gh.clear_log()
    req = {"source": {"owner": B.OWNER, "repository": B.REPO, "github_api_url": gh.api_url}}
    if ver:
        req["version"] = ver
    t0 = time.perf_counter()
    p = subprocess.run([B.binary("check")], input=json.dumps(req).encode(),
                       capture_output=True, env=B.clean_env(tmpdir))
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("check failed: %s" % p.stderr.decode())
    reqs, units = counts(gh)
    return wall, reqs, units, json.loads(p.stdout)


def start_cost(runs):
    """Median wall time of `check` failing at validation (no network): the
    process start and exit that every check pays, for scale."""
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run([B.binary("check")], input=b'{"source": {}}', capture_output=True,
                           env=B.clean_env())
        walls.append(time.perf_counter() - t0)
        if p.returncode != 1:
            raise RuntimeError("check with an invalid request exited %d" % p.returncode)
    return B.median(walls)


def reference_walk(gh):
    """All pages every time: GET page 1 (per_page=100) and every rel="next"
    over one keep-alive connection, until no next or a non-200 (GitHub's
    422 past 1000 results). Returns (wall, requests, units)."""
    gh.clear_log()
    url = "%s/repos/%s/%s/releases?per_page=100" % (gh.api_url, B.OWNER, B.REPO)
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    headers = {"User-Agent": "bench-reference", "Accept": "application/vnd.github+json",
               "X-GitHub-Api-Version": "2022-11-28"}
    t0 = time.perf_counter()
    path = u.path + "?" + u.query
    while path:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        path = None
        if resp.status != 200:
            break
        json.loads(body)
        m = re.search(r'<([^>]+)>;\s*rel="next"', resp.getheader("Link") or "")
        if m:
            nu = urlsplit(m.group(1))
            path = nu.path + "?" + nu.query
    wall = time.perf_counter() - t0
    conn.close()
    reqs, units = counts(gh)
    return wall, reqs, units


def report_case(case, reqs, units, wall, ref, targets):
    rw, rreqs, runits = ref
    tr, tu = targets
    B.report("check.%s.requests" % case, reqs, rreqs, "",
             None if tr is None else "ours<=%d" % tr, tr is None or reqs <= tr)
    B.report("check.%s.units" % case, units, runits, "",
             None if tu is None else "ours<=%d" % tu, tu is None or units <= tu)
    return rw


def main():
    tmpdir = B.work_dir("check-tmp")
    shutil.rmtree(tmpdir)
    os.makedirs(tmpdir)
    gh = MemoFake(token=None).start()
    try:
        rels = [add_release(gh, i) for i in range(N_RELEASES)]
        latest = rels[-1]
        reference_walk(gh)  # fills the fake's page memo

        wall, reqs, units, out = run_check(gh, tmpdir)
        assert out == [version(latest)], out
        ref = reference_walk(gh)
        report_case("cold", reqs, units, wall, ref, (None, None))
        B.report("check.cold.wall", wall * 1000, ref[0] * 1000, "ms")

        walls, starts, worst = [], [], (0, 0)
        for _ in range(int(os.environ.get("BENCH_CHECK_RUNS", 21))):
            w, reqs, units, out = run_check(gh, tmpdir, version(latest))
            assert out == [version(latest)], out
            walls.append(w)
            starts.append(start_cost(1))  # interleaved, so both see the same load
            worst = max(worst, (reqs, units))
        ref = reference_walk(gh)
        report_case("warm", worst[0], worst[1], 0, ref, (1, 0))
        wm, sm = B.median(walls) * 1000, B.median(starts) * 1000
        B.report("check.warm.wall", wm, ref[0] * 1000, "ms", "ours<=20ms", wm <= 20)
        B.report("check.warm.wall_vs_process_start", wm, sm, "ms")
        B.note("check.warm: %d runs, min %.2f ms, median %.2f ms, max %.2f ms; the same "
               "`check` exiting at validation (process start and exit only, no network): "
               "median %.2f ms" % (len(walls), min(walls) * 1000, wm, max(walls) * 1000, sm))

        walls, worst = [], (0, 0)
        for i in range(B.repeats(5)):
            prev = latest
            latest = add_release(gh, N_RELEASES + i)
            reference_walk(gh)
            w, reqs, units, out = run_check(gh, tmpdir, version(prev))
            assert out == [version(prev), version(latest)], out
            walls.append(w)
            worst = max(worst, (reqs, units))
        ref = reference_walk(gh)
        report_case("new_release", worst[0], worst[1], 0, ref, (2, 1))
        B.report("check.new_release.wall", B.median(walls) * 1000, ref[0] * 1000, "ms")

        shutil.rmtree(tmpdir)
        os.makedirs(tmpdir)
        wall, reqs, units, out = run_check(gh, tmpdir, version(latest))
        assert out == [version(latest)], out
        ref = reference_walk(gh)
        report_case("cache_deleted", reqs, units, wall, ref, (None, None))
        B.report("check.cache_deleted.wall", wall * 1000, ref[0] * 1000, "ms")
    finally:
        gh.stop()


if __name__ == "__main__":
    main()
