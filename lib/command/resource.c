/* resource.c - set-up shared by check, in and out, and the one translation
 * of the request into the clients' configs (see resource.h). */
#include "resource.h"
#include "log.h"
#include "signals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPEN_REQ = 1, OPEN_HTTP = 2, OPEN_GH = 4, OPEN_POLICY = 8, OPEN_APP = 16 };

/* github_client's reauth hook: a 401 on a cached App token mints a new one. */
static int resource_reauth(void *ctx, struct err *err)
{
    struct resource *r = ctx;
    const char *token;
    if (github_app_token(&r->app, 1, &token, err) < 0)
        return -1;
    return github_client_set_token(&r->gh, token, err);
}

/* source.app_id: the installation token replaces access_token. */
static int resource_app_auth(struct resource *r, struct err *err)
{
    const char *token;
    if (github_app_init(&r->app, &r->http, &r->gh_cfg, err) < 0)
        return -1;
    r->opened |= OPEN_APP;
    if (github_app_token(&r->app, 0, &token, err) < 0 ||
        github_client_set_token(&r->gh, token, err) < 0)
        return -1;
    if (r->app.from_cache) {
        r->gh.reauth = resource_reauth;
        r->gh.reauth_ctx = r;
    }
    return 0;
}

/* ---- the request translated for each client ---- */

void resource_github_config(struct github_config *out, const struct request_source *src,
                            const struct settings *s)
{
    memset(out, 0, sizeof(*out));
    out->owner = src->owner;
    out->repository = src->repository;
    out->access_token = src->access_token;
    out->github_api_url = src->github_api_url;
    out->app_id = src->app_id;
    out->private_key = src->private_key;
    out->installation_id = src->installation_id;
    out->tmpdir = s->tmpdir;
}

void resource_releases_config(struct releases_config *out, const struct request_source *src)
{
    memset(out, 0, sizeof(*out));
    out->release = src->release;
    out->pre_release = src->pre_release;
    out->drafts = src->drafts;
    out->tag_filter = src->tag_filter;
    out->semver_constraint = src->semver_constraint;
    out->order_by =
        src->order_by == REQUEST_ORDER_TIME ? RELEASES_ORDER_TIME : RELEASES_ORDER_VERSION;
}

void resource_releases_cursor(struct releases_cursor *out, const struct request_version *v)
{
    out->present = v->present;
    out->tag = v->tag;
    out->id = v->id;
    out->timestamp = v->timestamp;
}

static enum attest_get_mode resource_attest_mode(enum request_attest m)
{
    return m == REQUEST_ATTEST_REQUIRED ? ATTEST_GET_REQUIRED
           : m == REQUEST_ATTEST_OFF    ? ATTEST_GET_OFF
                                        : ATTEST_GET_AUTO;
}

static enum attest_prov_mode resource_prov_mode(enum request_prov m)
{
    return m == REQUEST_PROV_REQUIRED     ? ATTEST_PROV_REQUIRED
           : m == REQUEST_PROV_IF_PRESENT ? ATTEST_PROV_IF_PRESENT
                                          : ATTEST_PROV_OFF;
}

void resource_attest_config(struct attest_config *out, const struct request_source *src,
                            const struct settings *s)
{
    const struct request_attestations *a = &src->attestations;
    memset(out, 0, sizeof(*out));
    out->owner = src->owner;
    out->repository = src->repository;
    out->github_api_url = src->github_api_url;
    out->release = resource_attest_mode(a->release);
    out->trusted_root = a->trusted_root;
    out->provenance = resource_prov_mode(a->provenance);
    out->signer_repository = a->signer_repository;
    out->signer_workflow = a->signer_workflow;
    out->predicate_type = a->predicate_type;
    out->tmpdir = s->tmpdir;
    out->tuf_sigstore_url = s->tuf_sigstore_url;
    out->tuf_sigstore_root = s->tuf_sigstore_root;
}

static void resource_creds_config(struct creds_config *out, const struct request_mirror *m,
                                  const struct settings *s)
{
    memset(out, 0, sizeof(*out));
    out->region = m->region;
    out->access_key_id = m->access_key_id;
    out->secret_access_key = m->secret_access_key;
    out->session_token = m->session_token;
    out->aws_role_arn = m->aws_role_arn;
    out->aws_role_session_name = m->aws_role_session_name;
    out->aws_external_id = m->aws_external_id;
    out->aws_role_duration = m->aws_role_duration;
    out->web_identity_token = m->web_identity_token;
    out->enable_aws_creds_provider = m->enable_aws_creds_provider;
    out->sts_endpoint = m->sts_endpoint;
    out->skip_ssl_verification = m->skip_ssl_verification;
    out->ca_cert = m->ca_cert;
    out->settings = s;
}

void resource_s3_config(struct s3_config *out, const struct request_mirror *m,
                        const struct settings *s)
{
    memset(out, 0, sizeof(*out));
    out->bucket = m->bucket;
    out->endpoint = m->endpoint;
    out->path_style = m->path_style;
    out->server_side_encryption = m->server_side_encryption;
    out->sse_kms_key_id = m->sse_kms_key_id;
    out->storage_class = m->storage_class;
    out->checksum_sha256 = m->checksum_sha256;
    out->part_size = m->part_size;
    out->concurrency = m->concurrency;
    resource_creds_config(&out->creds, m, s);
}

void resource_http_options(struct http_options *out, const struct request_source *src,
                           const struct settings *s)
{
    *out = s->http;
    out->insecure = src->insecure;
    out->ca_pem = src->ca_cert;
    out->max_rate_limit_wait = src->max_rate_limit_wait;
}

/* Every config of r from its request and settings. */
static void resource_configs(struct resource *r)
{
    const struct request_source *src = &r->req.source;
    resource_github_config(&r->gh_cfg, src, &r->settings);
    resource_releases_cursor(&r->cursor, &r->req.version);
    resource_attest_config(&r->attest_cfg, src, &r->settings);
    resource_s3_config(&r->s3_cfg, &src->mirror, &r->settings);
    r->s3_http = r->settings.http;
    r->s3_http.insecure = src->mirror.skip_ssl_verification;
    r->s3_http.ca_pem = src->mirror.ca_cert;
}

/* GitHub's TUF repository, its metadata cached beside the release cache
 * ($TMPDIR/github-release-mirror/tuf). Test knobs: GRM_TUF_GITHUB_URL (the
 * repository) and GRM_TUF_GITHUB_ROOT (an initial root.json file). */
static void resource_tuf(struct resource *r)
{
    const struct settings *s = &r->settings;
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/github-release-mirror/tuf", s->tmpdir);
    attest_tuf_github(&r->tuf, s->tuf_github_url, s->tuf_github_root, dir);
}

int resource_open(struct resource *r, enum request_kind kind, struct err *err)
{
    struct http_options http;
    struct releases_config policy;
    memset(r, 0, sizeof(*r));
    if (request_read_stdin(kind, &r->req, err) < 0)
        return -1;
    r->opened |= OPEN_REQ;
    settings_from_env(&r->settings);
    resource_configs(r);
    resource_tuf(r);
    resource_http_options(&http, &r->req.source, &r->settings);
    if (http_client_init(&r->http, &http, err) < 0)
        goto fail;
    r->opened |= OPEN_HTTP;
    if (github_client_init(&r->gh, &r->http, &r->gh_cfg, err) < 0)
        goto fail;
    r->opened |= OPEN_GH;
    resource_releases_config(&policy, &r->req.source);
    if (releases_policy_init(&r->policy, &policy, err) < 0)
        goto fail;
    r->opened |= OPEN_POLICY;
    if (r->req.source.app_id && resource_app_auth(r, err) < 0) /* the first requests */
        goto fail;
    return 0;
fail:
    resource_close(r);
    return -1;
}

void resource_close(struct resource *r)
{
    if (r->opened & OPEN_POLICY)
        releases_policy_free(&r->policy);
    if (r->opened & OPEN_APP)
        github_app_cleanup(&r->app);
    if (r->opened & OPEN_GH)
        github_client_cleanup(&r->gh);
    if (r->opened & OPEN_HTTP)
        http_client_cleanup(&r->http);
    if (r->opened & OPEN_REQ)
        request_free(&r->req);
    r->opened = 0;
}

void resource_metadata_add(json_t *metadata, const char *name, const char *value)
{
    json_array_append_new(metadata,
                          json_pack("{s:s s:s}", "name", name, "value", value ? value : ""));
}

int resource_print(json_t *doc, struct err *err)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return err_set(err, "cannot encode the response");
    int ok = printf("%s\n", text) > 0 && fflush(stdout) == 0;
    free(text);
    return ok ? 0 : err_set(err, "cannot write to stdout");
}

int resource_main(enum request_kind kind, const char *dir, resource_fn fn)
{
    struct resource r;
    struct err err = {""};
    json_t *response = NULL;
    int rc = resource_open(&r, kind, &err);
    if (rc == 0) {
        rc = fn(&r, dir, &response, &err);
        if (rc == 0)
            rc = resource_print(response, &err);
        resource_close(&r);
    }
    if (rc < 0)
        log_error("%s", err.msg);
    return rc < 0 ? 1 : 0;
}

int resource_main_dir(enum request_kind kind, int argc, char **argv, const char *usage,
                      resource_fn fn)
{
    if (argc != 2) {
        log_error("usage: %s %s, request JSON on stdin", argv[0], usage);
        return 2;
    }
    signals_install(); /* in and out clean up after SIGTERM / SIGINT */
    return resource_main(kind, argv[1], fn);
}
