/* tag_filter.h - the source's tag_filter: a Go (RE2) regular expression
 * evaluated with PCRE2, the way concourse/github-release-resource uses it.
 *
 * The pattern is unanchored and leftmost-first; RE2 syntax (\d \w \s, (?i)
 * and other flags, (?:...), lazy *?, (?P<name>...)) is PCRE2 syntax too, and
 * PCRE2's extras (back-references, look-around) are accepted. "$" matches
 * only at the very end, as in Go. Every match runs under a match limit and a
 * depth limit, so no pattern can make a check hang: a tag that exceeds them
 * counts as not matching, with a warning. */
#ifndef GRM_TAG_FILTER_H
#define GRM_TAG_FILTER_H

#include "err.h"

/* github-release-resource's default: an optional leading "v" is not part of
 * the version. */
#define TAG_FILTER_DEFAULT "^v?([^v].*)"

/* Limits handed to pcre2_match (see pcre2_set_match_limit(3)). */
#define TAG_FILTER_MATCH_LIMIT 200000
#define TAG_FILTER_DEPTH_LIMIT 5000

struct tag_filter;

/* Compile pattern. Returns a new filter (free with tag_filter_free), or NULL
 * with err saying what is wrong, PCRE2's words with the offset
 * ("missing closing parenthesis at offset 2"), or "out of memory". The caller
 * adds the field name. */
struct tag_filter *tag_filter_compile(const char *pattern, struct err *err);
void tag_filter_free(struct tag_filter *f);

enum tag_filter_result {
    TAG_FILTER_NO_MATCH = 0,
    TAG_FILTER_MATCH = 1,
    TAG_FILTER_LIMIT = -1, /* over the match or depth limit (warning logged) */
    TAG_FILTER_ERROR = -2  /* out of memory */
};

/* Match tag. On TAG_FILTER_MATCH, *version (when version is non-NULL) gets
 * the version text, malloced: the last capture group that took part in the
 * match, else the whole match (it may be empty). *version is NULL on every
 * other result. */
enum tag_filter_result tag_filter_apply(const struct tag_filter *f, const char *tag,
                                        char **version);

#endif
