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

int main(void)
{
    test_names();
    test_placeholders();
    test_keys();
    test_version();
    return TEST_DONE();
}
