/* test_semver.c - unit tests for semver.c: go-semi-semantic parsing and
 * ordering.
 *
 * The cases are the facts of go-semi-semantic's own tests (version_test.go,
 * version_segment_test.go, version_sort_test.go at
 * github.com/cppforlife/go-semi-semantic; MIT, Copyright (c) 2014 Dmitriy
 * Kalinin), written as version strings, plus tags from
 * concourse/github-release-resource's check tests. */
#include <stdlib.h>
#include <string.h>

#include "semver.h"
#include "tap.h"

static int parses(const char *s)
{
    struct semver v;
    int rc = semver_parse(s, &v);
    int zeroed = !v.text && !v.release.n && !v.pre.n && !v.post.n;
    semver_free(&v);
    return rc == 0 ? 1 : (zeroed ? 0 : -1); /* -1: failure left v dirty */
}

/* Compare two version strings; both must parse (99 otherwise). */
static int cmp(const char *a, const char *b)
{
    struct semver va, vb;
    if (semver_parse(a, &va) < 0)
        return 99;
    if (semver_parse(b, &vb) < 0) {
        semver_free(&va);
        return 99;
    }
    int c = semver_cmp(&va, &vb);
    semver_free(&va);
    semver_free(&vb);
    return c < 0 ? -1 : c > 0;
}

static void test_segments(void)
{
    struct semver v;
    CHECK(semver_parse("1.0.a-1.0.b+1.0.c", &v) == 0);
    CHECK(v.release.n == 3 && v.pre.n == 3 && v.post.n == 3);
    CHECK(v.release.comps[0].is_int && v.release.comps[0].num == 1);
    CHECK(!v.release.comps[2].is_int && v.release.comps[2].len == 1);
    semver_free(&v);
    /* hyphens belong to the pre-release and post-release segments */
    CHECK(semver_parse("1-1-1+1-1", &v) == 0);
    CHECK(v.release.n == 1 && v.pre.n == 1 && v.post.n == 1);
    CHECK(v.pre.comps[0].len == 3 && strncmp(v.pre.comps[0].str, "1-1", 3) == 0);
    CHECK(v.post.comps[0].len == 3);
    semver_free(&v);
    CHECK(semver_parse("1+1-1", &v) == 0 && v.pre.n == 0 && v.post.n == 1);
    semver_free(&v);
    /* leading zeros make a string component */
    CHECK(semver_parse("2024.01.0", &v) == 0);
    CHECK(v.release.comps[0].is_int && !v.release.comps[1].is_int && v.release.comps[2].is_int);
    semver_free(&v);
    CHECK(semver_parse("00", &v) == 0 && !v.release.comps[0].is_int);
    semver_free(&v);
    /* the default tag_filter leaves "package-0.1.3": release "package" */
    CHECK(semver_parse("package-0.1.3", &v) == 0);
    CHECK(v.release.n == 1 && !v.release.comps[0].is_int && v.pre.n == 3);
    semver_free(&v);
    CHECK(semver_parse("2013-03-21_01-53-17", &v) == 0 && v.release.n == 1);
    CHECK(v.pre.n == 1); /* release "2013", pre-release "03-21_01-53-17" */
    semver_free(&v);
}

static void test_parse_failures(void)
{
    static const char *const bad[] = {
        "",
        "-1",
        "+1",
        "1+",
        "1-",
        "1-+1",
        "1-1+",
        "1+1+1",
        " ",
        "1 1",
        "can\"t do it cap\"n",
        "1..2",
        ".1",
        "1.",
        "&",
        "1.\xe6\x99\xa6",
        "v1/2",
        "123*4",
        "abc/d",
        "asdf@example.com",
        "1.9223372036854775808", /* strconv.Atoi fails */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(parses(bad[i]) == 0);
        if (parses(bad[i]) != 0)
            fprintf(stderr, "  parsed: \"%s\"\n", bad[i]);
    }
    static const char *const good[] = {"1",   "1.0.a",      "v1",
                                       "a",   "_",          "1.9223372036854775807",
                                       "1-1", "0.1.2-rc.1", "1-a_b-c.d+e-f.g"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        CHECK(parses(good[i]) == 1);
}

static void test_compare(void)
{
    static const struct {
        const char *a, *b;
        int want;
    } cases[] = {
        /* version_test.go "Compare" */
        {"1.0", "1.0", 0},
        {"1.0", "1.0.0", 0},
        {"1-1+1", "1-1+1", 0},
        {"1-1+0", "1-1", 1},
        {"1-0+1", "1+1", -1},
        {"1.0-alpha", "1.0", -1},
        {"1.0+dev", "1.0", 1},
        /* version_segment_test.go "Compare": appended zeros */
        {"0", "0.0", 0},
        {"1.0", "1.0.0.0", 0},
        {"1.2.3", "1.2.3.0", 0},
        {"a", "a.0", 0},
        {"1.0", "0", 1},
        {"1.1.1", "1.1", 1},
        {"0", "1.0", -1},
        {"1.1", "1.1.1", -1},
        /* integers numerically */
        {"1", "1", 0},
        {"2", "1", 1},
        {"1", "0", 1},
        {"1.2.4", "1.2.3", 1},
        {"10", "9", 1},
        /* strings bytewise */
        {"a", "a", 0},
        {"beta.1", "alpha.1", 1},
        {"123abc", "123ab", 1},
        {"a", "a.1", -1},
        {"123ab", "123abc", -1},
        {"2013_03_21", "2013_12_00", -1},
        /* numbers below strings */
        {"1", "a", -1},
        {"1.a", "1.0", 1},
        {"1.a", "1", 1}, /* extra components that are not all zeros count */
        /* leading zeros: "01" is a string, above every integer */
        {"2024.01.0", "2024.1.0", 1},
        {"2024.01.0", "2024.12.0", 1},
        /* pre-releases */
        {"0.4.1-rc.9", "0.4.1-rc.10", -1},
        {"0.4.1-rc.10", "0.4.2-rc.1", -1},
        {"0.4.2-rc.1", "0.4.2", -1},
        {"0.1.4-beta", "0.1.4", -1},
        {"package-0.1.3", "package-0.1.4", -1},
        {"package-0.4.0", "package-0.1.4", 1},
        {"0", "0.1.2", -1},
        {"1", "0.4.0", 1},
        /* sort test: 1.0.a < 1.2 < 1.2+b */
        {"1.0.a", "1.2", -1},
        {"1.2", "1.2+b", -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = cmp(cases[i].a, cases[i].b), back = cmp(cases[i].b, cases[i].a);
        CHECK(got == cases[i].want && back == -cases[i].want);
        if (got != cases[i].want || back != -cases[i].want)
            fprintf(stderr, "  cmp(\"%s\", \"%s\") = %d / %d, want %d\n", cases[i].a, cases[i].b,
                    got, back, cases[i].want);
    }
}

int main(void)
{
    test_segments();
    test_parse_failures();
    test_compare();
    return TEST_DONE();
}
