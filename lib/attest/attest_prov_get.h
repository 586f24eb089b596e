/* attest_prov_get.h - the get side of build provenance
 * (source.attestations.provenance): for each asset with a sha256, list
 * GET /repos/{o}/{r}/attestations/sha256:{digest} (paginated on the API
 * origin; bundle_url fetched without the token), and verify the candidates
 * of source.attestations.predicate_type with attest_verify_provenance(),
 * before anything is downloaded. */
#ifndef GRM_ATTEST_PROV_GET_H
#define GRM_ATTEST_PROV_GET_H

#include "attest_get.h"
#include "attest_tuf.h"
#include "err.h"
#include "github.h"

#define ATTEST_PROV_ROOT_PUBLIC_GOOD "trusted_root.public-good.json"
#define ATTEST_PROV_ROOT_GITHUB "trusted_root.github.json"

struct attest_prov_asset {
    int verified;
    char *bundle_json; /* the bundle that verified, JSON text; malloced */
    char san[512];     /* the signer workflow (the certificate's SAN) */
    char repository[512], commit[128];
};

/* The state of one get: the trusted roots, loaded when first needed. */
struct attest_prov_get {
    struct github_client *gh;
    const struct attest_config *cfg;
    const struct attest_tuf *github_tuf; /* GitHub's TUF repository */
    struct attest_tuf sigstore_tuf;      /* Sigstore public good's */
    char *root_text[2];                  /* public good, GitHub: JSON text, malloced */
    int used[2];                         /* the root verified some bundle */
};

/* Set up p (nothing to free on return; call attest_prov_get_free later).
 * Borrows gh, cfg and github_tuf. */
void attest_prov_get_init(struct attest_prov_get *p, struct github_client *gh,
                          const struct attest_config *cfg, const struct attest_tuf *github_tuf);
void attest_prov_get_free(struct attest_prov_get *p);

/* The provenance of asset `name` with sha256 `digest` (NULL: GitHub gave
 * none). 0 with out->verified 1, or 0 with out->verified 0 when the policy
 * allows an asset without provenance; -1 with "STEP: asset NAME: ..." in err.
 * out is zeroed first; attest_prov_asset_free. */
int attest_prov_get_asset(struct attest_prov_get *p, const char *name, const char *digest,
                          struct attest_prov_asset *out, struct err *err);
void attest_prov_asset_free(struct attest_prov_asset *a);

#endif
