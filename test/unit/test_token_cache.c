/* test_token_cache.c - unit tests for lib/github/token_cache.c: the key derivation,
 * the sealed round trip, and that tampering, another key or another
 * repository's associated data make a file unreadable. */
#include "tap.h"
#include "token_cache.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char AAD[] = "grm-app-token\nhttps://api.github.com\nocto\nwidget\n42";

/* Whether needle occurs in b (memmem is a GNU extension). */
static int contains(const struct buf *b, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= b->len; i++)
        if (memcmp(b->ptr + i, needle, n) == 0)
            return 1;
    return 0;
}

static void derive(const char *ikm, unsigned char key[TOKEN_CACHE_KEY_LEN])
{
    struct err err = {""};
    CHECK(token_cache_derive_key((const unsigned char *)ikm, strlen(ikm), key, &err) == 0);
}

static void test_derive(void)
{
    unsigned char a[TOKEN_CACHE_KEY_LEN], b[TOKEN_CACHE_KEY_LEN], c[TOKEN_CACHE_KEY_LEN];
    struct err err = {""};
    derive("key one", a);
    derive("key one", b);
    derive("key two", c);
    CHECK(memcmp(a, b, sizeof(a)) == 0);
    CHECK(memcmp(a, c, sizeof(a)) != 0);
    CHECK(token_cache_derive_key((const unsigned char *)"", 0, a, &err) < 0);
}

static void seal(const unsigned char *key, const char *token, struct buf *out)
{
    struct err err = {""};
    struct token_cache_entry e = {(char *)token, 7000001, 1900000000};
    CHECK(token_cache_encode(key, AAD, &e, out, &err) == 0);
}

static void test_round_trip(void)
{
    unsigned char key[TOKEN_CACHE_KEY_LEN];
    struct buf b = BUF_INIT(0), b2 = BUF_INIT(0);
    struct token_cache_entry e;
    derive("private key DER", key);
    seal(key, "ghs_abcdefABCDEF0123456789", &b);
    CHECK(b.len > strlen(TOKEN_CACHE_MAGIC) + 28);
    CHECK(memcmp(b.ptr, TOKEN_CACHE_MAGIC, strlen(TOKEN_CACHE_MAGIC)) == 0);
    CHECK(!contains(&b, "ghs_"));
    CHECK(token_cache_decode(key, AAD, (unsigned char *)b.ptr, b.len, &e) == 0);
    CHECK_STR(e.token, "ghs_abcdefABCDEF0123456789");
    CHECK(e.installation_id == 7000001 && e.expires_at == 1900000000);
    token_cache_entry_free(&e);
    CHECK(e.token == NULL);
    seal(key, "ghs_abcdefABCDEF0123456789", &b2); /* a fresh nonce each time */
    CHECK(b.len == b2.len && memcmp(b.ptr, b2.ptr, b.len) != 0);
    buf_free(&b);
    buf_free(&b2);
}

static void test_tamper(void)
{
    unsigned char key[TOKEN_CACHE_KEY_LEN], other[TOKEN_CACHE_KEY_LEN];
    struct buf b = BUF_INIT(0);
    struct token_cache_entry e;
    int all_refused = 1;
    derive("private key DER", key);
    derive("another key", other);
    seal(key, "ghs_token", &b);
    for (size_t i = 0; i < b.len; i++) {
        b.ptr[i] ^= 0x01;
        if (token_cache_decode(key, AAD, (unsigned char *)b.ptr, b.len, &e) == 0) {
            all_refused = 0;
            token_cache_entry_free(&e);
        }
        b.ptr[i] ^= 0x01;
    }
    CHECK(all_refused);
    CHECK(token_cache_decode(other, AAD, (unsigned char *)b.ptr, b.len, &e) < 0);
    CHECK(e.token == NULL);
    CHECK(token_cache_decode(key, "grm-app-token\nhttps://api.github.com\nocto\nother\n42",
                             (unsigned char *)b.ptr, b.len, &e) < 0);
    for (size_t n = 0; n < b.len; n++)
        CHECK(token_cache_decode(key, AAD, (unsigned char *)b.ptr, n, &e) < 0);
    CHECK(token_cache_decode(key, AAD, (unsigned char *)b.ptr, b.len, &e) == 0);
    token_cache_entry_free(&e);
    buf_free(&b);
}

static void test_refused_tokens(void)
{
    unsigned char key[TOKEN_CACHE_KEY_LEN];
    struct buf b = BUF_INIT(0);
    struct err err = {""};
    char big[TOKEN_CACHE_MAX_TOKEN + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    derive("k", key);
    const char *bad[] = {"", "has space", "line\nbreak", big};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct token_cache_entry e = {(char *)bad[i], 1, 2};
        CHECK(token_cache_encode(key, AAD, &e, &b, &err) < 0);
        CHECK(b.len == 0);
    }
}

static void test_save_load(void)
{
    unsigned char key[TOKEN_CACHE_KEY_LEN], other[TOKEN_CACHE_KEY_LEN];
    char dir[] = "/tmp/grm-token-cache-XXXXXX", path[256];
    struct err err = {""};
    struct token_cache_entry e = {(char *)"ghs_saved", 5, 1900000000}, got;
    struct stat st;
    derive("k", key);
    derive("k2", other);
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/app-token.bin", dir);
    CHECK(token_cache_load(path, key, AAD, &got) < 0); /* absent */
    CHECK(token_cache_save(path, key, AAD, &e, &err) == 0);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(token_cache_load(path, key, AAD, &got) == 0);
    CHECK_STR(got.token, "ghs_saved");
    token_cache_entry_free(&got);
    CHECK(token_cache_load(path, other, AAD, &got) < 0);
    CHECK(token_cache_load(dir, key, AAD, &got) < 0); /* a directory */
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    test_derive();
    test_round_trip();
    test_tamper();
    test_refused_tokens();
    test_save_load();
    return TEST_DONE();
}
