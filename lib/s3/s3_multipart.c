/* s3_multipart.c - multipart uploads: part sizes and hashes, create, upload
 * the parts concurrently, complete, abort, and the clean-up of uploads that
 * a resent create or an earlier run left behind (see s3.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "s3.h"
#include "s3_internal.h"
#include "s3xml.h"
#include "sha256.h"
#include "signals.h"

#define S3_STRAY_MARGIN_MS 5000 /* slack around the CreateMultipartUpload window */
#define S3_CLOCK_SKEW_MS 60000  /* the same without a server Date to anchor it */
#define S3_MAX_STRAYS 100

static int64_t s3_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int s3_part_size(int64_t size, int64_t configured, int64_t *part_size, int *n_parts,
                 struct err *err)
{
    int64_t ps = configured < S3_MIN_PART_SIZE   ? S3_MIN_PART_SIZE
                 : configured > S3_MAX_PART_SIZE ? S3_MAX_PART_SIZE
                                                 : configured;
    if (size < 0)
        return err_set(err, "s3: negative upload size");
    if ((size + ps - 1) / ps > S3_MAX_PARTS) {
        ps = (size + S3_MAX_PARTS - 1) / S3_MAX_PARTS;
        ps = (ps + S3_MIB - 1) / S3_MIB * S3_MIB;
    }
    if (ps > S3_MAX_PART_SIZE)
        return err_set(err, "s3: %lld bytes is too large for one object", (long long)size);
    *part_size = ps;
    *n_parts = size ? (int)((size + ps - 1) / ps) : 1;
    return 0;
}

/* ---- multipart ---- */

struct s3_mp {
    struct s3_client *c;
    const char *key;
    int fd;
    int64_t size, part_size;
    int n_parts, parts_done;
    int64_t bytes_done;
    const struct s3_put_opts *o;
    struct buf upload_id;
    int opened; /* CreateMultipartUpload answered: upload_id is ours */
    struct s3_req *parts;
    const char (*part_hex)[65]; /* each part's sha256: o->part_sha256 or own_hex */
    char (*own_hex)[65];
    char (*part_b64)[48]; /* with checksum_sha256: each part's x-amz-checksum-sha256 */
    char composite_b64[48];
};

int s3_abort_upload(struct s3_client *c, const char *key, const char *upload_id, struct err *err)
{
    struct s3_req r;
    struct buf q = BUF_INIT(0);
    char code[128];
    if (s3_check_key("AbortMultipartUpload", key, err) < 0)
        return -1;
    if (s3_query_add(&q, "uploadId", upload_id) < 0)
        return s3_oom(err);
    int rc = s3_req_init(&r, c, "AbortMultipartUpload", "DELETE", key, buf_str(&q), err);
    if (rc == 0)
        rc = s3_req_perform(&r, err);
    if (rc == 0 && !s3_req_ok(&r)) {
        s3_req_code(&r, code, sizeof(code));
        if (r.x.status != 404 || (code[0] && strcmp(code, "NoSuchUpload") != 0))
            rc = s3_req_error(&r, NULL, err);
    }
    s3_req_cleanup(&r);
    buf_free(&q);
    return rc;
}

/* Uploads of exactly one key, started in [lo_ms, hi_ms], other than keep. */
struct s3_strays {
    const char *key, *keep;
    int64_t lo_ms, hi_ms;
    char *ids[S3_MAX_STRAYS];
    size_t n;
};

static int stray_collect(void *ctx, const char *key, const char *upload_id, int64_t initiated_ms,
                         struct err *err)
{
    struct s3_strays *s = ctx;
    (void)err;
    if (strcmp(key, s->key) != 0 || strcmp(upload_id, s->keep) == 0 || initiated_ms < s->lo_ms ||
        initiated_ms > s->hi_ms || s->n == S3_MAX_STRAYS)
        return 0;
    s->ids[s->n] = strdup(upload_id);
    s->n += s->ids[s->n] != NULL;
    return 0;
}

/* CreateMultipartUpload was resent: each attempt that reached S3 may have
 * left an upload. Abort this key's uploads initiated while we were creating
 * (server clock: the window ends at the answer's Date and reaches back by
 * the time the call took, plus slack) other than the one we use. Another
 * writer's upload of the same key in that same window would be aborted too;
 * two writers of one key conflict anyway. Best effort. */
static void mp_abort_listed(struct s3_mp *m, struct s3_strays *s, const char *what);

static void mp_abort_strays(struct s3_mp *m, const struct s3_req *create, int64_t t0_ms)
{
    struct s3_strays s = {.key = m->key, .keep = buf_str(&m->upload_id)};
    char date[128];
    int64_t now = s3_now_ms(), took = now - t0_ms;
    time_t server =
        http_header(&create->x, "Date", date, sizeof(date)) ? curl_getdate(date, NULL) : (time_t)-1;
    if (server != (time_t)-1) {
        s.lo_ms = (int64_t)server * 1000 - took - S3_STRAY_MARGIN_MS;
        s.hi_ms = (int64_t)server * 1000 + 1000 + S3_STRAY_MARGIN_MS;
    } else {
        s.lo_ms = t0_ms - S3_CLOCK_SKEW_MS;
        s.hi_ms = now + S3_CLOCK_SKEW_MS;
    }
    mp_abort_listed(m, &s, "duplicate");
}

/* List the key's uploads into s and abort them; what names them in logs. */
static void mp_abort_listed(struct s3_mp *m, struct s3_strays *s, const char *what)
{
    struct err err;
    if (s3_list_uploads(m->c, m->key, stray_collect, s, &err) < 0)
        log_warn("cannot look for %s multipart uploads: %s", what, err.msg);
    for (size_t i = 0; i < s->n; i++) {
        if (s3_abort_upload(m->c, m->key, s->ids[i], &err) < 0)
            log_warn("cannot abort %s multipart upload: %s", what, err.msg);
        else
            log_info("aborted %s multipart upload of \"%s\"", what, m->key);
        free(s->ids[i]);
    }
}

/* Before uploading a key: the incomplete uploads of it that earlier runs
 * left (a SIGKILL gives no chance to abort) would stay, and be billed,
 * forever. A concurrent writer of the same key loses its upload too; two
 * writers of one key conflict anyway. Best effort. */
static void mp_abort_leftovers(struct s3_mp *m)
{
    struct s3_strays s = {.key = m->key, .keep = "", .lo_ms = INT64_MIN, .hi_ms = INT64_MAX};
    mp_abort_listed(m, &s, "an earlier run's incomplete");
}

static int mp_create(struct s3_mp *m, struct err *err)
{
    struct s3_req r;
    int64_t t0 = s3_now_ms();
    int rc = s3_req_init(&r, m->c, "CreateMultipartUpload", "POST", m->key, "uploads", err);
    /* libcurl silently resends a request whose reused connection died before
     * the answer; for a Create that could open an upload nobody completes */
    r.x.fresh_connect = 1;
    if (rc == 0)
        rc = s3_req_write_headers(&r, m->o, err);
    if (rc == 0 && m->part_b64)
        s3_req_header(&r, "x-amz-checksum-algorithm", "SHA256");
    if (rc == 0)
        rc = s3_req_perform(&r, err);
    if (rc == 0 && !s3_req_ok(&r))
        rc = s3_req_error(&r, NULL, err);
    if (rc == 0 && s3xml_parse_initiate(r.x.body_buf.ptr, r.x.body_buf.len, &m->upload_id, err) < 0)
        rc = err_prefix(err, "s3 CreateMultipartUpload \"%s\"", m->key);
    m->opened = rc == 0;
    if ((rc == 0 && r.x.attempts > 1) || (rc < 0 && signals_caught())) {
        signals_hold(1); /* interrupted: the server may have opened one anyway */
        mp_abort_strays(m, &r, t0);
        signals_hold(0);
    }
    s3_req_cleanup(&r);
    return rc;
}

/* A part answered: remember its ETag and say how far we are. */
static int part_done(struct http_xfer *x, void *ctx)
{
    struct s3_req *r = ctx;
    struct s3_mp *m = r->owner;
    if (x->status < 200 || x->status >= 300)
        return 0;
    if (!http_header(x, "ETag", r->etag, sizeof(r->etag)) || !r->etag[0])
        return http_xfer_fail(x, "s3 UploadPart \"%s\" part %d: no ETag in the answer", m->key,
                              r->part);
    m->parts_done++;
    m->bytes_done += x->upload_len;
    if (m->o->progress_label)
        log_info("%s: %d of %d parts done, %lld of %lld bytes", m->o->progress_label, m->parts_done,
                 m->n_parts, (long long)m->bytes_done, (long long)m->size);
    return 0;
}

static int mp_upload_parts(struct s3_mp *m, struct err *err)
{
    struct http_xfer **xs = calloc((size_t)m->n_parts, sizeof(*xs));
    m->parts = calloc((size_t)m->n_parts, sizeof(*m->parts));
    struct buf q = BUF_INIT(0);
    int rc = xs && m->parts ? 0 : s3_oom(err);
    for (int i = 0; rc == 0 && i < m->n_parts; i++) {
        struct s3_req *r = &m->parts[i];
        buf_reset(&q);
        if (buf_addf(&q, "partNumber=%d", i + 1) < 0 ||
            s3_query_add(&q, "uploadId", buf_str(&m->upload_id)) < 0) {
            rc = s3_oom(err);
            break;
        }
        rc = s3_req_init(r, m->c, "UploadPart", "PUT", m->key, buf_str(&q), err);
        r->part = i + 1;
        r->owner = m;
        r->payload_hash = m->part_hex[i]; /* the server checks the bytes against it */
        if (m->part_b64)
            s3_req_header(r, "x-amz-checksum-sha256", m->part_b64[i]);
        r->x.upload_fd = m->fd;
        r->x.upload_offset = (int64_t)i * m->part_size;
        r->x.upload_len = m->size - r->x.upload_offset < m->part_size ? m->size - r->x.upload_offset
                                                                      : m->part_size;
        r->done = part_done;
        xs[i] = &r->x;
    }
    buf_free(&q);
    size_t failed = 0;
    if (rc == 0 && http_run_which(m->c->http, xs, (size_t)m->n_parts, m->c->cfg->concurrency,
                                  &failed, err) < 0) {
        /* a part's own messages (part_done) already name it */
        if (failed < (size_t)m->n_parts && strncmp(err->msg, "s3 ", 3) != 0)
            s3_req_xfer_error(&m->parts[failed], err);
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < m->n_parts; i++)
        if (!s3_req_ok(&m->parts[i]))
            rc = s3_req_error(&m->parts[i], NULL, err);
    free(xs);
    return rc;
}

static int s3_retryable_code(const char *code)
{
    return strcmp(code, "InternalError") == 0 || strcmp(code, "SlowDown") == 0 ||
           strcmp(code, "ServiceUnavailable") == 0 || strcmp(code, "RequestTimeout") == 0;
}

/* A 200 carrying <Error>: retry the retryable codes. */
static int complete_done(struct http_xfer *x, void *ctx)
{
    struct s3xml_error e;
    struct err perr;
    (void)ctx;
    if (x->status != 200 ||
        s3xml_parse_complete(x->body_buf.ptr, x->body_buf.len, &e, &perr) != 1 ||
        !s3_retryable_code(e.code))
        return 0;
    snprintf(x->errmsg, sizeof(x->errmsg), "HTTP 200 with error %s", e.code);
    return 1;
}

/* Complete was resent and the upload is gone: did an earlier attempt finish it? */
static int mp_completed_anyway(struct s3_mp *m)
{
    struct s3_object_info info;
    struct err err;
    if (s3_head_object(m->c, m->key, &info, &err) < 0 || !info.exists || info.size != m->size)
        return 0;
    return !m->o->sha256_hex || strcmp(info.sha256, m->o->sha256_hex) == 0;
}

static int mp_complete(struct s3_mp *m, struct err *err)
{
    struct s3_req r;
    struct buf body = BUF_INIT(0), q = BUF_INIT(0);
    struct s3xml_error e;
    const char **etags = calloc((size_t)m->n_parts, sizeof(*etags));
    const char **sums = calloc((size_t)m->n_parts, sizeof(*sums));
    int rc = etags && sums ? 0 : s3_oom(err);
    for (int i = 0; rc == 0 && i < m->n_parts; i++) {
        etags[i] = m->parts[i].etag;
        sums[i] = m->part_b64 ? m->part_b64[i] : NULL;
    }
    if (rc == 0 &&
        (s3xml_complete_body(&body, etags, m->part_b64 ? sums : NULL, (size_t)m->n_parts) < 0 ||
         s3_query_add(&q, "uploadId", buf_str(&m->upload_id)) < 0))
        rc = s3_oom(err);
    free(etags);
    free(sums);
    if (rc < 0)
        return rc;
    rc = s3_req_init(&r, m->c, "CompleteMultipartUpload", "POST", m->key, buf_str(&q), err);
    if (rc == 0) {
        s3_req_header(&r, "Content-Type", "application/xml");
        if (m->part_b64)
            s3_req_header(&r, "x-amz-checksum-sha256", m->composite_b64);
        s3_req_body(&r, body.ptr, body.len);
        r.done = complete_done;
        rc = s3_req_perform(&r, err);
    }
    if (rc == 0 && s3_req_ok(&r)) {
        int p = s3xml_parse_complete(r.x.body_buf.ptr, r.x.body_buf.len, &e, err);
        if (p == 1)
            rc = s3_req_error(&r, &e, err);
        else if (p < 0)
            rc = err_prefix(err, "s3 CompleteMultipartUpload \"%s\"", m->key);
    } else if (rc == 0) {
        char code[128];
        s3_req_code(&r, code, sizeof(code));
        if (!(r.x.status == 404 && r.x.attempts > 1 && strcmp(code, "NoSuchUpload") == 0 &&
              mp_completed_anyway(m)))
            rc = s3_req_error(&r, NULL, err);
    }
    s3_req_cleanup(&r);
    buf_free(&body);
    buf_free(&q);
    return rc;
}

/* SHA-256 of each part of the file (unless the caller gave them), read once. */
static int mp_hash_parts(struct s3_mp *m, struct err *err)
{
    if (m->o->part_sha256) {
        m->part_hex = m->o->part_sha256;
        return 0;
    }
    unsigned char *chunk = malloc(S3_MIB);
    m->own_hex = calloc((size_t)m->n_parts, sizeof(*m->own_hex));
    m->part_hex = (const char(*)[65])m->own_hex;
    int rc = chunk && m->own_hex ? 0 : s3_oom(err);
    for (int i = 0; rc == 0 && i < m->n_parts; i++) {
        struct sha256 h = {0};
        int64_t at = (int64_t)i * m->part_size, end = at + m->part_size;
        end = end > m->size ? m->size : end;
        if (sha256_init(&h) < 0)
            rc = s3_oom(err);
        while (rc == 0 && at < end) {
            size_t want = end - at < S3_MIB ? (size_t)(end - at) : (size_t)S3_MIB;
            ssize_t got = pread(m->fd, chunk, want, (off_t)at);
            if (got <= 0 && !(got < 0 && errno == EINTR))
                rc = err_set(err, "s3 PutObject \"%s\": cannot read the file: %s", m->key,
                             got < 0 ? strerror(errno) : "it got shorter");
            else if (got > 0)
                sha256_update(&h, chunk, (size_t)got), at += got;
        }
        if (rc == 0)
            sha256_final_hex(&h, m->own_hex[i]);
        else if (h.md)
            sha256_free(&h);
    }
    free(chunk);
    return rc;
}

/* With checksum_sha256: each part's checksum and the composite one (the
 * SHA-256 of the parts' binary digests, as S3 computes it). */
static int mp_checksums(struct s3_mp *m, struct err *err)
{
    if (!m->c->cfg->checksum_sha256)
        return 0;
    struct sha256 h = {0};
    char hex[65];
    m->part_b64 = calloc((size_t)m->n_parts, sizeof(*m->part_b64));
    if (!m->part_b64 || sha256_init(&h) < 0)
        return s3_oom(err);
    for (int i = 0; i < m->n_parts; i++) {
        unsigned char bin[32];
        for (int j = 0; j < 32; j++) {
            unsigned v = 0;
            sscanf(m->part_hex[i] + 2 * j, "%2x", &v);
            bin[j] = (unsigned char)v;
        }
        sha256_update(&h, bin, sizeof(bin));
        s3_hex_to_b64(m->part_hex[i], m->part_b64[i]);
    }
    sha256_final_hex(&h, hex);
    s3_hex_to_b64(hex, m->composite_b64);
    return 0;
}

/* Abort the upload this call opened (also after a signal). */
static void mp_abort_own(struct s3_mp *m)
{
    struct err aerr;
    signals_hold(1);
    if (s3_abort_upload(m->c, m->key, buf_str(&m->upload_id), &aerr) < 0)
        log_warn("cannot abort the failed upload: %s", aerr.msg);
    else if (signals_caught())
        log_info("aborted the multipart upload of \"%s\"", m->key);
    signals_hold(0);
}

static int put_multipart(struct s3_mp *m, struct err *err)
{
    if (s3_part_size(m->size, m->c->cfg->part_size, &m->part_size, &m->n_parts, err) < 0)
        return err_prefix(err, "s3 PutObject \"%s\"", m->key);
    if (mp_hash_parts(m, err) < 0 || mp_checksums(m, err) < 0)
        return -1;
    mp_abort_leftovers(m);
    if (mp_create(m, err) < 0)
        return -1;
    int rc = mp_upload_parts(m, err);
    if (rc == 0 && m->o->before_complete)
        rc = m->o->before_complete(m->o->ctx, err);
    if (rc == 0)
        rc = mp_complete(m, err);
    if (rc < 0 && m->opened)
        mp_abort_own(m);
    return rc;
}

int s3_put_file(struct s3_client *c, const char *key, int fd, int64_t size,
                const struct s3_put_opts *o, struct err *err)
{
    static const struct s3_put_opts none;
    o = o ? o : &none;
    if (s3_check_key("PutObject", key, err) < 0)
        return -1;
    int64_t ps = 0;
    int n = 0;
    if (s3_part_size(size, c->cfg->part_size, &ps, &n, err) < 0)
        return err_prefix(err, "s3 PutObject \"%s\"", key);
    if (size < ps)
        return s3_put_single(c, key, fd, NULL, size, o, err);
    struct s3_mp m = {.c = c, .key = key, .fd = fd, .size = size, .o = o};
    buf_init(&m.upload_id, 4096);
    int rc = put_multipart(&m, err);
    for (int i = 0; m.parts && i < m.n_parts; i++)
        s3_req_cleanup(&m.parts[i]);
    free(m.parts);
    free(m.own_hex);
    free(m.part_b64);
    buf_free(&m.upload_id);
    return rc;
}
