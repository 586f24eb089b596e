#!/usr/bin/env python3
"""fake_github.py - a fake GitHub REST API (releases, assets, git tags, source
archives) for the black-box tests of the check and in executables.

Two HTTP/1.1 keep-alive listeners on 127.0.0.1, each on an ephemeral port:

  api    (api_url)    the REST API, as https://docs.github.com/rest/releases
                      describes it: pagination with Link headers and the
                      1000-result cap, strong ETags and 304s, primary rate
                      limit headers, drafts only for the right token, 302s to
  asset  (asset_url)  a different origin standing in for GitHub's object store:
                      signed, Range-capable downloads that refuse an
                      Authorization header (400, like S3), and source archives.

Faults (status codes, rate limiting, resets mid-body, corrupted bytes, stalls,
bad JSON, refused connections) can be queued per route. Asset contents are
generated on the fly from the asset id (SHAKE-256 blocks), so multi-GB assets
cost no memory.

Library use:  gh = FakeGitHub(token="t"); gh.start(); gh.add_release(...)
              (bench/static_server.py also uses ThreadedServer,
              serve_in_thread and parse_range)
Standalone:   fake_github.py --config C.json [--port N] [--asset-port M]
                             [--ready-file F] [--log FILE]
Modules:      this file is the facade (FakeGitHub, the standalone mode);
              gh_model (releases, assets, attestations, FakeApp),
              gh_faults (fault rules, on faults.py shared with
              test/s3/fault_proxy.py), gh_server (listeners, TLS, handler,
              transmission), gh_routes (the REST routes, the asset host).
Standard library only (Python >= 3.9), except FakeApp (GitHub App
endpoints, JWT checks), which needs python3-cryptography.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time

from gh_faults import FAULT_ACTIONS, Fault, FaultsMixin  # noqa: F401 (exported)
from gh_model import (API_VERSIONS, _JWT_BAD, _JWT_EXP, _JWT_IAT, _JWT_TOO_LONG,  # noqa: F401 (exported)
                      Asset, FakeApp, ModelMixin, Release)
from gh_routes import RoutesMixin
from gh_server import (DOCS, Headers, ServerMixin,  # noqa: F401 (exported)
                       ThreadedServer, _gh_error, _json_resp, _Resp, parse_range,
                       serve_in_thread)


__all__ = ["FakeGitHub", "FakeApp", "Release", "Asset", "Fault", "Headers", "ThreadedServer",
           "serve_in_thread", "parse_range", "main"]


class FakeGitHub(ServerMixin, FaultsMixin, RoutesMixin, ModelMixin):
    """A fake GitHub. Constructor options:

    token               None: every request is authorized (drafts visible);
                        else only "Authorization: Bearer|token <token>" is,
                        no header means anonymous (no drafts), any other
                        credentials get 401 Bad credentials.
    host, port, asset_port  listen addresses (0: ephemeral).
    link_style          "repositories" (GitHub's own: Link URLs use
                        /repositories/{repo_id}/...) or "repos" (the
                        request's /repos/{owner}/{repo}/... path). Both
                        route forms are always served.
    require_user_agent  API requests without User-Agent get GitHub's 403.
    api_versions        accepted X-GitHub-Api-Version values (absent is ok);
                        others get 400.
    on_request          callable(entry) after each request is answered.
    tls                 {"api": ssl.SSLContext, "asset": ...}: serve that
                        listener over HTTPS with the context (server side).
    """

    def __init__(self, token=None, host="127.0.0.1", port=0, asset_port=0,
                 link_style="repositories", require_user_agent=True,
                 api_versions=API_VERSIONS, on_request=None, tls=None):
        if link_style not in ("repositories", "repos"):
            raise ValueError("link_style must be 'repositories' or 'repos'")
        self.token = token
        self.host = host
        self.link_style = link_style
        self.require_user_agent = require_user_agent
        self.api_versions = set(api_versions)
        self.on_request = on_request
        self.tls = dict(tls or {})
        self.rate_limit = {"limit": 5000, "remaining": 5000, "reset": int(time.time()) + 3600}
        self.api_url = self.asset_url = None
        self._ports = {"api": port, "asset": asset_port}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._servers = {}
        self._conns = set()
        self._repos = {}                # (owner.lower(), repo.lower()) -> _Repo
        self._releases = {}             # id -> Release
        self._assets = {}               # id -> Asset
        self._archives = {}             # (owner, repo, tag, kind) -> bytes
        self._attestations = {}         # (owner, repo, "sha1:<commit>") -> [entry]
        self._bundle_bodies = {}        # id -> bytes served by the asset host
        self._faults = []
        self._log = []
        self._ids = {"repo": 500000000, "release": 100000000, "asset": 200000000}
        self._clock = 0
        self.app = None                 # a FakeApp serves the App endpoints


# --------------------------------------------------------------------------
# Standalone mode
# --------------------------------------------------------------------------

_RELEASE_KEYS = {"owner", "repo", "tag", "name", "body", "draft", "prerelease", "published_at",
                 "created_at", "commit_sha", "annotated", "assets"}
_ASSET_KEYS = {"name", "size", "content", "content_type", "state", "digest", "label"}


def load_config(gh, cfg):
    """Populate `gh` from a config object: {"token", "rate_limit": {...},
    "repos": [{"owner","repo"}], "releases": [{"owner","repo","tag",...,
    "assets": [{"name","size","content" (text),"content_type","state",
    "digest","label"}]}], "faults": [{add_fault kwargs}]}. Top-level "owner"
    and "repo" are defaults for releases."""
    for r in cfg.get("repos", []):
        gh.add_repo(r["owner"], r["repo"])
    for spec in cfg.get("releases", []):
        bad = set(spec) - _RELEASE_KEYS
        if bad:
            raise ValueError("unknown release keys: %s" % ", ".join(sorted(bad)))
        spec = dict(spec)
        assets = spec.pop("assets", [])
        spec.setdefault("owner", cfg.get("owner"))
        spec.setdefault("repo", cfg.get("repo"))
        rel = gh.add_release(**spec)
        for a in assets:
            bad = set(a) - _ASSET_KEYS
            if bad:
                raise ValueError("unknown asset keys: %s" % ", ".join(sorted(bad)))
            a = dict(a)
            if isinstance(a.get("content"), str):
                a["content"] = a["content"].encode()
            gh.add_asset(rel, **a)
    for f in cfg.get("faults", []):
        gh.add_fault(**f)
    gh.rate_limit.update(cfg.get("rate_limit", {}))


def _log_line(entry):
    e = dict(entry)
    headers = dict(e["headers"])
    if "authorization" in headers:
        headers["authorization"] = headers["authorization"].split(" ")[0] + " <redacted>"
    e["headers"] = headers
    return json.dumps(e, sort_keys=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run a fake GitHub API until SIGTERM.")
    ap.add_argument("--config", required=True, help="JSON config (see load_config)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="API port (0: ephemeral)")
    ap.add_argument("--asset-port", type=int, default=0, help="asset host port (0: ephemeral)")
    ap.add_argument("--ready-file", help="write {api_url, asset_url} JSON here once listening")
    ap.add_argument("--log", help="append JSON request lines here instead of stderr")
    args = ap.parse_args(argv)

    with open(args.config, encoding="utf-8") as fp:
        cfg = json.load(fp)
    out = open(args.log, "a", buffering=1, encoding="utf-8") if args.log else sys.stderr
    out_lock = threading.Lock()

    def on_request(entry):
        line = _log_line(entry)
        with out_lock:
            out.write(line + "\n")
            out.flush()

    gh = FakeGitHub(token=cfg.get("token"), host=args.host, port=args.port,
                    asset_port=args.asset_port,
                    link_style=cfg.get("link_style", "repositories"),
                    require_user_agent=cfg.get("require_user_agent", True),
                    on_request=on_request)
    load_config(gh, cfg)
    gh.start()
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fp:
            json.dump({"api_url": gh.api_url, "asset_url": gh.asset_url}, fp)
        os.replace(tmp, args.ready_file)
    while not done.wait(0.2):
        pass
    gh.stop()
    if out is not sys.stderr:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

