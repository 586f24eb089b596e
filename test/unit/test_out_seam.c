/* test_out_seam.c - out's logic (out_run over lib/s3/s3.c) against canned
 * S3 responses through the HTTP transport seam (canned.h): the plan (HEAD
 * every file, upload only those the bucket lacks or holds otherwise, then
 * the release's manifest, SHA256SUMS and latest.json), latest.json left alone
 * when it names a newer release, and keep_versions' retention plan (list the
 * releases, read their manifests, delete only those beyond the newest N). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "canned.h"
#include "out.h"
#include "resource.h"
#include "sha256.h"
#include "tap.h"

#define S3 "https://s3.example.test/bkt/"
#define A_BODY "asset a\n"
#define B_BODY "asset b, a little longer\n"
#define REQUEST_HEAD                                                                               \
    "{\"source\":{\"owner\":\"o\",\"repository\":\"r\",\"mirror\":{\"bucket\":\"bkt\","            \
    "\"endpoint\":\"https://s3.example.test\",\"region\":\"us-east-1\","                           \
    "\"access_key_id\":\"AKIDCANNED\",\"secret_access_key\":\"canned-secret\"}},"

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    size_t n = strlen(text);
    if (fd < 0 || write(fd, text, n) != (ssize_t)n || close(fd) < 0)
        abort();
}

/* A get of v2.0.0 (files a.bin and b.bin) in sources/rel; returns sources. */
static char *make_sources(void)
{
    char *src = canned_tmpdir(0), dir[1024], a[65], b[65], manifest[2048];
    snprintf(dir, sizeof(dir), "%s/rel", src);
    if (mkdir(dir, 0755) < 0)
        abort();
    sha256_hex(A_BODY, strlen(A_BODY), a);
    sha256_hex(B_BODY, strlen(B_BODY), b);
    write_file(dir, "a.bin", A_BODY);
    write_file(dir, "b.bin", B_BODY);
    snprintf(manifest, sizeof(manifest),
             "{\"owner\":\"o\",\"repository\":\"r\",\"tag\":\"v2.0.0\",\"id\":\"200\","
             "\"version\":\"2.0.0\",\"timestamp\":\"2026-02-01T00:00:00Z\",\"files\":["
             "{\"name\":\"a.bin\",\"path\":\"a.bin\",\"size\":%zu,\"sha256\":\"%s\","
             "\"content_type\":\"application/octet-stream\",\"kind\":\"asset\"},"
             "{\"name\":\"b.bin\",\"path\":\"b.bin\",\"size\":%zu,\"sha256\":\"%s\","
             "\"content_type\":\"application/octet-stream\",\"kind\":\"asset\"}]}",
             strlen(A_BODY), a, strlen(B_BODY), b);
    write_file(dir, "release.json", manifest);
    return src;
}

static int run_out(const char *request, const char *sources, struct err *err)
{
    struct resource r;
    json_t *response = NULL;
    canned_stdin(request);
    if (resource_open(&r, REQUEST_OUT, err) < 0)
        return -1;
    int rc = out_run(&r, sources, &response, err);
    json_decref(response);
    resource_close(&r);
    return rc;
}

#define LIST_REPO "https://s3.example.test/bkt?list-type=2&prefix=o%2Fr%2F*"
#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define RUN_OUT(params)                                                                            \
    run_out(REQUEST_HEAD "\"params\":{\"from\":\"rel\"" params "}}", sources, &err)

/* The body a recorded request sent, as text (NULL when there is no such request). */
static const char *sent(const struct canned *c, const char *method, const char *url)
{
    const struct canned_request *q = canned_find(c, method, url, 0);
    return q ? buf_str(&q->body) : NULL;
}

static json_t *sent_json(const struct canned *c, const char *url)
{
    const char *text = sent(c, "PUT", url);
    return text ? json_loads(text, 0, NULL) : NULL;
}

/* Every PUT is answered; latest.json is absent unless the test says otherwise. */
static void script_bucket(struct canned *c)
{
    canned_add(c, "PUT", "*", 200, "ETag: \"e\"\n", NULL);
    canned_add(c, "GET", S3 "o/r/latest.json", 404, NULL,
               XML_HEAD "<Error><Code>NoSuchKey</Code></Error>");
}

/* a.bin is there already (same size and sha256), b.bin is there with other
 * bytes: HEAD both, upload only b.bin, then the release's files and latest. */
static void test_plan(void)
{
    struct canned c;
    canned_init(&c);
    canned_install(&c);
    char *sources = make_sources(), a[65], b[65], head[256];
    sha256_hex(A_BODY, strlen(A_BODY), a);
    sha256_hex(B_BODY, strlen(B_BODY), b);
    snprintf(head, sizeof(head), "Content-Length: %zu\nETag: \"x\"\nx-amz-meta-sha256: %s\n",
             strlen(A_BODY), a);
    canned_add(&c, "HEAD", S3 "o/r/v2.0.0/a.bin", 200, head, NULL);
    snprintf(head, sizeof(head), "Content-Length: %zu\nETag: \"y\"\nx-amz-meta-sha256: %s\n",
             strlen(B_BODY), a);
    canned_add(&c, "HEAD", S3 "o/r/v2.0.0/b.bin", 200, head, NULL);
    script_bucket(&c);
    struct err err = {""};
    int rc = RUN_OUT("");
    if (rc < 0)
        fprintf(stderr, "out: %s\n", err.msg);
    CHECK(rc == 0);
    CHECK(canned_count(&c, "HEAD", NULL) == 2);
    CHECK(canned_count(&c, "PUT", S3 "o/r/v2.0.0/a.bin") == 0);
    CHECK(canned_count(&c, "PUT", S3 "o/r/v2.0.0/b.bin") == 1);
    CHECK_STR(sent(&c, "PUT", S3 "o/r/v2.0.0/b.bin"), B_BODY);
    char v[512];
    const struct canned_request *put = canned_find(&c, "PUT", S3 "o/r/v2.0.0/b.bin", 0);
    CHECK(put && canned_req_header(put, "x-amz-meta-sha256", v, sizeof(v)) && !strcmp(v, b));
    CHECK(put && canned_req_header(put, "authorization", v, sizeof(v)) &&
          strncmp(v, "AWS4-HMAC-SHA256 Credential=AKIDCANNED/", 39) == 0);
    /* the release's manifest and sums name both files, uploaded or not */
    json_t *m = sent_json(&c, S3 "o/r/v2.0.0/release.json");
    CHECK_STR(json_string_value(json_object_get(m, "tag")), "v2.0.0");
    CHECK(json_array_size(json_object_get(m, "files")) == 2);
    json_decref(m);
    const char *sums = sent(&c, "PUT", S3 "o/r/v2.0.0/SHA256SUMS");
    CHECK(sums && strstr(sums, a) && strstr(sums, b));
    m = sent_json(&c, S3 "o/r/latest.json");
    CHECK_STR(json_string_value(json_object_get(m, "tag")), "v2.0.0");
    json_decref(m);
    const struct canned_request *latest = canned_find(&c, "PUT", S3 "o/r/latest.json", 0);
    CHECK(latest && canned_req_header(latest, "if-none-match", v, sizeof(v)) && !strcmp(v, "*"));
    /* without keep_versions nothing is listed */
    CHECK(canned_count(&c, "GET", LIST_REPO) == 0);
    canned_cleanup(&c);
    free(sources);
}

/* latest.json names a newer release: left as it is. */
static void test_latest_newer(void)
{
    struct canned c;
    canned_init(&c);
    canned_install(&c);
    char *sources = make_sources();
    canned_add(&c, "HEAD", "*", 404, NULL, NULL);
    canned_add(&c, "GET", S3 "o/r/latest.json", 200, "ETag: \"L1\"\n",
               "{\"tag\":\"v3.0.0\",\"id\":\"300\",\"timestamp\":\"2026-03-01T00:00:00Z\"}");
    script_bucket(&c);
    struct err err = {""};
    CHECK(RUN_OUT("") == 0);
    CHECK(canned_count(&c, "PUT", S3 "o/r/v2.0.0/*") == 4);
    CHECK(canned_count(&c, "PUT", S3 "o/r/latest.json") == 0);
    canned_cleanup(&c);
    free(sources);
}

/* latest.json is written on condition that it is what was read; a lost race
 * (412) reads it again and writes again. */
static void test_latest_conditional(void)
{
    struct canned c;
    canned_init(&c);
    canned_install(&c);
    char *sources = make_sources();
    canned_add(&c, "HEAD", "*", 404, NULL, NULL);
    canned_times(
        canned_add(&c, "GET", S3 "o/r/latest.json", 200, "ETag: \"L1\"\n",
                   "{\"tag\":\"v1.0.0\",\"id\":\"100\",\"timestamp\":\"2026-01-01T00:00:00Z\"}"),
        1);
    canned_add(&c, "GET", S3 "o/r/latest.json", 200, "ETag: \"L2\"\n",
               "{\"tag\":\"v1.1.0\",\"id\":\"110\",\"timestamp\":\"2026-01-02T00:00:00Z\"}");
    struct canned_rule *lost =
        canned_add(&c, "PUT", S3 "o/r/latest.json", 412, NULL,
                   XML_HEAD "<Error><Code>PreconditionFailed</Code></Error>");
    canned_need(lost, "If-Match: \"L1\"");
    script_bucket(&c);
    struct err err = {""};
    int rc = RUN_OUT("");
    if (rc < 0)
        fprintf(stderr, "out: %s\n", err.msg);
    CHECK(rc == 0);
    CHECK(canned_count(&c, "GET", S3 "o/r/latest.json") == 2);
    CHECK(canned_count(&c, "PUT", S3 "o/r/latest.json") == 2);
    char v[64];
    const struct canned_request *put = canned_find(&c, "PUT", S3 "o/r/latest.json", 1);
    CHECK(put && canned_req_header(put, "if-match", v, sizeof(v)) && !strcmp(v, "\"L2\""));
    json_t *m = put ? json_loads(buf_str(&put->body), 0, NULL) : NULL;
    CHECK_STR(json_string_value(json_object_get(m, "tag")), "v2.0.0");
    json_decref(m);
    canned_cleanup(&c);
    free(sources);
}

/* An old release's manifest naming keys (files[].key). */
static void script_old(struct canned *c, const char *tag, const char *id, const char *keys)
{
    char url[256], body[1024];
    snprintf(url, sizeof(url), S3 "o/r/%s/release.json", tag);
    snprintf(body, sizeof(body),
             "{\"owner\":\"o\",\"repository\":\"r\",\"tag\":\"%s\",\"id\":\"%s\","
             "\"timestamp\":\"2026-01-01T00:00:00Z\",\"files\":[%s]}",
             tag, id, keys);
    canned_add(c, "GET", url, 200, NULL, body);
}

#define KEY(k) "<Contents><Key>" k "</Key><Size>9</Size></Contents>"
#define LISTING(keys)                                                                              \
    XML_HEAD "<ListBucketResult><Name>bkt</Name><IsTruncated>false</IsTruncated>" keys             \
             "</ListBucketResult>"

static void script_retention(struct canned *c, const char *listing)
{
    canned_add(c, "HEAD", "*", 404, NULL, NULL);
    canned_add(c, "GET", "https://s3.example.test/bkt?versioning", 200, NULL,
               XML_HEAD "<VersioningConfiguration/>");
    canned_add(c, "GET", LIST_REPO, 200, NULL, listing);
    canned_add(c, "POST", "https://s3.example.test/bkt?delete", 200, NULL,
               XML_HEAD "<DeleteResult></DeleteResult>");
}

/* keep_versions 2 over v1.0.0, v1.5.0, v2.0.0 (this one) and a release.json
 * that is no manifest of this resource: v1.0.0 alone goes, its keys first
 * (but not the one v1.5.0 still names), its manifest last. */
static void test_retention(void)
{
    struct canned c;
    canned_init(&c);
    canned_install(&c);
    char *sources = make_sources();
    script_retention(
        &c, LISTING(KEY("o/r/latest.json") KEY("o/r/junk/release.json") KEY("o/r/v1.0.0/SHA256SUMS")
                        KEY("o/r/v1.0.0/release.json") KEY("o/r/v1.0.0/x.bin")
                            KEY("o/r/v1.5.0/SHA256SUMS") KEY("o/r/v1.5.0/release.json")
                                KEY("o/r/v2.0.0/release.json") KEY("shared/common.bin")));
    script_old(&c, "v1.0.0", "100",
               "{\"name\":\"x.bin\",\"key\":\"o/r/v1.0.0/x.bin\"},"
               "{\"name\":\"common.bin\",\"key\":\"shared/common.bin\"}");
    script_old(&c, "v1.5.0", "150", "{\"name\":\"common.bin\",\"key\":\"shared/common.bin\"}");
    script_old(&c, "v2.0.0", "200", "");
    canned_add(&c, "GET", S3 "o/r/junk/release.json", 200, NULL, "{\"tag\":\"v9.9.9\"}");
    script_bucket(&c);
    struct err err = {""};
    int rc = RUN_OUT(",\"keep_versions\":2");
    if (rc < 0)
        fprintf(stderr, "out: %s\n", err.msg);
    CHECK(rc == 0);
    CHECK(canned_count(&c, "POST", NULL) == 2);
    const char *keys =
        canned_find(&c, "POST", NULL, 0) ? buf_str(&canned_find(&c, "POST", NULL, 0)->body) : NULL;
    const char *manifest =
        canned_find(&c, "POST", NULL, 1) ? buf_str(&canned_find(&c, "POST", NULL, 1)->body) : NULL;
    CHECK(keys && strstr(keys, "<Key>o/r/v1.0.0/SHA256SUMS</Key>"));
    CHECK(keys && strstr(keys, "<Key>o/r/v1.0.0/x.bin</Key>"));
    CHECK(keys && !strstr(keys, "common.bin") && !strstr(keys, "release.json"));
    CHECK(keys && !strstr(keys, "v1.5.0") && !strstr(keys, "v2.0.0") && !strstr(keys, "junk"));
    CHECK(manifest && strstr(manifest, "<Key>o/r/v1.0.0/release.json</Key>"));
    CHECK(manifest && !strstr(manifest, "SHA256SUMS") && !strstr(manifest, "x.bin"));
    canned_cleanup(&c);
    free(sources);
}

/* keep_versions 1 while a newer release is mirrored: the newer one stays
 * (it is the newest), and this one is never deleted. */
static void test_retention_keeps_this_one(void)
{
    struct canned c;
    canned_init(&c);
    canned_install(&c);
    char *sources = make_sources();
    script_retention(&c, LISTING(KEY("o/r/v10.0.0/release.json") KEY("o/r/v2.0.0/release.json")));
    script_old(&c, "v2.0.0", "200", "");
    script_old(&c, "v10.0.0", "1000", "");
    canned_add(&c, "GET", S3 "o/r/latest.json", 200, "ETag: \"L1\"\n",
               "{\"tag\":\"v10.0.0\",\"id\":\"1000\",\"timestamp\":\"2026-03-01T00:00:00Z\"}");
    script_bucket(&c);
    struct err err = {""};
    int rc = RUN_OUT(",\"keep_versions\":1");
    if (rc < 0)
        fprintf(stderr, "out: %s\n", err.msg);
    CHECK(rc == 0);
    CHECK(canned_count(&c, "GET", LIST_REPO) == 1);
    CHECK(canned_count(&c, "POST", NULL) == 0);
    CHECK(canned_count(&c, "PUT", S3 "o/r/latest.json") == 0);
    canned_cleanup(&c);
    free(sources);
}

int main(void)
{
    setenv("GRM_RETRY_BASE_MS", "1", 1);
    free(canned_tmpdir(1));
    test_plan();
    test_latest_newer();
    test_latest_conditional();
    test_retention();
    test_retention_keeps_this_one();
    return TEST_DONE();
}
