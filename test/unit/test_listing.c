/* test_listing.c - the release cache's text form (lib/github/listing.c): what a
 * well-formed file decodes to, and that every malformed one is refused
 * whole (a check then reads every page instead of trusting it). */
#include <stdlib.h>
#include <string.h>

#include "listing.h"
#include "tap.h"

#define URL1 "https://api.github.com/repos/o/r/releases?per_page=100"
#define URL2 "https://api.github.com/repositories/7/releases?per_page=100&page=2"
#define HEAD "grm-release-cache 2\nfull_at\t1790000000\n"
#define R1 "r\t30\t-\t2026-03-01T00:00:00Z\t2026-02-28T00:00:00Z\tv3.0.0\n"
#define R2 "r\t20\tdp\t\t2026-02-01T00:00:00Z\tv2.0.0-rc.1\n"
#define R3 "r\t10\tp\t2026-01-01T00:00:00Z\t\tv1.0.0 final\n"

/* Decode a copy of text; -1 or the number of releases. */
static long decode(const char *text, struct listing *l, time_t *full_at)
{
    char *copy = strdup(text);
    int rc = listing_cache_decode(copy, l, full_at);
    free(copy);
    return rc < 0 ? -1 : (long)l->n;
}

static void test_well_formed(void)
{
    struct listing l;
    time_t full_at = 0;
    CHECK(decode(HEAD "page\t" URL1 "\t\"etag-1\"\n" R1 R2 "page\t" URL2 "\t\n"
                      "tail\n" R3,
                 &l, &full_at) == 3);
    CHECK(full_at == 1790000000);
    CHECK(l.rels[0].id == 30 && !l.rels[0].draft && !l.rels[0].prerelease);
    CHECK_STR(l.rels[0].tag, "v3.0.0");
    CHECK_STR(l.rels[0].published_at, "2026-03-01T00:00:00Z");
    CHECK_STR(l.rels[0].created_at, "2026-02-28T00:00:00Z");
    CHECK(l.rels[1].id == 20 && l.rels[1].draft && l.rels[1].prerelease);
    CHECK(l.rels[1].published_at == NULL); /* empty field: null */
    CHECK(l.rels[2].id == 10 && !l.rels[2].draft && l.rels[2].prerelease);
    CHECK_STR(l.rels[2].tag, "v1.0.0 final"); /* the tag is the rest of the line */
    CHECK(l.rels[2].created_at == NULL);
    listing_free(&l);

    /* a repository without releases */
    CHECK(decode(HEAD "page\t" URL1 "\t\"e\"\ntail\n", &l, &full_at) == 0);
    listing_free(&l);
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "",
        "grm-release-cache 1\nfull_at\t0\npage\t" URL1 "\t\ntail\n", /* another version */
        HEAD,                                                        /* no page, no tail */
        HEAD "page\t" URL1 "\t\n" R1,                                /* no tail line */
        HEAD "tail\npage\t" URL1 "\t\n",                             /* page after tail */
        HEAD "tail\ntail\n",                                         /* two tails */
        HEAD R1 "page\t" URL1 "\t\ntail\n",                          /* release before a page */
        HEAD "page\t\t\ntail\n",                                     /* page without URL */
        HEAD "page\t" URL1 "\ntail\n",                               /* page without ETag field */
        HEAD "page\t" URL1 "\t\nr\tx\t-\t\t\tv1\ntail\n",            /* id not a number */
        HEAD "page\t" URL1 "\t\nr\t-1\t-\t\t\tv1\ntail\n",           /* negative id */
        HEAD "page\t" URL1 "\t\nr\t1\t-\t\t\t\ntail\n",              /* empty tag */
        HEAD "page\t" URL1 "\t\nr\t1\t-\t\tv1\ntail\n",              /* a field missing */
        HEAD "page\t" URL1 "\t\nq\t1\t-\t\t\tv1\ntail\n",            /* unknown record */
        "grm-release-cache 2\npage\t" URL1 "\t\ntail\n",             /* no full_at */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct listing l;
        time_t full_at = 0;
        long n = decode(bad[i], &l, &full_at);
        if (n != -1)
            fprintf(stderr, "accepted case %zu\n", i);
        CHECK(n == -1);
        CHECK(l.n == 0 && l.rels == NULL);
    }
}

int main(void)
{
    test_well_formed();
    test_malformed();
    return TEST_DONE();
}
