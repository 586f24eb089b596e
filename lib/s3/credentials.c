/* credentials.c - the credentials provider of the S3 client: static keys,
 * the default chain, assumed roles and web identity, refreshed before they
 * expire (see credentials.h). */
#include "credentials.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imds.h"
#include "log.h"

#define CREDS_EARLY_MS (5 * 60 * 1000LL)
#define CREDS_TOKEN_MAX (64u * 1024)
#define CREDS_GRACE_MS                                                                             \
    10000 /* keys this close to expiring (at most a quarter of their life) are not used */

static int64_t creds_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum creds_source creds_chain_source(const struct settings_aws *env)
{
    if (env->access_key_id && env->secret_access_key)
        return CREDS_ENV;
    if (env->web_identity_token_file && env->role_arn)
        return CREDS_WEB_IDENTITY_FILE;
    if (ecs_configured(env))
        return CREDS_ECS;
    if (!imds_disabled(env))
        return CREDS_IMDS;
    return CREDS_NONE;
}

const char *creds_source_name(enum creds_source s)
{
    switch (s) {
    case CREDS_STATIC:
        return "static keys";
    case CREDS_ENV:
        return "environment";
    case CREDS_WEB_IDENTITY:
        return "web identity token";
    case CREDS_WEB_IDENTITY_FILE:
        return "AWS_WEB_IDENTITY_TOKEN_FILE";
    case CREDS_ECS:
        return "container credentials";
    case CREDS_IMDS:
        return "instance metadata";
    default:
        return "none";
    }
}

int creds_wanted(const struct creds_config *cfg)
{
    return cfg->aws_role_arn || cfg->web_identity_token ||
           (cfg->enable_aws_creds_provider && !cfg->access_key_id);
}

int64_t creds_refresh_at(int64_t obtained_ms, int64_t expires_ms)
{
    if (expires_ms == 0)
        return INT64_MAX;
    int64_t life = expires_ms - obtained_ms;
    int64_t early = life / 2 < CREDS_EARLY_MS ? life / 2 : CREDS_EARLY_MS;
    return expires_ms - (early > 0 ? early : 0);
}

int creds_init(struct creds *c, const struct creds_config *cfg, struct err *err)
{
    memset(c, 0, sizeof(*c));
    c->cfg = cfg;
    c->region = cfg->region && *cfg->region ? cfg->region : "us-east-1";
    if (cfg->aws_role_session_name)
        snprintf(c->session_name, sizeof(c->session_name), "%s", cfg->aws_role_session_name);
    else
        snprintf(c->session_name, sizeof(c->session_name), "github-release-mirror-%ld",
                 (long)getpid());
    struct buf ep = BUF_INIT(0);
    if ((cfg->sts_endpoint ? buf_adds(&ep, cfg->sts_endpoint)
                           : buf_addf(&ep, "https://sts.%s.amazonaws.com", c->region)) < 0 ||
        !(c->sts_endpoint = buf_take(&ep)))
        return err_set(err, "out of memory");
    c->assume = cfg->aws_role_arn && !cfg->web_identity_token;
    if (cfg->web_identity_token)
        c->base = CREDS_WEB_IDENTITY;
    else if (cfg->access_key_id)
        c->base = CREDS_STATIC;
    else if (cfg->enable_aws_creds_provider)
        c->base = creds_chain_source(&cfg->settings->aws);
    if (c->base == CREDS_NONE && (cfg->enable_aws_creds_provider || c->assume)) {
        creds_cleanup(c);
        return err_set(err, "source.mirror.enable_aws_creds_provider: no credentials found "
                            "(no AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE or container "
                            "credentials, and AWS_EC2_METADATA_DISABLED is set)");
    }
    return 0;
}

void creds_cleanup(struct creds *c)
{
    sts_result_free(&c->base_keys);
    sts_result_free(&c->cur);
    free(c->sts_endpoint);
    if (c->http_ready)
        http_client_cleanup(&c->http);
    memset(c, 0, sizeof(*c));
}

int creds_expire(struct creds *c)
{
    if (c->base == CREDS_NONE || (c->base == CREDS_STATIC && !c->assume) ||
        (c->base == CREDS_ENV && !c->assume))
        return 0;
    c->valid = 0;
    c->base_keys.expiration_ms = c->base_keys.expiration_ms ? 1 : 0;
    return 1;
}

/* A copy of s registered as a secret, or NULL (s NULL or OOM). */
static char *secret_dup(const char *s)
{
    char *d = s ? strdup(s) : NULL;
    log_add_secret(d);
    return d;
}

/* Keys that do not expire: the static ones or the environment's. */
static int creds_fixed(const char *id, const char *secret, const char *token, struct sts_result *r,
                       struct err *err)
{
    r->access_key_id = secret_dup(id);
    r->secret_access_key = secret_dup(secret);
    r->session_token = secret_dup(token);
    r->expiration_ms = 0;
    if (!r->access_key_id || !r->secret_access_key || (token && !r->session_token)) {
        sts_result_free(r);
        return err_set(err, "out of memory");
    }
    return 0;
}

/* The exp claim of a JWT (0 when it has none or cannot be read). */
static int64_t jwt_exp(const char *jwt)
{
    const char *p = strchr(jwt, '.'), *q = p ? strchr(p + 1, '.') : NULL;
    if (!q || q - p - 1 > (long)CREDS_TOKEN_MAX)
        return 0;
    size_t n = (size_t)(q - p - 1);
    char *b64 = malloc(n + 4);
    unsigned char *raw = malloc(n + 4);
    int64_t exp = 0;
    if (b64 && raw) {
        for (size_t i = 0; i < n; i++)
            b64[i] = p[1 + i] == '-' ? '+' : p[1 + i] == '_' ? '/' : p[1 + i];
        while (n % 4)
            b64[n++] = '=';
        int len = EVP_DecodeBlock(raw, (unsigned char *)b64, (int)n);
        json_t *o =
            len > 0 ? json_loadb((char *)raw, (size_t)len, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
        json_t *e = json_object_get(o, "exp");
        exp = json_is_integer(e) ? (int64_t)json_integer_value(e) * 1000 : 0;
        json_decref(o);
    }
    free(b64);
    free(raw);
    return exp;
}

/* The provider's own client for STS, with the mirror's TLS settings. */
static int creds_http(struct creds *c, struct err *err)
{
    if (c->http_ready)
        return 0;
    struct http_options o = c->cfg->settings->http;
    o.insecure = c->cfg->skip_ssl_verification;
    o.ca_pem = c->cfg->ca_cert;
    if (http_client_init(&c->http, &o, err) < 0)
        return -1;
    c->http_ready = 1;
    return 0;
}

/* The contents of AWS_WEB_IDENTITY_TOKEN_FILE (re-read at every refresh). */
static int read_token_file(const char *path, struct buf *out, struct err *err)
{
    if (buf_read_file(out, path) < 0)
        return err_set(err, "cannot read AWS_WEB_IDENTITY_TOKEN_FILE \"%s\"", path);
    while (out->len && (out->ptr[out->len - 1] == '\n' || out->ptr[out->len - 1] == '\r' ||
                        out->ptr[out->len - 1] == ' '))
        out->ptr[--out->len] = '\0';
    log_add_secret(buf_str(out));
    return 0;
}

/* AssumeRoleWithWebIdentity with the configured token or the file's. */
static int creds_web_identity(struct creds *c, struct sts_result *r, struct err *err)
{
    struct buf file = BUF_INIT(CREDS_TOKEN_MAX);
    const char *jwt = c->cfg->web_identity_token, *what = "source.mirror.web_identity_token";
    struct sts_call call = {c->sts_endpoint,
                            c->region,
                            c->cfg->aws_role_arn,
                            c->session_name,
                            NULL,
                            c->cfg->aws_role_duration,
                            NULL,
                            NULL};
    if (c->base == CREDS_WEB_IDENTITY_FILE) {
        what = "AWS_WEB_IDENTITY_TOKEN_FILE";
        const struct settings_aws *env = &c->cfg->settings->aws;
        call.role_arn = env->role_arn;
        if (env->role_session_name)
            call.session_name = env->role_session_name;
        if (read_token_file(env->web_identity_token_file, &file, err) < 0)
            return -1;
        jwt = buf_str(&file);
    }
    int64_t exp = jwt_exp(jwt);
    int rc = 0;
    if (exp && exp <= creds_now_ms())
        rc = err_set(err,
                     "%s has expired: a token lives as long as its build (Concourse's idtoken "
                     "var source mints one per build), so run the build again",
                     what);
    call.web_identity = jwt;
    if (rc == 0 && creds_http(c, err) == 0)
        rc = sts_assume(&c->http, &call, r, err);
    else
        rc = -1;
    buf_free(&file);
    return rc;
}

/* Fresh keys from the base source into r. */
static int creds_fetch_base(struct creds *c, struct sts_result *r, struct err *err)
{
    const struct creds_config *m = c->cfg;
    const struct settings_aws *env = &m->settings->aws;
    switch (c->base) {
    case CREDS_STATIC:
        return creds_fixed(m->access_key_id, m->secret_access_key, m->session_token, r, err);
    case CREDS_ENV:
        return creds_fixed(env->access_key_id, env->secret_access_key, env->session_token, r, err);
    case CREDS_WEB_IDENTITY:
    case CREDS_WEB_IDENTITY_FILE:
        return creds_web_identity(c, r, err);
    case CREDS_ECS:
        return ecs_fetch(m->settings, r, err);
    case CREDS_IMDS:
        return imds_fetch(m->settings, r, err);
    default:
        return err_set(err, "no credentials");
    }
}

/* The base keys, fetched again when due. */
static int creds_base(struct creds *c, int64_t now, struct err *err)
{
    struct sts_result r;
    if (c->base_keys.access_key_id &&
        now < creds_refresh_at(c->base_obtained_ms, c->base_keys.expiration_ms))
        return 0;
    if (creds_fetch_base(c, &r, err) < 0)
        return -1;
    sts_result_free(&c->base_keys);
    c->base_keys = r;
    c->base_obtained_ms = now;
    return 0;
}

/* New current keys: the base ones, or a role assumed with them. */
static int creds_fetch(struct creds *c, struct err *err)
{
    int64_t now = creds_now_ms();
    struct sts_result r = {0};
    if (creds_base(c, now, err) < 0)
        return -1;
    if (c->assume) {
        const struct sts_result *b = &c->base_keys;
        struct sigv4_credentials signer = {b->access_key_id, b->secret_access_key, b->session_token,
                                           c->region, "sts"};
        struct sts_call call = {c->sts_endpoint,
                                c->region,
                                c->cfg->aws_role_arn,
                                c->session_name,
                                c->cfg->aws_external_id,
                                c->cfg->aws_role_duration,
                                NULL,
                                &signer};
        if (creds_http(c, err) < 0 || sts_assume(&c->http, &call, &r, err) < 0)
            return -1;
    } else if (creds_fixed(c->base_keys.access_key_id, c->base_keys.secret_access_key,
                           c->base_keys.session_token, &r, err) < 0) {
        return -1;
    } else {
        r.expiration_ms = c->base_keys.expiration_ms;
    }
    if (c->valid || c->obtained_ms)
        c->refreshes++;
    sts_result_free(&c->cur);
    c->cur = r;
    c->obtained_ms = now;
    c->valid = 1;
    log_debug("credentials from %s%s, valid for %lld s", creds_source_name(c->base),
              c->assume ? " via AssumeRole" : "",
              r.expiration_ms ? (long long)(r.expiration_ms - now) / 1000 : -1LL);
    return 0;
}

int creds_get(struct creds *c, struct sigv4_credentials *out, struct err *err)
{
    out->access_key_id = out->secret_access_key = out->session_token = NULL;
    if (c->base == CREDS_NONE)
        return 0;
    int64_t now = creds_now_ms();
    if ((!c->valid || now >= creds_refresh_at(c->obtained_ms, c->cur.expiration_ms)) &&
        creds_fetch(c, err) < 0) {
        /* an early refresh that failed: the keys in hand still work a while */
        int64_t life = c->cur.expiration_ms - c->obtained_ms;
        int64_t margin = life / 4 < CREDS_GRACE_MS ? life / 4 : CREDS_GRACE_MS;
        if (!c->valid || !c->cur.expiration_ms || now >= c->cur.expiration_ms - margin)
            return -1;
        log_warn("cannot refresh the credentials yet, the current ones last %lld s more: %s",
                 (long long)(c->cur.expiration_ms - now) / 1000, err->msg);
        c->obtained_ms = now; /* tried again at half the time left */
    }
    out->access_key_id = c->cur.access_key_id;
    out->secret_access_key = c->cur.secret_access_key;
    out->session_token = c->cur.session_token;
    return 0;
}
