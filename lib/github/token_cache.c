/* token_cache.c - the installation token sealed at rest with AES-256-GCM
 * (see token_cache.h). */
#include "token_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#define NONCE_LEN 12
#define TAG_LEN 16
#define MAGIC_LEN (sizeof(TOKEN_CACHE_MAGIC) - 1)
#define HKDF_SALT "github-release-mirror token cache"
#define HKDF_INFO "aes-256-gcm v1"

int token_cache_derive_key(const unsigned char *ikm, size_t n,
                           unsigned char key[TOKEN_CACHE_KEY_LEN], struct err *err)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[5];
    int ok = 0;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, n);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)HKDF_SALT,
                                                  sizeof(HKDF_SALT) - 1);
    params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)HKDF_INFO,
                                                  sizeof(HKDF_INFO) - 1);
    params[4] = OSSL_PARAM_construct_end();
    if (ctx && n > 0)
        ok = EVP_KDF_derive(ctx, key, TOKEN_CACHE_KEY_LEN, params) == 1;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok ? 0 : err_set(err, "cannot derive the token cache key (OpenSSL HKDF)");
}

static int token_printable(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > TOKEN_CACHE_MAX_TOKEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (t[i] <= ' ' || t[i] > '~')
            return 0;
    return 1;
}

/* AES-256-GCM over in[0..n) into out (n bytes) and tag; enc 1 seals, 0
 * opens (tag checked). 0 or -1. */
static int token_gcm(int enc, const unsigned char *key, const unsigned char *nonce, const char *aad,
                     const unsigned char *in, size_t n, unsigned char *out, unsigned char *tag)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len = 0,
        ok = c && n <= INT32_MAX &&
             EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce, enc) == 1 &&
             EVP_CipherUpdate(c, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
             EVP_CipherUpdate(c, out, &len, in, (int)n) == 1;
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1;
    ok = ok && EVP_CipherFinal_ex(c, out + len, &len) == 1;
    if (ok && enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

int token_cache_encode(const unsigned char key[TOKEN_CACHE_KEY_LEN], const char *aad,
                       const struct token_cache_entry *e, struct buf *out, struct err *err)
{
    char plain[TOKEN_CACHE_MAX_TOKEN + 64];
    unsigned char sealed[sizeof(plain)], nonce[NONCE_LEN], tag[TAG_LEN];
    if (!e->token || !token_printable(e->token))
        return err_set(err, "cannot cache the installation token: unexpected characters");
    int n = snprintf(plain, sizeof(plain), "%" PRId64 " %" PRId64 "\n%s", e->installation_id,
                     e->expires_at, e->token);
    int rc = -1;
    if (n < 0 || (size_t)n >= sizeof(plain))
        err_set(err, "cannot cache the installation token: too long");
    else if (RAND_bytes(nonce, NONCE_LEN) != 1 ||
             token_gcm(1, key, nonce, aad, (unsigned char *)plain, (size_t)n, sealed, tag) < 0)
        err_set(err, "cannot encrypt the installation token (OpenSSL AES-256-GCM)");
    else if (buf_add(out, TOKEN_CACHE_MAGIC, MAGIC_LEN) < 0 || buf_add(out, nonce, NONCE_LEN) < 0 ||
             buf_add(out, sealed, (size_t)n) < 0 || buf_add(out, tag, TAG_LEN) < 0)
        err_set(err, "out of memory");
    else
        rc = 0;
    OPENSSL_cleanse(plain, sizeof(plain));
    return rc;
}

/* "<id> <expires>\n<token>" into e; 0 or -1. */
static int token_parse_plain(const char *p, struct token_cache_entry *e)
{
    char *end;
    errno = 0;
    long long id = strtoll(p, &end, 10);
    if (errno || end == p || *end != ' ' || id <= 0 || p[0] == '+' || p[0] == '-')
        return -1;
    p = end + 1;
    long long exp = strtoll(p, &end, 10);
    if (errno || end == p || *end != '\n' || exp <= 0 || p[0] == '+' || p[0] == '-')
        return -1;
    if (!token_printable(end + 1) || !(e->token = strdup(end + 1)))
        return -1;
    e->installation_id = id;
    e->expires_at = exp;
    return 0;
}

int token_cache_decode(const unsigned char key[TOKEN_CACHE_KEY_LEN], const char *aad,
                       const unsigned char *data, size_t n, struct token_cache_entry *e)
{
    unsigned char plain[TOKEN_CACHE_MAX_FILE + 1], tag[TAG_LEN];
    memset(e, 0, sizeof(*e));
    if (n < MAGIC_LEN + NONCE_LEN + TAG_LEN + 1 || n > TOKEN_CACHE_MAX_FILE ||
        memcmp(data, TOKEN_CACHE_MAGIC, MAGIC_LEN) != 0)
        return -1;
    size_t len = n - MAGIC_LEN - NONCE_LEN - TAG_LEN;
    memcpy(tag, data + n - TAG_LEN, TAG_LEN);
    int rc =
        token_gcm(0, key, data + MAGIC_LEN, aad, data + MAGIC_LEN + NONCE_LEN, len, plain, tag);
    if (rc == 0) {
        plain[len] = '\0';
        rc = memchr(plain, '\0', len) ? -1 : token_parse_plain((char *)plain, e);
    }
    OPENSSL_cleanse(plain, sizeof(plain));
    if (rc < 0)
        token_cache_entry_free(e);
    return rc;
}

int token_cache_load(const char *path, const unsigned char key[TOKEN_CACHE_KEY_LEN],
                     const char *aad, struct token_cache_entry *e)
{
    struct buf b = BUF_INIT(TOKEN_CACHE_MAX_FILE);
    struct stat st;
    memset(e, 0, sizeof(*e));
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && buf_read_fd(&b, fd) == 0 && b.len)
        rc = token_cache_decode(key, aad, (const unsigned char *)b.ptr, b.len, e);
    close(fd);
    buf_free(&b);
    return rc;
}

int token_cache_save(const char *path, const unsigned char key[TOKEN_CACHE_KEY_LEN],
                     const char *aad, const struct token_cache_entry *e, struct err *err)
{
    struct buf b = BUF_INIT(TOKEN_CACHE_MAX_FILE);
    char tmp[1024];
    if (token_cache_encode(key, aad, e, &b, err) < 0)
        return -1;
    int n = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    int fd = n > 0 && (size_t)n < sizeof(tmp)
                 ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)
                 : -1;
    int ok = fd >= 0 && fchmod(fd, 0600) == 0 && write(fd, b.ptr, b.len) == (ssize_t)b.len;
    if (fd >= 0 && close(fd) < 0)
        ok = 0;
    ok = ok && rename(tmp, path) == 0;
    if (!ok && fd >= 0)
        unlink(tmp);
    buf_free(&b);
    return ok ? 0 : err_set(err, "cannot write the token cache \"%s\": %s", path, strerror(errno));
}

void token_cache_entry_free(struct token_cache_entry *e)
{
    if (e->token) {
        OPENSSL_cleanse(e->token, strlen(e->token));
        free(e->token);
    }
    memset(e, 0, sizeof(*e));
}
