/* releases.c - the policy deciding which releases are versions and their
 * order (see releases.h). */
#include "releases.h"

#include <stdlib.h>
#include <string.h>

int releases_policy_init(struct releases_policy *p, const struct request_source *src,
                         struct err *err)
{
    memset(p, 0, sizeof(*p));
    p->src = src;
    if (versions_filter_init(&p->filter, src->tag_filter, err) < 0)
        return -1;
    if (src->semver_constraint &&
        !(p->constraint = versions_constraint_parse(src->semver_constraint, err))) {
        versions_filter_free(&p->filter);
        return -1;
    }
    return 0;
}

void releases_policy_free(struct releases_policy *p)
{
    versions_filter_free(&p->filter);
    versions_constraint_free(p->constraint);
    p->constraint = NULL;
}

char *releases_version_of(const struct releases_policy *p, const char *tag)
{
    return versions_filter_apply(&p->filter, tag);
}

static int releases_kind_wanted(const struct request_source *src, const struct github_release *r)
{
    if (src->drafts != r->draft)
        return 0;
    return r->prerelease ? src->pre_release : src->release;
}

void releases_entry_free(struct releases_entry *e)
{
    free(e->version);
    if (e->has_semver)
        versions_semver_free(&e->semver);
    memset(e, 0, sizeof(*e));
}

int releases_entry_fill(const struct releases_policy *p, const struct github_release *rel,
                        struct releases_entry *e)
{
    memset(e, 0, sizeof(*e));
    e->rel = rel;
    e->version = releases_version_of(p, rel->tag);
    if (!e->version && !(e->version = strdup(rel->tag)))
        return -1;
    e->has_semver = versions_semver_parse(e->version, &e->semver) == 0;
    return 0;
}

int releases_entry_make(const struct releases_policy *p, const struct github_release *rel,
                        struct releases_entry *e)
{
    memset(e, 0, sizeof(*e));
    e->rel = rel;
    if (!releases_kind_wanted(p->src, rel))
        return 0;
    e->version = releases_version_of(p, rel->tag);
    if (!e->version)
        return 0;
    e->has_semver = versions_semver_parse(e->version, &e->semver) == 0;
    int keep = 1;
    if (!e->has_semver && (p->src->order_by == REQUEST_ORDER_VERSION || p->constraint))
        keep = 0;
    else if (p->constraint && !versions_constraint_match(p->constraint, &e->semver))
        keep = 0;
    if (!keep)
        releases_entry_free(e);
    return keep;
}

static int releases_cmp_time(const struct releases_entry *a, const struct releases_entry *b)
{
    int c = strcmp(github_release_time(a->rel), github_release_time(b->rel));
    if (c)
        return c;
    return a->rel->id < b->rel->id ? -1 : a->rel->id > b->rel->id;
}

int releases_cmp(const struct releases_policy *p, const struct releases_entry *a,
                 const struct releases_entry *b)
{
    if (p->src->order_by == REQUEST_ORDER_VERSION && a->has_semver && b->has_semver) {
        int c = versions_semver_cmp(&a->semver, &b->semver);
        if (c)
            return c;
    }
    return releases_cmp_time(a, b);
}

/* qsort has no context argument; a stable merge sort keeps this re-entrant. */
static void releases_sort(const struct releases_policy *p, struct releases_entry *es,
                          struct releases_entry *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t half = n / 2;
    releases_sort(p, es, tmp, half);
    releases_sort(p, es + half, tmp, n - half);
    size_t i = 0, j = half, k = 0;
    while (i < half && j < n)
        tmp[k++] = releases_cmp(p, &es[j], &es[i]) < 0 ? es[j++] : es[i++];
    while (i < half)
        tmp[k++] = es[i++];
    while (j < n)
        tmp[k++] = es[j++];
    memcpy(es, tmp, n * sizeof(*es));
}

int releases_select(const struct releases_policy *p, const struct github_release *rels, size_t n,
                    struct releases_entry **out, size_t *n_out, struct err *err)
{
    struct releases_entry *es = calloc(n ? n : 1, sizeof(*es));
    struct releases_entry *tmp = calloc(n ? n : 1, sizeof(*tmp));
    size_t kept = 0;
    if (!es || !tmp) {
        free(es);
        free(tmp);
        return err_set(err, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        if (releases_entry_make(p, &rels[i], &es[kept]) == 1)
            kept++;
    releases_sort(p, es, tmp, kept);
    free(tmp);
    *out = es;
    *n_out = kept;
    return 0;
}

void releases_entries_free(struct releases_entry *es, size_t n)
{
    for (size_t i = 0; es && i < n; i++)
        releases_entry_free(&es[i]);
    free(es);
}

/* A stand-in entry for a version that is no longer listed; 1 when it can
 * be ordered. */
static int releases_probe(const struct releases_policy *p, const struct request_version *v,
                          struct github_release *rel, struct releases_entry *e)
{
    memset(rel, 0, sizeof(*rel));
    rel->tag = v->tag;
    rel->published_at = v->timestamp;
    rel->id = v->id ? atoll(v->id) : 0;
    if (releases_entry_fill(p, rel, e) < 0)
        return 0;
    if (p->src->order_by == REQUEST_ORDER_VERSION)
        return e->has_semver;
    return v->timestamp != NULL;
}

size_t releases_check_from(const struct releases_policy *p, const struct releases_entry *es,
                           size_t n, const struct request_version *v)
{
    if (n == 0)
        return 0;
    if (!v || !v->present)
        return n - 1;
    for (size_t i = 0; v->id && i < n; i++)
        if (es[i].rel->id == atoll(v->id))
            return i;
    for (size_t i = 0; i < n; i++)
        if (strcmp(es[i].rel->tag, v->tag) == 0)
            return i;
    struct github_release ghost;
    struct releases_entry probe;
    size_t from = n - 1;
    if (releases_probe(p, v, &ghost, &probe)) {
        for (size_t i = 0; i < n; i++) {
            if (releases_cmp(p, &es[i], &probe) > 0) {
                from = i;
                break;
            }
        }
    }
    releases_entry_free(&probe);
    return from;
}
