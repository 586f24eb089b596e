/* test_tag_filter.c - unit tests for tag_filter.c: Go (RE2) syntax on PCRE2,
 * the version text a tag gives, and the match limits. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tag_filter.h"
#include "tap.h"

/* The version text pattern gives for tag, or NULL when it does not match. */
static char *apply(const char *pattern, const char *tag, enum tag_filter_result *res)
{
    struct err err = {""};
    struct tag_filter *f = tag_filter_compile(pattern, &err);
    char *out = NULL;
    if (!f) {
        fprintf(stderr, "  cannot compile \"%s\": %s\n", pattern, err.msg);
        *res = TAG_FILTER_ERROR;
        return NULL;
    }
    *res = tag_filter_apply(f, tag, &out);
    tag_filter_free(f);
    return out;
}

static void check_filter(const char *pattern, const char *tag, const char *want)
{
    enum tag_filter_result res;
    char *got = apply(pattern, tag, &res);
    if (want) {
        CHECK(res == TAG_FILTER_MATCH);
        CHECK_STR(got, want);
    } else {
        CHECK(res == TAG_FILTER_NO_MATCH && got == NULL);
        if (got)
            fprintf(stderr, "  \"%s\" on \"%s\" gave \"%s\"\n", pattern, tag, got);
    }
    free(got);
}

static void test_go_syntax(void)
{
    /* the two patterns of the issue: silent or refused before PCRE2 */
    check_filter("^v(\\d+\\.\\d+\\.\\d+)$", "v1.2.3", "1.2.3");
    check_filter("^v(\\d+\\.\\d+\\.\\d+)$", "v1.2", NULL);
    check_filter("^v(\\d+\\.\\d+\\.\\d+)$", "v1.2.3\n", NULL); /* $ is the very end, as in Go */
    check_filter("(?i)^v(.*)", "V1.0", "1.0");
    check_filter("(?i)^v(.*)", "v2.0", "2.0");
    check_filter("^(?:release-)?(\\d+)", "release-12", "12");
    check_filter("^(.*?)-", "a-b-c", "a");
    check_filter("(?P<ver>\\d+\\.\\d+)", "x1.2y", "1.2");
    check_filter("^\\w+\\s(\\S+)$", "release 1.0", "1.0");
    check_filter("^[[:alpha:]]+-([0-9.]+)$", "pkg-1.0", "1.0");
    check_filter("(?s)^v(.*)$", "v1\n2", "1\n2");
    check_filter("^v(.*)$", "v1\n2", NULL); /* "." stops at a newline without (?s) */
    check_filter("^(\\d)\\1", "11", "1");   /* PCRE2 extras are accepted */
    check_filter("^v(?=\\d)(.*)", "v9", "9");
}

static void test_version_text(void)
{
    /* unanchored, leftmost-first */
    check_filter("\\d+", "release-42-rc", "42");
    check_filter("(a|ab)(c|bcd)", "abcd", "bcd");
    /* the last group that took part, else the whole match */
    check_filter("(a)|(b)", "a", "a");
    check_filter("(a)|(b)", "b", "b");
    check_filter("v(x)?(\\d)?", "v", "v");
    check_filter("^release-(.*)$", "release-", "");
    check_filter("^release-(.*)$", "v1.0", NULL);
    /* characters, not bytes; invalid UTF-8 is still searched */
    check_filter("^(.)",
                 "\xc3\xa9"
                 "1",
                 "\xc3\xa9");
    check_filter("(\\d.*)",
                 "\xff"
                 "1.0",
                 "1.0");
}

static void test_default(void)
{
    check_filter(TAG_FILTER_DEFAULT, "v1.0.0", "1.0.0");
    check_filter(TAG_FILTER_DEFAULT, "1.0.0", "1.0.0");
    check_filter(TAG_FILTER_DEFAULT, "package-0.1.3", "package-0.1.3");
    check_filter(TAG_FILTER_DEFAULT, "vv1", NULL);
    check_filter(TAG_FILTER_DEFAULT, "v", NULL);
    check_filter(TAG_FILTER_DEFAULT, "", NULL);
}

static void bad(const char *pattern, const char *want)
{
    struct err err = {""};
    struct tag_filter *f = tag_filter_compile(pattern, &err);
    CHECK(f == NULL);
    tag_filter_free(f);
    CHECK(strstr(err.msg, want) != NULL);
    if (!strstr(err.msg, want))
        fprintf(stderr, "  \"%s\": %s\n", pattern, err.msg);
}

static void test_compile_errors(void)
{
    bad("(", "missing closing parenthesis at offset 1");
    bad("[a-", "missing terminating ] for character class");
    bad("[z-a]", "range out of order in character class");
    bad("v{2,1}", "numbers out of order in {} quantifier");
    bad("*v", "quantifier does not follow a repeatable item");
    bad("v**", "quantifier does not follow a repeatable item");
}

/* Patterns that backtrack exponentially stop at the limits, fast. */
static void test_limits(void)
{
    /* PCRE2 itself settles "^(a*)*b" (no "b" in the tag) and "(x+x+)+y" */
    static const char *const bombs[] = {"^(a+)+$", "^(a|a)*$", "^(a|aa)+$", "^(\\w+\\s?)*$"};
    const char *tag = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
    for (size_t i = 0; i < sizeof(bombs) / sizeof(bombs[0]); i++) {
        enum tag_filter_result res;
        clock_t t0 = clock();
        char *got = apply(bombs[i], tag, &res);
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        CHECK(res == TAG_FILTER_LIMIT && got == NULL);
        CHECK(secs < 2.0);
        if (res != TAG_FILTER_LIMIT || secs >= 2.0)
            fprintf(stderr, "  \"%s\": result %d in %.2f s\n", bombs[i], (int)res, secs);
        free(got);
    }
    /* deep but linear patterns are fine on a long tag */
    char long_tag[300];
    memset(long_tag, 'a', sizeof(long_tag) - 1);
    long_tag[sizeof(long_tag) - 1] = '\0';
    enum tag_filter_result res;
    char *got = apply("^(a|b)*$", long_tag, &res);
    CHECK(res == TAG_FILTER_MATCH);
    free(got);
}

int main(void)
{
    test_go_syntax();
    test_version_text();
    test_default();
    test_compile_errors();
    test_limits();
    return TEST_DONE();
}
