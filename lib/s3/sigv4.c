/* sigv4.c - AWS Signature Version 4 signing with S3's canonicalisation rules. */
#include "sigv4.h"
#include "text.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIGV4_ALGO "AWS4-HMAC-SHA256"

static int oom(struct err *err)
{
    return err_set(err, "sigv4: out of memory");
}

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int sigv4_uri_encode(struct buf *out, const char *s, size_t n, int keep_slash)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;
        if (is_unreserved(c) || (c == '/' && keep_slash)) {
            rc = buf_addc(out, (char)c);
        } else {
            char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
            rc = buf_add(out, esc, 3);
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---- query ---- */

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode %XX in s[0..n) (a stray '%' stays literal), then re-encode into out. */
static int query_recode(struct buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < n) {
            int hi = hex_val(s[i + 1]), lo = hex_val(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                c = (char)(hi << 4 | lo);
                i += 2;
            }
        }
        if (sigv4_uri_encode(out, &c, 1, 0) < 0)
            return -1;
    }
    return 0;
}

struct qpair {
    size_t koff, klen, voff, vlen; /* offsets into the encoded buffer */
    const char *base;
};

static int span_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

static int qpair_cmp(const void *pa, const void *pb)
{
    const struct qpair *a = pa, *b = pb;
    int c = span_cmp(a->base + a->koff, a->klen, b->base + b->koff, b->klen);
    return c ? c : span_cmp(a->base + a->voff, a->vlen, b->base + b->voff, b->vlen);
}

/* Split query into pairs, each key and value re-encoded into enc. */
static size_t query_split(const char *q, struct buf *enc, struct qpair *pairs)
{
    size_t n = 0;
    while (*q) {
        size_t len = strcspn(q, "&");
        if (len) {
            const char *eq = memchr(q, '=', len);
            size_t klen = eq ? (size_t)(eq - q) : len;
            struct qpair *p = &pairs[n++];
            p->koff = enc->len;
            if (query_recode(enc, q, klen) < 0)
                return (size_t)-1;
            p->klen = enc->len - p->koff;
            p->voff = enc->len;
            if (eq && query_recode(enc, eq + 1, len - klen - 1) < 0)
                return (size_t)-1;
            p->vlen = enc->len - p->voff;
        }
        q += len;
        if (*q == '&')
            q++;
    }
    return n;
}

int sigv4_canonical_query(const char *query, struct buf *out, struct err *err)
{
    if (!query || !*query)
        return 0;
    size_t max = 1;
    for (const char *p = query; *p; p++)
        max += *p == '&';
    struct qpair *pairs = calloc(max, sizeof(*pairs));
    struct buf enc = BUF_INIT(0);
    if (!pairs)
        return oom(err);
    size_t n = query_split(query, &enc, pairs);
    int rc = n == (size_t)-1 ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        pairs[i].base = buf_str(&enc);
    if (rc == 0)
        qsort(pairs, n, sizeof(*pairs), qpair_cmp);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *b = buf_str(&enc);
        if ((i && buf_addc(out, '&') < 0) || buf_add(out, b + pairs[i].koff, pairs[i].klen) < 0 ||
            buf_addc(out, '=') < 0 || buf_add(out, b + pairs[i].voff, pairs[i].vlen) < 0)
            rc = -1;
    }
    buf_free(&enc);
    free(pairs);
    return rc < 0 ? oom(err) : 0;
}

/* ---- headers ---- */

/* ASCII case-insensitive comparison of header names. */
static int name_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char ca = (unsigned char)lower(*a), cb = (unsigned char)lower(*b);
        if (ca != cb || !ca)
            return ca - cb;
    }
}

static int name_ok(const char *name)
{
    /* a control byte, a space or a colon would end the name early */
    return name && *name && !text_has_control(name) && !strpbrk(name, " :");
}

/* Insertion sort of header pointers by name (stable; n is small). */
static void sort_headers(const struct sigv4_header **h, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        const struct sigv4_header *x = h[i];
        size_t j = i;
        for (; j > 0 && name_cmp(h[j - 1]->name, x->name) > 0; j--)
            h[j] = h[j - 1];
        h[j] = x;
    }
}

static int add_lower(struct buf *out, const char *s)
{
    for (; *s; s++)
        if (buf_addc(out, lower(*s)) < 0)
            return -1;
    return 0;
}

/* Append value trimmed, with every inner run of whitespace folded to one space. */
static int add_trimmed(struct buf *out, const char *v)
{
    int pending = 0, started = 0;
    for (; v && *v; v++) {
        if (is_space(*v)) {
            pending = started;
            continue;
        }
        if ((pending && buf_addc(out, ' ') < 0) || buf_addc(out, *v) < 0)
            return -1;
        pending = 0;
        started = 1;
    }
    return 0;
}

/* Append "name:v1,v2\n" lines to canon and "a;b" to signed_hdrs. */
static int add_headers(const struct sigv4_header **h, size_t n, struct buf *canon,
                       struct buf *signed_hdrs)
{
    for (size_t i = 0; i < n; i++) {
        int first = i == 0 || name_cmp(h[i - 1]->name, h[i]->name) != 0;
        if (first) {
            if (i && (buf_addc(canon, '\n') < 0 || buf_addc(signed_hdrs, ';') < 0))
                return -1;
            if (add_lower(canon, h[i]->name) < 0 || buf_addc(canon, ':') < 0 ||
                add_lower(signed_hdrs, h[i]->name) < 0)
                return -1;
        } else if (buf_addc(canon, ',') < 0) {
            return -1;
        }
        if (add_trimmed(canon, h[i]->value) < 0)
            return -1;
    }
    return n ? buf_addc(canon, '\n') : 0;
}

static const struct sigv4_header *find_header(const struct sigv4_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (req->headers[i].name && name_cmp(req->headers[i].name, name) == 0)
            return &req->headers[i];
    return NULL;
}

static int check_request(const struct sigv4_request *req, struct err *err)
{
    if (!req->method || !*req->method)
        return err_set(err, "sigv4: request has no method");
    if (!req->payload_hash || !*req->payload_hash)
        return err_set(err, "sigv4: request has no payload hash");
    if (req->path && *req->path && *req->path != '/')
        return err_set(err, "sigv4: path \"%s\" does not start with '/'", req->path);
    for (size_t i = 0; i < req->n_headers; i++)
        if (!name_ok(req->headers[i].name))
            return err_set(err, "sigv4: bad header name \"%s\"",
                           req->headers[i].name ? req->headers[i].name : "(null)");
    if (!find_header(req, "host"))
        return err_set(err, "sigv4: request has no host header");
    return 0;
}

/* The canonical request into out, the signed-header list into signed_hdrs. */
static int canonical(const struct sigv4_request *req, struct buf *out, struct buf *signed_hdrs,
                     struct err *err)
{
    if (check_request(req, err) < 0)
        return -1;
    const char *path = req->path && *req->path ? req->path : "/";
    const struct sigv4_header **sorted = NULL;
    if (req->n_headers && !(sorted = malloc(req->n_headers * sizeof(*sorted))))
        return oom(err);
    for (size_t i = 0; i < req->n_headers; i++)
        sorted[i] = &req->headers[i];
    sort_headers(sorted, req->n_headers);
    int rc = buf_adds(out, req->method) < 0 || buf_addc(out, '\n') < 0 ||
                     sigv4_uri_encode(out, path, strlen(path), 1) < 0 || buf_addc(out, '\n') < 0
                 ? oom(err)
                 : 0;
    if (rc == 0)
        rc = sigv4_canonical_query(req->query, out, err);
    if (rc == 0 &&
        (buf_addc(out, '\n') < 0 || add_headers(sorted, req->n_headers, out, signed_hdrs) < 0 ||
         buf_addc(out, '\n') < 0 || buf_add(out, signed_hdrs->ptr, signed_hdrs->len) < 0 ||
         buf_addc(out, '\n') < 0 || buf_adds(out, req->payload_hash) < 0))
        rc = oom(err);
    free(sorted);
    return rc;
}

int sigv4_canonical_request(const struct sigv4_request *req, struct buf *out, struct err *err)
{
    struct buf signed_hdrs = BUF_INIT(0);
    int rc = canonical(req, out, &signed_hdrs, err);
    buf_free(&signed_hdrs);
    return rc;
}

/* ---- crypto ---- */

static int date_ok(const char *d)
{
    if (!d || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
        return 0;
    for (int i = 0; i < 15; i++)
        if (i != 8 && (d[i] < '0' || d[i] > '9'))
            return 0;
    return 1;
}

static int check_scope(const char *amz_date, const struct sigv4_credentials *cred, struct err *err)
{
    if (!date_ok(amz_date))
        return err_set(err, "sigv4: bad amz date \"%s\"", amz_date ? amz_date : "(null)");
    if (!cred->region || !*cred->region)
        return err_set(err, "sigv4: no region");
    if (!cred->service || !*cred->service)
        return err_set(err, "sigv4: no service");
    return 0;
}

int sigv4_sha256_hex(const void *data, size_t n, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data, n, md, &len, EVP_sha256(), NULL) || len != 32) {
        hex[0] = '\0';
        return -1;
    }
    text_hex(md, 32, hex);
    return 0;
}

int sigv4_string_to_sign(const char *canonical_request, const char *amz_date,
                         const struct sigv4_credentials *cred, struct buf *out, struct err *err)
{
    char hash[65];
    if (check_scope(amz_date, cred, err) < 0)
        return -1;
    if (sigv4_sha256_hex(canonical_request, strlen(canonical_request), hash) < 0)
        return err_set(err, "sigv4: sha256 failed");
    if (buf_addf(out, SIGV4_ALGO "\n%s\n%.8s/%s/%s/aws4_request\n%s", amz_date, amz_date,
                 cred->region, cred->service, hash) < 0)
        return oom(err);
    return 0;
}

/* out = HMAC-SHA256(key, data); 0 or -1. */
static int hmac(const void *key, size_t klen, const char *data, unsigned char out[32])
{
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)data, strlen(data), out, &len))
        return -1;
    return len == 32 ? 0 : -1;
}

int sigv4_signing_key(const char *amz_date, const struct sigv4_credentials *cred,
                      unsigned char key[32], struct err *err)
{
    char date[9];
    if (check_scope(amz_date, cred, err) < 0)
        return -1;
    if (!cred->secret_access_key || !*cred->secret_access_key)
        return err_set(err, "sigv4: no secret access key");
    /* One exact allocation (no realloc) so the secret leaves no stray copies. */
    size_t slen = strlen(cred->secret_access_key);
    char *k0 = malloc(4 + slen);
    if (!k0)
        return oom(err);
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, cred->secret_access_key, slen);
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    unsigned char a[32], b[32]; /* kDate, kRegion, kService */
    int rc = hmac(k0, 4 + slen, date, a) < 0 || hmac(a, 32, cred->region, b) < 0 ||
                     hmac(b, 32, cred->service, a) < 0 || hmac(a, 32, "aws4_request", key) < 0
                 ? err_set(err, "sigv4: hmac-sha256 failed")
                 : 0;
    OPENSSL_cleanse(a, sizeof(a));
    OPENSSL_cleanse(b, sizeof(b));
    OPENSSL_cleanse(k0, 4 + slen);
    free(k0);
    return rc;
}

int sigv4_signature(const char *string_to_sign, const char *amz_date,
                    const struct sigv4_credentials *cred, char hex[65], struct err *err)
{
    unsigned char key[32], sig[32];
    hex[0] = '\0';
    if (sigv4_signing_key(amz_date, cred, key, err) < 0)
        return -1;
    int rc = hmac(key, sizeof(key), string_to_sign, sig);
    OPENSSL_cleanse(key, sizeof(key));
    if (rc < 0)
        return err_set(err, "sigv4: hmac-sha256 failed");
    text_hex(sig, sizeof(sig), hex);
    return 0;
}

/* ---- the whole signature ---- */

/* Header name must be present with exactly value (raw, after trimming). */
static int header_is(const struct sigv4_request *req, const char *name, const char *value,
                     struct err *err)
{
    const struct sigv4_header *h = find_header(req, name);
    if (!h)
        return err_set(err, "sigv4: request has no %s header", name);
    struct buf v = BUF_INIT(0);
    if (add_trimmed(&v, h->value) < 0)
        return oom(err);
    int same = strcmp(buf_str(&v), value) == 0;
    buf_free(&v);
    return same ? 0 : err_set(err, "sigv4: %s header does not match what is signed", name);
}

static int check_sign_inputs(const struct sigv4_request *req, const char *amz_date,
                             const struct sigv4_credentials *cred, struct err *err)
{
    if (!cred->access_key_id || !*cred->access_key_id)
        return err_set(err, "sigv4: no access key id");
    if (check_scope(amz_date, cred, err) < 0 || header_is(req, "x-amz-date", amz_date, err) < 0)
        return -1;
    if (cred->session_token && *cred->session_token &&
        header_is(req, "x-amz-security-token", cred->session_token, err) < 0)
        return -1;
    if (find_header(req, "x-amz-content-sha256") && req->payload_hash &&
        header_is(req, "x-amz-content-sha256", req->payload_hash, err) < 0)
        return -1;
    return 0;
}

int sigv4_sign(const struct sigv4_request *req, const char *amz_date,
               const struct sigv4_credentials *cred, struct buf *out, struct err *err)
{
    struct buf canon = BUF_INIT(0), signed_hdrs = BUF_INIT(0), sts = BUF_INIT(0);
    char sig[65];
    int rc = check_sign_inputs(req, amz_date, cred, err);
    if (rc == 0)
        rc = canonical(req, &canon, &signed_hdrs, err);
    if (rc == 0)
        rc = sigv4_string_to_sign(buf_str(&canon), amz_date, cred, &sts, err);
    if (rc == 0)
        rc = sigv4_signature(buf_str(&sts), amz_date, cred, sig, err);
    if (rc == 0 &&
        buf_addf(out,
                 SIGV4_ALGO " Credential=%s/%.8s/%s/%s/aws4_request,SignedHeaders=%s,Signature=%s",
                 cred->access_key_id, amz_date, cred->region, cred->service, buf_str(&signed_hdrs),
                 sig) < 0)
        rc = oom(err);
    buf_free(&canon);
    buf_free(&signed_hdrs);
    buf_free(&sts);
    return rc;
}

void sigv4_amz_date(long long t, char out[17])
{
    time_t tt = t ? (time_t)t : time(NULL);
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
        memcpy(out, "19700101T000000Z", 17);
}
