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
 * nothing to free). On success free with versions_semver_free().
 *
 * Grammar: [v|V] N[.N[.N]] [-PRE] [+BUILD]. N is decimal without leading
 * zeros that fits uint64_t; PRE and BUILD are non-empty dot-separated
 * identifiers of [0-9A-Za-z-], numeric PRE identifiers without leading zeros
 * (any length). No whitespace anywhere. Also -1 on out of memory. */
int versions_semver_parse(const char *s, struct semver *v);
/* Free pre and build and zero v; safe on a zeroed v. */
void versions_semver_free(struct semver *v);
/* <0, 0, >0 by semver precedence (build metadata ignored). */
int versions_semver_cmp(const struct semver *a, const struct semver *b);

/* A parsed constraint such as ">= 1.20.0, < 2.0.0 || ^3.1" (operators = != > <
 * >= <= ~ ^, wildcards x X *, AND by comma or space, OR by ||). Opaque.
 *
 * A term is [op] [spaces] version; op is one of = != > < >= <= ~ ~> ^ (and
 * the aliases => =<), none meaning =. The version may be partial ("1.2", "1")
 * or end in wildcards ("1.2.x", "1.*", "*"); a partial or wildcard version
 * stands for the whole set it names, and every operator treats it as that set
 * [L, U):   1.2 = 1.2.x = =1.2  is >=1.2.0 <1.3.0
 *           >1.2  is >=1.3.0 (above the set, NOT >1.2.0: 1.2.5 does not match)
 *           >=1.2 is >=1.2.0,  <1.2 is <1.2.0,  <=1.2 is <1.3.0,
 *           !=1.2 is outside [1.2.0, 1.3.0),    * matches everything.
 * ~1.2.3 is >=1.2.3 <1.3.0, ~1.2 is >=1.2.0 <1.3.0, ~1 is >=1.0.0 <2.0.0.
 * ^1.2.3 is >=1.2.3 <2.0.0, ^0.2.3 is >=0.2.3 <0.3.0, ^0.0.3 is >=0.0.3
 * <0.0.4, ^0.0 is <0.1.0, ^0 is <1.0.0 (the first non-zero part is kept).
 * A pre-release or build suffix needs a full major.minor.patch.
 *
 * Pre-releases: every comparison is plain semver precedence, with no npm-style
 * exclusion, so 1.2.0-rc.1 < 1.2.0: ">=1.2.0" does not match 1.2.0-rc.1 and
 * "<2.0.0" does match 2.0.0-rc.1. The one refinement: the upper end U of a
 * range implied by a partial version, a wildcard, ~ or ^ is U-0, so it also
 * excludes U's pre-releases (~1.2 matches 1.2.9, not 1.3.0-rc.1). */
struct versions_constraint;
/* Returns a new constraint (free with versions_constraint_free), or NULL with
 * err naming the bad part: `invalid semver_constraint ">= abc": not a
 * version`. Empty input, empty terms (",,") and empty || alternatives fail. */
struct versions_constraint *versions_constraint_parse(const char *text, struct err *err);
/* 1 when v satisfies c (any || alternative whose terms all hold), else 0. */
int versions_constraint_match(const struct versions_constraint *c, const struct semver *v);
/* Free c; NULL is fine. */
void versions_constraint_free(struct versions_constraint *c);

/* tag_filter: a POSIX extended regex over the tag. */
/* The default tag_filter, github-release-resource's: an optional leading
 * "v" is not part of the version. versions_filter_apply() evaluates exactly
 * this pattern without regcomp/regexec (a check filters every tag of the repository,
 * and glibc's regexec with a capture costs thousands of instructions a tag). */
#define VERSIONS_DEFAULT_TAG_FILTER "^v?([^v].*)"

struct versions_filter {
    regex_t re;
    size_t ngroups;
    int is_default; /* the pattern is VERSIONS_DEFAULT_TAG_FILTER */
};
/* Compile pattern; returns 0 or -1 with err quoting the regex
 * (`invalid tag_filter "(": <regerror text>`; nothing to free then). On
 * success release with versions_filter_free(). */
int versions_filter_init(struct versions_filter *f, const char *pattern, struct err *err);
void versions_filter_free(struct versions_filter *f);
/* When tag matches, return the version text: the last capture group that
 * matched, or the whole match when the regex has no groups (or none of them
 * took part); malloced, caller frees. The text may be empty.
 * Returns NULL when the tag does not match (or OOM). */
char *versions_filter_apply(const struct versions_filter *f, const char *tag);

#endif
