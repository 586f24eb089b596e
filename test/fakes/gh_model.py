"""gh_model.py - the fake GitHub's model (part of fake_github.py): repositories,
releases, assets with generated contents, attestations, source archives,
their REST JSON, and a GitHub App's state (FakeApp: installations, tokens,
JWT checks)."""

import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import threading
import time
import zipfile
from base64 import b64encode
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote

from gh_server import _BLOCK, _gh_error, _json_resp

API_VERSIONS = ("2022-11-28",)
_CLOCK_BASE = datetime(2024, 1, 1, tzinfo=timezone.utc)
_UNSET = object()                       # "argument not given" sentinel
_AUTHOR = {"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=",
           "avatar_url": "https://github.com/images/error/octocat_happy.gif",
           "url": "https://api.github.com/users/octocat",
           "html_url": "https://github.com/octocat", "type": "User", "site_admin": False}


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

_ARCHIVE_EXT = {"tarball": "tar.gz", "zipball": "zip"}


def _iso(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _sha1(text):
    return hashlib.sha1(text.encode()).hexdigest()


def _node_id(prefix, num):
    return prefix + b64encode(num.to_bytes(8, "big")).decode().rstrip("=")


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



class ModelMixin:
    """FakeGitHub's state: repositories, releases, assets, attestations,
    archives and their JSON."""

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
