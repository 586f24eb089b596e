/* test_github.c - Link header parsing and release/asset JSON decoding. */
#include "github.h"
#include "tap.h"

#include <stdlib.h>

static void test_link(void)
{
    char *n =
        github_link_next("<https://api.github.com/repositories/1/releases?per_page=100&page=2>; "
                         "rel=\"next\", <https://api.github.com/repositories/1/releases?"
                         "per_page=100&page=5>; rel=\"last\"");
    CHECK_STR(n, "https://api.github.com/repositories/1/releases?per_page=100&page=2");
    free(n);
    n = github_link_next("<https://x/?page=1>; rel=\"prev\", <https://x/?page=3>; rel=\"next\"");
    CHECK_STR(n, "https://x/?page=3");
    free(n);
    n = github_link_next("<https://x/?page=1>; rel=\"first\", <https://x/?page=1>; rel=\"prev\"");
    CHECK(n == NULL);
    n = github_link_next("<https://x/?page=9>; rel=\"next last\"");
    CHECK_STR(n, "https://x/?page=9");
    free(n);
    n = github_link_next("<https://x/?page=2>; rel=next");
    CHECK_STR(n, "https://x/?page=2");
    free(n);
    CHECK(github_link_next("<https://x/?page=2>; rel=\"nextpage\"") == NULL);
    CHECK(github_link_next("") == NULL);
    CHECK(github_link_next("<unterminated; rel=\"next\"") == NULL);
}

static void test_release_json(void)
{
    struct github_release r;
    struct err err = {""};
    json_t *doc = json_loads(
        "{\"id\":7,\"tag_name\":\"v1.0.0\",\"name\":null,\"body\":null,\"draft\":false,"
        "\"prerelease\":true,\"published_at\":null,\"created_at\":\"2024-01-01T00:00:00Z\","
        "\"html_url\":\"https://github.com/o/r/releases/tag/v1.0.0\",\"assets\":[{\"id\":9,"
        "\"name\":\"a.tgz\",\"content_type\":\"application/gzip\",\"state\":\"uploaded\","
        "\"size\":12,\"url\":\"https://api/a/9\",\"digest\":\"sha256:"
        "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789\"},{\"id\":10,"
        "\"name\":\"b\",\"content_type\":null,\"state\":\"open\",\"size\":0,\"url\":\"u\"}]}",
        0, NULL);
    CHECK(github_release_from_json(doc, &r, "test", &err) == 0);
    CHECK(r.id == 7);
    CHECK_STR(r.tag, "v1.0.0");
    CHECK(r.name == NULL && r.body == NULL && r.published_at == NULL);
    CHECK(r.prerelease == 1 && r.draft == 0);
    CHECK_STR(github_release_time(&r), "2024-01-01T00:00:00Z");
    CHECK(r.n_assets == 2);
    CHECK_STR(r.assets[0].digest,
              "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    CHECK(r.assets[1].digest == NULL);
    CHECK_STR(r.assets[1].content_type, "application/octet-stream");
    github_release_free(&r);
    json_decref(doc);

    doc = json_loads("{\"id\":7,\"tag_name\":\"v1\",\"draft\":false,\"prerelease\":false,"
                     "\"assets\":\"oops\"}",
                     0, NULL);
    CHECK(github_release_from_json(doc, &r, "GET u", &err) < 0);
    CHECK(strstr(err.msg, "\"assets\"") != NULL && strstr(err.msg, "GET u") != NULL);
    json_decref(doc);

    doc = json_loads("{\"id\":\"7\",\"tag_name\":\"v1\",\"draft\":false,\"prerelease\":false}", 0,
                     NULL);
    CHECK(github_release_from_json(doc, &r, "GET u", &err) < 0);
    CHECK(strstr(err.msg, "\"id\"") != NULL);
    json_decref(doc);

    doc =
        json_loads("{\"id\":1,\"tag_name\":\"v1\",\"draft\":\"no\",\"prerelease\":false}", 0, NULL);
    CHECK(github_release_from_json(doc, &r, "GET u", &err) < 0);
    CHECK(strstr(err.msg, "\"draft\"") != NULL);
    json_decref(doc);
}

int main(void)
{
    test_link();
    test_release_json();
    return TEST_DONE();
}
