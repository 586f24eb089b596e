/* attest_get.c - fetching and verifying a release's attestation for get (see
 * attest_get.h). The API answers {"attestations":[{"bundle", "bundle_url"}]};
 * a null bundle is fetched from bundle_url with no Authorization header (it
 * is another host), as JSON or raw snappy. Without
 * source.attestations.trusted_root, the trusted root comes from GitHub's TUF
 * repository (attest_tuf.h). */
#include "attest_get.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "attest_tuf.h"
#include "http.h"
#include "log.h"
#include "sigstore_bundle.h"
#include "grow.h"

#define ATTEST_GET_MAX_ITEMS 32

int attest_trusted_root_text(const struct attest_config *cfg, const struct attest_tuf *tuf,
                             struct http_client *http, char **json, struct err *err)
{
    *json = NULL;
    if (cfg->trusted_root) {
        if (!(*json = strdup(cfg->trusted_root)))
            return err_set(err, "out of memory");
        return 0;
    }
    if (!tuf)
        return err_set(err, "trust-root: no trusted root for release attestations: set "
                            "source.attestations.trusted_root (the output of `gh attestation "
                            "trusted-root`), or source.attestations.release: off");
    if (attest_tuf_trusted_root(tuf, http, json, err) == 0)
        return 0;
    char first[ERR_MAX];
    snprintf(first, sizeof(first), "%s", err->msg);
    return err_set(
        err, "%.900s (GitHub Enterprise or offline: set source.attestations.trusted_root)", first);
}

void attest_get_free(struct attest_get *a)
{
    free(a->bundle_json);
    free(a->trusted_root_json);
    json_decref(a->statement);
    memset(a, 0, sizeof(*a));
}

const char *attest_get_subject_sha256(const struct attest_get *a, const char *name)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(a->statement, "subject"), i, s)
    {
        const char *n = json_string_value(json_object_get(s, "name"));
        if (n && strcmp(n, name) == 0)
            return json_string_value(json_object_get(json_object_get(s, "digest"), "sha256"));
    }
    return NULL;
}

/* Move every bundle of src to the end of dst. */
static int list_move(struct sigstore_bundle_list *dst, struct sigstore_bundle_list *src,
                     struct err *err)
{
    if (GROW(dst->items, dst->n + src->n, dst->alloc) < 0) {
        sigstore_bundle_list_free(src);
        return err_set(err, "bundle: out of memory");
    }
    memcpy(dst->items + dst->n, src->items, src->n * sizeof(*src->items));
    dst->n += src->n;
    free(src->items);
    src->items = NULL;
    src->n = src->alloc = 0;
    return 0;
}

/* GET a bundle_url: no token, no GitHub headers; the URL's query (a
 * signature) is never shown. */
static int fetch_bundle_url(struct github_client *gh, const char *url,
                            struct sigstore_bundle_list *l, struct err *err)
{
    char shown[512];
    snprintf(shown, sizeof(shown), "%.*s", (int)strcspn(url, "?"), url);
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return err_set(err, "bundle: bundle_url \"%s\" is not an http(s) URL", shown);
    struct http_xfer x;
    http_xfer_init(&x, "GET", url);
    x.headers = NULL; /* never the token: another host */
    x.follow_redirects = 1;
    x.body_max = SIGSTORE_BUNDLE_MAX;
    int rc = http_perform(gh->http, &x, err);
    if (rc < 0)
        err_set(err, "bundle: GET %s failed", shown);
    else if (x.status != 200)
        rc = err_set(err, "bundle: GET %s: HTTP %ld", shown, x.status);
    else if ((rc = sigstore_bundle_load(x.body_buf.ptr, x.body_buf.len, l, err)) < 0)
        err_prefix(err, "%s", shown);
    http_xfer_cleanup(&x);
    return rc;
}

int attest_get_item(struct github_client *gh, json_t *item, struct sigstore_bundle_list *all,
                    struct err *err)
{
    struct sigstore_bundle_list l = {NULL, 0, 0};
    json_t *bundle = json_object_get(item, "bundle");
    const char *url = json_string_value(json_object_get(item, "bundle_url"));
    int rc;
    if (json_is_object(bundle)) {
        char *text = json_dumps(bundle, 0);
        rc = text ? sigstore_bundle_load(text, strlen(text), &l, err)
                  : err_set(err, "bundle: out of memory");
        free(text);
    } else if (url) {
        rc = fetch_bundle_url(gh, url, &l, err);
    } else {
        rc = err_set(err, "bundle: an attestation has neither bundle nor bundle_url");
    }
    return rc < 0 ? -1 : list_move(all, &l, err);
}

/* The candidates for commit; *none set when GitHub has no attestation. */
static int fetch_candidates(struct github_client *gh, const char *commit,
                            struct sigstore_bundle_list *all, int *none, struct err *err)
{
    char suffix[128];
    long status = 0;
    json_t *doc = NULL;
    snprintf(suffix, sizeof(suffix), "/attestations/sha1:%s?predicate_type=release", commit);
    char *url = github_repo_url(gh, suffix);
    if (!url)
        return err_set(err, "out of memory");
    int rc = github_get_json(gh, url, NULL, &status, &doc, NULL, NULL, err);
    json_t *items = json_object_get(doc, "attestations");
    *none = rc == 0 && (status == 404 || json_array_size(items) == 0);
    if (rc == 0 && !*none && status != 200)
        rc = err_set(err, "GET %s: HTTP %ld", url, status);
    if (rc == 0 && !*none && json_array_size(items) > ATTEST_GET_MAX_ITEMS)
        rc = err_set(err, "bundle: GET %s: more than %d attestations", url, ATTEST_GET_MAX_ITEMS);
    for (size_t i = 0; rc == 0 && !*none && i < json_array_size(items); i++)
        rc = attest_get_item(gh, json_array_get(items, i), all, err);
    json_decref(doc);
    free(url);
    return rc;
}

/* Every uploaded asset by name and API digest (NULL: by name only). */
static struct attest_asset *release_assets(const struct github_release *rel, size_t *n)
{
    struct attest_asset *a = calloc(rel->n_assets + 1, sizeof(*a));
    *n = 0;
    for (size_t i = 0; a && i < rel->n_assets; i++) {
        if (strcmp(rel->assets[i].state, "uploaded") != 0)
            continue;
        a[*n].name = rel->assets[i].name;
        a[*n].sha256_hex = rel->assets[i].digest;
        (*n)++;
    }
    return a;
}

static int verify(struct github_client *gh, const struct attest_config *cfg,
                  const struct attest_tuf *tuf, const struct github_release *rel,
                  const char *commit, const struct sigstore_bundle_list *l, struct attest_get *out,
                  struct err *err)
{
    struct trusted_root tr;
    struct attest_result res;
    size_t n;
    if (attest_trusted_root_text(cfg, tuf, gh->http, &out->trusted_root_json, err) < 0 ||
        trusted_root_parse(out->trusted_root_json, strlen(out->trusted_root_json), &tr, err) < 0)
        return -1;
    struct attest_asset *assets = release_assets(rel, &n);
    struct attest_release_policy p = {cfg->owner, cfg->repository, rel->tag, commit,
                                      NULL,       assets,          n,        1};
    int rc = assets ? attest_verify_release(l, &tr, &p, &res, err) : err_set(err, "out of memory");
    if (rc == 0) {
        snprintf(out->signer, sizeof(out->signer), "%s", res.san);
        out->statement = res.statement;
        out->bundle_json = json_dumps(l->items[res.index].json, JSON_INDENT(2));
        out->verified = out->bundle_json != NULL;
        rc = out->verified ? 0 : err_set(err, "out of memory");
    }
    free(assets);
    trusted_root_free(&tr);
    return rc;
}

int attest_get_release(struct github_client *gh, const struct attest_config *cfg,
                       const struct attest_tuf *tuf, const struct github_release *rel,
                       const char *commit, struct attest_get *out, struct err *err)
{
    enum attest_get_mode mode = cfg->release;
    struct sigstore_bundle_list l = {NULL, 0, 0};
    int none = 0;
    memset(out, 0, sizeof(*out));
    if (mode == ATTEST_GET_OFF || (mode == ATTEST_GET_AUTO && !rel->immutable))
        return 0;
    const char *why = mode == ATTEST_GET_REQUIRED ? "attestations.release is required"
                                                  : "the release is immutable";
    if (!commit)
        return err_set(err, "policy: tag \"%s\" has no commit to look its attestation up by (%s)",
                       rel->tag, why);
    int rc = fetch_candidates(gh, commit, &l, &none, err);
    if (rc == 0 && none)
        rc = err_set(err, "policy: no release attestation for %s (commit %s), and %s", rel->tag,
                     commit, why);
    if (rc == 0)
        rc = verify(gh, cfg, tuf, rel, commit, &l, out, err);
    if (rc == 0)
        log_info("release attestation of %s verified: signed by %s", rel->tag, out->signer);
    else
        attest_get_free(out);
    sigstore_bundle_list_free(&l);
    return rc;
}
