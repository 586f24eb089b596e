#!/usr/bin/env python3
"""test_grr_check.py - concourse/github-release-resource's check test cases
(check_command_test.go at 90c5491), ported: one test per Go `It`, named after
its contexts and its text (the Go text is each docstring). Each runs the real
check against the fake GitHub, with the releases the Go test builds: given
ids (some repeated), drafts without a tag, releases without any time.

The Go tests build Source{} as a zero value, so release and pre_release are
false there unless set; the sources below say the same. The versions check
prints carry a timestamp too; where the Go test builds a version without
one, only tag and id are compared.

Four cases differ on purpose (issue 12, item 4: a version with only an id,
and a hand-given version without timestamp under order_by: time, are found
by their id): their docstrings say what github-release-resource prints.

Run: GRM_BIN_DIR=<build dir> python3 test_grr_check.py"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bbutil import OWNER, REPO, GitHubCase  # noqa: E402
from fake_github import FakeGitHub  # noqa: E402


class GRRFake(FakeGitHub):
    """The fake GitHub, serving releases in the order they were added (newest
    first) whatever their times, and a null tag_name where asked."""

    @staticmethod
    def _sorted(releases):
        return list(reversed(releases))

    def release_json(self, rel):
        doc = super().release_json(rel)
        if getattr(rel, "nil_tag", False):
            doc["tag_name"] = None
        return doc


def day(d):
    """exampleTimeStamp(day): 2018-01-DD, midnight UTC."""
    return "2018-01-%02dT00:00:00Z" % d


def ver(rel_id, tag, d=None):
    """A Version{ID, Tag} (newVersionWithTimestamp when d is given)."""
    v = {"id": str(rel_id), "tag": tag}
    if d is not None:
        v["timestamp"] = day(d)
    return v


class GRRCase(GitHubCase):
    """The fake and the Go test's constructors; no tests."""

    def setUp(self):
        super().setUp()
        self.gh.stop()
        self.gh = GRRFake(token=self.token, on_request=self._stamp_end).start()
        self.addCleanup(self.gh.stop)
        self.gh.add_repo(OWNER, REPO)

    # ---- the Go test's constructors ----

    def release(self, rel_id, tag, draft=False, prerelease=False, created=None, published=None):
        rel = self.gh.add_release(OWNER, REPO, tag if tag is not None else "untagged",
                                  draft=draft, prerelease=prerelease)
        rel.id = rel_id
        rel.nil_tag = tag is None
        rel.created_at = day(created) if created else None
        rel.published_at = day(published) if published else None
        return rel

    def releases(self, *specs):
        """specs: (constructor, id, tag[, days...]) as in the Go test."""
        for kind, rel_id, tag, *days in specs:
            if kind == "release":
                self.release(rel_id, tag)
            elif kind == "pre":
                self.release(rel_id, tag, prerelease=True)
            elif kind == "draft":
                self.release(rel_id, tag, draft=True)
            elif kind == "created":
                self.release(rel_id, tag, created=days[0])
            elif kind == "published":
                self.release(rel_id, tag, published=days[0])
            elif kind == "both":
                self.release(rel_id, tag, created=days[0], published=days[1])

    def run_check(self, version=None, **source):
        """command.Run(CheckRequest{Source: source, Version: version})."""
        fields = {"release": False, "pre_release": False, "drafts": False}
        fields.update(source)
        return self.check_ok(version, self.source(**fields))

    def assertVersions(self, got, want):
        """Compare what the Go test compares: tag and id, and the timestamp
        where the Go test's version has one."""
        trimmed = [{k: g.get(k) for k in w} for g, w in zip(got, want)]
        self.assertEqual(len(got), len(want), got)
        self.assertEqual(trimmed, want)


class GRRCheck(GRRCase):
    """check_command_test.go, one test per It."""

    # ---- when this is the first time that the resource has been run ----

    def test_first_run_when_there_are_no_releases_returns_no_versions(self):
        """when there are no releases: returns no versions"""
        self.assertEqual(self.run_check(), [])

    def test_first_run_releases_filtered_out_ordered_by_version_returns_no_versions(self):
        """when there are releases that get filtered out, and releases are
        ordered by version: returns no versions"""
        self.releases(("draft", 1, "v0.1.4"))
        self.assertEqual(self.run_check(), [])

    def test_first_run_releases_filtered_out_ordered_by_time_returns_no_versions(self):
        """when there are releases that get filtered out, and releases are
        ordered by time: returns no versions"""
        self.releases(("draft", 1, "v0.1.4"))
        self.assertEqual(self.run_check(order_by="time"), [])

    def first_run_releases(self):
        self.releases(("created", 1, "v0.4.0", 2), ("created", 2, "v0.1.3", 3),
                      ("created", 3, "v0.1.2", 1))

    def test_first_run_ordered_by_version_outputs_the_most_recent_version_only(self):
        """when there are releases, and releases are ordered by version:
        outputs the most recent version only"""
        self.first_run_releases()
        self.assertVersions(self.run_check(), [ver(1, "v0.4.0", 2)])

    def test_first_run_ordered_by_time_outputs_the_most_recent_time_only(self):
        """when there are releases, and releases are ordered by time: outputs
        the most recent time only"""
        self.first_run_releases()
        self.assertVersions(self.run_check(order_by="time"), [ver(2, "v0.1.3", 3)])

    def test_first_run_semver_constraint_keeps_only_those_versions_matching_the_constraint(self):
        """when there is a semver constraint: keeps only those versions
        matching the constraint"""
        self.releases(("created", 1, "v0.4.0", 2), ("created", 2, "0.1.3", 3),
                      ("created", 3, "v0.1.2", 1), ("created", 4, "invalid-semver", 4))
        self.assertVersions(self.run_check(semver_constraint="0.1.x"), [ver(2, "0.1.3", 3)])

    def test_first_run_semver_constraint_custom_tag_filter_uses_the_filter(self):
        """when there is a semver constraint, when there is a custom tag
        filter: uses the filter"""
        self.releases(("created", 1, "foo-0.4.0", 2), ("created", 2, "foo-0.1.3", 3),
                      ("created", 3, "foo-0.1.2", 1), ("created", 4, "0.1.4", 4))
        got = self.run_check(semver_constraint="0.1.x", tag_filter="foo-(.*)")
        self.assertVersions(got, [ver(2, "foo-0.1.3", 3)])

    # ---- when there are prior versions ----

    def test_prior_when_there_are_no_releases_returns_no_versions(self):
        """when there are prior versions, when there are no releases: returns
        no versions"""
        self.assertEqual(self.run_check(), [])

    def test_prior_custom_tag_filter_returns_all_of_the_versions_that_are_newer(self):
        """and there is a custom tag filter: returns all of the versions that
        are newer (the default filter; "package-0.1.3" is release "package",
        pre-release "0.1.3")"""
        self.releases(("release", 1, "package-0.1.4"), ("release", 2, "package-0.4.0"),
                      ("release", 3, "package-0.1.3"), ("release", 4, "package-0.1.2"))
        got = self.run_check({"tag": "package-0.1.3"})
        self.assertVersions(got, [ver(3, "package-0.1.3"), ver(1, "package-0.1.4"),
                                  ver(2, "package-0.4.0")])

    def no_draft_releases(self):
        self.releases(("release", 1, "v0.1.4"), ("release", 2, "0.4.0"),
                      ("release", 3, "v0.1.3"), ("release", 4, "0.1.2"))

    def test_no_draft_returns_the_current_version_if_it_is_also_the_latest(self):
        """and the releases do not contain a draft release: returns the
        current version if it is also the latest"""
        self.no_draft_releases()
        self.assertVersions(self.run_check({"tag": "0.4.0"}), [ver(2, "0.4.0")])

    def test_no_draft_returns_all_of_the_versions_that_are_newer(self):
        """and the releases do not contain a draft release: returns all of
        the versions that are newer"""
        self.no_draft_releases()
        self.assertVersions(self.run_check({"tag": "v0.1.3"}),
                            [ver(3, "v0.1.3"), ver(1, "v0.1.4"), ver(2, "0.4.0")])

    def test_no_draft_returns_all_newer_versions_even_when_current_version_not_found(self):
        """and the releases do not contain a draft release: returns all newer
        versions even when current version not found"""
        self.no_draft_releases()
        self.assertVersions(self.run_check({"tag": "v0.1.4-beta"}),
                            [ver(1, "v0.1.4"), ver(2, "0.4.0")])

    def test_no_draft_returns_the_latest_version_if_the_current_version_is_not_found(self):
        """and the releases do not contain a draft release: returns the
        latest version if the current version is not found"""
        self.no_draft_releases()
        self.assertVersions(self.run_check({"tag": "v3.4.5"}), [ver(2, "0.4.0")])

    def test_not_quite_semver_combines_them_with_the_semver_versions_in_a_reasonable_order(self):
        """when there are not-quite-semver versions: combines them with the
        semver versions in a reasonable order"""
        self.no_draft_releases()
        self.releases(("release", 5, "v1"), ("release", 6, "v0"))
        self.assertVersions(self.run_check({"tag": "v0.1.3"}),
                            [ver(3, "v0.1.3"), ver(1, "v0.1.4"), ver(2, "0.4.0"), ver(5, "v1")])

    def test_one_draft_returns_all_of_the_versions_that_are_newer_and_not_a_draft(self):
        """and one of the releases is a draft: returns all of the versions
        that are newer, and not a draft"""
        self.releases(("draft", 1, "v0.1.4"), ("release", 2, "0.4.0"), ("release", 3, "v0.1.3"))
        self.assertVersions(self.run_check({"tag": "v0.1.3"}),
                            [ver(3, "v0.1.3"), ver(2, "0.4.0")])

    # ---- when pre releases are allowed and releases are not ----

    def pre_only_releases(self):
        self.releases(("draft", 1, "v0.1.4"), ("release", 2, "0.4.0"),
                      ("pre", 3, "v0.4.1-rc.10"), ("pre", 4, "0.4.1-rc.9"),
                      ("pre", 5, "v0.4.1-rc.8"))

    def test_pre_only_returns_all_of_the_versions_that_are_newer_and_only_pre_relases(self):
        """when pre releases are allowed and releases are not: returns all of
        the versions that are newer, and only pre relases (the version's id 3
        is not the release of its tag: the tag decides, as in GRR)"""
        self.pre_only_releases()
        got = self.run_check({"id": "3", "tag": "0.4.1-rc.9"}, pre_release=True)
        self.assertVersions(got, [ver(4, "0.4.1-rc.9"), ver(3, "v0.4.1-rc.10")])

    def test_pre_only_returns_the_latest_prerelease_version_if_the_current_version_is_not_found(
            self):
        """when pre releases are allowed and releases are not: returns the
        latest prerelease version if the current version is not found.
        DELIBERATE DIFFERENCE: the version is {id: "5"} alone, which GRR
        cannot place (it prints only id 3, v0.4.1-rc.10); we find release 5
        by its id and print it and the newer ones."""
        self.pre_only_releases()
        got = self.run_check({"id": "5"}, pre_release=True)
        self.assertVersions(got, [ver(5, "v0.4.1-rc.8"), ver(4, "0.4.1-rc.9"),
                                  ver(3, "v0.4.1-rc.10")])

    # ---- when releases and pre releases are allowed ----

    def both_kinds_releases(self, *extra):
        self.releases(("draft", 1, "v0.1.4"), ("release", 1, "0.3.9"), ("release", 2, "0.4.0"),
                      ("release", 3, "v0.4.2"), ("pre", 4, "v0.4.1-rc.10"),
                      ("pre", 5, "0.4.1-rc.9"), ("pre", 6, "v0.4.2-rc.1"), *extra)

    def test_final_newer_returns_all_of_the_versions_that_are_newer_and_are_release_and_prerealse(
            self):
        """when releases and pre releases are allowed, and final release is
        newer: returns all of the versions that are newer, and are release
        and prerealse"""
        self.both_kinds_releases()
        got = self.run_check({"tag": "0.4.0"}, pre_release=True, release=True)
        self.assertVersions(got, [ver(2, "0.4.0"), ver(5, "0.4.1-rc.9"),
                                  ver(4, "v0.4.1-rc.10"), ver(6, "v0.4.2-rc.1"),
                                  ver(3, "v0.4.2")])

    def test_final_newer_returns_the_latest_release_version_if_the_current_version_is_not_found(
            self):
        """when releases and pre releases are allowed, and final release is
        newer: returns the latest release version if the current version is
        not found. DELIBERATE DIFFERENCE: {id: "5"} alone; GRR prints only id
        3 (v0.4.2); we find release 5 by its id."""
        self.both_kinds_releases()
        got = self.run_check({"id": "5"}, pre_release=True, release=True)
        self.assertVersions(got, [ver(5, "0.4.1-rc.9"), ver(4, "v0.4.1-rc.10"),
                                  ver(6, "v0.4.2-rc.1"), ver(3, "v0.4.2")])

    def test_pre_newer_returns_all_of_the_versions_that_are_newer_and_are_release_and_prerelease(
            self):
        """when releases and pre releases are allowed, and prerelease is
        newer: returns all of the versions that are newer, and are release
        and prerelease"""
        self.both_kinds_releases(("pre", 7, "v0.4.3-rc.1"))
        got = self.run_check({"tag": "0.4.0"}, pre_release=True, release=True)
        self.assertVersions(got, [ver(2, "0.4.0"), ver(5, "0.4.1-rc.9"),
                                  ver(4, "v0.4.1-rc.10"), ver(6, "v0.4.2-rc.1"),
                                  ver(3, "v0.4.2"), ver(7, "v0.4.3-rc.1")])

    def test_pre_newer_returns_the_latest_prerelease_version_if_the_current_version_is_not_found(
            self):
        """when releases and pre releases are allowed, and prerelease is
        newer: returns the latest prerelease version if the current version
        is not found. DELIBERATE DIFFERENCE: {id: "5"} alone; GRR prints only
        id 7 (v0.4.3-rc.1); we find release 5 by its id."""
        self.both_kinds_releases(("pre", 7, "v0.4.3-rc.1"))
        got = self.run_check({"id": "5"}, pre_release=True, release=True)
        self.assertVersions(got, [ver(5, "0.4.1-rc.9"), ver(4, "v0.4.1-rc.10"),
                                  ver(6, "v0.4.2-rc.1"), ver(3, "v0.4.2"),
                                  ver(7, "v0.4.3-rc.1")])

    # ---- when draft releases are allowed ----

    def drafts_and_a_final(self):
        self.releases(("draft", 1, "v0.1.4"), ("draft", 2, "v0.1.3"), ("draft", 3, "v0.1.1"),
                      ("release", 2, "0.4.0"))

    def test_drafts_returns_all_of_the_versions_that_are_newer_and_only_draft(self):
        """when draft releases are allowed, and one of the releases is a final
        release: returns all of the versions that are newer, and only draft"""
        self.drafts_and_a_final()
        self.assertVersions(self.run_check({"tag": "v0.1.3"}, drafts=True),
                            [ver(2, "v0.1.3"), ver(1, "v0.1.4")])

    def test_drafts_returns_all_newer_draft_versions_even_if_current_version_is_not_found(self):
        """when draft releases are allowed, and one of the releases is a final
        release: returns all newer draft versions even if current version is
        not found"""
        self.drafts_and_a_final()
        self.assertVersions(self.run_check({"tag": "v0.1.2"}, drafts=True),
                            [ver(2, "v0.1.3"), ver(1, "v0.1.4")])

    def test_drafts_none_semver_returns_all_of_the_releases_with_semver_resources(self):
        """when draft releases are allowed, and non-of them are semver:
        returns all of the releases with semver resources"""
        self.releases(("draft", 1, "abc/d"), ("draft", 2, "123*4"))
        self.assertEqual(self.run_check(None, drafts=True), [])

    def test_drafts_not_versioned_returns_all_of_the_releases_with_semver_resources(self):
        """when draft releases are allowed, and one of the releases is not a
        versioned draft release: returns all of the releases with semver
        resources (an empty tag, a null tag_name, an e-mail address)"""
        self.releases(("draft", 1, "v0.1.4"), ("draft", 2, ""), ("draft", 3, None),
                      ("draft", 4, "asdf@example.com"))
        self.assertVersions(self.run_check(None, drafts=True, pre_release=False),
                            [ver(1, "v0.1.4")])

    # ---- ordered by time ----

    def test_by_time_created_only_returns_releases_with_newer_created_time(self):
        """ordered by time, with created time only: returns releases with
        newer created time"""
        self.releases(("created", 1, "v0.1.1", 1), ("created", 2, "v0.2.1", 2),
                      ("created", 3, "v0.1.3", 3), ("created", 4, "v0.1.4", 4))
        got = self.run_check(ver(3, "v0.1.3", 3), order_by="time")
        self.assertVersions(got, [ver(3, "v0.1.3", 3), ver(4, "v0.1.4", 4)])

    def test_by_time_published_only_returns_releases_with_newer_published_time(self):
        """ordered by time, with published time only: returns releases with
        newer published time"""
        self.releases(("published", 1, "v0.1.1", 1), ("published", 2, "v0.2.1", 2),
                      ("published", 3, "v0.1.3", 3), ("published", 4, "v0.1.4", 4))
        got = self.run_check(ver(3, "v0.1.3", 3), order_by="time")
        self.assertVersions(got, [ver(3, "v0.1.3", 3), ver(4, "v0.1.4", 4)])

    def created_and_published(self):
        self.releases(("both", 1, "v0.1.1", 1, 5), ("both", 2, "v0.2.1", 2, 4),
                      ("both", 3, "v0.1.3", 4, 2), ("both", 4, "v0.1.4", 5, 1))

    def test_by_time_created_and_published_returns_releases_with_newer_published_time(self):
        """ordered by time, with created and published time: returns releases
        with newer published time"""
        self.created_and_published()
        got = self.run_check(ver(2, "v0.2.1", 4), order_by="time")
        self.assertVersions(got, [ver(2, "v0.2.1", 4), ver(1, "v0.1.1", 5)])

    def test_by_time_returns_releases_with_newer_published_time_even_when_current_not_found(
            self):
        """ordered by time, with created and published time: returns releases
        with newer published time even when current version not found"""
        self.created_and_published()
        got = self.run_check(ver(9, "v1.0.0", 3), order_by="time")
        self.assertVersions(got, [ver(2, "v0.2.1", 4), ver(1, "v0.1.1", 5)])

    def test_by_time_returns_release_with_latest_published_time_when_request_has_no_timestamp(
            self):
        """ordered by time, with created and published time: returns release
        with latest published time when request has no timestamp.
        DELIBERATE DIFFERENCE: GRR prints only id 1 (v0.1.1); we find the
        hand-given version {id: "2", tag: "v0.2.1"} by its id and print it
        and the newer ones."""
        self.created_and_published()
        got = self.run_check({"id": "2", "tag": "v0.2.1"}, order_by="time")
        self.assertVersions(got, [ver(2, "v0.2.1", 4), ver(1, "v0.1.1", 5)])
        # without an id either, GRR's answer: the latest
        got = self.run_check({"tag": "v0.2.1"}, order_by="time")
        self.assertVersions(got, [ver(1, "v0.1.1", 5)])

    def test_by_time_without_time_returns_empty_list(self):
        """ordered by time, without time: returns empty list (a release with
        neither published_at nor created_at is skipped)"""
        self.releases(("release", 1, "v0.1.1"), ("release", 2, "v0.2.1"),
                      ("release", 3, "v0.1.3"), ("release", 4, "v0.1.4"))
        self.assertEqual(self.run_check(ver(2, "v0.2.1", 3), order_by="time"), [])


class Issue12Check(GRRCase):
    """Issue 12's check items beyond GRR's own cases, against the real check:
    Go regexp syntax, the match limits, the given version, odd releases."""

    def test_go_syntax_tag_filters_work(self):
        self.releases(("created", 1, "v1.2.3", 1), ("created", 2, "v1.10.0", 2),
                      ("created", 3, "v1.10", 3), ("created", 4, "V2.0.0", 4))
        self.assertVersions(self.run_check(tag_filter="^v(\\d+\\.\\d+\\.\\d+)$"),
                            [ver(2, "v1.10.0", 2)])
        self.assertVersions(self.run_check(tag_filter="(?i)^v(.*)"), [ver(4, "V2.0.0", 4)])
        # v1.10 = v1.10.0 (missing components are zeros): the later one wins the tie
        self.assertVersions(self.run_check(tag_filter="^v(?P<v>\\d+(?:\\.\\d+)*?)$"),
                            [ver(3, "v1.10", 3)])

    def test_a_tag_over_the_match_limits_is_skipped_with_a_warning(self):
        self.releases(("created", 1, "a" * 40 + "!", 1), ("created", 2, "aaaa", 2),
                      ("created", 3, "b", 3))
        res = self.check(None, self.source(tag_filter="^(a|aa)+$", order_by="time"))
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(res.json, [{"tag": "aaaa", "id": "2", "timestamp": day(2)}])
        self.assertIn("skipped: tag_filter exceeds its match limits", res.stderr)
        self.assertLess(res.elapsed, 10)

    def test_given_tag_that_fails_tag_filter_or_does_not_parse_prints_the_latest(self):
        self.releases(("created", 1, "v1.0.0", 1), ("created", 2, "v2.0.0", 2))
        self.assertVersions(self.run_check({"tag": "v1.0.0"}, tag_filter="^v(.*)$"),
                            [ver(1, "v1.0.0", 1), ver(2, "v2.0.0", 2)])
        self.assertVersions(self.run_check({"tag": "1.0.0"}, tag_filter="^v(.*)$"),
                            [ver(2, "v2.0.0", 2)])
        self.assertVersions(self.run_check({"tag": "v1/0"}), [ver(2, "v2.0.0", 2)])

    def test_a_version_with_only_an_id_is_found_by_its_id(self):
        self.releases(("created", 7, "v1.0.0", 1), ("created", 8, "v1.1.0", 2),
                      ("created", 9, "v2.0.0", 3))
        for order in ("version", "time"):
            with self.subTest(order_by=order):
                self.assertVersions(self.run_check({"id": "8"}, order_by=order),
                                    [ver(8, "v1.1.0", 2), ver(9, "v2.0.0", 3)])
                self.assertVersions(self.run_check({"id": "99"}, order_by=order),
                                    [ver(9, "v2.0.0", 3)])

    def test_drafts_without_tag_and_releases_without_time_are_skipped(self):
        self.releases(("created", 1, "v1.0.0", 1), ("draft", 2, None), ("release", 3, "v3.0.0"))
        self.assertVersions(self.run_check(order_by="time"), [ver(1, "v1.0.0", 1)])
        self.assertVersions(self.run_check(), [ver(3, "v3.0.0")])
        self.assertEqual(self.run_check(drafts=True), [])

    def test_in_accepts_a_version_with_only_an_id(self):
        rel = self.gh.add_release(OWNER, REPO, "v1.2.3")  # the fake's own id
        out = self.get_ok({"id": str(rel.id)}, params={"skip_download": True})
        self.assertEqual(out["version"]["tag"], "v1.2.3")
        self.assertEqual(out["version"]["id"], str(rel.id))


if __name__ == "__main__":
    unittest.main(verbosity=2)
