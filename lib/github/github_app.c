/* github_app.c - GitHub App JWTs and installation tokens (see github_app.h).
 *
 * The key is checked when the request is parsed, so a bad one is refused
 * before any request; github_app_token() then does at most the two calls of
 * the flow (one when installation_id is given or cached), each signed again
 * once if GitHub's clock disagrees with ours. */
#include "github_app.h"
#include "buf.h"
#include "github.h"
#include "log.h"
#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#define JWT_BACKDATE 60
#define JWT_LIFETIME (9 * 60)

/* ---- the key ---- */

/* No passphrase prompt, ever: an encrypted key is refused. */
static int app_no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

static int app_key_kind(const char *path, EVP_PKEY *k, struct err *err)
{
    int id = EVP_PKEY_get_base_id(k);
    if (id != EVP_PKEY_RSA) {
        const char *name = id == EVP_PKEY_EC ? "EC" : id == EVP_PKEY_ED25519 ? "Ed25519" : NULL;
        return name ? err_set(err, "invalid %s: an %s key, GitHub Apps use RSA keys", path, name)
                    : err_set(err, "invalid %s: not an RSA key, GitHub Apps use RSA keys", path);
    }
    int bits = EVP_PKEY_get_bits(k);
    if (bits < GITHUB_APP_MIN_BITS)
        return err_set(err, "invalid %s: an RSA key of %d bits is too short (at least %d)", path,
                       bits, GITHUB_APP_MIN_BITS);
    return 0;
}

int github_app_load_key(const char *path, const char *pem, void **pkey, struct err *err)
{
    *pkey = NULL;
    if (!strstr(pem, "-----BEGIN ") || !strstr(pem, "PRIVATE KEY-----"))
        return err_set(err,
                       "invalid %s: not a PEM private key (no \"-----BEGIN ... PRIVATE "
                       "KEY-----\" line)",
                       path);
    if (strstr(pem, "ENCRYPTED"))
        return err_set(err, "invalid %s: the key is encrypted; give it without a passphrase", path);
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, app_no_password, NULL) : NULL;
    BIO_free(bio);
    ERR_clear_error();
    if (!k)
        return err_set(err, "invalid %s: cannot read the PEM private key (malformed)", path);
    if (app_key_kind(path, k, err) < 0) {
        EVP_PKEY_free(k);
        return -1;
    }
    *pkey = k;
    return 0;
}

int github_app_check_key(const char *path, const char *pem, struct err *err)
{
    void *k;
    if (github_app_load_key(path, pem, &k, err) < 0)
        return -1;
    EVP_PKEY_free(k);
    return 0;
}

/* ---- the JWT ---- */

/* Append the base64url (no padding) form of data[0..n) to b. */
static int app_b64url(struct buf *b, const void *data, size_t n)
{
    size_t cap = 4 * ((n + 2) / 3) + 1;
    unsigned char *out = malloc(cap);
    if (!out)
        return -1;
    int len = EVP_EncodeBlock(out, data, (int)n);
    while (len > 0 && out[len - 1] == '=')
        len--;
    for (int i = 0; i < len; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    int rc = buf_add(b, out, (size_t)len);
    free(out);
    return rc;
}

static int app_sign(EVP_PKEY *k, const char *msg, size_t n, unsigned char **sig, size_t *len)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
             EVP_DigestSign(md, NULL, len, (const unsigned char *)msg, n) == 1 &&
             (*sig = malloc(*len)) &&
             EVP_DigestSign(md, *sig, len, (const unsigned char *)msg, n) == 1;
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return ok ? 0 : -1;
}

int github_app_jwt(void *pkey, const char *app_id, time_t now, char **jwt, struct err *err)
{
    static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
    struct buf claims = BUF_INIT(0), b = BUF_INIT(0);
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    *jwt = NULL;
    int ok = buf_addf(&claims, "{\"iat\":%lld,\"exp\":%lld,\"iss\":\"%s\"}",
                      (long long)now - JWT_BACKDATE, (long long)now + JWT_LIFETIME, app_id) == 0 &&
             app_b64url(&b, header, sizeof(header) - 1) == 0 && buf_addc(&b, '.') == 0 &&
             app_b64url(&b, claims.ptr, claims.len) == 0;
    if (ok && app_sign(pkey, b.ptr, b.len, &sig, &sig_len) < 0) {
        free(sig);
        buf_free(&claims);
        buf_free(&b);
        return err_set(err, "cannot sign the GitHub App JWT (OpenSSL RS256)");
    }
    ok = ok && buf_addc(&b, '.') == 0 && app_b64url(&b, sig, sig_len) == 0;
    free(sig);
    buf_free(&claims);
    if (!ok)
        return err_set(err, "out of memory");
    *jwt = buf_take(&b);
    log_add_secret(*jwt);
    return 0;
}

/* ---- set-up ---- */

/* The cache file beside the release cache; NULL when no directory. */
static char *app_cache_path(const char *tmpdir, const char *aad)
{
    char hash[65];
    struct buf b = BUF_INIT(0);
    if (buf_addf(&b, "%s/github-release-mirror", tmpdir) < 0)
        return NULL;
    if (mkdir(b.ptr, 0700) < 0 && errno != EEXIST) {
        buf_free(&b);
        return NULL;
    }
    sha256_hex(aad, strlen(aad), hash);
    if (buf_addf(&b, "/app-token-%s.bin", hash) < 0)
        return NULL;
    return buf_take(&b);
}

static int app_derive(struct github_app *a, struct err *err)
{
    unsigned char *der = NULL;
    int n = i2d_PrivateKey(a->key, &der);
    int rc = n > 0 ? token_cache_derive_key(der, (size_t)n, a->cache_key, err)
                   : err_set(err, "cannot encode the GitHub App key (OpenSSL)");
    if (n > 0)
        OPENSSL_clear_free(der, (size_t)n);
    return rc;
}

int github_app_init(struct github_app *a, struct http_client *http, const struct github_config *cfg,
                    struct err *err)
{
    struct buf aad = BUF_INIT(0);
    memset(a, 0, sizeof(*a));
    a->http = http;
    a->cfg = cfg;
    if (github_app_load_key("source.private_key", cfg->private_key, &a->key, err) < 0)
        return -1;
    if (app_derive(a, err) < 0) {
        github_app_cleanup(a);
        return -1;
    }
    if (buf_addf(&aad, "grm-app-token\n%s\n%s\n%s\n%s", cfg->github_api_url, cfg->owner,
                 cfg->repository, cfg->app_id) < 0) {
        github_app_cleanup(a);
        return err_set(err, "out of memory");
    }
    a->aad = buf_take(&aad);
    a->cache_path = app_cache_path(cfg->tmpdir, a->aad);
    return 0;
}

static void app_drop_jwt(struct github_app *a)
{
    if (a->jwt) {
        OPENSSL_cleanse(a->jwt, strlen(a->jwt));
        free(a->jwt);
        a->jwt = NULL;
    }
}

void github_app_cleanup(struct github_app *a)
{
    app_drop_jwt(a);
    EVP_PKEY_free(a->key);
    OPENSSL_cleanse(a->cache_key, sizeof(a->cache_key));
    free(a->aad);
    free(a->cache_path);
    token_cache_entry_free(&a->cur);
    memset(a, 0, sizeof(*a));
}

/* ---- requests signed with the JWT ---- */

struct app_resp {
    long status;
    json_t *doc;       /* the body as JSON, or NULL */
    char message[512]; /* GitHub's "message", or "" */
    time_t date;       /* GitHub's Date header, or -1 */
};

static struct curl_slist *app_headers(const char *jwt, int has_body)
{
    struct curl_slist *l = http_add_header(NULL, "Accept: application/vnd.github+json");
    l = l ? http_add_header(l, "X-GitHub-Api-Version: %s", GITHUB_API_VERSION) : NULL;
    l = l ? http_add_header(l, "Authorization: Bearer %s", jwt) : NULL;
    if (l && has_body)
        l = http_add_header(l, "Content-Type: application/json");
    return l;
}

static void app_read_resp(const struct http_xfer *x, struct app_resp *r)
{
    char date[128];
    r->status = x->status;
    r->doc = json_loadb(buf_str(&x->body_buf), x->body_buf.len, 0, NULL);
    const char *msg = json_string_value(json_object_get(r->doc, "message"));
    snprintf(r->message, sizeof(r->message), "%s", msg ? msg : "");
    r->date = http_header(x, "date", date, sizeof(date)) ? curl_getdate(date, NULL) : -1;
}

/* The JWT for now: the last one while it has 5 minutes left and the skew is
 * unchanged (each new one is another registered secret), else a new one. */
static const char *app_current_jwt(struct github_app *a, struct err *err)
{
    time_t now = time(NULL) + a->skew;
    if (a->jwt && a->jwt_skew == a->skew && now - a->jwt_at < JWT_LIFETIME - 300)
        return a->jwt;
    app_drop_jwt(a);
    if (github_app_jwt(a->key, a->cfg->app_id, now, &a->jwt, err) < 0)
        return NULL;
    a->jwt_at = now;
    a->jwt_skew = a->skew;
    return a->jwt;
}

/* One request signed with the JWT at our clock plus the skew. */
static int app_request(struct github_app *a, const char *method, const char *url, const char *body,
                       struct app_resp *r, struct err *err)
{
    struct http_xfer x;
    memset(r, 0, sizeof(*r));
    const char *jwt = app_current_jwt(a, err);
    if (!jwt)
        return -1;
    struct curl_slist *headers = app_headers(jwt, body != NULL);
    if (!headers)
        return err_set(err, "out of memory");
    http_xfer_init(&x, method, url);
    x.headers = headers;
    x.body = body;
    x.body_len = body ? strlen(body) : 0;
    x.deadline_s = a->http->opt.request_timeout;
    int rc = http_perform(a->http, &x, err);
    if (rc == 0)
        app_read_resp(&x, r);
    http_xfer_cleanup(&x);
    curl_slist_free_all(headers);
    return rc;
}

/* GitHub refused the JWT for its iat or exp claim: a clock problem. */
static int app_time_refused(const struct app_resp *r)
{
    return r->status == 401 && (strstr(r->message, "('iat')") || strstr(r->message, "('exp')"));
}

/* app_request, signed again with GitHub's clock when it refuses the JWT's
 * times (once per run: a second refusal is an error). */
static int app_call(struct github_app *a, const char *method, const char *url, const char *body,
                    struct app_resp *r, struct err *err)
{
    if (app_request(a, method, url, body, r, err) < 0)
        return -1;
    if (a->skew_retried || !app_time_refused(r) || r->date < 0)
        return 0;
    a->skew_retried = 1;
    long skew = (long)(r->date - time(NULL));
    log_info("GitHub refused the App JWT's times (%s): its clock is %ld s %s ours; signing "
             "again with its time",
             r->message, labs(skew), skew >= 0 ? "ahead of" : "behind");
    a->skew = skew;
    json_decref(r->doc);
    return app_request(a, method, url, body, r, err);
}

/* The one error line for a refused call, naming the app and repository. */
static int app_fail(const struct github_app *a, const char *method, const char *url,
                    const struct app_resp *r, struct err *err)
{
    const struct github_config *s = a->cfg;
    const char *colon = r->message[0] ? ": " : "";
    if (app_time_refused(r))
        return err_set(err,
                       "GitHub App %s cannot authenticate for %s/%s (JWT times refused, also "
                       "with GitHub's clock): %s %s: HTTP 401: %s",
                       s->app_id, s->owner, s->repository, method, url, r->message);
    if (r->status == 401)
        return err_set(err,
                       "GitHub App %s cannot authenticate for %s/%s (wrong private_key or "
                       "app_id?): %s %s: HTTP 401%s%s",
                       s->app_id, s->owner, s->repository, method, url, colon, r->message);
    if (r->status == 404 || r->status == 422)
        return err_set(err, "GitHub App %s is not installed on %s/%s: %s %s: HTTP %ld%s%s",
                       s->app_id, s->owner, s->repository, method, url, r->status, colon,
                       r->message);
    return err_set(err, "GitHub App %s cannot get a token for %s/%s: %s %s: HTTP %ld%s%s",
                   s->app_id, s->owner, s->repository, method, url, r->status, colon, r->message);
}

/* ---- the flow ---- */

static int app_discover(struct github_app *a, int64_t *id, struct err *err)
{
    const struct github_config *s = a->cfg;
    struct app_resp r;
    struct buf url = BUF_INIT(0);
    if (buf_addf(&url, "%s/repos/%s/%s/installation", s->github_api_url, s->owner, s->repository) <
        0)
        return err_set(err, "out of memory");
    int rc = app_call(a, "GET", url.ptr, NULL, &r, err);
    json_t *v = json_object_get(r.doc, "id");
    if (rc == 0 && r.status != 200)
        rc = app_fail(a, "GET", url.ptr, &r, err);
    else if (rc == 0 && (!json_is_integer(v) || json_integer_value(v) <= 0))
        rc = err_set(err, "GET %s: unexpected JSON: field \"id\" is not a positive integer",
                     url.ptr);
    else if (rc == 0)
        *id = json_integer_value(v);
    json_decref(r.doc);
    buf_free(&url);
    return rc;
}

/* "2016-07-11T22:14:10Z" into Unix seconds; -1 when it is not that. */
static int64_t app_parse_time(const char *s)
{
    struct tm tm = {0};
    char z = 0;
    if (!s ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &z) != 7 ||
        z != 'Z')
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

/* The token and its expiry from a 201 answer into a->cur. */
static int app_take_token(struct github_app *a, const char *url, const json_t *doc, struct err *err)
{
    const char *token = json_string_value(json_object_get(doc, "token"));
    log_add_secret(token);
    int64_t exp = app_parse_time(json_string_value(json_object_get(doc, "expires_at")));
    if (!token || !*token)
        return err_set(err, "POST %s: unexpected JSON: no \"token\"", url);
    if (exp < 0)
        return err_set(err, "POST %s: unexpected JSON: field \"expires_at\" is not a UTC time",
                       url);
    free(a->cur.token);
    a->cur.token = strdup(token);
    a->cur.expires_at = exp;
    return a->cur.token ? 0 : err_set(err, "out of memory");
}

static int app_mint(struct github_app *a, int64_t id, struct err *err)
{
    const struct github_config *s = a->cfg;
    struct app_resp r;
    struct buf url = BUF_INIT(0), body = BUF_INIT(0);
    if (buf_addf(&url, "%s/app/installations/%lld/access_tokens", s->github_api_url,
                 (long long)id) < 0 ||
        buf_addf(&body,
                 "{\"repositories\":[\"%s\"],\"permissions\":{\"contents\":\"read\","
                 "\"metadata\":\"read\"}}",
                 s->repository) < 0) {
        buf_free(&url);
        return err_set(err, "out of memory");
    }
    int rc = app_call(a, "POST", url.ptr, body.ptr, &r, err);
    a->last_status = rc == 0 ? r.status : 0;
    if (rc == 0 && r.status != 201 && r.status != 200)
        rc = app_fail(a, "POST", url.ptr, &r, err);
    else if (rc == 0)
        rc = app_take_token(a, url.ptr, r.doc, err);
    if (rc == 0)
        a->cur.installation_id = id;
    json_decref(r.doc);
    buf_free(&url);
    buf_free(&body);
    return rc;
}

/* The cached token, when it is still good for GITHUB_APP_REUSE_MARGIN. */
static int app_from_cache(struct github_app *a, int64_t *cached_id)
{
    struct token_cache_entry e;
    *cached_id = 0;
    if (!a->cache_path || token_cache_load(a->cache_path, a->cache_key, a->aad, &e) < 0) {
        if (a->cache_path)
            log_debug("no usable App token cache %s", a->cache_path);
        return 0;
    }
    log_add_secret(e.token);
    *cached_id = e.installation_id;
    if (e.expires_at - GITHUB_APP_REUSE_MARGIN <= (int64_t)time(NULL)) {
        log_debug("cached App token expires within %d s: minting a new one",
                  GITHUB_APP_REUSE_MARGIN);
        token_cache_entry_free(&e);
        return 0;
    }
    token_cache_entry_free(&a->cur);
    a->cur = e;
    return 1;
}

int github_app_token(struct github_app *a, int refresh, const char **token, struct err *err)
{
    int64_t id = 0, cached_id = 0;
    struct err save_err;
    *token = NULL;
    if (!refresh && app_from_cache(a, &cached_id)) {
        a->from_cache = 1;
        *token = a->cur.token;
        return 0;
    }
    a->from_cache = 0;
    if (a->cfg->installation_id)
        id = strtoll(a->cfg->installation_id, NULL, 10);
    else if (refresh && a->cur.installation_id)
        id = a->cur.installation_id;
    else if (cached_id)
        id = cached_id;
    int remembered = id != 0 && !a->cfg->installation_id;
    if (id == 0 && app_discover(a, &id, err) < 0)
        return -1;
    int rc = app_mint(a, id, err);
    if (rc < 0 && a->last_status == 404 && remembered) {
        log_debug("installation %lld is gone: looking it up again", (long long)id);
        rc = app_discover(a, &id, err) < 0 ? -1 : app_mint(a, id, err);
    }
    if (rc < 0)
        return -1;
    log_info("minted a GitHub App installation token for %s/%s (app %s, installation %lld)",
             a->cfg->owner, a->cfg->repository, a->cfg->app_id, (long long)id);
    err_clear(&save_err);
    if (a->cache_path &&
        token_cache_save(a->cache_path, a->cache_key, a->aad, &a->cur, &save_err) < 0)
        log_debug("%s", save_err.msg);
    *token = a->cur.token;
    return 0;
}
