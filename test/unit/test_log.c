/* test_log.c - secret redaction: whole secrets, secrets that straddle the
 * cut (redacted before cutting), tails that begin a secret, and error
 * messages (err_set, err_prefix) that are cut to ERR_MAX. */
#define _GNU_SOURCE /* memmem */
#include "err.h"
#include "log.h"
#include "tap.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define SECRET "ghp_UnitTestSecretToken0123456789abcdef"

static int shows_part(const char *text)
{
    /* any 6 consecutive characters of the secret */
    for (size_t i = 0; i + 6 <= strlen(SECRET); i++)
        if (memmem(text, strlen(text), SECRET + i, 6))
            return 1;
    return 0;
}

static void test_whole(void)
{
    char out[256];
    CHECK_STR(log_redact("token " SECRET " end", out, sizeof(out)), "token *** end");
    CHECK_STR(log_redact("a\nb\rc", out, sizeof(out)), "a b c");
    CHECK_STR(log_redact(SECRET SECRET, out, sizeof(out)), "******");
    CHECK_STR(log_redact("", out, sizeof(out)), "");
}

static void test_tail(void)
{
    char out[256];
    /* the text was cut inside the secret before it reached the logger */
    CHECK_STR(log_redact("echo: ghp_UnitTestSec", out, sizeof(out)), "echo: ***");
    CHECK(!shows_part(out));
    /* three characters are too few to mean anything */
    CHECK_STR(log_redact("ends with ghp", out, sizeof(out)), "ends with ghp");
    /* a prefix in the middle of a text is not a secret */
    CHECK_STR(log_redact("ghp_Unit and more", out, sizeof(out)), "ghp_Unit and more");
}

static void test_cut_after_redaction(void)
{
    /* the output is cut in the middle of where the secret was */
    for (size_t pad = 0; pad < 60; pad++) {
        char in[200], out[64];
        memset(in, 'x', pad);
        snprintf(in + pad, sizeof(in) - pad, "%s tail", SECRET);
        log_redact(in, out, sizeof(out));
        CHECK(!shows_part(out));
        CHECK(strlen(out) < sizeof(out));
    }
}

static int vredact(char *out, unsigned long n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = log_vredact(out, n, fmt, ap);
    va_end(ap);
    return rc;
}

static void test_vredact_long(void)
{
    /* longer than any fixed buffer inside the logger */
    size_t big = 10000;
    char *pad = malloc(big + 1);
    memset(pad, '.', big);
    pad[big] = '\0';
    char out[8192];
    CHECK(vredact(out, sizeof(out), "%s%s", pad, SECRET) == 0);
    CHECK(!shows_part(out));
    CHECK(strlen(out) == sizeof(out) - 1);
    for (size_t cut = 4090; cut < 4140; cut++) {
        pad[cut] = '\0';
        CHECK(vredact(out, 4096, "%s%s!", pad, SECRET) == 0);
        CHECK(!shows_part(out));
        pad[cut] = '.';
    }
    free(pad);
}

/* What log_error would print of an error message. */
static int prints_part(const char *msg)
{
    char out[ERR_MAX];
    return shows_part(log_redact(msg, out, sizeof(out)));
}

static void test_err_cut(void)
{
    /* a server echoing the token after padding: err_set cuts at ERR_MAX */
    for (size_t pad = ERR_MAX - 60; pad < ERR_MAX + 10; pad++) {
        struct err e;
        char *p = malloc(pad + 1);
        memset(p, 'p', pad);
        p[pad] = '\0';
        err_set(&e, "GET /x: HTTP 401: %s%s", p, SECRET);
        CHECK(!prints_part(e.msg));
        err_set(&e, "%s", SECRET);
        err_prefix(&e, "%s", p);
        CHECK(!prints_part(e.msg));
        free(p);
    }
    /* a message that fits is kept verbatim (log_error redacts it) */
    struct err e;
    err_set(&e, "short %s", "message");
    CHECK_STR(e.msg, "short message");
}

/* No URL's query reaches the output, wherever the URL stands. */
static void test_url_query(void)
{
    char out[256];
    CHECK_STR(log_redact("GET http://h:1/r/releases?per_page=100&page=2: HTTP 404: gone", out,
                         sizeof(out)),
              "GET http://h:1/r/releases: HTTP 404: gone");
    CHECK_STR(log_redact("redirect to \"https://x.example/b?X-Amz-Signature=abc\" refused", out,
                         sizeof(out)),
              "redirect to \"https://x.example/b\" refused");
    CHECK_STR(log_redact("HTTPS://H/a?token=1 and http://h/b", out, sizeof(out)),
              "HTTPS://H/a and http://h/b");
    /* a '?' outside a URL stays */
    CHECK_STR(log_redact("what? http://h/x done?", out, sizeof(out)), "what? http://h/x done?");
    CHECK_STR(log_redact("http://h/x?a=" SECRET, out, sizeof(out)), "http://h/x");
}

/* A secret that begins with another registered secret is hidden whole
 * (fuzz_creds: a temporary secret key starting with its access key id). */
static void test_secret_with_secret_prefix(void)
{
    char out[256];
    log_add_secret("ASIAPREFIX");
    log_add_secret("ASIAPREFIXrest/of/the/secret");
    CHECK_STR(log_redact("a ASIAPREFIXrest/of/the/secret b", out, sizeof(out)), "a *** b");
    CHECK_STR(log_redact("a ASIAPREFIX b", out, sizeof(out)), "a *** b");
}

int main(void)
{
    log_add_secret(SECRET);
    test_whole();
    test_tail();
    test_cut_after_redaction();
    test_vredact_long();
    test_err_cut();
    test_url_query();
    test_secret_with_secret_prefix();
    log_clear_secrets();
    return TEST_DONE();
}
