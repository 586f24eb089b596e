/* test_http.c - the origin rule of the http client (what an Authorization
 * header, ca_cert and insecure are bound to) and header lines built at their
 * exact length. */
#include "http.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static void test_origin(void)
{
    struct http_client c;
    struct err err;
    memset(&c, 0, sizeof(c));
    CHECK(http_client_at_origin(&c, "http://anything/")); /* no origin: no rule */
    CHECK(http_client_set_origin(&c, "https://API.GitHub.com/api/v3", &err) == 0);
    CHECK_STR(c.origin, "https://api.github.com:443");
    CHECK(http_client_at_origin(&c, "https://api.github.com/repos/o/r"));
    CHECK(http_client_at_origin(&c, "https://api.github.com:443/x?y=1"));
    CHECK(!http_client_at_origin(&c, "http://api.github.com/x"));
    CHECK(!http_client_at_origin(&c, "https://api.github.com:8443/x"));
    CHECK(!http_client_at_origin(&c, "https://evil.example/x"));
    CHECK(!http_client_at_origin(&c, "https://api.github.com.evil.example/x"));
    CHECK(!http_client_at_origin(&c, "https://api.github.com@evil.example/x"));
    CHECK(!http_client_at_origin(&c, "not a url"));
    CHECK(http_client_set_origin(&c, "http://127.0.0.1:8080", &err) == 0);
    CHECK(http_client_at_origin(&c, "http://127.0.0.1:8080/repos"));
    CHECK(!http_client_at_origin(&c, "http://localhost:8080/repos"));
    CHECK(http_client_set_origin(&c, "::", &err) < 0);
}

static void test_header_length(void)
{
    size_t n = 6000;
    char *value = malloc(n + 1);
    memset(value, 'A', n);
    value[n] = '\0';
    struct curl_slist *l = http_add_header(NULL, "X-Amz-Security-Token: %s", value);
    CHECK(l != NULL);
    CHECK(l && strlen(l->data) == n + strlen("X-Amz-Security-Token: "));
    l = http_add_header(l, "Short: %d", 1);
    CHECK(l && l->next && strcmp(l->next->data, "Short: 1") == 0);
    curl_slist_free_all(l);
    free(value);
}

static void test_url_for_log(void)
{
    char out[64];
    http_url_for_log("https://h/p?token=secret", out, sizeof(out));
    CHECK_STR(out, "https://h/p");
    http_url_for_log(NULL, out, sizeof(out));
    CHECK_STR(out, "");
}

int main(void)
{
    test_origin();
    test_header_length();
    test_url_for_log();
    return TEST_DONE();
}
