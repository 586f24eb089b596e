/* tsa.c - RFC 3161 timestamp verification on OpenSSL's TS_* interface (see
 * tsa.h). The token is parsed first, its genTime read, then each TSA of the
 * trusted root is tried with a store whose time is that genTime. */
#include "tsa.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ts.h>
#include <string.h>
#include <time.h>

#include "certchain.h"

static int gen_time_of(TS_TST_INFO *tst, int64_t *t)
{
    const ASN1_GENERALIZEDTIME *g = TS_TST_INFO_get_time(tst);
    struct tm tm;
    if (!g || ASN1_TIME_to_tm(g, &tm) != 1)
        return -1;
    time_t v = timegm(&tm);
    if (v == (time_t)-1)
        return -1;
    *t = (int64_t)v;
    return 0;
}

/* The imprint must be SHA-256, -384 or -512 of data. */
static int check_imprint(TS_TST_INFO *tst, const unsigned char *data, size_t n, struct err *err)
{
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
    X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo(mi);
    ASN1_STRING *msg = TS_MSG_IMPRINT_get_msg(mi);
    const ASN1_OBJECT *obj = NULL;
    X509_ALGOR_get0(&obj, NULL, NULL, alg);
    int nid = OBJ_obj2nid(obj);
    const EVP_MD *md = nid == NID_sha256   ? EVP_sha256()
                       : nid == NID_sha384 ? EVP_sha384()
                       : nid == NID_sha512 ? EVP_sha512()
                                           : NULL;
    if (!md)
        return err_set(err, "timestamp: message imprint algorithm is not SHA-2");
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    if (EVP_Digest(data, n, d, &dlen, md, NULL) != 1)
        return err_set(err, "timestamp: cannot hash the signature");
    if ((size_t)ASN1_STRING_length(msg) != dlen || memcmp(ASN1_STRING_get0_data(msg), d, dlen))
        return err_set(err, "timestamp: message imprint is not the hash of the signature");
    return 0;
}

/* 1 when the token's CMS signature verifies with ca's chain at `at`. */
static int signed_by(PKCS7 *p7, const struct trusted_root_ca *ca, int64_t at)
{
    STACK_OF(X509) *untrusted = NULL;
    X509_STORE *store = certchain_store(ca, at, &untrusted);
    X509 *signer = NULL;
    int ok = store && TS_RESP_verify_signature(p7, untrusted, store, &signer) == 1;
    X509_free(signer);
    X509_STORE_free(store);
    sk_X509_free(untrusted);
    ERR_clear_error();
    return ok;
}

/* Find a TSA whose key signed and whose window covers genTime. */
static int check_signer(PKCS7 *p7, const struct trusted_root *tr, int64_t at, struct err *err)
{
    char when[21];
    int signed_outside = 0;
    for (size_t i = 0; i < tr->n_tsas; i++) {
        if (!signed_by(p7, &tr->tsas[i], at))
            continue;
        if (trusted_root_window_covers(&tr->tsas[i].valid, at))
            return 0;
        signed_outside = 1;
    }
    certchain_format_time(at, when);
    if (signed_outside)
        return err_set(err,
                       "timestamp: genTime %s is outside the validFor of the TSA that "
                       "signed it",
                       when);
    return err_set(err,
                   "timestamp: not signed by a timestamp authority of the trusted root "
                   "(at genTime %s)",
                   when);
}

static int check_resp(TS_RESP *resp, const unsigned char *data, size_t n,
                      const struct trusted_root *tr, int64_t *gen_time, struct err *err)
{
    TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
    long status = si ? ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si)) : -1;
    if (status != 0)
        return err_set(err, "timestamp: status is %ld, not granted", status);
    TS_TST_INFO *tst = TS_RESP_get_tst_info(resp);
    PKCS7 *p7 = TS_RESP_get_token(resp);
    if (!tst || !p7)
        return err_set(err, "timestamp: granted response without a token");
    if (gen_time_of(tst, gen_time) < 0)
        return err_set(err, "timestamp: unreadable genTime");
    if (check_signer(p7, tr, *gen_time, err) < 0)
        return -1;
    return check_imprint(tst, data, n, err);
}

int tsa_verify(const unsigned char *token, size_t len, const unsigned char *data, size_t n,
               const struct trusted_root *tr, int64_t *gen_time, struct err *err)
{
    const unsigned char *p = token;
    TS_RESP *resp = d2i_TS_RESP(NULL, &p, (long)len);
    if (!resp || p != token + len) {
        TS_RESP_free(resp);
        ERR_clear_error();
        return err_set(err, "timestamp: not a DER RFC 3161 TimeStampResp");
    }
    int rc = check_resp(resp, data, n, tr, gen_time, err);
    TS_RESP_free(resp);
    ERR_clear_error();
    return rc;
}
