/* test_releases.c - which releases are versions, their order, and what
 * check prints for a given version. */
#include "releases.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>

static struct releases_config source(void)
{
    struct releases_config s;
    memset(&s, 0, sizeof(s));
    s.release = 1;
    s.tag_filter = "^v?([^v].*)";
    s.order_by = RELEASES_ORDER_VERSION;
    return s;
}

static struct github_release rel(int64_t id, const char *tag, const char *published, int pre,
                                 int draft)
{
    struct github_release r;
    memset(&r, 0, sizeof(r));
    r.id = id;
    r.tag = (char *)tag;
    r.published_at = (char *)published;
    r.created_at = (char *)published;
    r.prerelease = pre;
    r.draft = draft;
    return r;
}

/* Tags selected, oldest first, joined by ' '. */
static void selected(const struct releases_config *src, const struct github_release *rs, size_t n,
                     const struct releases_cursor *v, char *out, size_t cap)
{
    struct releases_policy p;
    struct releases_entry *es = NULL;
    size_t m = 0;
    struct err err = {""};
    out[0] = '\0';
    if (releases_policy_init(&p, src, &err) < 0 || releases_select(&p, rs, n, &es, &m, &err) < 0) {
        snprintf(out, cap, "error: %s", err.msg);
        return;
    }
    size_t from = v ? releases_check_from(&p, es, m, v) : 0;
    for (size_t i = from; i < m; i++) {
        strncat(out, es[i].rel->tag, cap - strlen(out) - 2);
        if (i + 1 < m)
            strcat(out, " ");
    }
    releases_entries_free(es, m);
    releases_policy_free(&p);
}

/* github-release-resource's choices. */
static void test_grr(void)
{
    char got[512];
    struct github_release rs[] = {
        rel(1, "v1.0.0", "2024-01-01T00:00:00Z", 0, 0),
        rel(2, "nightly", "2024-01-02T00:00:00Z", 0, 0), /* a string: above every number */
        rel(3, "v2.0.0-rc.1", "2024-01-03T00:00:00Z", 1, 0),
        rel(4, "v2.0.0", "2024-01-04T00:00:00Z", 0, 0),
        rel(5, NULL, NULL, 0, 1),     /* a draft without a tag */
        rel(6, "v2.1.0", NULL, 0, 0), /* no time at all */
    };
    size_t n = sizeof(rs) / sizeof(rs[0]);
    struct releases_config s = source();
    selected(&s, rs, n, NULL, got, sizeof(got));
    CHECK_STR(got, "v1.0.0 v2.0.0 v2.1.0 nightly");
    /* release and pre_release both false: every kind */
    s.release = 0;
    selected(&s, rs, n, NULL, got, sizeof(got));
    CHECK_STR(got, "v1.0.0 v2.0.0-rc.1 v2.0.0 v2.1.0 nightly");
    s = source();
    s.drafts = 1;
    selected(&s, rs, n, NULL, got, sizeof(got));
    CHECK_STR(got, "");
    /* order_by time skips a release without time */
    s = source();
    s.order_by = RELEASES_ORDER_TIME;
    selected(&s, rs, n, NULL, got, sizeof(got));
    CHECK_STR(got, "v1.0.0 nightly v2.0.0");
    /* a hand-given version without timestamp is found by id ... */
    struct releases_cursor by_id = {1, "nightly", "2", NULL};
    selected(&s, rs, n, &by_id, got, sizeof(got));
    CHECK_STR(got, "nightly v2.0.0");
    /* ... and without it, with no timestamp, only the latest */
    struct releases_cursor no_time = {1, "nightly", "99", NULL};
    selected(&s, rs, n, &no_time, got, sizeof(got));
    CHECK_STR(got, "v2.0.0");
    /* an id alone will do */
    s = source();
    struct releases_cursor only_id = {1, NULL, "4", NULL};
    selected(&s, rs, n, &only_id, got, sizeof(got));
    CHECK_STR(got, "v2.0.0 v2.1.0 nightly");
    struct releases_cursor only_gone_id = {1, NULL, "99", NULL};
    selected(&s, rs, n, &only_gone_id, got, sizeof(got));
    CHECK_STR(got, "nightly");
    /* an id whose release has another tag: the tag decides (GRR) */
    struct releases_cursor mixed = {1, "v1.0.0", "4", NULL};
    selected(&s, rs, n, &mixed, got, sizeof(got));
    CHECK_STR(got, "v1.0.0 v2.0.0 v2.1.0 nightly");
    /* a tag that does not parse, or fails tag_filter: only the latest */
    struct releases_cursor junk = {1, "a/b", NULL, NULL};
    selected(&s, rs, n, &junk, got, sizeof(got));
    CHECK_STR(got, "nightly");
    s.tag_filter = "^v(.*)$";
    struct releases_cursor unfiltered = {1, "1.0.0", NULL, NULL};
    selected(&s, rs, n, &unfiltered, got, sizeof(got));
    CHECK_STR(got, "v2.1.0");
    /* a version between releases: the first one not older */
    struct releases_cursor between = {1, "v1.5", NULL, NULL};
    selected(&s, rs, n, &between, got, sizeof(got));
    CHECK_STR(got, "v2.0.0 v2.1.0");
}

static void policy_fails(const char *filter, const char *constraint, const char *want)
{
    struct releases_config s = source();
    struct releases_policy p;
    struct err err = {""};
    s.tag_filter = (char *)filter;
    s.semver_constraint = (char *)constraint;
    CHECK(releases_policy_init(&p, &s, &err) < 0);
    CHECK_STR(err.msg, want);
}

static void test_policy_errors(void)
{
    policy_fails("(", NULL,
                 "invalid source.tag_filter \"(\": missing closing parenthesis at offset 1");
    policy_fails("^v?([^v].*)", ">= banana",
                 "invalid source.semver_constraint \">= banana\": not a version");
}

int main(void)
{
    char got[512];
    struct github_release rs[] = {
        rel(1, "v1.0.0", "2024-01-01T00:00:00Z", 0, 0),
        rel(2, "v2.0.0", "2024-02-01T00:00:00Z", 0, 0),
        rel(3, "v1.9.1", "2024-03-01T00:00:00Z", 0, 0), /* backport, published last */
        rel(4, "v2.1.0-rc.2", "2024-04-01T00:00:00Z", 1, 0),
        rel(5, "v2.1.0-rc.10", "2024-04-02T00:00:00Z", 1, 0),
        rel(6, "nightly/2024-05", "2024-05-01T00:00:00Z", 0, 0), /* no version */
        rel(7, "v3.0.0", NULL, 0, 1),                            /* draft */
    };
    size_t n = sizeof(rs) / sizeof(rs[0]);
    struct releases_config s = source();

    selected(&s, rs, n, NULL, got, sizeof(got));
    CHECK_STR(got, "v1.0.0 v1.9.1 v2.0.0");

    s.pre_release = 1;
    selected(&s, rs, n, NULL, got, sizeof(got));
    CHECK_STR(got, "v1.0.0 v1.9.1 v2.0.0 v2.1.0-rc.2 v2.1.0-rc.10");

    s.release = 0;
    selected(&s, rs, n, NULL, got, sizeof(got));
    CHECK_STR(got, "v2.1.0-rc.2 v2.1.0-rc.10");

    s = source();
    s.drafts = 1;
    selected(&s, rs, n, NULL, got, sizeof(got));
    CHECK_STR(got, "v3.0.0");

    s = source();
    s.order_by = RELEASES_ORDER_TIME;
    selected(&s, rs, n, NULL, got, sizeof(got));
    CHECK_STR(got, "v1.0.0 v2.0.0 v1.9.1 nightly/2024-05");

    s = source();
    s.semver_constraint = "< 2.0.0";
    selected(&s, rs, n, NULL, got, sizeof(got));
    CHECK_STR(got, "v1.0.0 v1.9.1");

    /* check_from: without version the latest; with one, it and newer */
    s = source();
    struct releases_cursor none = {0, NULL, NULL, NULL};
    selected(&s, rs, n, &none, got, sizeof(got));
    CHECK_STR(got, "v2.0.0");
    struct releases_cursor v19 = {1, "v1.9.1", "3", NULL};
    selected(&s, rs, n, &v19, got, sizeof(got));
    CHECK_STR(got, "v1.9.1 v2.0.0");
    struct releases_cursor by_tag = {1, "v1.0.0", NULL, NULL};
    selected(&s, rs, n, &by_tag, got, sizeof(got));
    CHECK_STR(got, "v1.0.0 v1.9.1 v2.0.0");
    struct releases_cursor gone = {1, "v1.5.0", "99", NULL}; /* deleted: newer ones */
    selected(&s, rs, n, &gone, got, sizeof(got));
    CHECK_STR(got, "v1.9.1 v2.0.0");
    struct releases_cursor future = {1, "v9.0.0", "100", NULL}; /* nothing newer: latest */
    selected(&s, rs, n, &future, got, sizeof(got));
    CHECK_STR(got, "v2.0.0");

    s.order_by = RELEASES_ORDER_TIME;
    struct releases_cursor gone_t = {1, "v1.5.0", "99", "2024-01-15T00:00:00Z"};
    selected(&s, rs, n, &gone_t, got, sizeof(got));
    CHECK_STR(got, "v2.0.0 v1.9.1 nightly/2024-05");

    s = source();
    s.tag_filter = "^release-([0-9.]+)$";
    struct github_release named[] = {rel(1, "release-1.2", "2024-01-01T00:00:00Z", 0, 0),
                                     rel(2, "v1.3.0", "2024-01-02T00:00:00Z", 0, 0),
                                     rel(3, "release-1.10", "2024-01-03T00:00:00Z", 0, 0)};
    selected(&s, named, 3, NULL, got, sizeof(got));
    CHECK_STR(got, "release-1.2 release-1.10");

    test_grr();
    test_policy_errors();
    return TEST_DONE();
}
