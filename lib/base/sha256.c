/* sha256.c - streaming SHA-256 on OpenSSL's EVP interface (see sha256.h). */
#include "sha256.h"
#include "text.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHA256_READ_CHUNK (1024 * 1024)

int sha256_init(struct sha256 *h)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        h->md = NULL;
        return -1;
    }
    h->md = md;
    return 0;
}

int sha256_reset(struct sha256 *h)
{
    return EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

void sha256_update(struct sha256 *h, const void *data, size_t n)
{
    EVP_DigestUpdate(h->md, data, n);
}

static void sha256_to_hex(const unsigned char *d, unsigned len, char hex[65])
{
    text_hex(d, len < 32 ? len : 32, hex);
    hex[64] = '\0';
}

void sha256_final_hex(struct sha256 *h, char hex[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(h->md, d, &len);
    sha256_to_hex(d, len, hex);
    sha256_free(h);
}

void sha256_free(struct sha256 *h)
{
    EVP_MD_CTX_free(h->md);
    h->md = NULL;
}

void sha256_hex(const void *data, size_t n, char hex[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(data, n, d, &len, EVP_sha256(), NULL);
    sha256_to_hex(d, len, hex);
}

int sha256_fd(int fd, const char *name, char hex[65], int64_t *size, struct err *err)
{
    unsigned char *chunk = malloc(SHA256_READ_CHUNK);
    struct sha256 h;
    int64_t off = 0;
    if (!chunk || sha256_init(&h) < 0) {
        free(chunk);
        return err_set(err, "cannot hash \"%s\": out of memory", name);
    }
    for (;;) {
        ssize_t got = pread(fd, chunk, SHA256_READ_CHUNK, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            sha256_free(&h);
            free(chunk);
            return err_set(err, "cannot read \"%s\": %s", name, strerror(e));
        }
        if (got == 0)
            break;
        sha256_update(&h, chunk, (size_t)got);
        off += got;
    }
    free(chunk);
    sha256_final_hex(&h, hex);
    if (size)
        *size = off;
    return 0;
}
