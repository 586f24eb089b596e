/* test_constraint.c - unit tests for constraint.c: Masterminds/semver
 * v1.5.0 versions and constraints.
 *
 * The tables below are the test tables of github.com/Masterminds/semver at
 * tag v1.5.0 (constraints_test.go and version_test.go), copied as data:
 * MIT licence, Copyright (C) 2014-2019, Matt Butcher and Matt Farina. Rows
 * whose Go test looks at internals (the parsed operator function, the
 * number of || alternatives and terms) are checked for what is observable:
 * whether the text is accepted. Then our own cases: the extension (terms
 * separated by spaces), and the messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "constraint.h"
#include "tap.h"

struct check_case {
    const char *constraint, *version;
    int want;
};

struct parse_case {
    const char *text;
    int refused;
};

struct new_case {
    const char *text;
    int ors, count, refused;
};

struct pair_case {
    const char *a, *b;
};

struct cmp_case {
    const char *a, *b;
    int want;
};

/* TestConstraintCheck */
static const struct check_case constraint_check[] = {
    {"= 2.0", "1.2.3", 0},
    {"= 2.0", "2.0.0", 1},
    {"4.1", "4.1.0", 1},
    {"!=4.1", "4.1.0", 0},
    {"!=4.1", "5.1.0", 1},
    {">1.1", "4.1.0", 1},
    {">1.1", "1.1.0", 0},
    {"<1.1", "0.1.0", 1},
    {"<1.1", "1.1.0", 0},
    {"<1.1", "1.1.1", 0},
    {">=1.1", "4.1.0", 1},
    {">=1.1", "1.1.0", 1},
    {">=1.1", "0.0.9", 0},
    {"<=1.1", "0.1.0", 1},
    {"<=1.1", "1.1.0", 1},
    {"<=1.1", "1.1.1", 0},
    {">0", "0", 0},
    {">0", "0.0.1-alpha", 0},
    {">0.0", "0.0.1-alpha", 0},
    {">0-0", "0.0.1-alpha", 1},
    {">0.0-0", "0.0.1-alpha", 1},
    {">0", "0.0.0-alpha", 0},
    {">0-0", "0.0.0-alpha", 1},
    {">=0", "0.0.1-alpha", 0},
    {">=0.0", "0.0.1-alpha", 0},
    {">=0-0", "0.0.1-alpha", 1},
    {">=0.0-0", "0.0.1-alpha", 1},
    {">=0", "0.0.0-alpha", 0},
    {">=0-0", "0.0.0-alpha", 1},
    {"<0", "0.0.0-alpha", 0},
    {"<0-z", "0.0.0-alpha", 1},
    {">=0", "0", 1},
    {"=0", "1", 0},
};

/* TestConstraintsCheck */
static const struct check_case constraints_check[] = {
    {"*", "1.2.3", 1},
    {"~0.0.0", "1.2.3", 1},
    {"0.x.x", "1.2.3", 0},
    {"0.0.x", "1.2.3", 0},
    {"0.0.0", "1.2.3", 0},
    {"*", "1.2.3", 1},
    {"^0.0.0", "1.2.3", 0},
    {"= 2.0", "1.2.3", 0},
    {"= 2.0", "2.0.0", 1},
    {"4.1", "4.1.0", 1},
    {"4.1.x", "4.1.3", 1},
    {"1.x", "1.4", 1},
    {"!=4.1", "4.1.0", 0},
    {"!=4.1-alpha", "4.1.0-alpha", 0},
    {"!=4.1-alpha", "4.1.0", 1},
    {"!=4.1", "5.1.0", 1},
    {"!=4.x", "5.1.0", 1},
    {"!=4.x", "4.1.0", 0},
    {"!=4.1.x", "4.2.0", 1},
    {"!=4.2.x", "4.2.3", 0},
    {">1.1", "4.1.0", 1},
    {">1.1", "1.1.0", 0},
    {"<1.1", "0.1.0", 1},
    {"<1.1", "1.1.0", 0},
    {"<1.1", "1.1.1", 0},
    {"<1.x", "1.1.1", 1},
    {"<1.x", "2.0.0", 0},
    {"<1.1.x", "1.2.1", 0},
    {"<1.1.x", "1.1.500", 1},
    {"<1.2.x", "1.1.1", 1},
    {">=1.1", "4.1.0", 1},
    {">=1.1", "4.1.0-beta", 0},
    {">=1.1", "1.1.0", 1},
    {">=1.1", "0.0.9", 0},
    {"<=1.1", "0.1.0", 1},
    {"<=1.1", "0.1.0-alpha", 0},
    {"<=1.1-a", "0.1.0-alpha", 1},
    {"<=1.1", "1.1.0", 1},
    {"<=1.x", "1.1.0", 1},
    {"<=2.x", "3.0.0", 0},
    {"<=1.1", "1.1.1", 0},
    {"<=1.1.x", "1.2.500", 0},
    {">1.1, <2", "1.1.1", 1},
    {">1.1, <3", "4.3.2", 0},
    {">=1.1, <2, !=1.2.3", "1.2.3", 0},
    {">=1.1, <2, !=1.2.3 || > 3", "3.1.2", 1},
    {">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", 1},
    {">=1.1, <2, !=1.2.3 || > 3", "3.0.0", 0},
    {">=1.1, <2, !=1.2.3 || > 3", "1.2.3", 0},
    {"1.1 - 2", "1.1.1", 1},
    {"1.1-3", "4.3.2", 0},
    {"^1.1", "1.1.1", 1},
    {"^1.1", "4.3.2", 0},
    {"^1.x", "1.1.1", 1},
    {"^2.x", "1.1.1", 0},
    {"^1.x", "2.1.1", 0},
    {"^1.x", "1.1.1-beta1", 0},
    {"^1.1.2-alpha", "1.2.1-beta1", 1},
    {"^1.2.x-alpha", "1.1.1-beta1", 0},
    {"~*", "2.1.1", 1},
    {"~1", "2.1.1", 0},
    {"~1", "1.3.5", 1},
    {"~1", "1.4", 1},
    {"~1.x", "2.1.1", 0},
    {"~1.x", "1.3.5", 1},
    {"~1.x", "1.4", 1},
    {"~1.1", "1.1.1", 1},
    {"~1.1", "1.1.1-alpha", 0},
    {"~1.1-alpha", "1.1.1-beta", 1},
    {"~1.1.1-beta", "1.1.1-alpha", 0},
    {"~1.1.1-beta", "1.1.1", 1},
    {"~1.2.3", "1.2.5", 1},
    {"~1.2.3", "1.2.2", 0},
    {"~1.2.3", "1.3.2", 0},
    {"~1.1", "1.2.3", 0},
    {"~1.3", "2.4.5", 0},
};

/* TestConstraintsValidate */
static const struct check_case constraints_validate[] = {
    {"*", "1.2.3", 1},
    {"~0.0.0", "1.2.3", 1},
    {"= 2.0", "1.2.3", 0},
    {"= 2.0", "2.0.0", 1},
    {"4.1", "4.1.0", 1},
    {"4.1.x", "4.1.3", 1},
    {"1.x", "1.4", 1},
    {"!=4.1", "4.1.0", 0},
    {"!=4.1", "5.1.0", 1},
    {"!=4.x", "5.1.0", 1},
    {"!=4.x", "4.1.0", 0},
    {"!=4.1.x", "4.2.0", 1},
    {"!=4.2.x", "4.2.3", 0},
    {">1.1", "4.1.0", 1},
    {">1.1", "1.1.0", 0},
    {"<1.1", "0.1.0", 1},
    {"<1.1", "1.1.0", 0},
    {"<1.1", "1.1.1", 0},
    {"<1.x", "1.1.1", 1},
    {"<1.x", "2.1.1", 0},
    {"<1.1.x", "1.2.1", 0},
    {"<1.1.x", "1.1.500", 1},
    {"<1.2.x", "1.1.1", 1},
    {">=1.1", "4.1.0", 1},
    {">=1.1", "1.1.0", 1},
    {">=1.1", "0.0.9", 0},
    {"<=1.1", "0.1.0", 1},
    {"<=1.1", "1.1.0", 1},
    {"<=1.x", "1.1.0", 1},
    {"<=2.x", "3.1.0", 0},
    {"<=1.1", "1.1.1", 0},
    {"<=1.1.x", "1.2.500", 0},
    {">1.1, <2", "1.1.1", 1},
    {">1.1, <3", "4.3.2", 0},
    {">=1.1, <2, !=1.2.3", "1.2.3", 0},
    {">=1.1, <2, !=1.2.3 || > 3", "3.1.2", 1},
    {">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", 1},
    {">=1.1, <2, !=1.2.3 || > 3", "3.0.0", 0},
    {">=1.1, <2, !=1.2.3 || > 3", "1.2.3", 0},
    {"1.1 - 2", "1.1.1", 1},
    {"1.1-3", "4.3.2", 0},
    {"^1.1", "1.1.1", 1},
    {"^1.1", "1.1.1-alpha", 0},
    {"^1.1.1-alpha", "1.1.1-beta", 1},
    {"^1.1.1-beta", "1.1.1-alpha", 0},
    {"^1.1", "4.3.2", 0},
    {"^1.x", "1.1.1", 1},
    {"^2.x", "1.1.1", 0},
    {"^1.x", "2.1.1", 0},
    {"^0.0.1", "0.1.3", 1},
    {"~*", "2.1.1", 1},
    {"~1", "2.1.1", 0},
    {"~1", "1.3.5", 1},
    {"~1", "1.3.5-beta", 0},
    {"~1.x", "2.1.1", 0},
    {"~1.x", "1.3.5", 1},
    {"~1.x", "1.3.5-beta", 0},
    {"~1.3.6-alpha", "1.3.5-beta", 0},
    {"~1.3.5-alpha", "1.3.5-beta", 1},
    {"~1.3.5-beta", "1.3.5-alpha", 0},
    {"~1.x", "1.4", 1},
    {"~1.1", "1.1.1", 1},
    {"~1.2.3", "1.2.5", 1},
    {"~1.2.3", "1.2.2", 0},
    {"~1.2.3", "1.3.2", 0},
    {"~1.1", "1.2.3", 0},
    {"~1.3", "2.4.5", 0},
};

/* TestParseConstraint: the text, and whether it is refused */
static const struct parse_case parse_constraint[] = {
    {">= 1.2", 0}, {"1.0", 0},  {"foo", 1},  {"<= 1.2", 0}, {"=< 1.2", 0},
    {"=> 1.2", 0}, {"v1.2", 0}, {"=1.5", 0}, {"> 1.3", 0},  {"< 1.4.1", 0},
};

/* TestNewConstraint: the text, its || alternatives, the terms of the first, refused */
static const struct new_case new_constraint[] = {
    {">= 1.1", 1, 1, 0},
    {"2.0", 1, 1, 0},
    {"v2.3.5-20161202202307-sha.e8fc5e5", 1, 1, 0},
    {">= bar", 0, 0, 1},
    {">= 1.2.3, < 2.0", 1, 2, 0},
    {">= 1.2.3, < 2.0 || => 3.0, < 4", 2, 2, 0},
    {"3 - 4 || => 3.0, < 4", 2, 2, 0},
};

/* TestRewriteRange */
static const struct pair_case rewrite_range[] = {
    {"2 - 3", ">= 2, <= 3"},
    {"2 - 3, 2 - 3", ">= 2, <= 3,>= 2, <= 3"},
    {"2 - 3, 4.0.0 - 5.1", ">= 2, <= 3,>= 4.0.0, <= 5.1"},
};

/* version_test.go TestNewVersion: the text, and whether it is refused */
static const struct parse_case new_version[] = {
    {"1.2.3", 0},
    {"v1.2.3", 0},
    {"1.0", 0},
    {"v1.0", 0},
    {"1", 0},
    {"v1", 0},
    {"1.2.beta", 1},
    {"v1.2.beta", 1},
    {"foo", 1},
    {"1.2-5", 0},
    {"v1.2-5", 0},
    {"1.2-beta.5", 0},
    {"v1.2-beta.5", 0},
    {"\n1.2", 1},
    {"\nv1.2", 1},
    {"1.2.0-x.Y.0+metadata", 0},
    {"v1.2.0-x.Y.0+metadata", 0},
    {"1.2.0-x.Y.0+metadata-width-hypen", 0},
    {"v1.2.0-x.Y.0+metadata-width-hypen", 0},
    {"1.2.3-rc1-with-hypen", 0},
    {"v1.2.3-rc1-with-hypen", 0},
    {"1.2.3.4", 1},
    {"v1.2.3.4", 1},
    {"1.2.2147483648", 0},
    {"1.2147483648.3", 0},
    {"2147483648.3.0", 0},
};

/* version_test.go TestString: the text and the version it reads as */
static const struct pair_case version_string[] = {
    {"1.2.3", "1.2.3"},
    {"v1.2.3", "1.2.3"},
    {"1.0", "1.0.0"},
    {"v1.0", "1.0.0"},
    {"1", "1.0.0"},
    {"v1", "1.0.0"},
    {"1.2-5", "1.2.0-5"},
    {"v1.2-5", "1.2.0-5"},
    {"1.2-beta.5", "1.2.0-beta.5"},
    {"v1.2-beta.5", "1.2.0-beta.5"},
    {"1.2.0-x.Y.0+metadata", "1.2.0-x.Y.0+metadata"},
    {"v1.2.0-x.Y.0+metadata", "1.2.0-x.Y.0+metadata"},
    {"1.2.0-x.Y.0+metadata-width-hypen", "1.2.0-x.Y.0+metadata-width-hypen"},
    {"v1.2.0-x.Y.0+metadata-width-hypen", "1.2.0-x.Y.0+metadata-width-hypen"},
    {"1.2.3-rc1-with-hypen", "1.2.3-rc1-with-hypen"},
    {"v1.2.3-rc1-with-hypen", "1.2.3-rc1-with-hypen"},
};

/* version_test.go TestCompare */
static const struct cmp_case compare[] = {
    {"1.2.3", "1.5.1", -1},
    {"2.2.3", "1.5.1", 1},
    {"2.2.3", "2.2.2", 1},
    {"3.2-beta", "3.2-beta", 0},
    {"1.3", "1.1.4", 1},
    {"4.2", "4.2-beta", 1},
    {"4.2-beta", "4.2", -1},
    {"4.2-alpha", "4.2-beta", -1},
    {"4.2-alpha", "4.2-alpha", 0},
    {"4.2-beta.2", "4.2-beta.1", 1},
    {"4.2-beta2", "4.2-beta1", 1},
    {"4.2-beta", "4.2-beta.2", -1},
    {"4.2-beta", "4.2-beta.foo", -1},
    {"4.2-beta.2", "4.2-beta", 1},
    {"4.2-beta.foo", "4.2-beta", 1},
    {"1.2+bar", "1.2+baz", 0},
    {"1.0.0-beta.4", "1.0.0-beta.-2", -1},
    {"1.0.0-beta.-2", "1.0.0-beta.-3", -1},
    {"1.0.0-beta.-3", "1.0.0-beta.5", 1},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 1 or 0 as c matches v, -1 when either does not parse. */
static int matches(const char *constraint, const char *version)
{
    struct err err;
    struct constraint *c = constraint_parse(constraint, &err);
    struct constraint_version v;
    if (!c)
        return -1;
    int rc = -1;
    if (constraint_version_parse(version, &v) == 0) {
        rc = constraint_match(c, &v);
        constraint_version_free(&v);
    }
    constraint_free(c);
    return rc;
}

static void run_checks(const char *table, const struct check_case *cs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int got = matches(cs[i].constraint, cs[i].version);
        CHECK(got == cs[i].want);
        if (got != cs[i].want)
            fprintf(stderr, "  %s: \"%s\" with \"%s\": got %d, want %d\n", table, cs[i].constraint,
                    cs[i].version, got, cs[i].want);
    }
}

static int refused(const char *text)
{
    struct err err;
    struct constraint *c = constraint_parse(text, &err);
    constraint_free(c);
    return c == NULL;
}

static void test_tables(void)
{
    run_checks("TestConstraintCheck", constraint_check, N(constraint_check));
    run_checks("TestConstraintsCheck", constraints_check, N(constraints_check));
    run_checks("TestConstraintsValidate", constraints_validate, N(constraints_validate));
    for (size_t i = 0; i < N(parse_constraint); i++)
        CHECK(refused(parse_constraint[i].text) == parse_constraint[i].refused);
    for (size_t i = 0; i < N(new_constraint); i++)
        CHECK(refused(new_constraint[i].text) == new_constraint[i].refused);
}

/* A rewritten range means what its rewrite says, on a spread of versions. */
static void test_rewrite_range(void)
{
    static const char *const probes[] = {"1.9.9", "2.0.0", "2.5.0", "3.0.0", "3.0.1",
                                         "4.0.0", "4.5.0", "5.1.0", "5.1.1", "2.5.0-rc.1"};
    for (size_t i = 0; i < N(rewrite_range); i++)
        for (size_t k = 0; k < N(probes); k++)
            CHECK(matches(rewrite_range[i].a, probes[k]) == matches(rewrite_range[i].b, probes[k]));
}

static char *version_str(const char *text)
{
    struct constraint_version v;
    static char out[128];
    if (constraint_version_parse(text, &v) < 0)
        return NULL;
    snprintf(out, sizeof(out), "%lld.%lld.%lld%s%s%s%s", (long long)v.major, (long long)v.minor,
             (long long)v.patch, v.pre ? "-" : "", v.pre ? v.pre : "", v.meta ? "+" : "",
             v.meta ? v.meta : "");
    constraint_version_free(&v);
    return out;
}

static int vcmp(const char *a, const char *b)
{
    struct constraint_version va, vb;
    if (constraint_version_parse(a, &va) < 0)
        return 99;
    if (constraint_version_parse(b, &vb) < 0) {
        constraint_version_free(&va);
        return 99;
    }
    int c = constraint_version_cmp(&va, &vb);
    constraint_version_free(&va);
    constraint_version_free(&vb);
    return c;
}

static void test_versions(void)
{
    for (size_t i = 0; i < N(new_version); i++) {
        struct constraint_version v;
        int bad = constraint_version_parse(new_version[i].text, &v) < 0;
        CHECK(bad == new_version[i].refused);
        if (!bad)
            constraint_version_free(&v);
    }
    for (size_t i = 0; i < N(version_string); i++)
        CHECK_STR(version_str(version_string[i].a), version_string[i].b);
    for (size_t i = 0; i < N(compare); i++)
        CHECK(vcmp(compare[i].a, compare[i].b) == compare[i].want);
    /* int64 overflow, upper-case V and partial pre-releases are refused */
    CHECK(version_str("9223372036854775808") == NULL);
    CHECK(version_str("V1.2.3") == NULL);
    CHECK(version_str("1.2.3-") == NULL && version_str("1.2.3-a..b") == NULL);
    CHECK_STR(version_str("01.02.03"), "1.2.3");
}

/* What v1.5.0 makes of partial versions and pre-releases, beyond its tables. */
static void test_semantics(void)
{
    static const struct check_case cases[] = {
        {"1.2", "1.2.0", 1}, /* "1.2" is exactly 1.2.0: no x, not dirty */
        {"1.2", "1.2.5", 0},
        {">1.2", "1.2.5", 1},
        {"1", "1.9.0", 1},
        {"1", "2.0.0", 0},
        {"!=1.2.3", "1.2.4-rc.1", 1}, /* a plain != ignores the rule */
        {"!=1.x", "1.5.0-rc.1", 0},   /* a dirty one does not */
        {">=1.0.0", "2.0.0-rc.1", 0}, /* pre-release rule */
        {">=1.0.0-0", "2.0.0-rc.1", 1},
        {"<2.0.0", "2.0.0-rc.1", 0},
        {"v1.2.3", "1.2.3", 1},
        {"=v1.2.3+build", "1.2.3", 1},
        {"*", "0.0.0", 1},
        {"x", "99.0.0", 1},
        {"^0.2.3", "0.9.0", 1}, /* ^ keeps only the major in v1.5.0 */
        {"~1.2.3", "1.2.99", 1},
        {"1.0 - 2.0", "2.0.0", 1},
        {"1.0 - 2.0", "2.0.1", 0},
        {"~> 1.2", "1.2.9", 1},
        {" >= 1.2 , < 2 ", "1.5.0", 1},
        /* our extension: terms separated by spaces */
        {">= 1.2 < 2.0.0", "1.5.0", 1},
        {">= 1.2 < 2.0.0", "2.0.0", 0},
        {"<2", "2.5.0", 1}, /* v1.5.0: a dirty < compares only the parts given */
        {"<=1.2.x", "1.2.9", 1},
        {">=1.2 <2 || >=3", "3.1.0", 1},
    };
    run_checks("semantics", cases, N(cases));
}

static void bad(const char *text, const char *want)
{
    struct err err = {""};
    struct constraint *c = constraint_parse(text, &err);
    CHECK(c == NULL);
    constraint_free(c);
    CHECK_STR(err.msg, want);
}

static void test_messages(void)
{
    bad(">= banana", "\">= banana\": not a version");
    bad("~> x.y", "\"~> x.y\": not a version");
    bad(">=1.0.0 <", "\"<\": missing version");
    bad("<>1.0", "\"<>1.0\": not a version");
    bad(">=1.0 ||", "\">=1.0 ||\": empty term");
    bad("", "\"\": empty term");
    bad(">=1.0,", "\">=1.0,\": empty term");
    bad("1.x.x.x", "\"1.x.x.x\": not a version");
    bad("1|2", "\"1|2\": not a version");
}

int main(void)
{
    test_tables();
    test_rewrite_range();
    test_versions();
    test_semantics();
    test_messages();
    return TEST_DONE();
}
