/* rekor.h - Rekor v1 transparency-log entries as Sigstore bundles carry them
 * (verificationMaterial.tlogEntries): the log is one of the trusted root's
 * tlogs; the signed entry timestamp (SET), the RFC 6962 inclusion proof and
 * its checkpoint (a signed note) verify under that log's key; and the entry
 * body (dsse 0.0.1, intoto 0.0.2, hashedrekord 0.0.1; Rekor v2's dsse 0.0.2
 * and hashedrekord 0.0.2) binds the bundle's signature, certificate and
 * payload. */
#ifndef GRM_REKOR_H
#define GRM_REKOR_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sigstore_bundle.h"
#include "trusted_root.h"

#define REKOR_MAX_ENTRIES 8
#define REKOR_MAX_PROOF_HASHES 64

/* One parsed entry. Borrowed strings point into the bundle's JSON. */
struct rekor_entry {
    int64_t log_index, integrated_time;
    struct sigstore_bytes log_id, body, set; /* set.len 0: no SET */
    const char *kind, *version;
    int has_proof;
    int64_t proof_index, tree_size;
    struct sigstore_bytes root_hash;
    unsigned char hashes[REKOR_MAX_PROOF_HASHES][32];
    size_t n_hashes;
    const char *checkpoint; /* the note text, or NULL */
};

/* A checkpoint (signed note): the text (through the newline before the
 * blank line), its origin, tree size and root hash, and its signatures. */
#define REKOR_MAX_NOTE_SIGS 8
struct rekor_checkpoint {
    size_t text_len; /* the signed text is note[0..text_len) */
    char origin[256];
    int64_t tree_size;
    unsigned char root_hash[32];
    size_t n_sigs;
    struct {
        char name[256];
        unsigned char hint[4];
        unsigned char sig[512];
        size_t sig_len;
    } sigs[REKOR_MAX_NOTE_SIGS];
};

/* Parse one tlogEntries item. 0, or -1 with "tlog: ..." in err. Release
 * with rekor_entry_free() on either outcome. */
int rekor_entry_parse(json_t *obj, struct rekor_entry *e, struct err *err);
void rekor_entry_free(struct rekor_entry *e);

/* Parse a checkpoint note of n bytes. 0, or -1 with "tlog: ..." in err. */
int rekor_checkpoint_parse(const char *note, size_t n, struct rekor_checkpoint *c, struct err *err);

/* RFC 6962 inclusion: the leaf hash at index in a tree of size, with the
 * audit path, yields root. 0 or -1. */
int rekor_verify_inclusion(const unsigned char leaf[32], int64_t index, int64_t size,
                           const unsigned char (*path)[32], size_t n, const unsigned char root[32]);

/* The checkpoint note names tree_size and root, and one of its signatures
 * carries the key hint of lg's key and verifies over the note text under
 * it (ECDSA with SHA-256, or Ed25519). 0, or -1 with "tlog: ..." in err. */
int rekor_verify_checkpoint(const char *note, int64_t tree_size, const unsigned char root[32],
                            const struct trusted_root_log *lg, struct err *err);

/* Verify every tlog entry of b (at least one): its log, SET (required for
 * v0.1 bundles), inclusion proof and checkpoint (required for v0.2+), and
 * that its body binds b; key, when b has no certificate, is the pinned key
 * the body must name. Each entry whose SET verified and whose time lies in
 * the log key's validFor adds its integratedTime to times[*n] (at most
 * max). 0, or -1 with "tlog: ..." in err. */
int rekor_verify_bundle(const struct sigstore_bundle *b, const struct trusted_root *tr,
                        EVP_PKEY *key, int64_t *times, size_t *n, size_t max, struct err *err);

#endif
