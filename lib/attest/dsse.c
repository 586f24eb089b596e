/* dsse.c - DSSE envelope verification with EVP_DigestVerify (see dsse.h). */
#include "dsse.h"

#include <openssl/err.h>
#include <string.h>

int dsse_pae(const char *type, const unsigned char *payload, size_t n, struct buf *out)
{
    buf_reset(out);
    if (buf_addf(out, "DSSEv1 %zu %s %zu ", strlen(type), type, n) < 0)
        return -1;
    return buf_add(out, payload, n);
}

static int is_p256(EVP_PKEY *key)
{
    char group[32];
    size_t len = 0;
    return EVP_PKEY_is_a(key, "EC") &&
           EVP_PKEY_get_group_name(key, group, sizeof(group), &len) == 1 &&
           strcmp(group, "prime256v1") == 0;
}

int dsse_verify(const struct sigstore_bundle *b, EVP_PKEY *key, const char *want_type,
                struct err *err)
{
    if (strcmp(b->payload_type, want_type) != 0)
        return err_set(err, "bundle: dsseEnvelope.payloadType is '%.100s', expected '%s'",
                       b->payload_type, want_type);
    if (b->n_sigs != 1)
        return err_set(err, "signature: the envelope holds %zu signatures, expected exactly 1",
                       b->n_sigs);
    if (!is_p256(key))
        return err_set(err, "signature: the signing key is not ECDSA P-256");
    struct buf pae = BUF_INIT(SIGSTORE_BUNDLE_MAX + 256);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = dsse_pae(b->payload_type, b->payload.ptr, b->payload.len, &pae) == 0 && md &&
             EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestVerify(md, b->sig.ptr, b->sig.len, (unsigned char *)pae.ptr, pae.len) == 1;
    EVP_MD_CTX_free(md);
    buf_free(&pae);
    ERR_clear_error();
    return ok ? 0 : err_set(err, "signature: the DSSE signature does not verify");
}

int dsse_verify_digest(EVP_PKEY *key, const unsigned char sha256[32], const unsigned char *sig,
                       size_t len)
{
    EVP_PKEY_CTX *ctx = is_p256(key) ? EVP_PKEY_CTX_new(key, NULL) : NULL;
    int ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
             EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
             EVP_PKEY_verify(ctx, sig, len, sha256, 32) == 1;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return ok ? 0 : -1;
}
