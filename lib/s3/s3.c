/* s3.c - S3 client: the client and its URLs, the signed request core that
 * s3_multipart.c and s3_list.c share (s3_internal.h), HEAD/GET, single and
 * conditional PUT (see s3.h). */
#include "s3.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credentials.h"
#include "log.h"
#include "s3_internal.h"
#include "s3xml.h"
#include "text.h"

int s3_oom(struct err *err)
{
    return err_set(err, "s3: out of memory");
}

static int s3_is_sha256_hex(const char *s)
{
    size_t i = 0;
    for (; s && s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return i == 64;
}

static void s3_sha256_hex(const void *data, size_t n, char hex[65])
{
    unsigned char bin[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data, n, bin, &len, EVP_sha256(), NULL);
    text_hex(bin, len, hex);
}

void s3_hex_to_b64(const char *hex, char out[48])
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

static int s3_check_config(const struct s3_config *cfg, struct err *err)
{
    const char *b = cfg->bucket;
    if (!b || !*b)
        return err_set(err, "s3: mirror bucket is required");
    if (strspn(b, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(b))
        return err_set(err, "s3: invalid mirror bucket name \"%s\"", b);
    const struct creds_config *k = &cfg->creds;
    const char *hv[] = {k->session_token,    cfg->server_side_encryption,
                        cfg->sse_kms_key_id, cfg->storage_class,
                        k->access_key_id,    k->region};
    for (size_t i = 0; i < sizeof(hv) / sizeof(hv[0]); i++)
        if (text_has_control(hv[i]))
            return err_set(err, "s3: control character in mirror settings");
    size_t tlen = k->session_token ? strlen(k->session_token) : 0;
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
    if (!creds_wanted(&c->cfg->creds))
        return 0;
    struct sigv4_credentials first;
    c->creds = calloc(1, sizeof(*c->creds));
    if (!c->creds || creds_init(c->creds, &c->cfg->creds, err) < 0 ||
        (c->http && creds_get(c->creds, &first, err) < 0)) {
        if (!c->creds)
            s3_oom(err);
        s3_client_cleanup(c);
        return -1;
    }
    return 0;
}

int s3_client_init(struct s3_client *c, struct http_client *http, const struct s3_config *cfg,
                   struct err *err)
{
    memset(c, 0, sizeof(*c));
    if (s3_check_config(cfg, err) < 0)
        return -1;
    const char *region = cfg->creds.region && *cfg->creds.region ? cfg->creds.region : "us-east-1";
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
    c->cred.access_key_id = cfg->creds.access_key_id;
    c->cred.secret_access_key = cfg->creds.secret_access_key;
    c->cred.session_token = cfg->creds.session_token;
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

/* ---- requests ---- */

static int s3_prepare(struct http_xfer *x, void *ctx);
static int req_done(struct http_xfer *x, void *ctx);

int s3_req_init(struct s3_req *r, struct s3_client *c, const char *op, const char *method,
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

void s3_req_cleanup(struct s3_req *r)
{
    http_xfer_cleanup(&r->x);
    curl_slist_free_all(r->slist);
    r->slist = NULL;
    buf_free(&r->path);
    buf_free(&r->query);
    buf_free(&r->url);
}

void s3_req_header(struct s3_req *r, const char *name, const char *value)
{
    if (value && *value && r->n_hdrs < S3_MAX_HDRS)
        r->hdrs[r->n_hdrs++] = (struct sigv4_header){name, value};
}

void s3_req_body(struct s3_req *r, const void *data, size_t len)
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
    static const struct {
        long status;
        const char *text;
    } texts[] = {{200, "OK"},
                 {301, "Moved Permanently"},
                 {307, "Temporary Redirect"},
                 {400, "Bad Request"},
                 {401, "Unauthorized"},
                 {403, "Forbidden"},
                 {404, "Not Found"},
                 {405, "Method Not Allowed"},
                 {409, "Conflict"},
                 {411, "Length Required"},
                 {412, "Precondition Failed"},
                 {413, "Payload Too Large"},
                 {416, "Range Not Satisfiable"},
                 {429, "Too Many Requests"},
                 {500, "Internal Server Error"},
                 {501, "Not Implemented"},
                 {502, "Bad Gateway"},
                 {503, "Service Unavailable"},
                 {504, "Gateway Timeout"}};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (texts[i].status == status)
            return texts[i].text;
    return "";
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

int s3_req_error(const struct s3_req *r, const struct s3xml_error *e, struct err *err)
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
        snprintf(rid, sizeof(rid), ", request id %s", id);
    const char *code = e->code[0] ? e->code : s3_status_text(r->x.status);
    char url[1024];
    http_url_for_log(r->x.url, url, sizeof(url)); /* never the query */
    return err_set(err, "%s: HTTP %ld%s%s%s%s (%s %s%s)", req_what(r, what, sizeof(what)),
                   r->x.status, *code ? " " : "", code, e->message[0] ? ": " : "", e->message,
                   r->x.method ? r->x.method : "GET", url, rid);
}

int s3_req_xfer_error(const struct s3_req *r, struct err *err)
{
    char what[ERR_MAX];
    return err_prefix(err, "%s", req_what(r, what, sizeof(what)));
}

int s3_req_perform(struct s3_req *r, struct err *err)
{
    if (!r->c->http)
        return err_set(err, "s3: no http client");
    if (http_perform(r->c->http, &r->x, err) < 0)
        return s3_req_xfer_error(r, err);
    return 0;
}

int s3_req_ok(const struct s3_req *r)
{
    return r->x.status >= 200 && r->x.status < 300;
}

void s3_req_code(const struct s3_req *r, char *code, size_t n)
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
        s3_req_code(r, code, sizeof(code));
        if ((strcmp(code, "ExpiredToken") == 0 || strcmp(code, "TokenRefreshRequired") == 0) &&
            creds_expire(r->c->creds)) {
            r->refreshed = 1;
            snprintf(x->errmsg, sizeof(x->errmsg), "HTTP %ld %s", x->status, code);
            return 1;
        }
    }
    return r->done ? r->done(x, ctx) : 0;
}

int s3_query_add(struct buf *q, const char *name, const char *value)
{
    if (!value)
        return 0;
    if (buf_addf(q, "%s%s=", q->len ? "&" : "", name) < 0)
        return -1;
    return sigv4_uri_encode(q, value, strlen(value), 0);
}

int s3_check_key(const char *op, const char *key, struct err *err)
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
    int rc = s3_req_init(&r, c, "HeadObject", "GET", key, NULL, err);
    if (rc == 0) {
        s3_req_header(&r, "Range", "bytes=0-0");
        r.x.body_max = 64 * 1024;
        rc = s3_req_perform(&r, err);
    }
    if (rc == 0)
        rc = s3_req_error(r.x.status >= 400 ? &r : head, NULL, err);
    s3_req_cleanup(&r);
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
    int rc = s3_req_init(&r, c, "HeadObject", "HEAD", key, NULL, err);
    if (rc == 0) {
        r.x.no_body = 1;
        rc = s3_req_perform(&r, err);
    }
    if (rc == 0 && r.x.status == 404) {
        info->exists = 0;
    } else if (rc == 0 && s3_req_ok(&r)) {
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
        rc = s3_req_error(&r, NULL, err);
    }
    s3_req_cleanup(&r);
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
    int rc = s3_req_init(&r, c, "GetObject", "GET", key, NULL, err);
    if (rc == 0) {
        r.x.body_max = S3_GET_MAX;
        rc = s3_req_perform(&r, err);
    }
    if (rc == 0 && s3_req_ok(&r)) {
        buf_free(out);
        *out = r.x.body_buf;
        buf_init(&r.x.body_buf, 0);
        *found = 1;
        req_etag(&r, etag);
    } else if (rc == 0 && r.x.status == 404) {
        s3_req_code(&r, code, sizeof(code));
        if (code[0] && strcmp(code, "NoSuchKey") != 0)
            rc = s3_req_error(&r, NULL, err);
    } else if (rc == 0) {
        rc = s3_req_error(&r, NULL, err);
    }
    s3_req_cleanup(&r);
    return rc;
}

/* ---- PUT ---- */

int s3_req_write_headers(struct s3_req *r, const struct s3_put_opts *o, struct err *err)
{
    const struct s3_config *cfg = r->c->cfg;
    const char *ct =
        o->content_type && *o->content_type ? o->content_type : "application/octet-stream";
    if (text_has_control(ct))
        return err_set(err, "s3 %s \"%s\": control character in content type", r->op, r->key);
    if (o->sha256_hex && !s3_is_sha256_hex(o->sha256_hex))
        return err_set(err, "s3 %s \"%s\": invalid sha256 \"%.70s\"", r->op, r->key, o->sha256_hex);
    s3_req_header(r, "Content-Type", ct);
    s3_req_header(r, "x-amz-meta-sha256", o->sha256_hex);
    s3_req_header(r, "x-amz-server-side-encryption", cfg->server_side_encryption);
    s3_req_header(r, "x-amz-server-side-encryption-aws-kms-key-id", cfg->sse_kms_key_id);
    s3_req_header(r, "x-amz-storage-class", cfg->storage_class);
    return 0;
}

int s3_put_single(struct s3_client *c, const char *key, int fd, const void *data, int64_t size,
                  const struct s3_put_opts *o, struct err *err)
{
    struct s3_req r;
    int rc = s3_req_init(&r, c, "PutObject", "PUT", key, NULL, err);
    if (rc == 0)
        rc = s3_req_write_headers(&r, o, err);
    if (rc == 0) {
        if (data || size == 0) {
            s3_req_body(&r, data, (size_t)size);
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
            s3_req_header(&r, "x-amz-checksum-sha256", r.checksum_b64);
        }
        r.x.progress_label = o->progress_label;
        r.x.progress_total = size;
        rc = s3_req_perform(&r, err);
    }
    if (rc == 0 && !s3_req_ok(&r))
        rc = s3_req_error(&r, NULL, err);
    s3_req_cleanup(&r);
    return rc;
}

int s3_put_buffer(struct s3_client *c, const char *key, const void *data, size_t len,
                  const struct s3_put_opts *o, struct err *err)
{
    static const struct s3_put_opts none;
    if (s3_check_key("PutObject", key, err) < 0)
        return -1;
    return s3_put_single(c, key, -1, len ? data : NULL, (int64_t)len, o ? o : &none, err);
}

/* One conditional PutObject: 0 written, 1 precondition failed, -1 error. */
static int put_cond_once(struct s3_client *c, const char *key, const void *data, size_t len,
                         const struct s3_put_opts *o, const char *cond, struct err *err)
{
    struct s3_req r;
    char code[128];
    int rc = s3_req_init(&r, c, "PutObject", "PUT", key, NULL, err);
    if (rc == 0)
        rc = s3_req_write_headers(&r, o, err);
    if (rc == 0) {
        snprintf(r.cond, sizeof(r.cond), "%s", cond);
        s3_req_body(&r, len ? data : NULL, len);
        if (c->cfg->checksum_sha256) {
            s3_hex_to_b64(r.hash_hex, r.checksum_b64);
            s3_req_header(&r, "x-amz-checksum-sha256", r.checksum_b64);
        }
        rc = s3_req_perform(&r, err);
    }
    if (rc == 0 && !s3_req_ok(&r)) {
        s3_req_code(&r, code, sizeof(code));
        if (r.x.status == 412 ||
            (r.x.status == 409 && strcmp(code, "ConditionalRequestConflict") == 0))
            rc = 1;
        else
            rc = s3_req_error(&r, NULL, err);
    }
    s3_req_cleanup(&r);
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
    if (if_match && (strlen(if_match) > 128 || text_has_control(if_match) || strchr(if_match, '"')))
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
    return s3_put_single(c, key, -1, len ? data : NULL, (int64_t)len, o, err);
}
