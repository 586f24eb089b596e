/* constraint.h - semver_constraint, exactly as github.com/Masterminds/semver
 * v1.5.0 (the version concourse/github-release-resource pins) reads and
 * checks it.
 *
 * Versions: [v]MAJOR[.MINOR[.PATCH]][-PRE][+META], numbers in decimal
 * (leading zeros allowed) that fit int64; "1.2" is 1.2.0. PRE and META are
 * dot-separated [0-9A-Za-z-]+ identifiers; META is ignored in comparisons.
 *
 * Constraints: "A - B" ranges are first rewritten to ">= A, <= B"; the text
 * is split on "||" (OR) and each alternative on "," (AND). A term is
 * [spaces] [op] [spaces] version [spaces], op one of = != > < >= => <= =< ~
 * ~> ^ (none means =), the version possibly partial or with x, X or *
 * wildcards. A term whose version has no minor, or an x in the minor or
 * patch, is "dirty": = and ~ then keep the major (and the minor unless it is
 * x or absent), < and <= compare only the parts given, != excludes that set.
 * "1.2" (no x) is the exact version 1.2.0. ^ keeps the major.
 *
 * Pre-releases: a version with a pre-release satisfies a term only when the
 * term's own version has one (except a plain "!=1.2.3").
 *
 * One extension: terms may also be separated by spaces (">= 1.2 < 2"), which
 * v1.5.0 refuses; any text v1.5.0 accepts means the same here. */
#ifndef GRM_CONSTRAINT_H
#define GRM_CONSTRAINT_H

#include <stdint.h>

#include "err.h"

struct constraint_version {
    int64_t major, minor, patch;
    char *pre;  /* malloced, NULL when none */
    char *meta; /* malloced, NULL when none */
};

/* Parse s (Masterminds' NewVersion). Returns 0 (free with
 * constraint_version_free), or -1 when s is no version or on out of memory
 * (v zeroed, nothing to free). */
int constraint_version_parse(const char *s, struct constraint_version *v);
void constraint_version_free(struct constraint_version *v);
/* Masterminds' Compare: major, minor, patch, then pre-release (none ranks
 * highest; identifiers compared numerically when both are digits, else
 * bytewise, numbers below strings). */
int constraint_version_cmp(const struct constraint_version *a, const struct constraint_version *b);

struct constraint;

/* Parse text. Returns a new constraint (free with constraint_free), or NULL
 * with err quoting the culprit: `">= banana": not a version`, `"<": missing
 * version`, `">=1.0 ||": empty term`, or "out of memory". The caller adds the
 * field name in front. */
struct constraint *constraint_parse(const char *text, struct err *err);
/* 1 when v satisfies c (some || alternative whose terms all hold), else 0. */
int constraint_match(const struct constraint *c, const struct constraint_version *v);
/* Parse the version text and match it: 1, or 0 when it is no version or
 * does not satisfy c. */
int constraint_match_text(const struct constraint *c, const char *version);
void constraint_free(struct constraint *c);

#endif
