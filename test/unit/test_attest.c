/* test_attest.c - the attestation modules: bundle loading (JSON, JSON lines,
 * raw snappy, its caps and refusals), base64, the trusted root and its
 * times, DSSE's PAE, the release policy on hand-made statements, and the
 * whole verification of the two genuine GitHub bundles in test/data/attest
 * (argv[1] is test/data). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest.h"
#include "dsse.h"
#include "sigstore_bundle.h"
#include "tap.h"
#include "trusted_root.h"

static const char *data_dir;

static int slurp(const char *name, struct buf *b)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/attest/%s", data_dir, name);
    int fd = open(path, O_RDONLY);
    buf_init(b, 0);
    if (fd < 0)
        return -1;
    int rc = buf_read_fd(b, fd);
    close(fd);
    return rc;
}

static void test_b64(void)
{
    struct sigstore_bytes out;
    struct err err;
    CHECK(sigstore_b64_decode("aGVsbG8=", &out, "x", &err) == 0 && out.len == 5 &&
          memcmp(out.ptr, "hello", 5) == 0);
    free(out.ptr);
    CHECK(sigstore_b64_decode("aGVsbG8", &out, "x", &err) == 0 && out.len == 5); /* no pad */
    free(out.ptr);
    CHECK(sigstore_b64_decode("-_8", &out, "x", &err) == 0 && out.len == 2 && out.ptr[0] == 0xfb &&
          out.ptr[1] == 0xff); /* URL-safe */
    free(out.ptr);
    CHECK(sigstore_b64_decode("a*b=", &out, "field", &err) == -1 && out.ptr == NULL);
    CHECK_STR(err.msg, "field is not base64");
    CHECK(sigstore_b64_decode("", &out, "x", &err) == -1);
}

static void test_snappy(void)
{
    struct buf out = BUF_INIT(0);
    struct err err;
    /* literal block: length 5, tag (5-1)<<2, "hello" */
    const unsigned char ok[] = {5, 4 << 2, 'h', 'e', 'l', 'l', 'o'};
    CHECK(sigstore_snappy_decode(ok, sizeof(ok), 100, &out, &err) == 0);
    CHECK_STR(buf_str(&out), "hello");
    CHECK(sigstore_snappy_decode(ok, sizeof(ok), 4, &out, &err) == -1); /* over the cap */
    CHECK(strstr(err.msg, "cap 4") != NULL);
    CHECK(out.ptr == NULL);
    CHECK(sigstore_snappy_decode(ok, sizeof(ok) - 1, 100, &out, &err) == -1); /* truncated */
    CHECK(strstr(err.msg, "corrupt or truncated") != NULL);
    const unsigned char framed[] = {0xff, 6, 0, 0, 's', 'N', 'a', 'P', 'p', 'Y', 0};
    CHECK(sigstore_snappy_decode(framed, sizeof(framed), 100, &out, &err) == -1);
    CHECK(strstr(err.msg, "framed") != NULL);
    const unsigned char huge[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0};
    CHECK(sigstore_snappy_decode(huge, sizeof(huge), 1u << 20, &out, &err) == -1);
    buf_free(&out);
}

static void test_load_forms(void)
{
    struct buf b;
    struct sigstore_bundle_list l;
    struct err err;
    CHECK(slurp("cli-cli_v2.96.0_checksums_release_bundle.json.sn", &b) == 0);
    CHECK(sigstore_bundle_load(b.ptr, b.len, &l, &err) == 0 && l.n == 1);
    CHECK(l.n == 1 && l.items[0].version == 3 && l.items[0].n_tstamps == 1 &&
          l.items[0].n_sigs == 1 && l.items[0].cert.len > 0);
    CHECK_STR(l.n ? l.items[0].payload_type : "", DSSE_INTOTO_TYPE);
    sigstore_bundle_list_free(&l);
    buf_free(&b);

    const char *two = "{\"mediaType\":\"x\"}\n";
    CHECK(sigstore_bundle_load(two, strlen(two), &l, &err) == -1);
    CHECK_STR(err.msg, "bundle: unknown mediaType 'x'");
    const char *bad = "{\n{";
    CHECK(sigstore_bundle_load(bad, strlen(bad), &l, &err) == -1);
    CHECK(strncmp(err.msg, "bundle: line 1: ", 16) == 0);
    CHECK(sigstore_bundle_load("", 0, &l, &err) == -1);
    CHECK(sigstore_bundle_load("\x05\x10hello", 7, &l, &err) == -1); /* snappy, not JSON */
    CHECK_STR(err.msg, "bundle: the snappy body is not JSON");
    const char *msg = "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\","
                      "\"verificationMaterial\":{\"publicKey\":{\"hint\":\"k\"}},"
                      "\"messageSignature\":{}}";
    CHECK(sigstore_bundle_load(msg, strlen(msg), &l, &err) == -1);
    CHECK(strstr(err.msg, "messageSignature") != NULL);
}

static void test_trusted_root(void)
{
    int64_t t;
    CHECK(trusted_root_parse_time("2025-05-30T20:13:39Z", &t) == 0 && t == 1748636019);
    CHECK(trusted_root_parse_time("2022-12-31T23:59:59.999Z", &t) == 0 && t == 1672531199);
    CHECK(trusted_root_parse_time("2025-05-30T20:13:39", &t) == -1);
    CHECK(trusted_root_parse_time("2025-13-30T20:13:39Z", &t) == -1);
    CHECK(trusted_root_parse_time("2025-05-30 20:13:39Z", &t) == -1);

    struct buf b;
    struct trusted_root tr;
    struct err err;
    CHECK(slurp("github_trusted_root.json", &b) == 0);
    CHECK(trusted_root_parse(b.ptr, b.len, &tr, &err) == 0);
    CHECK(tr.n_cas == 6 && tr.n_tsas == 6 && tr.n_tlogs == 0 && tr.n_ctlogs == 0);
    CHECK(tr.n_cas == 6 && sk_X509_num(tr.cas[0].certs) == 3);
    CHECK(tr.n_cas == 6 && tr.cas[5].valid.end == TRUSTED_ROOT_OPEN_END);
    CHECK(tr.n_cas == 6 && trusted_root_window_covers(&tr.cas[3].valid, 1748636019));
    CHECK(tr.n_cas == 6 && !trusted_root_window_covers(&tr.cas[0].valid, 1748636019));
    CHECK_STR(tr.n_tsas ? tr.tsas[0].org : "", "GitHub, Inc.");
    trusted_root_free(&tr);
    buf_free(&b);

    const char *bad =
        "{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot+json;version=0.1\","
        "\"certificateAuthorities\":[{\"certChain\":{\"certificates\":[{\"rawBytes\":"
        "\"AAAA\"}]},\"validFor\":{\"start\":\"2020-01-01T00:00:00Z\"}}]}";
    CHECK(trusted_root_parse(bad, strlen(bad), &tr, &err) == -1);
    CHECK_STR(err.msg, "trust-root: certificateAuthorities[0].certChain.certificates[0] is not a "
                       "DER certificate");
    CHECK(trusted_root_parse("{}", 2, &tr, &err) == -1);
    CHECK_STR(err.msg, "trust-root: mediaType is not a Sigstore trusted root");
}

static void test_pae(void)
{
    struct buf out = BUF_INIT(0);
    /* the DSSE specification's example encoding */
    CHECK(dsse_pae("http://example.com/HelloWorld", (const unsigned char *)"hello world", 11,
                   &out) == 0);
    CHECK_STR(buf_str(&out), "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
    buf_free(&out);
}

static json_t *statement(const char *tag, const char *extra_subject)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":["
             "{\"uri\":\"pkg:github/o/r@%s\",\"digest\":{\"sha1\":\"%s\"}},"
             "{\"name\":\"a.tgz\",\"digest\":{\"sha256\":\"%s\"}}%s],"
             "\"predicateType\":\"" ATTEST_RELEASE_V02 "\","
             "\"predicate\":{\"repository\":\"O/R\",\"tag\":\"%s\"}}",
             tag, "aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11",
             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", extra_subject,
             tag);
    return json_loads(text, 0, NULL);
}

static void test_release_policy(void)
{
    const char *hex = "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef";
    struct attest_asset assets[] = {{"a.tgz", hex}, {NULL, hex}};
    struct attest_release_policy p = {
        "o", "r", "v1", "AA11AA11AA11AA11AA11AA11AA11AA11AA11AA11", NULL, assets, 2, 1};
    struct err err;
    json_t *st = statement("v1", "");
    CHECK(attest_check_release(st, &p, &err) == 0); /* repository and hex: any case */
    p.tag = "v2";
    CHECK(attest_check_release(st, &p, &err) == -1);
    CHECK_STR(err.msg, "policy: predicate.tag is 'v1', expected 'v2'");
    p.tag = "v1";
    assets[0].name = "b.tgz";
    CHECK(attest_check_release(st, &p, &err) == -1);
    CHECK_STR(err.msg, "policy: asset 'b.tgz' is not a subject of the attestation");
    assets[0].name = "a.tgz";
    json_decref(st);

    st = statement("v1", ",{\"name\":\"extra\",\"digest\":{\"sha256\":\"00\"}}");
    CHECK(attest_check_release(st, &p, &err) == -1); /* complete: extra is not an asset */
    CHECK_STR(err.msg, "policy: subject 'extra' is not an asset of the release");
    p.complete = 0;
    CHECK(attest_check_release(st, &p, &err) == 0);
    json_decref(st);

    st = statement("v1", ",{\"name\":\"a.tgz\",\"digest\":{\"sha256\":\"00\"}}");
    CHECK(attest_check_release(st, &p, &err) == -1);
    CHECK_STR(err.msg, "statement: subject 'a.tgz' appears twice");
    json_decref(st);

    st = statement("v1", ",{\"uri\":\"x\",\"digest\":{\"sha1\":\"00\"}}");
    CHECK(attest_check_release(st, &p, &err) == -1);
    CHECK_STR(err.msg, "statement: 2 subjects carry a commit sha1, expected 1");
    json_decref(st);
}

static void test_genuine(void)
{
    struct buf b, r;
    struct sigstore_bundle_list l;
    struct trusted_root tr;
    struct attest_result res;
    struct err err;
    CHECK(slurp("cli-cli_github_release_bundle.json", &b) == 0);
    CHECK(slurp("github_trusted_root.json", &r) == 0);
    CHECK(sigstore_bundle_load(b.ptr, b.len, &l, &err) == 0);
    CHECK(trusted_root_parse(r.ptr, r.len, &tr, &err) == 0);
    struct attest_asset a = {"artifact.zip",
                             "e15b593c6ab8d7725a3cc82226ef816cac6bf9c70eed383bd459295cc65f5ec3"};
    struct attest_release_policy p = {"bdehamer", "delme", "v6", NULL, NULL, &a, 1, 1};
    CHECK(attest_verify_release(&l, &tr, &p, &res, &err) == 0);
    CHECK_STR(res.san, "https://dotcom.releases.github.com");
    CHECK(res.time == 1748636019);
    attest_result_free(&res);

    /* one byte of the signature changed: the timestamp no longer covers it */
    l.items[0].sig.ptr[10] ^= 1;
    CHECK(attest_verify_release(&l, &tr, &p, &res, &err) == -1);
    CHECK(strncmp(err.msg, "timestamp: message imprint", 26) == 0);
    l.items[0].sig.ptr[10] ^= 1;

    /* without the 2024-10 generation of the CAs, no CA covers May 2025 */
    tr.n_cas = 2;
    CHECK(attest_verify_release(&l, &tr, &p, &res, &err) == -1);
    CHECK(strncmp(err.msg, "certificate: no certificate authority", 37) == 0);
    tr.n_cas = 6;
    sigstore_bundle_list_free(&l);
    trusted_root_free(&tr);
    buf_free(&b);
    buf_free(&r);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s test-data-dir\n", argv[0]);
        return 2;
    }
    data_dir = argv[1];
    test_b64();
    test_snappy();
    test_load_forms();
    test_trusted_root();
    test_pae();
    test_release_policy();
    test_genuine();
    return TEST_DONE();
}
