/* test_tuf.c - canonical JSON (known vectors), TUF signature thresholds over
 * the real embedded roots (GitHub's v3, Sigstore's v14: ECDSA P-256 keys
 * signing canonical JSON, an independent oracle), Ed25519 with a key made
 * here, times, lengths and hashes. argv[1] is test/data. */
#include "canonical_json.h"
#include "tuf.h"
#include "tuf_meta.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static const char *canon(const char *json)
{
    static char out[4096];
    struct buf b = BUF_INIT(0);
    struct err e = {""};
    json_t *v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    int rc = v ? canonical_json_encode(v, &b, &e) : -1;
    snprintf(out, sizeof(out), "%s", rc < 0 ? "ERROR" : buf_str(&b));
    json_decref(v);
    buf_free(&b);
    return out;
}

static void test_canonical(void)
{
    CHECK_STR(canon("{\"b\": 1, \"a\": [true, false, null], \"c\": {}}"),
              "{\"a\":[true,false,null],\"b\":1,\"c\":{}}");
    /* keys sorted by bytes: upper case first, a prefix before its extension */
    CHECK_STR(canon("{\"a\":1,\"B\":2,\"ab\":3,\"\":4}"), "{\"\":4,\"B\":2,\"a\":1,\"ab\":3}");
    /* only '"' and '\\' are escaped; control bytes and UTF-8 are written raw */
    CHECK_STR(canon("[\"q\\\"b\\\\s\\n\\t\\u00e9\\u20ac/\"]"),
              "[\"q\\\"b\\\\s\n\t\xc3\xa9\xe2\x82\xac/\"]");
    CHECK_STR(canon("{\"z\":{\"y\":[1,-2,0,{\"b\":[],\"a\":\"\"}]}}"),
              "{\"z\":{\"y\":[1,-2,0,{\"a\":\"\",\"b\":[]}]}}");
    CHECK_STR(canon("9223372036854775807"), "9223372036854775807");
    CHECK_STR(canon("[1.5]"), "ERROR");
    CHECK_STR(canon("{\"a\":1.0}"), "ERROR");
    /* too deep */
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    deep[199] = '\0';
    deep[99] = '1';
    deep[100] = ']';
    CHECK_STR(canon(deep), "ERROR");
    /* a cap on the output */
    struct buf small = BUF_INIT(4);
    struct err e = {""};
    json_t *v = json_loads("[1,2,3]", 0, NULL);
    CHECK(canonical_json_encode(v, &small, &e) < 0 && strstr(e.msg, "larger"));
    json_decref(v);
    buf_free(&small);
}

static void test_times(void)
{
    time_t t;
    CHECK(tuf_parse_time("1970-01-01T00:00:00Z", &t) == 0 && t == 0);
    CHECK(tuf_parse_time("2030-01-01T00:00:00Z", &t) == 0 && t == 1893456000);
    CHECK(tuf_parse_time("2025-04-11T14:36:57Z", &t) == 0 && t == 1744382217);
    CHECK(tuf_parse_time("2030-01-01T00:00:00", &t) < 0);
    CHECK(tuf_parse_time("2030-01-01 00:00:00Z", &t) < 0);
    CHECK(tuf_parse_time("2030-13-01T00:00:00Z", &t) < 0);
    CHECK(tuf_parse_time("2030-01-01T00:00:00.5Z", &t) < 0);
    CHECK(tuf_parse_time("+030-01-01T00:00:00Z", &t) < 0);
    CHECK(tuf_parse_time(NULL, &t) < 0);
}

static int parse_root(const char *data, size_t n, struct tuf_meta *m)
{
    struct err e = {""};
    int rc = tuf_meta_parse(data, n, "root", "root.json", m, &e);
    if (rc < 0)
        fprintf(stderr, "parse: %s\n", e.msg);
    return rc;
}

/* The embedded roots carry real threshold signatures over canonical JSON. */
static void test_real_roots(void)
{
    struct tuf_meta gh, ss;
    struct err e = {""};
    CHECK(parse_root((const char *)tuf_github_initial_root, tuf_github_initial_root_len, &gh) == 0);
    CHECK(gh.version == 3);
    CHECK(tuf_meta_verify(&gh, "root", &gh, "root.json", &e) == 0);
    CHECK(parse_root((const char *)tuf_sigstore_initial_root, tuf_sigstore_initial_root_len, &ss) ==
          0);
    CHECK(ss.version == 14);
    CHECK(tuf_meta_verify(&ss, "root", &ss, "root.json", &e) == 0);
    /* Sigstore's root keys did not sign GitHub's root */
    CHECK(tuf_meta_verify(&ss, "root", &gh, "root.json", &e) < 0 && strstr(e.msg, "only 0 of"));
    /* any change to the signed part breaks the signatures */
    json_object_set_new(gh.signed_, "expires", json_string("2099-04-11T14:36:57Z"));
    CHECK(tuf_meta_verify(&gh, "root", &gh, "root.json", &e) < 0 &&
          strstr(e.msg, "only 0 of the 3 signatures"));
    tuf_meta_free(&gh);
    tuf_meta_free(&ss);
}

/* Three good signatures, then duplicates of one: a key counts only once. */
static void test_duplicate_keyids(void)
{
    struct tuf_meta gh;
    struct err e = {""};
    CHECK(parse_root((const char *)tuf_github_initial_root, tuf_github_initial_root_len, &gh) == 0);
    json_t *sigs = json_object_get(gh.doc, "signatures"), *good = NULL;
    for (size_t i = 0; !good && i < json_array_size(sigs); i++)
        if (json_string_length(json_object_get(json_array_get(sigs, i), "sig")) > 0)
            good = json_incref(json_array_get(sigs, i));
    json_array_clear(sigs);
    for (int i = 0; i < 3; i++)
        json_array_append(sigs, good);
    CHECK(tuf_meta_verify(&gh, "root", &gh, "root.json", &e) < 0 && strstr(e.msg, "only 1 of"));
    json_decref(good);
    tuf_meta_free(&gh);
}

static void hex(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

/* Sign m's canonical "signed" part with key and set it as signature 0. */
static void sign_meta(struct tuf_meta *m, EVP_PKEY *key, const char *keyid)
{
    struct buf b = BUF_INIT(0);
    struct err e = {""};
    unsigned char sig[64];
    size_t siglen = sizeof(sig);
    char sighex[129];
    canonical_json_encode(m->signed_, &b, &e);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, NULL, NULL, NULL, key);
    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)b.ptr, b.len);
    EVP_MD_CTX_free(ctx);
    hex(sig, siglen, sighex);
    json_array_append_new(json_object_get(m->doc, "signatures"),
                          json_pack("{s:s,s:s}", "keyid", keyid, "sig", sighex));
    buf_free(&b);
}

static void test_ed25519(void)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    unsigned char pub[32];
    size_t publen = sizeof(pub);
    char pubhex[65];
    EVP_PKEY_get_raw_public_key(key, pub, &publen);
    hex(pub, publen, pubhex);
    char doc[2048];
    snprintf(doc, sizeof(doc),
             "{\"signatures\":[],\"signed\":{\"_type\":\"root\",\"spec_version\":\"1.0.31\","
             "\"version\":1,\"expires\":\"2030-01-01T00:00:00Z\",\"consistent_snapshot\":true,"
             "\"keys\":{\"k1\":{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{"
             "\"public\":\"%s\"}},\"k2\":{\"keytype\":\"ecdsa\",\"scheme\":\"ecdsa-sha2-nistp256\","
             "\"keyval\":{\"public\":\"%s\"}}},\"roles\":{\"root\":{\"keyids\":[\"k1\"],"
             "\"threshold\":1},\"timestamp\":{\"keyids\":[\"k2\"],\"threshold\":1},\"snapshot\":{"
             "\"keyids\":[\"k1\"],\"threshold\":1},\"targets\":{\"keyids\":[\"k1\",\"k2\"],"
             "\"threshold\":1}}}}",
             pubhex, pubhex);
    struct tuf_meta m;
    struct err e = {""};
    CHECK(parse_root(doc, strlen(doc), &m) == 0);
    CHECK(tuf_meta_verify(&m, "root", &m, "root.json", &e) < 0 && strstr(e.msg, "only 0 of"));
    sign_meta(&m, key, "k1");
    CHECK(tuf_meta_verify(&m, "root", &m, "root.json", &e) == 0);
    CHECK(tuf_meta_verify(&m, "targets", &m, "root.json", &e) == 0);
    /* k2 is the same key under an ECDSA keytype: not a valid P-256 key */
    json_object_set_new(json_array_get(json_object_get(m.doc, "signatures"), 0), "keyid",
                        json_string("k2"));
    CHECK(tuf_meta_verify(&m, "timestamp", &m, "root.json", &e) < 0);
    json_object_set_new(json_array_get(json_object_get(m.doc, "signatures"), 0), "keyid",
                        json_string("k1"));
    json_object_set_new(m.signed_, "version", json_integer(2));
    CHECK(tuf_meta_verify(&m, "root", &m, "root.json", &e) < 0);
    tuf_meta_free(&m);
    EVP_PKEY_free(key);
}

static void test_parse_errors(void)
{
    struct tuf_meta m;
    struct err e = {""};
    const char *ts = "{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":"
                     "\"1.0\",\"version\":3,\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{"
                     "\"snapshot.json\":{\"version\":2,\"length\":3,\"hashes\":{\"sha256\":"
                     "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"}}}}}";
    CHECK(tuf_meta_parse(ts, strlen(ts), "timestamp", "timestamp.json", &m, &e) == 0);
    CHECK(m.version == 3 && m.expires == 1893456000);
    CHECK(tuf_meta_check_expiry(&m, 1893455999, "timestamp.json", &e) == 0);
    CHECK(tuf_meta_check_expiry(&m, 1893456000, "timestamp.json", &e) < 0 &&
          strstr(e.msg, "expired at 2030-01-01T00:00:00Z"));
    struct tuf_fileinfo fi;
    CHECK(tuf_meta_fileinfo(&m, "snapshot.json", &fi, &e) == 0 && fi.version == 2);
    CHECK(tuf_fileinfo_check(&fi, "abc", 3, 1, "snapshot.json", &e) == 0);
    CHECK(tuf_fileinfo_check(&fi, "abd", 3, 1, "snapshot.json", &e) < 0 &&
          strstr(e.msg, "sha256 is"));
    CHECK(tuf_fileinfo_check(&fi, "abcd", 4, 1, "snapshot.json", &e) < 0 &&
          strstr(e.msg, "length is 4 bytes"));
    CHECK(tuf_meta_fileinfo(&m, "other.json", &fi, &e) == 1);
    tuf_meta_free(&m);
    CHECK(tuf_meta_parse(ts, strlen(ts), "snapshot", "x", &m, &e) < 0 && strstr(e.msg, "_type"));
    const char *bad[] = {
        "[]",
        "{\"signed\":{}}",
        "{\"signatures\":[{\"keyid\":1}],\"signed\":{}}",
        "{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"2.0\"}}",
        "{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\","
        "\"version\":0,\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}}}",
        "{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\","
        "\"version\":1,\"expires\":\"2030\",\"meta\":{}}}",
        "{\"signatures\":[],\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\","
        "\"version\":1,\"expires\":\"2030-01-01T00:00:00Z\"}}",
        "{\"signatures\":[],\"signatures\":[],\"signed\":{}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        e.msg[0] = '\0';
        CHECK(tuf_meta_parse(bad[i], strlen(bad[i]), "timestamp", "t.json", &m, &e) < 0 &&
              e.msg[0] && !m.doc);
    }
}

/* lib/tuf/tuf_roots_NAME.c is generated from lib/tuf/roots/NAME.root.json: in sync. */
static void test_embedded_in_sync(const char *data_dir)
{
    const char *files[] = {"github.root.json", "sigstore.root.json"};
    const unsigned char *emb[] = {tuf_github_initial_root, tuf_sigstore_initial_root};
    size_t lens[] = {tuf_github_initial_root_len, tuf_sigstore_initial_root_len};
    for (int i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/../../lib/tuf/roots/%s", data_dir, files[i]);
        FILE *f = fopen(path, "rb");
        static char text[65536];
        size_t n = f ? fread(text, 1, sizeof(text), f) : 0;
        if (f)
            fclose(f);
        CHECK(n == lens[i] && memcmp(text, emb[i], n) == 0 && emb[i][n] == 0);
    }
}

int main(int argc, char **argv)
{
    test_canonical();
    test_times();
    test_real_roots();
    test_duplicate_keyids();
    test_ed25519();
    test_parse_errors();
    test_embedded_in_sync(argc > 1 ? argv[1] : "test/data");
    return TEST_DONE();
}
