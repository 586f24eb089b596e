/* sha256.h - streaming SHA-256 (OpenSSL EVP) for downloads and uploads.
 *
 * Hash while streaming: init, update per chunk, final. Nothing is buffered
 * beyond OpenSSL's 64-byte block. */
#ifndef GRM_SHA256_H
#define GRM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct sha256 {
    void *md; /* EVP_MD_CTX, owned */
};

/* 0, or -1 when OpenSSL cannot allocate. */
int sha256_init(struct sha256 *h);
/* Start over (same context). */
int sha256_reset(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t n);
/* Lowercase hex into hex[65]; the context is freed. */
void sha256_final_hex(struct sha256 *h, char hex[65]);
/* Free without a result (error paths). */
void sha256_free(struct sha256 *h);

/* Hex digest of an in-memory buffer. */
void sha256_hex(const void *data, size_t n, char hex[65]);
/* Hash the whole open file (read from offset 0 with pread); *size gets its
 * length. Returns 0 or -1 with err naming `name`. */
int sha256_fd(int fd, const char *name, char hex[65], int64_t *size, struct err *err);

#endif
