/* canned.c - the scripted transport of canned.h: start() records the request
 * (headers and body, read the way libcurl would) and picks its rule;
 * perform() answers every started attempt through the same entry points
 * libcurl's callbacks use (http_transport.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "canned.h"
#include "http_transport.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static void *canned_grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap * 2 : 8;
    while (n < need)
        n *= 2;
    void *q = realloc(p, n * size);
    if (!q)
        abort();
    *cap = n;
    return q;
}

static char *canned_dup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

void canned_init(struct canned *c)
{
    memset(c, 0, sizeof(*c));
}

void canned_forget(struct canned *c)
{
    for (size_t i = 0; i < c->n_reqs; i++) {
        free(c->reqs[i].method);
        free(c->reqs[i].url);
        free(c->reqs[i].headers);
        buf_free(&c->reqs[i].body);
    }
    c->n_reqs = 0;
}

void canned_cleanup(struct canned *c)
{
    http_transport_set_default(NULL, NULL);
    for (size_t i = 0; i < c->n_rules; i++) {
        struct canned_rule *r = &c->rules[i];
        free(r->method);
        free(r->url);
        free(r->need);
        free(r->headers);
        free(r->location);
        buf_free(&r->body);
    }
    canned_forget(c);
    free(c->rules);
    free(c->reqs);
    free(c->queue);
    memset(c, 0, sizeof(*c));
}

struct canned_rule *canned_add_n(struct canned *c, const char *method, const char *url, long status,
                                 const char *headers, const char *body, size_t n)
{
    c->rules = canned_grow(c->rules, &c->cap_rules, c->n_rules + 1, sizeof(*c->rules));
    struct canned_rule *r = &c->rules[c->n_rules++];
    memset(r, 0, sizeof(*r));
    r->method = canned_dup(method);
    r->url = canned_dup(url);
    r->status = status;
    r->headers = canned_dup(headers);
    r->times = -1;
    buf_init(&r->body, 0);
    if (body && buf_add(&r->body, body, n) < 0)
        abort();
    return r;
}

struct canned_rule *canned_add(struct canned *c, const char *method, const char *url, long status,
                               const char *headers, const char *body)
{
    return canned_add_n(c, method, url, status, headers, body, body ? strlen(body) : 0);
}

struct canned_rule *canned_add_error(struct canned *c, const char *method, const char *url,
                                     CURLcode error)
{
    struct canned_rule *r = canned_add(c, method, url, 0, NULL, NULL);
    r->error = error;
    return r;
}

void canned_need(struct canned_rule *r, const char *text)
{
    free(r->need);
    r->need = canned_dup(text);
}

void canned_location(struct canned_rule *r, const char *url)
{
    free(r->location);
    r->location = canned_dup(url);
}

void canned_times(struct canned_rule *r, int n)
{
    r->times = n;
}

static int canned_url_matches(const char *pattern, const char *url)
{
    if (!pattern)
        return 1;
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return strncmp(pattern, url, n - 1) == 0;
    return strcmp(pattern, url) == 0;
}

static int canned_has_text(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return 1;
    return 0;
}

static struct canned_rule *canned_match(struct canned *c, const struct canned_request *q)
{
    for (size_t i = 0; i < c->n_rules; i++) {
        struct canned_rule *r = &c->rules[i];
        if (r->times == 0 || (r->method && strcmp(r->method, q->method) != 0) ||
            !canned_url_matches(r->url, q->url) ||
            (r->need && !canned_has_text(q->headers, r->need)))
            continue;
        if (r->times > 0)
            r->times--;
        return r;
    }
    return NULL;
}

/* Record what this attempt sends, its body read as libcurl would read it. */
static int canned_record(struct canned *c, struct http_xfer *x, struct canned_request *q)
{
    struct buf h = BUF_INIT(0);
    q->method = canned_dup(x->method ? x->method : "GET");
    q->url = canned_dup(x->cur_url);
    for (struct curl_slist *l = x->sent_headers; l; l = l->next)
        if (buf_addf(&h, "%s\n", l->data) < 0)
            abort();
    q->headers = buf_take(&h);
    if (!q->headers)
        q->headers = canned_dup("");
    buf_init(&q->body, 0);
    char chunk[65536];
    long got;
    while ((got = http_transport_read(x, chunk, sizeof(chunk))) > 0)
        if (buf_add(&q->body, chunk, (size_t)got) < 0)
            abort();
    (void)c;
    return got < 0 ? -1 : 0;
}

static int canned_start(struct http_client *hc, struct http_xfer *x)
{
    struct canned *c = hc->transport_ctx;
    c->reqs = canned_grow(c->reqs, &c->cap_reqs, c->n_reqs + 1, sizeof(*c->reqs));
    struct canned_request *q = &c->reqs[c->n_reqs++];
    if (canned_record(c, x, q) < 0)
        return -1;
    x->transport_data = canned_match(c, q);
    if (!x->transport_data)
        snprintf(x->curl_errbuf, sizeof(x->curl_errbuf), "canned: no response for %s %s", q->method,
                 q->url);
    c->queue = canned_grow(c->queue, &c->cap_queue, c->n_queue + 1, sizeof(*c->queue));
    c->queue[c->n_queue++] = x;
    return 0;
}

/* Feed the rule's response into x; the CURLcode the attempt ends with. */
static CURLcode canned_answer(struct http_xfer *x, const struct canned_rule *r)
{
    char line[1024];
    if (!r)
        return CURLE_UNSUPPORTED_PROTOCOL; /* not retried */
    if (r->error != CURLE_OK)
        return r->error;
    snprintf(line, sizeof(line), "HTTP/1.1 %ld Canned\r\n", r->status);
    if (http_transport_header(x, line, strlen(line)) < 0)
        return CURLE_WRITE_ERROR;
    for (const char *p = r->headers ? r->headers : ""; *p;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        snprintf(line, sizeof(line), "%.*s\r\n", (int)n, p);
        if (http_transport_header(x, line, strlen(line)) < 0)
            return CURLE_WRITE_ERROR;
        p += n + (eol ? 1 : 0);
    }
    if (r->location) {
        snprintf(line, sizeof(line), "Location: %s\r\n", r->location);
        if (http_transport_header(x, line, strlen(line)) < 0)
            return CURLE_WRITE_ERROR;
    }
    if (http_transport_header(x, "\r\n", 2) < 0)
        return CURLE_WRITE_ERROR;
    x->status = r->status;
    int head = x->no_body || (x->method && strcmp(x->method, "HEAD") == 0);
    if (!head && r->body.len && http_transport_body(x, r->status, r->body.ptr, r->body.len) < 0)
        return CURLE_WRITE_ERROR;
    return CURLE_OK;
}

static int canned_perform(struct http_client *hc, http_attempt_done_fn done, void *arg, char *why,
                          size_t n)
{
    struct canned *c = hc->transport_ctx;
    (void)why, (void)n;
    size_t count = c->n_queue;
    struct http_xfer **batch = malloc((count ? count : 1) * sizeof(*batch));
    if (!batch)
        abort();
    memcpy(batch, c->queue, count * sizeof(*batch));
    c->n_queue = 0;
    for (size_t i = 0; i < count; i++) {
        struct http_xfer *x = batch[i];
        CURLcode rc = canned_answer(x, x->transport_data);
        done(hc, x, rc, arg);
    }
    free(batch);
    return (int)count;
}

static int canned_wait(struct http_client *hc, int wait_ms, char *why, size_t n)
{
    (void)hc, (void)wait_ms, (void)why, (void)n;
    return 0;
}

static const char *canned_redirect_url(struct http_xfer *x)
{
    const struct canned_rule *r = x->transport_data;
    return r ? r->location : NULL;
}

static void canned_stop(struct http_client *hc, struct http_xfer *x)
{
    struct canned *c = hc->transport_ctx;
    for (size_t i = 0; i < c->n_queue; i++)
        if (c->queue[i] == x) {
            memmove(&c->queue[i], &c->queue[i + 1], (c->n_queue - i - 1) * sizeof(*c->queue));
            c->n_queue--;
            break;
        }
}

static void canned_xfer_release(struct http_xfer *x)
{
    x->transport_data = NULL;
}

static const struct http_transport_ops canned_ops = {
    .name = "canned",
    .start = canned_start,
    .perform = canned_perform,
    .wait = canned_wait,
    .redirect_url = canned_redirect_url,
    .stop = canned_stop,
    .release = canned_xfer_release,
};

void canned_install(struct canned *c)
{
    http_transport_set_default(&canned_ops, c);
}

size_t canned_count(const struct canned *c, const char *method, const char *pattern)
{
    size_t n = 0;
    while (canned_find(c, method, pattern, n))
        n++;
    return n;
}

const struct canned_request *canned_find(const struct canned *c, const char *method,
                                         const char *pattern, size_t i)
{
    for (size_t k = 0; k < c->n_reqs; k++) {
        const struct canned_request *q = &c->reqs[k];
        if ((method && strcmp(method, q->method) != 0) || !canned_url_matches(pattern, q->url))
            continue;
        if (i-- == 0)
            return q;
    }
    return NULL;
}

const char *canned_req_header(const struct canned_request *r, const char *name, char *out, size_t n)
{
    size_t len = strlen(name);
    for (const char *p = r->headers; *p;) {
        const char *eol = strchr(p, '\n');
        size_t l = eol ? (size_t)(eol - p) : strlen(p);
        if (l > len && p[len] == ':' && strncasecmp(p, name, len) == 0) {
            const char *v = p + len + 1;
            while (*v == ' ')
                v++;
            snprintf(out, n, "%.*s", (int)(l - (size_t)(v - p)), v);
            return out;
        }
        p += l + (eol ? 1 : 0);
    }
    return NULL;
}

/* ---- helpers of the seam tests ---- */

void canned_stdin(const char *json)
{
    char path[] = "/tmp/grm-canned-stdin-XXXXXX";
    int fd = mkstemp(path);
    size_t n = strlen(json);
    if (fd < 0 || write(fd, json, n) != (ssize_t)n || close(fd) < 0 || !freopen(path, "r", stdin))
        abort();
    unlink(path);
}

static char *canned_dirs[64];
static size_t canned_n_dirs;

static int canned_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path); /* best effort: a test's leftovers are not its result */
    return 0;
}

/* At exit: remove every directory canned_tmpdir made, with what is in it. */
static void canned_remove_dirs(void)
{
    for (size_t i = 0; i < canned_n_dirs; i++) {
        nftw(canned_dirs[i], canned_rm, 16, FTW_DEPTH | FTW_PHYS);
        free(canned_dirs[i]);
    }
    canned_n_dirs = 0;
}

char *canned_tmpdir(int as_tmpdir)
{
    char path[] = "/tmp/grm-canned-XXXXXX";
    if (canned_n_dirs == sizeof(canned_dirs) / sizeof(canned_dirs[0]) || !mkdtemp(path))
        abort();
    if (canned_n_dirs == 0)
        atexit(canned_remove_dirs);
    canned_dirs[canned_n_dirs++] = canned_dup(path);
    if (as_tmpdir)
        setenv("TMPDIR", path, 1);
    return canned_dup(path);
}

char *canned_release(long id, const char *tag, const char *published, const char *assets)
{
    struct buf b = BUF_INIT(0);
    if (buf_addf(&b,
                 "{\"id\":%ld,\"tag_name\":\"%s\",\"name\":\"%s\",\"body\":\"notes of %s\","
                 "\"html_url\":\"https://github.example/o/r/releases/tag/%s\","
                 "\"published_at\":\"%s\",\"created_at\":\"%s\",\"tarball_url\":null,"
                 "\"zipball_url\":null,\"draft\":false,\"prerelease\":false,\"assets\":%s}",
                 id, tag, tag, tag, tag, published, published, assets ? assets : "[]") < 0)
        abort();
    return buf_take(&b);
}
