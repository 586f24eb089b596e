/* token_cache.h - the GitHub App installation token, kept encrypted in the
 * check container so that a warm check mints nothing.
 *
 * The file sits beside the release cache ($TMPDIR/github-release-mirror) and
 * is sealed with AES-256-GCM under a key derived by HKDF-SHA256 from the App's
 * private key, so it is useless without the key that only stdin carries. The
 * associated data binds it to the API URL, repository and app id. Layout:
 *
 *   "grm-app-token 1\n" | 12-byte nonce | ciphertext | 16-byte GCM tag
 *
 * and the plaintext is "<installation id> <expires_at, Unix seconds>\n<token>".
 * Anything that does not decrypt or parse is treated as no cache. */
#ifndef GRM_TOKEN_CACHE_H
#define GRM_TOKEN_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define TOKEN_CACHE_KEY_LEN 32
#define TOKEN_CACHE_MAGIC "grm-app-token 1\n"
#define TOKEN_CACHE_MAX_TOKEN 1024
#define TOKEN_CACHE_MAX_FILE 4096

struct token_cache_entry {
    char *token; /* malloced; printable ASCII without spaces */
    int64_t installation_id;
    int64_t expires_at; /* Unix seconds */
};

/* The file key: HKDF-SHA256 of ikm (the private key's DER) into
 * key[TOKEN_CACHE_KEY_LEN]. 0, or -1 with err when OpenSSL fails. */
int token_cache_derive_key(const unsigned char *ikm, size_t n,
                           unsigned char key[TOKEN_CACHE_KEY_LEN], struct err *err);

/* Seal e under key with aad into out (appended). 0, or -1 with err (out
 * freed). The token must be 1..TOKEN_CACHE_MAX_TOKEN printable bytes. */
int token_cache_encode(const unsigned char key[TOKEN_CACHE_KEY_LEN], const char *aad,
                       const struct token_cache_entry *e, struct buf *out, struct err *err);

/* Open data[0..n) sealed by token_cache_encode with the same key and aad into
 * *e (token malloced). 0, or -1 when it is not such a file, does not
 * authenticate or does not parse (*e is then zeroed). */
int token_cache_decode(const unsigned char key[TOKEN_CACHE_KEY_LEN], const char *aad,
                       const unsigned char *data, size_t n, struct token_cache_entry *e);

/* Read and decode the file at path; -1 when absent, unreadable, not a
 * regular file or not decodable (*e zeroed). */
int token_cache_load(const char *path, const unsigned char key[TOKEN_CACHE_KEY_LEN],
                     const char *aad, struct token_cache_entry *e);

/* Write e to path atomically (temporary file, mode 0600, renamed over it).
 * 0, or -1 with err; nothing is left under either name on failure. */
int token_cache_save(const char *path, const unsigned char key[TOKEN_CACHE_KEY_LEN],
                     const char *aad, const struct token_cache_entry *e, struct err *err);

/* Free the token (the memory is wiped first) and zero e. */
void token_cache_entry_free(struct token_cache_entry *e);

#endif
