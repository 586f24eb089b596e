/* sigstore_bundle.c - parsing Sigstore bundles from JSON, JSON lines or raw
 * snappy (see sigstore_bundle.h). Shape only: the bytes are verified by the
 * callers (tsa.c, certchain.c, dsse.c, attest.c). */
#include "sigstore_bundle.h"
#include "grow.h"

#include <openssl/evp.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>

static const char *const MEDIA_TYPES[] = {
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle.v0.3+json",
};
static const int MEDIA_VERSIONS[] = {1, 2, 3, 3};

int sigstore_b64_decode(const char *s, struct sigstore_bytes *out, const char *what,
                        struct err *err)
{
    size_t n = strlen(s);
    out->ptr = NULL;
    out->len = 0;
    if (n == 0 || n > SIGSTORE_BUNDLE_MAX)
        return err_set(err, "%s is empty or too long", what);
    char *std = malloc(n + 4);
    unsigned char *bin = malloc(n / 4 * 3 + 4);
    if (!std || !bin) {
        free(std);
        free(bin);
        return err_set(err, "%s: out of memory", what);
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        std[m++] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    while (m % 4)
        std[m++] = '=';
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    int len1 = 0, len2 = 0, ok = ctx != NULL;
    if (ok) {
        EVP_DecodeInit(ctx);
        ok = EVP_DecodeUpdate(ctx, bin, &len1, (unsigned char *)std, (int)m) >= 0 &&
             EVP_DecodeFinal(ctx, bin + len1, &len2) == 1;
    }
    EVP_ENCODE_CTX_free(ctx);
    free(std);
    if (!ok || len1 + len2 == 0) {
        free(bin);
        return err_set(err, "%s is not base64", what);
    }
    out->ptr = bin;
    out->len = (size_t)(len1 + len2);
    return 0;
}

static int media_version(const char *mt)
{
    for (size_t i = 0; i < sizeof(MEDIA_TYPES) / sizeof(MEDIA_TYPES[0]); i++)
        if (strcmp(mt, MEDIA_TYPES[i]) == 0)
            return MEDIA_VERSIONS[i];
    return 0;
}

/* obj[key] as a string, or NULL. */
static const char *str_at(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static int b64_field(json_t *obj, const char *key, struct sigstore_bytes *out, const char *what,
                     struct err *err)
{
    const char *s = str_at(obj, key);
    if (!s)
        return err_set(err, "%s is missing or not a string", what);
    return sigstore_b64_decode(s, out, what, err);
}

/* certificate (v0.3), x509CertificateChain (v0.1/v0.2: its first is the leaf)
 * or publicKey. */
static int parse_key_material(json_t *vm, struct sigstore_bundle *b, struct err *err)
{
    json_t *cert = json_object_get(vm, "certificate");
    json_t *chain = json_object_get(vm, "x509CertificateChain");
    json_t *pk = json_object_get(vm, "publicKey");
    if (!!cert + !!chain + !!pk != 1)
        return err_set(err, "verificationMaterial needs exactly one of certificate, "
                            "x509CertificateChain and publicKey");
    if (cert)
        return b64_field(cert, "rawBytes", &b->cert, "verificationMaterial.certificate.rawBytes",
                         err);
    if (chain) {
        json_t *certs = json_object_get(chain, "certificates");
        if (!json_is_array(certs) || json_array_size(certs) == 0)
            return err_set(err, "verificationMaterial.x509CertificateChain.certificates is "
                                "missing or empty");
        return b64_field(json_array_get(certs, 0), "rawBytes", &b->cert,
                         "verificationMaterial.x509CertificateChain.certificates[0].rawBytes", err);
    }
    const char *hint = str_at(pk, "hint");
    b->key_hint = strdup(hint ? hint : "");
    return b->key_hint ? 0 : err_set(err, "out of memory");
}

static int parse_timestamps(json_t *vm, struct sigstore_bundle *b, struct err *err)
{
    json_t *tvd = json_object_get(vm, "timestampVerificationData");
    json_t *ts = tvd ? json_object_get(tvd, "rfc3161Timestamps") : NULL;
    if (!ts)
        return 0;
    if (!json_is_array(ts) || json_array_size(ts) > SIGSTORE_BUNDLE_MAX_TIMESTAMPS)
        return err_set(err,
                       "timestampVerificationData.rfc3161Timestamps is not an array "
                       "of at most %d",
                       SIGSTORE_BUNDLE_MAX_TIMESTAMPS);
    size_t n = json_array_size(ts);
    b->tstamps = calloc(n ? n : 1, sizeof(*b->tstamps));
    if (!b->tstamps)
        return err_set(err, "out of memory");
    for (; b->n_tstamps < n; b->n_tstamps++) {
        char what[96];
        snprintf(what, sizeof(what), "rfc3161Timestamps[%zu].signedTimestamp", b->n_tstamps);
        if (b64_field(json_array_get(ts, b->n_tstamps), "signedTimestamp",
                      &b->tstamps[b->n_tstamps], what, err) < 0)
            return -1;
    }
    return 0;
}

static int parse_envelope(json_t *env, struct sigstore_bundle *b, struct err *err)
{
    const char *pt = str_at(env, "payloadType");
    json_t *sigs = json_object_get(env, "signatures");
    if (!pt)
        return err_set(err, "dsseEnvelope.payloadType is missing or not a string");
    if (!(b->payload_type = strdup(pt)))
        return err_set(err, "out of memory");
    if (b64_field(env, "payload", &b->payload, "dsseEnvelope.payload", err) < 0)
        return -1;
    if (!json_is_array(sigs) || json_array_size(sigs) == 0)
        return err_set(err, "dsseEnvelope.signatures is missing or empty");
    b->n_sigs = json_array_size(sigs);
    return b64_field(json_array_get(sigs, 0), "sig", &b->sig, "dsseEnvelope.signatures[0].sig",
                     err);
}

static int parse_message(json_t *ms, struct sigstore_bundle *b, struct err *err)
{
    json_t *md = json_object_get(ms, "messageDigest");
    const char *alg = str_at(md, "algorithm");
    if (!alg || strcmp(alg, "SHA2_256") != 0)
        return err_set(err, "messageSignature.messageDigest.algorithm is not SHA2_256");
    if (b64_field(md, "digest", &b->msg_digest, "messageSignature.messageDigest.digest", err) < 0)
        return -1;
    if (b->msg_digest.len != 32)
        return err_set(err, "messageSignature.messageDigest.digest is not 32 bytes");
    b->message = 1;
    b->n_sigs = 1;
    return b64_field(ms, "signature", &b->sig, "messageSignature.signature", err);
}

static int parse_fields(json_t *obj, struct sigstore_bundle *b, struct err *err)
{
    const char *mt = str_at(obj, "mediaType");
    if (!mt)
        return err_set(err, "mediaType is missing or not a string");
    if (!(b->version = media_version(mt)))
        return err_set(err, "unknown mediaType '%.100s'", mt);
    json_t *vm = json_object_get(obj, "verificationMaterial");
    if (!json_is_object(vm))
        return err_set(err, "verificationMaterial is missing or not an object");
    if (parse_key_material(vm, b, err) < 0 || parse_timestamps(vm, b, err) < 0)
        return -1;
    json_t *env = json_object_get(obj, "dsseEnvelope");
    json_t *ms = json_object_get(obj, "messageSignature");
    if (!env == !ms)
        return err_set(err, "exactly one of dsseEnvelope and messageSignature is required");
    if (!json_is_object(env ? env : ms))
        return err_set(err, "%s is not an object", env ? "dsseEnvelope" : "messageSignature");
    return env ? parse_envelope(env, b, err) : parse_message(ms, b, err);
}

int sigstore_bundle_parse(json_t *obj, struct sigstore_bundle *b, struct err *err)
{
    memset(b, 0, sizeof(*b));
    if (!json_is_object(obj))
        return err_set(err, "bundle: not a JSON object");
    if (parse_fields(obj, b, err) < 0) {
        sigstore_bundle_free(b);
        return err_prefix(err, "bundle");
    }
    b->json = json_incref(obj);
    return 0;
}

void sigstore_bundle_free(struct sigstore_bundle *b)
{
    free(b->cert.ptr);
    free(b->key_hint);
    for (size_t i = 0; i < b->n_tstamps; i++)
        free(b->tstamps[i].ptr);
    free(b->tstamps);
    free(b->payload_type);
    free(b->payload.ptr);
    free(b->sig.ptr);
    free(b->msg_digest.ptr);
    json_decref(b->json);
    memset(b, 0, sizeof(*b));
}

void sigstore_bundle_list_free(struct sigstore_bundle_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        sigstore_bundle_free(&l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = l->alloc = 0;
}

int sigstore_snappy_decode(const void *data, size_t len, size_t max, struct buf *out,
                           struct err *err)
{
    static const unsigned char framed[] = {0xff, 0x06, 0x00, 0x00, 's', 'N', 'a', 'P', 'p', 'Y'};
    size_t n = 0;
    buf_free(out);
    if (len >= sizeof(framed) && memcmp(data, framed, sizeof(framed)) == 0)
        return err_set(err, "snappy framed format is not supported (expected a raw block)");
    if (snappy_uncompressed_length(data, len, &n) != SNAPPY_OK)
        return err_set(err, "not a snappy block (bad length header)");
    if (n > max)
        return err_set(err, "snappy block would uncompress to %zu bytes (cap %zu)", n, max);
    char *p = n ? malloc(n + 1) : NULL;
    if (!p)
        return err_set(err, "snappy block is empty or out of memory");
    size_t got = n;
    if (snappy_validate_compressed_buffer(data, len) != SNAPPY_OK ||
        snappy_uncompress(data, len, p, &got) != SNAPPY_OK || got != n) {
        free(p);
        return err_set(err, "snappy block is corrupt or truncated");
    }
    p[n] = '\0';
    out->ptr = p;
    out->len = n;
    out->cap = n + 1;
    out->max = n + 1;
    return 0;
}

static int list_add(struct sigstore_bundle_list *l, json_t *obj, struct err *err)
{
    if (l->n >= SIGSTORE_BUNDLE_MAX_CANDIDATES)
        return err_set(err, "bundle: more than %d candidates", SIGSTORE_BUNDLE_MAX_CANDIDATES);
    if (GROW(l->items, l->n + 1, l->alloc) < 0)
        return err_set(err, "bundle: out of memory");
    if (sigstore_bundle_parse(obj, &l->items[l->n], err) < 0)
        return -1;
    l->n++;
    return 0;
}

/* 1 when s[0..n) is only spaces, tabs and carriage returns. */
static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* One JSON document, or else one per non-empty line. */
static int load_json(const char *s, size_t len, struct sigstore_bundle_list *out, struct err *err)
{
    json_error_t je;
    json_t *one = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je);
    if (one) {
        int rc = list_add(out, one, err);
        json_decref(one);
        return rc;
    }
    size_t line = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - s) : len;
        line++;
        if (!blank(s + i, end - i)) {
            json_t *obj = json_loadb(s + i, end - i, JSON_REJECT_DUPLICATES, &je);
            if (!obj)
                return err_set(err, "bundle: line %zu: %s", line, je.text);
            int rc = list_add(out, obj, err);
            json_decref(obj);
            if (rc < 0)
                return -1;
        }
        i = end + 1;
    }
    return out->n ? 0 : err_set(err, "bundle: no bundle in the input");
}

int sigstore_bundle_load(const void *data, size_t len, struct sigstore_bundle_list *out,
                         struct err *err)
{
    out->items = NULL;
    out->n = out->alloc = 0;
    if (len == 0 || len > SIGSTORE_BUNDLE_MAX)
        return err_set(err, "bundle: input is empty or larger than %u bytes", SIGSTORE_BUNDLE_MAX);
    int rc;
    if (((const char *)data)[0] == '{') {
        rc = load_json(data, len, out, err);
    } else {
        struct buf plain = BUF_INIT(0);
        rc = sigstore_snappy_decode(data, len, SIGSTORE_BUNDLE_MAX, &plain, err);
        if (rc < 0)
            err_prefix(err, "bundle");
        else if (plain.ptr[0] != '{')
            rc = err_set(err, "bundle: the snappy body is not JSON");
        else
            rc = load_json(plain.ptr, plain.len, out, err);
        buf_free(&plain);
    }
    if (rc < 0)
        sigstore_bundle_list_free(out);
    return rc;
}
