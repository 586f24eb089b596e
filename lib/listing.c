/* listing.c - paged, ETag-cached release listing for check (see listing.h). */
#include "listing.h"
#include "log.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LISTING_CACHE_VERSION 1
#define LISTING_PAGES_MAX 20

/* One page as read: its URL, ETag and releases (a JSON array of compact
 * release objects, the form the cache stores). */
struct listing_page {
    char *url;
    char *etag;
    json_t *items;
};

struct listing_state {
    struct listing_page pages[LISTING_PAGES_MAX];
    size_t n_pages;
    json_t *tail; /* cached releases older than the pages, or NULL */
};

static void listing_page_free(struct listing_page *pg)
{
    free(pg->url);
    free(pg->etag);
    json_decref(pg->items);
    memset(pg, 0, sizeof(*pg));
}

static void listing_state_free(struct listing_state *s)
{
    for (size_t i = 0; i < s->n_pages; i++)
        listing_page_free(&s->pages[i]);
    json_decref(s->tail);
    memset(s, 0, sizeof(*s));
}

int listing_cache_path(const struct github_client *g, char *out, size_t n)
{
    const char *tmp = getenv("TMPDIR");
    char dir[512], token_hash[65], key_hash[65];
    struct buf key = BUF_INIT(0);
    snprintf(dir, sizeof(dir), "%s/github-release-mirror", tmp && *tmp ? tmp : "/tmp");
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -1;
    const char *token = g->src->access_token ? g->src->access_token : "";
    sha256_hex(token, strlen(token), token_hash);
    if (buf_addf(&key, "%d\n%s\n%s\n%s\n%s", LISTING_CACHE_VERSION, g->src->github_api_url,
                 g->src->owner, g->src->repository, token_hash) < 0)
        return -1;
    sha256_hex(key.ptr, key.len, key_hash);
    buf_free(&key);
    int len = snprintf(out, n, "%s/releases-%s.json", dir, key_hash);
    return len > 0 && (size_t)len < n ? 0 : -1;
}

/* The compact form of a release kept in the cache (GitHub's field names). */
static json_t *listing_compact(const struct github_release *r)
{
    return json_pack("{sI s:s s:b s:b s:s? s:s?}", "id", (json_int_t)r->id, "tag_name", r->tag,
                     "draft", r->draft, "prerelease", r->prerelease, "published_at",
                     r->published_at, "created_at", r->created_at);
}

/* Turn a GitHub page (array of releases) into compact items; checks shape. */
static json_t *listing_page_items(const json_t *doc, const char *url, struct err *err)
{
    if (!json_is_array(doc)) {
        err_set(err, "GET %s: unexpected JSON: the release list is not an array", url);
        return NULL;
    }
    json_t *items = json_array();
    for (size_t i = 0; items && i < json_array_size(doc); i++) {
        struct github_release r;
        if (github_release_from_json(json_array_get(doc, i), &r, url, err) < 0) {
            json_decref(items);
            return NULL;
        }
        json_array_append_new(items, listing_compact(&r));
        github_release_free(&r);
    }
    return items;
}

/* ---- cache file ---- */

/* Whether every cached release parses: a cache whose releases are mangled is
 * dropped, not trusted on a 304. */
static int listing_items_valid(const json_t *items)
{
    struct err ignored;
    if (!json_is_array(items))
        return 0;
    for (size_t i = 0; i < json_array_size(items); i++) {
        struct github_release r;
        if (github_release_from_json(json_array_get(items, i), &r, "release cache", &ignored) < 0)
            return 0;
        github_release_free(&r);
    }
    return 1;
}

static int listing_cache_load(const char *path, struct listing_state *s, time_t *full_at)
{
    json_t *doc = json_load_file(path, 0, NULL);
    json_t *pages = json_object_get(doc, "pages");
    json_t *tail = json_object_get(doc, "tail");
    memset(s, 0, sizeof(*s));
    if (json_integer_value(json_object_get(doc, "v")) != LISTING_CACHE_VERSION ||
        !json_is_array(pages) || !listing_items_valid(tail) ||
        json_array_size(pages) > LISTING_PAGES_MAX) {
        json_decref(doc);
        return -1;
    }
    *full_at = (time_t)json_integer_value(json_object_get(doc, "full_at"));
    for (size_t i = 0; i < json_array_size(pages); i++) {
        json_t *p = json_array_get(pages, i);
        const char *url = json_string_value(json_object_get(p, "url"));
        const char *etag = json_string_value(json_object_get(p, "etag"));
        json_t *items = json_object_get(p, "releases");
        if (!url || !listing_items_valid(items))
            break;
        struct listing_page *pg = &s->pages[s->n_pages++];
        pg->url = strdup(url);
        pg->etag = etag ? strdup(etag) : NULL;
        pg->items = json_incref(items);
    }
    s->tail = json_incref(tail);
    int ok = s->n_pages == json_array_size(pages);
    json_decref(doc);
    if (!ok)
        listing_state_free(s);
    return ok ? 0 : -1;
}

static void listing_cache_save(const char *path, const struct listing_state *s, time_t full_at)
{
    json_t *pages = json_array();
    for (size_t i = 0; i < s->n_pages; i++)
        json_array_append_new(pages, json_pack("{s:s s:s? s:O}", "url", s->pages[i].url, "etag",
                                               s->pages[i].etag, "releases", s->pages[i].items));
    json_t *tail = s->tail ? json_incref(s->tail) : json_array();
    json_t *doc = json_pack("{s:i s:I s:o s:o}", "v", LISTING_CACHE_VERSION, "full_at",
                            (json_int_t)full_at, "pages", pages, "tail", tail);
    char tmp[800];
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    if (doc && json_dump_file(doc, tmp, JSON_COMPACT) == 0 && rename(tmp, path) == 0)
        log_debug("release cache written: %s", path);
    else
        unlink(tmp);
    json_decref(doc);
}

/* ---- reading pages ---- */

static const struct listing_page *listing_cached_page(const struct listing_state *c,
                                                      const char *url)
{
    for (size_t i = 0; c && i < c->n_pages; i++)
        if (strcmp(c->pages[i].url, url) == 0)
            return &c->pages[i];
    return NULL;
}

/* GET one page; *next gets the following URL. Returns 1 when GitHub's
 * 1000-result limit ended the list, 0 on a page, -1 on error. */
static int listing_read_page(struct github_client *g, const char *url,
                             const struct listing_page *cached, struct listing_page *out,
                             char **next, int *requests, struct err *err)
{
    long status = 0;
    json_t *doc = NULL;
    char *etag = NULL;
    (*requests)++;
    memset(out, 0, sizeof(*out));
    if (github_get_json(g, url, cached ? cached->etag : NULL, &status, &doc, next, &etag, err) < 0)
        return -1;
    out->url = strdup(url);
    if (status == 422) {
        log_warn("GET %s: GitHub lists only the first 1000 releases; older ones are not seen", url);
        return 1;
    }
    if (status == 404) {
        err_set(err, "GET %s: HTTP 404: repository %s/%s not found (or the token cannot see it)",
                url, g->src->owner, g->src->repository);
        return -1;
    }
    if (status == 304) {
        out->etag = cached->etag ? strdup(cached->etag) : NULL;
        out->items = json_incref(cached->items);
        /* a 304 carries no Link: the cached next page is the next URL */
        return 0;
    }
    out->etag = etag;
    out->items = listing_page_items(doc, url, err);
    json_decref(doc);
    return out->items ? 0 : -1;
}

/* Index in cached order of the release with this id, or -1. */
static long listing_find(const struct listing_state *c, json_int_t id, size_t *page, long *tail)
{
    long pos = 0;
    for (size_t p = 0; p < c->n_pages; p++)
        for (size_t i = 0; i < json_array_size(c->pages[p].items); i++, pos++)
            if (json_integer_value(json_object_get(json_array_get(c->pages[p].items, i), "id")) ==
                id) {
                *page = p;
                *tail = (long)i;
                return pos;
            }
    for (size_t i = 0; c->tail && i < json_array_size(c->tail); i++, pos++)
        if (json_integer_value(json_object_get(json_array_get(c->tail, i), "id")) == id) {
            *page = c->n_pages;
            *tail = (long)i;
            return pos;
        }
    return -1;
}

/* The cached releases after position (page, idx), as a new array. */
static json_t *listing_after(const struct listing_state *c, size_t page, long idx)
{
    json_t *rest = json_array();
    for (size_t p = page; p <= c->n_pages; p++) {
        json_t *items = p < c->n_pages ? c->pages[p].items : c->tail;
        size_t start = p == page ? (size_t)idx + 1 : 0;
        for (size_t i = start; items && i < json_array_size(items); i++)
            json_array_append(rest, json_array_get(items, i));
    }
    return rest;
}

/* Page 1 changed: merge it over the cache when they overlap. 1 = merged. */
static int listing_try_merge(struct listing_state *fresh, const struct listing_state *cache)
{
    json_t *items = fresh->pages[0].items;
    size_t n = json_array_size(items);
    if (n == 0 || !cache)
        return 0;
    json_int_t oldest = json_integer_value(json_object_get(json_array_get(items, n - 1), "id"));
    size_t page;
    long idx;
    if (listing_find(cache, oldest, &page, &idx) < 0)
        return 0;
    fresh->tail = listing_after(cache, page, idx);
    return 1;
}

static int listing_walk(struct github_client *g, struct listing_state *fresh, char *next,
                        const struct listing_state *cache, int *requests, struct err *err)
{
    while (next) {
        if (fresh->n_pages == LISTING_PAGES_MAX) {
            free(next);
            return err_set(err, "more than %d pages of releases", LISTING_PAGES_MAX);
        }
        const struct listing_page *cached = listing_cached_page(cache, next);
        char *following = NULL;
        struct listing_page *pg = &fresh->pages[fresh->n_pages];
        int rc = listing_read_page(g, next, cached, pg, &following, requests, err);
        free(next);
        if (rc != 0) {
            listing_page_free(pg);
            return rc < 0 ? -1 : 0;
        }
        fresh->n_pages++;
        if (!following && cached && fresh->pages[fresh->n_pages - 1].items == cached->items) {
            const struct listing_page *after = cached + 1;
            if (after < cache->pages + cache->n_pages)
                following = strdup(after->url);
        }
        next = following;
    }
    return 0;
}

static int listing_to_releases(const struct listing_state *s, struct listing *out, struct err *err)
{
    size_t total = s->tail ? json_array_size(s->tail) : 0;
    for (size_t p = 0; p < s->n_pages; p++)
        total += json_array_size(s->pages[p].items);
    out->rels = calloc(total ? total : 1, sizeof(*out->rels));
    if (!out->rels)
        return err_set(err, "out of memory");
    for (size_t p = 0; p <= s->n_pages; p++) {
        json_t *items = p < s->n_pages ? s->pages[p].items : s->tail;
        for (size_t i = 0; items && i < json_array_size(items); i++) {
            if (github_release_from_json(json_array_get(items, i), &out->rels[out->n],
                                         "release cache", err) < 0)
                return -1;
            out->n++;
        }
    }
    return 0;
}

int listing_fetch(struct github_client *g, struct listing *out, struct err *err)
{
    struct listing_state cache, fresh;
    char path[700], *first = github_repo_url(g, "/releases?per_page=100"), *next = NULL;
    time_t full_at = 0, now = time(NULL);
    int have_path = listing_cache_path(g, path, sizeof(path)) == 0;
    int have_cache = have_path && listing_cache_load(path, &cache, &full_at) == 0;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    memset(&fresh, 0, sizeof(fresh));
    if (!first)
        return err_set(err, "out of memory");
    const struct listing_page *cached1 = have_cache ? listing_cached_page(&cache, first) : NULL;
    if (cached1 && cached1 != &cache.pages[0])
        cached1 = NULL;
    int stale = have_cache && now - full_at > LISTING_FULL_REFRESH_SECONDS;
    int r = listing_read_page(g, first, stale ? NULL : cached1, &fresh.pages[0], &next,
                              &out->requests, err);
    if (r != 0) {
        listing_page_free(&fresh.pages[0]);
        if (r == 1)
            err_set(err, "GET %s: HTTP 422 on the first page", first);
        goto done;
    }
    fresh.n_pages = 1;
    if (cached1 && fresh.pages[0].items == cached1->items) { /* 304 */
        out->from_cache = 1;
        free(next);
        rc = listing_to_releases(&cache, out, err);
        goto done;
    }
    int merged = !stale && next && have_cache && listing_try_merge(&fresh, &cache);
    if (merged)
        free(next);
    else if (listing_walk(g, &fresh, next, have_cache ? &cache : NULL, &out->requests, err) < 0)
        goto done;
    if (!merged)
        full_at = now;
    if (have_path)
        listing_cache_save(path, &fresh, full_at);
    rc = listing_to_releases(&fresh, out, err);
done:
    if (rc < 0)
        listing_free(out);
    if (have_cache)
        listing_state_free(&cache);
    listing_state_free(&fresh);
    free(first);
    return rc;
}

void listing_free(struct listing *l)
{
    for (size_t i = 0; l->rels && i < l->n; i++)
        github_release_free(&l->rels[i]);
    free(l->rels);
    l->rels = NULL;
    l->n = 0;
}
