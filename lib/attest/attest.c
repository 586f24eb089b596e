/* attest.c - the signature half of attestation verification (see attest.h):
 * timestamps first (they give the time to verify at), then the certificate
 * at each timestamp, the signer identity, the DSSE signature, and the
 * statement's shape. The release policy is in attest_release.c. */
#include "attest.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <strings.h>

#include "certchain.h"
#include "dsse.h"
#include "rekor.h"
#include "sct.h"
#include "tsa.h"

#define OID_FULCIO_ISSUER_V2 "1.3.6.1.4.1.57264.1.8"
#define OID_FULCIO_ISSUER_V1 "1.3.6.1.4.1.57264.1.1"
#define ATTEST_MAX_TIMES (SIGSTORE_BUNDLE_MAX_TIMESTAMPS + REKOR_MAX_ENTRIES)

void attest_result_free(struct attest_result *res)
{
    json_decref(res->statement);
    memset(res, 0, sizeof(*res));
}

int attest_check_subject_digest(json_t *statement, const char *alg, const char *hex,
                                struct err *err)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(statement, "subject"), i, s)
    {
        const char *d = json_string_value(json_object_get(json_object_get(s, "digest"), alg));
        if (d && strcasecmp(d, hex) == 0)
            return 0;
    }
    return err_set(err, "policy: no subject of the statement has %s %.128s", alg, hex);
}

/* Every timestamp must verify; each genTime is stored in times[]. */
static int verify_timestamps(const struct sigstore_bundle *b, const struct trusted_root *tr,
                             int64_t *times, struct err *err)
{
    for (size_t i = 0; i < b->n_tstamps; i++) {
        if (tsa_verify(b->tstamps[i].ptr, b->tstamps[i].len, b->sig.ptr, b->sig.len, tr, &times[i],
                       err) < 0) {
            if (b->n_tstamps > 1)
                err_prefix(err, "timestamp %zu", i + 1);
            return -1;
        }
    }
    return 0;
}

/* The times to verify at: every RFC 3161 timestamp, then the integrated
 * time of every log entry behind a verified SET (rekor.h). At least one. */
static int verify_times(const struct sigstore_bundle *b, const struct trusted_root *tr,
                        EVP_PKEY *pinned, int64_t *times, size_t *n, struct err *err)
{
    json_t *tlog = json_object_get(json_object_get(b->json, "verificationMaterial"), "tlogEntries");
    if (verify_timestamps(b, tr, times, err) < 0)
        return -1;
    *n = b->n_tstamps;
    if (json_array_size(tlog) &&
        rekor_verify_bundle(b, tr, pinned, times, n, ATTEST_MAX_TIMES, err) < 0)
        return -1;
    if (*n == 0)
        return err_set(err, json_array_size(tlog)
                                ? "timestamp: no RFC 3161 timestamp and no log entry with a "
                                  "verified signed entry timestamp"
                                : "timestamp: the bundle holds no RFC 3161 timestamp");
    return 0;
}

/* The one SAN (URI or email) of the leaf into out; -1 when there is not
 * exactly one. */
static int leaf_san(X509 *leaf, char *out, size_t n)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    int count = names ? sk_GENERAL_NAME_num(names) : 0, rc = -1;
    if (count == 1) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(names, 0);
        ASN1_IA5STRING *s = g->type == GEN_URI     ? g->d.uniformResourceIdentifier
                            : g->type == GEN_EMAIL ? g->d.rfc822Name
                                                   : NULL;
        int len = s ? ASN1_STRING_length(s) : 0;
        if (s && len > 0 && (size_t)len < n &&
            !memchr(ASN1_STRING_get0_data(s), '\0', (size_t)len)) {
            memcpy(out, ASN1_STRING_get0_data(s), (size_t)len);
            out[len] = '\0';
            rc = 0;
        }
    }
    GENERAL_NAMES_free(names);
    return rc;
}

/* The issuer must have exactly one O=, equal to org. */
static int check_issuer_org(X509 *leaf, const char *org, struct err *err)
{
    X509_NAME *name = X509_get_issuer_name(leaf);
    int at = X509_NAME_get_index_by_NID(name, NID_organizationName, -1);
    if (at < 0 || X509_NAME_get_index_by_NID(name, NID_organizationName, at) >= 0)
        return err_set(err, "identity: the certificate's issuer does not have exactly one O=");
    unsigned char *utf8 = NULL;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
    int ok = len >= 0 && (size_t)len == strlen(org) && memcmp(utf8, org, (size_t)len) == 0;
    OPENSSL_free(utf8);
    return ok ? 0 : err_set(err, "identity: the certificate's issuer O= is not '%s'", org);
}

/* Fulcio's OIDC issuer extension (v2: a DER UTF8String; v1: raw) into out. */
static int leaf_oidc_issuer(X509 *leaf, char *out, size_t n)
{
    const char *oids[] = {OID_FULCIO_ISSUER_V2, OID_FULCIO_ISSUER_V1};
    for (int v = 0; v < 2; v++) {
        ASN1_OBJECT *obj = OBJ_txt2obj(oids[v], 1);
        int at = obj ? X509_get_ext_by_OBJ(leaf, obj, -1) : -1;
        ASN1_OBJECT_free(obj);
        if (at < 0)
            continue;
        ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(leaf, at));
        const unsigned char *p = ASN1_STRING_get0_data(os);
        long len = ASN1_STRING_length(os);
        if (v == 0) {
            ASN1_UTF8STRING *u = d2i_ASN1_UTF8STRING(NULL, &p, len);
            len = u ? ASN1_STRING_length(u) : -1;
            if (u && (size_t)len < n)
                memcpy(out, ASN1_STRING_get0_data(u), (size_t)len);
            ASN1_UTF8STRING_free(u);
        } else if ((size_t)len < n) {
            memcpy(out, p, (size_t)len);
        }
        if (len < 0 || (size_t)len >= n)
            return -1;
        out[len] = '\0';
        return 0;
    }
    return -1;
}

static int check_identity(X509 *leaf, const struct attest_identity *id, struct attest_result *res,
                          struct err *err)
{
    if (leaf_san(leaf, res->san, sizeof(res->san)) < 0)
        return err_set(err, "identity: the certificate does not carry exactly one URI or email "
                            "SAN");
    if (id->san && strcmp(res->san, id->san) != 0)
        return err_set(err, "identity: the certificate's SAN is '%.200s', expected '%.200s'",
                       res->san, id->san);
    if (id->issuer_org && check_issuer_org(leaf, id->issuer_org, err) < 0)
        return -1;
    if (id->oidc_issuer) {
        char iss[512];
        if (leaf_oidc_issuer(leaf, iss, sizeof(iss)) < 0)
            return err_set(err, "identity: the certificate has no OIDC issuer extension");
        if (strcmp(iss, id->oidc_issuer) != 0)
            return err_set(err, "identity: the OIDC issuer is '%.200s', expected '%.200s'", iss,
                           id->oidc_issuer);
    }
    return 0;
}

/* The payload must be an in-toto Statement with subjects and a predicateType. */
static int parse_statement(const struct sigstore_bundle *b, struct attest_result *res,
                           struct err *err)
{
    json_error_t je;
    json_t *st =
        json_loadb((const char *)b->payload.ptr, b->payload.len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(st)) {
        json_decref(st);
        return err_set(err, "statement: the payload is not a JSON object");
    }
    const char *type = json_string_value(json_object_get(st, "_type"));
    json_t *subj = json_object_get(st, "subject");
    if (!type || (strcmp(type, "https://in-toto.io/Statement/v1") != 0 &&
                  strcmp(type, "https://in-toto.io/Statement/v0.1") != 0)) {
        json_decref(st);
        return err_set(err, "statement: _type is not an in-toto Statement");
    }
    if (!json_is_array(subj) || json_array_size(subj) == 0 ||
        !json_is_string(json_object_get(st, "predicateType"))) {
        json_decref(st);
        return err_set(err, "statement: subject or predicateType is missing");
    }
    res->statement = st;
    return 0;
}

/* The leaf at every genTime, then the identity; *key gets its public key. */
static int verify_leaf(const struct sigstore_bundle *b, const struct trusted_root *tr,
                       const struct attest_identity *id, const int64_t *times, size_t n_times,
                       struct attest_result *res, EVP_PKEY **key, struct err *err)
{
    const unsigned char *p = b->cert.ptr;
    X509 *leaf = b->cert.len ? d2i_X509(NULL, &p, (long)b->cert.len) : NULL;
    int rc = -1;
    if (!leaf || p != b->cert.ptr + b->cert.len) {
        err_set(err, "certificate: the bundle's certificate is not DER X.509");
        goto out;
    }
    for (size_t i = 0; i < n_times; i++)
        if (certchain_verify_fulcio(leaf, tr, times[i], err) < 0)
            goto out;
    if (sct_verify_leaf(leaf, tr, err) < 0)
        goto out;
    if (check_identity(leaf, id, res, err) < 0)
        goto out;
    if (!(*key = X509_get_pubkey(leaf))) {
        err_set(err, "certificate: unreadable public key");
        goto out;
    }
    rc = 0;
out:
    X509_free(leaf);
    ERR_clear_error();
    return rc;
}

/* Timestamps, then the key: the pinned one, or the leaf's at every genTime
 * with the identity. *key is a new reference. */
static int verify_signer(const struct sigstore_bundle *b, const struct trusted_root *tr,
                         const struct attest_identity *id, struct attest_result *res,
                         EVP_PKEY **key, struct err *err)
{
    int64_t times[ATTEST_MAX_TIMES];
    size_t n = 0;
    *key = NULL;
    if (verify_times(b, tr, id->key, times, &n, err) < 0)
        return -1;
    if (id->key) {
        if (b->cert.len)
            return err_set(err, "bundle: a key was given but the bundle holds a certificate");
        *key = id->key;
        EVP_PKEY_up_ref(*key);
    } else if (!b->cert.len) {
        return err_set(err, "bundle: no certificate and no key to verify with");
    } else if (verify_leaf(b, tr, id, times, n, res, key, err) < 0) {
        return -1;
    }
    res->time = times[0];
    for (size_t i = 1; i < n; i++)
        if (times[i] < res->time)
            res->time = times[i];
    return 0;
}

int attest_verify_bundle(const struct sigstore_bundle *b, const struct trusted_root *tr,
                         const struct attest_identity *id, struct attest_result *res,
                         struct err *err)
{
    EVP_PKEY *key = NULL;
    memset(res, 0, sizeof(*res));
    if (b->message)
        return err_set(err, "bundle: a messageSignature bundle, not an attestation");
    if (verify_signer(b, tr, id, res, &key, err) < 0)
        return -1;
    int rc = dsse_verify(b, key, DSSE_INTOTO_TYPE, err);
    EVP_PKEY_free(key);
    return rc < 0 ? -1 : parse_statement(b, res, err);
}

int attest_verify_message(const struct sigstore_bundle *b, const struct trusted_root *tr,
                          const struct attest_identity *id, const unsigned char sha256[32],
                          struct attest_result *res, struct err *err)
{
    EVP_PKEY *key = NULL;
    memset(res, 0, sizeof(*res));
    if (!b->message)
        return err_set(err, "bundle: a DSSE bundle, not a message signature");
    if (verify_signer(b, tr, id, res, &key, err) < 0)
        return -1;
    int rc = 0;
    if (memcmp(b->msg_digest.ptr, sha256, 32) != 0)
        rc = err_set(err, "policy: the bundle's messageDigest is not the artifact's sha256");
    if (rc == 0 && dsse_verify_digest(key, sha256, b->sig.ptr, b->sig.len) < 0)
        rc = err_set(err, "signature: the message signature does not verify");
    EVP_PKEY_free(key);
    return rc;
}
