/* listing.c - paged, ETag-cached release listing for check (see listing.h).
 *
 * The cache is a text file read straight into releases, since a warm check
 * costs little more than reading it. One record a line, fields separated by
 * tabs:
 *   grm-release-cache 2
 *   full_at <unix seconds of the last full read>
 *   page <url> <etag, empty for none>
 *   r <id> <flags: d draft, p prerelease, - neither> <published_at> <created_at> <tag>
 *   tail
 * Each page line is followed by its releases; the releases after "tail" are
 * those cached from older pages. An empty time field stands for null. Tags
 * are git ref names, which hold no control characters; should GitHub ever
 * send a field with a tab or a line break, no cache is written. */
#include "listing.h"
#include "log.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LISTING_CACHE_VERSION 2
#define LISTING_CACHE_MAGIC "grm-release-cache 2"
#define LISTING_CACHE_MAX (16u * 1024 * 1024)
#define LISTING_PAGES_MAX 20

/* A growable array of releases, kept in a struct buf. */
struct listing_rels {
    struct buf mem;
};

/* One page as read: its URL, ETag and releases (the fields the cache keeps). */
struct listing_page {
    char *url;
    char *etag;
    struct listing_rels rels;
    int unchanged; /* answered 304: the releases are the cached page's */
};

struct listing_state {
    struct listing_page pages[LISTING_PAGES_MAX];
    size_t n_pages;
    struct listing_rels tail; /* cached releases older than the pages */
};

/* ---- release arrays ---- */

static size_t listing_rels_n(const struct listing_rels *a)
{
    return a->mem.len / sizeof(struct github_release);
}

static struct github_release *listing_rels_at(const struct listing_rels *a, size_t i)
{
    return (struct github_release *)(void *)a->mem.ptr + i;
}

/* Append rel, taking its strings (rel is left empty); -1 on OOM (rel freed). */
static int listing_rels_push(struct listing_rels *a, struct github_release *rel)
{
    if (buf_add(&a->mem, rel, sizeof(*rel)) < 0) {
        github_release_free(rel);
        return -1;
    }
    memset(rel, 0, sizeof(*rel));
    return 0;
}

static void listing_rels_free(struct listing_rels *a)
{
    for (size_t i = 0; i < listing_rels_n(a); i++)
        github_release_free(listing_rels_at(a, i));
    buf_free(&a->mem);
}

/* The fields of r the listing keeps, copied (strings strdup'd). */
static int listing_copy(const struct github_release *r, struct github_release *out)
{
    memset(out, 0, sizeof(*out));
    out->id = r->id;
    out->draft = r->draft;
    out->prerelease = r->prerelease;
    out->tag = strdup(r->tag);
    out->published_at = r->published_at ? strdup(r->published_at) : NULL;
    out->created_at = r->created_at ? strdup(r->created_at) : NULL;
    if (out->tag && (out->published_at || !r->published_at) && (out->created_at || !r->created_at))
        return 0;
    github_release_free(out);
    return -1;
}

/* Append copies of from[start..]; -1 on OOM. */
static int listing_rels_append(struct listing_rels *a, const struct listing_rels *from,
                               size_t start)
{
    for (size_t i = start; i < listing_rels_n(from); i++) {
        struct github_release r;
        if (listing_copy(listing_rels_at(from, i), &r) < 0 || listing_rels_push(a, &r) < 0)
            return -1;
    }
    return 0;
}

static void listing_page_free(struct listing_page *pg)
{
    free(pg->url);
    free(pg->etag);
    listing_rels_free(&pg->rels);
    memset(pg, 0, sizeof(*pg));
}

static void listing_state_free(struct listing_state *s)
{
    for (size_t i = 0; i < s->n_pages; i++)
        listing_page_free(&s->pages[i]);
    listing_rels_free(&s->tail);
    memset(s, 0, sizeof(*s));
}

int listing_cache_path(const struct github_client *g, char *out, size_t n)
{
    char dir[512], token_hash[65], key_hash[65];
    struct buf key = BUF_INIT(0);
    snprintf(dir, sizeof(dir), "%s/github-release-mirror", g->cfg->tmpdir);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -1;
    const char *token = g->cfg->access_token ? g->cfg->access_token : "";
    if (g->cfg->private_key) /* App tokens change hourly: keyed by the App's key */
        token = g->cfg->private_key;
    sha256_hex(token, strlen(token), token_hash);
    if (buf_addf(&key, "%d\n%s\n%s\n%s\n%s", LISTING_CACHE_VERSION, g->cfg->github_api_url,
                 g->cfg->owner, g->cfg->repository, token_hash) < 0)
        return -1;
    sha256_hex(key.ptr, key.len, key_hash);
    buf_free(&key);
    int len = snprintf(out, n, "%s/releases-%s.txt", dir, key_hash);
    return len > 0 && (size_t)len < n ? 0 : -1;
}

/* A GitHub page (array of releases) into the page's releases; checks shape. */
static int listing_page_items(const json_t *doc, const char *url, struct listing_page *pg,
                              struct err *err)
{
    if (!json_is_array(doc))
        return err_set(err, "GET %s: unexpected JSON: the release list is not an array", url);
    for (size_t i = 0; i < json_array_size(doc); i++) {
        struct github_release full, kept;
        if (github_release_from_json(json_array_get(doc, i), &full, url, err) < 0)
            return -1;
        if (!full.tag) { /* a draft without a tag is no version: not kept */
            github_release_free(&full);
            continue;
        }
        int rc = listing_copy(&full, &kept);
        github_release_free(&full);
        if (rc < 0 || listing_rels_push(&pg->rels, &kept) < 0)
            return err_set(err, "out of memory");
    }
    return 0;
}

/* ---- cache file: reading ---- */

/* Split the line at *p into at most max tab-separated fields (NUL-terminated
 * in place); *p moves past the line. The number of fields. */
static size_t listing_fields(char **p, char **f, size_t max)
{
    char *line = *p, *end = strchr(line, '\n');
    size_t n = 0;
    if (!end)
        end = line + strlen(line);
    *p = *end ? end + 1 : end;
    *end = '\0';
    while (n < max) {
        f[n++] = line;
        char *tab = strchr(line, '\t');
        if (!tab)
            break;
        *tab = '\0';
        line = tab + 1;
    }
    return n;
}

/* One "r" record into a release; -1 when malformed or out of memory. */
static int listing_parse_release(char **f, size_t n, struct github_release *r)
{
    char *end;
    memset(r, 0, sizeof(*r));
    if (n != 6 || strcmp(f[0], "r") != 0 || !f[5][0])
        return -1;
    errno = 0;
    long long id = strtoll(f[1], &end, 10);
    if (errno || *end || end == f[1] || id < 0)
        return -1;
    r->id = id;
    r->draft = strchr(f[2], 'd') != NULL;
    r->prerelease = strchr(f[2], 'p') != NULL;
    r->tag = strdup(f[5]);
    r->published_at = f[3][0] ? strdup(f[3]) : NULL;
    r->created_at = f[4][0] ? strdup(f[4]) : NULL;
    if (r->tag && (r->published_at || !f[3][0]) && (r->created_at || !f[4][0]))
        return 0;
    github_release_free(r);
    return -1;
}

static int listing_cache_parse(char *p, struct listing_state *s, time_t *full_at)
{
    char *f[6];
    struct listing_rels *into = NULL;
    size_t n = listing_fields(&p, f, 6);
    if (n != 1 || strcmp(f[0], LISTING_CACHE_MAGIC) != 0)
        return -1;
    n = listing_fields(&p, f, 6);
    if (n != 2 || strcmp(f[0], "full_at") != 0)
        return -1;
    *full_at = (time_t)strtoll(f[1], NULL, 10);
    while (*p) {
        n = listing_fields(&p, f, 6);
        if (n == 3 && strcmp(f[0], "page") == 0 && s->n_pages < LISTING_PAGES_MAX && f[1][0] &&
            into != &s->tail) {
            struct listing_page *pg = &s->pages[s->n_pages++];
            pg->url = strdup(f[1]);
            pg->etag = f[2][0] ? strdup(f[2]) : NULL;
            if (!pg->url || (f[2][0] && !pg->etag))
                return -1;
            into = &pg->rels;
        } else if (n == 1 && strcmp(f[0], "tail") == 0 && into != &s->tail) {
            into = &s->tail;
        } else {
            struct github_release r;
            if (!into || listing_parse_release(f, n, &r) < 0 || listing_rels_push(into, &r) < 0)
                return -1;
        }
    }
    return into == &s->tail ? 0 : -1;
}

/* Load the cache; -1 (state empty) when absent, unreadable or malformed. */
static int listing_cache_load(const char *path, struct listing_state *s, time_t *full_at)
{
    struct buf text = BUF_INIT(LISTING_CACHE_MAX);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), rc = -1;
    memset(s, 0, sizeof(*s));
    if (fd >= 0 && buf_read_fd(&text, fd) == 0 && text.len > 0)
        rc = listing_cache_parse(text.ptr, s, full_at);
    if (fd >= 0)
        close(fd);
    buf_free(&text);
    if (rc < 0) {
        log_debug("release cache %s unusable: reading every page", path);
        listing_state_free(s);
    }
    return rc;
}

/* ---- cache file: writing ---- */

static int listing_field_ok(const char *s)
{
    return !s || !strpbrk(s, "\t\n\r");
}

static int listing_cache_rels(struct buf *out, const struct listing_rels *a)
{
    for (size_t i = 0; i < listing_rels_n(a); i++) {
        const struct github_release *r = listing_rels_at(a, i);
        const char *flags = r->draft && r->prerelease ? "dp"
                            : r->draft                ? "d"
                            : r->prerelease           ? "p"
                                                      : "-";
        if (!listing_field_ok(r->tag) || !listing_field_ok(r->published_at) ||
            !listing_field_ok(r->created_at))
            return -1;
        if (buf_addf(out, "r\t%" PRId64 "\t%s\t%s\t%s\t%s\n", r->id, flags,
                     r->published_at ? r->published_at : "", r->created_at ? r->created_at : "",
                     r->tag) < 0)
            return -1;
    }
    return 0;
}

static int listing_cache_text(const struct listing_state *s, time_t full_at, struct buf *out)
{
    if (buf_addf(out, "%s\nfull_at\t%lld\n", LISTING_CACHE_MAGIC, (long long)full_at) < 0)
        return -1;
    for (size_t i = 0; i < s->n_pages; i++) {
        const struct listing_page *pg = &s->pages[i];
        if (!listing_field_ok(pg->url) || !listing_field_ok(pg->etag) ||
            buf_addf(out, "page\t%s\t%s\n", pg->url, pg->etag ? pg->etag : "") < 0 ||
            listing_cache_rels(out, &pg->rels) < 0)
            return -1;
    }
    return buf_adds(out, "tail\n") < 0 ? -1 : listing_cache_rels(out, &s->tail);
}

/* Write the cache through a temporary file renamed over it; a failure only
 * costs the next check its shortcut. */
static void listing_cache_save(const char *path, const struct listing_state *s, time_t full_at)
{
    struct buf text = BUF_INIT(LISTING_CACHE_MAX);
    char tmp[800];
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    int fd = -1, ok = listing_cache_text(s, full_at, &text) == 0;
    if (ok)
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    ok = ok && fd >= 0 && write(fd, text.ptr, text.len) == (ssize_t)text.len;
    if (fd >= 0 && close(fd) < 0)
        ok = 0;
    if (ok && rename(tmp, path) == 0) {
        log_debug("release cache written: %s", path);
    } else {
        log_debug("release cache not written: %s", path);
        if (fd >= 0)
            unlink(tmp);
    }
    buf_free(&text);
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
    if (!(out->url = strdup(url)))
        return err_set(err, "out of memory");
    if (status == 422) {
        log_warn("GET %s: GitHub lists only the first 1000 releases; older ones are not seen", url);
        return 1;
    }
    if (status == 404) {
        err_set(err, "GET %s: HTTP 404: repository %s/%s not found (or the token cannot see it)",
                url, g->cfg->owner, g->cfg->repository);
        return -1;
    }
    if (status == 304 && !cached)
        return err_set(err, "GET %s: HTTP 304 to a request without If-None-Match", url);
    if (status == 304) { /* a 304 carries no Link: the cached next page is the next URL */
        out->unchanged = 1;
        out->etag = cached->etag ? strdup(cached->etag) : NULL;
        if (listing_rels_append(&out->rels, &cached->rels, 0) < 0)
            return err_set(err, "out of memory");
        return 0;
    }
    out->etag = etag;
    int rc = listing_page_items(doc, url, out, err);
    json_decref(doc);
    return rc;
}

/* The position in the cache of the release with this id: 0 with *page (the
 * index, n_pages for the tail) and *idx, or -1 when absent. */
static int listing_find(const struct listing_state *c, int64_t id, size_t *page, size_t *idx)
{
    for (size_t p = 0; p <= c->n_pages; p++) {
        const struct listing_rels *a = p < c->n_pages ? &c->pages[p].rels : &c->tail;
        for (size_t i = 0; i < listing_rels_n(a); i++)
            if (listing_rels_at(a, i)->id == id) {
                *page = p;
                *idx = i;
                return 0;
            }
    }
    return -1;
}

/* Page 1 changed: merge it over the cache when they overlap, the cached
 * releases after page 1's oldest becoming the tail. 1 merged, 0 not, -1 OOM. */
static int listing_try_merge(struct listing_state *fresh, const struct listing_state *cache)
{
    const struct listing_rels *first = &fresh->pages[0].rels;
    size_t n = listing_rels_n(first), page, idx;
    if (n == 0 || !cache || listing_find(cache, listing_rels_at(first, n - 1)->id, &page, &idx) < 0)
        return 0;
    for (size_t p = page; p <= cache->n_pages; p++) {
        const struct listing_rels *a = p < cache->n_pages ? &cache->pages[p].rels : &cache->tail;
        if (listing_rels_append(&fresh->tail, a, p == page ? idx + 1 : 0) < 0)
            return -1;
    }
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
        if (!following && pg->unchanged) {
            const struct listing_page *after = cached + 1;
            if (after < cache->pages + cache->n_pages && !(following = strdup(after->url)))
                return err_set(err, "out of memory");
        }
        next = following;
    }
    return 0;
}

/* Move every release of s, pages then tail, into out (s keeps none). */
static int listing_take(struct listing_state *s, struct listing *out, struct err *err)
{
    size_t total = listing_rels_n(&s->tail);
    for (size_t p = 0; p < s->n_pages; p++)
        total += listing_rels_n(&s->pages[p].rels);
    out->rels = calloc(total ? total : 1, sizeof(*out->rels));
    if (!out->rels)
        return err_set(err, "out of memory");
    for (size_t p = 0; p <= s->n_pages; p++) {
        struct listing_rels *a = p < s->n_pages ? &s->pages[p].rels : &s->tail;
        size_t n = listing_rels_n(a);
        if (n)
            memcpy(out->rels + out->n, a->mem.ptr, n * sizeof(*out->rels));
        out->n += n;
        buf_free(&a->mem);
    }
    return 0;
}

int listing_cache_decode(char *text, struct listing *out, time_t *full_at)
{
    struct listing_state s;
    struct err ignored;
    memset(&s, 0, sizeof(s));
    memset(out, 0, sizeof(*out));
    int rc = listing_cache_parse(text, &s, full_at);
    if (rc == 0)
        rc = listing_take(&s, out, &ignored);
    listing_state_free(&s);
    return rc;
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
    if (!first) {
        if (have_cache)
            listing_state_free(&cache);
        return err_set(err, "out of memory");
    }
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
    if (fresh.pages[0].unchanged) { /* 304: the cache is the answer */
        out->from_cache = 1;
        free(next);
        rc = listing_take(&cache, out, err);
        goto done;
    }
    int merged = !stale && next && have_cache ? listing_try_merge(&fresh, &cache) : 0;
    if (merged < 0) {
        free(next);
        err_set(err, "out of memory");
        goto done;
    }
    if (merged)
        free(next);
    else if (listing_walk(g, &fresh, next, have_cache ? &cache : NULL, &out->requests, err) < 0)
        goto done;
    if (!merged)
        full_at = now;
    if (have_path)
        listing_cache_save(path, &fresh, full_at);
    rc = listing_take(&fresh, out, err);
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
