/* test_http_run_seam.c - http_run_which says which transfer failed, over the
 * canned transport (test/unit/canned.[ch]). */
#include <stdlib.h>
#include <string.h>

#include "canned.h"
#include "err.h"
#include "http.h"
#include "settings.h"
#include "tap.h"

#define N 4

/* Run N GETs of http://h/0 .. http://h/3 and return http_run_which's result. */
static int run(struct canned *c, size_t *failed, struct err *err)
{
    struct http_client hc;
    struct http_xfer x[N], *xs[N];
    char urls[N][32];
    struct settings s;
    settings_from_env(&s);
    if (http_client_init(&hc, &s.http, err) < 0)
        return -2;
    for (size_t i = 0; i < N; i++) {
        snprintf(urls[i], sizeof(urls[i]), "http://h/%zu", i);
        http_xfer_init(&x[i], "GET", urls[i]);
        xs[i] = &x[i];
    }
    int rc = http_run_which(&hc, xs, N, 2, failed, err);
    for (size_t i = 0; i < N; i++)
        http_xfer_cleanup(&x[i]);
    http_client_cleanup(&hc);
    (void)c;
    return rc;
}

/* The third transfer's transport error: its index, and its message in err. */
static void test_failed_index(void)
{
    struct canned c;
    struct err err = {0};
    size_t failed = 99;
    canned_init(&c);
    canned_install(&c);
    canned_add_error(&c, "GET", "http://h/2", CURLE_COULDNT_CONNECT);
    canned_add(&c, "GET", "http://h/*", 200, NULL, "ok");
    CHECK(run(&c, &failed, &err) == -1);
    CHECK(failed == 2);
    CHECK(strstr(err.msg, "http://h/2") != NULL);
    canned_cleanup(&c);
}

/* All answered (any status): 0, and failed is N. */
static void test_none_failed(void)
{
    struct canned c;
    struct err err = {0};
    size_t failed = 99;
    canned_init(&c);
    canned_install(&c);
    canned_add(&c, "GET", "http://h/1", 404, NULL, "no");
    canned_add(&c, "GET", "http://h/*", 200, NULL, "ok");
    CHECK(run(&c, &failed, &err) == 0);
    CHECK(failed == N);
    canned_cleanup(&c);
}

int main(void)
{
    setenv("GRM_RETRY_BASE_MS", "1", 1);
    setenv("GRM_MAX_ATTEMPTS", "2", 1);
    test_failed_index();
    test_none_failed();
    return TEST_DONE();
}
