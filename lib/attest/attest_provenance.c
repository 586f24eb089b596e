/* attest_provenance.c - the policy of build provenance made on GitHub
 * Actions (see attest.h): the certificate's OIDC issuer is GitHub Actions,
 * its Source Repository URI (or Owner URI) names the signer repository, its
 * SAN the signer workflow when one is given; the statement's predicateType
 * is the wanted one and some subject is the asset. */
#include "attest.h"
#include "text.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define OID_ISSUER "1.3.6.1.4.1.57264.1.8"
#define OID_SOURCE_REPO "1.3.6.1.4.1.57264.1.12"
#define OID_SOURCE_OWNER "1.3.6.1.4.1.57264.1.16"

/* A Fulcio v2 extension (a DER UTF8String) of leaf into out; -1 when absent
 * or malformed. */
static int ext_utf8(X509 *leaf, const char *oid, char *out, size_t n)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    int at = obj ? X509_get_ext_by_OBJ(leaf, obj, -1) : -1, rc = -1;
    ASN1_OBJECT_free(obj);
    if (at < 0)
        return -1;
    ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(leaf, at));
    const unsigned char *p = ASN1_STRING_get0_data(os);
    ASN1_UTF8STRING *u = d2i_ASN1_UTF8STRING(NULL, &p, ASN1_STRING_length(os));
    int len = u ? ASN1_STRING_length(u) : -1;
    if (len >= 0 && (size_t)len < n && !memchr(ASN1_STRING_get0_data(u), 0, (size_t)len)) {
        memcpy(out, ASN1_STRING_get0_data(u), (size_t)len);
        out[len] = '\0';
        rc = 0;
    }
    ASN1_UTF8STRING_free(u);
    return rc;
}

/* OWNER/REPO against the Source Repository URI, or OWNER alone against the
 * Source Repository Owner URI. */
static int check_repository(X509 *leaf, const char *want, struct err *err)
{
    char got[512], expect[512];
    int repo = strchr(want, '/') != NULL;
    snprintf(expect, sizeof(expect), "https://github.com/%s", want);
    if (ext_utf8(leaf, repo ? OID_SOURCE_REPO : OID_SOURCE_OWNER, got, sizeof(got)) < 0)
        return err_set(err, "policy: the certificate has no Source Repository %sURI",
                       repo ? "" : "Owner ");
    if (strcasecmp(got, expect) != 0)
        return err_set(err,
                       "policy: the certificate's source repository%s is '%.200s', "
                       "expected '%.200s'",
                       repo ? "" : " owner", got, expect);
    return 0;
}

static int check_workflow(const char *san, const struct attest_provenance_policy *p,
                          struct err *err)
{
    char prefix[1024];
    int n = snprintf(prefix, sizeof(prefix), "https://github.com/%s/%s@", p->signer_repository,
                     p->signer_workflow);
    if (n < 0 || (size_t)n >= sizeof(prefix) || strncasecmp(san, prefix, (size_t)n) != 0 ||
        san[n] == '\0')
        return err_set(err, "policy: the signer workflow '%.200s' is not '%.200s...'", san, prefix);
    return 0;
}

static int check_cert(const struct sigstore_bundle *b, const char *san,
                      const struct attest_provenance_policy *p, struct err *err)
{
    const unsigned char *der = b->cert.ptr;
    X509 *leaf = b->cert.len ? d2i_X509(NULL, &der, (long)b->cert.len) : NULL;
    char iss[256];
    int rc = -1;
    if (!leaf)
        err_set(err, "policy: build provenance needs a certificate");
    else if (ext_utf8(leaf, OID_ISSUER, iss, sizeof(iss)) < 0 ||
             strcmp(iss, ATTEST_ACTIONS_ISSUER) != 0)
        err_set(err, "policy: the certificate's OIDC issuer is not %s", ATTEST_ACTIONS_ISSUER);
    else if (check_repository(leaf, p->signer_repository, err) == 0 &&
             (!p->signer_workflow || check_workflow(san, p, err) == 0))
        rc = 0;
    X509_free(leaf);
    ERR_clear_error();
    return rc;
}

int attest_check_provenance(const struct sigstore_bundle *b, const struct attest_result *res,
                            const struct attest_provenance_policy *p, struct err *err)
{
    const char *want = p->predicate_type ? p->predicate_type : ATTEST_SLSA_PROVENANCE_V1;
    const char *pt = json_string_value(json_object_get(res->statement, "predicateType"));
    if (!p->signer_repository || !*p->signer_repository)
        return err_set(err, "policy: no signer repository given");
    if (check_cert(b, res->san, p, err) < 0)
        return -1;
    if (!pt || strcmp(pt, want) != 0)
        return err_set(err, "policy: predicateType '%.200s' is not '%.200s'", pt ? pt : "", want);
    if (p->digest_alg && p->digest_hex)
        return attest_check_subject_digest(res->statement, p->digest_alg, p->digest_hex, err);
    return 0;
}

/* SHA-512 of the file at path as hex into out[129]; 0 or -1. */
static int sha512_file(const char *path, char out[129])
{
    FILE *f = fopen(path, "rb");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char chunk[65536], md[64];
    unsigned int n = 0;
    size_t got;
    int ok = f && ctx && EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) == 1;
    while (ok && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        ok = EVP_DigestUpdate(ctx, chunk, got) == 1;
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &n) == 1 && n == 64;
    if (ok)
        text_hex(md, 64, out);
    EVP_MD_CTX_free(ctx);
    if (f)
        fclose(f);
    return ok ? 0 : -1;
}

static int has_alg(json_t *statement, const char *alg)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(statement, "subject"), i, s)
    {
        if (json_object_get(json_object_get(s, "digest"), alg))
            return 1;
    }
    return 0;
}

int attest_check_subject_file(json_t *statement, const char *sha256_hex, const char *path,
                              struct err *err)
{
    char hex[129];
    if (attest_check_subject_digest(statement, "sha256", sha256_hex, err) == 0)
        return 0;
    if (!path || !has_alg(statement, "sha512"))
        return -1;
    if (sha512_file(path, hex) < 0)
        return err_set(err, "policy: cannot read '%.200s'", path);
    return attest_check_subject_digest(statement, "sha512", hex, err);
}

/* The statement's predicateType before verification (to pick candidates;
 * never trusted) is want. */
static int payload_has_type(const struct sigstore_bundle *b, const char *want)
{
    json_error_t je;
    json_t *st =
        b->payload.len ? json_loadb((const char *)b->payload.ptr, b->payload.len, 0, &je) : NULL;
    const char *pt = json_string_value(json_object_get(st, "predicateType"));
    int ok = pt && strcmp(pt, want) == 0;
    json_decref(st);
    return ok;
}

/* One candidate against the root of its kind: with log entries the public
 * good's, without GitHub's instance. */
static int verify_candidate(const struct sigstore_bundle *b,
                            const struct attest_provenance_roots *r,
                            const struct attest_provenance_policy *p, struct attest_result *res,
                            struct err *err)
{
    json_t *tlog = json_object_get(json_object_get(b->json, "verificationMaterial"), "tlogEntries");
    const struct trusted_root *tr = json_array_size(tlog) ? r->public_good : r->github;
    struct attest_identity id = {NULL, ATTEST_ACTIONS_ISSUER, NULL, NULL};
    if (!tr)
        return err_set(err, "trust-root: no %s trusted root for this bundle",
                       json_array_size(tlog) ? "public-good" : "GitHub");
    if (attest_verify_bundle(b, tr, &id, res, err) < 0)
        return -1;
    if (attest_check_provenance(b, res, p, err) < 0) {
        attest_result_free(res);
        return -1;
    }
    return 0;
}

int attest_verify_provenance(const struct sigstore_bundle_list *l,
                             const struct attest_provenance_roots *roots,
                             const struct attest_provenance_policy *p, struct attest_result *res,
                             struct err *err)
{
    const char *want = p->predicate_type ? p->predicate_type : ATTEST_SLSA_PROVENANCE_V1;
    size_t n_typed = 0;
    struct err e;
    memset(res, 0, sizeof(*res));
    for (size_t i = 0; i < l->n; i++) {
        if (l->items[i].message || !payload_has_type(&l->items[i], want))
            continue;
        if (verify_candidate(&l->items[i], roots, p, res, &e) == 0) {
            res->index = i;
            return 0;
        }
        if (n_typed++ == 0)
            *err = e; /* the first failure, reported when none verifies */
    }
    if (n_typed == 0)
        return err_set(err, "policy: no attestation with predicateType '%.200s'", want);
    return -1;
}

int attest_provenance_signer(const struct sigstore_bundle *b, char *repo, size_t repo_n,
                             char *commit, size_t commit_n)
{
    const unsigned char *p = b->cert.ptr;
    X509 *leaf = b->cert.len ? d2i_X509(NULL, &p, (long)b->cert.len) : NULL;
    repo[0] = commit[0] = '\0';
    if (!leaf)
        return -1;
    if (ext_utf8(leaf, OID_SOURCE_REPO, repo, repo_n) < 0)
        repo[0] = '\0';
    if (ext_utf8(leaf, "1.3.6.1.4.1.57264.1.13", commit, commit_n) < 0)
        commit[0] = '\0';
    X509_free(leaf);
    return 0;
}
