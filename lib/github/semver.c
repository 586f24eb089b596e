/* semver.c - go-semi-semantic versions: parsing and ordering (see
 * semver.h). */
#include "semver.h"

#include <stdlib.h>
#include <string.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_word(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* One component s[0..n): an integer or a string, or -1 when neither. */
static int parse_comp(const char *s, size_t n, struct semver_comp *c)
{
    size_t digits = 0;
    if (n == 0)
        return -1;
    while (digits < n && is_digit(s[digits]))
        digits++;
    if (digits == n && !(s[0] == '0' && n > 1)) {
        int64_t v = 0;
        for (size_t i = 0; i < n; i++) {
            int d = s[i] - '0';
            if (v > (INT64_MAX - d) / 10)
                return -1; /* strconv.Atoi fails, so does the version */
            v = v * 10 + d;
        }
        *c = (struct semver_comp){1, v, NULL, 0};
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (!is_word(s[i]) && s[i] != '-')
            return -1;
    *c = (struct semver_comp){0, 0, s, n};
    return 0;
}

/* Split s[0..n) on '.' into seg->comps. */
static int parse_segment(const char *s, size_t n, struct semver_segment *seg)
{
    size_t count = 1;
    for (size_t i = 0; i < n; i++)
        count += s[i] == '.';
    seg->comps = calloc(count, sizeof(*seg->comps));
    if (!seg->comps)
        return -1;
    seg->n = count;
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (parse_comp(s + start, i - start, &seg->comps[k++]) < 0)
            return -1;
        start = i + 1;
    }
    return 0;
}

/* Length of the run at s of release characters ([0-9A-Za-z_.]), or of
 * pre/post-release characters (those and '-'). */
static size_t span(const char *s, int dash_ok)
{
    size_t i = 0;
    while (is_word(s[i]) || s[i] == '.' || (dash_ok && s[i] == '-'))
        i++;
    return i;
}

static int parse_all(const char *t, struct semver *v)
{
    size_t n = span(t, 0);
    if (n == 0 || parse_segment(t, n, &v->release) < 0)
        return -1;
    t += n;
    if (*t == '-') {
        n = span(++t, 1);
        if (n == 0 || parse_segment(t, n, &v->pre) < 0)
            return -1;
        t += n;
    }
    if (*t == '+') {
        n = span(++t, 1);
        if (n == 0 || parse_segment(t, n, &v->post) < 0)
            return -1;
        t += n;
    }
    return *t ? -1 : 0;
}

int semver_parse(const char *s, struct semver *v)
{
    memset(v, 0, sizeof(*v));
    if (!(v->text = strdup(s)) || parse_all(v->text, v) < 0) {
        semver_free(v);
        return -1;
    }
    return 0;
}

void semver_free(struct semver *v)
{
    free(v->text);
    free(v->release.comps);
    free(v->pre.comps);
    free(v->post.comps);
    memset(v, 0, sizeof(*v));
}

static int cmp_comp(const struct semver_comp *a, const struct semver_comp *b)
{
    if (a->is_int != b->is_int)
        return a->is_int ? -1 : 1;
    if (a->is_int)
        return a->num < b->num ? -1 : a->num > b->num;
    int c = memcmp(a->str, b->str, a->len < b->len ? a->len : b->len);
    if (c)
        return c < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
}

static int all_zeros(const struct semver_comp *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!c[i].is_int || c[i].num != 0)
            return 0;
    return 1;
}

static int cmp_segment(const struct semver_segment *a, const struct semver_segment *b)
{
    size_t common = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < common; i++) {
        int c = cmp_comp(&a->comps[i], &b->comps[i]);
        if (c)
            return c;
    }
    if (a->n > common && !all_zeros(a->comps + common, a->n - common))
        return 1;
    if (b->n > common && !all_zeros(b->comps + common, b->n - common))
        return -1;
    return 0;
}

int semver_cmp(const struct semver *a, const struct semver *b)
{
    int c = cmp_segment(&a->release, &b->release);
    if (c)
        return c;
    if (a->pre.n || b->pre.n) {
        if (!a->pre.n || !b->pre.n)
            return a->pre.n ? -1 : 1; /* no pre-release ranks higher */
        if ((c = cmp_segment(&a->pre, &b->pre)))
            return c;
    }
    if (a->post.n || b->post.n) {
        if (!a->post.n || !b->post.n)
            return a->post.n ? 1 : -1; /* a post-release ranks higher */
        c = cmp_segment(&a->post, &b->post);
    }
    return c;
}
