/* sct.h - the embedded signed certificate timestamps (RFC 6962) of a Fulcio
 * leaf, verified against the CT log keys of the trusted root. */
#ifndef GRM_SCT_H
#define GRM_SCT_H

#include <openssl/x509.h>

#include "err.h"
#include "trusted_root.h"

/* When the trusted root lists CT logs (Sigstore's public good does; GitHub's
 * instance does not), leaf must embed an SCT from one of them that verifies:
 * the log's signature over the precertificate entry (the TBS without the SCT
 * extension, and SHA-256 of the issuer's SubjectPublicKeyInfo, the issuer
 * found among the trusted root's CA certificates), at a time inside that
 * log's validFor. Without CT logs in the root: 0 at once. 0, or -1 with
 * "sct: ..." in err. */
int sct_verify_leaf(X509 *leaf, const struct trusted_root *tr, struct err *err);

#endif
