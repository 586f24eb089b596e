/* tuf_meta.c - one TUF metadata file: structure checks, threshold
 * signatures over OLPC canonical JSON (OpenSSL EVP), expiry, and file
 * lengths and hashes (see tuf_meta.h). */
#include "tuf_meta.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "canonical_json.h"
#include "text.h"

#define TUF_SIGNED_MAX (16u * 1024 * 1024)
#define TUF_SIG_MAX 512 /* bytes of one decoded signature */

static const char *const tuf_roles[] = {"root", "timestamp", "snapshot", "targets"};

void tuf_meta_free(struct tuf_meta *m)
{
    json_decref(m->doc);
    memset(m, 0, sizeof(*m));
}

void tuf_meta_move(struct tuf_meta *dst, struct tuf_meta *src)
{
    tuf_meta_free(dst);
    *dst = *src;
    memset(src, 0, sizeof(*src));
}

int tuf_parse_time(const char *s, time_t *out)
{
    int y, mo, d, h, mi, sec, used = 0;
    if (!s || strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[19] != 'Z')
        return -1;
    for (int i = 0; i < 19; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (s[i] < '0' || s[i] > '9'))
            return -1;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 ||
        used != 20)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = timegm(&tm);
    return 0;
}

/* A positive integer field of o, or -1. */
static long long tuf_posint(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 1)
        return -1;
    return json_integer_value(v);
}

static int tuf_check_role(const json_t *roles, const char *name, const char *what, struct err *err)
{
    json_t *r = json_object_get(roles, name), *keyids = json_object_get(r, "keyids");
    if (!json_is_object(r) || !json_is_array(keyids) || tuf_posint(r, "threshold") < 0)
        return err_set(err, "%s: role \"%s\" needs keyids and a positive threshold", what, name);
    for (size_t i = 0; i < json_array_size(keyids); i++)
        if (!json_is_string(json_array_get(keyids, i)))
            return err_set(err, "%s: role \"%s\": keyids must be strings", what, name);
    return 0;
}

static int tuf_check_root(const json_t *s, const char *what, struct err *err)
{
    json_t *keys = json_object_get(s, "keys"), *roles = json_object_get(s, "roles");
    json_t *cs = json_object_get(s, "consistent_snapshot");
    if (!json_is_object(keys) || !json_is_object(roles))
        return err_set(err, "%s: root needs \"keys\" and \"roles\" objects", what);
    if (cs && !json_is_boolean(cs))
        return err_set(err, "%s: \"consistent_snapshot\" must be a boolean", what);
    const char *id;
    json_t *k;
    json_object_foreach(keys, id, k)
    {
        if (!json_is_object(k) || !json_is_string(json_object_get(k, "keytype")) ||
            !json_is_string(json_object_get(k, "scheme")) ||
            !json_is_string(json_object_get(json_object_get(k, "keyval"), "public")))
            return err_set(err, "%s: key \"%.64s\" needs keytype, scheme and keyval.public", what,
                           id);
    }
    for (size_t i = 0; i < sizeof(tuf_roles) / sizeof(tuf_roles[0]); i++)
        if (tuf_check_role(roles, tuf_roles[i], what, err) < 0)
            return -1;
    return 0;
}

static int tuf_check_signatures(const json_t *sigs, const char *what, struct err *err)
{
    if (!json_is_array(sigs))
        return err_set(err, "%s: \"signatures\" must be an array", what);
    for (size_t i = 0; i < json_array_size(sigs); i++) {
        json_t *s = json_array_get(sigs, i);
        if (!json_is_string(json_object_get(s, "keyid")) ||
            !json_is_string(json_object_get(s, "sig")))
            return err_set(err, "%s: signature %zu needs keyid and sig strings", what, i);
    }
    return 0;
}

static int tuf_check_signed(struct tuf_meta *m, const char *type, const char *what, struct err *err)
{
    json_t *s = m->signed_;
    const char *t = json_string_value(json_object_get(s, "_type"));
    const char *spec = json_string_value(json_object_get(s, "spec_version"));
    if (!t || strcmp(t, type) != 0)
        return err_set(err, "%s: _type is \"%s\", expected \"%s\"", what, t ? t : "", type);
    if (!spec || strncmp(spec, "1.", 2) != 0)
        return err_set(err, "%s: unsupported spec_version \"%s\"", what, spec ? spec : "");
    m->version = tuf_posint(s, "version");
    if (m->version < 0)
        return err_set(err, "%s: \"version\" must be a positive integer", what);
    if (tuf_parse_time(json_string_value(json_object_get(s, "expires")), &m->expires) < 0)
        return err_set(err, "%s: \"expires\" must be a time like 2030-01-01T00:00:00Z", what);
    m->type = strcmp(type, "root") == 0        ? "root"
              : strcmp(type, "timestamp") == 0 ? "timestamp"
              : strcmp(type, "snapshot") == 0  ? "snapshot"
                                               : "targets";
    if (strcmp(type, "root") == 0)
        return tuf_check_root(s, what, err);
    const char *field = strcmp(type, "targets") == 0 ? "targets" : "meta";
    if (!json_is_object(json_object_get(s, field)))
        return err_set(err, "%s: \"%s\" must be an object", what, field);
    return 0;
}

int tuf_meta_parse(const void *data, size_t n, const char *type, const char *what,
                   struct tuf_meta *m, struct err *err)
{
    memset(m, 0, sizeof(*m));
    json_error_t je;
    m->doc = json_loadb(data, n, JSON_REJECT_DUPLICATES, &je);
    if (!m->doc)
        return err_set(err, "%s: invalid JSON: %s", what, je.text);
    m->signed_ = json_object_get(m->doc, "signed");
    int rc = -1;
    if (!json_is_object(m->signed_))
        err_set(err, "%s: no \"signed\" object", what);
    else if (tuf_check_signatures(json_object_get(m->doc, "signatures"), what, err) == 0)
        rc = tuf_check_signed(m, type, what, err);
    if (rc < 0)
        tuf_meta_free(m);
    return rc;
}

/* Decode lowercase or uppercase hex; returns the byte count or -1. */
static long tuf_unhex(const char *hex, unsigned char *out, size_t max)
{
    size_t n = strlen(hex);
    if (n % 2 || n / 2 > max)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        unsigned v = 0;
        for (int j = 0; j < 2; j++) {
            char c = hex[i + j];
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (d < 0)
                return -1;
            v = v * 16 + (unsigned)d;
        }
        out[i / 2] = (unsigned char)v;
    }
    return (long)(n / 2);
}

/* The public key of a TUF key object, and the digest its scheme uses. */
static EVP_PKEY *tuf_pkey(const json_t *key, const EVP_MD **md)
{
    const char *kt = json_string_value(json_object_get(key, "keytype"));
    const char *scheme = json_string_value(json_object_get(key, "scheme"));
    const char *pub = json_string_value(json_object_get(json_object_get(key, "keyval"), "public"));
    if (!kt || !scheme || !pub)
        return NULL;
    if (strcmp(kt, "ed25519") == 0 && strcmp(scheme, "ed25519") == 0) {
        unsigned char raw[32];
        if (strlen(pub) != 64 || tuf_unhex(pub, raw, sizeof(raw)) != 32)
            return NULL;
        *md = NULL;
        return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, sizeof(raw));
    }
    if ((strcmp(kt, "ecdsa") != 0 && strcmp(kt, "ecdsa-sha2-nistp256") != 0) ||
        strcmp(scheme, "ecdsa-sha2-nistp256") != 0)
        return NULL;
    BIO *bio = BIO_new_mem_buf(pub, (int)strlen(pub));
    EVP_PKEY *pk = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    char group[64] = "";
    if (pk &&
        (!EVP_PKEY_is_a(pk, "EC") || !EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL) ||
         strcmp(group, "prime256v1") != 0)) {
        EVP_PKEY_free(pk);
        return NULL;
    }
    *md = EVP_sha256();
    return pk;
}

/* 1 when sighex is key's valid signature over data, else 0. */
static int tuf_sig_ok(const json_t *key, const char *sighex, const struct buf *data)
{
    unsigned char sig[TUF_SIG_MAX];
    long siglen = tuf_unhex(sighex, sig, sizeof(sig));
    const EVP_MD *md = NULL;
    if (siglen <= 0)
        return 0;
    EVP_PKEY *pk = tuf_pkey(key, &md);
    EVP_MD_CTX *ctx = pk ? EVP_MD_CTX_new() : NULL;
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, pk) == 1 &&
             EVP_DigestVerify(ctx, sig, (size_t)siglen, (const unsigned char *)buf_str(data),
                              data->len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return ok;
}

static int tuf_in_array(const json_t *a, const char *s)
{
    for (size_t i = 0; i < json_array_size(a); i++)
        if (strcmp(json_string_value(json_array_get(a, i)), s) == 0)
            return 1;
    return 0;
}

/* Count the distinct keys of role (keyids, in root's keys) with a valid
 * signature in sigs over data. */
static long long tuf_count_valid(const json_t *root_signed, const json_t *keyids,
                                 const json_t *sigs, const struct buf *data)
{
    json_t *keys = json_object_get(root_signed, "keys"), *counted = json_array();
    long long n = 0;
    for (size_t i = 0; counted && i < json_array_size(sigs); i++) {
        json_t *s = json_array_get(sigs, i);
        const char *id = json_string_value(json_object_get(s, "keyid"));
        json_t *key = json_object_get(keys, id);
        if (!key || !tuf_in_array(keyids, id) || tuf_in_array(counted, id))
            continue;
        if (tuf_sig_ok(key, json_string_value(json_object_get(s, "sig")), data) &&
            json_array_append_new(counted, json_string(id)) == 0)
            n++;
    }
    json_decref(counted);
    return n;
}

int tuf_meta_verify(const struct tuf_meta *root, const char *role, const struct tuf_meta *m,
                    const char *what, struct err *err)
{
    json_t *r = json_object_get(json_object_get(root->signed_, "roles"), role);
    long long threshold = tuf_posint(r, "threshold");
    if (threshold < 0)
        return err_set(err, "%s: the trusted root has no role \"%s\"", what, role);
    struct buf data = BUF_INIT(TUF_SIGNED_MAX);
    if (canonical_json_encode(m->signed_, &data, err) < 0) {
        buf_free(&data);
        return err_prefix(err, "%s", what);
    }
    long long n = tuf_count_valid(root->signed_, json_object_get(r, "keyids"),
                                  json_object_get(m->doc, "signatures"), &data);
    buf_free(&data);
    if (n < threshold)
        return err_set(err,
                       "%s: only %lld of the %lld signatures required from the %s role (root "
                       "version %lld) are valid",
                       what, n, threshold, role, root->version);
    return 0;
}

int tuf_meta_check_expiry(const struct tuf_meta *m, time_t now, const char *what, struct err *err)
{
    if (m->expires > now)
        return 0;
    const char *exp = json_string_value(json_object_get(m->signed_, "expires"));
    return err_set(err, "%s version %lld expired at %s (a freeze attack, or a stale mirror)", what,
                   m->version, exp ? exp : "?");
}

int tuf_meta_fileinfo(const struct tuf_meta *m, const char *name, struct tuf_fileinfo *fi,
                      struct err *err)
{
    int is_targets = strcmp(m->type, "targets") == 0;
    json_t *o = json_object_get(json_object_get(m->signed_, is_targets ? "targets" : "meta"), name);
    memset(fi, 0, sizeof(*fi));
    fi->length = -1;
    if (!o) {
        err_set(err, "%s.json version %lld lists no \"%s\"", m->type, m->version, name);
        return 1;
    }
    json_t *len = json_object_get(o, "length"), *ver = json_object_get(o, "version");
    fi->hashes = json_object_get(o, "hashes");
    if (!json_is_object(o) || (len && (!json_is_integer(len) || json_integer_value(len) < 0)) ||
        (fi->hashes && !json_is_object(fi->hashes)) || (is_targets && (!len || !fi->hashes)) ||
        (!is_targets && tuf_posint(o, "version") < 0))
        return err_set(err, "%s.json: malformed entry for \"%s\"", m->type, name);
    fi->length = len ? json_integer_value(len) : -1;
    fi->version = ver ? json_integer_value(ver) : 0;
    const char *alg;
    json_t *h;
    json_object_foreach(fi->hashes, alg, h) if (!json_is_string(h)) return err_set(
        err, "%s.json: hash \"%s\" of \"%s\" is not a string", m->type, alg, name);
    return 0;
}

const char *tuf_fileinfo_hash(const struct tuf_fileinfo *fi)
{
    const char *h = json_string_value(json_object_get(fi->hashes, "sha256"));
    return h ? h : json_string_value(json_object_get(fi->hashes, "sha512"));
}

int tuf_fileinfo_check(const struct tuf_fileinfo *fi, const void *data, size_t n, int require_hash,
                       const char *what, struct err *err)
{
    if (fi->length >= 0 && (unsigned long long)fi->length != n)
        return err_set(err, "%s: length is %zu bytes, the signed metadata says %lld", what, n,
                       fi->length);
    static const char *const algs[] = {"sha256", "sha512"};
    int checked = 0;
    for (int i = 0; i < 2; i++) {
        const char *want = json_string_value(json_object_get(fi->hashes, algs[i]));
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        char hex[2 * EVP_MAX_MD_SIZE + 1];
        if (!want)
            continue;
        if (!EVP_Digest(data, n, md, &mdlen, i ? EVP_sha512() : EVP_sha256(), NULL))
            return err_set(err, "%s: cannot compute %s", what, algs[i]);
        text_hex(md, mdlen, hex);
        if (strcasecmp(hex, want) != 0)
            return err_set(err, "%s: %s is %s, the signed metadata says %.128s", what, algs[i], hex,
                           want);
        checked++;
    }
    if (require_hash && !checked)
        return err_set(err, "%s: the signed metadata gives no sha256 or sha512 hash", what);
    return 0;
}
