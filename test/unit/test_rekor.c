/* test_rekor.c - Rekor v1 pieces on hand-made input: RFC 6962 inclusion in
 * trees of 1 to 13 leaves (every index; a wrong leaf, a wrong or short path),
 * the checkpoint note parser (fields, the signed text, malformed notes),
 * checkpoints signed with Ed25519 and ECDSA keys (key hints, other keys) and
 * the entry parser's refusals. */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rekor.h"
#include "tap.h"

static void leaf(int i, unsigned char out[32])
{
    unsigned char in[2] = {0x00, (unsigned char)i};
    SHA256(in, 2, out);
}

static void node(const unsigned char *l, const unsigned char *r, unsigned char out[32])
{
    unsigned char in[65];
    in[0] = 0x01;
    memcpy(in + 1, l, 32);
    memcpy(in + 33, r, 32);
    SHA256(in, 65, out);
}

/* The RFC 6962 tree hash of leaves [lo, hi). */
static void mth(int lo, int hi, unsigned char out[32])
{
    if (hi - lo == 1) {
        leaf(lo, out);
        return;
    }
    int k = 1;
    while (k * 2 < hi - lo)
        k *= 2;
    unsigned char l[32], r[32];
    mth(lo, lo + k, l);
    mth(lo + k, hi, r);
    node(l, r, out);
}

/* The audit path of leaf m in [lo, hi), appended to path (RFC 6962 2.1.1). */
static void audit(int m, int lo, int hi, unsigned char (*path)[32], size_t *n)
{
    if (hi - lo == 1)
        return;
    int k = 1;
    while (k * 2 < hi - lo)
        k *= 2;
    if (m < lo + k) {
        audit(m, lo, lo + k, path, n);
        mth(lo + k, hi, path[(*n)++]);
    } else {
        audit(m, lo + k, hi, path, n);
        mth(lo, lo + k, path[(*n)++]);
    }
}

static void test_inclusion(void)
{
    const int sizes[] = {1, 2, 3, 5, 8, 13};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        int size = sizes[s];
        unsigned char root[32], path[16][32], l[32];
        mth(0, size, root);
        for (int i = 0; i < size; i++) {
            size_t n = 0;
            audit(i, 0, size, path, &n);
            leaf(i, l);
            CHECK(rekor_verify_inclusion(l, i, size, (const unsigned char(*)[32])path, n, root) ==
                  0);
            unsigned char other[32];
            leaf(i + 1, other);
            CHECK(rekor_verify_inclusion(other, i, size, (const unsigned char(*)[32])path, n,
                                         root) < 0);
            CHECK(n == 0 || rekor_verify_inclusion(l, i, size, (const unsigned char(*)[32])path,
                                                   n - 1, root) < 0);
            if (n) {
                path[0][0] ^= 1;
                CHECK(rekor_verify_inclusion(l, i, size, (const unsigned char(*)[32])path, n,
                                             root) < 0);
            }
        }
        CHECK(rekor_verify_inclusion(l, size, size, (const unsigned char(*)[32])path, 0, root) < 0);
    }
}

#define NOTE_TEXT "rekor.example - 42\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"

static void test_checkpoint(void)
{
    struct rekor_checkpoint c;
    struct err err;
    const char *ok = NOTE_TEXT "\n\xe2\x80\x94 rekor.example AQIDBAUG\n";
    CHECK(rekor_checkpoint_parse(ok, strlen(ok), &c, &err) == 0);
    CHECK_STR(c.origin, "rekor.example - 42");
    CHECK(c.tree_size == 7);
    CHECK(c.text_len == strlen(NOTE_TEXT));
    CHECK(c.n_sigs == 1);
    CHECK_STR(c.sigs[0].name, "rekor.example");
    CHECK(memcmp(c.sigs[0].hint, "\x01\x02\x03\x04", 4) == 0 && c.sigs[0].sig_len == 2);
    const char *extra = NOTE_TEXT "Timestamp: 1\n\n\xe2\x80\x94 a AQIDBAUG\n\xe2\x80\x94 b "
                                  "AQIDBAUG\n";
    CHECK(rekor_checkpoint_parse(extra, strlen(extra), &c, &err) == 0);
    CHECK(c.n_sigs == 2 && c.text_len == strlen(NOTE_TEXT "Timestamp: 1\n"));
    const char *bad[] = {
        NOTE_TEXT,                                  /* no blank line, no signature */
        NOTE_TEXT "\n",                             /* unsigned */
        "o\n7\n\n\xe2\x80\x94 a AQIDBAUG\n",        /* two lines */
        "o\nx7\nAAAA\n\n\xe2\x80\x94 a AQIDBAUG\n", /* size not a number */
        NOTE_TEXT "\n- a AQIDBAUG\n",               /* not an em dash */
        NOTE_TEXT "\n\xe2\x80\x94 a AQID\n",        /* signature shorter than its hint */
        NOTE_TEXT "\n\xe2\x80\x94 a AQIDBAUG",      /* no final newline */
        "o\n7\nAAAA\n\n\xe2\x80\x94 a AQIDBAUG\n",  /* root hash not 32 bytes */
        NOTE_TEXT "\n\xe2\x80\x94 AQIDBAUG\n",      /* no name */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = rekor_checkpoint_parse(bad[i], strlen(bad[i]), &c, &err);
        CHECK(rc < 0 && strncmp(err.msg, "tlog: ", 6) == 0);
        if (rc == 0)
            printf("# accepted bad note %zu\n", i);
    }
}

/* NOTE_TEXT signed by key under name, with hint, as a note in out. */
static void sign_note(EVP_PKEY *key, const char *name, const unsigned char hint[4], char *out,
                      size_t n)
{
    unsigned char raw[4 + 256], b64[400];
    size_t len = sizeof(raw) - 4;
    int ed = EVP_PKEY_id(key) == EVP_PKEY_ED25519;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    memcpy(raw, hint, 4);
    if (!ctx || EVP_DigestSignInit(ctx, NULL, ed ? NULL : EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(ctx, raw + 4, &len, (const unsigned char *)NOTE_TEXT, strlen(NOTE_TEXT)) !=
            1)
        abort();
    EVP_MD_CTX_free(ctx);
    EVP_EncodeBlock(b64, raw, (int)(4 + len));
    snprintf(out, n, "%s\n\xe2\x80\x94 %s %s\n", NOTE_TEXT, name, b64);
}

static void log_of(EVP_PKEY *key, struct trusted_root_log *lg)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key, &der);
    memset(lg, 0, sizeof(*lg));
    lg->key_der = der;
    lg->key_len = n > 0 ? (size_t)n : 0;
}

static void test_checkpoint_keys(void)
{
    unsigned char root[32] = {0}, hint[4], d[32], in[64];
    char note[1024];
    struct err err;
    struct trusted_root_log ed_log, ec_log;
    size_t raw = 32;
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    CHECK(ed && ec);
    log_of(ed, &ed_log);
    log_of(ec, &ec_log);
    /* Ed25519: SHA256(name || 0x0A || 0x01 || key)[:4] */
    memcpy(in, "log2025", 7);
    in[7] = 0x0A;
    in[8] = 0x01;
    EVP_PKEY_get_raw_public_key(ed, in + 9, &raw);
    SHA256(in, 9 + raw, d);
    memcpy(hint, d, 4);
    sign_note(ed, "log2025", hint, note, sizeof(note));
    CHECK(rekor_verify_checkpoint(note, 7, root, &ed_log, &err) == 0);
    CHECK(rekor_verify_checkpoint(note, 8, root, &ed_log, &err) < 0);
    CHECK(rekor_verify_checkpoint(note, 7, root, &ec_log, &err) < 0);
    sign_note(ed, "other", hint, note, sizeof(note)); /* the hint is for another name */
    CHECK(rekor_verify_checkpoint(note, 7, root, &ed_log, &err) < 0);
    CHECK(strstr(err.msg, "not signed by the log's key") != NULL);
    /* ECDSA: SHA256(SPKI)[:4] */
    SHA256(ec_log.key_der, ec_log.key_len, d);
    sign_note(ec, "rekor.example", d, note, sizeof(note));
    CHECK(rekor_verify_checkpoint(note, 7, root, &ec_log, &err) == 0);
    CHECK(rekor_verify_checkpoint(note, 7, root, &ed_log, &err) < 0);
    root[0] = 1;
    CHECK(rekor_verify_checkpoint(note, 7, root, &ec_log, &err) < 0);
    CHECK(strstr(err.msg, "root hash") != NULL);
    d[0] ^= 1;
    root[0] = 0;
    sign_note(ec, "rekor.example", d, note, sizeof(note)); /* a wrong hint */
    CHECK(rekor_verify_checkpoint(note, 7, root, &ec_log, &err) < 0);
    OPENSSL_free(ed_log.key_der);
    OPENSSL_free(ec_log.key_der);
    EVP_PKEY_free(ed);
    EVP_PKEY_free(ec);
}

static void test_entry_parse(void)
{
    const char *bad[] = {
        "[]",
        "{\"logIndex\":\"1\",\"integratedTime\":\"x\"}",
        "{\"logIndex\":\"1\",\"integratedTime\":\"2\",\"logId\":{\"keyId\":\"AQ==\"},"
        "\"canonicalizedBody\":\"AQ==\"}",
        "{\"logIndex\":\"-1\",\"integratedTime\":\"2\",\"kindVersion\":{\"kind\":\"dsse\","
        "\"version\":\"0.0.1\"},\"logId\":{\"keyId\":\"AQ==\"},\"canonicalizedBody\":\"AQ==\"}",
        "{\"logIndex\":\"1\",\"integratedTime\":\"2\",\"kindVersion\":{\"kind\":\"dsse\","
        "\"version\":\"0.0.1\"},\"logId\":{\"keyId\":\"AQ==\"},\"canonicalizedBody\":\"AQ==\","
        "\"inclusionProof\":{\"logIndex\":\"0\",\"treeSize\":\"1\",\"rootHash\":\"AQ==\","
        "\"hashes\":[]}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *o = json_loads(bad[i], 0, NULL);
        struct rekor_entry e;
        struct err err;
        CHECK(o && rekor_entry_parse(o, &e, &err) < 0 && strncmp(err.msg, "tlog: ", 6) == 0);
        rekor_entry_free(&e);
        json_decref(o);
    }
    json_t *o = json_loads("{\"logIndex\":\"1\",\"integratedTime\":\"2\",\"kindVersion\":{"
                           "\"kind\":\"dsse\",\"version\":\"0.0.1\"},\"logId\":{\"keyId\":"
                           "\"AQ==\"},\"canonicalizedBody\":\"AQ==\"}",
                           0, NULL);
    struct rekor_entry e;
    struct err err;
    CHECK(rekor_entry_parse(o, &e, &err) == 0 && e.log_index == 1 && e.integrated_time == 2 &&
          !e.has_proof && e.set.len == 0);
    rekor_entry_free(&e);
    json_decref(o);
    /* protobuf JSON omits zeros and empty lists (sigstore-js at index 0) */
    o = json_loads("{\"integratedTime\":\"2\",\"kindVersion\":{\"kind\":\"dsse\","
                   "\"version\":\"0.0.1\"},\"logId\":{\"keyId\":\"AQ==\"},"
                   "\"canonicalizedBody\":\"AQ==\",\"inclusionProof\":{\"treeSize\":\"1\","
                   "\"rootHash\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}}",
                   0, NULL);
    CHECK(rekor_entry_parse(o, &e, &err) == 0 && e.log_index == 0 && e.has_proof &&
          e.proof_index == 0 && e.tree_size == 1 && e.n_hashes == 0);
    rekor_entry_free(&e);
    /* present, hashes must still be an array */
    json_object_set_new(json_object_get(o, "inclusionProof"), "hashes", json_string("x"));
    CHECK(rekor_entry_parse(o, &e, &err) < 0 && strstr(err.msg, "hashes") != NULL);
    rekor_entry_free(&e);
    json_decref(o);
}

int main(void)
{
    test_inclusion();
    test_checkpoint();
    test_checkpoint_keys();
    test_entry_parse();
    return TEST_DONE();
}
