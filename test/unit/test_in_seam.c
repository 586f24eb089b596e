/* test_in_seam.c - in's logic (in_run over lib/github/github.c and
 * lib/github/assets.c) against canned GitHub responses through the HTTP transport
 * seam (canned.h): the release resolved by id, its assets listed, the
 * commit resolved, the asset downloaded over GitHub's redirect (without the
 * token on the download host) and verified against its digest, and the
 * manifest (release.json) and SHA256SUMS written from what was downloaded. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "canned.h"
#include "in.h"
#include "resource.h"
#include "sha256.h"
#include "tap.h"

#define API "https://api.example.test"
#define REPO API "/repos/o/r"
#define DL "https://objects.example.test/dl/7?sig=s3cr3t"
#define BODY "the canned asset's bytes\n"
#define COMMIT "c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff"
#define REQUEST                                                                                    \
    "{\"source\":{\"owner\":\"o\",\"repository\":\"r\",\"access_token\":\"tok-secret\","           \
    "\"github_api_url\":\"" API "\"},\"version\":{\"tag\":\"v1.2.0\",\"id\":\"42\"},"              \
    "\"params\":{}}"

/* The release v1.2.0 (id 42) with one asset tool.tar.gz whose digest is
 * digest_of's SHA-256; downloads answer with the rules the caller adds. */
static void script_release(struct canned *c, const char *digest_of)
{
    char hex[65], asset[1024];
    sha256_hex(digest_of, strlen(digest_of), hex);
    snprintf(asset, sizeof(asset),
             "[{\"id\":7,\"name\":\"tool.tar.gz\",\"content_type\":\"application/gzip\","
             "\"state\":\"uploaded\",\"size\":%zu,\"url\":\"" REPO "/releases/assets/7\","
             "\"digest\":\"sha256:%s\"}]",
             strlen(BODY), hex);
    char *rel = canned_release(42, "v1.2.0", "2026-02-03T04:05:06Z", asset);
    canned_add(c, "GET", REPO "/releases/42", 200, "Content-Type: application/json\n", rel);
    canned_add(c, "GET", REPO "/releases/42/assets?per_page=100", 200, NULL, asset);
    canned_add(c, "GET", REPO "/git/ref/tags/v1.2.0", 200, NULL,
               "{\"ref\":\"refs/tags/v1.2.0\",\"object\":{\"type\":\"commit\",\"sha\":\"" COMMIT
               "\"}}");
    canned_location(canned_add(c, "GET", REPO "/releases/assets/7", 302, NULL, NULL), DL);
    free(rel);
}

/* Run in into dest; 0 or -1 with err. */
static int run_in(const char *dest, json_t **response, struct err *err)
{
    struct resource r;
    canned_stdin(REQUEST);
    if (resource_open(&r, REQUEST_IN, err) < 0)
        return -1;
    int rc = in_run(&r, dest, response, err);
    resource_close(&r);
    return rc;
}

static char *slurp(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    struct buf b = BUF_INIT(0);
    if (fd < 0)
        return NULL;
    buf_read_fd(&b, fd);
    close(fd);
    return buf_take(&b);
}

static void check_manifest(const char *dest)
{
    char hex[65], sums[128];
    sha256_hex(BODY, strlen(BODY), hex);
    char *text = slurp(dest, "release.json");
    json_t *m = text ? json_loads(text, 0, NULL) : NULL;
    CHECK(m != NULL);
    CHECK_STR(json_string_value(json_object_get(m, "tag")), "v1.2.0");
    CHECK_STR(json_string_value(json_object_get(m, "id")), "42");
    CHECK_STR(json_string_value(json_object_get(m, "version")), "1.2.0");
    CHECK_STR(json_string_value(json_object_get(m, "commit_sha")), COMMIT);
    json_t *files = json_object_get(m, "files");
    CHECK(json_array_size(files) == 1);
    json_t *f = json_array_get(files, 0);
    CHECK_STR(json_string_value(json_object_get(f, "name")), "tool.tar.gz");
    CHECK_STR(json_string_value(json_object_get(f, "path")), "tool.tar.gz");
    CHECK(json_integer_value(json_object_get(f, "size")) == (json_int_t)strlen(BODY));
    CHECK_STR(json_string_value(json_object_get(f, "sha256")), hex);
    CHECK_STR(json_string_value(json_object_get(f, "content_type")), "application/gzip");
    CHECK_STR(json_string_value(json_object_get(f, "kind")), "asset");
    json_decref(m);
    free(text);
    snprintf(sums, sizeof(sums), "%s  tool.tar.gz\n", hex);
    text = slurp(dest, "SHA256SUMS");
    CHECK_STR(text, sums);
    free(text);
    text = slurp(dest, "tool.tar.gz");
    CHECK_STR(text, BODY);
    free(text);
    text = slurp(dest, "commit_sha");
    CHECK_STR(text, COMMIT);
    free(text);
}

static void test_get(void)
{
    struct canned c;
    canned_init(&c);
    canned_install(&c);
    free(canned_tmpdir(1));
    char *dest = canned_tmpdir(0);
    script_release(&c, BODY);
    canned_times(canned_add(&c, "GET", DL, 503, NULL, "busy"), 1); /* retried */
    canned_add(&c, "GET", DL, 200, "Content-Length: 25\n", BODY);
    json_t *response = NULL;
    struct err err = {""};
    int rc = run_in(dest, &response, &err);
    if (rc < 0)
        fprintf(stderr, "in: %s\n", err.msg);
    CHECK(rc == 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(response, "version"), "tag")),
              "v1.2.0");
    json_decref(response);
    check_manifest(dest);
    char v[256];
    const struct canned_request *api = canned_find(&c, "GET", REPO "/releases/assets/7", 0);
    CHECK(api && canned_req_header(api, "authorization", v, sizeof(v)));
    CHECK(api && canned_req_header(api, "accept", v, sizeof(v)) &&
          strcmp(v, "application/octet-stream") == 0);
    /* the retry starts over at the API URL; the download host never sees the token */
    CHECK(canned_count(&c, "GET", REPO "/releases/assets/7") == 2);
    CHECK(canned_count(&c, "GET", DL) == 2);
    for (size_t i = 0; i < 2; i++) {
        const struct canned_request *dl = canned_find(&c, "GET", DL, i);
        CHECK(dl && !canned_req_header(dl, "authorization", v, sizeof(v)));
    }
    canned_cleanup(&c);
    free(dest);
}

/* Bytes unlike the digest GitHub lists: the get fails and leaves neither the
 * asset nor the manifest under its final name. */
static void test_digest_mismatch(void)
{
    struct canned c;
    canned_init(&c);
    canned_install(&c);
    free(canned_tmpdir(1));
    char *dest = canned_tmpdir(0);
    script_release(&c, "other bytes\n");
    canned_add(&c, "GET", DL, 200, NULL, BODY);
    json_t *response = NULL;
    struct err err = {""};
    CHECK(run_in(dest, &response, &err) < 0);
    CHECK(strstr(err.msg, "tool.tar.gz") && strstr(err.msg, "sha256 mismatch"));
    fprintf(stderr, "expected failure: %s\n", err.msg);
    CHECK(response == NULL);
    char path[1024];
    struct stat st;
    snprintf(path, sizeof(path), "%s/tool.tar.gz", dest);
    CHECK(stat(path, &st) < 0);
    snprintf(path, sizeof(path), "%s/release.json", dest);
    CHECK(stat(path, &st) < 0);
    canned_cleanup(&c);
    free(dest);
}

int main(void)
{
    setenv("GRM_RETRY_BASE_MS", "1", 1);
    test_get();
    test_digest_mismatch();
    return TEST_DONE();
}
