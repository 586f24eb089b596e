/* releases.c - the policy deciding which releases are versions and their
 * order (see releases.h). */
#include "releases.h"

#include <stdlib.h>
#include <string.h>

int releases_policy_init(struct releases_policy *p, const struct releases_config *cfg,
                         struct err *err)
{
    struct err inner = {""};
    memset(p, 0, sizeof(*p));
    p->cfg = *cfg;
    if (!(p->filter = tag_filter_compile(cfg->tag_filter, &inner)))
        return err_set(err, "invalid source.tag_filter \"%s\": %s", cfg->tag_filter, inner.msg);
    if (cfg->semver_constraint &&
        !(p->constraint = constraint_parse(cfg->semver_constraint, &inner))) {
        releases_policy_free(p);
        /* inner quotes the culprit */
        return err_set(err, "invalid source.semver_constraint %s", inner.msg);
    }
    return 0;
}

void releases_policy_free(struct releases_policy *p)
{
    tag_filter_free(p->filter);
    constraint_free(p->constraint);
    p->filter = NULL;
    p->constraint = NULL;
}

char *releases_version_of(const struct releases_policy *p, const char *tag)
{
    char *v = NULL;
    if (tag)
        tag_filter_apply(p->filter, tag, &v);
    return v;
}

/* github-release-resource's test: with release and pre_release both false,
 * it keeps both kinds. */
static int releases_kind_wanted(const struct releases_config *cfg, const struct github_release *r)
{
    if (cfg->drafts != r->draft)
        return 0;
    return !(cfg->pre_release != r->prerelease && cfg->release == r->prerelease);
}

void releases_entry_free(struct releases_entry *e)
{
    free(e->version);
    if (e->has_semver)
        semver_free(&e->semver);
    memset(e, 0, sizeof(*e));
}

int releases_entry_fill(const struct releases_policy *p, const struct github_release *rel,
                        struct releases_entry *e)
{
    memset(e, 0, sizeof(*e));
    e->rel = rel;
    e->version = releases_version_of(p, rel->tag);
    if (!e->version && !(e->version = strdup(rel->tag ? rel->tag : "")))
        return -1;
    e->has_semver = semver_parse(e->version, &e->semver) == 0;
    return 0;
}

/* 1 when e (its version text set) is a version under p. */
static int releases_keep(const struct releases_policy *p, struct releases_entry *e)
{
    if (p->constraint && !constraint_match_text(p->constraint, e->version))
        return 0;
    if (p->cfg.order_by == RELEASES_ORDER_TIME)
        return github_release_time(e->rel)[0] != '\0';
    e->has_semver = semver_parse(e->version, &e->semver) == 0;
    return e->has_semver;
}

int releases_entry_make(const struct releases_policy *p, const struct github_release *rel,
                        struct releases_entry *e)
{
    memset(e, 0, sizeof(*e));
    e->rel = rel;
    if (!rel->tag || !releases_kind_wanted(&p->cfg, rel))
        return 0;
    enum tag_filter_result r = tag_filter_apply(p->filter, rel->tag, &e->version);
    if (r == TAG_FILTER_ERROR)
        return -1;
    if (r != TAG_FILTER_MATCH)
        return 0;
    int keep = releases_keep(p, e);
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
    if (p->cfg.order_by == RELEASES_ORDER_VERSION && a->has_semver && b->has_semver) {
        int c = semver_cmp(&a->semver, &b->semver);
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
    int rc = es && tmp ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = releases_entry_make(p, &rels[i], &es[kept]);
        kept += rc == 1;
        rc = rc < 0 ? -1 : 0;
    }
    if (rc == 0)
        releases_sort(p, es, tmp, kept);
    free(tmp);
    if (rc < 0) {
        releases_entries_free(es, kept);
        return err_set(err, "out of memory");
    }
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

/* github-release-resource's search: the first entry not older than the
 * version, by its tag's version (order_by version) or its timestamp; n when
 * there is none or the version cannot be placed. */
static size_t releases_search(const struct releases_policy *p, const struct releases_entry *es,
                              size_t n, const struct releases_cursor *v)
{
    size_t i = 0;
    if (p->cfg.order_by == RELEASES_ORDER_TIME) {
        if (!v->timestamp)
            return n;
        while (i < n && strcmp(github_release_time(es[i].rel), v->timestamp) < 0)
            i++;
        return i;
    }
    char *text = releases_version_of(p, v->tag);
    struct semver sv;
    if (!text || semver_parse(text, &sv) < 0) {
        free(text);
        return n;
    }
    while (i < n && (!es[i].has_semver || semver_cmp(&es[i].semver, &sv) < 0))
        i++;
    semver_free(&sv);
    free(text);
    return i;
}

size_t releases_check_from(const struct releases_policy *p, const struct releases_entry *es,
                           size_t n, const struct releases_cursor *v)
{
    if (n == 0)
        return 0;
    if (!v || !v->present)
        return n - 1;
    for (size_t i = 0; v->id && i < n; i++)
        if (es[i].rel->id == atoll(v->id) && (!v->tag || strcmp(es[i].rel->tag, v->tag) == 0))
            return i;
    size_t from = releases_search(p, es, n, v);
    return from < n ? from : n - 1;
}
