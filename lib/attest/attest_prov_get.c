/* attest_prov_get.c - fetching and verifying the build provenance of release
 * assets for get (see attest_prov_get.h). The trusted roots are
 * source.attestations.trusted_root when set (for both kinds), else
 * Sigstore public good's through its TUF repository (bundles with Rekor
 * entries) and GitHub's (bundles with timestamps only), each fetched only
 * when a candidate needs it. */
#include "attest_prov_get.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "attest_get.h"
#include "log.h"
#include "sigstore_bundle.h"

#define PROV_MAX_ITEMS 64
#define PROV_MAX_PAGES 8

void attest_prov_get_init(struct attest_prov_get *p, struct github_client *gh,
                          const struct attest_config *cfg, const struct attest_tuf *github_tuf)
{
    char dir[1024];
    memset(p, 0, sizeof(*p));
    p->gh = gh;
    p->cfg = cfg;
    p->github_tuf = github_tuf;
    snprintf(dir, sizeof(dir), "%s/github-release-mirror/tuf-sigstore", cfg->tmpdir);
    attest_tuf_sigstore(&p->sigstore_tuf, cfg->tuf_sigstore_url, cfg->tuf_sigstore_root, dir);
}

void attest_prov_get_free(struct attest_prov_get *p)
{
    free(p->root_text[0]);
    free(p->root_text[1]);
    p->root_text[0] = p->root_text[1] = NULL;
}

void attest_prov_asset_free(struct attest_prov_asset *a)
{
    free(a->bundle_json);
    memset(a, 0, sizeof(*a));
}

/* The text of root k (0: public good, 1: GitHub), fetched once. */
static int load_root_text(struct attest_prov_get *p, int k, struct err *err)
{
    if (p->root_text[k])
        return 0;
    if (p->cfg->trusted_root) {
        p->root_text[k] = strdup(p->cfg->trusted_root);
        return p->root_text[k] ? 0 : err_set(err, "out of memory");
    }
    if (k == 1)
        return attest_trusted_root_text(p->cfg, p->github_tuf, p->gh->http, &p->root_text[1], err);
    return attest_tuf_trusted_root(&p->sigstore_tuf, p->gh->http, &p->root_text[0], err);
}

static int has_tlog(const struct sigstore_bundle *b)
{
    return json_array_size(json_object_get(json_object_get(b->json, "verificationMaterial"),
                                           "tlogEntries")) > 0;
}

/* Parse the roots the candidates need into tr[]; *have[k] says which. */
static int load_roots(struct attest_prov_get *p, const struct sigstore_bundle_list *l,
                      struct trusted_root tr[2], int have[2], struct err *err)
{
    int need[2] = {0, 0};
    for (size_t i = 0; i < l->n; i++)
        need[has_tlog(&l->items[i]) ? 0 : 1] = 1;
    for (int k = 0; k < 2; k++) {
        if (!need[k])
            continue;
        if (load_root_text(p, k, err) < 0 ||
            trusted_root_parse(p->root_text[k], strlen(p->root_text[k]), &tr[k], err) < 0)
            return -1;
        have[k] = 1;
    }
    return 0;
}

/* Every page of the asset's attestations into l. */
static int fetch_list(struct attest_prov_get *p, const char *digest, struct sigstore_bundle_list *l,
                      struct err *err)
{
    char suffix[128];
    snprintf(suffix, sizeof(suffix), "/attestations/sha256:%.64s?per_page=30", digest);
    char *url = github_repo_url(p->gh, suffix), *next = NULL;
    const char *api = p->cfg->github_api_url;
    size_t items = 0;
    int rc = url ? 0 : err_set(err, "out of memory");
    for (int page = 0; rc == 0 && url; page++) {
        long status = 0;
        json_t *doc = NULL, *list;
        rc = github_get_json(p->gh, url, NULL, &status, &doc, &next, NULL, err);
        list = json_object_get(doc, "attestations");
        if (rc == 0 && status != 200 && status != 404)
            rc = err_set(err, "bundle: GET %s: HTTP %ld", url, status);
        items += json_array_size(list);
        if (rc == 0 && (items > PROV_MAX_ITEMS || page >= PROV_MAX_PAGES))
            rc = err_set(err, "bundle: GET %s: more than %d attestations", url, PROV_MAX_ITEMS);
        for (size_t i = 0; rc == 0 && i < json_array_size(list); i++)
            rc = attest_get_item(p->gh, json_array_get(list, i), l, err);
        json_decref(doc);
        free(url);
        url = next;
        next = NULL;
        size_t n = strlen(api);
        if (rc == 0 && url && (strncmp(url, api, n) != 0 || (url[n] != '/' && url[n] != '?')))
            rc = err_set(err, "bundle: a next page outside %s", api);
    }
    free(url);
    return rc;
}

static int fill_out(struct attest_prov_get *p, const struct sigstore_bundle *b,
                    const struct attest_result *res, struct attest_prov_asset *out, struct err *err)
{
    char repo[512];
    snprintf(out->san, sizeof(out->san), "%s", res->san);
    attest_provenance_signer(b, repo, sizeof(repo), out->commit, sizeof(out->commit));
    const char *gh = "https://github.com/";
    snprintf(out->repository, sizeof(out->repository), "%s",
             strncmp(repo, gh, strlen(gh)) == 0 ? repo + strlen(gh) : repo);
    p->used[has_tlog(b) ? 0 : 1] = 1;
    out->bundle_json = json_dumps(b->json, JSON_INDENT(2));
    out->verified = out->bundle_json != NULL;
    return out->verified ? 0 : err_set(err, "out of memory");
}

static int verify_list(struct attest_prov_get *p, const char *digest,
                       const struct sigstore_bundle_list *l, struct attest_prov_asset *out,
                       struct err *err)
{
    struct trusted_root tr[2];
    int have[2] = {0, 0};
    struct attest_result res;
    const struct attest_config *a = p->cfg;
    struct attest_provenance_policy pol = {a->signer_repository, a->signer_workflow,
                                           a->predicate_type, "sha256", digest};
    int rc = load_roots(p, l, tr, have, err);
    struct attest_provenance_roots roots = {have[0] ? &tr[0] : NULL, have[1] ? &tr[1] : NULL};
    if (rc == 0)
        rc = attest_verify_provenance(l, &roots, &pol, &res, err);
    if (rc == 0) {
        rc = fill_out(p, &l->items[res.index], &res, out, err);
        attest_result_free(&res);
    }
    for (int k = 0; k < 2; k++)
        if (have[k])
            trusted_root_free(&tr[k]);
    return rc;
}

/* Candidates of the wanted predicateType (peeked at in the DSSE payload). */
static size_t typed_count(const struct sigstore_bundle_list *l, const char *type)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct sigstore_bundle *b = &l->items[i];
        json_t *st = b->payload.len
                         ? json_loadb((const char *)b->payload.ptr, b->payload.len, 0, NULL)
                         : NULL;
        const char *t = json_string_value(json_object_get(st, "predicateType"));
        n += t && strcmp(t, type) == 0;
        json_decref(st);
    }
    return n;
}

int attest_prov_get_asset(struct attest_prov_get *p, const char *name, const char *digest,
                          struct attest_prov_asset *out, struct err *err)
{
    enum attest_prov_mode mode = p->cfg->provenance;
    struct sigstore_bundle_list l = {NULL, 0, 0};
    memset(out, 0, sizeof(*out));
    if (mode == ATTEST_PROV_OFF)
        return 0;
    if (!digest) {
        if (mode == ATTEST_PROV_IF_PRESENT) {
            log_warn("asset \"%s\": GitHub gives no digest; provenance not checked", name);
            return 0;
        }
        return err_set(err,
                       "policy: asset \"%s\": GitHub gives no sha256 to look its provenance "
                       "up by (attestations.provenance is required)",
                       name);
    }
    int rc = fetch_list(p, digest, &l, err);
    size_t typed = rc == 0 ? typed_count(&l, p->cfg->predicate_type) : 0;
    if (rc == 0 && typed == 0 && mode == ATTEST_PROV_REQUIRED)
        rc = err_set(err, "policy: no attestation with predicateType %s (provenance is required)",
                     p->cfg->predicate_type);
    else if (rc == 0 && typed > 0)
        rc = verify_list(p, digest, &l, out, err);
    sigstore_bundle_list_free(&l);
    if (rc < 0) {
        char first[ERR_MAX];
        snprintf(first, sizeof(first), "%s", err->msg);
        const char *colon = strstr(first, ": ");
        if (colon && !memchr(first, ' ', (size_t)(colon - first)))
            err_set(err, "%.*s: asset \"%s\": %s", (int)(colon - first), first, name, colon + 2);
        else
            err_set(err, "bundle: asset \"%s\": %s", name, first);
        attest_prov_asset_free(out);
        return -1;
    }
    if (out->verified)
        log_info("provenance of %s verified: built by %s", name, out->san);
    return 0;
}
