/* fuzz_sigv4.c - libFuzzer harness: the SigV4 canonicalizer.
 *
 * Input lines: method, path, query, then one header per line ("name:value",
 * at most 32). Each goes through sigv4_canonical_request() and, with fixed
 * credentials (the session token taken from an "x-amz-security-token" line)
 * and the x-amz-date header added, sigv4_sign(). Checked: the
 * canonical query is idempotent, and sigv4_uri_encode() writes only
 * unreserved bytes and %XX escapes that decode back to the input. */
#include "fuzz.h"
#include "sigv4.h"

#define MAX_HEADERS 32
#define AMZ_DATE "20130524T000000Z"

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Encode data and decode it back by hand. */
static void check_uri_encode(const uint8_t *data, size_t size, int keep_slash)
{
    struct buf out = BUF_INIT(0);
    size_t j = 0;
    if (sigv4_uri_encode(&out, (const char *)data, size, keep_slash) < 0)
        abort();
    for (size_t i = 0; i < out.len; i++, j++) {
        char c = out.ptr[i];
        if (c == '%') {
            if (i + 2 >= out.len || hexval(out.ptr[i + 1]) < 0 || hexval(out.ptr[i + 2]) < 0)
                abort();
            c = (char)(hexval(out.ptr[i + 1]) << 4 | hexval(out.ptr[i + 2]));
            i += 2;
        } else if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~/",
                           c) ||
                   (c == '/' && !keep_slash)) {
            abort();
        }
        if (j >= size || c != (char)data[j])
            abort();
    }
    if (j != size)
        abort();
    buf_free(&out);
}

static void check_query(const char *query)
{
    struct buf once = BUF_INIT(0), twice = BUF_INIT(0);
    struct err err;
    if (sigv4_canonical_query(query, &once, &err) == 0) {
        if (sigv4_canonical_query(buf_str(&once), &twice, &err) < 0 ||
            strcmp(buf_str(&once), buf_str(&twice)) != 0)
            abort();
    }
    buf_free(&once);
    buf_free(&twice);
}

/* Sign with fixed keys; with a session token when the input sets one. */
static void sign(const struct sigv4_request *req)
{
    struct sigv4_credentials cred = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCY", NULL,
                                     "us-east-1", "s3"};
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcmp(req->headers[i].name, "x-amz-security-token") == 0)
            cred.session_token = req->headers[i].value;
    struct buf out = BUF_INIT(0);
    struct err err;
    if (sigv4_sign(req, AMZ_DATE, &cred, &out, &err) == 0 &&
        strncmp(buf_str(&out), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20130524/", 48) != 0)
        abort();
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data;
    size_t left = size;
    struct sigv4_header h[MAX_HEADERS + 1];
    char *lines[MAX_HEADERS];
    size_t n = 0;
    check_uri_encode(data, size, size % 2);
    char *method = fuzz_field(&p, &left, '\n', SIZE_MAX, 0);
    char *path = fuzz_field(&p, &left, '\n', SIZE_MAX, 0);
    char *query = fuzz_field(&p, &left, '\n', SIZE_MAX, 0);
    while (left && n < MAX_HEADERS) {
        char *line = lines[n] = fuzz_field(&p, &left, '\n', SIZE_MAX, n == MAX_HEADERS - 1);
        char *colon = strchr(line, ':');
        if (colon)
            *colon = '\0';
        h[n].name = line;
        h[n++].value = colon ? colon + 1 : "";
    }
    struct sigv4_request req = {method, path, query, h, n, SIGV4_UNSIGNED};
    struct buf canon = BUF_INIT(0);
    struct err err;
    if (sigv4_canonical_request(&req, &canon, &err) == 0 &&
        strncmp(buf_str(&canon), method, strlen(method)) != 0)
        abort();
    buf_free(&canon);
    check_query(query);
    h[n].name = "x-amz-date";
    h[n].value = AMZ_DATE;
    req.n_headers = n + 1;
    sign(&req);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(method);
    free(path);
    free(query);
    return 0;
}
