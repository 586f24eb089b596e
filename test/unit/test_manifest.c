/* test_manifest.c - the in -> out contract (lib/command/manifest.c): the reserved
 * names, the key-template placeholders and their expansion, and the
 * Concourse version JSON; release.json written by in and read back by out,
 * SHA256SUMS lines, the bucket's release.json and latest.json. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "github.h"
#include "manifest.h"
#include "tap.h"

static int reserved(const char *name)
{
    for (size_t i = 0; manifest_reserved_names[i]; i++)
        if (strcmp(manifest_reserved_names[i], name) == 0)
            return 1;
    return 0;
}

static void test_names(void)
{
    CHECK(reserved(MANIFEST_NAME) && reserved(MANIFEST_SUMS) && reserved(MANIFEST_ATTEST_DIR));
    CHECK(reserved("tag") && reserved("commit_sha") && reserved("timestamp"));
    CHECK(!reserved("app.tar.gz") && !reserved(MANIFEST_LATEST));
}

static void test_placeholders(void)
{
    CHECK(manifest_placeholder_at("{owner}/x") == MANIFEST_PH_OWNER);
    CHECK(manifest_placeholder_at("{asset}") == MANIFEST_PH_ASSET);
    CHECK(manifest_placeholder_at("{asset") == -1);
    CHECK(manifest_placeholder_at("{assets}") == -1);
    CHECK(manifest_placeholder_at("owner}") == -1);
}

static void test_keys(void)
{
    struct buf b = BUF_INIT(0);
    CHECK(manifest_asset_key("p/", MANIFEST_KEY_TEMPLATE_DEFAULT, "o", "r", "v1", "1.0", "a.zip",
                             &b) == 0);
    CHECK_STR(buf_str(&b), "p/o/r/v1/a.zip");
    buf_free(&b);
    CHECK(manifest_asset_key(NULL, "{version}/{x}{asset}{", "o", "r", "t", "2", "b", &b) == 0);
    CHECK_STR(buf_str(&b), "2/{x}b{");
    buf_free(&b);
    CHECK(manifest_repo_prefix("m/", "o", "r", &b) == 0);
    CHECK_STR(buf_str(&b), "m/o/r/");
    buf_free(&b);
    CHECK(manifest_release_prefix(NULL, "o", "r", "t", &b) == 0);
    CHECK_STR(buf_str(&b), "o/r/t/");
    buf_free(&b);
}

static void test_version(void)
{
    struct github_release rel = {0};
    rel.id = 42;
    rel.tag = "v1";
    rel.published_at = "2024-01-02T03:04:05Z";
    rel.created_at = "2024-01-01T00:00:00Z";
    json_t *v = manifest_version_json(&rel);
    CHECK_STR(json_string_value(json_object_get(v, "tag")), "v1");
    CHECK_STR(json_string_value(json_object_get(v, "id")), "42");
    CHECK(json_string_value(json_object_get(v, "timestamp")) != NULL);
    json_decref(v);
    rel.tag = NULL; /* a draft without a tag: id and timestamp only */
    v = manifest_version_json(&rel);
    CHECK(json_object_get(v, "tag") == NULL && json_object_size(v) == 2);
    json_decref(v);
}

static void test_parse(void)
{
    struct release_manifest m;
    struct manifest_file f;
    struct err err = {""};
    json_t *doc = json_loads("{\"owner\":\"o\",\"repository\":\"r\",\"tag\":\"t\",\"id\":\"1\","
                             "\"timestamp\":\"ts\",\"version\":\"1.0\",\"files\":[]}",
                             0, NULL);
    CHECK(manifest_parse(doc, &m, &err) == 0);
    CHECK_STR(m.repository, "r");
    CHECK_STR(m.version, "1.0");
    CHECK(json_is_array(m.files));
    json_object_del(doc, "id");
    CHECK(manifest_parse(doc, &m, &err) < 0);
    CHECK(strstr(err.msg, "release.json: field \"id\"") != NULL);
    json_decref(doc);

    json_t *e = json_pack("{s:s s:s s:s s:s s:I}", "name", "a", "path", "assets/a", "sha256",
                          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                          "content_type", "x/y", "size", (json_int_t)7);
    CHECK(manifest_file_read(e, &f, &err) == 0 && f.size == 7);
    CHECK_STR(f.path, "assets/a");
    json_object_set_new(e, "path", json_string("../a"));
    CHECK(manifest_file_read(e, &f, &err) < 0 && strstr(err.msg, "unsafe path") != NULL);
    json_object_set_new(e, "size", json_integer(-1));
    CHECK(manifest_file_read(e, &f, &err) < 0 && strstr(err.msg, "no valid size") != NULL);
    json_decref(e);
}

#define SHA_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

/* What in writes, out reads: the top-level fields and each entry's. */
static void test_build_round_trip(void)
{
    struct github_release rel = {.id = 7,
                                 .tag = "v2.0.0",
                                 .html_url = "https://github.com/o/r/releases/tag/v2.0.0",
                                 .published_at = "2024-05-06T07:08:09Z",
                                 .prerelease = 1};
    struct manifest_provenance p = {"https://github.com/o/r/.github/workflows/rel.yml@refs/tags/v2",
                                    "o/r", "abc123", "https://slsa.dev/provenance/v1"};
    struct manifest_entry e[2] = {
        {"a.tgz", "a.tgz", SHA_A, "application/gzip", 5, 1, "release,provenance", "o/r", &p},
        {"source.tar.gz", "assets/source.tar.gz", SHA_B, "application/gzip", 9, 0, NULL, NULL,
         NULL}};
    struct manifest_release r = {"o", "r", "2.0.0", NULL, &rel};
    json_t *doc = manifest_build(&r, e, 2);
    struct release_manifest m;
    struct manifest_file f;
    struct err err;
    CHECK(doc != NULL && manifest_parse(doc, &m, &err) == 0);
    CHECK_STR(m.tag, "v2.0.0");
    CHECK_STR(m.id, "7");
    CHECK_STR(m.version, "2.0.0");
    CHECK_STR(m.timestamp, "2024-05-06T07:08:09Z");
    CHECK_STR(json_string_value(json_object_get(doc, "commit_sha")), "");
    CHECK(json_is_true(json_object_get(doc, "prerelease")));
    CHECK(json_is_null(json_object_get(doc, "name"))); /* as GitHub said */
    CHECK(json_array_size(m.files) == 2);
    CHECK(manifest_file_read(json_array_get(m.files, 1), &f, &err) == 0 && f.size == 9);
    CHECK_STR(f.path, "assets/source.tar.gz");
    json_t *a = json_array_get(m.files, 0), *b = json_array_get(m.files, 1);
    CHECK_STR(json_string_value(json_object_get(a, "kind")), "asset");
    CHECK_STR(json_string_value(json_object_get(a, "attested")), "release,provenance");
    CHECK_STR(json_string_value(json_object_get(json_object_get(a, "provenance"), "signer_commit")),
              "abc123");
    CHECK_STR(json_string_value(json_object_get(b, "kind")), "source");
    CHECK(json_object_get(b, "attested") == NULL && json_object_get(b, "provenance") == NULL);
    json_decref(doc);
}

static void test_sums_bucket_latest(void)
{
    struct buf sums = BUF_INIT(0);
    CHECK(manifest_sums_line(&sums, SHA_A, "a.tgz") == 0 &&
          manifest_sums_line(&sums, SHA_B, "assets/b") == 0);
    CHECK_STR(buf_str(&sums), SHA_A "  a.tgz\n" SHA_B "  assets/b\n");
    buf_free(&sums);

    json_t *in =
        json_pack("{s:s s:s s:s s:s s:s s:s s:[{s:s}]}", "owner", "o", "repository", "r", "tag",
                  "v1", "id", "1", "timestamp", "t", "version", "1", "files", "name", "a");
    const char *keys[] = {"m/o/r/v1/a"};
    json_t *bucket = manifest_for_bucket(in, keys, 1, "bkt", "m/o/r/v1/");
    CHECK_STR(json_string_value(json_object_get(bucket, "bucket")), "bkt");
    CHECK_STR(json_string_value(
                  json_object_get(json_array_get(json_object_get(bucket, "files"), 0), "key")),
              "m/o/r/v1/a");
    CHECK(json_object_get(json_array_get(json_object_get(in, "files"), 0), "key") == NULL);

    struct release_manifest m;
    struct err err;
    CHECK(manifest_parse(in, &m, &err) == 0);
    struct manifest_file f = {"a", "a", SHA_A, "x/y", 3};
    json_t *files = json_array();
    json_array_append_new(files, manifest_latest_file(&f, "m/o/r/v1/a"));
    json_t *latest = manifest_latest(&m, "m/o/r/v1/", files);
    CHECK_STR(json_string_value(json_object_get(latest, "prefix")), "m/o/r/v1/");
    CHECK(strlen(json_string_value(json_object_get(latest, "mirrored_at"))) == 20);
    json_t *lf = json_array_get(json_object_get(latest, "files"), 0);
    CHECK_STR(json_string_value(json_object_get(lf, "key")), "m/o/r/v1/a");
    CHECK(json_integer_value(json_object_get(lf, "size")) == 3);
    json_decref(latest);
    json_decref(bucket);
    json_decref(in);
}

int main(void)
{
    test_names();
    test_placeholders();
    test_keys();
    test_version();
    test_parse();
    test_build_round_trip();
    test_sums_bucket_latest();
    return TEST_DONE();
}
