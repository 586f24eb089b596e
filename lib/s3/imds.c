/* imds.c - EC2 IMDSv2 and ECS container credentials (see imds.h). */
#include "imds.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "log.h"
#include "s3xml.h"

#define IMDS_DEFAULT "http://169.254.169.254"
#define ECS_DEFAULT "http://169.254.170.2"
#define IMDS_BODY_MAX (64u * 1024)
#define IMDS_TOKEN_TTL "21600"

int imds_disabled(const struct settings_aws *env)
{
    return env->ec2_metadata_disabled;
}

int ecs_configured(const struct settings_aws *env)
{
    return env->container_credentials_full_uri || env->container_credentials_relative_uri;
}

/* A copy of a string member, or NULL when absent or not a non-empty string. */
static char *json_dup(json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));
    return s && *s ? strdup(s) : NULL;
}

int imds_parse_credentials(const char *json, size_t len, struct sts_result *r, struct err *err)
{
    json_error_t je;
    memset(r, 0, sizeof(*r));
    json_t *o = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o)) {
        json_decref(o);
        return err_set(err, "credentials answer is not a JSON object");
    }
    const char *code = json_string_value(json_object_get(o, "Code"));
    const char *exp = json_string_value(json_object_get(o, "Expiration"));
    int rc = 0;
    if (json_object_get(o, "Code") && (!code || strcmp(code, "Success") != 0)) {
        rc = err_set(err, "credentials answer has Code \"%.64s\"", code ? code : "");
    } else {
        r->access_key_id = json_dup(o, "AccessKeyId");
        r->secret_access_key = json_dup(o, "SecretAccessKey");
        r->session_token = json_dup(o, "Token");
        log_add_secret(r->access_key_id);
        log_add_secret(r->secret_access_key);
        log_add_secret(r->session_token);
        if (!r->access_key_id || !r->secret_access_key || !r->session_token)
            rc = err_set(err, "credentials answer without AccessKeyId, SecretAccessKey or Token");
        else if (!exp || s3xml_parse_time(exp, &r->expiration_ms) < 0)
            rc = err_set(err, "credentials answer without a valid Expiration");
    }
    json_decref(o);
    if (rc < 0)
        sts_result_free(r);
    return rc;
}

/* A client for the metadata services: 1 s to connect, 2 attempts. */
static int imds_client(const struct settings *s, struct http_client *c, struct err *err)
{
    struct http_options o = s->http;
    o.connect_timeout = 1;
    o.low_speed_time = 2;
    o.max_attempts = 2;
    return http_client_init(c, &o, err);
}

/* One request; the body (secret) is returned in out. Returns 0 for a 200,
 * -1 with err set otherwise. */
static int imds_get(struct http_client *c, const char *method, const char *url,
                    struct curl_slist *h, struct buf *out, const char *what, struct err *err)
{
    struct http_xfer x;
    http_xfer_init(&x, method, url);
    x.headers = h;
    x.body_max = IMDS_BODY_MAX;
    if (strcmp(method, "PUT") == 0) {
        x.body = "";
        x.body_len = 0;
    }
    int rc = http_perform(c, &x, err);
    if (rc < 0)
        err_prefix(err, "%s", what);
    else if (x.status != 200)
        rc = err_set(err, "%s: HTTP %ld from %s", what, x.status, url);
    else if (buf_add(out, x.body_buf.ptr ? x.body_buf.ptr : "", x.body_buf.len) < 0)
        rc = err_set(err, "%s: out of memory", what);
    http_xfer_cleanup(&x);
    return rc;
}

/* The endpoint without a trailing '/'. */
static void imds_base(const struct settings_aws *env, char *out, size_t n)
{
    const char *e = env->ec2_metadata_service_endpoint;
    snprintf(out, n, "%s", e ? e : IMDS_DEFAULT);
    size_t len = strlen(out);
    while (len && out[len - 1] == '/')
        out[--len] = '\0';
}

/* Token, then role name, then credentials. */
static int imds_steps(struct http_client *c, const char *base, struct sts_result *r,
                      struct err *err)
{
    struct buf tok = BUF_INIT(IMDS_BODY_MAX), role = BUF_INIT(IMDS_BODY_MAX),
               doc = BUF_INIT(IMDS_BODY_MAX), url = BUF_INIT(0);
    struct curl_slist *h =
        http_add_header(NULL, "X-aws-ec2-metadata-token-ttl-seconds: %s", IMDS_TOKEN_TTL);
    int rc =
        h && buf_addf(&url, "%s/latest/api/token", base) == 0 ? 0 : err_set(err, "out of memory");
    if (rc == 0)
        rc = imds_get(c, "PUT", buf_str(&url), h, &tok, "imds token", err);
    curl_slist_free_all(h);
    h = NULL;
    if (rc == 0) {
        log_add_secret(buf_str(&tok));
        buf_reset(&url);
        h = http_add_header(NULL, "X-aws-ec2-metadata-token: %s", buf_str(&tok));
        if (!h || buf_addf(&url, "%s/latest/meta-data/iam/security-credentials/", base) < 0)
            rc = err_set(err, "out of memory");
    }
    if (rc == 0)
        rc = imds_get(c, "GET", buf_str(&url), h, &role, "imds role", err);
    if (rc == 0) {
        role.len = strcspn(buf_str(&role), "\r\n");
        if (role.ptr)
            role.ptr[role.len] = '\0';
        if (!role.len ||
            strspn(buf_str(&role), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789+=,.@_-") != role.len)
            rc = err_set(err, "imds role: the instance has no usable IAM role");
    }
    if (rc == 0 && buf_adds(&url, buf_str(&role)) < 0)
        rc = err_set(err, "out of memory");
    if (rc == 0)
        rc = imds_get(c, "GET", buf_str(&url), h, &doc, "imds credentials", err);
    if (rc == 0 && imds_parse_credentials(doc.ptr, doc.len, r, err) < 0)
        rc = err_prefix(err, "imds credentials");
    curl_slist_free_all(h);
    buf_free(&tok);
    buf_free(&role);
    buf_free(&doc);
    buf_free(&url);
    return rc;
}

int imds_fetch(const struct settings *s, struct sts_result *r, struct err *err)
{
    struct http_client c;
    char base[512];
    memset(r, 0, sizeof(*r));
    if (imds_disabled(&s->aws))
        return err_set(err, "imds: disabled by AWS_EC2_METADATA_DISABLED");
    imds_base(&s->aws, base, sizeof(base));
    if (imds_client(s, &c, err) < 0)
        return -1;
    int rc = imds_steps(&c, base, r, err);
    if (rc < 0 && strstr(err->msg, ": HTTP ") == NULL && strstr(err->msg, "answer") == NULL)
        err_prefix(err,
                   "imds: instance metadata at %s is unreachable from this container (with an "
                   "IMDSv2 hop limit of 1 its answers cannot reach a container)",
                   base);
    http_client_cleanup(&c);
    return rc;
}

/* Plain http only to a loopback or the ECS/EKS link-local addresses. */
static int ecs_url_allowed(const char *url)
{
    CURLU *u = curl_url();
    char *sch = NULL, *host = NULL;
    int ok = 0;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &sch, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        ok = strcmp(sch, "https") == 0 ||
             (strcmp(sch, "http") == 0 &&
              (strncmp(host, "127.", 4) == 0 || strcmp(host, "localhost") == 0 ||
               strcmp(host, "[::1]") == 0 || strcmp(host, "169.254.170.2") == 0 ||
               strcmp(host, "169.254.170.23") == 0 || strcmp(host, "[fd00:ec2::23]") == 0));
    curl_free(sch);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

/* The Authorization value: the variable, else the file's first line. */
static int ecs_auth(const struct settings_aws *env, struct buf *out, struct err *err)
{
    const char *t = env->container_authorization_token;
    const char *f = env->container_authorization_token_file;
    if (t && *t)
        return buf_adds(out, t) < 0 ? err_set(err, "out of memory") : 0;
    if (!f || !*f)
        return 0;
    if (buf_read_file(out, f) < 0)
        return err_set(err, "ecs: cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \"%s\"", f);
    out->len = strcspn(buf_str(out), "\r\n");
    if (out->ptr)
        out->ptr[out->len] = '\0';
    return 0;
}

int ecs_fetch(const struct settings *s, struct sts_result *r, struct err *err)
{
    const char *full = s->aws.container_credentials_full_uri;
    const char *rel = s->aws.container_credentials_relative_uri;
    struct buf url = BUF_INIT(0), auth = BUF_INIT(IMDS_BODY_MAX), doc = BUF_INIT(IMDS_BODY_MAX);
    struct http_client c;
    struct curl_slist *h = NULL;
    memset(r, 0, sizeof(*r));
    int rc = (rel && *rel ? buf_addf(&url, "%s%s", ECS_DEFAULT, rel)
                          : buf_adds(&url, full ? full : "")) < 0
                 ? err_set(err, "out of memory")
                 : 0;
    if (rc == 0 && !ecs_url_allowed(buf_str(&url)))
        rc = err_set(err, "ecs: AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a "
                          "loopback or 169.254.170.2/169.254.170.23");
    if (rc == 0)
        rc = ecs_auth(&s->aws, &auth, err);
    log_add_secret(buf_str(&auth));
    if (rc == 0 && auth.len && !(h = http_add_header(NULL, "Authorization: %s", buf_str(&auth))))
        rc = err_set(err, "out of memory");
    if (rc == 0 && imds_client(s, &c, err) == 0) {
        rc = imds_get(&c, "GET", buf_str(&url), h, &doc, "ecs credentials", err);
        if (rc == 0 && imds_parse_credentials(doc.ptr, doc.len, r, err) < 0)
            rc = err_prefix(err, "ecs credentials from %s", buf_str(&url));
        http_client_cleanup(&c);
    } else if (rc == 0) {
        rc = -1;
    }
    curl_slist_free_all(h);
    buf_free(&url);
    buf_free(&auth);
    buf_free(&doc);
    return rc;
}
