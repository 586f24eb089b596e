#!/usr/bin/python3
"""profile.py - instruction counts of the hot paths under
`valgrind --tool=callgrind` (repeatable on a noisy machine, unlike time):

  download  `in` of one 64 MiB asset (sendfile asset server, see
            benchlib.AssetWorld): the write callback, pwrite and SHA-256;
  upload    `out` of the same file to RGW as a 4-part multipart upload
            (part_size 16 MiB): the verify pass (sha256_fd) and the part
            reading (http_on_read, pread);
  json      `check` on 1,050 releases with no cache (11 pages of 100
            releases: parsing, the cache write) and again with a warm cache
            (page 1 answers 304: the cache read).

Prints, per scenario, the total and the inclusive count of the functions
that matter, as "profile.SCENARIO.FUNCTION Ir=N per_byte=X syscalls=S" lines
(system calls made inside, from --collect-systime; note that valgrind turns
the vDSO's clock_gettime into a real system call); the
callgrind files stay in $BENCH_DIR/callgrind for callgrind_annotate.
Note: valgrind's CPU has no SHA extensions, so OpenSSL uses its AVX2 code
here, not the SHA-NI code it runs natively.

Usage: profile.py [download|upload|json ...] (default: all three)."""

import json
import os
import re
import shutil
import subprocess
import sys

import benchlib as B

SIXTY_FOUR = 64 * B.MIB
B.SETS["prof"] = ("v3.0.0", [("part-1-64MiB.bin", SIXTY_FOUR)])

FUNCS = {
    "download": ["assets_write", "sha256_update", "http_on_body", "http_progress",
                 "curl_easy_getinfo", "__libc_pwrite", "pwrite64", "Curl_client_write",
                 "Curl_readwrite", "curl_multi_perform"],
    "upload": ["out_verify_file", "sha256_fd", "sha256_update", "http_on_read",
               "__libc_pread", "pread64", "Curl_fillreadbuffer", "Curl_readwrite",
               "s3_put_file", "curl_multi_perform"],
    "json": ["listing_fetch", "github_get_json", "json_loadb", "listing_page_items",
             "github_release_from_json", "listing_cache_load", "json_load_file",
             "listing_items_valid", "listing_cache_save", "json_dump_file",
             "listing_to_releases", "releases_select", "_dl_relocate_object"],
}


def callgrind(name, argv, stdin, env):
    out_dir = B.work_dir("callgrind")
    out = os.path.join(out_dir, "cg." + name)
    p = subprocess.run(["valgrind", "--tool=callgrind", "--collect-systime=nsec",
                        "--callgrind-out-file=" + out] + argv,
                       input=stdin, capture_output=True, env=env)
    if p.returncode != 0:
        raise RuntimeError("%s under callgrind failed:\n%s" % (name, p.stderr.decode()[-3000:]))
    return out


_COUNT = r"([\d,]+|\.)\s+(?:\([^)]*\)\s+)?"


def inclusive(path):
    """{function name: (inclusive Ir, system calls)} and the program's."""
    p = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100",
                        "--show=Ir,sysCount", path], capture_output=True, text=True, check=True)
    total, funcs = (0, 0), {}
    for line in p.stdout.splitlines():
        m = re.match(r"\s*" + _COUNT + _COUNT + r"(.*)$", line)
        if not m:
            continue
        n = tuple(0 if g == "." else int(g.replace(",", "")) for g in m.group(1, 2))
        what = m.group(3)
        if what.startswith("PROGRAM TOTALS"):
            total = n
            continue
        fm = re.match(r"[^:]*:([^ \[]+)", what)
        if fm:
            name = fm.group(1).split("'")[0]
            funcs[name] = max(funcs.get(name, (0, 0)), n)
    return total, funcs


def emit(name, counts, nbytes):
    ir, sys_calls = counts
    print("%s Ir=%d%s syscalls=%d" % (name, ir, " per_byte=%.2f" % (ir / nbytes) if nbytes
                                       else "", sys_calls), flush=True)
    out = os.environ.get("BENCH_JSON")
    if out:
        with open(out, "a") as f:
            f.write(json.dumps({"profile": name, "ir": ir, "syscalls": sys_calls,
                                "per_byte": ir / nbytes if nbytes else None}) + "\n")


def show(scenario, label, path, nbytes):
    total, funcs = inclusive(path)
    emit("profile.%s.%s.total" % (scenario, label), total, nbytes)
    for f in FUNCS[scenario]:
        if f in funcs:
            emit("profile.%s.%s.%s" % (scenario, label, f), funcs[f], nbytes)


def prof_download(world):
    dest = os.path.join(B.work_dir("prof"), "in")
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    req = json.dumps({"source": world.source(), "version": world.version("prof")}).encode()
    path = callgrind("download", [B.binary("in"), dest], req, B.clean_env(B.work_dir("tmp")))
    show("download", "in_64MiB", path, SIXTY_FOUR)
    return dest


def prof_upload(world, sources):
    import s3env
    bucket = s3env.make_bucket("grm-prof")
    try:
        s3 = s3env.ensure()
        src = world.source()
        src["mirror"] = {"bucket": bucket, "endpoint": s3["endpoint"], "region": s3["region"],
                         "access_key_id": s3["access_key"], "secret_access_key": s3["secret_key"]}
        req = json.dumps({"source": src, "params": {"from": "in"}}).encode()
        path = callgrind("upload", [B.binary("out"), sources], req,
                         B.clean_env(B.work_dir("tmp")))
        show("upload", "out_64MiB", path, SIXTY_FOUR)
    finally:
        s3env.delete_bucket(bucket)


def prof_json():
    import bench_check as C
    tmpdir = B.work_dir("prof-check-tmp")
    shutil.rmtree(tmpdir)
    os.makedirs(tmpdir)
    gh = C.MemoFake(token=None).start()
    try:
        rels = [C.add_release(gh, i) for i in range(C.N_RELEASES)]
        C.reference_walk(gh)
        req = {"source": {"owner": B.OWNER, "repository": B.REPO, "github_api_url": gh.api_url}}
        cold = callgrind("json.cold", [B.binary("check")], json.dumps(req).encode(),
                         B.clean_env(tmpdir))
        req["version"] = C.version(rels[-1])
        warm = callgrind("json.warm", [B.binary("check")], json.dumps(req).encode(),
                         B.clean_env(tmpdir))
    finally:
        gh.stop()
    show("json", "check_cold_1050", cold, 0)
    show("json", "check_warm_1050", warm, 0)


def main():
    which = sys.argv[1:] or ["download", "upload", "json"]
    world = None
    try:
        if "download" in which or "upload" in which:
            world = B.AssetWorld(sets=("prof",)).start()
            dest = prof_download(world)
            if "upload" in which:
                prof_upload(world, os.path.dirname(dest))
        if "json" in which:
            prof_json()
    finally:
        if world:
            world.stop()


if __name__ == "__main__":
    main()
