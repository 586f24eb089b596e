/* test_github_app.c - unit tests for lib/github/github_app.c: the JWT (header,
 * claims and times, RS256 signature verified with OpenSSL against the public
 * half exported on its own) and the private_key checks (PKCS#1 and PKCS#8
 * accepted; EC, short, public, encrypted and non-PEM keys refused). */
#include "github_app.h"
#include "tap.h"

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

/* The PEM text of a private key (traditional: PKCS#1 for RSA). */
static char *pem_of(EVP_PKEY *k, int traditional)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data, *out;
    int ok = traditional ? PEM_write_bio_PrivateKey_traditional(bio, k, NULL, NULL, 0, NULL, NULL)
                         : PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
    long n = BIO_get_mem_data(bio, &data);
    out = ok && n > 0 ? strndup(data, (size_t)n) : NULL;
    BIO_free(bio);
    return out;
}

/* The public half, through PEM, so verification uses no private state. */
static EVP_PKEY *public_of(EVP_PKEY *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    EVP_PKEY *pub = NULL;
    if (PEM_write_bio_PUBKEY(bio, k))
        pub = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    return pub;
}

/* base64url (no padding) to bytes; malloced, length in *n. */
static unsigned char *b64url_decode(const char *s, size_t len, size_t *n)
{
    size_t padded = len + (4 - len % 4) % 4;
    char *t = calloc(padded + 1, 1);
    unsigned char *out = calloc(padded, 1);
    for (size_t i = 0; i < padded; i++)
        t[i] = i >= len ? '=' : s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    int got = EVP_DecodeBlock(out, (unsigned char *)t, (int)padded);
    *n = got < 0 ? 0 : (size_t)got - (padded - len);
    free(t);
    return out;
}

static json_t *part_json(const char *s, size_t len)
{
    size_t n;
    unsigned char *raw = b64url_decode(s, len, &n);
    json_t *j = json_loadb((char *)raw, n, 0, NULL);
    free(raw);
    return j;
}

static void test_jwt(EVP_PKEY *k)
{
    struct err err = {""};
    char *jwt = NULL;
    CHECK(github_app_jwt(k, "42", 1800000000, &jwt, &err) == 0);
    char *dot1 = strchr(jwt, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    CHECK(dot1 && dot2 && !strchr(dot2 + 1, '.') && !strchr(jwt, '='));
    if (!dot2)
        return;
    json_t *h = part_json(jwt, (size_t)(dot1 - jwt));
    json_t *c = part_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    CHECK_STR(json_string_value(json_object_get(h, "alg")), "RS256");
    CHECK_STR(json_string_value(json_object_get(h, "typ")), "JWT");
    CHECK(json_integer_value(json_object_get(c, "iat")) == 1800000000 - 60);
    CHECK(json_integer_value(json_object_get(c, "exp")) == 1800000000 + 540);
    CHECK_STR(json_string_value(json_object_get(c, "iss")), "42");
    json_decref(h);
    json_decref(c);
    size_t sig_len;
    unsigned char *sig = b64url_decode(dot2 + 1, strlen(dot2 + 1), &sig_len);
    EVP_PKEY *pub = public_of(k);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    CHECK(sig_len == 256);
    CHECK(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1);
    CHECK(EVP_DigestVerify(md, sig, sig_len, (unsigned char *)jwt, (size_t)(dot2 - jwt)) == 1);
    jwt[1] ^= 1; /* any change to the signed part breaks it */
    CHECK(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1);
    CHECK(EVP_DigestVerify(md, sig, sig_len, (unsigned char *)jwt, (size_t)(dot2 - jwt)) != 1);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pub);
    free(sig);
    free(jwt);
}

static void refused(const char *pem, const char *needle)
{
    struct err err = {""};
    CHECK(github_app_check_key("source.private_key", pem, &err) < 0);
    CHECK(strstr(err.msg, "invalid source.private_key: ") == err.msg);
    if (!strstr(err.msg, needle))
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err.msg, needle);
    CHECK(strstr(err.msg, needle) != NULL);
}

static void test_keys(EVP_PKEY *rsa)
{
    struct err err = {""};
    void *loaded = NULL;
    char *p1 = pem_of(rsa, 1), *p8 = pem_of(rsa, 0);
    CHECK(p1 && strstr(p1, "BEGIN RSA PRIVATE KEY"));
    CHECK(p8 && strstr(p8, "BEGIN PRIVATE KEY"));
    CHECK(github_app_check_key("source.private_key", p1, &err) == 0);
    CHECK(github_app_load_key("source.private_key", p8, &loaded, &err) == 0);
    CHECK(loaded && EVP_PKEY_eq(loaded, rsa) == 1);
    EVP_PKEY_free(loaded);

    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    char *pe = pem_of(ec, 0), *ps = pem_of(small, 1);
    refused(pe, "an EC key");
    refused(ps, "an RSA key of 1024 bits is too short (at least 2048)");
    refused("ghp_notakey", "not a PEM private key");
    refused("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n", "not a PEM");
    refused("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
            "encrypted");
    refused("-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n", "cannot read");
    EVP_PKEY_free(ec);
    EVP_PKEY_free(small);
    free(pe);
    free(ps);
    free(p1);
    free(p8);
}

int main(void)
{
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    CHECK(rsa != NULL);
    test_jwt(rsa);
    test_keys(rsa);
    EVP_PKEY_free(rsa);
    return TEST_DONE();
}
