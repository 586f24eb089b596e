/* attest_mirror.h - verifying a local copy of a mirrored release prefix (an
 * `aws s3 sync` of it) or a get directory: release.json, SHA256SUMS, every
 * file's size and sha256, and the stored release attestation against the
 * stored trusted root. */
#ifndef GRM_ATTEST_MIRROR_H
#define GRM_ATTEST_MIRROR_H

#include <stddef.h>

#include "err.h"
#include "manifest.h"

#define ATTEST_MIRROR_BUNDLE MANIFEST_ATTEST_DIR "/release.sigstore.json"
#define ATTEST_MIRROR_ROOT MANIFEST_ATTEST_DIR "/trusted_root.json"

struct attest_mirror_report {
    char what[512];   /* "OWNER/REPO TAG" */
    size_t n_files;   /* files checked */
    char signer[600]; /* the attestation's signer, "" when none is stored */
};

/* 0 when everything verifies; -1 with "STEP: ..." in err when something does
 * not; -2 with err when dir or its release.json cannot be read. */
int attest_mirror_verify(const char *dir, struct attest_mirror_report *rep, struct err *err);

#endif
