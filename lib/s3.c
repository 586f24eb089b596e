/* s3.c - S3 client: signed requests, single and multipart uploads, listings,
 * batch deletes (see s3.h). */
#include "s3.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "credentials.h"
#include "log.h"
#include "s3xml.h"
#include "sha256.h"
#include "signals.h"

#define S3_MAX_HDRS 12
#define S3_XML_MAX (8u * 1024 * 1024) /* cap of a response body we parse */
#define S3_MIB (1024 * 1024LL)
#define S3_STRAY_MARGIN_MS 5000 /* slack around the CreateMultipartUpload window */
#define S3_CLOCK_SKEW_MS 60000  /* the same without a server Date to anchor it */
#define S3_MAX_STRAYS 100

/* One request: what is signed, the transfer, and where its answer goes. */
struct s3_req {
    struct s3_client *c;
    const char *op;   /* "PutObject", for messages */
    const char *key;  /* for messages */
    int part;         /* UploadPart number, else 0 */
    struct buf path;  /* raw canonical path */
    struct buf query; /* encoded, without '?' */
    struct buf url;
    const char *payload_hash;
    struct sigv4_header hdrs[S3_MAX_HDRS];
    size_t n_hdrs;
    char md5_b64[32];
    char checksum_b64[48];
    char hash_hex[65];
    char etag[128];
    struct curl_slist *slist;
    char cond[160];    /* "If-Match: ..." or "If-None-Match: *", sent unsigned; or "" */
    void *owner;       /* the operation this request belongs to */
    http_done_fn done; /* the operation's own done callback, after req_done */
    int refreshed;     /* credentials refreshed once for an expired token */
    struct http_xfer x;
};

static int64_t s3_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int s3_oom(struct err *err)
{
    return err_set(err, "s3: out of memory");
}

/* 1 when s holds a control byte (header injection). */
static int s3_has_ctl(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

static int s3_is_sha256_hex(const char *s)
{
    size_t i = 0;
    for (; s && s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return i == 64;
}

/* Base64 of a digest of data (EVP md) into out (>= 45 bytes). */
static void s3_digest_b64(const EVP_MD *md, const void *data, size_t n, char *out)
{
    unsigned char bin[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data, n, bin, &len, md, NULL);
    EVP_EncodeBlock((unsigned char *)out, bin, (int)len);
}

static void s3_sha256_hex(const void *data, size_t n, char hex[65])
{
    unsigned char bin[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data, n, bin, &len, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", bin[i]);
}

/* Base64 of the 32 bytes a 64-hex sha256 stands for. */
static void s3_hex_to_b64(const char *hex, char out[48])
{
    unsigned char bin[32];
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        bin[i] = (unsigned char)v;
    }
    EVP_EncodeBlock((unsigned char *)out, bin, 32);
}

/* ---- client and URLs ---- */

/* Split endpoint into scheme, host[:port] and a path without trailing '/'. */
static int s3_parse_endpoint(const char *endpoint, char scheme[8], struct buf *hostport,
                             struct buf *path, struct err *err)
{
    CURLU *u = curl_url();
    char *sch = NULL, *host = NULL, *port = NULL, *p = NULL, *q = NULL, *user = NULL;
    int rc = -1;
    if (!u)
        return s3_oom(err);
    if (curl_url_set(u, CURLUPART_URL, endpoint, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &sch, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &p, 0) != CURLUE_OK) {
        err_set(err, "s3: mirror endpoint \"%s\" is not a URL", endpoint);
        goto out;
    }
    curl_url_get(u, CURLUPART_PORT, &port, 0);
    curl_url_get(u, CURLUPART_QUERY, &q, 0);
    curl_url_get(u, CURLUPART_USER, &user, 0);
    if ((strcmp(sch, "http") != 0 && strcmp(sch, "https") != 0) || q || user ||
        strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~/") !=
            strlen(p)) {
        err_set(err, "s3: mirror endpoint \"%s\" must be http(s)://host[:port][/path]", endpoint);
        goto out;
    }
    size_t plen = strlen(p);
    while (plen && p[plen - 1] == '/')
        plen--;
    snprintf(scheme, 8, "%s", sch);
    int default_port = port && ((strcmp(sch, "http") == 0 && strcmp(port, "80") == 0) ||
                                (strcmp(sch, "https") == 0 && strcmp(port, "443") == 0));
    if (buf_adds(hostport, host) < 0 ||
        (port && !default_port && buf_addf(hostport, ":%s", port) < 0) ||
        buf_add(path, p, plen) < 0) {
        s3_oom(err);
        goto out;
    }
    rc = 0;
out:
    curl_free(sch);
    curl_free(host);
    curl_free(port);
    curl_free(p);
    curl_free(q);
    curl_free(user);
    curl_url_cleanup(u);
    return rc;
}

static int s3_check_config(const struct request_mirror *cfg, struct err *err)
{
    const char *b = cfg->bucket;
    if (!b || !*b)
        return err_set(err, "s3: mirror bucket is required");
    if (strspn(b, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(b))
        return err_set(err, "s3: invalid mirror bucket name \"%s\"", b);
    const char *hv[] = {cfg->session_token, cfg->server_side_encryption, cfg->sse_kms_key_id,
                        cfg->storage_class, cfg->access_key_id,          cfg->region};
    for (size_t i = 0; i < sizeof(hv) / sizeof(hv[0]); i++)
        if (s3_has_ctl(hv[i]))
            return err_set(err, "s3: control character in mirror settings");
    size_t tlen = cfg->session_token ? strlen(cfg->session_token) : 0;
    if (tlen > HTTP_HEADER_VALUE_MAX)
        return err_set(err,
                       "invalid source.mirror.session_token: %zu bytes, more than the %d a "
                       "request header can carry",
                       tlen, HTTP_HEADER_VALUE_MAX);
    return 0;
}

/* The credentials provider, when cfg asks for more than static keys; with
 * an http client the first keys are fetched now, so that a refusal is
 * reported before any S3 request. */
static int s3_creds_init(struct s3_client *c, struct err *err)
{
    if (!creds_wanted(c->cfg))
        return 0;
    struct sigv4_credentials first;
    c->creds = calloc(1, sizeof(*c->creds));
    if (!c->creds || creds_init(c->creds, c->cfg, err) < 0 ||
        (c->http && creds_get(c->creds, &first, err) < 0)) {
        if (!c->creds)
            s3_oom(err);
        s3_client_cleanup(c);
        return -1;
    }
    return 0;
}

int s3_client_init(struct s3_client *c, struct http_client *http, const struct request_mirror *cfg,
                   struct err *err)
{
    memset(c, 0, sizeof(*c));
    if (s3_check_config(cfg, err) < 0)
        return -1;
    const char *region = cfg->region && *cfg->region ? cfg->region : "us-east-1";
    struct buf host = BUF_INIT(4096), path = BUF_INIT(4096), origin = BUF_INIT(4096);
    char scheme[8] = "https";
    int rc = 0;
    if (cfg->endpoint && *cfg->endpoint)
        rc = s3_parse_endpoint(cfg->endpoint, scheme, &host, &path, err);
    else if (buf_addf(&host, "s3.%s.amazonaws.com", region) < 0)
        rc = s3_oom(err);
    if (rc == 0) {
        int ok = cfg->path_style ? buf_addf(&path, "/%s", cfg->bucket) == 0
                                 : buf_addf(&origin, "%s.", cfg->bucket) == 0;
        if (!ok || buf_adds(&origin, buf_str(&host)) < 0)
            rc = s3_oom(err);
    }
    if (rc == 0) {
        c->host = buf_take(&origin);
        struct buf o = BUF_INIT(4096);
        if (!c->host || buf_addf(&o, "%s://%s", scheme, c->host) < 0 ||
            !(c->origin = buf_take(&o)) || !(c->base_path = buf_take(&path)))
            rc = s3_oom(err);
    }
    buf_free(&host);
    buf_free(&path);
    buf_free(&origin);
    if (rc < 0) {
        s3_client_cleanup(c);
        return -1;
    }
    c->http = http;
    c->cfg = cfg;
    c->cred.access_key_id = cfg->access_key_id;
    c->cred.secret_access_key = cfg->secret_access_key;
    c->cred.session_token = cfg->session_token;
    c->cred.region = region;
    c->cred.service = "s3";
    return s3_creds_init(c, err);
}

void s3_client_cleanup(struct s3_client *c)
{
    free(c->origin);
    free(c->host);
    free(c->base_path);
    c->origin = c->host = c->base_path = NULL;
    if (c->creds)
        creds_cleanup(c->creds);
    free(c->creds);
    c->creds = NULL;
}

int s3_url(const struct s3_client *c, const char *key, const char *query, struct buf *url,
           struct buf *path, struct err *err)
{
    struct buf raw = BUF_INIT(0);
    buf_reset(url);
    int rc = buf_adds(&raw, c->base_path);
    if (rc == 0 && (*key || raw.len == 0))
        rc = buf_addf(&raw, "/%s", key);
    if (rc == 0)
        rc = buf_adds(url, c->origin);
    if (rc == 0)
        rc = sigv4_uri_encode(url, raw.ptr, raw.len, 1);
    if (rc == 0 && query && *query)
        rc = buf_addf(url, "?%s", query);
    if (rc == 0 && path) {
        buf_reset(path);
        rc = buf_add(path, raw.ptr, raw.len);
    }
    buf_free(&raw);
    return rc < 0 ? s3_oom(err) : 0;
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

/* ---- requests ---- */

static int s3_prepare(struct http_xfer *x, void *ctx);
static int req_done(struct http_xfer *x, void *ctx);

/* Set up r for method on key ("" = bucket) with an encoded query. */
static int req_init(struct s3_req *r, struct s3_client *c, const char *op, const char *method,
                    const char *key, const char *query, struct err *err)
{
    memset(r, 0, sizeof(*r));
    r->c = c;
    r->op = op;
    r->key = key;
    buf_init(&r->path, 0);
    buf_init(&r->query, 0);
    buf_init(&r->url, 0);
    http_xfer_init(&r->x, method, NULL);
    if ((query && buf_adds(&r->query, query) < 0) ||
        s3_url(c, key, query, &r->url, &r->path, err) < 0)
        return s3_oom(err);
    r->x.url = buf_str(&r->url);
    r->x.prepare = s3_prepare;
    r->x.done = req_done;
    r->x.ctx = r;
    r->x.body_max = S3_XML_MAX;
    r->payload_hash = SIGV4_EMPTY_SHA256;
    return 0;
}

static void req_cleanup(struct s3_req *r)
{
    http_xfer_cleanup(&r->x);
    curl_slist_free_all(r->slist);
    r->slist = NULL;
    buf_free(&r->path);
    buf_free(&r->query);
    buf_free(&r->url);
}

/* Add a signed header; NULL or empty values are skipped. */
static void req_header(struct s3_req *r, const char *name, const char *value)
{
    if (value && *value && r->n_hdrs < S3_MAX_HDRS)
        r->hdrs[r->n_hdrs++] = (struct sigv4_header){name, value};
}

/* An in-memory body, its sha256 as the payload hash. */
static void req_body(struct s3_req *r, const void *data, size_t len)
{
    r->x.body = len ? data : "";
    r->x.body_len = len;
    s3_sha256_hex(r->x.body, len, r->hash_hex);
    r->payload_hash = r->hash_hex;
}

/* Before every attempt: a fresh x-amz-date and signature. */
static int s3_prepare(struct http_xfer *x, void *ctx)
{
    struct s3_req *r = ctx;
    struct s3_client *c = r->c;
    struct sigv4_header h[S3_MAX_HDRS + 4];
    size_t n = 0;
    char date[17];
    struct sigv4_credentials cred = c->cred;
    struct err ce;
    if (c->creds && creds_get(c->creds, &cred, &ce) < 0)
        return http_xfer_fail(x, "%s", ce.msg);
    sigv4_amz_date(0, date);
    h[n++] = (struct sigv4_header){"Host", c->host};
    h[n++] = (struct sigv4_header){"x-amz-date", date};
    h[n++] = (struct sigv4_header){"x-amz-content-sha256", r->payload_hash};
    if (cred.session_token && *cred.session_token)
        h[n++] = (struct sigv4_header){"x-amz-security-token", cred.session_token};
    memcpy(h + n, r->hdrs, r->n_hdrs * sizeof(*h));
    n += r->n_hdrs;

    struct curl_slist *l = NULL;
    for (size_t i = 0; i < n; i++)
        if (!(l = http_add_header(l, "%s: %s", h[i].name, h[i].value)))
            return http_xfer_fail(x, "out of memory");
    if (cred.access_key_id && *cred.access_key_id) {
        struct sigv4_request sr = {x->method, buf_str(&r->path), buf_str(&r->query), h,
                                   n,         r->payload_hash};
        struct buf auth = BUF_INIT(0);
        struct err e;
        if (sigv4_sign(&sr, date, &cred, &auth, &e) < 0) {
            curl_slist_free_all(l);
            return http_xfer_fail(x, "%s", e.msg);
        }
        l = http_add_header(l, "Authorization: %s", buf_str(&auth));
        buf_free(&auth);
        if (!l)
            return http_xfer_fail(x, "out of memory");
    }
    if (r->cond[0] && !(l = http_add_header(l, "%s", r->cond)))
        return http_xfer_fail(x, "out of memory");
    curl_slist_free_all(r->slist);
    r->slist = l;
    x->headers = l;
    return 0;
}

static const char *s3_status_text(long status)
{
    switch (status) {
    case 200:
        return "OK";
    case 301:
        return "Moved Permanently";
    case 307:
        return "Temporary Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Payload Too Large";
    case 416:
        return "Range Not Satisfiable";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "";
    }
}

/* "s3 Op "key"[ part N]" into out. */
static const char *req_what(const struct s3_req *r, char *out, size_t n)
{
    char part[32] = "";
    if (r->part)
        snprintf(part, sizeof(part), " part %d", r->part);
    snprintf(out, n, "s3 %s \"%s\"%s", r->op, r->key, part);
    return out;
}

/* The one-line report of a failed answer; e NULL: parsed from the body. */
static int req_error(const struct s3_req *r, const struct s3xml_error *e, struct err *err)
{
    struct s3xml_error parsed;
    char what[ERR_MAX], rid[160] = "", hrid[128];
    if (!e) {
        s3xml_parse_error(r->x.body_buf.ptr, r->x.body_buf.len, &parsed);
        e = &parsed;
    }
    const char *id = e->request_id[0] ? e->request_id
                                      : http_header(&r->x, "x-amz-request-id", hrid, sizeof(hrid));
    if (id && *id)
        snprintf(rid, sizeof(rid), " (request id %s)", id);
    const char *code = e->code[0] ? e->code : s3_status_text(r->x.status);
    return err_set(err, "%s: HTTP %ld%s%s%s%s%s", req_what(r, what, sizeof(what)), r->x.status,
                   *code ? " " : "", code, e->message[0] ? ": " : "", e->message, rid);
}

/* Put the operation in front of a transfer failure from http_run. */
static int req_xfer_error(const struct s3_req *r, struct err *err)
{
    char what[ERR_MAX];
    return err_prefix(err, "%s", req_what(r, what, sizeof(what)));
}

static int req_perform(struct s3_req *r, struct err *err)
{
    if (!r->c->http)
        return err_set(err, "s3: no http client");
    if (http_perform(r->c->http, &r->x, err) < 0)
        return req_xfer_error(r, err);
    return 0;
}

static int req_ok(const struct s3_req *r)
{
    return r->x.status >= 200 && r->x.status < 300;
}

/* The <Code> of the error body ("" when none). */
static void req_code(const struct s3_req *r, char *code, size_t n)
{
    struct s3xml_error e;
    s3xml_parse_error(r->x.body_buf.ptr, r->x.body_buf.len, &e);
    snprintf(code, n, "%s", e.code);
}

/* Every answer: an expired session token (400/403 ExpiredToken or
 * TokenRefreshRequired) refreshes the credentials once and the request is
 * sent once more; parts already uploaded stay. Then the operation's own
 * callback. */
static int req_done(struct http_xfer *x, void *ctx)
{
    struct s3_req *r = ctx;
    char code[128];
    if (r->c->creds && !r->refreshed && (x->status == 400 || x->status == 403)) {
        req_code(r, code, sizeof(code));
        if ((strcmp(code, "ExpiredToken") == 0 || strcmp(code, "TokenRefreshRequired") == 0) &&
            creds_expire(r->c->creds)) {
            r->refreshed = 1;
            snprintf(x->errmsg, sizeof(x->errmsg), "HTTP %ld %s", x->status, code);
            return 1;
        }
    }
    return r->done ? r->done(x, ctx) : 0;
}

/* Encode s as a query value onto q: "&name=value" (no '&' when q is empty). */
static int query_add(struct buf *q, const char *name, const char *value)
{
    if (!value)
        return 0;
    if (buf_addf(q, "%s%s=", q->len ? "&" : "", name) < 0)
        return -1;
    return sigv4_uri_encode(q, value, strlen(value), 0);
}

static int s3_check_key(const char *op, const char *key, struct err *err)
{
    if (!key || !*key)
        return err_set(err, "s3 %s: empty key", op);
    if (strlen(key) > 1024)
        return err_set(err, "s3 %s \"%.60s...\": key longer than 1024 bytes", op, key);
    return 0;
}

/* ---- HEAD / GET ---- */

/* A HEAD error has no body, so no S3 error code: ask again with a one-byte
 * GET, whose error answer names it (SignatureDoesNotMatch, AccessDenied...). */
static int head_error_code(struct s3_client *c, const char *key, const struct s3_req *head,
                           struct err *err)
{
    struct s3_req r;
    int rc = req_init(&r, c, "HeadObject", "GET", key, NULL, err);
    if (rc == 0) {
        req_header(&r, "Range", "bytes=0-0");
        r.x.body_max = 64 * 1024;
        rc = req_perform(&r, err);
    }
    if (rc == 0)
        rc = req_error(r.x.status >= 400 ? &r : head, NULL, err);
    req_cleanup(&r);
    return rc;
}

int s3_head_object(struct s3_client *c, const char *key, struct s3_object_info *info,
                   struct err *err)
{
    struct s3_req r;
    char v[128];
    memset(info, 0, sizeof(*info));
    if (s3_check_key("HeadObject", key, err) < 0)
        return -1;
    int rc = req_init(&r, c, "HeadObject", "HEAD", key, NULL, err);
    if (rc == 0) {
        r.x.no_body = 1;
        rc = req_perform(&r, err);
    }
    if (rc == 0 && r.x.status == 404) {
        info->exists = 0;
    } else if (rc == 0 && req_ok(&r)) {
        info->exists = 1;
        if (http_header(&r.x, "Content-Length", v, sizeof(v)))
            info->size = strtoll(v, NULL, 10);
        if (http_header(&r.x, "ETag", v, sizeof(v))) {
            size_t n = strlen(v);
            int quoted = n >= 2 && v[0] == '"' && v[n - 1] == '"';
            snprintf(info->etag, sizeof(info->etag), "%.*s", (int)(quoted ? n - 2 : n), v + quoted);
        }
        if (http_header(&r.x, "x-amz-meta-sha256", v, sizeof(v)) && s3_is_sha256_hex(v))
            memcpy(info->sha256, v, 65);
    } else if (rc == 0 && r.x.body_buf.len == 0) {
        rc = head_error_code(c, key, &r, err);
    } else if (rc == 0) {
        rc = req_error(&r, NULL, err);
    }
    req_cleanup(&r);
    return rc;
}

int s3_get_object(struct s3_client *c, const char *key, struct buf *out, int *found,
                  struct err *err)
{
    char etag[128];
    return s3_get_object_etag(c, key, out, found, etag, err);
}

/* The ETag header of an answer, quotes stripped, into etag[128]. */
static void req_etag(const struct s3_req *r, char etag[128])
{
    char v[128];
    etag[0] = '\0';
    if (http_header(&r->x, "ETag", v, sizeof(v))) {
        size_t n = strlen(v);
        int quoted = n >= 2 && v[0] == '"' && v[n - 1] == '"';
        snprintf(etag, 128, "%.*s", (int)(quoted ? n - 2 : n), v + quoted);
    }
}

int s3_get_object_etag(struct s3_client *c, const char *key, struct buf *out, int *found,
                       char etag[128], struct err *err)
{
    struct s3_req r;
    char code[128];
    *found = 0;
    etag[0] = '\0';
    if (s3_check_key("GetObject", key, err) < 0)
        return -1;
    int rc = req_init(&r, c, "GetObject", "GET", key, NULL, err);
    if (rc == 0) {
        r.x.body_max = S3_GET_MAX;
        rc = req_perform(&r, err);
    }
    if (rc == 0 && req_ok(&r)) {
        buf_free(out);
        *out = r.x.body_buf;
        buf_init(&r.x.body_buf, 0);
        *found = 1;
        req_etag(&r, etag);
    } else if (rc == 0 && r.x.status == 404) {
        req_code(&r, code, sizeof(code));
        if (code[0] && strcmp(code, "NoSuchKey") != 0)
            rc = req_error(&r, NULL, err);
    } else if (rc == 0) {
        rc = req_error(&r, NULL, err);
    }
    req_cleanup(&r);
    return rc;
}

/* ---- PUT ---- */

/* Content-Type, x-amz-meta-sha256, SSE and storage class of an object write. */
static int req_write_headers(struct s3_req *r, const struct s3_put_opts *o, struct err *err)
{
    const struct request_mirror *cfg = r->c->cfg;
    const char *ct =
        o->content_type && *o->content_type ? o->content_type : "application/octet-stream";
    if (s3_has_ctl(ct))
        return err_set(err, "s3 %s \"%s\": control character in content type", r->op, r->key);
    if (o->sha256_hex && !s3_is_sha256_hex(o->sha256_hex))
        return err_set(err, "s3 %s \"%s\": invalid sha256 \"%.70s\"", r->op, r->key, o->sha256_hex);
    req_header(r, "Content-Type", ct);
    req_header(r, "x-amz-meta-sha256", o->sha256_hex);
    req_header(r, "x-amz-server-side-encryption", cfg->server_side_encryption);
    req_header(r, "x-amz-server-side-encryption-aws-kms-key-id", cfg->sse_kms_key_id);
    req_header(r, "x-amz-storage-class", cfg->storage_class);
    return 0;
}

/* One PutObject; data NULL means the body is size bytes of fd. */
static int put_single(struct s3_client *c, const char *key, int fd, const void *data, int64_t size,
                      const struct s3_put_opts *o, struct err *err)
{
    struct s3_req r;
    int rc = req_init(&r, c, "PutObject", "PUT", key, NULL, err);
    if (rc == 0)
        rc = req_write_headers(&r, o, err);
    if (rc == 0) {
        if (data || size == 0) {
            req_body(&r, data, (size_t)size);
        } else {
            r.x.upload_fd = fd;
            r.x.upload_offset = 0;
            r.x.upload_len = size;
            r.payload_hash = o->sha256_hex ? o->sha256_hex : SIGV4_UNSIGNED;
        }
        if (c->cfg->checksum_sha256) {
            if (data || size == 0)
                s3_hex_to_b64(r.hash_hex, r.checksum_b64);
            else if (o->sha256_hex)
                s3_hex_to_b64(o->sha256_hex, r.checksum_b64);
            req_header(&r, "x-amz-checksum-sha256", r.checksum_b64);
        }
        r.x.progress_label = o->progress_label;
        r.x.progress_total = size;
        rc = req_perform(&r, err);
    }
    if (rc == 0 && !req_ok(&r))
        rc = req_error(&r, NULL, err);
    req_cleanup(&r);
    return rc;
}

int s3_put_buffer(struct s3_client *c, const char *key, const void *data, size_t len,
                  const struct s3_put_opts *o, struct err *err)
{
    static const struct s3_put_opts none;
    if (s3_check_key("PutObject", key, err) < 0)
        return -1;
    return put_single(c, key, -1, len ? data : NULL, (int64_t)len, o ? o : &none, err);
}

/* One conditional PutObject: 0 written, 1 precondition failed, -1 error. */
static int put_cond_once(struct s3_client *c, const char *key, const void *data, size_t len,
                         const struct s3_put_opts *o, const char *cond, struct err *err)
{
    struct s3_req r;
    char code[128];
    int rc = req_init(&r, c, "PutObject", "PUT", key, NULL, err);
    if (rc == 0)
        rc = req_write_headers(&r, o, err);
    if (rc == 0) {
        snprintf(r.cond, sizeof(r.cond), "%s", cond);
        req_body(&r, len ? data : NULL, len);
        if (c->cfg->checksum_sha256) {
            s3_hex_to_b64(r.hash_hex, r.checksum_b64);
            req_header(&r, "x-amz-checksum-sha256", r.checksum_b64);
        }
        rc = req_perform(&r, err);
    }
    if (rc == 0 && !req_ok(&r)) {
        req_code(&r, code, sizeof(code));
        if (r.x.status == 412 ||
            (r.x.status == 409 && strcmp(code, "ConditionalRequestConflict") == 0))
            rc = 1;
        else
            rc = req_error(&r, NULL, err);
    }
    req_cleanup(&r);
    return rc;
}

int s3_put_if(struct s3_client *c, const char *key, const void *data, size_t len,
              const struct s3_put_opts *o, const char *if_match, struct err *err)
{
    static const struct s3_put_opts none;
    char cond[160];
    o = o ? o : &none;
    if (s3_check_key("PutObject", key, err) < 0)
        return -1;
    if (if_match && (strlen(if_match) > 128 || s3_has_ctl(if_match) || strchr(if_match, '"')))
        return err_set(err, "s3 PutObject \"%s\": unusable ETag \"%.60s\"", key, if_match);
    if (!if_match)
        snprintf(cond, sizeof(cond), "If-None-Match: *");
    else
        snprintf(cond, sizeof(cond), c->if_match_bare ? "If-Match: %s" : "If-Match: \"%s\"",
                 if_match);
    int rc = put_cond_once(c, key, data, len, o, cond, err);
    if (rc != 1 || !if_match || c->if_match_bare)
        return rc;
    /* 412 to the quoted form: a real change, or a server comparing unquoted? */
    struct s3_object_info info;
    if (s3_head_object(c, key, &info, err) < 0)
        return -1;
    if (!info.exists || strcmp(info.etag, if_match) != 0)
        return 1;
    snprintf(cond, sizeof(cond), "If-Match: %s", if_match);
    rc = put_cond_once(c, key, data, len, o, cond, err);
    if (rc == 0) {
        c->if_match_bare = 1;
        log_info("s3: the server compares If-Match with the ETag without its quotes (as Ceph "
                 "RGW does); sending it bare");
    }
    if (rc != 1 || s3_head_object(c, key, &info, err) < 0)
        return rc < 0 ? -1 : rc;
    char versioning[32];
    if (!info.exists || strcmp(info.etag, if_match) != 0 ||
        s3_get_versioning(c, versioning, sizeof(versioning), err) < 0 || !versioning[0])
        return 1;
    /* RGW 16.2 answers 412 to any If-Match on a versioned bucket */
    log_warn("s3: the server refuses If-Match on \"%s\" although its ETag matches (Ceph RGW "
             "does on versioned buckets): writing it unconditionally; run the puts with "
             "serial: true",
             key);
    return put_single(c, key, -1, len ? data : NULL, (int64_t)len, o, err);
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
    if (query_add(&q, "uploadId", upload_id) < 0)
        return s3_oom(err);
    int rc = req_init(&r, c, "AbortMultipartUpload", "DELETE", key, buf_str(&q), err);
    if (rc == 0)
        rc = req_perform(&r, err);
    if (rc == 0 && !req_ok(&r)) {
        req_code(&r, code, sizeof(code));
        if (r.x.status != 404 || (code[0] && strcmp(code, "NoSuchUpload") != 0))
            rc = req_error(&r, NULL, err);
    }
    req_cleanup(&r);
    buf_free(&q);
    return rc;
}

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

int s3_list_uploads(struct s3_client *c, const char *prefix, s3_upload_fn fn, void *ctx,
                    struct err *err)
{
    char *key_marker = NULL, *id_marker = NULL;
    struct buf mark = BUF_INIT(0), pos = BUF_INIT(0);
    int rc = 0, stop = 0;
    for (int page = 0; rc == 0 && !stop; page++) {
        struct s3_req r;
        struct buf q = BUF_INIT(0);
        struct s3xml_uploads u = {0};
        if (page == S3_LIST_MAX_PAGES) {
            rc = err_set(err, "s3 ListMultipartUploads \"%s\": more than %d pages",
                         prefix ? prefix : "", S3_LIST_MAX_PAGES);
            break;
        }
        if (buf_adds(&q, "uploads") < 0 || query_add(&q, "prefix", prefix) < 0 ||
            query_add(&q, "key-marker", key_marker) < 0 ||
            query_add(&q, "upload-id-marker", id_marker) < 0) {
            rc = s3_oom(err);
            break;
        }
        rc = req_init(&r, c, "ListMultipartUploads", "GET", "", buf_str(&q), err);
        r.key = prefix ? prefix : "";
        if (rc == 0)
            rc = req_perform(&r, err);
        if (rc == 0 && !req_ok(&r))
            rc = req_error(&r, NULL, err);
        if (rc == 0 && s3xml_parse_uploads(r.x.body_buf.ptr, r.x.body_buf.len, &u, err) < 0)
            rc = err_prefix(err, "s3 ListMultipartUploads \"%s\"", r.key);
        for (size_t i = 0; rc == 0 && !stop && i < u.n; i++) {
            int f = fn(ctx, u.items[i].key, u.items[i].upload_id, u.items[i].initiated_ms, err);
            rc = f < 0 ? -1 : 0;
            stop = f > 0;
        }
        if (rc == 0 && !stop && !u.truncated) {
            stop = 1;
        } else if (rc == 0 && !stop) {
            int same = key_marker && u.next_key_marker &&
                       strcmp(key_marker, u.next_key_marker) == 0 && id_marker &&
                       u.next_upload_id_marker && strcmp(id_marker, u.next_upload_id_marker) == 0;
            int seen = 0;
            buf_reset(&pos);
            if (u.next_key_marker &&
                (buf_addf(&pos, "%s\n%s", u.next_key_marker,
                          u.next_upload_id_marker ? u.next_upload_id_marker : "") < 0 ||
                 (seen = s3_cycle(&mark, page, buf_str(&pos))) < 0))
                rc = s3_oom(err);
            else if (!u.next_key_marker || same || seen)
                rc = err_set(err,
                             "s3 ListMultipartUploads \"%s\": truncated listing without "
                             "new markers",
                             r.key);
            free(key_marker);
            free(id_marker);
            key_marker = u.next_key_marker;
            id_marker = u.next_upload_id_marker;
            u.next_key_marker = u.next_upload_id_marker = NULL;
        }
        s3xml_uploads_free(&u);
        req_cleanup(&r);
        buf_free(&q);
    }
    free(key_marker);
    free(id_marker);
    buf_free(&mark);
    buf_free(&pos);
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
    int rc = req_init(&r, m->c, "CreateMultipartUpload", "POST", m->key, "uploads", err);
    /* libcurl silently resends a request whose reused connection died before
     * the answer; for a Create that could open an upload nobody completes */
    r.x.fresh_connect = 1;
    if (rc == 0)
        rc = req_write_headers(&r, m->o, err);
    if (rc == 0 && m->part_b64)
        req_header(&r, "x-amz-checksum-algorithm", "SHA256");
    if (rc == 0)
        rc = req_perform(&r, err);
    if (rc == 0 && !req_ok(&r))
        rc = req_error(&r, NULL, err);
    if (rc == 0 && s3xml_parse_initiate(r.x.body_buf.ptr, r.x.body_buf.len, &m->upload_id, err) < 0)
        rc = err_prefix(err, "s3 CreateMultipartUpload \"%s\"", m->key);
    m->opened = rc == 0;
    if ((rc == 0 && r.x.attempts > 1) || (rc < 0 && signals_caught())) {
        signals_hold(1); /* interrupted: the server may have opened one anyway */
        mp_abort_strays(m, &r, t0);
        signals_hold(0);
    }
    req_cleanup(&r);
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
            query_add(&q, "uploadId", buf_str(&m->upload_id)) < 0) {
            rc = s3_oom(err);
            break;
        }
        rc = req_init(r, m->c, "UploadPart", "PUT", m->key, buf_str(&q), err);
        r->part = i + 1;
        r->owner = m;
        r->payload_hash = m->part_hex[i]; /* the server checks the bytes against it */
        if (m->part_b64)
            req_header(r, "x-amz-checksum-sha256", m->part_b64[i]);
        r->x.upload_fd = m->fd;
        r->x.upload_offset = (int64_t)i * m->part_size;
        r->x.upload_len = m->size - r->x.upload_offset < m->part_size ? m->size - r->x.upload_offset
                                                                      : m->part_size;
        r->done = part_done;
        xs[i] = &r->x;
    }
    buf_free(&q);
    if (rc == 0 && http_run(m->c->http, xs, (size_t)m->n_parts, m->c->cfg->concurrency, err) < 0) {
        for (int i = 0; i < m->n_parts; i++)
            if (m->parts[i].x.failed && strcmp(m->parts[i].x.errmsg, err->msg) == 0) {
                if (strncmp(err->msg, "s3 ", 3) != 0)
                    req_xfer_error(&m->parts[i], err);
                break;
            }
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < m->n_parts; i++)
        if (!req_ok(&m->parts[i]))
            rc = req_error(&m->parts[i], NULL, err);
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
         query_add(&q, "uploadId", buf_str(&m->upload_id)) < 0))
        rc = s3_oom(err);
    free(etags);
    free(sums);
    if (rc < 0)
        return rc;
    rc = req_init(&r, m->c, "CompleteMultipartUpload", "POST", m->key, buf_str(&q), err);
    if (rc == 0) {
        req_header(&r, "Content-Type", "application/xml");
        if (m->part_b64)
            req_header(&r, "x-amz-checksum-sha256", m->composite_b64);
        req_body(&r, body.ptr, body.len);
        r.done = complete_done;
        rc = req_perform(&r, err);
    }
    if (rc == 0 && req_ok(&r)) {
        int p = s3xml_parse_complete(r.x.body_buf.ptr, r.x.body_buf.len, &e, err);
        if (p == 1)
            rc = req_error(&r, &e, err);
        else if (p < 0)
            rc = err_prefix(err, "s3 CompleteMultipartUpload \"%s\"", m->key);
    } else if (rc == 0) {
        char code[128];
        req_code(&r, code, sizeof(code));
        if (!(r.x.status == 404 && r.x.attempts > 1 && strcmp(code, "NoSuchUpload") == 0 &&
              mp_completed_anyway(m)))
            rc = req_error(&r, NULL, err);
    }
    req_cleanup(&r);
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
        return put_single(c, key, fd, NULL, size, o, err);
    struct s3_mp m = {.c = c, .key = key, .fd = fd, .size = size, .o = o};
    buf_init(&m.upload_id, 4096);
    int rc = put_multipart(&m, err);
    for (int i = 0; m.parts && i < m.n_parts; i++)
        req_cleanup(&m.parts[i]);
    free(m.parts);
    free(m.own_hex);
    free(m.part_b64);
    buf_free(&m.upload_id);
    return rc;
}

/* ---- listing ---- */

int s3_list_objects(struct s3_client *c, const char *prefix, const char *delimiter, s3_list_fn fn,
                    void *ctx, struct err *err)
{
    char *token = NULL, maxkeys[16];
    struct buf mark = BUF_INIT(0);
    int rc = 0, stop = 0, seen = 0;
    snprintf(maxkeys, sizeof(maxkeys), "%d", c->list_max_keys);
    for (int page = 0; rc == 0 && !stop; page++) {
        struct s3_req r;
        struct buf q = BUF_INIT(0);
        struct s3xml_list l = {0};
        if (page == S3_LIST_MAX_PAGES) {
            rc = err_set(err, "s3 ListObjectsV2 \"%s\": more than %d pages", prefix ? prefix : "",
                         S3_LIST_MAX_PAGES);
            break;
        }
        if (buf_adds(&q, "list-type=2") < 0 || query_add(&q, "prefix", prefix) < 0 ||
            query_add(&q, "delimiter", delimiter) < 0 ||
            query_add(&q, "max-keys", c->list_max_keys > 0 ? maxkeys : NULL) < 0 ||
            query_add(&q, "continuation-token", token) < 0) {
            rc = s3_oom(err);
            break;
        }
        rc = req_init(&r, c, "ListObjectsV2", "GET", "", buf_str(&q), err);
        r.key = prefix ? prefix : "";
        if (rc == 0)
            rc = req_perform(&r, err);
        if (rc == 0 && !req_ok(&r))
            rc = req_error(&r, NULL, err);
        if (rc == 0 && s3xml_parse_list(r.x.body_buf.ptr, r.x.body_buf.len, &l, err) < 0)
            rc = err_prefix(err, "s3 ListObjectsV2 \"%s\"", r.key);
        for (size_t i = 0; rc == 0 && !stop && i < l.n; i++) {
            int f = fn(ctx, l.items[i].key, l.items[i].size, l.items[i].is_prefix, err);
            rc = f < 0 ? -1 : 0;
            stop = f > 0;
        }
        if (rc == 0 && !stop && !l.truncated) {
            stop = 1;
        } else if (rc == 0 && !stop) {
            if (!l.next_token || !*l.next_token)
                rc = err_set(err,
                             "s3 ListObjectsV2 \"%s\": truncated listing without a "
                             "continuation token",
                             r.key);
            else if ((seen = s3_cycle(&mark, page, l.next_token)) < 0)
                rc = s3_oom(err);
            else if (seen || (token && strcmp(token, l.next_token) == 0))
                rc = err_set(err,
                             "s3 ListObjectsV2 \"%s\": the server repeated a "
                             "continuation token",
                             r.key);
            free(token);
            token = l.next_token;
            l.next_token = NULL;
        }
        s3xml_list_free(&l);
        req_cleanup(&r);
        buf_free(&q);
    }
    free(token);
    buf_free(&mark);
    return rc;
}

int s3_get_versioning(struct s3_client *c, char *status, size_t n, struct err *err)
{
    struct s3_req r;
    if (n)
        status[0] = '\0';
    int rc = req_init(&r, c, "GetBucketVersioning", "GET", "", "versioning", err);
    r.key = "";
    if (rc == 0)
        rc = req_perform(&r, err);
    if (rc == 0 && !req_ok(&r))
        rc = req_error(&r, NULL, err);
    if (rc == 0 && s3xml_parse_versioning(r.x.body_buf.ptr, r.x.body_buf.len, status, n, err) < 0)
        rc = err_prefix(err, "s3 GetBucketVersioning");
    req_cleanup(&r);
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
            rc = req_init(&rs[ready], c, "DeleteObject", "DELETE", keys[ready], NULL, err);
        xs[ready] = &rs[ready].x;
    }
    if (rc == 0 && http_run(c->http, xs, n, c->cfg->concurrency, err) < 0)
        rc = err_prefix(err, "s3 DeleteObject");
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!req_ok(&rs[i]) && rs[i].x.status != 404)
            rc = req_error(&rs[i], NULL, err);
    for (size_t i = 0; rs && i < ready; i++)
        req_cleanup(&rs[i]);
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
    int rc = req_init(&r, c, "DeleteObjects", "POST", "", "delete", err);
    r.key = keys[0];
    if (rc == 0) {
        s3_digest_b64(EVP_md5(), body.ptr, body.len, r.md5_b64);
        req_header(&r, "Content-Type", "application/xml");
        req_header(&r, "Content-MD5", r.md5_b64);
        req_body(&r, body.ptr, body.len);
        rc = req_perform(&r, err);
    }
    if (rc == 0 && req_ok(&r)) {
        rc = delete_judge(&r, n, err);
    } else if (rc == 0) {
        req_code(&r, code, sizeof(code));
        if (r.x.status == 501 || strcmp(code, "NotImplemented") == 0)
            rc = delete_each(c, keys, n, err);
        else
            rc = req_error(&r, NULL, err);
    }
    req_cleanup(&r);
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
