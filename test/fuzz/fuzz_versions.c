/* fuzz_versions.c - libFuzzer harness: semver parser and precedence, the
 * constraint parser and matcher, and tag_filter.
 *
 * Input lines: version A, version B, constraint, tag_filter regex, then the
 * tag (the rest, newlines included). The regex and the tag are capped at 256
 * bytes each, as glibc's regcomp/regexec cost grows fast with both. Checked:
 * precedence is antisymmetric and reflexive, a parsed version matches
 * "=itself", and a filter result is a substring of the tag. */
#include "fuzz.h"
#include "versions.h"

#define FIELD_MAX 256

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

/* Precedence laws for two parsed versions. */
static void check_order(const struct semver *a, const struct semver *b)
{
    if (versions_semver_cmp(a, a) != 0 || versions_semver_cmp(b, b) != 0)
        abort();
    if (sign(versions_semver_cmp(a, b)) != -sign(versions_semver_cmp(b, a)))
        abort();
}

/* "=A" built from A's own text must match A when A is a full version. */
static void check_self_match(const char *text, const struct semver *v)
{
    struct err err;
    char *eq = malloc(strlen(text) + 2);
    if (!eq)
        abort();
    eq[0] = '=';
    strcpy(eq + 1, text);
    struct versions_constraint *c = versions_constraint_parse(eq, &err);
    /* partial versions ("1.2") name a set that contains A as well */
    if (c && !versions_constraint_match(c, v))
        abort();
    versions_constraint_free(c);
    free(eq);
}

static void run_filter(const char *pattern, const char *tag)
{
    struct versions_filter f;
    struct err err;
    if (versions_filter_init(&f, pattern, &err) < 0)
        return;
    char *v = versions_filter_apply(&f, tag);
    if (v && !strstr(tag, v))
        abort();
    struct semver sv;
    if (v && versions_semver_parse(v, &sv) == 0)
        versions_semver_free(&sv);
    free(v);
    versions_filter_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *a = fuzz_field(&data, &size, '\n', SIZE_MAX, 0);
    char *b = fuzz_field(&data, &size, '\n', SIZE_MAX, 0);
    char *cons = fuzz_field(&data, &size, '\n', SIZE_MAX, 0);
    char *pattern = fuzz_field(&data, &size, '\n', FIELD_MAX, 0);
    char *tag = fuzz_field(&data, &size, '\n', FIELD_MAX, 1);
    struct semver va, vb;
    struct err err;
    int ha = versions_semver_parse(a, &va) == 0, hb = versions_semver_parse(b, &vb) == 0;
    if (ha && hb)
        check_order(&va, &vb);
    if (ha)
        check_self_match(a, &va);
    struct versions_constraint *c = versions_constraint_parse(cons, &err);
    if (c) {
        if (ha)
            versions_constraint_match(c, &va);
        if (hb)
            versions_constraint_match(c, &vb);
        versions_constraint_free(c);
    }
    run_filter(pattern, tag);
    if (ha)
        versions_semver_free(&va);
    if (hb)
        versions_semver_free(&vb);
    free(a);
    free(b);
    free(cons);
    free(pattern);
    free(tag);
    return 0;
}
