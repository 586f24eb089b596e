/* sct.c - RFC 6962 precertificate SCTs embedded in Fulcio leaves (see
 * sct.h). OpenSSL parses the SCT list; the signed structure (version,
 * signature type, timestamp, entry type, issuer key hash, TBS, extensions)
 * is built here because OpenSSL cannot be given a CT log store from memory. */
#include "sct.h"

#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* The issuer of leaf among the trusted root's CA certificates, or NULL. */
static X509 *find_issuer(X509 *leaf, const struct trusted_root *tr)
{
    for (size_t i = 0; i < tr->n_cas; i++)
        for (int k = 0; k < sk_X509_num(tr->cas[i].certs); k++) {
            X509 *c = sk_X509_value(tr->cas[i].certs, k);
            if (X509_check_issued(c, leaf) == X509_V_OK)
                return c;
        }
    return NULL;
}

static int add_be(struct buf *b, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        if (buf_addc(b, (char)(unsigned char)(v >> (8 * i))) < 0)
            return -1;
    return 0;
}

/* The TBS of leaf without its SCT list extension (DER, malloced). */
static int precert_tbs(X509 *leaf, unsigned char **out)
{
    X509 *x = X509_dup(leaf);
    int at = x ? X509_get_ext_by_NID(x, NID_ct_precert_scts, -1) : -1, n = -1;
    *out = NULL;
    if (at >= 0) {
        X509_EXTENSION_free(X509_delete_ext(x, at));
        n = i2d_re_X509_tbs(x, out);
    }
    X509_free(x);
    return n;
}

/* The digitally-signed struct of RFC 6962 3.2 for a precert entry. */
static int signed_data(const SCT *sct, const unsigned char ikh[32], const unsigned char *tbs,
                       int tbs_len, struct buf *b)
{
    unsigned char *ext = NULL;
    size_t ext_len = SCT_get0_extensions(sct, &ext);
    return buf_addc(b, 0) < 0 || buf_addc(b, 0) < 0 || add_be(b, SCT_get_timestamp(sct), 8) < 0 ||
                   add_be(b, 1, 2) < 0 || buf_add(b, ikh, 32) < 0 ||
                   add_be(b, (uint64_t)tbs_len, 3) < 0 || buf_add(b, tbs, (size_t)tbs_len) < 0 ||
                   add_be(b, ext_len, 2) < 0 || (ext_len && buf_add(b, ext, ext_len) < 0)
               ? -1
               : 0;
}

static const struct trusted_root_log *find_ctlog(const struct trusted_root *tr, const SCT *sct)
{
    unsigned char *id = NULL;
    size_t n = SCT_get0_log_id(sct, &id);
    for (size_t i = 0; i < tr->n_ctlogs; i++)
        if (n && tr->ctlogs[i].log_id_len == n && memcmp(tr->ctlogs[i].log_id, id, n) == 0)
            return &tr->ctlogs[i];
    return NULL;
}

static int verify_one(const SCT *sct, const struct trusted_root_log *lg, const struct buf *data)
{
    unsigned char *sig = NULL;
    size_t sig_len = SCT_get0_signature(sct, &sig);
    const unsigned char *p = lg->key_der;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)lg->key_len);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = key && ctx && SCT_get_version(sct) == SCT_VERSION_V1 &&
             trusted_root_window_covers(&lg->valid, (int64_t)(SCT_get_timestamp(sct) / 1000)) &&
             EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)data->ptr, data->len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok ? 0 : -1;
}

/* One SCT of the list verifies against a CT log of the root. */
static int verify_list(STACK_OF(SCT) * scts, X509 *leaf, X509 *issuer,
                       const struct trusted_root *tr, struct err *err)
{
    unsigned char ikh[32], *spki = NULL, *tbs = NULL;
    int spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(issuer), &spki);
    int tbs_len = precert_tbs(leaf, &tbs), rc = -1, known = 0;
    struct buf data = BUF_INIT(1024 * 1024);
    if (spki_len <= 0 || tbs_len <= 0) {
        err_set(err, "sct: cannot re-encode the certificate");
        goto out;
    }
    SHA256(spki, (size_t)spki_len, ikh);
    for (int i = 0; i < sk_SCT_num(scts) && rc < 0; i++) {
        const SCT *sct = sk_SCT_value(scts, i);
        const struct trusted_root_log *lg = find_ctlog(tr, sct);
        buf_reset(&data);
        if (!lg)
            continue;
        known = 1;
        if (signed_data(sct, ikh, tbs, tbs_len, &data) == 0 && verify_one(sct, lg, &data) == 0)
            rc = 0;
    }
    if (rc < 0)
        err_set(err, known ? "sct: the certificate's SCT does not verify"
                           : "sct: no SCT of the certificate is from a CT log of the trusted "
                             "root");
out:
    OPENSSL_free(spki);
    OPENSSL_free(tbs);
    buf_free(&data);
    return rc;
}

int sct_verify_leaf(X509 *leaf, const struct trusted_root *tr, struct err *err)
{
    if (tr->n_ctlogs == 0)
        return 0;
    STACK_OF(SCT) *scts = X509_get_ext_d2i(leaf, NID_ct_precert_scts, NULL, NULL);
    X509 *issuer = find_issuer(leaf, tr);
    int rc;
    if (!scts || sk_SCT_num(scts) == 0)
        rc = err_set(err, "sct: the certificate embeds no signed certificate timestamp");
    else if (!issuer)
        rc = err_set(err, "sct: the certificate's issuer is not in the trusted root");
    else
        rc = verify_list(scts, leaf, issuer, tr, err);
    SCT_LIST_free(scts);
    ERR_clear_error();
    return rc;
}
