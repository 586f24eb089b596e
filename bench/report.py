#!/usr/bin/python3
"""report.py - RESULTS.md from the benchmark scripts' output.

  report.py --meta-start META          record machine, tools, load, start time
  report.py --meta-end META --seconds N   record the end load and duration
  report.py --write OUT RUN_DIR...    write OUT (bench/RESULTS.md) from run
                                       directories (meta.json, results.jsonl);
                                       with several runs, per-figure medians

results.jsonl holds what benchlib.report()/note() and profile.py appended:
result lines, free notes and profile counts. The explanation of a missed
target comes from WHY (below, keyed by result-name regex) and is printed only
while that target is missed; ANALYSIS.md (beside this file) is included
verbatim. Standard library only."""

import datetime
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import benchlib as B  # noqa: E402

# Why a target is missed and what would close it (shown only for MISS lines).
WHY = [
    (r"^check\.warm\.wall$",
     "Most of it is starting a process on this VM: `check.warm.wall_vs_process_start` "
     "sets the warm check beside the same binary exiting at validation, measured "
     "interleaved, and the process-start section shows that an empty `main` linked "
     "with the same shared libraries costs as much as that: loading libcurl and the "
     "30 libraries it pulls in is the process start. The check's own work is small: 22 M instructions in "
     "`profile.json.check_warm_1050` (67 M before the cache became a line-based file "
     "parsed straight into releases and the default tag_filter stopped going through "
     "regexec), about half of them the dynamic linker's and most of the rest "
     "OpenSSL's initialisation. What would close it: fewer shared libraries at start (a libcurl built "
     "with only HTTP(S), which Debian does not ship; static linking, for which "
     "Debian lacks static Kerberos and LDAP libraries) or a faster process start "
     "than this VM's."),
    (r"^in\.4x64MiB\.time_vs_bare_curl$",
     "Four curl processes receive on both cores; `in` receives all four downloads "
     "in one thread (one curl multi handle), with a hashing thread per download "
     "reading each file back behind the writer. On 2 cores shared with the asset "
     "server, the one receiving thread is what is left: spreading the transfers "
     "over threads (one multi handle per thread) would close it."),
    (r"^in\.1x1GiB\.time_vs_bare_curl$",
     "`in` receives and writes like curl and hashes every byte in a second thread "
     "(see `in.hash_1GiB_openssl_vs_sha256sum` for what the hash costs here). That "
     "needs a free core: when the machine is busy (the load column), the hashing "
     "thread competes with the transfer and the asset server."),
    (r"^in\..*\.time_vs_curl\+sha256sum$",
     "As for the bare-curl line: hashing overlaps the transfer only where a core "
     "is free."),
    (r"^out\..*\.second_out_time_vs_first$",
     "A second `out` sends no asset bytes and reads no asset file: it costs a "
     "process start, one HEAD per file, the PUTs of release.json and SHA256SUMS "
     "and the GET and PUT of latest.json. On a busy machine RGW's answers and the "
     "process start stretch past 0.1 s."),
    (r"^out\..*\.time_vs_aws$",
     "`out` hashes the files it will upload before the first upload (so that an "
     "altered file uploads nothing), then uploads them one after the other with 4 "
     "parts in flight; aws starts at once with up to 10 requests in flight. What "
     "would close it: overlap files."),
]


def sh(*argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def meta_start(path):
    m = B.machine()
    m.update({
        "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": open("/proc/loadavg").read().split()[:3],
        "commit": sh("git", "-C", os.path.dirname(HERE), "rev-parse", "--short", "HEAD"),
        "tools": {
            "curl": " ".join(sh("curl", "--version").split()[:2]),
            "sha256sum": sh("sha256sum", "--version"),
            "aws": sh("/usr/bin/aws", "--version").split(" Linux/")[0],
            "radosgw": " ".join(sh("radosgw", "--version").split()[:3]),
            "openssl": " ".join(sh("openssl", "version").split()[:2]),
            "python": sh("/usr/bin/python3", "--version"),
        },
    })
    with open(path, "w") as f:
        json.dump(m, f, indent=1)


def meta_end(path, seconds):
    with open(path) as f:
        m = json.load(f)
    m["load_end"] = open("/proc/loadavg").read().split()[:3]
    m["seconds"] = seconds
    with open(path, "w") as f:
        json.dump(m, f, indent=1)


def fmt(v, unit):
    return B.fmt(v, unit, spaced=True)


SECTIONS = [("check", "Check cost: 1,050 releases (reference: all pages every time)"),
            ("start", "Process start: `check` exiting at validation, and an empty `main` "
                      "linked with the same libraries, vs `/bin/true`"),
            ("in", "`in` vs `curl -sSfL -o` (+ `sha256sum`)"),
            ("out", "`out` vs `/usr/bin/aws s3 cp` (Ceph RGW, no proxy)")]


def passes(target, ours, ref):
    """Evaluate a target text as benchlib.report() writes them."""
    m = re.fullmatch(r"(ratio|ours)(<=|==)([\d.]+)(ms|s|MiB)?", target)
    if not m:
        raise ValueError("cannot evaluate target %r" % target)
    value = ours / ref if m.group(1) == "ratio" else ours
    limit = float(m.group(3))
    return value <= limit if m.group(2) == "<=" else value == limit


def merge(runs):
    """One row per name: the median of ours and ref over the runs (each run
    already a median of its repeats), the verdict evaluated again."""
    names, by = [], {}
    for rows in runs:
        for r in rows:
            if r["name"] not in by:
                names.append(r["name"])
                by[r["name"]] = []
            by[r["name"]].append(r)
    out = []
    for name in names:
        rs = by[name]
        r = dict(rs[0])
        r["ours"] = statistics.median(x["ours"] for x in rs)
        r["ref"] = statistics.median(x["ref"] for x in rs)
        r["load"] = statistics.median(x["load"] for x in rs)
        r["runs"] = [x["ours"] for x in rs]
        r["ratio"] = "%.2f" % (r["ours"] / r["ref"]) if r["ref"] else (
            "0.00" if r["ours"] == 0 else "inf")
        if r["target"]:
            r["verdict"] = "PASS" if passes(r["target"], r["ours"], r["ref"]) else "MISS"
        out.append(r)
    return out


def write(out, run_dirs):
    metas = []
    for d in run_dirs:
        with open(os.path.join(d, "meta.json")) as f:
            metas.append(json.load(f))
    m = metas[0]
    runs, notes, prof = [], [], []
    for i, d in enumerate(run_dirs):
        rows = []
        with open(os.path.join(d, "results.jsonl")) as f:
            for line in f:
                e = json.loads(line)
                if "note_line" in e:
                    n = e["note_line"]
                    if len(run_dirs) > 1:  # "key: text" -> "key (run i): text"
                        k, sep, rest = n.partition(":")
                        n = "%s (run %d)%s%s" % (k, i + 1, sep, rest)
                    notes.append(n)
                elif "profile" in e:
                    prof.append(e)
                else:
                    rows.append(e)
        runs.append(rows)
    rows = merge(runs)
    if len(runs) > 1:  # profile counts are exact: keep the last run's
        last = {p["profile"]: p for p in prof}
        prof = list(last.values())
    L = []
    L.append("# Benchmark results\n")
    L.append("Generated by `bench/run.sh` (each script's header says what it measures and how) on "
             "%s, commit `%s`, %s. Regenerate, do not edit.\n"
             % (m["started"], m.get("commit", "?"),
                " and ".join("%s s" % x.get("seconds", "?") for x in metas)))
    if len(runs) > 1:
        L.append("Merged from %d full runs: each figure is the median over the runs of each "
                 "run's median; the load column is the median load. Notes list every run.\n"
                 % len(runs))
    L.append("## Machine\n")
    L.append("- CPU: %s, %d cores" % (m["cpu"], m["cores"]))
    L.append("- Kernel: Linux %s; %s; %d MiB RAM" % (m["kernel"], m["os"], m["mem_mib"]))
    for i, x in enumerate(metas):
        L.append("- Load average (1, 5, 15 min)%s: %s at the start, %s at the end." % (
            " of run %d" % (i + 1) if len(metas) > 1 else "", ", ".join(x["load_start"]),
            ", ".join(x.get("load_end", ["?"]))))
    L.append("- The machine is shared with other sessions: figures are medians of "
             "repeated, interleaved runs; the load column gives the 1-minute load "
             "average when each figure was taken.")
    L.append("- Tools: " + "; ".join("%s" % v for v in m["tools"].values()) + "\n")
    counts = {"PASS": 0, "MISS": 0, "INFO": 0}
    for r in rows:
        counts[r["verdict"]] += 1
    L.append("**%d targets met, %d missed** (%d further figures without a target, INFO).\n"
             % (counts["PASS"], counts["MISS"], counts["INFO"]))
    for key, title in SECTIONS:
        sect = [r for r in rows if r["name"].split(".")[0] == key]
        if not sect:
            continue
        L.append("## %s\n" % title)
        L.append("| comparison | ours | reference | ratio | target | verdict | load |")
        L.append("|---|---:|---:|---:|---|---|---:|")
        for r in sect:
            L.append("| `%s` | %s | %s | %s | %s | %s | %.1f |" % (
                r["name"], fmt(r["ours"], r["unit"]), fmt(r["ref"], r["unit"]), r["ratio"],
                r["target"] or "none", "**MISS**" if r["verdict"] == "MISS" else r["verdict"],
                r["load"]))
        sn = [n for n in notes if re.match(r"[a-z]+", n).group(0) == key]
        if sn:
            L.append("")
            L.extend("- %s" % n for n in sn)
        L.append("")
    misses = [r for r in rows if r["verdict"] == "MISS"]
    if misses:
        L.append("## Missed targets: why, and what would close them\n")
        for r in misses:
            why = next((t for pat, t in WHY if re.search(pat, r["name"])),
                       "No explanation recorded yet.")
            L.append("- `%s` (ours %s, target %s): %s\n" % (
                r["name"], fmt(r["ours"], r["unit"]), r["target"], why))
    if prof:
        L.append("## Profile: callgrind instruction counts (inclusive)\n")
        L.append("Inclusive counts: the function and everything it calls. Valgrind's CPU "
                 "has no SHA extensions, so SHA-256 runs OpenSSL's AVX2 code here (about 28 "
                 "instructions a byte), not the SHA-NI code it runs natively. System calls "
                 "are callgrind's sysCount (valgrind turns the vDSO's clock_gettime into a "
                 "real system call).\n")
        L.append("| scenario.function | Ir | Ir per byte | system calls |")
        L.append("|---|---:|---:|---:|")
        for p in prof:
            L.append("| `%s` | {:,} | %s | {:,} |".format(p["ir"], p.get("syscalls", 0)) % (
                p["profile"], "%.2f" % p["per_byte"] if p["per_byte"] else ""))
        L.append("")
    analysis = os.path.join(HERE, "ANALYSIS.md")
    if os.path.exists(analysis):
        with open(analysis) as f:
            L.append(f.read().rstrip() + "\n")
    with open(out, "w") as f:
        f.write("\n".join(L))


def main(argv):
    if argv[:1] == ["--meta-start"]:
        meta_start(argv[1])
    elif argv[:1] == ["--meta-end"]:
        meta_end(argv[1], int(argv[3]) if argv[2:3] == ["--seconds"] else None)
    elif argv[:1] == ["--write"]:
        write(argv[1], argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
