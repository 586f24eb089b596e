/* dsse.h - Dead Simple Signing Envelope verification: exactly one ECDSA
 * P-256/SHA-256 signature over PAE("DSSEv1", payloadType, payload). */
#ifndef GRM_DSSE_H
#define GRM_DSSE_H

#include <openssl/evp.h>

#include "buf.h"
#include "err.h"
#include "sigstore_bundle.h"

#define DSSE_INTOTO_TYPE "application/vnd.in-toto+json"

/* The pre-authentication encoding into out (reset first). 0, or -1 on OOM. */
int dsse_pae(const char *type, const unsigned char *payload, size_t n, struct buf *out);

/* Verify the bundle's envelope with key (borrowed): payloadType must be
 * want_type, one signature exactly, made by key (EC P-256, SHA-256).
 * 0, or -1 with "signature: ..." (or "bundle: ..." for the shape) in err. */
int dsse_verify(const struct sigstore_bundle *b, EVP_PKEY *key, const char *want_type,
                struct err *err);

/* An ECDSA P-256 signature over a SHA-256 digest (a Sigstore message
 * signature). 0, or -1 when it does not verify or key is not P-256. */
int dsse_verify_digest(EVP_PKEY *key, const unsigned char sha256[32], const unsigned char *sig,
                       size_t len);

#endif
