/* fuzz_token_cache.c - libFuzzer harness: the App token cache decoder.
 *
 * First byte even: the rest is a cache file given to token_cache_decode()
 * under a fixed key. First byte odd: the rest is a plaintext, sealed here
 * with that key (AES-256-GCM, the file layout of token_cache.h) so that the
 * decoder's plaintext parser is reached. Whatever decodes must be a
 * printable token with positive ids, and must encode and decode back to
 * itself. */
#include "fuzz.h"
#include "token_cache.h"

#include <openssl/evp.h>

static const char AAD[] = "grm-app-token\nhttps://api.github.com\nocto\nwidget\n42";
static const unsigned char KEY[TOKEN_CACHE_KEY_LEN] = "fuzz key: 32 bytes for AES-256!";

/* Seal plain[0..n) into out as a cache file; 0 or -1. */
static int seal_raw(const uint8_t *plain, size_t n, struct buf *out)
{
    unsigned char nonce[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, tag[16];
    unsigned char *ct = malloc(n + 16);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len = 0,
        ok = ct && c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, KEY, nonce) == 1 &&
             EVP_EncryptUpdate(c, NULL, &len, (const unsigned char *)AAD, (int)strlen(AAD)) == 1 &&
             EVP_EncryptUpdate(c, ct, &len, plain, (int)n) == 1 &&
             EVP_EncryptFinal_ex(c, ct + len, &len) == 1 &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
    ok = ok && buf_adds(out, TOKEN_CACHE_MAGIC) == 0 && buf_add(out, nonce, 12) == 0 &&
         buf_add(out, ct, n) == 0 && buf_add(out, tag, 16) == 0;
    EVP_CIPHER_CTX_free(c);
    free(ct);
    return ok ? 0 : -1;
}

static void check_entry(const struct token_cache_entry *e)
{
    struct buf again = BUF_INIT(0);
    struct token_cache_entry back;
    struct err err;
    if (!e->token || !e->token[0] || e->installation_id <= 0 || e->expires_at <= 0)
        abort();
    for (const char *p = e->token; *p; p++)
        if (*p <= ' ' || *p > '~')
            abort();
    if (token_cache_encode(KEY, AAD, e, &again, &err) < 0 ||
        token_cache_decode(KEY, AAD, (unsigned char *)again.ptr, again.len, &back) < 0)
        abort();
    if (strcmp(back.token, e->token) != 0 || back.installation_id != e->installation_id ||
        back.expires_at != e->expires_at)
        abort();
    token_cache_entry_free(&back);
    buf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf file = BUF_INIT(0);
    struct token_cache_entry e;
    if (size == 0 || size > 2 * TOKEN_CACHE_MAX_FILE)
        return 0;
    if (data[0] & 1) {
        if (seal_raw(data + 1, size - 1, &file) < 0)
            return 0;
    } else if (buf_add(&file, data + 1, size - 1) < 0) {
        return 0;
    }
    if (token_cache_decode(KEY, AAD, (unsigned char *)buf_str(&file), file.len, &e) == 0) {
        check_entry(&e);
        token_cache_entry_free(&e);
    } else if (e.token || e.installation_id || e.expires_at) {
        abort();
    }
    buf_free(&file);
    return 0;
}
