/* sts.c - STS AssumeRole / AssumeRoleWithWebIdentity calls and their
 * namespace-agnostic expat parser (see sts.h). */
#include "sts.h"

#include <curl/curl.h>
#include <expat.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "s3xml.h"

#define STS_DEPTH 16
#define STS_NAME_MAX 64
#define STS_TEXT_MAX (16u * 1024)
#define STS_NS_SEP '\x01'

/* ---- parsing ---- */

struct sts_parser {
    XML_Parser xp;
    char names[STS_DEPTH][STS_NAME_MAX];
    int depth;
    int is_error; /* root <ErrorResponse> or <Error> */
    int too_deep;
    struct buf text;
    struct sts_result *r;
    struct sts_error *e;
    char expiration[64];
};

/* Empty b, wiping what it held (key material). */
static void sts_wipe(struct buf *b)
{
    if (b->ptr)
        OPENSSL_cleanse(b->ptr, b->len);
    buf_reset(b);
}

static const char *sts_local(const char *name)
{
    const char *sep = strrchr(name, STS_NS_SEP);
    return sep ? sep + 1 : name;
}

static void XMLCALL sts_on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct sts_parser *p = ud;
    (void)atts;
    if (p->depth == STS_DEPTH) {
        p->too_deep = 1;
        XML_StopParser(p->xp, XML_FALSE);
        return;
    }
    snprintf(p->names[p->depth], STS_NAME_MAX, "%s", sts_local(name));
    if (p->depth == 0)
        p->is_error =
            strcmp(p->names[0], "ErrorResponse") == 0 || strcmp(p->names[0], "Error") == 0;
    p->depth++;
    buf_reset(&p->text);
}

/* 1 when the element closing now is `name` inside `parent`. */
static int sts_at(const struct sts_parser *p, const char *parent, const char *name)
{
    return p->depth >= 2 && strcmp(p->names[p->depth - 1], name) == 0 &&
           strcmp(p->names[p->depth - 2], parent) == 0;
}

/* Keep the text of a credential field (first one wins), registered at once. */
static void sts_keep(char **dst, const struct buf *text)
{
    if (*dst || !text->len)
        return;
    *dst = strdup(buf_str(text));
    log_add_secret(*dst);
}

static void XMLCALL sts_on_end(void *ud, const XML_Char *name)
{
    struct sts_parser *p = ud;
    (void)name;
    if (p->depth == 0)
        return;
    if (p->is_error && sts_at(p, "Error", "Code"))
        snprintf(p->e->code, sizeof(p->e->code), "%s", buf_str(&p->text));
    else if (p->is_error && sts_at(p, "Error", "Message"))
        snprintf(p->e->message, sizeof(p->e->message), "%s", buf_str(&p->text));
    else if (!p->is_error && sts_at(p, "Credentials", "AccessKeyId"))
        sts_keep(&p->r->access_key_id, &p->text);
    else if (!p->is_error && sts_at(p, "Credentials", "SecretAccessKey"))
        sts_keep(&p->r->secret_access_key, &p->text);
    else if (!p->is_error && sts_at(p, "Credentials", "SessionToken"))
        sts_keep(&p->r->session_token, &p->text);
    else if (!p->is_error && sts_at(p, "Credentials", "Expiration"))
        snprintf(p->expiration, sizeof(p->expiration), "%s", buf_str(&p->text));
    sts_wipe(&p->text);
    p->depth--;
}

static void XMLCALL sts_on_text(void *ud, const XML_Char *s, int len)
{
    struct sts_parser *p = ud;
    if (p->text.len + (size_t)len > STS_TEXT_MAX || buf_add(&p->text, s, (size_t)len) < 0)
        XML_StopParser(p->xp, XML_FALSE);
}

/* Trim surrounding whitespace of an ISO 8601 time and parse it. */
static int sts_time(const char *s, int64_t *ms)
{
    char t[64];
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
        s++;
    snprintf(t, sizeof(t), "%s", s);
    size_t n = strlen(t);
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\n' || t[n - 1] == '\t' || t[n - 1] == '\r'))
        t[--n] = '\0';
    return s3xml_parse_time(t, ms);
}

/* What a complete parse found: 0 success, 1 error document, -1 malformed. */
static int sts_judge(struct sts_parser *p, struct err *err)
{
    struct sts_result *r = p->r;
    if (p->is_error)
        return 1;
    if (strcmp(p->names[0], "AssumeRoleResponse") != 0 &&
        strcmp(p->names[0], "AssumeRoleWithWebIdentityResponse") != 0)
        return err_set(err, "unexpected xml root element <%s>", p->names[0]);
    if (!r->access_key_id || !r->secret_access_key || !r->session_token)
        return err_set(err, "answer without AccessKeyId, SecretAccessKey or SessionToken");
    if (sts_time(p->expiration, &r->expiration_ms) < 0)
        return err_set(err, "answer without a valid Expiration");
    return 0;
}

int sts_parse(const char *xml, size_t len, struct sts_result *r, struct sts_error *e,
              struct err *err)
{
    struct sts_parser p;
    memset(&p, 0, sizeof(p));
    memset(r, 0, sizeof(*r));
    memset(e, 0, sizeof(*e));
    buf_init(&p.text, STS_TEXT_MAX + 1);
    p.r = r;
    p.e = e;
    p.xp = XML_ParserCreateNS(NULL, STS_NS_SEP);
    if (!p.xp)
        return err_set(err, "out of memory");
    XML_SetUserData(p.xp, &p);
    XML_SetElementHandler(p.xp, sts_on_start, sts_on_end);
    XML_SetCharacterDataHandler(p.xp, sts_on_text);
    int rc;
    if (len > STS_XML_MAX)
        rc = err_set(err, "answer larger than %u bytes", STS_XML_MAX);
    else if (XML_Parse(p.xp, xml ? xml : "", (int)len, XML_TRUE) != XML_STATUS_OK)
        rc = err_set(err, "malformed xml%s: %s", p.too_deep ? " (too deep)" : "",
                     XML_ErrorString(XML_GetErrorCode(p.xp)));
    else
        rc = sts_judge(&p, err);
    XML_ParserFree(p.xp);
    sts_wipe(&p.text);
    buf_free(&p.text);
    if (rc != 0)
        sts_result_free(r);
    return rc;
}

void sts_free_secret(char *s)
{
    if (s)
        OPENSSL_cleanse(s, strlen(s));
    free(s);
}

void sts_result_free(struct sts_result *r)
{
    sts_free_secret(r->access_key_id);
    sts_free_secret(r->secret_access_key);
    sts_free_secret(r->session_token);
    memset(r, 0, sizeof(*r));
}

/* ---- the call ---- */

struct sts_req {
    const struct sts_call *call;
    const char *action;
    struct buf body;
    char host[256];
    char path[512];
    char hash[65];
    struct curl_slist *slist;
    struct http_xfer x;
};

/* "&name=value" (value percent-encoded) onto the form body. */
static int sts_form(struct buf *b, const char *name, const char *value)
{
    if (!value)
        return 0;
    if (buf_addf(b, "%s%s=", b->len ? "&" : "", name) < 0)
        return -1;
    return sigv4_uri_encode(b, value, strlen(value), 0);
}

static int sts_body(struct sts_req *q)
{
    const struct sts_call *c = q->call;
    char dur[16];
    snprintf(dur, sizeof(dur), "%d", c->duration);
    if (sts_form(&q->body, "Action", q->action) < 0 ||
        sts_form(&q->body, "Version", "2011-06-15") < 0 ||
        sts_form(&q->body, "RoleArn", c->role_arn) < 0 ||
        sts_form(&q->body, "RoleSessionName", c->session_name) < 0 ||
        sts_form(&q->body, "DurationSeconds", dur) < 0 ||
        (!c->web_identity && sts_form(&q->body, "ExternalId", c->external_id) < 0) ||
        sts_form(&q->body, "WebIdentityToken", c->web_identity) < 0)
        return -1;
    return 0;
}

/* Host[:port] and path of the endpoint, for the signature. */
static int sts_split(struct sts_req *q, struct err *err)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *path = NULL;
    int rc = -1;
    if (u && curl_url_set(u, CURLUPART_URL, q->call->endpoint, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0);
        snprintf(q->host, sizeof(q->host), "%s%s%s", host, port ? ":" : "", port ? port : "");
        snprintf(q->path, sizeof(q->path), "%s", *path ? path : "/");
        rc = 0;
    } else {
        err_set(err, "sts endpoint \"%s\" is not a URL", q->call->endpoint);
    }
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    return rc;
}

/* Before every attempt: fresh date and, for AssumeRole, signature. */
static int sts_prepare(struct http_xfer *x, void *ctx)
{
    struct sts_req *q = ctx;
    const struct sigv4_credentials *s = q->call->signer;
    struct sigv4_header h[5];
    size_t n = 0;
    char date[17];
    sigv4_amz_date(0, date);
    h[n++] = (struct sigv4_header){"Host", q->host};
    h[n++] =
        (struct sigv4_header){"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"};
    h[n++] = (struct sigv4_header){"x-amz-date", date};
    h[n++] = (struct sigv4_header){"x-amz-content-sha256", q->hash};
    if (!q->call->web_identity && s && s->session_token && *s->session_token)
        h[n++] = (struct sigv4_header){"x-amz-security-token", s->session_token};
    struct curl_slist *l = http_add_header(NULL, "Accept: application/xml");
    for (size_t i = 0; l && i < n; i++)
        l = http_add_header(l, "%s: %s", h[i].name, h[i].value);
    if (l && !q->call->web_identity && s) {
        struct sigv4_credentials cred = *s;
        struct sigv4_request sr = {"POST", q->path, NULL, h, n, q->hash};
        struct buf auth = BUF_INIT(0);
        struct err e;
        cred.region = q->call->region;
        cred.service = "sts";
        if (sigv4_sign(&sr, date, &cred, &auth, &e) < 0) {
            curl_slist_free_all(l);
            buf_free(&auth);
            return http_xfer_fail(x, "%s", e.msg);
        }
        l = http_add_header(l, "Authorization: %s", buf_str(&auth));
        buf_free(&auth);
    }
    if (!l)
        return http_xfer_fail(x, "out of memory");
    curl_slist_free_all(q->slist);
    q->slist = l;
    x->headers = l;
    return 0;
}

/* Throttling comes as a 400: retried like a 5xx. */
static int sts_done(struct http_xfer *x, void *ctx)
{
    struct sts_result r;
    struct sts_error e;
    struct err perr;
    (void)ctx;
    if (x->status != 400 && x->status != 429)
        return 0;
    if (x->status == 429)
        return 1;
    if (sts_parse(x->body_buf.ptr, x->body_buf.len, &r, &e, &perr) == 1 &&
        (strcmp(e.code, "Throttling") == 0 || strcmp(e.code, "ThrottlingException") == 0 ||
         strcmp(e.code, "RequestLimitExceeded") == 0)) {
        snprintf(x->errmsg, sizeof(x->errmsg), "HTTP 400 %s", e.code);
        return 1;
    }
    return 0;
}

/* The answer: credentials, or one line naming action, role, endpoint and code. */
static int sts_judge_answer(struct sts_req *q, struct sts_result *r, struct err *err)
{
    struct sts_error e;
    struct err perr;
    const struct sts_call *c = q->call;
    int p = sts_parse(q->x.body_buf.ptr, q->x.body_buf.len, r, &e, &perr);
    if (p == 0 && q->x.status >= 200 && q->x.status < 300)
        return 0;
    sts_result_free(r);
    if (p == 1)
        return err_set(err, "sts %s \"%s\" at %s: HTTP %ld %s%s%s", q->action, c->role_arn,
                       c->endpoint, q->x.status, e.code[0] ? e.code : "error",
                       e.message[0] ? ": " : "", e.message);
    if (q->x.status >= 200 && q->x.status < 300)
        return err_set(err, "sts %s \"%s\" at %s: %s", q->action, c->role_arn, c->endpoint,
                       perr.msg);
    return err_set(err, "sts %s \"%s\" at %s: HTTP %ld", q->action, c->role_arn, c->endpoint,
                   q->x.status);
}

int sts_assume(struct http_client *http, const struct sts_call *call, struct sts_result *r,
               struct err *err)
{
    struct sts_req q;
    memset(&q, 0, sizeof(q));
    memset(r, 0, sizeof(*r));
    q.call = call;
    q.action = call->web_identity ? "AssumeRoleWithWebIdentity" : "AssumeRole";
    buf_init(&q.body, 0);
    if (!call->web_identity && !call->signer)
        return err_set(err, "sts AssumeRole \"%s\": no credentials to sign with", call->role_arn);
    if (sts_split(&q, err) < 0)
        return -1;
    if (sts_body(&q) < 0) {
        sts_wipe(&q.body);
        return err_set(err, "out of memory");
    }
    sigv4_sha256_hex(q.body.ptr, q.body.len, q.hash);
    http_xfer_init(&q.x, "POST", call->endpoint);
    q.x.body = q.body.ptr;
    q.x.body_len = q.body.len;
    q.x.body_max = STS_XML_MAX;
    q.x.prepare = sts_prepare;
    q.x.done = sts_done;
    q.x.ctx = &q;
    int rc = http_perform(http, &q.x, err);
    if (rc < 0)
        err_prefix(err, "sts %s \"%s\" at %s", q.action, call->role_arn, call->endpoint);
    else
        rc = sts_judge_answer(&q, r, err);
    sts_wipe(&q.x.body_buf);
    http_xfer_cleanup(&q.x);
    curl_slist_free_all(q.slist);
    sts_wipe(&q.body);
    buf_free(&q.body);
    return rc;
}
