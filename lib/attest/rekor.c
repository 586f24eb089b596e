/* rekor.c - Rekor v1 transparency-log entries (see rekor.h): parsing the
 * entry and its checkpoint note, RFC 6962 inclusion, the SET's canonical
 * JSON, and the body's binding to the bundle. */
#include "rekor.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

#define EM_DASH "\xe2\x80\x94 "

void rekor_entry_free(struct rekor_entry *e)
{
    free(e->log_id.ptr);
    free(e->body.ptr);
    free(e->set.ptr);
    free(e->root_hash.ptr);
    memset(e, 0, sizeof(*e));
}

/* A decimal int64 given as a JSON string (protobuf JSON) or integer; an
 * absent key is 0, the default that protobuf JSON omits (sigstore-js writes
 * no "logIndex" for an entry or inclusion proof at index 0). */
static int int_field(json_t *obj, const char *key, int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        *out = 0;
        return 0;
    }
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return *out >= 0 ? 0 : -1;
    }
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
        return -1;
    *out = strtoll(s, NULL, 10);
    return 0;
}

static int b64_at(json_t *obj, const char *key, struct sigstore_bytes *out, struct err *err)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s)
        return err_set(err, "tlog: %s is missing", key);
    if (sigstore_b64_decode(s, out, key, err) < 0)
        return err_prefix(err, "tlog");
    return 0;
}

static int parse_proof(json_t *p, struct rekor_entry *e, struct err *err)
{
    json_t *hashes = json_object_get(p, "hashes");
    size_t i;
    json_t *h;
    e->has_proof = 1;
    if (int_field(p, "logIndex", &e->proof_index) < 0 ||
        int_field(p, "treeSize", &e->tree_size) < 0)
        return err_set(err, "tlog: inclusionProof.logIndex or treeSize is not a number");
    if (b64_at(p, "rootHash", &e->root_hash, err) < 0)
        return -1;
    if (e->root_hash.len != 32)
        return err_set(err, "tlog: inclusionProof.rootHash is not 32 bytes");
    /* protobuf JSON omits an empty repeated field */
    if (hashes && (!json_is_array(hashes) || json_array_size(hashes) > REKOR_MAX_PROOF_HASHES))
        return err_set(err, "tlog: inclusionProof.hashes is not an array of at most %d",
                       REKOR_MAX_PROOF_HASHES);
    json_array_foreach(hashes, i, h)
    {
        struct sigstore_bytes d;
        if (!json_is_string(h) || sigstore_b64_decode(json_string_value(h), &d, "hash", err) < 0)
            return err_set(err, "tlog: inclusionProof.hashes[%zu] is not base64", i);
        int ok = d.len == 32;
        if (ok)
            memcpy(e->hashes[i], d.ptr, 32);
        free(d.ptr);
        if (!ok)
            return err_set(err, "tlog: inclusionProof.hashes[%zu] is not 32 bytes", i);
    }
    e->n_hashes = hashes ? json_array_size(hashes) : 0;
    e->checkpoint =
        json_string_value(json_object_get(json_object_get(p, "checkpoint"), "envelope"));
    return 0;
}

int rekor_entry_parse(json_t *obj, struct rekor_entry *e, struct err *err)
{
    memset(e, 0, sizeof(*e));
    json_t *kv = json_object_get(obj, "kindVersion");
    json_t *promise = json_object_get(obj, "inclusionPromise");
    json_t *proof = json_object_get(obj, "inclusionProof");
    if (!json_is_object(obj))
        return err_set(err, "tlog: an entry is not an object");
    /* Rekor v2 entries carry no integratedTime (protobuf JSON omits 0). */
    if (int_field(obj, "logIndex", &e->log_index) < 0 ||
        int_field(obj, "integratedTime", &e->integrated_time) < 0)
        return err_set(err, "tlog: logIndex or integratedTime is not a number");
    e->kind = json_string_value(json_object_get(kv, "kind"));
    e->version = json_string_value(json_object_get(kv, "version"));
    if (!e->kind || !e->version)
        return err_set(err, "tlog: kindVersion is missing");
    if (b64_at(json_object_get(obj, "logId"), "keyId", &e->log_id, err) < 0 ||
        b64_at(obj, "canonicalizedBody", &e->body, err) < 0)
        return -1;
    if (promise && b64_at(promise, "signedEntryTimestamp", &e->set, err) < 0)
        return -1;
    return proof ? parse_proof(proof, e, err) : 0;
}

/* The signature line "— NAME BASE64\n" at p (end at lim). */
static int parse_note_sig(const char *p, const char *lim, struct rekor_checkpoint *c,
                          struct err *err)
{
    const char *sp = memchr(p, ' ', (size_t)(lim - p));
    struct sigstore_bytes raw;
    char b64[1024];
    if (c->n_sigs == REKOR_MAX_NOTE_SIGS)
        return err_set(err, "tlog: the checkpoint has more than %d signatures",
                       REKOR_MAX_NOTE_SIGS);
    if (!sp || sp == p || (size_t)(sp - p) >= sizeof(c->sigs[0].name) ||
        (size_t)(lim - sp - 1) >= sizeof(b64) || lim == sp + 1)
        return err_set(err, "tlog: a checkpoint signature line is malformed");
    memcpy(c->sigs[c->n_sigs].name, p, (size_t)(sp - p));
    c->sigs[c->n_sigs].name[sp - p] = '\0';
    memcpy(b64, sp + 1, (size_t)(lim - sp - 1));
    b64[lim - sp - 1] = '\0';
    if (sigstore_b64_decode(b64, &raw, "checkpoint signature", err) < 0)
        return err_prefix(err, "tlog");
    int ok = raw.len > 4 && raw.len - 4 <= sizeof(c->sigs[0].sig);
    if (ok) {
        memcpy(c->sigs[c->n_sigs].hint, raw.ptr, 4);
        memcpy(c->sigs[c->n_sigs].sig, raw.ptr + 4, raw.len - 4);
        c->sigs[c->n_sigs++].sig_len = raw.len - 4;
    }
    free(raw.ptr);
    return ok ? 0 : err_set(err, "tlog: a checkpoint signature is too short or too long");
}

/* Line i of the text (origin, size, root hash). */
static int parse_note_line(int i, const char *p, size_t n, struct rekor_checkpoint *c,
                           struct err *err)
{
    char tmp[256];
    if (n == 0 || n >= sizeof(tmp))
        return err_set(err, "tlog: checkpoint line %d is empty or too long", i + 1);
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    if (i == 0) {
        memcpy(c->origin, tmp, n + 1);
        return 0;
    }
    if (i == 1) {
        if (strspn(tmp, "0123456789") != n || n > 18)
            return err_set(err, "tlog: the checkpoint's tree size is not a number");
        c->tree_size = strtoll(tmp, NULL, 10);
        return 0;
    }
    struct sigstore_bytes h;
    if (sigstore_b64_decode(tmp, &h, "checkpoint root hash", err) < 0)
        return err_prefix(err, "tlog");
    int ok = h.len == 32;
    if (ok)
        memcpy(c->root_hash, h.ptr, 32);
    free(h.ptr);
    return ok ? 0 : err_set(err, "tlog: the checkpoint's root hash is not 32 bytes");
}

int rekor_checkpoint_parse(const char *note, size_t n, struct rekor_checkpoint *c, struct err *err)
{
    const char *end = note + n, *p = note;
    memset(c, 0, sizeof(*c));
    if (memchr(note, '\0', n))
        return err_set(err, "tlog: the checkpoint holds a NUL byte");
    for (int i = 0; p < end && *p != '\n'; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return err_set(err, "tlog: the checkpoint has no blank line");
        if (i < 3 && parse_note_line(i, p, (size_t)(nl - p), c, err) < 0)
            return -1;
        p = nl + 1;
        if (i == 2)
            c->text_len = (size_t)(p - note); /* at least three lines */
    }
    if (p >= end || c->text_len == 0)
        return err_set(err, "tlog: the checkpoint has fewer than three lines or no blank line");
    c->text_len = (size_t)(p - note);
    for (p++; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || (size_t)(end - p) < 4 || memcmp(p, EM_DASH, 4) != 0)
            return err_set(err, "tlog: a checkpoint signature line is malformed");
        if (parse_note_sig(p + 4, nl, c, err) < 0)
            return -1;
        p = nl + 1;
    }
    return c->n_sigs ? 0 : err_set(err, "tlog: the checkpoint is not signed");
}

static void node_hash(const unsigned char *l, const unsigned char *r, unsigned char out[32])
{
    unsigned char in[65];
    in[0] = 0x01;
    memcpy(in + 1, l, 32);
    memcpy(in + 33, r, 32);
    SHA256(in, sizeof(in), out);
}

int rekor_verify_inclusion(const unsigned char leaf[32], int64_t index, int64_t size,
                           const unsigned char (*path)[32], size_t n, const unsigned char root[32])
{
    if (index < 0 || index >= size)
        return -1;
    uint64_t fn = (uint64_t)index, sn = (uint64_t)size - 1;
    unsigned char r[32];
    memcpy(r, leaf, 32);
    for (size_t i = 0; i < n; i++) {
        if (sn == 0)
            return -1;
        if ((fn & 1) || fn == sn) {
            node_hash(path[i], r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            node_hash(r, path[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(r, root, 32) == 0 ? 0 : -1;
}

/* sig over msg by key: Ed25519 (pure), or ECDSA/RSA with SHA-256. 0 or -1. */
static int verify_sig(EVP_PKEY *key, const void *msg, size_t n, const unsigned char *sig,
                      size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ed = EVP_PKEY_id(key) == EVP_PKEY_ED25519;
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, ed ? NULL : EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestVerify(ctx, sig, len, msg, n) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok ? 0 : -1;
}

static const struct trusted_root_log *find_log(const struct trusted_root *tr,
                                               const struct sigstore_bytes *id)
{
    for (size_t i = 0; i < tr->n_tlogs; i++)
        if (tr->tlogs[i].log_id_len == id->len &&
            memcmp(tr->tlogs[i].log_id, id->ptr, id->len) == 0)
            return &tr->tlogs[i];
    return NULL;
}

/* The SET: the log key's signature over the canonical JSON
 * {"body":B64,"integratedTime":N,"logID":HEX,"logIndex":N}. */
static int verify_set(const struct rekor_entry *e, EVP_PKEY *key, struct err *err)
{
    struct buf m = BUF_INIT(SIGSTORE_BUNDLE_MAX * 2);
    size_t b64n = 4 * ((e->body.len + 2) / 3) + 1;
    char *b64 = malloc(b64n);
    int rc = -1;
    if (!b64 || EVP_EncodeBlock((unsigned char *)b64, e->body.ptr, (int)e->body.len) < 0)
        goto out;
    if (buf_addf(&m, "{\"body\":\"%s\",\"integratedTime\":%lld,\"logID\":\"", b64,
                 (long long)e->integrated_time) < 0)
        goto out;
    for (size_t i = 0; i < e->log_id.len; i++) {
        char hex[3];
        text_hex(&e->log_id.ptr[i], 1, hex);
        if (buf_add(&m, hex, 2) < 0)
            goto out;
    }
    if (buf_addf(&m, "\",\"logIndex\":%lld}", (long long)e->log_index) < 0)
        goto out;
    rc = verify_sig(key, m.ptr, m.len, e->set.ptr, e->set.len);
out:
    free(b64);
    buf_free(&m);
    return rc < 0 ? err_set(err, "tlog: the signed entry timestamp does not verify") : 0;
}

/* The key's note hint: ECDSA SHA256(SPKI)[:4]; Ed25519
 * SHA256(name || 0x0A || 0x01 || key)[:4]. */
static void key_hint(const struct trusted_root_log *lg, EVP_PKEY *key, const char *name,
                     unsigned char out[4])
{
    unsigned char d[32], in[300];
    size_t raw = 32, nl = strlen(name);
    if (EVP_PKEY_id(key) == EVP_PKEY_ED25519 && nl < sizeof(in) - 34) {
        memcpy(in, name, nl);
        in[nl] = 0x0A;
        in[nl + 1] = 0x01;
        EVP_PKEY_get_raw_public_key(key, in + nl + 2, &raw);
        SHA256(in, nl + 2 + raw, d);
    } else {
        SHA256(lg->key_der, lg->key_len, d);
    }
    memcpy(out, d, 4);
}

/* Some signature of the note has the key's hint and verifies. */
static int note_signed_by(const char *note, const struct rekor_checkpoint *c,
                          const struct trusted_root_log *lg, EVP_PKEY *key)
{
    for (size_t i = 0; i < c->n_sigs; i++) {
        unsigned char hint[4];
        key_hint(lg, key, c->sigs[i].name, hint);
        if (memcmp(hint, c->sigs[i].hint, 4) == 0 &&
            verify_sig(key, note, c->text_len, c->sigs[i].sig, c->sigs[i].sig_len) == 0)
            return 1;
    }
    return 0;
}

int rekor_verify_checkpoint(const char *note, int64_t tree_size, const unsigned char root[32],
                            const struct trusted_root_log *lg, struct err *err)
{
    struct rekor_checkpoint c;
    const unsigned char *p = lg->key_der;
    if (rekor_checkpoint_parse(note, strlen(note), &c, err) < 0)
        return -1;
    if (c.tree_size != tree_size || memcmp(c.root_hash, root, 32) != 0)
        return err_set(err, "tlog: the checkpoint's tree size or root hash is not the proof's");
    EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)lg->key_len);
    int ok = key && note_signed_by(note, &c, lg, key);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return ok ? 0 : err_set(err, "tlog: the checkpoint is not signed by the log's key");
}

static int verify_proof(const struct rekor_entry *e, const struct trusted_root_log *lg,
                        struct err *err)
{
    unsigned char leaf[32];
    unsigned char *in = malloc(e->body.len + 1);
    if (!in)
        return err_set(err, "tlog: out of memory");
    in[0] = 0x00;
    memcpy(in + 1, e->body.ptr, e->body.len);
    SHA256(in, e->body.len + 1, leaf);
    free(in);
    if (rekor_verify_inclusion(leaf, e->proof_index, e->tree_size,
                               (const unsigned char(*)[32])e->hashes, e->n_hashes,
                               e->root_hash.ptr) < 0)
        return err_set(err, "tlog: the inclusion proof does not lead to its root hash");
    if (!e->checkpoint)
        return err_set(err, "tlog: the inclusion proof has no checkpoint");
    return rekor_verify_checkpoint(e->checkpoint, e->tree_size, e->root_hash.ptr, lg, err);
}

/* The body's verifier (base64 of a PEM certificate or public key) names the
 * bundle's certificate, or the pinned key. */
static int verifier_matches(const char *b64, const struct sigstore_bundle *b, EVP_PKEY *key)
{
    struct sigstore_bytes pem;
    struct err e;
    int ok = 0;
    if (!b64 || sigstore_b64_decode(b64, &pem, "verifier", &e) < 0)
        return 0;
    BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    if (x && b->cert.len) {
        unsigned char *der = NULL;
        int n = i2d_X509(x, &der);
        ok = n > 0 && (size_t)n == b->cert.len && memcmp(der, b->cert.ptr, b->cert.len) == 0;
        OPENSSL_free(der);
    } else if (!x && bio && key && !b->cert.len && BIO_reset(bio) == 1) {
        EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        ok = k && EVP_PKEY_eq(k, key) == 1;
        EVP_PKEY_free(k);
    }
    X509_free(x);
    BIO_free(bio);
    free(pem.ptr);
    ERR_clear_error();
    return ok;
}

/* A base64 string whose bytes equal want. */
static int b64_equals(const char *s, const struct sigstore_bytes *want)
{
    struct sigstore_bytes d;
    struct err e;
    if (!s || sigstore_b64_decode(s, &d, "value", &e) < 0)
        return 0;
    int ok = d.len == want->len && memcmp(d.ptr, want->ptr, d.len) == 0;
    free(d.ptr);
    return ok;
}

/* {"algorithm":"sha256","value":HEX} equal to SHA-256 of data (or, with
 * digest non-NULL, to that digest). */
static int hash_equals(json_t *h, const struct sigstore_bytes *data, const unsigned char *digest)
{
    unsigned char d[32];
    char hex[65];
    const char *alg = json_string_value(json_object_get(h, "algorithm"));
    const char *v = json_string_value(json_object_get(h, "value"));
    if (!digest)
        SHA256(data->ptr, data->len, d);
    text_hex(digest ? digest : d, 32, hex);
    return alg && v && strcmp(alg, "sha256") == 0 && strcmp(v, hex) == 0;
}

static int bind_dsse(json_t *spec, const struct sigstore_bundle *b, EVP_PKEY *key)
{
    json_t *sigs = json_object_get(spec, "signatures");
    json_t *s0 = json_array_get(sigs, 0);
    return b->payload_type && json_array_size(sigs) == 1 && b->n_sigs == 1 &&
           hash_equals(json_object_get(spec, "payloadHash"), &b->payload, NULL) &&
           b64_equals(json_string_value(json_object_get(s0, "signature")), &b->sig) &&
           verifier_matches(json_string_value(json_object_get(s0, "verifier")), b, key);
}

/* intoto 0.0.2: the signature is base64 of the base64 text of the bytes. */
static int bind_intoto(json_t *spec, const struct sigstore_bundle *b, EVP_PKEY *key)
{
    json_t *content = json_object_get(spec, "content");
    json_t *env = json_object_get(content, "envelope");
    json_t *sigs = json_object_get(env, "signatures");
    json_t *s0 = json_array_get(sigs, 0);
    const char *pt = json_string_value(json_object_get(env, "payloadType"));
    struct sigstore_bytes once = {NULL, 0};
    struct err e;
    const char *sig = json_string_value(json_object_get(s0, "sig"));
    if (!b->payload_type || !pt || strcmp(pt, b->payload_type) != 0 || json_array_size(sigs) != 1 ||
        b->n_sigs != 1 || !sig ||
        !hash_equals(json_object_get(content, "payloadHash"), &b->payload, NULL) ||
        sigstore_b64_decode(sig, &once, "sig", &e) < 0)
        return 0;
    char *text = malloc(once.len + 1);
    int ok = text != NULL;
    if (ok) {
        memcpy(text, once.ptr, once.len);
        text[once.len] = '\0';
        ok = strlen(text) == once.len && b64_equals(text, &b->sig) &&
             verifier_matches(json_string_value(json_object_get(s0, "publicKey")), b, key);
    }
    free(text);
    free(once.ptr);
    return ok;
}

static int bind_hashedrekord(json_t *spec, const struct sigstore_bundle *b, EVP_PKEY *key)
{
    json_t *sig = json_object_get(spec, "signature");
    json_t *hash = json_object_get(json_object_get(spec, "data"), "hash");
    return b->message && b->msg_digest.len == 32 && hash_equals(hash, NULL, b->msg_digest.ptr) &&
           b64_equals(json_string_value(json_object_get(sig, "content")), &b->sig) &&
           verifier_matches(
               json_string_value(json_object_get(json_object_get(sig, "publicKey"), "content")), b,
               key);
}

/* Rekor v2: {"x509Certificate":{"rawBytes"}} (DER) is the bundle's
 * certificate, or {"publicKey":{"rawBytes"}} (SPKI DER) the pinned key. */
static int verifier_v2_matches(json_t *v, const struct sigstore_bundle *b, EVP_PKEY *key)
{
    const char *cert =
        json_string_value(json_object_get(json_object_get(v, "x509Certificate"), "rawBytes"));
    const char *pk =
        json_string_value(json_object_get(json_object_get(v, "publicKey"), "rawBytes"));
    if (cert)
        return b->cert.len && b64_equals(cert, &b->cert);
    if (!pk || !key || b->cert.len)
        return 0;
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key, &der);
    struct sigstore_bytes want = {der, n > 0 ? (size_t)n : 0};
    int ok = n > 0 && b64_equals(pk, &want);
    OPENSSL_free(der);
    return ok;
}

/* {"algorithm":"SHA2_256","digest":B64} equal to digest[32]. */
static int hash_v2_equals(json_t *h, const unsigned char digest[32])
{
    const char *alg = json_string_value(json_object_get(h, "algorithm"));
    struct sigstore_bytes want = {(unsigned char *)digest, 32};
    return alg && strcmp(alg, "SHA2_256") == 0 &&
           b64_equals(json_string_value(json_object_get(h, "digest")), &want);
}

static int bind_hashedrekord_v2(json_t *spec, const struct sigstore_bundle *b, EVP_PKEY *key)
{
    json_t *v = json_object_get(spec, "hashedRekordV002");
    json_t *sig = json_object_get(v, "signature");
    return b->message && b->msg_digest.len == 32 &&
           hash_v2_equals(json_object_get(v, "data"), b->msg_digest.ptr) &&
           b64_equals(json_string_value(json_object_get(sig, "content")), &b->sig) &&
           verifier_v2_matches(json_object_get(sig, "verifier"), b, key);
}

static int bind_dsse_v2(json_t *spec, const struct sigstore_bundle *b, EVP_PKEY *key)
{
    json_t *v = json_object_get(spec, "dsseV002");
    json_t *sigs = json_object_get(v, "signatures");
    json_t *s0 = json_array_get(sigs, 0);
    unsigned char d[32];
    if (!b->payload_type || json_array_size(sigs) != 1 || b->n_sigs != 1)
        return 0;
    SHA256(b->payload.ptr, b->payload.len, d);
    return hash_v2_equals(json_object_get(v, "payloadHash"), d) &&
           b64_equals(json_string_value(json_object_get(s0, "content")), &b->sig) &&
           verifier_v2_matches(json_object_get(s0, "verifier"), b, key);
}

/* The body is the entry's kind and version, and binds the bundle. */
static int verify_body(const struct rekor_entry *e, const struct sigstore_bundle *b, EVP_PKEY *key,
                       struct err *err)
{
    json_error_t je;
    json_t *body = json_loadb((const char *)e->body.ptr, e->body.len, JSON_REJECT_DUPLICATES, &je);
    const char *kind = json_string_value(json_object_get(body, "kind"));
    const char *ver = json_string_value(json_object_get(body, "apiVersion"));
    json_t *spec = json_object_get(body, "spec");
    int ok = -1;
    if (!kind || !ver || strcmp(kind, e->kind) != 0 || strcmp(ver, e->version) != 0)
        err_set(err, "tlog: the entry body's kind or apiVersion is not its kindVersion");
    else if (strcmp(kind, "dsse") == 0 && strcmp(ver, "0.0.1") == 0)
        ok = bind_dsse(spec, b, key) ? 0 : -2;
    else if (strcmp(kind, "intoto") == 0 && strcmp(ver, "0.0.2") == 0)
        ok = bind_intoto(spec, b, key) ? 0 : -2;
    else if (strcmp(kind, "hashedrekord") == 0 && strcmp(ver, "0.0.1") == 0)
        ok = bind_hashedrekord(spec, b, key) ? 0 : -2;
    else if (strcmp(kind, "hashedrekord") == 0 && strcmp(ver, "0.0.2") == 0)
        ok = bind_hashedrekord_v2(spec, b, key) ? 0 : -2;
    else if (strcmp(kind, "dsse") == 0 && strcmp(ver, "0.0.2") == 0)
        ok = bind_dsse_v2(spec, b, key) ? 0 : -2;
    else
        err_set(err, "tlog: entry kind '%.40s' version '%.40s' is not supported", kind, ver);
    if (ok == -2)
        err_set(err,
                "tlog: the %s entry does not bind this bundle's signature, certificate "
                "and payload",
                kind);
    json_decref(body);
    return ok < 0 ? -1 : 0;
}

static int verify_entry(const struct rekor_entry *e, const struct sigstore_bundle *b,
                        const struct trusted_root *tr, EVP_PKEY *pinned, int64_t *time,
                        struct err *err)
{
    const struct trusted_root_log *lg = find_log(tr, &e->log_id);
    const unsigned char *p = lg ? lg->key_der : NULL;
    EVP_PKEY *key = lg ? d2i_PUBKEY(NULL, &p, (long)lg->key_len) : NULL;
    int rc = -1;
    *time = -1;
    if (!lg)
        err_set(err, "tlog: the entry's log id is not a transparency log of the trusted root");
    else if (!key)
        err_set(err, "tlog: the log's public key is unreadable");
    else if (b->version == 1 && !e->set.len)
        err_set(err, "tlog: a v0.1 bundle's entry needs a signed entry timestamp");
    else if (b->version >= 2 && !e->has_proof)
        err_set(err, "tlog: the entry has no inclusion proof");
    else if (e->set.len && verify_set(e, key, err) < 0) {
    } else if (e->has_proof && verify_proof(e, lg, err) < 0) {
    } else if (verify_body(e, b, pinned, err) == 0) {
        rc = 0;
        if (e->set.len && trusted_root_window_covers(&lg->valid, e->integrated_time))
            *time = e->integrated_time;
    }
    EVP_PKEY_free(key);
    ERR_clear_error();
    return rc;
}

int rekor_verify_bundle(const struct sigstore_bundle *b, const struct trusted_root *tr,
                        EVP_PKEY *key, int64_t *times, size_t *n, size_t max, struct err *err)
{
    json_t *entries =
        json_object_get(json_object_get(b->json, "verificationMaterial"), "tlogEntries");
    size_t i;
    json_t *o;
    if (!json_is_array(entries) || json_array_size(entries) == 0)
        return err_set(err, "tlog: the bundle has no transparency log entry");
    if (json_array_size(entries) > REKOR_MAX_ENTRIES)
        return err_set(err, "tlog: more than %d entries", REKOR_MAX_ENTRIES);
    json_array_foreach(entries, i, o)
    {
        struct rekor_entry e;
        int64_t t = -1;
        int rc = rekor_entry_parse(o, &e, err);
        if (rc == 0)
            rc = verify_entry(&e, b, tr, key, &t, err);
        rekor_entry_free(&e);
        if (rc < 0)
            return -1;
        if (t >= 0 && *n < max)
            times[(*n)++] = t;
    }
    return 0;
}
