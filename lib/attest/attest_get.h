/* attest_get.h - the get side of release attestations: decide whether a
 * release must be verified (source.attestations.release and the release's
 * `immutable`), fetch its attestations from GitHub (inline bundles, or a
 * bundle_url on another host, fetched without the token), and verify them
 * against the release's asset list before anything is downloaded. */
#ifndef GRM_ATTEST_GET_H
#define GRM_ATTEST_GET_H

#include <jansson.h>

#include "attest_tuf.h"
#include "err.h"
#include "github.h"
#include "sigstore_bundle.h"

enum attest_get_mode { ATTEST_GET_AUTO, ATTEST_GET_REQUIRED, ATTEST_GET_OFF };
enum attest_prov_mode { ATTEST_PROV_OFF, ATTEST_PROV_IF_PRESENT, ATTEST_PROV_REQUIRED };

/* What both get sides read of the source (source.attestations and the
 * repository), strings borrowed from the request. */
struct attest_config {
    const char *owner, *repository;
    const char *github_api_url;
    enum attest_get_mode release;     /* the release attestation */
    const char *trusted_root;         /* JSON text of a Sigstore trusted root, or NULL */
    enum attest_prov_mode provenance; /* build provenance of assets */
    const char *signer_repository, *signer_workflow, *predicate_type;
    /* Sigstore public good's TUF repository (provenance): its cache under
     * tmpdir, and the test knobs (settings.h) */
    const char *tmpdir, *tuf_sigstore_url, *tuf_sigstore_root;
};

struct attest_get {
    int verified;            /* 1 when a release attestation was verified */
    char signer[512];        /* its signer identity (SAN) */
    char *bundle_json;       /* the verified bundle as JSON text; malloced */
    char *trusted_root_json; /* the trusted root it was verified against; malloced */
    json_t *statement;       /* its statement; owned */
};

/* The trusted root's JSON text for release attestations (malloced into
 * *json): cfg->trusted_root (source.attestations.trusted_root), else trusted_root.json through
 * TUF from tuf (GitHub's repository, fetched with http, cached in
 * tuf->cache_dir). -1 with a "trust-root: ..." error, also when tuf is NULL
 * and no trusted_root is set. */
int attest_trusted_root_text(const struct attest_config *cfg, const struct attest_tuf *tuf,
                             struct http_client *http, char **json, struct err *err);

/* Verify rel's release attestation when the policy asks for it (commit: the
 * tag's commit, or NULL; tuf: where the trusted root comes from without
 * source.attestations.trusted_root). 0 with out->verified 0 (not required)
 * or 1, or -1 with "STEP: ..." in err. out is zeroed first; free it with
 * attest_get_free. */
int attest_get_release(struct github_client *gh, const struct attest_config *cfg,
                       const struct attest_tuf *tuf, const struct github_release *rel,
                       const char *commit, struct attest_get *out, struct err *err);
void attest_get_free(struct attest_get *a);

/* The attested sha256 of the asset subject `name`, or NULL (borrowed). */
const char *attest_get_subject_sha256(const struct attest_get *a, const char *name);

/* One item of the API's {"attestations":[...]}: its inline bundle, or its
 * bundle_url fetched without the token; the bundles are appended to all.
 * 0, or -1 with "bundle: ..." in err. */
int attest_get_item(struct github_client *gh, json_t *item, struct sigstore_bundle_list *all,
                    struct err *err);

#endif
