"""demo.py - drive check -> in -> out like Concourse, against a local S3
and a local (or the real) GitHub; see scripts/demo."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "fakes"))
sys.path.insert(0, os.path.join(ROOT, "test", "s3"))
import s3env  # noqa: E402
from fake_github import FakeGitHub  # noqa: E402

BIN = os.path.join(ROOT, "build")


def step(name, request, *args):
    """Run one resource command as Concourse would; return its JSON output."""
    shown = json.loads(json.dumps(request))
    for section in ("source", "source.mirror"):
        obj = shown
        for part in section.split("."):
            obj = obj.get(part, {}) if isinstance(obj, dict) else {}
        for secret in ("access_token", "secret_access_key"):
            if secret in obj:
                obj[secret] = "((secret))"
    print("\n$ echo '%s' | %s %s" % (json.dumps(shown), name, " ".join(args)), flush=True)
    p = subprocess.run([os.path.join(BIN, name), *args], input=json.dumps(request).encode(),
                       stdout=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("demo: %s failed (exit %d)" % (name, p.returncode))
    out = json.loads(p.stdout)
    print(json.dumps(out, indent=2))
    return out


def sample_github():
    gh = FakeGitHub(token=None).start()
    for i, tag in enumerate(["v1.0.0", "v1.1.0", "v1.2.0"]):
        rel = gh.add_release("demo", "tool", tag, body="Release notes of %s" % tag)
        gh.add_asset(rel, "tool_%s_linux_amd64.tar.gz" % tag[1:], size=(i + 1) * 3 * 1024 * 1024,
                     content_type="application/gzip")
        gh.add_asset(rel, "tool_%s_darwin_arm64.tar.gz" % tag[1:], size=1024 * 1024,
                     content_type="application/gzip")
        gh.add_asset(rel, "checksums.txt", size=200, content_type="text/plain")
    return gh


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repo", help="OWNER/NAME on github.com (default: local sample releases)")
    ap.add_argument("--globs", default="*linux*amd64*,*checksums*",
                    help="comma-separated asset globs (default: %(default)s)")
    args = ap.parse_args()

    s3 = s3env.ensure()
    bucket = s3env.make_bucket("demo")
    source = {"globs": args.globs.split(","),
              "mirror": {"bucket": bucket, "endpoint": s3["endpoint"],
                         "region": s3["region"], "access_key_id": s3["access_key"],
                         "secret_access_key": s3["secret_key"], "prefix": "github/"}}
    gh = None
    if args.repo:
        owner, _, name = args.repo.partition("/")
        source.update(owner=owner, repository=name)
        if os.environ.get("GITHUB_TOKEN"):
            source["access_token"] = os.environ["GITHUB_TOKEN"]
    else:
        gh = sample_github()
        source.update(owner="demo", repository="tool", github_api_url=gh.api_url)

    work = tempfile.mkdtemp(prefix="grm-demo-")
    os.environ["TMPDIR"] = work
    versions = step("check", {"source": source})
    if not versions:
        sys.exit("demo: no release passes the filters")
    version = versions[-1]
    build_dir = os.path.join(work, "build")
    os.makedirs(os.path.join(build_dir, "release"))
    step("in", {"source": source, "version": version},
         os.path.join(build_dir, "release"))
    step("out", {"source": source, "params": {"from": "release"}}, build_dir)

    print("\nMirrored to s3://%s (read back with AWS's own CLI):" % bucket)
    for obj in s3env.list_objects(bucket):
        key = obj["Key"]
        print("  %-70s %12d  sha256 %s" % (key, obj["Size"], s3env.object_sha256(bucket, key)))
    if gh:
        gh.stop()


if __name__ == "__main__":
    main()
