/* attest.h - verifying Sigstore attestations: the signature half shared by
 * every predicate (timestamps, certificate, identity, DSSE signature, the
 * in-toto statement) and the policy of GitHub release attestations.
 *
 * Steps run in order and the first failure is reported as "STEP: detail",
 * STEP one of bundle, timestamp, certificate, identity, signature, statement,
 * policy, tlog, sct, trust-root. A later predicate (build provenance, with
 * Rekor entries and SCTs) adds its steps in attest_verify_bundle() and its
 * own policy function beside attest_check_release(). */
#ifndef GRM_ATTEST_H
#define GRM_ATTEST_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sigstore_bundle.h"
#include "trusted_root.h"

#define ATTEST_RELEASE_V01 "https://in-toto.io/attestation/release/v0.1"
#define ATTEST_RELEASE_V02 "https://in-toto.io/attestation/release/v0.2"
#define ATTEST_GITHUB_ORG "GitHub, Inc."

/* Who must have signed. Everything is borrowed. */
struct attest_identity {
    const char *san;         /* the one SAN (URI or email), exactly; NULL: any */
    const char *oidc_issuer; /* Fulcio's issuer extension, exactly; NULL: unchecked */
    const char *issuer_org;  /* the leaf's issuer has exactly one O=, this; NULL: unchecked */
    EVP_PKEY *key;           /* a pinned public key instead of a certificate; NULL: none */
};

struct attest_result {
    char san[512];     /* the signer identity ("" with a pinned key) */
    int64_t time;      /* the earliest verified timestamp */
    json_t *statement; /* the in-toto statement, owned; attest_result_free() */
    size_t index;      /* attest_verify_release: which candidate verified */
};

/* Verify a bundle's signature half: every RFC 3161 timestamp, the leaf at
 * each genTime, the identity, the DSSE signature, and that the payload is an
 * in-toto statement. 0 with *res filled, or -1 with "STEP: ..." in err. */
int attest_verify_bundle(const struct sigstore_bundle *b, const struct trusted_root *tr,
                         const struct attest_identity *id, struct attest_result *res,
                         struct err *err);
void attest_result_free(struct attest_result *res);

/* The same for a messageSignature bundle over an artifact whose SHA-256 is
 * sha256: the bundle's messageDigest must be it, and the signature (ECDSA
 * P-256) must verify over it. res->statement stays NULL. */
int attest_verify_message(const struct sigstore_bundle *b, const struct trusted_root *tr,
                          const struct attest_identity *id, const unsigned char sha256[32],
                          struct attest_result *res, struct err *err);

/* Some subject of the statement has digest alg (e.g. "sha256") equal to hex
 * (any case). 0, or -1 with "policy: ..." in err. */
int attest_check_subject_digest(json_t *statement, const char *alg, const char *hex,
                                struct err *err);

/* One asset to find among the subjects: by name and sha256, by sha256 only
 * (name NULL), or by name only (sha256_hex NULL: GitHub gave no digest). */
struct attest_asset {
    const char *name;
    const char *sha256_hex;
};

struct attest_release_policy {
    const char *owner, *repo, *tag;
    const char *commit;       /* the subject's sha1 must be this; NULL: unchecked */
    const char *trust_domain; /* NULL: "dotcom" */
    const struct attest_asset *assets;
    size_t n_assets;
    int complete; /* the assets are the whole release: subject names must equal theirs */
};

/* The release predicate's rules on a verified statement. 0, or -1 with
 * "statement: ..." or "policy: ..." in err. */
int attest_check_release(json_t *statement, const struct attest_release_policy *p, struct err *err);

/* Verify a GitHub release attestation among candidates (a JSON-lines file,
 * the API's list): exactly one that verifies may be for the tag, and it
 * must pass the release policy. 0 with *res filled (the caller frees), or -1
 * with "STEP: ..." in err. */
int attest_verify_release(const struct sigstore_bundle_list *l, const struct trusted_root *tr,
                          const struct attest_release_policy *p, struct attest_result *res,
                          struct err *err);

/* Build provenance from GitHub Actions (attest_provenance.c). Borrowed. */
#define ATTEST_ACTIONS_ISSUER "https://token.actions.githubusercontent.com"
#define ATTEST_SLSA_PROVENANCE_V1 "https://slsa.dev/provenance/v1"
struct attest_provenance_policy {
    const char *signer_repository;       /* OWNER/REPO (or OWNER: the owner URI) */
    const char *signer_workflow;         /* e.g. .github/workflows/release.yml; NULL: any */
    const char *predicate_type;          /* NULL: ATTEST_SLSA_PROVENANCE_V1 */
    const char *digest_alg, *digest_hex; /* the asset among the subjects; NULL: unchecked */
};

/* The provenance policy on a bundle that attest_verify_bundle() verified
 * into res: the leaf's OIDC issuer (1.3.6.1.4.1.57264.1.8) is GitHub
 * Actions; its Source Repository URI (.1.12) is https://github.com/REPO, or
 * with an owner alone its Owner URI (.1.16) https://github.com/OWNER; the
 * SAN starts https://github.com/REPO/WORKFLOW@ when a workflow is given; the
 * predicateType; the subject digest. 0, or -1 with "policy: ..." in err. */
int attest_check_provenance(const struct sigstore_bundle *b, const struct attest_result *res,
                            const struct attest_provenance_policy *p, struct err *err);

/* Some subject has the sha256 sha256_hex, or, when path (the artifact's
 * file) is given and a subject carries a sha512 (npm provenance), the
 * file's SHA-512 (streamed). 0, or -1 with "policy: ..." in err. */
int attest_check_subject_file(json_t *statement, const char *sha256_hex, const char *path,
                              struct err *err);

/* The trusted roots build provenance may use; either may be NULL. */
struct attest_provenance_roots {
    const struct trusted_root *public_good; /* bundles with Rekor entries */
    const struct trusted_root *github;      /* GitHub's instance: timestamps, no log */
};

/* Verify build provenance among candidates (the attestations of one asset
 * digest): those whose statement has p's predicateType are verified, each
 * against the root of its kind, with the OIDC issuer of GitHub Actions and
 * then the provenance policy; the first that passes wins. 0 with *res
 * (res->index: which candidate; the caller frees), or -1 with "STEP: ..." in
 * err: the first typed candidate's failure, or "policy: no attestation with
 * predicateType ..." when none has the type. */
int attest_verify_provenance(const struct sigstore_bundle_list *l,
                             const struct attest_provenance_roots *roots,
                             const struct attest_provenance_policy *p, struct attest_result *res,
                             struct err *err);

/* The leaf's Source Repository URI (1.3.6.1.4.1.57264.1.12) and Source
 * Repository Digest (.1.13, the commit) into repo and commit ("" when
 * absent). 0, or -1 when the bundle has no parsable leaf. */
int attest_provenance_signer(const struct sigstore_bundle *b, char *repo, size_t repo_n,
                             char *commit, size_t commit_n);

#endif
