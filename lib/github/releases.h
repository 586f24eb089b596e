/* releases.h - which GitHub releases are versions of this resource, and in
 * what order: the source's release/pre_release/drafts flags, tag_filter,
 * semver_constraint and order_by, shared by check, in (the version text) and
 * out (latest.json and keep_versions). */
#ifndef GRM_RELEASES_H
#define GRM_RELEASES_H

#include <stddef.h>

#include "err.h"
#include "github.h"
#include "constraint.h"
#include "semver.h"
#include "tag_filter.h"

enum releases_order { RELEASES_ORDER_VERSION, RELEASES_ORDER_TIME };

/* What the policy reads of the source; strings borrowed from the request. */
struct releases_config {
    int release;                   /* default 1 */
    int pre_release;               /* default 0 */
    int drafts;                    /* default 0 */
    const char *tag_filter;        /* required */
    const char *semver_constraint; /* NULL when absent */
    enum releases_order order_by;
};

/* The version check was given (the request's version), strings borrowed. */
struct releases_cursor {
    int present;
    const char *tag;       /* NULL when only id was given */
    const char *id;        /* NULL when absent */
    const char *timestamp; /* NULL when absent */
};

/* The source's tag_filter and semver_constraint, compiled once here. */
struct releases_policy {
    struct releases_config cfg; /* a copy; its strings borrowed */
    struct tag_filter *filter;
    struct constraint *constraint; /* NULL when none */
};

/* One release that passed the policy. */
struct releases_entry {
    const struct github_release *rel; /* borrowed from the caller's array */
    char *version;                    /* tag_filter capture, malloced */
    struct semver semver;             /* go-semi-semantic parse of version */
    int has_semver;
};

/* Compile cfg's tag_filter and semver_constraint. 0, or -1 with err naming
 * the field: `invalid source.tag_filter "(": missing closing parenthesis at
 * offset 1`, `invalid source.semver_constraint ">= x": not a version`. */
int releases_policy_init(struct releases_policy *p, const struct releases_config *cfg,
                         struct err *err);
void releases_policy_free(struct releases_policy *p);

/* The version text of a tag (tag_filter capture), malloced; NULL when the
 * filter rejects the tag (or tag is NULL, or OOM). */
char *releases_version_of(const struct releases_policy *p, const char *tag);

/* Order two releases by the policy (order_by version: go-semi-semantic
 * precedence, then time, then id; order_by time: published_at, else
 * created_at, then id). <0 when a is older. */
int releases_cmp(const struct releases_policy *p, const struct releases_entry *a,
                 const struct releases_entry *b);

/* Fill entry for rel without filtering: version text (the tag itself when
 * tag_filter rejects it) and semver when it parses. 0, or -1 on OOM. */
int releases_entry_fill(const struct releases_policy *p, const struct github_release *rel,
                        struct releases_entry *e);
/* Fill entry for rel; returns 1 when rel is a version under the policy, 0 when
 * it is filtered out, -1 on OOM. Free with releases_entry_free. A version,
 * as in github-release-resource: a release of the kinds the release,
 * pre_release and drafts flags ask for (with both release and pre_release
 * false, every non-draft kind), with a tag that passes tag_filter, whose
 * version text satisfies semver_constraint (Masterminds) when there is one,
 * and then either parses (order_by version) or has a time (order_by time). */
int releases_entry_make(const struct releases_policy *p, const struct github_release *rel,
                        struct releases_entry *e);
void releases_entry_free(struct releases_entry *e);

/* The releases that are versions, oldest first (*out malloced array). */
int releases_select(const struct releases_policy *p, const struct github_release *rels, size_t n,
                    struct releases_entry **out, size_t *n_out, struct err *err);
void releases_entries_free(struct releases_entry *es, size_t n);

/* What check prints from sorted entries: the index of the first one to print
 * (through the end). Without a version: the latest. With one: the release
 * with its id (when the version's tag, if any, is that release's), else, as
 * github-release-resource does, the first release not older than the
 * version (order_by version: its tag through tag_filter; order_by time: its
 * timestamp); when there is none, or the tag does not pass tag_filter or
 * parse, or there is no timestamp, the latest. n == 0 gives 0 (nothing to
 * print). */
size_t releases_check_from(const struct releases_policy *p, const struct releases_entry *es,
                           size_t n, const struct releases_cursor *v);

#endif
