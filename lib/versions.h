/* versions.h - semantic versions, constraints, tag_filter, and the ordering of
 * releases that check, out (latest.json) and keep_versions share.
 *
 * Versions follow semver.org 2.0 precedence; parsing is lenient the way
 * concourse/github-release-resource is: "1" and "1.2" read as 1.0.0 and
 * 1.2.0, a leading "v" is accepted. Build metadata is kept but ignored. */
#ifndef GRM_VERSIONS_H
#define GRM_VERSIONS_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct semver {
    uint64_t major, minor, patch;
    char *pre;   /* malloced pre-release ("rc.1"), or NULL */
    char *build; /* malloced build metadata, or NULL */
};

/* Parse s into v. Returns 0, or -1 when s is not a version (v left zeroed,
 * nothing to free). On success free with versions_semver_free(). */
int versions_semver_parse(const char *s, struct semver *v);
void versions_semver_free(struct semver *v);
/* <0, 0, >0 by semver precedence (build metadata ignored). */
int versions_semver_cmp(const struct semver *a, const struct semver *b);

/* A parsed constraint such as ">= 1.20.0, < 2.0.0 || ^3.1" (operators = != > <
 * >= <= ~ ^, wildcards x X *, AND by comma or space, OR by ||). Opaque. */
struct versions_constraint;
/* Returns a new constraint, or NULL with err naming the bad part. */
struct versions_constraint *versions_constraint_parse(const char *text, struct err *err);
int versions_constraint_match(const struct versions_constraint *c, const struct semver *v);
void versions_constraint_free(struct versions_constraint *c);

/* tag_filter: a POSIX extended regex over the tag. */
struct versions_filter {
    regex_t re;
    size_t ngroups;
};
/* Compile pattern; returns 0 or -1 with err quoting the regex. */
int versions_filter_init(struct versions_filter *f, const char *pattern, struct err *err);
void versions_filter_free(struct versions_filter *f);
/* When tag matches, return the version text: the last capture group that
 * matched, or the whole match when the regex has no groups; malloced.
 * Returns NULL when the tag does not match (or OOM). */
char *versions_filter_apply(const struct versions_filter *f, const char *tag);

#endif
