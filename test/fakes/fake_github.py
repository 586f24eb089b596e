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
Standard library only (Python >= 3.9), except FakeApp (GitHub App
endpoints, JWT checks), which needs python3-cryptography.
"""

import argparse
import gzip
import hashlib
import io
import json
import math
import os
import re
import signal
import socket
import struct
import sys
import tarfile
import threading
import time
import traceback
import zipfile
from base64 import b64encode
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote, urlencode

__all__ = ["FakeGitHub", "FakeApp", "Release", "Asset", "Fault", "Headers", "ThreadedServer",
           "serve_in_thread", "parse_range", "main"]

API_VERSIONS = ("2022-11-28",)
DOCS = "https://docs.github.com/rest"
FAULT_ACTIONS = ("status", "rate_limited", "reset_mid_body", "corrupt_byte", "stall",
                 "invalid_json", "wrong_shape", "refuse", "close")

_BLOCK = 64 * 1024                      # generation and streaming chunk size
_CLOCK_BASE = datetime(2024, 1, 1, tzinfo=timezone.utc)
_UNSET = object()                       # "argument not given" sentinel
_AUTHOR = {"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=",
           "avatar_url": "https://github.com/images/error/octocat_happy.gif",
           "url": "https://api.github.com/users/octocat",
           "html_url": "https://github.com/octocat", "type": "User", "site_admin": False}


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def _iso(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _sha1(text):
    return hashlib.sha1(text.encode()).hexdigest()


def _node_id(prefix, num):
    return prefix + b64encode(num.to_bytes(8, "big")).decode().rstrip("=")


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _generated(seed, start, end):
    """Yield the bytes [start, end) of the deterministic stream for `seed`."""
    k, off = divmod(start, _BLOCK)
    pos = start
    while pos < end:
        block = hashlib.shake_256(seed + k.to_bytes(8, "big")).digest(_BLOCK)
        piece = block[off:off + (end - pos)]
        yield piece
        pos += len(piece)
        k += 1
        off = 0


class Headers(dict):
    """Request headers: names stored lowercased, lookups case-insensitive.
    Repeated headers are joined with ", ". A plain dict for json.dumps."""

    def __init__(self, items=()):
        super().__init__()
        for name, value in items:
            name = name.lower()
            old = super().get(name)
            super().__setitem__(name, value if old is None else old + ", " + value)

    def __getitem__(self, name):
        return super().__getitem__(name.lower())

    def __contains__(self, name):
        return isinstance(name, str) and super().__contains__(name.lower())

    def get(self, name, default=None):
        return super().get(name.lower(), default)


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------

class _Repo:
    def __init__(self, owner, name, repo_id):
        self.owner, self.name, self.id = owner, name, repo_id
        self.releases = []          # Release, in insertion order
        self.tags = {}              # tag -> (commit_sha, tag_sha or None)


class Release:
    """A release. Attributes: id, owner, repo, tag, name, body, draft,
    prerelease, created_at, published_at, commit_sha, annotated, tag_sha
    (None for lightweight tags), target_commitish, assets (list of Asset).
    rel["tag"] works too. Change fields through FakeGitHub.update_release."""

    def __init__(self, repo, rel_id, **fields):
        self._repo = repo
        self.id = rel_id
        self.owner, self.repo = repo.owner, repo.name
        self.target_commitish = "main"
        self.assets = []
        self.__dict__.update(fields)

    def __getitem__(self, key):
        return getattr(self, key)

    def get(self, key, default=None):
        return getattr(self, key, default)

    def __repr__(self):
        return "Release(id=%d, %s/%s %r, draft=%s, prerelease=%s)" % (
            self.id, self.owner, self.repo, self.tag, self.draft, self.prerelease)


class Asset:
    """A release asset. Attributes: id, name, size (advertised), label,
    content_type, state, digest (True / False / None / forced string),
    release, sig (the download signature), sha256 (hex of the served content,
    computed lazily by streaming). iter_content() streams, data() returns
    all bytes (only for small assets)."""

    def __init__(self, release, asset_id, name, size, content, content_type,
                 state, digest, label, created_at):
        self.release = release
        self.id = asset_id
        self.name = name
        self.size = size
        self.content_type = content_type
        self.state = state
        self.digest = digest
        self.label = label
        self.created_at = created_at
        self.sig = _sha1("sig:%d" % asset_id)[:20]
        self._content = content
        self._seed = b"fake-github:asset:%d:" % asset_id
        self._sha256 = None

    @property
    def served_size(self):
        """Bytes the download serves (differs from size only when both a
        size and a content of another length were given)."""
        return self.size if self._content is None else len(self._content)

    def iter_content(self, start=0, end=None):
        end = self.served_size if end is None else min(end, self.served_size)
        if self._content is None:
            yield from _generated(self._seed, start, end)
            return
        for pos in range(start, end, _BLOCK):
            yield self._content[pos:min(pos + _BLOCK, end)]

    def data(self):
        return b"".join(self.iter_content())

    @property
    def sha256(self):
        if self._sha256 is None:
            h = hashlib.sha256()
            for chunk in self.iter_content():
                h.update(chunk)
            self._sha256 = h.hexdigest()
        return self._sha256

    def digest_field(self):
        """(present, value) of the JSON "digest" field."""
        if self.digest is False:
            return False, None
        if self.digest is True:
            return True, "sha256:" + self.sha256
        return True, self.digest            # None (null) or a forced string

    def __getitem__(self, key):
        return getattr(self, key)

    def get(self, key, default=None):
        return getattr(self, key, default)

    def __repr__(self):
        return "Asset(id=%d, %r, size=%d)" % (self.id, self.name, self.size)


class Fault:
    """A queued fault; see FakeGitHub.add_fault. `hits` counts the requests
    it was applied to, `remaining` how many more it will take (None: all)."""

    def __init__(self, listener, method, path_regex, query_regex, times, action, kw):
        self.listener, self.method, self.action, self.kw = listener, method, action, kw
        self.path_re = re.compile(path_regex) if path_regex else None
        self.query_re = re.compile(query_regex) if query_regex else None
        self.remaining = times
        self.hits = 0

    def matches(self, listener, method, path, raw_query):
        return ((self.listener is None or self.listener == listener)
                and (self.method is None or self.method.upper() == method)
                and (self.path_re is None or self.path_re.search(path))
                and (self.query_re is None or self.query_re.search(raw_query)))

    def __repr__(self):
        return "Fault(%s %s %s, hits=%d, remaining=%s)" % (
            self.listener, self.method, self.action, self.hits, self.remaining)


class _Resp:
    """A response: status, header list and a body given as bytes or as a
    chunk-generator factory with a known length."""

    def __init__(self, status, headers=(), body=b"", chunks=None, length=None):
        self.status = status
        self.headers = list(headers)
        self.body = body
        self.chunks = chunks
        self.length = len(body) if chunks is None else length
        self.json = None
        self.etag = None

    def iter_body(self):
        return iter((self.body,)) if self.chunks is None else self.chunks()


def _json_resp(status, obj, headers=()):
    body = json.dumps(obj, separators=(",", ":")).encode()
    resp = _Resp(status, [("Content-Type", "application/json; charset=utf-8")] + list(headers), body)
    resp.json = obj
    return resp


def _gh_error(status, message, doc=DOCS):
    return _json_resp(status, {"message": message, "documentation_url": doc, "status": str(status)})


def _s3_error(status, code, message, headers=()):
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
            '<Message>%s</Message></Error>' % (code, message)).encode()
    return _Resp(status, [("Content-Type", "application/xml")] + list(headers), body)


def _inm_matches(header, etag):
    if not header:
        return False
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*" or (tag[2:] if tag.startswith("W/") else tag) == etag:
            return True
    return False


def _hard_close(handler):
    """Abort the connection with a TCP RST (SO_LINGER 0)."""
    handler.close_connection = True
    sock = handler.connection
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    handler.rfile.close()       # drop makefile's reference so close() is real
    sock.close()


# --------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------

class ThreadedServer(ThreadingHTTPServer):
    """A thread per connection; stop() waits for none of them, and a client
    that drops its connection is not reported (also bench/static_server.py)."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, OSError)):
            super().handle_error(request, client_address)


def serve_in_thread(srv, name):
    """srv.serve_forever() in a daemon thread that notices shutdown() within
    50 ms; returns srv."""
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, name=name,
                     daemon=True).start()
    return srv


def parse_range(value, size):
    """A Range header against a body of size bytes: None (serve all; also
    for a syntactically invalid header, which is ignored), (start, end) half
    open, or "unsatisfiable" (416)."""
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", value or "")
    if not m or (m[1] == "" and m[2] == ""):
        return None
    if m[1] == "":
        n = int(m[2])
        return (max(0, size - n), size) if n > 0 and size > 0 else "unsatisfiable"
    start = int(m[1])
    if m[2] and int(m[2]) < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, min(int(m[2]) + 1 if m[2] else size, size)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""
    timeout = 120                       # idle keep-alive connections

    def setup(self):
        super().setup()
        self.server.fake._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, False)

    def _dispatch(self):
        self.server.fake._serve(self, self.server.listener)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def version_string(self):
        return self.server_version

    def date_time_string(self, timestamp=None):
        app = self.server.fake.app
        if timestamp is None and app is not None:
            timestamp = app.now()
        return super().date_time_string(timestamp)

    def log_message(self, format, *args):  # noqa: A002 - silence stderr
        pass


class _Request:
    def __init__(self, handler, listener):
        self.listener = listener
        self.method = handler.command
        path, _, raw_query = handler.path.partition("?")
        self.path, self.raw_query = path, raw_query
        self.query = dict(parse_qsl(raw_query, keep_blank_values=True))
        self.headers = Headers(handler.headers.items())


# --------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------

_API_ROUTES = [(re.compile(p), name) for p, name in (
    (r"", "_r_repo"),
    (r"/releases", "_r_list"),
    (r"/releases/latest", "_r_latest"),
    (r"/releases/tags/(?P<tag>.+)", "_r_by_tag"),
    (r"/releases/(?P<id>\d+)", "_r_release"),
    (r"/releases/(?P<id>\d+)/assets", "_r_assets"),
    (r"/releases/assets/(?P<aid>\d+)", "_r_asset"),
    (r"/(?P<kind>tarball|zipball)/(?P<ref>.+)", "_r_archive"),
    (r"/git/refs?/tags/(?P<tag>.+)", "_r_ref"),
    (r"/git/tags/(?P<sha>[0-9a-f]{40})", "_r_tag_object"),
    (r"/attestations/(?P<subject>[a-z0-9]+:[0-9a-f]+)", "_r_attestations"),
)]
_REPO_PREFIX = re.compile(r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)(?P<rest>/.*)?")
_REPOID_PREFIX = re.compile(r"/repositories/(?P<rid>\d+)(?P<rest>/.*)?")
_ARCHIVE_EXT = {"tarball": "tar.gz", "zipball": "zip"}


class FakeGitHub:
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

    # ---- lifecycle -------------------------------------------------------

    def start(self):
        for listener in ("api", "asset"):
            srv = ThreadedServer((self.host, self._ports[listener]), _Handler)
            srv.fake, srv.listener = self, listener
            if listener in self.tls:
                srv.socket = self.tls[listener].wrap_socket(srv.socket, server_side=True)
            self._servers[listener] = serve_in_thread(srv, "fake-github-" + listener)
        self.api_url = "%s://%s:%d" % ("https" if "api" in self.tls else "http", self.host,
                                       self._servers["api"].server_address[1])
        self.asset_url = "%s://%s:%d" % ("https" if "asset" in self.tls else "http", self.host,
                                         self._servers["asset"].server_address[1])
        return self

    def stop(self):
        self._stopping.set()
        for srv in self._servers.values():
            srv.shutdown()
            srv.server_close()
        self._servers.clear()
        with self._lock:
            conns = list(self._conns)
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _track(self, sock, add):
        with self._lock:
            (self._conns.add if add else self._conns.discard)(sock)

    # ---- state -----------------------------------------------------------

    def _next_id(self, kind):
        self._ids[kind] += 1
        return self._ids[kind]

    def _repo(self, owner, repo, create=False):
        key = (owner.lower(), repo.lower())
        with self._lock:
            if key not in self._repos and create:
                self._repos[key] = _Repo(owner, repo, self._next_id("repo"))
            return self._repos.get(key)

    def add_repo(self, owner, repo):
        """Create an (empty) repository; returns its numeric id."""
        return self._repo(owner, repo, create=True).id

    def add_release(self, owner, repo, tag, name=_UNSET, body=_UNSET, draft=False,
                    prerelease=False, published_at=_UNSET, created_at=None,
                    commit_sha=None, annotated=False):
        """Add a release (and its tag). name defaults to the tag; created_at
        (ISO 8601 "Z") to a fake clock that advances an hour per release, so
        later-added releases are newer; published_at to created_at, or None
        for drafts; body to "Notes for TAG." (None or "" for none). tag None
        is a draft without a tag (tag_name null, no archives). Returns the
        Release."""
        with self._lock:
            r = self._repo(owner, repo, create=True)
            self._clock += 1
            if created_at is None:
                created_at = _iso(_CLOCK_BASE + timedelta(hours=self._clock))
            if published_at is _UNSET:
                published_at = None if draft else created_at
            commit_sha = commit_sha or _sha1("commit %s/%s %s" % (owner, repo, tag))
            tag_sha = _sha1("tag %s/%s %s" % (owner, repo, tag)) if annotated else None
            if body is _UNSET:
                body = "Notes for %s." % tag if tag else ""
            rel = Release(r, self._next_id("release"), tag=tag,
                          name=tag if name is _UNSET else name, body=body,
                          draft=bool(draft), prerelease=bool(prerelease),
                          created_at=created_at, published_at=published_at,
                          commit_sha=commit_sha, annotated=bool(annotated), tag_sha=tag_sha)
            r.releases.append(rel)
            if tag is not None:
                r.tags[tag] = (commit_sha, tag_sha)
            self._releases[rel.id] = rel
            return rel

    def update_release(self, rel, **fields):
        """Change name, body, draft, prerelease, published_at or created_at."""
        allowed = {"name", "body", "draft", "prerelease", "published_at", "created_at"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError("cannot update %s" % ", ".join(sorted(bad)))
        with self._lock:
            self._release_obj(rel).__dict__.update(fields)

    def delete_release(self, rel):
        """Remove a release (Release or id) and its assets; the tag stays, as
        on GitHub."""
        with self._lock:
            rel = self._release_obj(rel)
            rel._repo.releases.remove(rel)
            del self._releases[rel.id]
            for a in rel.assets:
                self._assets.pop(a.id, None)

    def _release_obj(self, rel):
        return self._releases[rel if isinstance(rel, int) else rel.id]

    def add_asset(self, rel, name, size=None, content=None,
                  content_type="application/octet-stream", state="uploaded",
                  digest=True, label=None):
        """Attach an asset to `rel`. content (bytes) is served as given;
        without it `size` bytes (default 1000) are generated from the asset
        id. A size different from len(content) is advertised but not served.
        digest: True the correct "sha256:<hex>", False no field, None null,
        or a string served verbatim. Returns the Asset."""
        if content is not None:
            content = bytes(content)
            size = len(content) if size is None else size
        elif size is None:
            size = 1000
        with self._lock:
            rel = self._release_obj(rel)
            a = Asset(rel, self._next_id("asset"), name, int(size), content,
                      content_type, state, digest, label, rel.created_at)
            rel.assets.append(a)
            self._assets[a.id] = a
            return a

    def delete_asset(self, asset):
        with self._lock:
            a = self._assets.pop(asset if isinstance(asset, int) else asset.id)
            a.release.assets.remove(a)

    def add_attestation(self, owner, repo, commit, bundle=None, body=None, url_only=False):
        """Serve an attestation at /repos/{owner}/{repo}/attestations/sha1:{commit}
        (any predicate_type). bundle: the bundle object, inline unless
        url_only; body: the bytes the asset host serves at its bundle_url
        (raw snappy, as GitHub's object store does); default the bundle's
        JSON. Returns the bundle_url."""
        with self._lock:
            n = len(self._bundle_bodies) + 1
            self._bundle_bodies[n] = body if body is not None else json.dumps(bundle).encode()
            url = "%s/attestation-bundle/%d?sig=fake" % (self.asset_url, n)
            key = (owner.lower(), repo.lower(), "sha1:" + commit)
            self._attestations.setdefault(key, []).append(
                {"bundle": None if url_only else bundle, "bundle_url": url})
        return url

    def add_asset_attestation(self, owner, repo, sha256_hex, bundle, url_only=False):
        """Serve an attestation (build provenance) of an artifact at
        /repos/{owner}/{repo}/attestations/sha256:{hex}, paginated by
        per_page with Link headers. Returns the bundle_url."""
        with self._lock:
            n = len(self._bundle_bodies) + 1
            self._bundle_bodies[n] = json.dumps(bundle).encode()
            url = "%s/attestation-bundle/%d?sig=fake" % (self.asset_url, n)
            key = (owner.lower(), repo.lower(), "sha256:" + sha256_hex)
            self._attestations.setdefault(key, []).append(
                {"bundle": None if url_only else bundle, "bundle_url": url})
        return url

    def releases(self, owner, repo):
        """The repository's releases, newest first (drafts included)."""
        r = self._repo(owner, repo)
        return self._sorted(r.releases) if r else []

    @staticmethod
    def _sorted(releases):
        return sorted(releases, key=lambda rel: (_parse_iso(rel.created_at), rel.id), reverse=True)

    # ---- faults and log --------------------------------------------------

    def add_fault(self, listener="api", method="GET", path_regex=None, times=1,
                  action="status", query_regex=None, **kw):
        """Queue a fault for the first `times` (None: all) requests whose
        listener ("api", "asset" or None for both), method (None: any) and
        path (re.search; query_regex against the raw query) match.

        status          code (500), body (bytes/str/JSON object), headers {}
        rate_limited    403 with x-ratelimit-remaining 0, reset in reset_in (1) s
        reset_mid_body  send fraction (0.5) of the normal body, then RST
        corrupt_byte    normal body with byte `offset` (len//2) flipped
        stall           send fraction (0.5), sleep seconds (2), then
                        then="continue" | "close" (FIN) | "reset" (RST)
        invalid_json    200 with body `{not json`
        wrong_shape     normal answer with mistyped fields (`assets`, `size`,
                        `object` become strings), or kw json=... verbatim
        refuse / close  no response; RST / FIN
        Body faults apply to whatever the request would get (JSON, download,
        a Range slice). Returns the Fault."""
        if action not in FAULT_ACTIONS:
            raise ValueError("unknown fault action %r" % action)
        if listener not in ("api", "asset", None):
            raise ValueError("listener must be 'api', 'asset' or None")
        f = Fault(listener, method, path_regex, query_regex, times, action, kw)
        with self._lock:
            self._faults.append(f)
        return f

    def clear_faults(self):
        with self._lock:
            self._faults.clear()

    def _take_fault(self, req):
        with self._lock:
            for f in self._faults:
                if f.remaining != 0 and f.matches(req.listener, req.method, req.path, req.raw_query):
                    if f.remaining is not None:
                        f.remaining -= 1
                    f.hits += 1
                    return f
        return None

    @property
    def log(self):
        """Snapshot list of request entries (dicts): listener, method, path
        (raw), query (dict, last value wins), raw_query, headers (Headers),
        status (None when no response was sent), counted, authorized,
        authorization_rejected, fault (action or None), bytes_sent, time."""
        with self._lock:
            return list(self._log)

    def clear_log(self):
        with self._lock:
            self._log.clear()

    def requests(self, listener=None, method=None, path_regex=None, status=None):
        """Log entries filtered by listener, method, path (re.search), status."""
        return [e for e in self.log
                if (listener is None or e["listener"] == listener)
                and (method is None or e["method"] == method)
                and (path_regex is None or re.search(path_regex, e["path"]))
                and (status is None or e["status"] == status)]

    # ---- archives --------------------------------------------------------

    def archive_bytes(self, owner, repo, tag, kind):
        """Deterministic bytes of the source archive: kind "tarball" (a
        .tar.gz) or "zipball" (a .zip), containing {owner}-{repo}-{sha7}/."""
        kind = {"tar.gz": "tarball", "zip": "zipball"}.get(kind, kind)
        if kind not in _ARCHIVE_EXT:
            raise ValueError("kind must be 'tarball' or 'zipball'")
        r = self._repo(owner, repo)
        if r is None or tag not in r.tags:
            raise KeyError("%s/%s has no tag %r" % (owner, repo, tag))
        key = (r.owner, r.name, tag, kind)
        with self._lock:
            if key not in self._archives:
                self._archives[key] = self._build_archive(r, tag, kind)
            return self._archives[key]

    @staticmethod
    def _build_archive(r, tag, kind):
        top = "%s-%s-%s/" % (r.owner, r.name, r.tags[tag][0][:7])
        files = [("README.md", ("# %s/%s at %s\n" % (r.owner, r.name, tag)).encode()),
                 ("VERSION", (tag + "\n").encode())]
        out = io.BytesIO()
        if kind == "zipball":
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                for name, data in files:
                    z.writestr(zipfile.ZipInfo(top + name, (2024, 1, 1, 0, 0, 0)), data,
                               zipfile.ZIP_DEFLATED)
            return out.getvalue()
        with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
            d = tarfile.TarInfo(top.rstrip("/"))
            d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, 1704067200
            t.addfile(d)
            for name, data in files:
                ti = tarfile.TarInfo(top + name)
                ti.size, ti.mode, ti.mtime = len(data), 0o644, 1704067200
                t.addfile(ti, io.BytesIO(data))
        return gzip.compress(out.getvalue(), mtime=0)

    # ---- JSON ------------------------------------------------------------

    def release_json(self, rel):
        """The release as the API serves it (assets included)."""
        base = "%s/repos/%s/%s" % (self.api_url, rel.owner, rel.repo)
        # a draft without a tag: GitHub's "untagged-..." page, no archives
        tag_q = quote(rel.tag, safe="") if rel.tag is not None else None
        page = tag_q if tag_q is not None else "untagged-" + _sha1("draft %d" % rel.id)[:20]
        return {
            "url": "%s/releases/%d" % (base, rel.id),
            "assets_url": "%s/releases/%d/assets" % (base, rel.id),
            "upload_url": "%s/releases/%d/assets{?name,label}" % (base, rel.id),
            "html_url": "https://github.com/%s/%s/releases/tag/%s" % (rel.owner, rel.repo, page),
            "id": rel.id,
            "author": _AUTHOR,
            "node_id": _node_id("RE_kwDO", rel.id),
            "tag_name": rel.tag,
            "target_commitish": rel.target_commitish,
            "name": rel.name,
            "draft": rel.draft,
            "prerelease": rel.prerelease,
            "created_at": rel.created_at,
            "published_at": rel.published_at,
            "assets": [self.asset_json(a) for a in rel.assets],
            "tarball_url": "%s/tarball/%s" % (base, tag_q) if tag_q is not None else None,
            "zipball_url": "%s/zipball/%s" % (base, tag_q) if tag_q is not None else None,
            "body": rel.body,
            "immutable": bool(rel.get("immutable", False)),
        }

    def asset_json(self, a):
        """The asset as the API serves it."""
        rel = a.release
        out = {
            "url": "%s/repos/%s/%s/releases/assets/%d" % (self.api_url, rel.owner, rel.repo, a.id),
            "id": a.id,
            "node_id": _node_id("RA_kwDO", a.id),
            "name": a.name,
            "label": a.label,
            "uploader": _AUTHOR,
            "content_type": a.content_type,
            "state": a.state,
            "size": a.size,
        }
        present, value = a.digest_field()
        if present:
            out["digest"] = value
        out.update({
            "download_count": 0,
            "created_at": a.created_at,
            "updated_at": a.created_at,
            "browser_download_url": "%s/%s/%s/releases/download/%s/%s" % (
                self.asset_url, rel.owner, rel.repo, quote(rel.tag or "", safe=""),
                quote(a.name, safe="")),
        })
        return out

    # ---- request handling ------------------------------------------------

    def _serve(self, h, listener):
        req = _Request(h, listener)
        req.body = self._drain_request_body(h)
        entry = {"listener": listener, "method": req.method, "path": req.path,
                 "query": req.query, "raw_query": req.raw_query, "headers": req.headers,
                 "status": None, "counted": False, "authorized": False,
                 "authorization_rejected": False, "fault": None, "bytes_sent": 0,
                 "time": time.time()}
        fault = self._take_fault(req)
        entry["fault"] = fault.action if fault else None
        try:
            if fault and fault.action in ("refuse", "close"):
                self._record(entry)
                if fault.action == "refuse":
                    _hard_close(h)
                else:
                    h.close_connection = True
                return
            try:
                resp = self._respond(req, fault, entry)
            except Exception:       # a bug in the fake: say so, keep serving
                traceback.print_exc()
                resp = _gh_error(500, "fake_github internal error")
            entry["status"] = resp.status
            self._record(entry)
            self._transmit(h, req, resp, fault, entry)
        except (ConnectionError, OSError):
            entry["client_aborted"] = True
            h.close_connection = True
        finally:
            if self.on_request:
                try:
                    self.on_request(entry)
                except Exception:
                    traceback.print_exc()

    @staticmethod
    def _drain_request_body(h):
        """Read the request body; its first 64 KiB are returned."""
        if h.headers.get("Transfer-Encoding"):
            h.close_connection = True
            return b""
        left = _int(h.headers.get("Content-Length"), 0)
        kept = []
        while left > 0:
            got = h.rfile.read(min(left, _BLOCK))
            if not got:
                break
            if sum(map(len, kept)) < _BLOCK:
                kept.append(got)
            left -= len(got)
        return b"".join(kept)[:_BLOCK]

    def _record(self, entry):
        with self._lock:
            self._log.append(entry)

    def _respond(self, req, fault, entry):
        action = fault.action if fault else None
        kw = fault.kw if fault else {}
        if action == "status":
            return self._fault_status(kw)
        if action == "rate_limited":
            return self._fault_rate_limited(kw)
        if action == "invalid_json":
            return _Resp(200, [("Content-Type", "application/json; charset=utf-8")], b"{not json")
        if req.listener == "api":
            resp = self._api(req, entry)
        else:
            resp = self._asset_host(req, entry)
        if action == "wrong_shape":
            resp = self._wrong_shape(resp, kw)
        return resp

    # ---- faults ----

    @staticmethod
    def _fault_status(kw):
        code = kw.get("code", 500)
        body = kw.get("body")
        headers = list((kw.get("headers") or {}).items())
        if body is None:
            return _json_resp(code, {"message": "fault %d" % code, "documentation_url": DOCS},
                              headers)
        if isinstance(body, (dict, list)):
            return _json_resp(code, body, headers)
        if isinstance(body, str):
            body = body.encode()
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "text/plain; charset=utf-8"))
        return _Resp(code, headers, body)

    def _fault_rate_limited(self, kw):
        limit = self.rate_limit.get("limit", 5000)
        reset = int(time.time() + kw.get("reset_in", 1))
        return _json_resp(403, {
            "message": "API rate limit exceeded for user ID 1. If you reach out to GitHub "
                       "Support for help, please include the request ID.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            "status": "403"}, self._rate_headers(limit, 0, reset))

    @staticmethod
    def _wrong_shape(resp, kw):
        if "json" in kw:
            obj = kw["json"]
        elif resp.json is None:
            obj = {"unexpected": True}
        else:
            obj = json.loads(json.dumps(resp.json))

            def mangle(o):
                if not isinstance(o, dict):
                    return o
                for key, bad in (("assets", "not-a-list"), ("size", "big"), ("object", "nope")):
                    if key in o:
                        o[key] = bad
                        return o
                return [o]
            if isinstance(obj, list):
                obj = [mangle(o) for o in obj] if obj else {"message": "not a list"}
            else:
                obj = mangle(obj)
        new = _json_resp(200, obj, [(k, v) for k, v in resp.headers
                                    if k.lower() not in ("content-type", "etag", "location")])
        return new

    # ---- API listener ----

    def _auth(self, headers):
        """True authorized, False anonymous, None bad credentials."""
        value = headers.get("authorization")
        if self.token is None:
            return True
        if value is None:
            return False
        scheme, _, cred = value.strip().partition(" ")
        ok = scheme.lower() in ("bearer", "token") and cred.strip() == self.token
        if not ok and self.app is not None and scheme.lower() in ("bearer", "token"):
            ok = self.app.token_state(cred.strip())
        return True if ok else None

    @staticmethod
    def _rate_headers(limit, remaining, reset):
        return [("x-ratelimit-limit", str(limit)), ("x-ratelimit-remaining", str(remaining)),
                ("x-ratelimit-reset", str(int(reset))), ("x-ratelimit-used", str(limit - remaining)),
                ("x-ratelimit-resource", "core")]

    def _consume(self):
        """Take one rate-limit unit. Returns (taken, limit, remaining, reset);
        refills once the reset time has passed, like GitHub's window."""
        with self._lock:
            rl = self.rate_limit
            rl.setdefault("limit", 5000)
            rl.setdefault("remaining", rl["limit"])
            rl.setdefault("reset", int(time.time()) + 3600)
            now = time.time()
            if now >= rl["reset"]:
                rl["remaining"], rl["reset"] = rl["limit"], int(now) + 3600
            taken = rl["remaining"] > 0
            if taken:
                rl["remaining"] -= 1
            return taken, rl["limit"], rl["remaining"], rl["reset"]

    def _api(self, req, entry):
        hdrs = req.headers
        if self.require_user_agent and not hdrs.get("user-agent"):
            return _Resp(403, [("Content-Type", "text/plain; charset=utf-8")], (
                b"Request forbidden by administrative rules. Please make sure your request has "
                b"a User-Agent header (https://docs.github.com/en/rest/overview/"
                b"resources-in-the-rest-api#user-agent-required). Check "
                b"https://developer.github.com for other possible causes.\n"))
        auth = self._auth(hdrs)
        entry["authorized"] = auth is True
        version = hdrs.get("x-github-api-version")
        app_resp = self.app.handle(req) if self.app is not None else None
        if version is not None and version not in self.api_versions:
            resp = _gh_error(400, "Invalid API version provided.",
                             "https://docs.github.com/rest/overview/api-versions")
        elif app_resp is not None:
            entry["app"] = True
            return app_resp
        elif auth is None:
            resp = _gh_error(401, "Bad credentials")
        else:
            resp = self._route(req, auth)
        if resp.status == 200 and req.method in ("GET", "HEAD") and resp.chunks is None:
            resp.etag = '"%s"' % hashlib.sha1(resp.body).hexdigest()
            resp.headers.append(("ETag", resp.etag))
        common = [("Cache-Control", "private, max-age=60, s-maxage=60"),
                  ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
                  ("X-GitHub-Media-Type", "github.v3; format=json"),
                  ("X-GitHub-Api-Version-Selected", API_VERSIONS[0]),
                  ("X-GitHub-Request-Id", "FAKE:%08X" % (len(self._log) + 1))]
        if resp.etag and _inm_matches(hdrs.get("if-none-match"), resp.etag):
            with self._lock:
                rl = dict(self.rate_limit)
            resp304 = _Resp(304, [("ETag", resp.etag)] + common + self._rate_headers(
                rl["limit"], rl["remaining"], rl["reset"]))
            resp304.length = None
            return resp304
        taken, limit, remaining, reset = self._consume()
        if not taken:
            resp = _gh_error(403, "API rate limit exceeded for user ID 1.",
                             "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
        entry["counted"] = taken
        resp.headers += common + self._rate_headers(limit, remaining, reset)
        return resp

    def _route(self, req, auth):
        if req.method not in ("GET", "HEAD"):
            return _gh_error(404, "Not Found")
        m = _REPO_PREFIX.fullmatch(req.path)
        with self._lock:
            if m:
                repo = self._repo(unquote(m["o"]), unquote(m["r"]))
            else:
                m = _REPOID_PREFIX.fullmatch(req.path)
                repo = None
                if m:
                    repo = next((r for r in self._repos.values() if r.id == int(m["rid"])), None)
            if m is None or repo is None:
                return _gh_error(404, "Not Found")
            rest = m["rest"] or ""
            for pattern, name in _API_ROUTES:
                rm = pattern.fullmatch(rest)
                if rm:
                    args = {k: unquote(v) for k, v in rm.groupdict().items()}
                    return getattr(self, name)(req, repo, auth, **args)
        return _gh_error(404, "Not Found")

    def _visible(self, repo, auth):
        return [r for r in self._sorted(repo.releases) if auth or not r.draft]

    def _link_base(self, req, repo, suffix):
        if self.link_style == "repositories":
            return "%s/repositories/%d%s" % (self.api_url, repo.id, suffix)
        return self.api_url + req.path

    def _paginate(self, req, items, base):
        """(page_items, Link header or None) or a 422 _Resp."""
        per_page = _int(req.query.get("per_page"), 30)
        per_page = 30 if per_page <= 0 else min(per_page, 100)
        page = max(_int(req.query.get("page"), 1), 1)
        if (page - 1) * per_page >= 1000:
            return _json_resp(422, {"message": "Only the first 1000 results are available.",
                                    "documentation_url": "https://docs.github.com/v3/#pagination",
                                    "status": "422"})
        last = max(1, math.ceil(len(items) / per_page))
        params = [(k, v) for k, v in parse_qsl(req.raw_query, keep_blank_values=True) if k != "page"]

        def url(p):
            return "<%s?%s>" % (base, urlencode(params + [("page", str(p))]))
        links = []
        if page > 1:
            links.append('%s; rel="prev"' % url(page - 1))
        if page < last:
            links += ['%s; rel="next"' % url(page + 1), '%s; rel="last"' % url(last)]
        if page > 1:
            links.append('%s; rel="first"' % url(1))
        return items[(page - 1) * per_page:page * per_page], ", ".join(links) or None

    def _page_resp(self, req, items, base, to_json):
        got = self._paginate(req, items, base)
        if isinstance(got, _Resp):
            return got
        page, link = got
        return _json_resp(200, [to_json(x) for x in page], [("Link", link)] if link else [])

    def _r_repo(self, req, repo, auth):
        return _json_resp(200, {
            "id": repo.id, "node_id": _node_id("R_kgDO", repo.id), "name": repo.name,
            "full_name": "%s/%s" % (repo.owner, repo.name),
            "owner": dict(_AUTHOR, login=repo.owner), "private": False,
            "html_url": "https://github.com/%s/%s" % (repo.owner, repo.name),
            "url": "%s/repos/%s/%s" % (self.api_url, repo.owner, repo.name),
            "default_branch": "main"})

    def _r_list(self, req, repo, auth):
        return self._page_resp(req, self._visible(repo, auth),
                               self._link_base(req, repo, "/releases"), self.release_json)

    def _r_latest(self, req, repo, auth):
        for rel in self._sorted(repo.releases):
            if not rel.draft and not rel.prerelease:
                return _json_resp(200, self.release_json(rel))
        return _gh_error(404, "Not Found")

    def _r_by_tag(self, req, repo, auth, tag):
        for rel in self._sorted(repo.releases):
            if rel.tag == tag and not rel.draft:
                return _json_resp(200, self.release_json(rel))
        return _gh_error(404, "Not Found")

    def _find_release(self, repo, auth, rel_id):
        rel = self._releases.get(int(rel_id))
        if rel is None or rel._repo is not repo or (rel.draft and not auth):
            return None
        return rel

    def _r_release(self, req, repo, auth, id):  # noqa: A002 - route group name
        rel = self._find_release(repo, auth, id)
        return _json_resp(200, self.release_json(rel)) if rel else _gh_error(404, "Not Found")

    def _r_assets(self, req, repo, auth, id):  # noqa: A002
        rel = self._find_release(repo, auth, id)
        if rel is None:
            return _gh_error(404, "Not Found")
        return self._page_resp(req, list(rel.assets),
                               self._link_base(req, repo, "/releases/%d/assets" % rel.id),
                               self.asset_json)

    def _r_asset(self, req, repo, auth, aid):
        a = self._assets.get(int(aid))
        if a is None or a.release._repo is not repo or (a.release.draft and not auth):
            return _gh_error(404, "Not Found")
        if "application/octet-stream" in req.headers.get("accept", ""):
            return _Resp(302, [("Location", self.signed_url(a)),
                               ("Content-Type", "text/html;charset=utf-8")])
        return _json_resp(200, self.asset_json(a))

    def signed_url(self, asset):
        """The asset-host URL the API redirects to for `asset`."""
        return "%s/download/%d/%s?sig=%s" % (self.asset_url, asset.id,
                                             quote(asset.name, safe=""), asset.sig)

    def _r_archive(self, req, repo, auth, kind, ref):
        if ref not in repo.tags:
            return _gh_error(404, "Not Found")
        loc = "%s/archive/%s/%s/%s.%s" % (self.asset_url, quote(repo.owner), quote(repo.name),
                                          quote(ref, safe=""), _ARCHIVE_EXT[kind])
        return _Resp(302, [("Location", loc), ("Content-Type", "text/html;charset=utf-8")])

    def _r_ref(self, req, repo, auth, tag):
        if tag not in repo.tags:
            return _gh_error(404, "Not Found", "https://docs.github.com/rest/git/refs#get-a-reference")
        commit, tag_sha = repo.tags[tag]
        base = "%s/repos/%s/%s/git" % (self.api_url, repo.owner, repo.name)
        obj = ({"sha": tag_sha, "type": "tag", "url": "%s/tags/%s" % (base, tag_sha)} if tag_sha
               else {"sha": commit, "type": "commit", "url": "%s/commits/%s" % (base, commit)})
        return _json_resp(200, {"ref": "refs/tags/" + tag,
                                "node_id": _node_id("REF_kwDO", repo.id),
                                "url": "%s/refs/tags/%s" % (base, quote(tag, safe="")),
                                "object": obj})

    def _r_tag_object(self, req, repo, auth, sha):
        base = "%s/repos/%s/%s/git" % (self.api_url, repo.owner, repo.name)
        for tag, (commit, tag_sha) in repo.tags.items():
            if tag_sha == sha:
                return _json_resp(200, {
                    "node_id": _node_id("TA_kwDO", repo.id), "sha": sha,
                    "url": "%s/tags/%s" % (base, sha), "tag": tag,
                    "message": "Release %s\n" % tag,
                    "tagger": {"name": "Monalisa Octocat", "email": "octocat@github.com",
                               "date": "2024-01-01T00:00:00Z"},
                    "object": {"sha": commit, "type": "commit",
                               "url": "%s/commits/%s" % (base, commit)},
                    "verification": {"verified": False, "reason": "unsigned",
                                     "signature": None, "payload": None}})
        return _gh_error(404, "Not Found", "https://docs.github.com/rest/git/tags#get-a-tag")

    def _r_attestations(self, req, repo, auth, subject):
        items = self._attestations.get((repo.owner.lower(), repo.name.lower(), subject))
        if not items:
            return _gh_error(404, "Not Found",
                             "https://docs.github.com/rest/repos/repos#list-attestations")
        if subject.startswith("sha256:"):
            got = self._paginate(req, items, self.api_url + req.path)
            if isinstance(got, _Resp):
                return got
            page, link = got
            return _json_resp(200, {"attestations": page}, [("Link", link)] if link else [])
        return _json_resp(200, {"attestations": items})

    # ---- asset listener ----

    def _bundle_body(self, req, entry, n):
        if "authorization" in req.headers:
            entry["authorization_rejected"] = True
            return _s3_error(400, "InvalidArgument", "Only one auth mechanism allowed")
        body = self._bundle_bodies.get(n)
        if body is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        return _Resp(200, [("Content-Type", "application/octet-stream")], body)

    def _asset_host(self, req, entry):
        if req.method not in ("GET", "HEAD"):
            return _s3_error(405, "MethodNotAllowed", "The specified method is not allowed.")
        m = re.fullmatch(r"/download/(\d+)/([^/]+)", req.path)
        if m:
            return self._download(req, entry, int(m[1]), unquote(m[2]))
        m = re.fullmatch(r"/attestation-bundle/(\d+)", req.path)
        if m:
            return self._bundle_body(req, entry, int(m[1]))
        m = re.fullmatch(r"/archive/([^/]+)/([^/]+)/(.+)\.(tar\.gz|zip)", req.path)
        if m:
            return self._archive(*(unquote(g) for g in m.groups()))
        m = re.fullmatch(r"/([^/]+)/([^/]+)/releases/download/([^/]+)/([^/]+)", req.path)
        if m:
            return self._browser_download(*(unquote(g) for g in m.groups()))
        return _s3_error(404, "NoSuchKey", "The specified key does not exist.")

    def _download(self, req, entry, asset_id, name):
        if "authorization" in req.headers:
            entry["authorization_rejected"] = True
            return _s3_error(400, "InvalidArgument",
                             "Only one auth mechanism allowed; only the X-Amz-Algorithm query "
                             "parameter, Signature query string parameter or the Authorization "
                             "header should be specified")
        with self._lock:
            a = self._assets.get(asset_id)
        if a is None or a.name != name:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        if req.query.get("sig") != a.sig:
            return _s3_error(403, "AccessDenied", "Request has expired or the signature is wrong.")
        size = a.served_size
        etag = getattr(a, "etag", None) or '"%s"' % _sha1("etag:%d" % a.id)  # a.etag: replaced
        modified = "Mon, 01 Jan 2024 00:00:00 GMT"
        headers = [("Content-Type", "application/octet-stream"), ("Accept-Ranges", "bytes"),
                   ("ETag", etag), ("Last-Modified", modified),
                   ("Content-Disposition", "attachment; filename=%s" % quote(a.name))]
        rng = parse_range(req.headers.get("range"), size)
        if_range = req.headers.get("if-range")
        if rng is not None and if_range is not None and if_range not in (etag, modified):
            rng = None  # RFC 9110 13.1.5: a changed representation is sent whole
        if rng == "unsatisfiable":
            return _s3_error(416, "InvalidRange", "The requested range is not satisfiable",
                             [("Content-Range", "bytes */%d" % size)])
        start, end, status = (0, size, 200) if rng is None else (rng[0], rng[1], 206)
        if status == 206:
            headers.append(("Content-Range", "bytes %d-%d/%d" % (start, end - 1, size)))
        return _Resp(status, headers, chunks=lambda: a.iter_content(start, end),
                     length=end - start)

    def _archive(self, owner, repo, tag, ext):
        kind = "tarball" if ext == "tar.gz" else "zipball"
        try:
            data = self.archive_bytes(owner, repo, tag, kind)
        except KeyError:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        ctype = "application/x-gzip" if kind == "tarball" else "application/zip"
        return _Resp(200, [("Content-Type", ctype), ("Content-Disposition",
                           "attachment; filename=%s-%s.%s" % (repo, tag, ext))], data)

    def _browser_download(self, owner, repo, tag, name):
        with self._lock:
            r = self._repo(owner, repo)
            for rel in self._sorted(r.releases) if r else []:
                if rel.tag == tag and not rel.draft:
                    for a in rel.assets:
                        if a.name == name:
                            return _Resp(302, [("Location", self.signed_url(a))])
        return _Resp(404, [("Content-Type", "text/plain")], b"Not Found")

    # ---- transmission ----

    def _transmit(self, h, req, resp, fault, entry):
        h.send_response(resp.status)
        for name, value in resp.headers:
            h.send_header(name, value)
        if resp.length is not None:
            h.send_header("Content-Length", str(resp.length))
        h.end_headers()
        action = fault.action if fault else None
        kw = fault.kw if fault else {}
        if req.method == "HEAD" or not resp.length:
            if action == "reset_mid_body":
                _hard_close(h)
            return
        length = resp.length
        cut = None
        if action in ("reset_mid_body", "stall"):
            cut = int(length * kw.get("fraction", 0.5))
        flip = None
        if action == "corrupt_byte":
            flip = min(max(int(kw.get("offset", length // 2)), 0), length - 1)
        pos = 0
        for chunk in resp.iter_body():
            if flip is not None and pos <= flip < pos + len(chunk):
                b = bytearray(chunk)
                b[flip - pos] ^= 0xFF
                chunk = bytes(b)
            if cut is not None and pos + len(chunk) >= cut:
                head, chunk = chunk[:cut - pos], chunk[cut - pos:]
                self._write(h, head, entry)
                pos += len(head)
                cut = None
                if action == "reset_mid_body":
                    _hard_close(h)
                    return
                self._stopping.wait(kw.get("seconds", 2))
                then = kw.get("then", "continue")
                if then == "reset":
                    _hard_close(h)
                    return
                if then == "close":
                    h.close_connection = True
                    return
            self._write(h, chunk, entry)
            pos += len(chunk)

    @staticmethod
    def _write(h, data, entry):
        if data:
            entry["bytes_sent"] += len(data)
            h.wfile.write(data)


# --------------------------------------------------------------------------
# GitHub App endpoints (optional: gh.app = FakeApp(...))
# --------------------------------------------------------------------------

_APP_INSTALLATION = re.compile(r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/installation")
_APP_TOKENS = re.compile(r"/app/installations/(?P<id>\d+)/access_tokens")
_JWT_IAT = ("'Issued at' claim ('iat') must be an Integer representing the time that the "
            "assertion was issued")
_JWT_EXP = ("'Expiration time' claim ('exp') must be a numeric value representing the future "
            "time at which the assertion expires")
_JWT_TOO_LONG = "'Expiration time' claim ('exp') is too far in the future"
_JWT_BAD = "A JSON web token could not be decoded"


def _b64url_decode(part):
    from base64 import urlsafe_b64decode
    return urlsafe_b64decode(part + "=" * (-len(part) % 4))


class FakeApp:
    """A GitHub App as GitHub's API sees it, for FakeGitHub (gh.app = app):

    GET  /repos/{o}/{r}/installation            (JWT) the installation or 404
    POST /app/installations/{id}/access_tokens  (JWT) a new installation token

    Each JWT is checked like GitHub does: RS256 signature against one of the
    app's public keys (python3-cryptography), iss = app_id, iat not in the
    future, exp in the future and at most 10 min after iat, all by the fake's
    clock (real time + clock_offset, also sent as the Date header of every
    response). The token request must ask for exactly `expect_scope`.
    Tokens last token_lifetime seconds; FakeGitHub then answers 401 for them.

    Recorded: jwts (the claims of every JWT received, valid or not; jwt_texts
    the JWTs themselves),
    jwt_errors (the message of each refusal), minted (one dict per token
    handed out: token, installation, repositories, permissions, expires_at),
    scope_errors (token requests refused for their body)."""

    def __init__(self, app_id, public_keys_pem, token_lifetime=3600,
                 expect_scope=None):
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
        self.app_id = int(app_id)
        self.public_keys = [load_pem_public_key(k.encode() if isinstance(k, str) else k)
                            for k in public_keys_pem]
        self.token_lifetime = token_lifetime
        self.expect_scope = expect_scope
        self.clock_offset = 0
        self.installations = {}         # id -> set of (owner.lower(), repo.lower())
        self.tokens = {}                # token -> expiry (fake clock)
        self.jwts, self.jwt_errors, self.minted, self.scope_errors = [], [], [], []
        self.jwt_texts = []
        self._next = 7000000
        self._lock = threading.Lock()

    def now(self):
        return time.time() + self.clock_offset

    def install(self, owner, repo, installation_id=None):
        """Install the app on owner/repo (on an existing installation when
        installation_id is given); returns the installation id."""
        with self._lock:
            if installation_id is None:
                self._next += 1
                installation_id = self._next
            self.installations.setdefault(installation_id, set()).add(
                (owner.lower(), repo.lower()))
            return installation_id

    def revoke_all(self):
        with self._lock:
            self.tokens.clear()

    def token_state(self, token):
        """True valid, False expired or unknown, None not an App token."""
        with self._lock:
            exp = self.tokens.get(token)
            if exp is None:
                return False if token.startswith("ghs_") else None
            return self.now() < exp

    def handle(self, req):
        """The response for an App route, or None for any other path."""
        m = _APP_INSTALLATION.fullmatch(req.path)
        t = _APP_TOKENS.fullmatch(req.path)
        if not (m and req.method == "GET") and not (t and req.method == "POST"):
            return None
        why = self._check_jwt(req.headers.get("authorization"))
        if why:
            self.jwt_errors.append(why)
            return _gh_error(401, why, "https://docs.github.com/rest")
        if m:
            return self._installation(unquote(m["o"]).lower(), unquote(m["r"]).lower())
        return self._access_token(int(t["id"]), req.body)

    def _check_jwt(self, value):
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        scheme, _, jwt = (value or "").strip().partition(" ")
        parts = jwt.strip().split(".")
        if scheme.lower() != "bearer" or len(parts) != 3:
            return _JWT_BAD
        try:
            header = json.loads(_b64url_decode(parts[0]))
            claims = json.loads(_b64url_decode(parts[1]))
            sig = _b64url_decode(parts[2])
        except ValueError:
            return _JWT_BAD
        self.jwts.append(claims)
        self.jwt_texts.append(jwt.strip())
        if header.get("alg") != "RS256":
            return _JWT_BAD
        signed = (parts[0] + "." + parts[1]).encode()
        for key in self.public_keys:
            try:
                key.verify(sig, signed, padding.PKCS1v15(), hashes.SHA256())
                break
            except InvalidSignature:
                continue
        else:
            return _JWT_BAD
        if str(claims.get("iss")) != str(self.app_id):
            return _JWT_BAD
        now, iat, exp = self.now(), claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or iat > now:
            return _JWT_IAT
        if not isinstance(exp, int) or exp <= now:
            return _JWT_EXP
        if exp - iat > 600:
            return _JWT_TOO_LONG
        return None

    def _installation(self, owner, repo):
        with self._lock:
            for iid, repos in self.installations.items():
                if (owner, repo) in repos:
                    return _json_resp(200, {"id": iid, "app_id": self.app_id,
                                            "account": {"login": owner}, "target_type": "User",
                                            "repository_selection": "selected",
                                            "permissions": {"contents": "read",
                                                            "metadata": "read"}})
        return _gh_error(404, "Not Found",
                         "https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app")

    def _access_token(self, iid, body):
        with self._lock:
            repos = self.installations.get(iid)
        if repos is None:
            return _gh_error(404, "Not Found")
        try:
            want = json.loads(body or b"{}")
        except ValueError:
            want = None
        names = {r for _, r in repos}
        ok = (isinstance(want, dict) and isinstance(want.get("repositories"), list)
              and want["repositories"] and all(isinstance(r, str) for r in want["repositories"]))
        if not ok or any(r.lower() not in names for r in want["repositories"]):
            self.scope_errors.append(want)
            return _gh_error(422, "There is at least one repository that does not exist or is "
                                  "not accessible to the parent installation.")
        if self.expect_scope is not None and want != self.expect_scope:
            self.scope_errors.append(want)
            return _gh_error(422, "The permissions requested are not granted to this "
                                  "installation.")
        token = "ghs_" + hashlib.sha256(os.urandom(16)).hexdigest()[:36]
        exp = int(self.now()) + int(self.token_lifetime)
        with self._lock:
            self.tokens[token] = exp
            self.minted.append({"token": token, "installation": iid,
                                "repositories": want["repositories"],
                                "permissions": want.get("permissions"),
                                "expires_at": exp})
        return _json_resp(201, {"token": token, "expires_at": _iso(
            datetime.fromtimestamp(exp, timezone.utc)),
            "permissions": want.get("permissions") or {"contents": "read", "metadata": "read"},
            "repository_selection": "selected"})


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
