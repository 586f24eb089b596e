/* test_check_seam.c - check's logic (check_run over lib/github/listing.c and
 * lib/github/github.c) against canned GitHub responses through the HTTP transport
 * seam (canned.h): paging by Link rel="next", the stop at GitHub's
 * 1000-result limit, the ETag cache's warm path (one 304), and the retry and
 * rate-limit policy of http_run.c. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "canned.h"
#include "check.h"
#include "resource.h"
#include "tap.h"

#define API "https://api.example.test"
#define PAGE1 API "/repos/o/r/releases?per_page=100"
#define PAGE2 API "/repositories/7/releases?per_page=100&page=2"
#define REQUEST                                                                                    \
    "{\"source\":{\"owner\":\"o\",\"repository\":\"r\",\"access_token\":\"tok-secret\","           \
    "\"github_api_url\":\"" API "\"},\"version\":null}"

/* Run check on REQUEST (plus version when non-NULL); the tags it reports,
 * oldest first, joined by ' ', or "error: ..." (malloced). */
static char *run_check(const char *request)
{
    struct resource r;
    struct err err = {""};
    json_t *versions = NULL;
    canned_stdin(request);
    struct buf out = BUF_INIT(0);
    if (resource_open(&r, REQUEST_CHECK, &err) < 0) {
        buf_addf(&out, "error: %s", err.msg);
        return buf_take(&out);
    }
    if (check_run(&r, &versions, &err) < 0) {
        buf_addf(&out, "error: %s", err.msg);
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(versions, i, v)
        {
            buf_addf(&out, "%s%s", i ? " " : "", json_string_value(json_object_get(v, "tag")));
        }
        if (!out.len)
            buf_adds(&out, "");
    }
    json_decref(versions);
    resource_close(&r);
    return buf_take(&out);
}

/* A page of releases ids from..to (newest first), tags v1.0.<id>. */
static char *page(long from, long to)
{
    struct buf b = BUF_INIT(0);
    buf_adds(&b, "[");
    for (long id = from; id >= to; id--) {
        char tag[32];
        snprintf(tag, sizeof(tag), "v1.0.%ld", id);
        char *rel = canned_release(id, tag, "2026-01-01T00:00:00Z", NULL);
        buf_addf(&b, "%s%s", id == from ? "" : ",", rel);
        free(rel);
    }
    buf_adds(&b, "]");
    return buf_take(&b);
}

#define CHECK_RESULT(expr, want)                                                                   \
    do {                                                                                           \
        char *got_ = (expr);                                                                       \
        CHECK_STR(got_, want);                                                                     \
        free(got_);                                                                                \
    } while (0)

static void test_paging(void)
{
    struct canned c;
    canned_init(&c);
    canned_install(&c);
    free(canned_tmpdir(1));
    char *p1 = page(5, 4), *p2 = page(3, 2);
    canned_add(&c, "GET", PAGE1, 200,
               "Link: <" PAGE2 ">; rel=\"next\", <" PAGE2 ">; rel=\"last\"\n", p1);
    canned_add(&c, "GET", PAGE2, 200, NULL, p2);
    /* no version: only the latest */
    CHECK_RESULT(run_check(REQUEST), "v1.0.5");
    CHECK(canned_count(&c, "GET", PAGE1) == 1);
    CHECK(canned_count(&c, "GET", PAGE2) == 1);
    CHECK(canned_count(&c, NULL, NULL) == 2);
    char v[256];
    const struct canned_request *q = canned_find(&c, "GET", PAGE2, 0);
    CHECK(q && canned_req_header(q, "authorization", v, sizeof(v)) &&
          strstr(v, "tok-secret") != NULL);
    CHECK(q && canned_req_header(q, "if-none-match", v, sizeof(v)) == NULL); /* cold cache */
    free(p1);
    free(p2);
    canned_cleanup(&c);
}

static void test_thousand_result_stop(void)
{
    struct canned c;
    canned_init(&c);
    canned_install(&c);
    free(canned_tmpdir(1));
    char *p1 = page(9, 8);
    canned_add(&c, "GET", PAGE1, 200, "Link: <" PAGE2 ">; rel=\"next\"\n", p1);
    canned_add(&c, "GET", PAGE2, 422, "Content-Type: application/json\n",
               "{\"message\":\"In order to keep the API fast for everyone, pagination is "
               "limited for this resource.\"}");
    CHECK_RESULT(run_check(REQUEST), "v1.0.9");
    CHECK(canned_count(&c, "GET", NULL) == 2);
    /* the versions from version v1.0.8 on: both pages' releases that were seen */
    CHECK_RESULT(run_check("{\"source\":{\"owner\":\"o\",\"repository\":\"r\",\"github_api_url\":"
                           "\"" API "\"},\"version\":{\"tag\":\"v1.0.8\"}}"),
                 "v1.0.8 v1.0.9");
    free(p1);
    canned_cleanup(&c);
}

static void test_etag_warm_path(void)
{
    struct canned c;
    canned_init(&c);
    canned_install(&c);
    free(canned_tmpdir(1));
    char *p1 = page(3, 1);
    struct canned_rule *r304 = canned_add(&c, "GET", PAGE1, 304, "ETag: \"e1\"\n", NULL);
    canned_need(r304, "If-None-Match: \"e1\"");
    canned_add(&c, "GET", PAGE1, 200, "ETag: \"e1\"\n", p1);
    CHECK_RESULT(run_check(REQUEST), "v1.0.3");
    CHECK(canned_count(&c, NULL, NULL) == 1);
    canned_forget(&c);
    /* the warm path: one conditional request, answered 304, same answer */
    CHECK_RESULT(run_check(REQUEST), "v1.0.3");
    CHECK(canned_count(&c, NULL, NULL) == 1);
    char v[64];
    const struct canned_request *q = canned_find(&c, "GET", PAGE1, 0);
    CHECK(q && canned_req_header(q, "if-none-match", v, sizeof(v)));
    CHECK_STR(q ? v : NULL, "\"e1\"");
    free(p1);
    canned_cleanup(&c);
}

/* One failure of each kind before the page: every one is retried. */
static void test_retries(void)
{
    static const struct {
        const char *what;
        long status;
        const char *headers;
        CURLcode error;
    } kinds[] = {
        {"5xx", 502, NULL, CURLE_OK},
        {"connection refused", 0, NULL, CURLE_COULDNT_CONNECT},
        {"429 retry-after", 429, "Retry-After: 0\n", CURLE_OK},
        {"403 rate limit exhausted", 403,
         "X-RateLimit-Limit: 60\nX-RateLimit-Remaining: 0\nX-RateLimit-Reset: 1000000000\n",
         CURLE_OK},
    };
    char *p1 = page(2, 1);
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        struct canned c;
        canned_init(&c);
        canned_install(&c);
        free(canned_tmpdir(1));
        struct canned_rule *bad = kinds[i].error != CURLE_OK
                                      ? canned_add_error(&c, "GET", PAGE1, kinds[i].error)
                                      : canned_add(&c, "GET", PAGE1, kinds[i].status,
                                                   kinds[i].headers, "{\"message\":\"busy\"}");
        canned_times(bad, 1);
        canned_add(&c, "GET", PAGE1, 200, NULL, p1);
        char *got = run_check(REQUEST);
        if (strcmp(got, "v1.0.2") != 0)
            fprintf(stderr, "retry of %s: %s\n", kinds[i].what, got);
        CHECK_STR(got, "v1.0.2");
        free(got);
        CHECK(canned_count(&c, "GET", PAGE1) == 2);
        canned_cleanup(&c);
    }
    free(p1);
}

/* Retries stop after GRM_MAX_ATTEMPTS; a refused request is not retried. */
static void test_giving_up(void)
{
    struct canned c;
    canned_init(&c);
    canned_install(&c);
    free(canned_tmpdir(1));
    canned_add_error(&c, "GET", PAGE1, CURLE_COULDNT_CONNECT);
    char *got = run_check(REQUEST);
    CHECK(strncmp(got, "error: ", 7) == 0 && strstr(got, "gave up after 3 attempts"));
    free(got);
    CHECK(canned_count(&c, "GET", PAGE1) == 3);
    canned_cleanup(&c);

    canned_init(&c);
    canned_install(&c);
    free(canned_tmpdir(1));
    canned_add(&c, "GET", PAGE1, 404, NULL, "{\"message\":\"Not Found\"}");
    got = run_check(REQUEST);
    CHECK(strstr(got, "repository o/r not found") != NULL);
    free(got);
    CHECK(canned_count(&c, NULL, NULL) == 1);
    canned_cleanup(&c);
}

int main(void)
{
    setenv("GRM_RETRY_BASE_MS", "1", 1);
    setenv("GRM_MAX_ATTEMPTS", "3", 1);
    test_paging();
    test_thousand_result_stop();
    test_etag_warm_path();
    test_retries();
    test_giving_up();
    return TEST_DONE();
}
