"""benchlib.py - what the benchmark scripts share: where the executables are,
running a command with its wall time and peak RSS (/usr/bin/time), medians,
the result line every comparison prints, deterministic asset files, and the
"asset world" (the fake GitHub whose download redirect points at a fast
sendfile server) used by bench_in.py and bench_out.py.

Result lines:  NAME ours=... ref=... ratio=... target=... PASS|MISS
(INFO instead of PASS|MISS when the issue sets no target for that figure).
With BENCH_JSON=FILE each line is also appended to FILE as JSON, which
report.py turns into RESULTS.md. Standard library only."""

import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "test", "fakes"))
sys.path.insert(0, os.path.join(ROOT, "test", "s3"))
sys.path.insert(0, HERE)
from fake_github import FakeGitHub  # noqa: E402
from static_server import StaticServer  # noqa: E402

OWNER, REPO = "bench", "widget"
MIB = 1024 * 1024
GIB = 1024 * MIB
TIME = "/usr/bin/time"


def bin_dir():
    return os.environ.get("GRM_BIN_DIR") or os.path.join(ROOT, "build-bench")


def binary(name):
    path = os.path.join(bin_dir(), name)
    if not os.access(path, os.X_OK):
        sys.exit("no executable %s (set GRM_BIN_DIR or run bench/run.sh)" % path)
    return path


def repeats(default):
    return max(1, int(os.environ.get("BENCH_REPEAT", default)))


def work_dir(name):
    """A scratch directory under BENCH_DIR (default /tmp/grm-bench)."""
    path = os.path.join(os.environ.get("BENCH_DIR", "/tmp/grm-bench"), name)
    os.makedirs(path, exist_ok=True)
    return path


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def clean_env(tmpdir=None, extra=None):
    """The environment the executables run in (as bbutil.run gives them)."""
    e = {"PATH": "/usr/bin:/bin", "LANG": "C"}
    if tmpdir:
        e["TMPDIR"] = e["HOME"] = tmpdir
    e.update(extra or {})
    return e


class Run:
    def __init__(self, wall, rss_kb, rc, stdout, stderr):
        self.wall, self.rss_kb, self.rc = wall, rss_kb, rc
        self.stdout, self.stderr = stdout, stderr

    @property
    def rss_mib(self):
        return self.rss_kb / 1024.0


def timed(argv, stdin=None, env=None, cwd=None, check=True):
    """Run argv under /usr/bin/time (peak RSS, "%M" KiB); wall time measured
    here around the whole run. stdin is bytes or None."""
    fd, rss_file = tempfile.mkstemp(prefix="grm-bench-rss-")
    os.close(fd)
    try:
        t0 = time.perf_counter()
        p = subprocess.run([TIME, "-f", "%M", "-o", rss_file] + list(argv), input=stdin,
                           capture_output=True, env=env, cwd=cwd)
        wall = time.perf_counter() - t0
        with open(rss_file) as f:
            lines = [ln for ln in f.read().split() if ln.isdigit()]
    finally:
        os.unlink(rss_file)
    r = Run(wall, int(lines[-1]) if lines else 0, p.returncode, p.stdout, p.stderr)
    if check and r.rc != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(argv), r.rc,
                                                  r.stderr.decode("utf-8", "replace")[-2000:]))
    return r


def timed_parallel(argvs, env=None):
    """Start every argv at once, each under /usr/bin/time; wait for all.
    Returns (wall of the whole batch, summed peak RSS in KiB: the processes
    run at the same time, so their peaks add up)."""
    files, procs = [], []
    t0 = time.perf_counter()
    for argv in argvs:
        fd, rss_file = tempfile.mkstemp(prefix="grm-bench-rss-")
        os.close(fd)
        files.append(rss_file)
        procs.append(subprocess.Popen([TIME, "-f", "%M", "-o", rss_file] + list(argv),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env))
    errs = [p.communicate()[1] for p in procs]
    wall = time.perf_counter() - t0
    total = 0
    for p, rss_file, err in zip(procs, files, errs):
        with open(rss_file) as f:
            nums = [ln for ln in f.read().split() if ln.isdigit()]
        os.unlink(rss_file)
        if p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (" ".join(p.args), p.returncode,
                                                       err.decode("utf-8", "replace")[-2000:]))
        total += int(nums[-1]) if nums else 0
    return wall, total


# ---- result lines ----

def fmt(value, unit, spaced=False):
    """value in unit as a result line gives it ("1.234s", "12345B"); spaced,
    as RESULTS.md does: a space before the unit, bytes with thousands
    separators ("1.234 s", "12,345 B")."""
    sp = " " if spaced else ""
    if unit == "s":
        return "%.3f%ss" % (value, sp)
    if unit == "ms":
        return "%.2f%sms" % (value, sp)
    if unit == "MiB":
        return "%.1f%sMiB" % (value, sp)
    if unit == "B":
        return ("{:,}" if spaced else "{}").format(int(value)) + sp + "B"
    if isinstance(value, float) and not value.is_integer():
        return "%.2f" % value
    return "%d" % value


def report(name, ours, ref, unit="", target=None, passed=None, note=""):
    """Print one comparison line. target: a text such as "ratio<=0.75" (None:
    the issue sets none, verdict INFO); passed: its verdict."""
    if ref:
        ratio = "%.2f" % (ours / ref)
    else:
        ratio = "0.00" if ours == 0 else "inf"
    verdict = "INFO" if target is None else ("PASS" if passed else "MISS")
    line = "%s ours=%s ref=%s ratio=%s target=%s %s" % (
        name, fmt(ours, unit), fmt(ref, unit), ratio, target or "none", verdict)
    print(line, flush=True)
    out = os.environ.get("BENCH_JSON")
    if out:
        with open(out, "a") as f:
            f.write(json.dumps({"name": name, "ours": ours, "ref": ref, "unit": unit,
                                "ratio": ratio, "target": target, "verdict": verdict,
                                "note": note, "load": loadavg()}) + "\n")
    return verdict


def note(text):
    """A free-form line for RESULTS.md (printed with a leading '#')."""
    print("# " + text, flush=True)
    out = os.environ.get("BENCH_JSON")
    if out:
        with open(out, "a") as f:
            f.write(json.dumps({"note_line": text}) + "\n")


# ---- asset files ----

def make_file(path, size, seed):
    """Deterministic bytes: AES-128-CTR keystream (key = SHA-256 of seed) over
    zeros, written with openssl; kept across runs when size matches.
    Returns the hex SHA-256 (cached beside the file)."""
    sums = path + ".sha256"
    if os.path.exists(path) and os.path.getsize(path) == size and os.path.exists(sums):
        with open(sums) as f:
            return f.read().strip()
    key = hashlib.sha256(seed.encode()).hexdigest()[:32]
    tmp = path + ".tmp"
    with open(tmp, "wb") as out:
        gen = subprocess.Popen(["openssl", "enc", "-aes-128-ctr", "-nosalt", "-K", key,
                                "-iv", "0" * 32], stdin=subprocess.PIPE, stdout=out)
        zeros = bytes(MIB)
        h = hashlib.sha256()
        for _ in range(size // MIB):
            gen.stdin.write(zeros)
        gen.stdin.write(bytes(size % MIB))
        gen.stdin.close()
        if gen.wait() != 0:
            raise RuntimeError("openssl enc failed")
    with open(tmp, "rb") as f:
        for block in iter(lambda: f.read(4 * MIB), b""):
            h.update(block)
    os.replace(tmp, path)
    with open(sums, "w") as f:
        f.write(h.hexdigest() + "\n")
    return h.hexdigest()


def warm_cache(paths):
    """Read files once so that every contestant finds them in the page cache."""
    block = bytearray(4 * MIB)
    for p in paths:
        with open(p, "rb") as f:
            while f.readinto(block):
                pass


# ---- the asset world: fake GitHub API + sendfile asset host ----

class _RedirectingFake(FakeGitHub):
    """The fake GitHub whose asset download redirect (the 302 of GET
    .../releases/assets/ID with Accept: application/octet-stream) points at
    the static server, where the file of the same name is served."""

    static_url = None

    def signed_url(self, asset):
        return "%s/%s?sig=%s" % (self.static_url, quote(asset.name, safe=""), asset.sig)


SETS = {
    # name: (tag, [(asset name, size)])
    "1x1GiB": ("v1.0.0", [("big-1GiB.bin", GIB)]),
    "4x64MiB": ("v2.0.0", [("part-%d-64MiB.bin" % i, 64 * MIB) for i in range(1, 5)]),
}


class AssetWorld:
    """Releases v1.0.0 (one 1 GiB asset) and v2.0.0 (four 64 MiB assets) on a
    fake GitHub; downloads redirected to a sendfile server holding the files.
    GitHub's digest is the files' SHA-256, so `in` verifies them."""

    def __init__(self, sets=("1x1GiB", "4x64MiB")):
        self.data = work_dir("files")
        self.gh = self.static = None
        self.releases = {}   # set name -> Release
        self.files = {}      # set name -> [(name, path, size, sha256)]
        for s in sets:
            tag, assets = SETS[s]
            self.files[s] = []
            for name, size in assets:
                path = os.path.join(self.data, name)
                self.files[s].append((name, path, size, make_file(path, size, name)))

    def start(self):
        self.static = StaticServer(self.data).start()
        self.gh = _RedirectingFake(token=None)
        self.gh.static_url = self.static.url
        self.gh.start()
        for s, files in self.files.items():
            rel = self.gh.add_release(OWNER, REPO, SETS[s][0])
            for name, _path, size, sha in files:
                self.gh.add_asset(rel, name, size=size, digest="sha256:" + sha)
            self.releases[s] = rel
        warm_cache([f[1] for fs in self.files.values() for f in fs])
        return self

    def stop(self):
        if self.gh:
            self.gh.stop()
        if self.static:
            self.static.stop()

    def source(self):
        return {"owner": OWNER, "repository": REPO, "github_api_url": self.gh.api_url}

    def version(self, s):
        rel = self.releases[s]
        return {"tag": rel.tag, "id": str(rel.id), "timestamp": rel.published_at}

    def asset_urls(self, s):
        """The API URLs of the set's assets (what `in` GETs, redirected)."""
        rel = self.releases[s]
        return ["%s/repos/%s/%s/releases/assets/%d" % (self.gh.api_url, OWNER, REPO, a.id)
                for a in rel.assets]

    def run_in(self, s, dest, extra_env=None):
        """`in` of the set into dest (emptied first); returns the Run."""
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.makedirs(dest)
        req = json.dumps({"source": self.source(), "version": self.version(s),
                          "params": {}}).encode()
        return timed([binary("in"), dest], stdin=req,
                     env=clean_env(work_dir("tmp"), extra_env))


def machine():
    """CPU model, cores, kernel, memory, for RESULTS.md."""
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release(),
            "mem_mib": mem, "os": _os_name()}


def _os_name():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()
