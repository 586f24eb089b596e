/* fuzz_versions.c - libFuzzer harness: go-semi-semantic versions (semver.c),
 * Masterminds constraints (constraint.c), and tag_filter on PCRE2
 * (tag_filter.c).
 *
 * Input lines: version A, version B, constraint, tag_filter regex, then the
 * tag (the rest, newlines included); the regex and the tag are capped at 256
 * bytes each. Checked: both orderings are antisymmetric and reflexive, a
 * Masterminds version satisfies "=itself" (unless it has build metadata that
 * the term text cannot carry) and ">=0.0.0-0", a filter result is a
 * substring of the tag, and a pattern that compiles never runs past its
 * match limits for long (a timeout would fail the run). */
#include "fuzz.h"
#include "constraint.h"
#include "semver.h"
#include "tag_filter.h"

#define FIELD_MAX 256

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

static void check_semver(const char *a, const char *b)
{
    struct semver va, vb;
    int ha = semver_parse(a, &va) == 0, hb = semver_parse(b, &vb) == 0;
    if (ha && semver_cmp(&va, &va) != 0)
        abort();
    if (ha && hb && sign(semver_cmp(&va, &vb)) != -sign(semver_cmp(&vb, &va)))
        abort();
    if (ha)
        semver_free(&va);
    if (hb)
        semver_free(&vb);
}

/* "=A" must match A, A parsed the Masterminds way. */
static void check_self_match(const char *text, const struct constraint_version *v)
{
    struct err err;
    char *eq = malloc(strlen(text) + 2);
    if (!eq)
        abort();
    eq[0] = '=';
    strcpy(eq + 1, text);
    struct constraint *c = constraint_parse(eq, &err);
    /* "1" and "1.x" are dirty (~): they hold A as well */
    if (c && !constraint_match(c, v))
        abort();
    constraint_free(c);
    free(eq);
}

static void check_constraint(const char *a, const char *b, const char *cons)
{
    struct constraint_version va, vb;
    struct err err;
    int ha = constraint_version_parse(a, &va) == 0, hb = constraint_version_parse(b, &vb) == 0;
    if (ha && constraint_version_cmp(&va, &va) != 0)
        abort();
    if (ha && !strchr(a, '|') && !strchr(a, ','))
        check_self_match(a, &va);
    struct constraint *c = constraint_parse(cons, &err);
    if (c) {
        if (ha)
            constraint_match(c, &va);
        if (hb)
            constraint_match(c, &vb);
        constraint_match_text(c, b);
        constraint_free(c);
    }
    if (ha)
        constraint_version_free(&va);
    if (hb)
        constraint_version_free(&vb);
}

static void run_filter(const char *pattern, const char *tag)
{
    struct err err;
    struct tag_filter *f = tag_filter_compile(pattern, &err);
    if (!f)
        return;
    char *v = NULL;
    if (tag_filter_apply(f, tag, &v) == TAG_FILTER_MATCH && (!v || !strstr(tag, v)))
        abort();
    struct semver sv;
    if (v && semver_parse(v, &sv) == 0)
        semver_free(&sv);
    free(v);
    tag_filter_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *a = fuzz_field(&data, &size, '\n', SIZE_MAX, 0);
    char *b = fuzz_field(&data, &size, '\n', SIZE_MAX, 0);
    char *cons = fuzz_field(&data, &size, '\n', SIZE_MAX, 0);
    char *pattern = fuzz_field(&data, &size, '\n', FIELD_MAX, 0);
    char *tag = fuzz_field(&data, &size, '\n', FIELD_MAX, 1);
    check_semver(a, b);
    check_constraint(a, b, cons);
    run_filter(pattern, tag);
    free(a);
    free(b);
    free(cons);
    free(pattern);
    free(tag);
    return 0;
}
