"""gh_routes.py - the fake GitHub's REST routes (part of fake_github.py): the
API listener (auth, rate limit, pagination, releases, assets, tags, archives,
attestations) and the asset host (signed downloads, archives, bundles)."""

import hashlib
import math
import re
import time
from urllib.parse import parse_qsl, quote, unquote, urlencode

from gh_model import API_VERSIONS, _ARCHIVE_EXT, _AUTHOR, _node_id, _sha1
from gh_server import (_gh_error, _inm_matches, _int, _json_resp, _Resp, _s3_error,
                       parse_range)

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


class RoutesMixin:
    """FakeGitHub's API and asset-host routes."""

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

