/* certchain.h - X.509 chain verification against a trusted root's
 * certificate authorities, at a given time (a timestamp's genTime, not now:
 * Fulcio leaves live minutes to a year). */
#ifndef GRM_CERTCHAIN_H
#define GRM_CERTCHAIN_H

#include <openssl/x509.h>
#include <stdint.h>

#include "err.h"
#include "trusted_root.h"

/* A store trusting only ca's last certificate, verifying at time `at`; the
 * others go to *untrusted (a new stack of borrowed certificates, free with
 * sk_X509_free). NULL on OOM. The caller frees the store. */
X509_STORE *certchain_store(const struct trusted_root_ca *ca, int64_t at,
                            STACK_OF(X509) * *untrusted);

/* Verify that leaf chains to one of the trusted root's certificate
 * authorities whose validFor covers `at`, validated at `at`, and carries the
 * codeSigning extended key usage. 0, or -1 with "certificate: ..." in err. */
int certchain_verify_fulcio(X509 *leaf, const struct trusted_root *tr, int64_t at, struct err *err);

/* "2025-05-30T20:13:39Z" into out[21]. */
void certchain_format_time(int64_t t, char out[21]);

#endif
