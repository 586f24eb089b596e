#!/usr/bin/env python3
"""check_image.py - steps 3 and 4 of test/image.sh: look into the built
image's root filesystem (no -dev package, no compiler, no apt lists, the OCI
labels, one ELF executable per cmd/*.c), then run its /opt/resource
executables with `buildah run --isolation chroot` against the fake GitHub
(test/fakes/fake_github.py, standalone) and a local S3, and assert on their
JSON, on the files `in` writes and on the objects out uploads.

  check_image.py --repo ROOT --container CTR --rootfs DIR --image-json FILE
                 --work DIR -- BUILDAH [GLOBAL-OPTION...]

Chroot isolation shares the host's network, so the servers listen on
127.0.0.1. For out, S3_ENDPOINT/S3_ACCESS_KEY/S3_SECRET_KEY/S3_REGION (what
scripts/test exports) name the S3 server; without them test/s3/rgw.sh starts
one. Standard library only. Exit status 0 only when every check passed."""

import argparse
import datetime
import glob
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

TOKEN = "ghp_ImageTestSecretToken0123456789abcdef"
OWNER, REPO = "octo", "widget"
UA = "github-release-mirror-image-test"
# The releases the fake serves. v1.2.0 is the latest final release; the
# pre-release and the draft must not be picked.
RELEASES = [
    ("v1.0.0", {}),
    ("v1.1.0", {}),
    ("v1.2.0", {"assets": [
        ("widget_1.2.0_linux_amd64.tar.gz", "linux amd64 build of widget 1.2.0\n" * 40000),
        ("widget_1.2.0_darwin_arm64.tar.gz", "darwin arm64 build of widget 1.2.0\n"),
        ("release-notes.txt", "not selected by the globs\n"),
    ]}),
    ("v2.0.0-rc.1", {"prerelease": True}),
    ("v2.0.0", {"draft": True}),
]
GLOBS = ["*.tar.gz"]
COMPILER_PACKAGES = re.compile(r"^(gcc|g\+\+|cpp|c\+\+|clang|tcc|binutils|llvm)(-[0-9.]+)?$"
                               r"|^binutils-|^clang-")
COMPILER_FILES = ("usr/bin/cc", "usr/bin/c89", "usr/bin/c99", "usr/bin/gcc", "usr/bin/cpp",
                  "usr/lib/cpp", "usr/bin/c++", "usr/bin/g++", "usr/bin/clang", "usr/bin/tcc",
                  "usr/bin/as", "usr/bin/ld", "usr/bin/*-gcc*", "usr/lib/gcc/*/*/cc1")
LABELS = ("source", "version", "licenses", "title", "description")


class Checks:
    """Named pass/fail results; every check prints one line."""

    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok - %s" % name, flush=True)
        else:
            self.failed += 1
            print("not ok - %s%s" % (name, ("\n    " + detail.replace("\n", "\n    "))
                                      if detail else ""), flush=True)
        return ok


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def read(path, mode="r"):
    with open(path, mode) as fp:
        return fp.read()


# --------------------------------------------------------------------------
# Step 4: what is (not) in the image
# --------------------------------------------------------------------------

def installed_packages(rootfs):
    """Names of the packages dpkg has installed in rootfs (its status file)."""
    names = []
    for stanza in read(os.path.join(rootfs, "var/lib/dpkg/status")).split("\n\n"):
        fields = dict(re.findall(r"^([A-Za-z-]+): ?(.*)$", stanza, re.M))
        if fields.get("Status", "").endswith(" installed") and "Package" in fields:
            names.append(fields["Package"])
    return sorted(names)


def cmake_version(repo):
    text = read(os.path.join(repo, "CMakeLists.txt"))
    m = re.search(r"project\([^)]*VERSION\s+([0-9][0-9.]*)", text)
    return m.group(1) if m else None


def check_contents(ck, args):
    rootfs = args.rootfs
    pkgs = installed_packages(rootfs)
    print("# %d packages installed in the image" % len(pkgs), flush=True)
    dev = [p for p in pkgs if "-dev" in p]
    ck("no -dev package installed", not dev, " ".join(dev))
    cc = [p for p in pkgs if COMPILER_PACKAGES.search(p)]
    ck("no compiler package installed", not cc, " ".join(cc))
    files = sorted("/" + os.path.relpath(f, rootfs)
                   for pat in COMPILER_FILES for f in glob.glob(os.path.join(rootfs, pat)))
    ck("no compiler or assembler on disk", not files, " ".join(files))
    for p in ("libcurl4", "libjansson4", "libssl3", "libexpat1", "libpcre2-8-0", "ca-certificates"):
        ck("runtime package %s installed" % p, p in pkgs)
    lists = [os.path.relpath(os.path.join(b, f), rootfs)
             for b, _, fs in os.walk(os.path.join(rootfs, "var/lib/apt/lists")) for f in fs
             if f != "lock"]
    ck("no apt lists", not lists, " ".join(lists[:10]))
    debs = [os.path.relpath(os.path.join(b, f), rootfs)
            for b, _, fs in os.walk(os.path.join(rootfs, "var/cache/apt")) for f in fs
            if f.endswith((".deb", ".bin"))]
    ck("no apt package cache", not debs, " ".join(debs[:10]))
    bundle = os.path.join(rootfs, "etc/ssl/certs/ca-certificates.crt")
    ck("CA bundle for TLS to GitHub and S3", os.path.isfile(bundle) and
       os.path.getsize(bundle) > 10000)

    want = sorted(os.path.basename(c)[:-2] for c in glob.glob(os.path.join(args.repo, "cmd/*.c"))
                  if os.path.basename(c) != "grm-verify.c")
    verifier = os.path.join(rootfs, "usr/local/bin/grm-verify")
    ck("/usr/local/bin/grm-verify is an ELF executable", os.access(verifier, os.X_OK) and
       read(verifier, "rb")[:4] == b"\x7fELF")
    have = sorted(os.listdir(os.path.join(rootfs, "opt/resource")))
    ck("/opt/resource holds one executable per cmd/*.c (%s)" % " ".join(want), have == want,
       "image has: %s" % " ".join(have))
    for name in have:
        path = os.path.join(rootfs, "opt/resource", name)
        ck("/opt/resource/%s is an ELF executable (no shell needed)" % name,
           os.access(path, os.X_OK) and read(path, "rb")[:4] == b"\x7fELF")

    image = json.loads(read(args.image_json))
    labels = (image.get("OCIv1", {}).get("config", {}).get("Labels")) or {}
    for key in LABELS:
        value = labels.get("org.opencontainers.image." + key, "")
        ck("label org.opencontainers.image.%s = %r" % (key, value), value.strip() != "")
    version = cmake_version(args.repo)
    ck("label version matches CMakeLists.txt project VERSION (%s)" % version,
       labels.get("org.opencontainers.image.version") == version)


# --------------------------------------------------------------------------
# The fake GitHub
# --------------------------------------------------------------------------

def fake_config():
    cfg = {"token": TOKEN, "owner": OWNER, "repo": REPO, "releases": []}
    for tag, extra in RELEASES:
        rel = {"tag": tag, "body": "notes for %s" % tag}
        rel.update({k: v for k, v in extra.items() if k != "assets"})
        rel["assets"] = [{"name": n, "content": c, "content_type": "application/gzip"}
                         for n, c in extra.get("assets", [])]
        cfg["releases"].append(rel)
    return cfg


class Fake:
    """fake_github.py in standalone mode, as a child process."""

    def __init__(self, repo, work):
        self.dir = tempfile.mkdtemp(prefix="fake-", dir=work)
        cfg = os.path.join(self.dir, "config.json")
        with open(cfg, "w") as fp:
            json.dump(fake_config(), fp)
        self.ready = os.path.join(self.dir, "ready.json")
        self.log = os.path.join(self.dir, "requests.log")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(repo, "test/fakes/fake_github.py"), "--config", cfg,
             "--ready-file", self.ready, "--log", self.log],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "stderr"), "w"))
        deadline = time.monotonic() + 30
        while not os.path.exists(self.ready):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("fake GitHub did not start: %s"
                                   % read(os.path.join(self.dir, "stderr")))
            time.sleep(0.05)
        urls = json.loads(read(self.ready))
        self.api_url = urls["api_url"]

    def versions(self):
        """tag -> the Concourse version the resource must give, read from
        the fake's own API (ids and timestamps are the fake's)."""
        req = urllib.request.Request(
            "%s/repos/%s/%s/releases?per_page=100" % (self.api_url, OWNER, REPO),
            headers={"Authorization": "Bearer " + TOKEN, "User-Agent": UA,
                     "Accept": "application/vnd.github+json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            rels = json.load(resp)
        return {r["tag_name"]: {"tag": r["tag_name"], "id": str(r["id"]),
                                "timestamp": r["published_at"] or r["created_at"]}
                for r in rels}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --------------------------------------------------------------------------
# A minimal S3 client (SigV4, path style) to prepare and inspect the bucket
# --------------------------------------------------------------------------

class S3:
    def __init__(self, endpoint, access_key, secret_key, region):
        self.endpoint, self.ak, self.sk, self.region = endpoint.rstrip("/"), access_key, \
            secret_key, region

    def request(self, method, path, body=b""):
        """(status, body) of one signed request; path is /bucket[/key]."""
        now = datetime.datetime.now(datetime.timezone.utc)
        amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        uri = quote(path, safe="/-_.~")
        headers = {"host": urlsplit(self.endpoint).netloc, "x-amz-date": amz_date,
                   "x-amz-content-sha256": sha256(body)}
        signed = ";".join(sorted(headers))
        canonical = "\n".join([method, uri, ""] + ["%s:%s" % (k, headers[k])
                                                   for k in sorted(headers)]
                              + ["", signed, headers["x-amz-content-sha256"]])
        scope = "%s/%s/s3/aws4_request" % (day, self.region)
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                             sha256(canonical.encode())])
        key = ("AWS4" + self.sk).encode()
        for part in (day, self.region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = ("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, "
                                    "Signature=%s" % (self.ak, scope, signed, sig))
        del headers["host"]
        req = urllib.request.Request(self.endpoint + uri, data=body or None, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()


def start_s3(repo, work):
    """(S3, stop function): the S3 server scripts/test started, else rgw.sh."""
    env = os.environ
    if env.get("S3_ENDPOINT"):
        return S3(env["S3_ENDPOINT"], env["S3_ACCESS_KEY"], env["S3_SECRET_KEY"],
                  env.get("S3_REGION", "us-east-1")), lambda: None
    rgw, d = os.path.join(repo, "test/s3/rgw.sh"), tempfile.mkdtemp(prefix="rgw-", dir=work)
    out = subprocess.run(["bash", rgw, "start", d], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise RuntimeError("rgw.sh start failed:\n" + out.stderr[-3000:])
    kv = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)

    def stop():
        subprocess.run(["bash", rgw, "stop", d], capture_output=True, timeout=120)
    return S3(kv["S3_ENDPOINT"], kv["S3_ACCESS_KEY"], kv["S3_SECRET_KEY"],
              kv.get("S3_REGION", "us-east-1")), stop


# --------------------------------------------------------------------------
# Step 3: the executables, inside the image
# --------------------------------------------------------------------------

class Runner:
    def __init__(self, ck, buildah, container):
        self.ck, self.buildah, self.container = ck, buildah, container

    def run(self, name, argv, request, volumes=()):
        """(rc, stdout, stderr) of argv run in the container with the
        request as JSON on stdin, each volume (host, container) bind-mounted."""
        cmd = list(self.buildah) + ["run", "--isolation", "chroot"]
        for host, inside in volumes:
            cmd += ["--volume", "%s:%s" % (host, inside)]
        cmd += [self.container, "--"] + list(argv)
        p = subprocess.run(cmd, input=json.dumps(request).encode(), capture_output=True,
                           timeout=300)
        out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
        self.ck("%s: token never printed" % name, TOKEN not in out + err)
        return p.returncode, out, err

    def json_ok(self, name, argv, request, volumes=()):
        """Run; check exit 0 and JSON on stdout; return the JSON (or None)."""
        rc, out, err = self.run(name, argv, request, volumes)
        try:
            doc = json.loads(out)
        except ValueError:
            doc = None
        self.ck("%s: exit 0 and JSON on stdout" % name, rc == 0 and doc is not None,
                "rc=%d\nstdout: %s\nstderr: %s" % (rc, out[-2000:], err[-4000:]))
        return doc


def check_check(ck, r, source, versions):
    got = r.json_ok("check (no version)", ["/opt/resource/check"], {"source": source})
    ck("check (no version) prints the latest final release v1.2.0",
       got == [versions["v1.2.0"]], "got %s" % json.dumps(got))
    got = r.json_ok("check from v1.0.0", ["/opt/resource/check"],
                    {"source": source, "version": versions["v1.0.0"]})
    want = [versions[t] for t in ("v1.0.0", "v1.1.0", "v1.2.0")]
    ck("check from v1.0.0 prints v1.0.0, v1.1.0, v1.2.0 oldest first", got == want,
       "got %s" % json.dumps(got))
    rc, out, err = r.run("check with a bad source", ["/opt/resource/check"],
                         {"source": {"owner": OWNER}})
    ck("check with a bad source fails naming the field",
       rc != 0 and out.strip() == "" and "invalid source" in err and "repository" in err,
       "rc=%d stdout=%r stderr=%r" % (rc, out, err[-1000:]))


def check_in(ck, r, source, versions, build):
    dest = os.path.join(build, "get")
    os.makedirs(dest)
    want = versions["v1.2.0"]
    got = r.json_ok("in v1.2.0", ["/opt/resource/in", "/tmp/build/get"],
                    {"source": source, "version": want, "params": {}},
                    volumes=[(dest, "/tmp/build/get")])
    ck("in prints version v1.2.0", isinstance(got, dict) and got.get("version") == want,
       "got %s" % json.dumps(got))
    meta = {m.get("name"): m.get("value") for m in (got or {}).get("metadata", [])
            if isinstance(m, dict)}
    ck("in metadata names the tag", meta.get("tag") == "v1.2.0", json.dumps(meta))
    assets = dict(dict(RELEASES)["v1.2.0"]["assets"])
    sums = read(os.path.join(dest, "SHA256SUMS")) if os.path.exists(
        os.path.join(dest, "SHA256SUMS")) else ""
    for name, content in assets.items():
        path = os.path.join(dest, name)
        if not name.endswith(".tar.gz"):
            ck("in skips %s (not matched by globs)" % name, not os.path.exists(path))
            continue
        digest = sha256(content.encode())
        ck("in wrote %s with the right sha256" % name,
           os.path.isfile(path) and sha256(read(path, "rb")) == digest)
        ck("SHA256SUMS lists %s" % name, "%s  %s" % (digest, name) in sums.splitlines(),
           sums)
    for meta_file, value in (("tag", "v1.2.0"), ("version", "1.2.0")):
        path = os.path.join(dest, meta_file)
        ck("in wrote %s = %s" % (meta_file, value),
           os.path.isfile(path) and read(path).strip() == value)
    return dest


def check_out(ck, r, build, source, repo, work):
    """out inside the image: mirror the get directory to a fresh bucket, then
    read back the objects (key layout: lib/command/out.h, default key_template)."""
    s3, stop = start_s3(repo, work)
    try:
        bucket = "grm-image-%d-%d" % (os.getpid(), int(time.time()))
        status, body = s3.request("PUT", "/" + bucket)
        if not ck("create bucket %s" % bucket, status == 200, "%d %s" % (status, body[:500])):
            return
        u = urlsplit(s3.endpoint)
        src = dict(source, mirror={
            "bucket": bucket, "endpoint": "%s://%s" % (u.scheme, u.netloc),
            "region": s3.region, "access_key_id": s3.ak, "secret_access_key": s3.sk,
            "path_style": True})
        got = r.json_ok("out from get", ["/opt/resource/out", "/tmp/build/put"],
                        {"source": src, "params": {"from": "get"}},
                        volumes=[(build, "/tmp/build/put")])
        tag = ((got or {}).get("version") or {}).get("tag")
        ck("out prints version v1.2.0", tag == "v1.2.0", "got %s" % json.dumps(got))
        prefix = "/%s/%s/%s/" % (bucket, OWNER, REPO)
        for name, content in dict(RELEASES)["v1.2.0"]["assets"]:
            if not name.endswith(".tar.gz"):
                continue
            status, body = s3.request("GET", prefix + "v1.2.0/" + name)
            ck("out uploaded %s with the right sha256" % name,
               status == 200 and sha256(body) == sha256(content.encode()), "status %d" % status)
        for key in ("v1.2.0/release.json", "v1.2.0/SHA256SUMS", "latest.json"):
            status, body = s3.request("GET", prefix + key)
            ck("out wrote %s" % key, status == 200 and (key != "latest.json" or
                                                       b"v1.2.0" in body),
               "status %d %s" % (status, body[:300]))
    finally:
        stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", required=True)
    ap.add_argument("--container", required=True)
    ap.add_argument("--rootfs", required=True)
    ap.add_argument("--image-json", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("buildah", nargs="+")
    args = ap.parse_args()
    ck = Checks()

    print("# step 4: image contents", flush=True)
    check_contents(ck, args)

    print("# step 3: the executables inside the image (buildah run --isolation chroot)",
          flush=True)
    fake = Fake(args.repo, args.work)
    try:
        versions = fake.versions()
        source = {"owner": OWNER, "repository": REPO, "access_token": TOKEN,
                  "github_api_url": fake.api_url, "globs": GLOBS}
        r = Runner(ck, args.buildah, args.container)
        build = tempfile.mkdtemp(prefix="build-", dir=args.work)
        check_check(ck, r, source, versions)
        check_in(ck, r, source, versions, build)
        check_out(ck, r, build, source, args.repo, args.work)
    finally:
        fake.stop()

    print("image: %d passed, %d failed" % (ck.passed, ck.failed), flush=True)
    return 0 if ck.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
