/* listing.h - the repository's release list for check, read as cheaply as
 * GitHub allows.
 *
 * Pages of 100 are read newest first. A cache file (under $TMPDIR or /tmp)
 * keeps each page's URL, ETag and releases, so that:
 *  - page 1 answered 304 to If-None-Match: the cached list is the answer
 *    (1 request, 0 rate-limit units);
 *  - page 1 changed but its oldest release is already cached: the new page 1
 *    plus the cached releases older than that one (1 request, 1 unit);
 *  - otherwise (no, corrupt or day-old cache): every page is read, sending
 *    If-None-Match per cached page so unchanged pages cost no units, until a
 *    page has no rel="next" or GitHub's 1000-result limit answers 422.
 * The cache only saves requests: a missing or corrupt one gives the same
 * answer. */
#ifndef GRM_LISTING_H
#define GRM_LISTING_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "github.h"

#define LISTING_FULL_REFRESH_SECONDS (24 * 3600)

struct listing {
    struct github_release *rels; /* newest first, as GitHub lists them */
    size_t n;
    int requests;   /* HTTP requests this listing made */
    int from_cache; /* page 1 was unchanged (304) */
};

/* Read the list (see above). Returns 0, or -1 with err. */
int listing_fetch(struct github_client *g, struct listing *out, struct err *err);
void listing_free(struct listing *l);

/* Decode the text of a cache file (modified in place) into out: its
 * releases, pages first, then the tail; *full_at gets its last full read.
 * 0, or -1 when the text is malformed (out left empty). listing_fetch reads
 * its cache this way; public for tests and fuzzing. */
int listing_cache_decode(char *text, struct listing *out, time_t *full_at);

/* The cache file path for this source into out; 0, or -1 when no directory
 * can be used (the listing then runs without a cache). */
int listing_cache_path(const struct github_client *g, char *out, size_t n);

#endif
