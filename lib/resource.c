/* resource.c - set-up shared by check, in and out (see resource.h). */
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
    if (github_app_init(&r->app, &r->http, &r->req.source, err) < 0)
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

/* GitHub's TUF repository, its metadata cached beside the release cache
 * ($TMPDIR/github-release-mirror/tuf). Test knobs: GRM_TUF_GITHUB_URL (the
 * repository) and GRM_TUF_GITHUB_ROOT (an initial root.json file). */
static void resource_tuf(struct resource *r)
{
    const char *tmp = getenv("TMPDIR");
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/github-release-mirror/tuf", tmp && *tmp ? tmp : "/tmp");
    attest_tuf_github(&r->tuf, getenv("GRM_TUF_GITHUB_URL"), getenv("GRM_TUF_GITHUB_ROOT"), dir);
}

int resource_open(struct resource *r, enum request_kind kind, struct err *err)
{
    memset(r, 0, sizeof(*r));
    if (request_read_stdin(kind, &r->req, err) < 0)
        return -1;
    r->opened |= OPEN_REQ;
    resource_tuf(r);
    if (http_client_init(&r->http, err) < 0)
        goto fail;
    r->opened |= OPEN_HTTP;
    r->http.insecure = r->req.source.insecure;
    r->http.ca_pem = r->req.source.ca_cert;
    r->http.max_rate_limit_wait = r->req.source.max_rate_limit_wait;
    if (github_client_init(&r->gh, &r->http, &r->req.source, err) < 0)
        goto fail;
    r->opened |= OPEN_GH;
    if (releases_policy_init(&r->policy, &r->req.source, err) < 0)
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
