#!/usr/bin/env python3
"""test_grr_in.py - concourse/github-release-resource's in_command_test.go
(at 90c5491), ported: one test per Go `It`, in a class per `Context` path,
named after it (the Go text is each test's docstring), running the real `in`
executable against the fake GitHub (test/fakes/fake_github.py) instead of
the Go suite's counterfeiter fake.

Where GRR's case concerns something this resource does differently on
purpose, the test asserts our documented behaviour and says so ("ours:");
README's Migration section lists each such difference. After the port: the
GRR source fields (user alias included) and a tagless draft through put.
Run: GRM_BIN_DIR=<build dir> python3 test_grr_in.py"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bbutil import OWNER, REPO, GitHubCase, Listener, read_text, tree  # noqa: E402

T1 = "2018-01-01T00:00:00Z"            # exampleTimeStamp(1)
SHA = "f28085a4a8f744da83411f5e09fd7b1709149eee"
CONTENT = b"some-content"


class GRRCase(GitHubCase):
    """buildRelease / buildNilTagRelease / buildAsset of the Go suite, on the
    fake GitHub. GRR's destDir does not exist before Run (its in creates it);
    Concourse always creates it, and our in requires it, so it is made here."""

    def setUp(self):
        super().setUp()
        self.dest = self.mkdir("destination")
        self.params = {}
        self.src = self.source()

    def build_release(self, tag, draft, **kw):
        return self.rel(tag, name="release-name", body="*markdown*", created_at=T1,
                        published_at=T1, draft=draft, prerelease=False, **kw)

    def build_nil_tag_release(self):
        return self.rel(None, name="release-name", body="*markdown*", created_at=T1,
                        published_at=None, draft=True, prerelease=False)

    def build_asset(self, rel, name, state="uploaded"):
        return self.gh.add_asset(rel, name, content=CONTENT, state=state)

    def run_in(self, version=None, dest=None):
        return self.get(version or self.version_in, self.params, self.src,
                        dest=dest or self.dest)

    def run_in_ok(self, version=None):
        res = self.run_in(version)
        self.assertEqual((res.rc, res.errors), (0, []), res)
        return res.json

    def file(self, name):
        return read_text(os.path.join(self.dest, name))

    def exists(self, name):
        return os.path.exists(os.path.join(self.dest, name))

    def url(self, rel):
        return self.gh.release_json(rel)["html_url"]

    def downloaded(self):
        """Ids of the assets whose download the API was asked for."""
        return sorted(int(e["path"].rsplit("/", 1)[1])
                      for e in self.api_log(r"/releases/assets/\d+$"))

    def archive_requests(self):
        return [e for e in self.asset_log() if e["path"].startswith("/archive/")]


# ---- when there is a tagged release / when a present version is specified

class PresentVersion(GRRCase):
    def setUp(self):
        super().setUp()
        self.release = self.build_release("v0.35.0", False, commit_sha=SHA)
        self.assets = [self.build_asset(self.release, "example.txt"),
                       self.build_asset(self.release, "example.rtf"),
                       self.build_asset(self.release, "example.wtf"),
                       self.build_asset(self.release, "example.doc", state="starter")]
        self.version_in = {"id": str(self.release.id), "tag": "v0.35.0"}

    def sweet_metadata(self, n_assets):
        """GRR's pairs in GRR's order (its test uses ConsistOf), then ours."""
        u = self.url(self.release)
        return [{"name": "name", "value": "release-name", "url": u},
                {"name": "url", "value": u},
                {"name": "body", "value": "*markdown*", "markdown": True},
                {"name": "tag", "value": "v0.35.0"},
                {"name": "commit_sha", "value": SHA},
                {"name": "published_at", "value": T1},
                {"name": "assets", "value": str(n_assets)},
                {"name": "bytes", "value": str(n_assets * len(CONTENT))}]


class TestValidAssetFilenameGlobsAreGiven(PresentVersion):
    """Context("when valid asset filename globs are given")"""

    def setUp(self):
        super().setUp()
        self.params = {"globs": ["*.txt", "*.rtf"]}

    def test_succeeds(self):
        """It("succeeds")"""
        self.run_in_ok()

    def test_returns_the_fetched_version(self):
        """It("returns the fetched version")"""
        got = self.run_in_ok()
        self.assertEqual(got["version"], {"tag": "v0.35.0", "id": str(self.release.id),
                                          "timestamp": T1})

    def test_has_some_sweet_metadata(self):
        """It("has some sweet metadata")"""
        self.assertEqual(self.run_in_ok()["metadata"], self.sweet_metadata(2))

    def test_calls_getreleast_with_the_correct_arguments(self):
        """It("calls #GetReleast with the correct arguments")"""
        self.run_in_ok()
        lookups = self.api_log(r"/releases/(\d+|tags/.*)$")
        self.assertEqual([e["path"] for e in lookups],
                         ["/repos/%s/%s/releases/%d" % (OWNER, REPO, self.release.id)])

    def test_downloads_only_the_files_that_match_the_globs(self):
        """It("downloads only the files that match the globs")"""
        self.run_in_ok()
        self.assertEqual(self.downloaded(), [self.assets[0].id, self.assets[1].id])
        self.assertEqual(read_text(os.path.join(self.dest, "example.txt")), CONTENT.decode())
        self.assertFalse(self.exists("example.wtf") or self.exists("example.doc"))

    def test_does_create_the_body_tag_version_and_url_files(self):
        """It("does create the body, tag, version, and url files")"""
        self.run_in_ok()
        self.assertEqual(self.file("tag"), "v0.35.0")
        self.assertEqual(self.file("version"), "0.35.0")
        self.assertEqual(self.file("commit_sha"), SHA)
        self.assertEqual(self.file("body"), "*markdown*")
        self.assertEqual(self.file("timestamp"), T1)
        self.assertEqual(self.file("url"), self.url(self.release))


class TestThereIsACustomTagFilter(PresentVersion):
    """Context("when there is a custom tag filter"): GetRelease answers a
    release tagged package-0.35.0 for the version {id, tag: v0.35.0}."""

    def setUp(self):
        super().setUp()
        self.params = {"globs": ["*.txt", "*.rtf"]}
        self.src = self.source(tag_filter="package-(.*)")
        self.package = self.build_release("package-0.35.0", False, commit_sha=SHA)
        self.version_in = {"id": str(self.package.id), "tag": "v0.35.0"}
        self.run_in_ok()                                    # its BeforeEach runs too

    def test_succeeds(self):
        """It("succeeds")"""
        self.run_in_ok()

    def test_does_create_the_tag_version_and_url_files(self):
        """It("does create the tag, version, and url files")"""
        self.run_in_ok()
        self.assertEqual(self.file("tag"), "package-0.35.0")
        self.assertEqual(self.file("version"), "0.35.0")
        self.assertEqual(self.file("url"), self.url(self.package))


class SourceArchive(PresentVersion):
    """Context("when include_source_tarball is true") and its zip twin."""

    kind, param, name, go_kind = "tarball", "include_source_tarball", "source.tar.gz", "tar.gz"

    def setUp(self):
        super().setUp()
        self.params = {"globs": ["*.txt", "*.rtf"], self.param: True}

    def archive(self):
        return self.gh.archive_bytes(OWNER, REPO, "v0.35.0", self.kind)

    def read(self, *parts):
        with open(os.path.join(self.dest, *parts), "rb") as fp:
            return fp.read()

    # when getting the link succeeds / when downloading succeeds
    def check_succeeds(self):
        self.run_in_ok()

    def check_downloads_the_archive(self):
        self.run_in_ok()
        self.assertEqual(len(self.archive_requests()), 1)
        self.assertEqual(self.archive_requests()[0]["path"],
                         "/archive/%s/%s/v0.35.0.%s" % (OWNER, REPO, self.go_kind))

    def check_saves_it_in_the_destination_directory(self):
        self.run_in_ok()
        self.assertEqual(self.read(self.name), self.archive())

    def check_saves_it_in_the_assets_directory_if_desired(self):
        self.src = self.source(asset_dir=True)
        self.run_in_ok()
        self.assertEqual(self.read("assets", self.name), self.archive())
        self.assertFalse(self.exists(self.name))
        self.assertIn("assets/%s" % self.name, self.file("SHA256SUMS"))

    # when downloading fails
    def check_download_failure_is_an_appropriate_error(self):
        self.gh.add_fault(listener="asset", path_regex=r"^/archive/", action="status",
                          code=500, times=None)
        res = self.run_in()
        # GRR: "failed to download file `source.tar.gz`: HTTP status 500"
        self.assertFailsClearly(res, '"%s"' % self.name, "HTTP 500")
        self.assertFalse(self.exists(self.name))

    # when getting the link fails
    def check_link_failure_is_the_error(self):
        self.gh.add_fault(path_regex=r"/%s/" % self.kind, action="status", code=404,
                          times=None, body={"message": "Not Found"})
        res = self.run_in()
        self.assertFailsClearly(res, '"%s"' % self.name, "404")
        self.assertFalse(self.exists(self.name))


class TestIncludeSourceTarballIsTrue(SourceArchive):
    """Context("when include_source_tarball is true")"""

    def test_succeeds(self):
        """It("succeeds") (getting the tarball link and downloading it succeed)"""
        self.check_succeeds()

    def test_downloads_the_source_tarball(self):
        """It("downloads the source tarball")"""
        self.check_downloads_the_archive()

    def test_saves_the_source_tarball_in_the_destination_directory(self):
        """It("saves the source tarball in the destination directory")"""
        self.check_saves_it_in_the_destination_directory()

    def test_saves_the_source_tarball_in_the_assets_directory_if_desired(self):
        """It("saves the source tarball in the assets directory, if desired")"""
        self.check_saves_it_in_the_assets_directory_if_desired()

    def test_downloading_the_tarball_fails_returns_an_appropriate_error(self):
        """Context("when downloading the tarball fails") It("returns an appropriate error")"""
        self.check_download_failure_is_an_appropriate_error()

    def test_getting_the_tarball_link_fails_returns_the_error(self):
        """Context("when getting the tarball link fails") It("returns the error")"""
        self.check_link_failure_is_the_error()


class TestIncludeSourceZipIsTrue(SourceArchive):
    """Context("when include_source_zip is true")"""

    kind, param, name, go_kind = "zipball", "include_source_zip", "source.zip", "zip"

    def test_succeeds(self):
        """It("succeeds") (getting the zip link and downloading it succeed)"""
        self.check_succeeds()

    def test_downloads_the_source_zip(self):
        """It("downloads the source zip")"""
        self.check_downloads_the_archive()

    def test_saves_the_source_zip_in_the_destination_directory(self):
        """It("saves the source zip in the destination directory")"""
        self.check_saves_it_in_the_destination_directory()

    def test_saves_the_source_tarball_in_the_assets_directory_if_desired(self):
        """It("saves the source tarball in the assets directory, if desired"): GRR's
        name for the zip case, kept."""
        self.check_saves_it_in_the_assets_directory_if_desired()

    def test_downloading_the_zip_fails_returns_an_appropriate_error(self):
        """Context("when downloading the zip fails") It("returns an appropriate error")"""
        self.check_download_failure_is_an_appropriate_error()

    def test_getting_the_zip_link_fails_returns_the_error(self):
        """Context("when getting the zip link fails") It("returns the error")"""
        self.check_link_failure_is_the_error()


class TestNoGlobsAreSpecified(PresentVersion):
    """Context("when no globs are specified"): its BeforeEach runs in."""

    def setUp(self):
        super().setUp()
        self.res = self.run_in()

    def test_succeeds(self):
        """It("succeeds")"""
        self.assertEqual((self.res.rc, self.res.errors), (0, []), self.res)

    def test_returns_the_fetched_version(self):
        """It("returns the fetched version")"""
        self.assertEqual(self.res.json["version"],
                         {"tag": "v0.35.0", "id": str(self.release.id), "timestamp": T1})

    def test_has_some_sweet_metadata(self):
        """It("has some sweet metadata")"""
        self.assertEqual(self.res.json["metadata"], self.sweet_metadata(3))

    def test_downloads_all_of_the_files(self):
        """It("downloads all of the files") (the one not uploaded is skipped)"""
        self.assertEqual(self.downloaded(), [a.id for a in self.assets[:3]])
        for a in self.assets[:3]:
            self.assertTrue(self.exists(a.name), a.name)


class TestDownloadingAnAssetFails(PresentVersion):
    """Context("when downloading an asset fails")"""

    def setUp(self):
        super().setUp()
        self.gh.add_fault(listener="asset", path_regex=r"^/download/", action="status",
                          code=403, times=None)
        self.res = self.run_in()

    def test_returns_an_error(self):
        """It("returns an error")"""
        self.assertFailsClearly(self.res, "HTTP 403")
        self.assertEqual([f for f in tree(self.dest) if f.startswith("example")], [])


class TestListingReleaseAssetsFails(PresentVersion):
    """Context("when listing release assets fails")"""

    def setUp(self):
        super().setUp()
        self.gh.add_fault(path_regex=r"/releases/\d+/assets$", action="status", code=404,
                          times=None, body={"message": "Not Found"})
        self.res = self.run_in()

    def test_returns_the_error(self):
        """It("returns the error")"""
        self.assertFailsClearly(self.res, "/releases/%d/assets" % self.release.id, "404")
        self.assertEqual(tree(self.dest), [])


# ---- no release, failing lookups

class TestNoTaggedReleaseIsPresent(GRRCase):
    """Context("when no tagged release is present")"""

    def setUp(self):
        super().setUp()
        self.gh.add_repo(OWNER, REPO)
        self.res = self.run_in({"tag": "v0.40.0"})

    def test_returns_an_error(self):
        """It("returns an error"): GRR says "no releases"; ours names the tag,
        the repository and the likely cause."""
        self.assertOneError(self.res, '"v0.40.0"', "%s/%s" % (OWNER, REPO), "not found")
        self.assertEqual(tree(self.dest), [])


class TestGettingATaggedReleaseFails(GRRCase):
    """Context("when getting a tagged release fails")"""

    def setUp(self):
        super().setUp()
        self.gh.add_fault(path_regex=r"/releases/tags/some-tag$", action="status", code=500,
                          times=None)
        self.res = self.run_in({"tag": "some-tag"})

    def test_returns_the_error(self):
        """It("returns the error")"""
        self.assertFailsClearly(self.res, "/releases/tags/some-tag", "500")
        self.assertEqual(tree(self.dest), [])


# ---- when there is a draft release

class DraftCase(GRRCase):
    """The version is {id} alone: GRR's Version{ID: "1"}."""

    def make(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        self.release = self.make()
        self.res = self.run_in({"id": str(self.release.id)})

    def check_succeeds(self):
        self.assertEqual((self.res.rc, self.res.errors), (0, []), self.res)

    def metadata(self, *pairs, published=True):
        u = self.url(self.release)
        md = [{"name": "name", "value": "release-name", "url": u},
              {"name": "url", "value": u},
              {"name": "body", "value": "*markdown*", "markdown": True}]
        md += [{"name": n, "value": v} for n, v in pairs]
        if published:
            md.append({"name": "published_at", "value": T1})
        return md + [{"name": "assets", "value": "0"}, {"name": "bytes", "value": "0"}]

    def check_no_tag_files(self):
        for name in ("tag", "version", "commit_sha"):
            self.assertFalse(self.exists(name), name)
        self.assertEqual(self.api_log(r"/git/"), [])

    def check_url_file(self):
        self.assertEqual(self.file("url"), self.url(self.release))


class TestDraftWhichHasATag(DraftCase):
    """Context("when there is a draft release") Context("which has a tag")"""

    def make(self):
        return self.build_release("v0.35.0", True)

    def test_succeeds(self):
        """It("succeeds")"""
        self.check_succeeds()

    def test_returns_the_fetched_version(self):
        """It("returns the fetched version")"""
        self.assertEqual(self.res.json["version"],
                         {"tag": "v0.35.0", "id": str(self.release.id), "timestamp": T1})

    def test_has_some_sweet_metadata(self):
        """It("has some sweet metadata"): no commit_sha for a draft"""
        self.assertEqual(self.res.json["metadata"],
                         self.metadata(("tag", "v0.35.0"), ("draft", "true")))

    def test_does_create_the_tag_version_and_url_files(self):
        """It("does create the tag, version, and URL files")"""
        self.assertEqual(self.file("tag"), "v0.35.0")
        self.assertEqual(self.file("version"), "0.35.0")
        self.check_url_file()
        self.assertFalse(self.exists("commit_sha"))


class TestDraftWhichHasAnEmptyTag(DraftCase):
    """Context("when there is a draft release") Context("which has an empty tag")"""

    def make(self):
        return self.build_release("", True)

    def test_succeeds(self):
        """It("succeeds")"""
        self.check_succeeds()

    def test_returns_the_fetched_version(self):
        """It("returns the fetched version"): GRR's tag is omitempty"""
        self.assertEqual(self.res.json["version"], {"id": str(self.release.id), "timestamp": T1})

    def test_has_some_sweet_metadata(self):
        """It("has some sweet metadata")"""
        self.assertEqual(self.res.json["metadata"],
                         self.metadata(("tag", ""), ("draft", "true")))

    def test_does_not_create_the_tag_and_version_files(self):
        """It("does not create the tag and version files")"""
        self.check_no_tag_files()

    def test_does_create_the_url_file(self):
        """It("does create the url file")"""
        self.check_url_file()


class TestDraftWhichHasANilTag(DraftCase):
    """Context("when there is a draft release") Context("which has a nil tag")"""

    def make(self):
        return self.build_nil_tag_release()

    def test_succeeds(self):
        """It("succeeds")"""
        self.check_succeeds()

    def test_returns_the_fetched_version(self):
        """It("returns the fetched version"): the timestamp is created_at"""
        self.assertEqual(self.res.json["version"], {"id": str(self.release.id), "timestamp": T1})

    def test_has_some_sweet_metadata(self):
        """It("has some sweet metadata")"""
        self.assertEqual(self.res.json["metadata"],
                         self.metadata(("draft", "true"), published=False))

    def test_does_not_create_the_tag_and_version_files(self):
        """It("does not create the tag and version files")"""
        self.check_no_tag_files()

    def test_does_create_the_url_file(self):
        """It("does create the url file")"""
        self.check_url_file()


# ---- beyond the port: GRR's source fields, and what follows a tagless get

class TestGRRSourceFields(GRRCase):
    def setUp(self):
        super().setUp()
        self.release = self.build_release("v1.2.3", False, commit_sha=SHA)
        self.build_asset(self.release, "a.txt")
        self.version_in = self.version(self.release)

    def test_every_grr_source_field_is_accepted(self):
        self.src = self.source(
            github_v4_api_url=self.gh.api_url + "/graphql", github_uploads_url=self.gh.api_url,
            insecure=False, release=True, pre_release=False, drafts=False,
            semver_constraint=">= 1.0.0", tag_filter="^v?([^v].*)", order_by="version",
            asset_dir=True)
        got = self.run_in_ok()
        self.assertEqual(got["version"], self.version(self.release))
        self.assertEqual(read_text(os.path.join(self.dest, "assets", "a.txt")), CONTENT.decode())

    def test_user_is_an_alias_of_owner_with_a_warning(self):
        for src in (self.source(owner=None, user=OWNER), self.source(user=OWNER)):
            with self.subTest(source=sorted(src)):
                self.src = src
                res = self.run_in()
                self.assertEqual((res.rc, res.errors), (0, []), res)
                self.assertEqual(len(res.warnings), 1, res)
                self.assertIn("source.user is deprecated", res.warnings[0])
                self.assertIn("source.owner", res.warnings[0])
                res = self.check(source=src)
                self.assertEqual((res.rc, res.errors), (0, []), res)
                self.assertEqual(res.json, [self.version(self.release)])

    def test_user_and_a_different_owner_is_an_error(self):
        self.src = self.source(user="someone-else")
        self.assertOneError(self.run_in(), "source.user", "source.owner")
        self.assertEqual(self.gh.log, [])

    def test_grr_put_params_are_refused_before_any_request(self):
        s3 = Listener()
        self.addCleanup(s3.stop)
        src = self.source(mirror={"bucket": "b", "endpoint": s3.url})
        for params in ({"name": "release/name", "tag": "release/tag", "globs": ["release/*"]},
                       {"from": "dest", "body": "release/body"},
                       {"from": "dest", "tag_prefix": "v"},
                       {"from": "dest", "commitish": "release/sha"},
                       {"from": "dest", "generate_release_notes": True}):
            with self.subTest(params=params):
                grr = sorted(set(params) - {"from"})
                res = self.run_cmd("out", {"source": src, "params": params}, [self.scratch])
                self.assertOneError(res, "params.", "github-release-resource put param",
                                    "mirrors releases to S3", "does not create GitHub releases")
                self.assertTrue(any("params.%s" % p in res.errors[0] for p in grr), res)
        self.assertEqual(self.gh.log, [])
        self.assertFalse(s3.wait(0, 0.2))


class TestLookupAndCommit(GRRCase):
    def test_id_only_version_of_a_deleted_release_is_a_clear_error(self):
        release = self.build_release("v1.0.0", False)
        self.gh.delete_release(release)
        res = self.run_in({"id": str(release.id)})
        self.assertOneError(res, "id %d" % release.id, "%s/%s" % (OWNER, REPO), "deleted")
        self.assertEqual([e["path"] for e in self.api_log()],
                         ["/repos/%s/%s/releases/%d" % (OWNER, REPO, release.id)])
        self.assertEqual(tree(self.dest), [])

    def test_tag_that_does_not_exist_warns_and_writes_no_commit_sha(self):
        """ours: GRR fails the get (its tag lookup answers 404)"""
        release = self.build_release("v1.0.0", False)
        del self.gh._repo(OWNER, REPO).tags["v1.0.0"]
        res = self.run_in(self.version(release))
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertEqual(len(res.warnings), 1, res)
        self.assertIn('"v1.0.0" does not exist', res.warnings[0])
        self.assertFalse(self.exists("commit_sha"))
        self.assertNotIn("commit_sha", [m["name"] for m in res.json["metadata"]])
        self.assertEqual(self.file("tag"), "v1.0.0")

    def test_release_without_notes_writes_no_body_file(self):
        for i, body in enumerate((None, "")):
            with self.subTest(body=body):
                release = self.rel("v1.0.%d" % i, body=body)
                dest = self.mkdir("d%d" % i)
                res = self.run_in(self.version(release), dest=dest)
                self.assertEqual((res.rc, res.errors), (0, []), res)
                self.assertNotIn("body", tree(dest))
                names = [m["name"] for m in res.json["metadata"]]
                self.assertEqual("body" in names, body is not None)    # GRR: when not null


class TestTaglessDraftThroughPut(GRRCase):
    def test_put_refuses_a_get_of_a_tagless_draft_before_any_request(self):
        release = self.build_nil_tag_release()
        self.build_asset(release, "a.txt")
        got = self.run_in_ok({"id": str(release.id)})
        self.assertEqual(got["version"], {"id": str(release.id), "timestamp": T1})
        self.assertTrue(self.exists("a.txt"))
        s3 = Listener()
        self.addCleanup(s3.stop)
        self.gh.clear_log()
        src = self.source(mirror={"bucket": "b", "endpoint": s3.url})
        res = self.run_cmd("out", {"source": src, "params": {"from": "destination"}},
                           [self.scratch])
        self.assertOneError(res, "release.json", str(release.id), "no tag")
        self.assertEqual(self.gh.log, [])
        self.assertFalse(s3.wait(0, 0.2))


if __name__ == "__main__":
    unittest.main(verbosity=2)
