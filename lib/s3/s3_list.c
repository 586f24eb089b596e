/* s3_list.c - listings (ListObjectsV2, ListMultipartUploads) through one
 * paginator, GetBucketVersioning, and batch deletes (see s3.h). */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"
#include "s3_internal.h"
#include "s3xml.h"

/* Base64 of a digest of data (EVP md) into out (>= 45 bytes). */
static void s3_digest_b64(const EVP_MD *md, const void *data, size_t n, char *out)
{
    unsigned char bin[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data, n, bin, &len, md, NULL);
    EVP_EncodeBlock((unsigned char *)out, bin, (int)len);
}

/* ---- one paginator for both listings ---- */

/* Brent's cycle detection over the positions (continuation tokens, joined
 * markers) of one listing: 1 when `next` equals the one saved in mark, which
 * is replaced by `next` at every power-of-two page. A server cycling through
 * any number of positions is caught within about twice the cycle. 0 when not
 * seen; -1 on OOM. */
static int s3_cycle(struct buf *mark, int page, const char *next)
{
    if (mark->len && strcmp(buf_str(mark), next) == 0)
        return 1;
    if (((page + 1) & page) != 0)
        return 0;
    buf_reset(mark);
    return buf_adds(mark, next) < 0 ? -1 : 0;
}

/* Where a page leaves the walk. */
struct s3_page {
    int stop;         /* the caller's callback asked to stop */
    int truncated;    /* the server has more */
    const char *next; /* the next position (owned by the listing); NULL: none given */
    int same;         /* the next position is the one just asked for */
};

/* One listing: its name and messages, and how its pages are asked for and read. */
struct s3_pager {
    struct s3_client *c;
    const char *op;       /* "ListObjectsV2", for the request and messages */
    const char *key;      /* the prefix, for messages; never NULL */
    const char *no_next;  /* why a truncated page without a next position fails */
    const char *repeated; /* why a repeated position fails */
    /* The query of the page at the listing's current position; -1 on OOM. */
    int (*query)(void *ctx, struct buf *q);
    /* Parse a 2xx answer, give its items to the caller (setting stop,
     * truncated) and, when truncated and not stopped, move the listing to
     * the next position (next, same). -1 with err. */
    int (*page)(void *ctx, const struct s3_req *r, struct s3_page *pg, struct err *err);
    void *ctx;
};

/* Ask for one page and read it. */
static int pager_fetch(struct s3_pager *p, struct s3_page *pg, struct err *err)
{
    struct s3_req r;
    struct buf q = BUF_INIT(0);
    if (p->query(p->ctx, &q) < 0) {
        buf_free(&q);
        return s3_oom(err);
    }
    int rc = s3_req_init(&r, p->c, p->op, "GET", "", buf_str(&q), err);
    r.key = p->key;
    if (rc == 0)
        rc = s3_req_perform(&r, err);
    if (rc == 0 && !s3_req_ok(&r))
        rc = s3_req_error(&r, NULL, err);
    if (rc == 0)
        rc = p->page(p->ctx, &r, pg, err);
    s3_req_cleanup(&r);
    buf_free(&q);
    return rc;
}

/* Walk the pages until the last one or until the caller stops. A truncated
 * page must name a next position that is neither the current one nor one
 * seen before (s3_cycle), and there are at most S3_LIST_MAX_PAGES pages. */
static int s3_paginate(struct s3_pager *p, struct err *err)
{
    struct buf mark = BUF_INIT(0);
    int rc = 0;
    for (int page = 0; rc == 0; page++) {
        struct s3_page pg = {0};
        int seen = 0;
        if (page == S3_LIST_MAX_PAGES) {
            rc = err_set(err, "s3 %s \"%s\": more than %d pages", p->op, p->key, S3_LIST_MAX_PAGES);
            break;
        }
        rc = pager_fetch(p, &pg, err);
        if (rc < 0 || pg.stop || !pg.truncated)
            break;
        if (!pg.next)
            rc = err_set(err, "s3 %s \"%s\": %s", p->op, p->key, p->no_next);
        else if ((seen = s3_cycle(&mark, page, pg.next)) < 0)
            rc = s3_oom(err);
        else if (seen || pg.same)
            rc = err_set(err, "s3 %s \"%s\": %s", p->op, p->key, p->repeated);
    }
    buf_free(&mark);
    return rc;
}

/* ---- ListMultipartUploads ---- */

struct list_uploads {
    const char *prefix;
    s3_upload_fn fn;
    void *ctx;
    char *key_marker, *id_marker; /* the current position, owned */
    struct buf pos;               /* "key-marker\nupload-id-marker" of the next page */
};

static int uploads_query(void *ctx, struct buf *q)
{
    struct list_uploads *lu = ctx;
    return buf_adds(q, "uploads") < 0 || s3_query_add(q, "prefix", lu->prefix) < 0 ||
                   s3_query_add(q, "key-marker", lu->key_marker) < 0 ||
                   s3_query_add(q, "upload-id-marker", lu->id_marker) < 0
               ? -1
               : 0;
}

/* Move to the page's next markers (taking them from u). */
static int uploads_next(struct list_uploads *lu, struct s3xml_uploads *u, struct s3_page *pg,
                        struct err *err)
{
    const char *k = u->next_key_marker, *id = u->next_upload_id_marker;
    int rc = 0;
    pg->same = lu->key_marker && k && strcmp(lu->key_marker, k) == 0 && lu->id_marker && id &&
               strcmp(lu->id_marker, id) == 0;
    buf_reset(&lu->pos);
    if (k && buf_addf(&lu->pos, "%s\n%s", k, id ? id : "") < 0)
        rc = s3_oom(err);
    pg->next = k ? buf_str(&lu->pos) : NULL;
    free(lu->key_marker);
    free(lu->id_marker);
    lu->key_marker = u->next_key_marker;
    lu->id_marker = u->next_upload_id_marker;
    u->next_key_marker = u->next_upload_id_marker = NULL;
    return rc;
}

static int uploads_page(void *ctx, const struct s3_req *r, struct s3_page *pg, struct err *err)
{
    struct list_uploads *lu = ctx;
    struct s3xml_uploads u = {0};
    int rc = 0;
    if (s3xml_parse_uploads(r->x.body_buf.ptr, r->x.body_buf.len, &u, err) < 0)
        rc = err_prefix(err, "s3 ListMultipartUploads \"%s\"", r->key);
    for (size_t i = 0; rc == 0 && !pg->stop && i < u.n; i++) {
        int f = lu->fn(lu->ctx, u.items[i].key, u.items[i].upload_id, u.items[i].initiated_ms, err);
        rc = f < 0 ? -1 : 0;
        pg->stop = f > 0;
    }
    pg->truncated = u.truncated;
    if (rc == 0 && !pg->stop && u.truncated)
        rc = uploads_next(lu, &u, pg, err);
    s3xml_uploads_free(&u);
    return rc;
}

int s3_list_uploads(struct s3_client *c, const char *prefix, s3_upload_fn fn, void *ctx,
                    struct err *err)
{
    struct list_uploads lu = {.prefix = prefix, .fn = fn, .ctx = ctx};
    struct s3_pager p = {c,
                         "ListMultipartUploads",
                         prefix ? prefix : "",
                         "truncated listing without new markers",
                         "truncated listing without new markers",
                         uploads_query,
                         uploads_page,
                         &lu};
    buf_init(&lu.pos, 0);
    int rc = s3_paginate(&p, err);
    free(lu.key_marker);
    free(lu.id_marker);
    buf_free(&lu.pos);
    return rc;
}

/* ---- ListObjectsV2 ---- */

struct list_objects {
    const char *prefix, *delimiter;
    char max_keys[16]; /* "" for the server's default */
    s3_list_fn fn;
    void *ctx;
    char *token; /* the current continuation token, owned */
};

static int objects_query(void *ctx, struct buf *q)
{
    struct list_objects *lo = ctx;
    return buf_adds(q, "list-type=2") < 0 || s3_query_add(q, "prefix", lo->prefix) < 0 ||
                   s3_query_add(q, "delimiter", lo->delimiter) < 0 ||
                   s3_query_add(q, "max-keys", lo->max_keys[0] ? lo->max_keys : NULL) < 0 ||
                   s3_query_add(q, "continuation-token", lo->token) < 0
               ? -1
               : 0;
}

static int objects_page(void *ctx, const struct s3_req *r, struct s3_page *pg, struct err *err)
{
    struct list_objects *lo = ctx;
    struct s3xml_list l = {0};
    int rc = 0;
    if (s3xml_parse_list(r->x.body_buf.ptr, r->x.body_buf.len, &l, err) < 0)
        rc = err_prefix(err, "s3 ListObjectsV2 \"%s\"", r->key);
    for (size_t i = 0; rc == 0 && !pg->stop && i < l.n; i++) {
        int f = lo->fn(lo->ctx, l.items[i].key, l.items[i].size, l.items[i].is_prefix, err);
        rc = f < 0 ? -1 : 0;
        pg->stop = f > 0;
    }
    pg->truncated = l.truncated;
    if (rc == 0 && !pg->stop && l.truncated) {
        pg->same = lo->token && l.next_token && strcmp(lo->token, l.next_token) == 0;
        free(lo->token);
        lo->token = l.next_token;
        l.next_token = NULL;
        pg->next = lo->token && *lo->token ? lo->token : NULL;
    }
    s3xml_list_free(&l);
    return rc;
}

int s3_list_objects(struct s3_client *c, const char *prefix, const char *delimiter, s3_list_fn fn,
                    void *ctx, struct err *err)
{
    struct list_objects lo = {.prefix = prefix, .delimiter = delimiter, .fn = fn, .ctx = ctx};
    struct s3_pager p = {c,
                         "ListObjectsV2",
                         prefix ? prefix : "",
                         "truncated listing without a continuation token",
                         "the server repeated a continuation token",
                         objects_query,
                         objects_page,
                         &lo};
    if (c->list_max_keys > 0)
        snprintf(lo.max_keys, sizeof(lo.max_keys), "%d", c->list_max_keys);
    int rc = s3_paginate(&p, err);
    free(lo.token);
    return rc;
}

/* ---- GetBucketVersioning ---- */

int s3_get_versioning(struct s3_client *c, char *status, size_t n, struct err *err)
{
    struct s3_req r;
    if (n)
        status[0] = '\0';
    int rc = s3_req_init(&r, c, "GetBucketVersioning", "GET", "", "versioning", err);
    r.key = "";
    if (rc == 0)
        rc = s3_req_perform(&r, err);
    if (rc == 0 && !s3_req_ok(&r))
        rc = s3_req_error(&r, NULL, err);
    if (rc == 0 && s3xml_parse_versioning(r.x.body_buf.ptr, r.x.body_buf.len, status, n, err) < 0)
        rc = err_prefix(err, "s3 GetBucketVersioning");
    s3_req_cleanup(&r);
    return rc;
}
/* ---- deleting ---- */

/* DeleteObject of each key, concurrently: the fallback for DeleteObjects. */
static int delete_each(struct s3_client *c, const char *const *keys, size_t n, struct err *err)
{
    struct s3_req *rs = calloc(n, sizeof(*rs));
    struct http_xfer **xs = calloc(n, sizeof(*xs));
    size_t ready = 0;
    int rc = rs && xs ? 0 : s3_oom(err);
    for (; rc == 0 && ready < n; ready++) {
        rc = s3_check_key("DeleteObject", keys[ready], err);
        if (rc == 0)
            rc = s3_req_init(&rs[ready], c, "DeleteObject", "DELETE", keys[ready], NULL, err);
        xs[ready] = &rs[ready].x;
    }
    if (rc == 0 && http_run(c->http, xs, n, c->cfg->concurrency, err) < 0)
        rc = err_prefix(err, "s3 DeleteObject");
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!s3_req_ok(&rs[i]) && rs[i].x.status != 404)
            rc = s3_req_error(&rs[i], NULL, err);
    for (size_t i = 0; rs && i < ready; i++)
        s3_req_cleanup(&rs[i]);
    free(rs);
    free(xs);
    return rc;
}

/* The DeleteResult of a 200: any per-key error fails. */
static int delete_judge(const struct s3_req *r, size_t n, struct err *err)
{
    struct s3xml_delete d;
    if (s3xml_parse_delete(r->x.body_buf.ptr, r->x.body_buf.len, &d, err) < 0)
        return err_prefix(err, "s3 DeleteObjects \"%s\"", r->key);
    int rc = 0;
    if (d.n_errors)
        rc = err_set(err, "s3 DeleteObjects \"%s\": %s%s%s (%zu of %zu keys failed)",
                     d.err_key ? d.err_key : "", d.first.code[0] ? d.first.code : "error",
                     d.first.message[0] ? ": " : "", d.first.message, d.n_errors, n);
    s3xml_delete_free(&d);
    return rc;
}

static int delete_batch(struct s3_client *c, const char *const *keys, size_t n, struct err *err)
{
    struct s3_req r;
    struct buf body = BUF_INIT(0);
    char code[128];
    for (size_t i = 0; i < n; i++)
        if (s3_check_key("DeleteObjects", keys[i], err) < 0)
            return -1;
    if (s3xml_delete_body(&body, keys, n) < 0)
        return s3_oom(err);
    int rc = s3_req_init(&r, c, "DeleteObjects", "POST", "", "delete", err);
    r.key = keys[0];
    if (rc == 0) {
        s3_digest_b64(EVP_md5(), body.ptr, body.len, r.md5_b64);
        s3_req_header(&r, "Content-Type", "application/xml");
        s3_req_header(&r, "Content-MD5", r.md5_b64);
        s3_req_body(&r, body.ptr, body.len);
        rc = s3_req_perform(&r, err);
    }
    if (rc == 0 && s3_req_ok(&r)) {
        rc = delete_judge(&r, n, err);
    } else if (rc == 0) {
        s3_req_code(&r, code, sizeof(code));
        if (r.x.status == 501 || strcmp(code, "NotImplemented") == 0)
            rc = delete_each(c, keys, n, err);
        else
            rc = s3_req_error(&r, NULL, err);
    }
    s3_req_cleanup(&r);
    buf_free(&body);
    return rc;
}

int s3_delete_objects(struct s3_client *c, const char *const *keys, size_t n, struct err *err)
{
    for (size_t i = 0; i < n; i += S3_DELETE_BATCH) {
        size_t m = n - i < S3_DELETE_BATCH ? n - i : S3_DELETE_BATCH;
        if (delete_batch(c, keys + i, m, err) < 0)
            return -1;
    }
    return 0;
}
