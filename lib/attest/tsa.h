/* tsa.h - RFC 3161 timestamps as Sigstore bundles carry them: a DER
 * TimeStampResp with no embedded certificates, signed by a TSA pinned in the
 * trusted root, over a SHA-2 hash of the signature bytes. */
#ifndef GRM_TSA_H
#define GRM_TSA_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "trusted_root.h"

/* Verify one token over data[0..n): status granted; signed by one of the
 * trusted root's TSAs, its chain valid at the token's genTime, which lies in
 * that TSA's validFor; the message imprint is the hash of data. 0 with
 * *gen_time set, or -1 with "timestamp: ..." in err. */
int tsa_verify(const unsigned char *token, size_t len, const unsigned char *data, size_t n,
               const struct trusted_root *tr, int64_t *gen_time, struct err *err);

#endif
