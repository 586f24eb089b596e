/* test_versions.c - unit tests for versions.c: semver parsing and precedence,
 * constraints and tag_filter.
 *
 * The precedence chain is the example of semver.org 2.0 item 11 (CC BY 3.0). */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "versions.h"

static int parses(const char *s)
{
    struct semver v;
    int rc = versions_semver_parse(s, &v);
    int zeroed = v.major == 0 && v.minor == 0 && v.patch == 0 && !v.pre && !v.build;
    versions_semver_free(&v);
    return rc == 0 ? 1 : (zeroed ? 0 : -1); /* -1: failure left v dirty */
}

/* Compare two version strings; both must parse. */
static int cmp(const char *a, const char *b)
{
    struct semver va, vb;
    if (versions_semver_parse(a, &va) < 0)
        return 99;
    if (versions_semver_parse(b, &vb) < 0) {
        versions_semver_free(&va);
        return 99;
    }
    int c = versions_semver_cmp(&va, &vb);
    versions_semver_free(&va);
    versions_semver_free(&vb);
    return c < 0 ? -1 : c > 0;
}

static void test_parse(void)
{
    struct semver v;
    CHECK(versions_semver_parse("1.2.3-rc.1+build.5", &v) == 0);
    CHECK(v.major == 1 && v.minor == 2 && v.patch == 3);
    CHECK_STR(v.pre, "rc.1");
    CHECK_STR(v.build, "build.5");
    versions_semver_free(&v);

    CHECK(versions_semver_parse("v1.2", &v) == 0);
    CHECK(v.major == 1 && v.minor == 2 && v.patch == 0 && !v.pre && !v.build);
    versions_semver_free(&v);
    CHECK(versions_semver_parse("V7", &v) == 0);
    CHECK(v.major == 7 && v.minor == 0 && v.patch == 0);
    versions_semver_free(&v);
    CHECK(versions_semver_parse("18446744073709551615.0.0", &v) == 0);
    CHECK(v.major == UINT64_MAX);
    versions_semver_free(&v);
    CHECK(versions_semver_parse("1.0.0-x-y.0.a-1+001.-", &v) == 0);
    CHECK_STR(v.pre, "x-y.0.a-1");
    CHECK_STR(v.build, "001.-");
    versions_semver_free(&v);
    CHECK(versions_semver_parse("1.0.0+exp.sha.5114f85", &v) == 0);
    CHECK(!v.pre);
    CHECK_STR(v.build, "exp.sha.5114f85");
    versions_semver_free(&v);

    CHECK(cmp("v1.2", "1.2.0") == 0);
    CHECK(cmp("1", "1.0.0") == 0);
    CHECK(parses("0.0.0") == 1);
    CHECK(parses("1.2-beta") == 1);
    CHECK(parses("1.0.0-0") == 1);
    CHECK(parses("1.0.0-alpha.99999999999999999999999999") == 1);

    const char *bad[] = {"1.2.3.4",
                         "01.2.3",
                         "1.02.3",
                         "1.2.03",
                         "1.2.3-",
                         "1.2.3-01",
                         "1.2.3+",
                         "1.2.3-a..b",
                         "1.2.3+a..b",
                         "1.2.3-a_b",
                         "",
                         "abc",
                         "1.2.3 ",
                         " 1.2.3",
                         "1. 2.3",
                         "v",
                         "vv1",
                         "1.",
                         "1.2.",
                         ".1",
                         "-1.2.3",
                         "1.2.3-rc+",
                         "1.2.3++b",
                         "1.x",
                         "*",
                         "18446744073709551616.0.0",
                         "1.2.3-\xc3\xa9"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = parses(bad[i]);
        if (r != 0)
            fprintf(stderr, "accepted or left dirty: \"%s\"\n", bad[i]);
        CHECK(r == 0);
    }
}

static void test_precedence(void)
{
    const char *chain[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                           "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                           "1.0.0-rc.1",  "1.0.0",         "2.0.0",
                           "2.1.0",       "2.1.1"};
    size_t n = sizeof(chain) / sizeof(chain[0]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int want = i < j ? -1 : i > j, got = cmp(chain[i], chain[j]);
            if (got != want)
                fprintf(stderr, "cmp(%s, %s) = %d, want %d\n", chain[i], chain[j], got, want);
            CHECK(got == want);
            CHECK(cmp(chain[j], chain[i]) == -want); /* antisymmetry */
        }
    CHECK(cmp("1.0.0-rc.1", "1.0.0") < 0);
    CHECK(cmp("1.0.0+a", "1.0.0+b") == 0); /* build ignored */
    CHECK(cmp("1.0.0-rc.1+a", "1.0.0-rc.1") == 0);
    CHECK(cmp("1.10.0", "1.9.0") > 0); /* numeric, not lexical */
    CHECK(cmp("18446744073709551615.0.0", "18446744073709551614.9.9") > 0);
    /* numeric identifiers beyond 64 bits */
    CHECK(cmp("1.0.0-99999999999999999999", "1.0.0-100000000000000000000") < 0);
    CHECK(cmp("1.0.0-18446744073709551616", "1.0.0-18446744073709551615") > 0);
    CHECK(cmp("1.0.0-123456789012345678901234567890", "1.0.0-123456789012345678901234567890") == 0);
    CHECK(cmp("1.0.0-99999999999999999999999999", "1.0.0-a") < 0); /* numeric < alpha */
    CHECK(cmp("1.0.0-2", "1.0.0-10") < 0);
    CHECK(cmp("1.0.0-B", "1.0.0-a") < 0);   /* ASCII */
    CHECK(cmp("1.0.0-a-b", "1.0.0-a") > 0); /* longer alnum identifier */
    CHECK(cmp("1.0.0-1a", "1.0.0-1") > 0);  /* "1a" is alphanumeric */
    CHECK(cmp("1.0.0-a.b.c", "1.0.0-a.b") > 0);
}

/* 1/0 match of constraint c against version v; -1 on parse errors. */
static int match(const char *c, const char *v)
{
    struct err e = {{0}};
    struct semver sv;
    struct versions_constraint *vc = versions_constraint_parse(c, &e);
    if (!vc) {
        fprintf(stderr, "constraint \"%s\": %s\n", c, e.msg);
        return -1;
    }
    if (versions_semver_parse(v, &sv) < 0) {
        versions_constraint_free(vc);
        return -1;
    }
    int r = versions_constraint_match(vc, &sv);
    versions_semver_free(&sv);
    versions_constraint_free(vc);
    return r;
}

struct mcase {
    const char *constraint, *version;
    int want;
};

static void run_cases(const struct mcase *cs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int got = match(cs[i].constraint, cs[i].version);
        if (got != cs[i].want)
            fprintf(stderr, "\"%s\" vs %s: got %d, want %d\n", cs[i].constraint, cs[i].version, got,
                    cs[i].want);
        CHECK(got == cs[i].want);
    }
}

static void test_operators(void)
{
    static const struct mcase cs[] = {
        /* exact */
        {"1.2.3", "1.2.3", 1},
        {"=1.2.3", "1.2.3", 1},
        {"= 1.2.3", "1.2.3+build", 1},
        {"=1.2.3", "1.2.4", 0},
        {"=1.2.3", "1.2.2", 0},
        {"=1.2.3", "1.2.3-rc.1", 0},
        {"=1.2.3-rc.1", "1.2.3-rc.1", 1},
        {"v1.2.3", "1.2.3", 1},
        {"!=1.2.3", "1.2.3", 0},
        {"!=1.2.3", "1.2.4", 1},
        {"!=1.2.3", "1.2.2", 1},
        {"!=1.2.3", "1.2.3-rc.1", 1},
        /* ordering, exact */
        {">1.2.3", "1.2.3", 0},
        {">1.2.3", "1.2.4", 1},
        {">1.2.3", "1.2.4-rc.1", 1},
        {">=1.2.3", "1.2.3", 1},
        {">=1.2.3", "1.2.2", 0},
        {">=1.2.3", "1.2.3-rc.1", 0},
        {"<1.2.3", "1.2.3", 0},
        {"<1.2.3", "1.2.2", 1},
        {"<1.2.3", "1.2.3-rc.1", 1},
        {"<=1.2.3", "1.2.3", 1},
        {"<=1.2.3", "1.2.4", 0},
        {"=>1.2.3", "1.2.3", 1},
        {"=<1.2.3", "1.2.4", 0},
        /* partial and wildcard as sets */
        {"1.2", "1.2.0", 1},
        {"1.2", "1.2.99", 1},
        {"1.2", "1.3.0", 0},
        {"1.2", "1.1.9", 0},
        {"=1.2", "1.2.7", 1},
        {"1.2.x", "1.2.7", 1},
        {"1.2.X", "1.3.0", 0},
        {"1.2.*", "1.2.0", 1},
        {"1.x", "1.9.9", 1},
        {"1.x.x", "2.0.0", 0},
        {"1", "1.0.0", 1},
        {"1", "2.0.0", 0},
        {"1.2", "1.3.0-rc.1", 0}, /* implied upper end excludes its pre-releases */
        {"1.2", "1.2.0-rc.1", 0}, /* plain precedence: below 1.2.0 */
        {"*", "0.0.0-alpha", 1},
        {"*", "99.0.0", 1},
        {"x", "1.2.3", 1},
        {"!=1.2", "1.2.5", 0},
        {"!=1.2", "1.3.0", 1},
        {"!=1.2", "1.1.9", 1},
        {">1.2", "1.2.5", 0},
        {">1.2", "1.3.0", 1},
        {">1.2.x", "1.3.0-rc.1", 1},
        {">1", "1.9.9", 0},
        {">1", "2.0.0", 1},
        {">=1.2", "1.2.0", 1},
        {">=1.2", "1.1.9", 0},
        {">=1.2.x", "1.2.0", 1},
        {"<1.2", "1.2.0", 0},
        {"<1.2", "1.1.9", 1},
        {"<=1.2", "1.2.9", 1},
        {"<=1.2", "1.3.0", 0},
        {"<=2.x", "2.9.9", 1},
        {"<=2.x", "3.0.0", 0},
        {">*", "1.0.0", 0},
        {"<*", "0.0.0", 0},
        {"!=*", "1.0.0", 0},
        {">=*", "0.0.0", 1},
        /* tilde */
        {"~1.2.3", "1.2.3", 1},
        {"~1.2.3", "1.2.2", 0},
        {"~1.2.3", "1.2.99", 1},
        {"~1.2.3", "1.3.0", 0},
        {"~1.2.3", "1.3.0-rc.1", 0},
        {"~>1.2.3", "1.2.9", 1},
        {"~> 1.2.3", "1.3.0", 0},
        {"~1.2", "1.2.0", 1},
        {"~1.2", "1.2.9", 1},
        {"~1.2", "1.3.0", 0},
        {"~1.2", "1.1.9", 0},
        {"~1", "1.0.0", 1},
        {"~1", "1.99.0", 1},
        {"~1", "2.0.0", 0},
        {"~1", "0.9.9", 0},
        {"~1.x", "1.5.0", 1},
        {"~1.2.3-beta.2", "1.2.3-beta.4", 1},
        {"~1.2.3-beta.2", "1.2.3-beta.1", 0},
        {"~*", "5.0.0", 1},
        /* caret */
        {"^1.2.3", "1.2.3", 1},
        {"^1.2.3", "1.2.2", 0},
        {"^1.2.3", "1.99.99", 1},
        {"^1.2.3", "2.0.0", 0},
        {"^1.2.3", "2.0.0-rc.1", 0},
        {"^0.2.3", "0.2.3", 1},
        {"^0.2.3", "0.2.99", 1},
        {"^0.2.3", "0.3.0", 0},
        {"^0.2.3", "0.2.2", 0},
        {"^0.0.3", "0.0.3", 1},
        {"^0.0.3", "0.0.4", 0},
        {"^0.0.3", "0.0.2", 0},
        {"^1.2", "1.9.0", 1},
        {"^1.2", "1.1.0", 0},
        {"^1.2", "2.0.0", 0},
        {"^1", "1.9.9", 1},
        {"^1", "2.0.0", 0},
        {"^0.2", "0.2.9", 1},
        {"^0.2", "0.3.0", 0},
        {"^0", "0.9.9", 1},
        {"^0", "1.0.0", 0},
        {"^0.0", "0.0.9", 1},
        {"^0.0", "0.1.0", 0},
        {"^0.0.0", "0.0.0", 1},
        {"^0.0.0", "0.0.1", 0},
        /* bounds at the top of uint64 */
        {"~18446744073709551615", "18446744073709551615.5.5", 1},
        {">18446744073709551615", "18446744073709551615.5.5", 0},
        {"<=18446744073709551615", "18446744073709551615.5.5", 1},
    };
    run_cases(cs, sizeof(cs) / sizeof(cs[0]));
}

static void test_combinations(void)
{
    static const struct mcase cs[] = {
        {">= 1.20.0, < 2.0.0", "1.20.0", 1},
        {">= 1.20.0, < 2.0.0", "1.99.0", 1},
        {">= 1.20.0, < 2.0.0", "1.19.9", 0},
        {">= 1.20.0, < 2.0.0", "2.0.0", 0},
        {">=1.20.0 <2.0.0", "1.25.0", 1}, /* space AND */
        {">=1.20.0 <2.0.0", "2.0.0", 0},
        {">= 1.20.0 < 2.0.0", "2.1.0", 0},
        {">=1.0,<2,!=1.5.0", "1.5.0", 0},
        {">=1.0,<2,!=1.5.0", "1.5.1", 1},
        {" >=1.0 ,  <2 ", "1.5.1", 1},
        {">=1.0\t<2", "2.0.0", 0},
        {"1.x || >=3.0.0", "1.4.0", 1},
        {"1.x || >=3.0.0", "2.4.0", 0},
        {"1.x || >=3.0.0", "3.0.0", 1},
        {">= 1.20.0, < 2.0.0 || ^3.1", "3.5.0", 1},
        {">= 1.20.0, < 2.0.0 || ^3.1", "3.0.9", 0},
        {">= 1.20.0, < 2.0.0 || ^3.1", "1.21.0", 1},
        {"<1||>2,<3||=5.0.0", "5.0.0", 1},
        {"<1||>2,<3||=5.0.0", "2.5.0", 0}, /* >2 means >=3.0.0 */
        {"<1||>2.0.0,<3||=5.0.0", "2.5.0", 1},
        {"<1||>2,<3||=5.0.0", "0.5.0", 1},
        {"<1||>2,<3||=5.0.0", "4.0.0", 0},
        {">2 <1 || 1.5", "1.5.3", 1}, /* a failing group does not leak */
    };
    run_cases(cs, sizeof(cs) / sizeof(cs[0]));
}

/* Parse must fail and the message must equal want. */
static void bad_constraint(const char *text, const char *want)
{
    struct err e = {{0}};
    struct versions_constraint *c = versions_constraint_parse(text, &e);
    CHECK(c == NULL);
    versions_constraint_free(c);
    CHECK_STR(e.msg, want);
}

static void test_bad_constraints(void)
{
    bad_constraint(">= abc", "invalid semver_constraint \">= abc\": not a version");
    bad_constraint(">= 1.0, >= abc, < 2", "invalid semver_constraint \">= abc\": not a version");
    bad_constraint("", "invalid semver_constraint \"\": empty term");
    bad_constraint("   ", "invalid semver_constraint \"   \": empty term");
    bad_constraint(">= 1.0,, < 2", "invalid semver_constraint \">= 1.0,, < 2\": empty term");
    bad_constraint(">= 1.0,", "invalid semver_constraint \">= 1.0,\": empty term");
    bad_constraint(", 1.0", "invalid semver_constraint \", 1.0\": empty term");
    bad_constraint("1.0 ||", "invalid semver_constraint \"1.0 ||\": empty term");
    bad_constraint("|| 1.0", "invalid semver_constraint \"|| 1.0\": empty term");
    bad_constraint("1.0 || || 2", "invalid semver_constraint \"1.0 || || 2\": empty term");
    bad_constraint(">=", "invalid semver_constraint \">=\": missing version");
    bad_constraint(">= ,1", "invalid semver_constraint \">=\": missing version");
    bad_constraint("1.0|2.0", "invalid semver_constraint \"1.0|2.0\": not a version");
    bad_constraint(">>1", "invalid semver_constraint \">>1\": not a version");
    bad_constraint("1.2.3.4", "invalid semver_constraint \"1.2.3.4\": not a version");
    bad_constraint("01.2", "invalid semver_constraint \"01.2\": not a version");
    bad_constraint("1.x.3", "invalid semver_constraint \"1.x.3\": not a version");
    bad_constraint("1.2-rc.1", "invalid semver_constraint \"1.2-rc.1\": not a version");
    bad_constraint("1.x-rc.1", "invalid semver_constraint \"1.x-rc.1\": not a version");
    bad_constraint("1.0 - 2.0", "invalid semver_constraint \"-\": not a version");
}

/* Apply pattern to tag; returns malloced text or NULL. */
static char *filter(const char *pattern, const char *tag)
{
    struct versions_filter f;
    struct err e = {{0}};
    if (versions_filter_init(&f, pattern, &e) < 0) {
        fprintf(stderr, "filter \"%s\": %s\n", pattern, e.msg);
        return NULL;
    }
    char *out = versions_filter_apply(&f, tag);
    versions_filter_free(&f);
    return out;
}

static void check_filter(const char *pattern, const char *tag, const char *want)
{
    char *got = filter(pattern, tag);
    if (want)
        CHECK_STR(got, want);
    else
        CHECK(got == NULL);
    free(got);
}

static void test_filter(void)
{
    const char *def = "^v?([^v].*)";
    check_filter(def, "v1.2.3", "1.2.3");
    check_filter(def, "1.2.3", "1.2.3");
    check_filter(def, "vv1", NULL);
    check_filter(def, "v", NULL);
    check_filter(def, "", NULL);

    struct versions_filter f;
    struct err e = {{0}};
    CHECK(versions_filter_init(&f, def, &e) == 0);
    CHECK(f.ngroups == 1);
    versions_filter_free(&f);

    /* two groups: the last wins */
    check_filter("^(release|rel)-(.*)$", "release-2.0.1", "2.0.1");
    /* an optional last group that did not take part: the earlier group */
    check_filter("^app-([0-9.]+)(-linux)?", "app-1.4.0", "1.4.0");
    check_filter("^app-([0-9.]+)(-[a-z]+)?", "app-1.4.0-linux", "-linux");
    /* no group: the whole match, not the whole tag */
    check_filter("[0-9]+\\.[0-9]+\\.[0-9]+", "release-10.2.3-final", "10.2.3");
    /* a group that matched empty text */
    check_filter("^v?(.*)", "v", "");
    check_filter("^tools-(.*)", "v1.0", NULL);

    memset(&e, 0, sizeof(e));
    CHECK(versions_filter_init(&f, "(", &e) == -1);
    CHECK(strncmp(e.msg, "invalid tag_filter \"(\": ", 24) == 0);
    CHECK(strlen(e.msg) > 24); /* regerror text follows */
    memset(&e, 0, sizeof(e));
    CHECK(versions_filter_init(&f, "a{2,1}", &e) == -1);
    CHECK(strncmp(e.msg, "invalid tag_filter \"a{2,1}\": ", 29) == 0);
}

/* The default tag_filter is evaluated without regexec: it must give what
 * glibc's regexec gives for the same pattern, on every kind of tag. */
static void test_default_filter_matches_regexec(void)
{
    static const char *const tags[] = {
        "v1.2.3", "1.2.3", "v",           "",     "vv1",  "vV1",       "V1.0", "v-1",
        "-v1",    "v v",   " v1",         "v\n1", "\nv1", "v\t",       "v.",   ".",
        "vx",     "xv",    "release-1.0", "v1v",  "vvv",  "v\xc3\xa9", "\xff", "v\xff\xfe",
        "\x7f",   "v\x01", "1",           "a",    "va"};
    struct versions_filter fast, slow;
    struct err e = {{0}};
    CHECK(versions_filter_init(&fast, VERSIONS_DEFAULT_TAG_FILTER, &e) == 0);
    CHECK(fast.is_default);
    CHECK(regcomp(&slow.re, VERSIONS_DEFAULT_TAG_FILTER, REG_EXTENDED) == 0);
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        regmatch_t m[2];
        char *want = NULL;
        if (regexec(&slow.re, tags[i], 2, m, 0) == 0)
            want = strndup(tags[i] + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
        char *got = versions_filter_apply(&fast, tags[i]);
        if (want)
            CHECK_STR(got, want);
        else
            CHECK(got == NULL);
        free(want);
        free(got);
    }
    regfree(&slow.re);
    versions_filter_free(&fast);
    /* a pattern that only looks like the default goes through regexec */
    CHECK(versions_filter_init(&fast, "^v?([^v].*)$", &e) == 0);
    CHECK(!fast.is_default);
    versions_filter_free(&fast);
}

/* tag_filter patterns that would hang regcomp/regexec are refused. */
static void test_filter_bombs(void)
{
    struct versions_filter f;
    struct err e = {""};
    CHECK(versions_filter_init(&f, "(v?)+", &e) < 0);
    CHECK(strstr(e.msg, "empty string") != NULL);
    /* adjacent repetition operators: undefined in POSIX, nested by glibc (a
     * fuzzer's "^v?" followed by 110 '*' ran for seconds) */
    static const char *const adjacent[] = {"v?++", "^v?***([^v].*)", "a*?",
                                           "a+*",  "a{2}*",          "a?{2}"};
    for (size_t i = 0; i < sizeof(adjacent) / sizeof(adjacent[0]); i++) {
        CHECK(versions_filter_init(&f, adjacent[i], &e) < 0);
        CHECK(strstr(e.msg, "adjacent repetition operators") != NULL);
    }
    /* a quoted or bracketed '*' is no operator */
    static const char *const fine[] = {"a\\**", "[*?]*", "a*[*]", "(a*)*b"};
    for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
        CHECK(versions_filter_init(&f, fine[i], &e) == 0);
        versions_filter_free(&f);
    }
    CHECK(versions_filter_init(&f, "(a)\\1", &e) < 0);
    CHECK(strstr(e.msg, "back-reference") != NULL);
    CHECK(versions_filter_init(&f, "((a{1,33}){32})", &e) < 0);
    CHECK(strstr(e.msg, "too many atoms") != NULL);
    CHECK(versions_filter_init(&f, "^v?([0-9]+\\.[0-9]+\\.[0-9]+)$", &e) == 0);
    char *v = versions_filter_apply(&f, "v1.20.3");
    CHECK_STR(v, "1.20.3");
    free(v);
    versions_filter_free(&f);
}

int main(void)
{
    test_filter_bombs();
    test_parse();
    test_precedence();
    test_operators();
    test_combinations();
    test_bad_constraints();
    test_filter();
    test_default_filter_matches_regexec();
    return TEST_DONE();
}
