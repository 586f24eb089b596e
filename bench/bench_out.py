#!/usr/bin/python3
"""bench_out.py - `out` against `/usr/bin/aws s3 cp` (Debian's awscli, its
defaults: 8 MiB parts, 10 requests at once), both straight to the test S3
server (Ceph RGW, no proxy), for one 1 GiB file and four 64 MiB files.

The release is fetched once with `in` (from the fake GitHub, see
benchlib.AssetWorld); `out` mirrors that directory with the default
part_size (16 MiB) and concurrency (4); aws copies the same asset files
(`aws s3 cp FILE` / `aws s3 cp DIR --recursive`). Every run goes to a new,
empty bucket; buckets are deleted and RGW's garbage collector is run between
runs (RGW keeps deleted data for hours otherwise, and memstore is 4 GiB).

Figures, medians of BENCH_REPEAT (default 3) interleaved runs (after one
small object write, which makes RGW create its pools): wall time; peak RSS (/usr/bin/time "%M"); bytes sent, read
from RGW's own counters (`perf dump`: rgw.put_b, the body bytes of every
PutObject and UploadPart it received, and rgw.req, requests) before and
after each run. After every first `out`, a second `out` of the same release
into the same bucket is timed; its asset bytes are RGW's put_b delta minus
the bytes of the manifest documents out rewrites (release.json, SHA256SUMS,
latest.json: their sizes are read from the bucket listing).

Targets (issue 6): out/aws time <= 1.0; peak RSS <= 32 MiB; second out sends
0 asset bytes and takes <= 0.1 s."""

import json
import os
import subprocess
import sys

import benchlib as B
import s3env


def rgw_counters():
    """(put_b, req) of the RGW in use, from its admin socket."""
    asok = os.path.join(s3env.ensure()["rgw_dir"], "run", "client.rgw.asok")
    p = subprocess.run(["ceph", "--admin-daemon", asok, "perf", "dump"], capture_output=True,
                       text=True, check=True)
    rgw = json.loads(p.stdout)["rgw"]
    return rgw["put_b"], rgw["req"]


def gc():
    d = s3env.ensure()["rgw_dir"]
    subprocess.run(["radosgw-admin", "-c", os.path.join(d, "ceph.conf"), "gc", "process",
                    "--include-all"], capture_output=True, check=True)


def drop_bucket(bucket):
    s3env.delete_bucket(bucket)
    gc()


def out_request(world, bucket):
    s3 = s3env.ensure()
    src = world.source()
    src["mirror"] = {"bucket": bucket, "endpoint": s3["endpoint"], "region": s3["region"],
                     "access_key_id": s3["access_key"], "secret_access_key": s3["secret_key"]}
    return json.dumps({"source": src, "params": {"from": "rel"}}).encode()


def run_out(world, sources, bucket):
    before = rgw_counters()
    r = B.timed([B.binary("out"), sources], stdin=out_request(world, bucket),
                env=B.clean_env(B.work_dir("tmp")))
    after = rgw_counters()
    md = {m["name"]: m["value"] for m in json.loads(r.stdout)["metadata"]}
    return r, after[0] - before[0], after[1] - before[1], md


def run_aws(world, s, bucket):
    files = world.files[s]
    if len(files) == 1:
        argv = ["s3", "cp", "--no-progress", files[0][1], "s3://%s/%s" % (bucket, files[0][0])]
    else:
        argv = ["s3", "cp", "--no-progress", "--recursive", "--exclude", "*"]
        for f in files:
            argv += ["--include", f[0]]
        argv += [os.path.dirname(files[0][1]), "s3://%s/" % bucket]
    before = rgw_counters()
    r = B.timed([s3env.AWS, "--endpoint-url", s3env.ensure()["endpoint"]] + argv,
                env=s3env.aws_env())
    after = rgw_counters()
    return r, after[0] - before[0], after[1] - before[1]


def doc_bytes(bucket, asset_names):
    return sum(o["Size"] for o in s3env.list_objects(bucket)
               if o["Key"].rsplit("/", 1)[-1] not in asset_names)


def bench_set(world, s, n):
    sources = B.work_dir("out-sources-" + s)
    r = world.run_in(s, os.path.join(sources, "rel"))
    names = {f[0] for f in world.files[s]}
    total = sum(f[2] for f in world.files[s])
    rows = {k: [] for k in ("t", "rss", "bytes", "aws_t", "aws_rss", "aws_bytes", "t2",
                            "asset2", "req2")}
    for i in range(n):
        bucket = s3env.make_bucket("grm-bench")
        r, put_b, _req, md = run_out(world, sources, bucket)
        if int(md["uploaded"]) != len(names):
            raise RuntimeError("out uploaded %s of %d" % (md["uploaded"], len(names)))
        r2, put_b2, req2, md2 = run_out(world, sources, bucket)
        asset2 = max(0, put_b2 - doc_bytes(bucket, names))
        drop_bucket(bucket)
        bucket = s3env.make_bucket("grm-bench")
        ra, aws_b, _ = run_aws(world, s, bucket)
        drop_bucket(bucket)
        for k, v in (("t", r.wall), ("rss", r.rss_mib), ("bytes", put_b), ("aws_t", ra.wall),
                     ("aws_rss", ra.rss_mib), ("aws_bytes", aws_b), ("t2", r2.wall),
                     ("asset2", asset2), ("req2", req2)):
            rows[k].append(v)
    t, ta = B.median(rows["t"]), B.median(rows["aws_t"])
    rss = max(rows["rss"])
    B.report("out.%s.time_vs_aws" % s, t, ta, "s", "ratio<=1.00", t / ta <= 1.0)
    B.report("out.%s.peak_rss_vs_aws" % s, rss, B.median(rows["aws_rss"]), "MiB",
             "ours<=32MiB", rss <= 32)
    B.report("out.%s.bytes_sent_vs_aws" % s, B.median(rows["bytes"]),
             B.median(rows["aws_bytes"]), "B")
    a2 = max(rows["asset2"])
    B.report("out.%s.second_out_asset_bytes_vs_first" % s, a2, total, "B", "ours==0", a2 == 0)
    t2 = B.median(rows["t2"])
    B.report("out.%s.second_out_time_vs_first" % s, t2, t, "s", "ours<=0.1s", t2 <= 0.1)
    B.note("out.%s: runs ours=%s aws=%s second=%s (s); second out requests %s" % (
        s, " ".join("%.3f" % x for x in rows["t"]), " ".join("%.3f" % x for x in rows["aws_t"]),
        " ".join("%.3f" % x for x in rows["t2"]), " ".join("%d" % x for x in rows["req2"])))


def warm_up():
    """RGW creates its data pools on the first object write: do that first."""
    bucket = s3env.make_bucket("grm-bench")
    s3env.put_object(bucket, "warm-up", b"x" * 1024)
    drop_bucket(bucket)


def main():
    s3env.ensure()
    if not s3env.ensure().get("rgw_dir"):
        sys.exit("bench_out needs an RGW started by test/s3/rgw.sh (RGW_DIR)")
    warm_up()
    world = B.AssetWorld().start()
    try:
        n = B.repeats(3)
        for s in ("4x64MiB", "1x1GiB"):
            bench_set(world, s, n)
    finally:
        world.stop()


if __name__ == "__main__":
    main()
