/* semver.h - versions ordered the way concourse/github-release-resource
 * orders them for order_by: version, that is as
 * github.com/cppforlife/go-semi-semantic does.
 *
 * A version is RELEASE[-PRE][+POST]. RELEASE is [0-9A-Za-z_.]+, PRE and POST
 * are [0-9A-Za-z_.-]+ (so the first '-' ends the release, and a later '-'
 * belongs to the pre-release). Each segment is split on '.' into components:
 * digits without a leading zero are integers (up to INT64_MAX), other
 * [0-9A-Za-z_-]+ are strings; an empty component makes the text no version.
 * "1.2", "package-0.1.3" (release "package", pre-release "0.1.3") and
 * "2024.01.0" ("01" is a string) are versions; "", "1..2", "-1", "1+" and
 * "1 1" are not. */
#ifndef GRM_SEMVER_H
#define GRM_SEMVER_H

#include <stddef.h>
#include <stdint.h>

struct semver_comp {
    int is_int;
    int64_t num;     /* is_int */
    const char *str; /* !is_int: points into semver.text, not terminated */
    size_t len;
};

struct semver_segment {
    struct semver_comp *comps; /* malloced; NULL when the segment is absent */
    size_t n;                  /* 0: absent */
};

struct semver {
    char *text; /* malloced copy of the version text */
    struct semver_segment release, pre, post;
};

/* Parse s into v. Returns 0 (free with semver_free), or -1 when s is no
 * version or on out of memory (v zeroed, nothing to free). */
int semver_parse(const char *s, struct semver *v);
/* Free what v owns and zero it; safe on a zeroed v. */
void semver_free(struct semver *v);
/* <0, 0 or >0. Segments compare component by component: integers by value,
 * strings bytewise, an integer below a string; when one segment is longer,
 * it is greater unless its extra components are all integer zeros ("1.2" =
 * "1.2.0", "1.a" > "1"). A version with a pre-release is below the same
 * release without one; a version with a post-release is above the same
 * version without one. */
int semver_cmp(const struct semver *a, const struct semver *b);

#endif
