#!/usr/bin/python3
"""bench_in.py - `in` against the scripted download: one 1 GiB asset, and
four 64 MiB assets at once.

Every contestant GETs the same API URL (.../releases/assets/ID with Accept:
application/octet-stream) from the fake GitHub and follows its 302 to the
same sendfile asset server (see benchlib.AssetWorld):
  ours  `in DEST` (4 downloads at once, its default concurrency), SHA-256
        computed while streaming, checked against GitHub's digest;
  (a)   curl -sSfL -o FILE, then sha256sum FILE (4 such pipelines at once);
  (b)   bare curl -sSfL -o FILE (4 at once), no verification.
Runs are interleaved (ours, a, b, ours, ...) after one warm-up round;
figures are medians of BENCH_REPEAT (default 5) runs. Peak RSS: /usr/bin/time
"%M" of our one process; for the references the sum over the processes that
run at the same time (each pipeline's largest step).

Targets (issue 6): in/(a) <= 0.75, in/(b) <= 1.25, peak RSS <= 16 MiB for
both sets. For scale, the script also times SHA-256 of the 1 GiB file with
`openssl dgst -sha256` and with `sha256sum` (INFO)."""

import os
import shutil

import benchlib as B

CURL = ["curl", "-sSfL", "-H", "Accept: application/octet-stream"]


def ref_argvs(urls, outdir, verify):
    argvs = []
    for i, url in enumerate(urls):
        path = os.path.join(outdir, "f%d" % i)
        if verify:
            cmd = "%s -o %s '%s' && sha256sum %s" % (" ".join("'%s'" % a for a in CURL), path,
                                                     url, path)
            argvs.append(["sh", "-c", cmd])
        else:
            argvs.append(CURL + ["-o", path, url])
    return argvs


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def bench_set(world, s, n):
    out = B.work_dir("in-out")
    urls = world.asset_urls(s)
    ours_t, ours_rss, a_t, a_rss, b_t, b_rss = [], [], [], [], [], []
    for i in range(n + 1):  # round 0 warms up and is not counted
        r = world.run_in(s, os.path.join(out, "ours"))
        got = sorted(f for f in os.listdir(os.path.join(out, "ours")) if f.endswith(".bin"))
        if got != sorted(f[0] for f in world.files[s]):
            raise RuntimeError("in wrote %s" % got)
        shutil.rmtree(os.path.join(out, "ours"))
        fresh(os.path.join(out, "a"))
        wa, ra = B.timed_parallel(ref_argvs(urls, os.path.join(out, "a"), True))
        shutil.rmtree(os.path.join(out, "a"))
        fresh(os.path.join(out, "b"))
        wb, rb = B.timed_parallel(ref_argvs(urls, os.path.join(out, "b"), False))
        shutil.rmtree(os.path.join(out, "b"))
        if i == 0:
            continue
        ours_t.append(r.wall)
        ours_rss.append(r.rss_mib)
        a_t.append(wa)
        a_rss.append(ra / 1024.0)
        b_t.append(wb)
        b_rss.append(rb / 1024.0)
    t, ta, tb = B.median(ours_t), B.median(a_t), B.median(b_t)
    rss = max(ours_rss)
    B.report("in.%s.time_vs_curl+sha256sum" % s, t, ta, "s", "ratio<=0.75", t / ta <= 0.75)
    B.report("in.%s.time_vs_bare_curl" % s, t, tb, "s", "ratio<=1.25", t / tb <= 1.25)
    B.report("in.%s.peak_rss_vs_curl+sha256sum" % s, rss, B.median(a_rss), "MiB",
             "ours<=16MiB", rss <= 16)
    B.report("in.%s.peak_rss_vs_bare_curl" % s, rss, B.median(b_rss), "MiB", "ours<=16MiB",
             rss <= 16)
    B.note("in.%s: runs ours=%s a=%s b=%s (s); ours RSS %s MiB" % (
        s, " ".join("%.3f" % x for x in ours_t), " ".join("%.3f" % x for x in a_t),
        " ".join("%.3f" % x for x in b_t), " ".join("%.1f" % x for x in ours_rss)))


def hash_speed(world, n):
    """For scale: hashing the 1 GiB file from the page cache with OpenSSL's
    SHA-256 (what `in` uses, through EVP) and with coreutils' sha256sum
    (what reference (a) runs)."""
    path = world.files["1x1GiB"][0][1]
    ossl, core = [], []
    for _ in range(n):
        ossl.append(B.timed(["openssl", "dgst", "-sha256", path]).wall)
        core.append(B.timed(["sha256sum", path]).wall)
    o, c = B.median(ossl), B.median(core)
    B.report("in.hash_1GiB_openssl_vs_sha256sum", o, c, "s")
    B.note("in.hash: SHA-256 of 1 GiB from the page cache: OpenSSL %.2f GB/s, coreutils "
           "sha256sum %.2f GB/s" % (B.GIB / o / 1e9, B.GIB / c / 1e9))


def main():
    world = B.AssetWorld().start()
    try:
        n = B.repeats(5)
        for s in ("4x64MiB", "1x1GiB"):
            bench_set(world, s, n)
        hash_speed(world, 3)
    finally:
        world.stop()


if __name__ == "__main__":
    main()
