/* test_manifest.c - the in -> out contract (lib/manifest.c): the reserved
 * names, the key-template placeholders and their expansion, and the
 * Concourse version JSON. */
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

int main(void)
{
    test_names();
    test_placeholders();
    test_keys();
    test_version();
    test_parse();
    return TEST_DONE();
}
