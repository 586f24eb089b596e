/* test_sigv4.c - SigV4 signer against the aws-c-auth vectors, the S3 docs
 * examples and hand-made canonicalisation cases. argv[1] is test/data. */
#include "sigv4.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tap.h"

#define MAX_HDRS 16
#define VECTOR_CASES 32 /* 38 upstream minus the six path-normalising ones */
#define VECTOR_DATE "20150830T123600Z"

/* ---- helpers ---- */

static int read_whole(const char *path, struct buf *out)
{
    FILE *f = fopen(path, "rb");
    char chunk[4096];
    size_t n;
    if (!f)
        return -1;
    buf_reset(out);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_add(out, chunk, n) < 0)
            break;
    int rc = ferror(f) || !out->ptr ? -1 : 0;
    fclose(f);
    return rc;
}

static int read_case_file(const char *dir, const char *name, const char *file, struct buf *out)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, name, file);
    if (read_whole(path, out) == 0)
        return 0;
    fprintf(stderr, "cannot read %s\n", path);
    return -1;
}

/* sigv4_signing_key for date and cred must succeed and give want (hex). */
static void check_signing_key(const char *date, const struct sigv4_credentials *cred,
                              const char *want)
{
    unsigned char key[32];
    char hex[65];
    struct err err = {{0}};
    CHECK(sigv4_signing_key(date, cred, key, &err) == 0);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    CHECK_STR(hex, want);
}

/* On failure the helpers below return the error message, kept in out. */
static const char *err_text(struct buf *out, const struct err *err)
{
    buf_free(out);
    buf_adds(out, err->msg);
    return buf_str(out);
}

/* The canonical request of a request built by hand (or the error). */
static const char *canon_of(struct buf *out, const char *method, const char *path,
                            const char *query, const struct sigv4_header *h, size_t n)
{
    struct sigv4_request req = {method, path, query, h, n, SIGV4_EMPTY_SHA256};
    struct err err = {{0}};
    buf_free(out);
    return sigv4_canonical_request(&req, out, &err) < 0 ? err_text(out, &err) : buf_str(out);
}

static const char *cquery(struct buf *out, const char *q)
{
    struct err err = {{0}};
    buf_free(out);
    return sigv4_canonical_query(q, out, &err) < 0 ? err_text(out, &err) : buf_str(out);
}

static const char *uenc(struct buf *out, const char *s, size_t n, int keep_slash)
{
    buf_free(out);
    return sigv4_uri_encode(out, s, n, keep_slash) < 0 ? "(oom)" : buf_str(out);
}

/* ---- request.txt parsing ---- */

struct parsed {
    struct buf line1; /* request line, split in place */
    const char *method, *path, *query;
    struct buf names[MAX_HDRS], values[MAX_HDRS];
    struct sigv4_header h[MAX_HDRS + 3];
    size_t n;
    const char *body;
    size_t body_len;
};

static void parsed_free(struct parsed *p)
{
    buf_free(&p->line1);
    for (size_t i = 0; i < MAX_HDRS; i++) {
        buf_free(&p->names[i]);
        buf_free(&p->values[i]);
    }
}

/* Request line, "Name:value" headers (a line starting with whitespace
 * continues the value above: kept as "\n" + line for the signer to fold),
 * blank line, body. */
static int parse_request(const char *text, size_t len, struct parsed *p)
{
    const char *s = text, *end = text + len;
    memset(p, 0, sizeof(*p));
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    if (!nl || buf_add(&p->line1, s, (size_t)(nl - s)) < 0)
        return -1;
    char *sp1 = strchr(p->line1.ptr, ' '), *sp2 = strrchr(p->line1.ptr, ' ');
    if (!sp1 || sp1 == sp2)
        return -1;
    *sp1 = *sp2 = '\0';
    p->method = p->line1.ptr;
    p->path = sp1 + 1;
    char *q = strchr(sp1 + 1, '?');
    if (q)
        *q = '\0';
    p->query = q ? q + 1 : "";
    for (s = nl + 1; s < end; s = nl + 1) {
        nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl)
            nl = end;
        size_t ll = (size_t)(nl - s);
        if (ll == 0) {
            p->body = nl + 1 <= end ? nl + 1 : end;
            p->body_len = (size_t)(end - p->body);
            break;
        }
        if ((*s == ' ' || *s == '\t') && p->n) {
            if (buf_addc(&p->values[p->n - 1], '\n') < 0 ||
                buf_add(&p->values[p->n - 1], s, ll) < 0)
                return -1;
            continue;
        }
        const char *colon = memchr(s, ':', ll);
        if (!colon || p->n == MAX_HDRS)
            return -1;
        if (buf_add(&p->names[p->n], s, (size_t)(colon - s)) < 0 ||
            buf_add(&p->values[p->n], colon + 1, ll - (size_t)(colon - s) - 1) < 0)
            return -1;
        p->n++;
        if (nl == end)
            break;
    }
    for (size_t i = 0; i < p->n; i++)
        p->h[i] = (struct sigv4_header){buf_str(&p->names[i]), buf_str(&p->values[i])};
    if (!p->body)
        p->body = "";
    return 0;
}

/* ---- aws-c-auth vectors ---- */

struct context {
    json_t *root;
    const char *akid, *secret, *token, *region, *service, *timestamp;
    int sign_body, omit_token;
};

static int parse_context(const char *text, struct context *c)
{
    json_error_t jerr;
    memset(c, 0, sizeof(*c));
    c->root = json_loads(text, 0, &jerr);
    if (!c->root)
        return -1;
    if (json_unpack_ex(c->root, &jerr, 0, "{s:{s:s, s:s, s?s}, s:s, s:s, s:s, s:b, s?b}",
                       "credentials", "access_key_id", &c->akid, "secret_access_key", &c->secret,
                       "token", &c->token, "region", &c->region, "service", &c->service,
                       "timestamp", &c->timestamp, "sign_body", &c->sign_body, "omit_session_token",
                       &c->omit_token) < 0) {
        fprintf(stderr, "context.json: %s\n", jerr.text);
        return -1;
    }
    return 0;
}

/* "2015-08-30T12:36:00Z" to an amz date via sigv4_amz_date. */
static void iso_to_amz(const char *iso, char amz[17])
{
    struct tm tm = {0};
    amz[0] = '\0';
    if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    sigv4_amz_date((long long)timegm(&tm), amz);
}

/* The Authorization value of header-signed-request.txt, ", " made ",". */
static void expected_auth(const char *signed_req, struct buf *out)
{
    const char *a = strstr(signed_req, "\nAuthorization:");
    buf_reset(out);
    if (!a)
        return;
    a += strlen("\nAuthorization:");
    for (; *a && *a != '\n'; a++) {
        if (a[0] == ',' && a[1] == ' ')
            a++, buf_addc(out, ',');
        else
            buf_addc(out, *a);
    }
}

static int is_skipped(const char *name)
{
    static const char *const normalising[] = {"get-relative-normalized",
                                              "get-relative-relative-normalized",
                                              "get-slash-normalized",
                                              "get-slash-dot-slash-normalized",
                                              "get-slash-pointless-dot-normalized",
                                              "get-slashes-normalized"};
    for (size_t i = 0; i < sizeof(normalising) / sizeof(*normalising); i++)
        if (strcmp(name, normalising[i]) == 0)
            return 1;
    return 0;
}

struct files {
    struct buf ctx, req, canon, sts, sig, signed_req;
};

static int load_case(const char *dir, const char *name, struct files *f)
{
    return read_case_file(dir, name, "context.json", &f->ctx) < 0 ||
                   read_case_file(dir, name, "request.txt", &f->req) < 0 ||
                   read_case_file(dir, name, "header-canonical-request.txt", &f->canon) < 0 ||
                   read_case_file(dir, name, "header-string-to-sign.txt", &f->sts) < 0 ||
                   read_case_file(dir, name, "header-signature.txt", &f->sig) < 0 ||
                   read_case_file(dir, name, "header-signed-request.txt", &f->signed_req) < 0
               ? -1
               : 0;
}

static void files_free(struct files *f)
{
    buf_free(&f->ctx);
    buf_free(&f->req);
    buf_free(&f->canon);
    buf_free(&f->sts);
    buf_free(&f->sig);
    buf_free(&f->signed_req);
}

/* Sign one case and compare every stage byte for byte. */
static void check_case(const char *name, const struct files *f, struct context *c, struct parsed *p)
{
    char amz[17], body_hash[65], sig[65];
    struct buf canon = BUF_INIT(0), sts = BUF_INIT(0), auth = BUF_INIT(0), want = BUF_INIT(0);
    struct err err = {{0}};

    iso_to_amz(c->timestamp, amz);
    CHECK_STR(amz, VECTOR_DATE);
    CHECK(sigv4_sha256_hex(p->body, p->body_len, body_hash) == 0);
    size_t n = p->n;
    p->h[n++] = (struct sigv4_header){"X-Amz-Date", amz};
    if (c->token && !c->omit_token)
        p->h[n++] = (struct sigv4_header){"X-Amz-Security-Token", c->token};
    if (c->sign_body)
        p->h[n++] = (struct sigv4_header){"x-amz-content-sha256", body_hash};
    struct sigv4_request req = {p->method, p->path, p->query,
                                p->h,      n,       c->sign_body ? body_hash : SIGV4_EMPTY_SHA256};
    struct sigv4_credentials cred = {c->akid, c->secret, c->omit_token ? NULL : c->token, c->region,
                                     c->service};

    int failed_before = tap_failed;
    CHECK(sigv4_canonical_request(&req, &canon, &err) == 0);
    CHECK_STR(buf_str(&canon), buf_str(&f->canon));
    CHECK(canon.len == f->canon.len);
    CHECK(sigv4_string_to_sign(buf_str(&canon), amz, &cred, &sts, &err) == 0);
    CHECK_STR(buf_str(&sts), buf_str(&f->sts));
    CHECK(sigv4_signature(buf_str(&sts), amz, &cred, sig, &err) == 0);
    CHECK_STR(sig, buf_str(&f->sig));
    CHECK(sigv4_sign(&req, amz, &cred, &auth, &err) == 0);
    expected_auth(buf_str(&f->signed_req), &want);
    CHECK(want.len > 0);
    CHECK_STR(buf_str(&auth), buf_str(&want));
    if (tap_failed != failed_before)
        fprintf(stderr, "  ^ in case %s (err: %s)\n", name, err.msg);
    buf_free(&canon);
    buf_free(&sts);
    buf_free(&auth);
    buf_free(&want);
}

static int run_case(const char *dir, const char *name)
{
    struct files f = {BUF_INIT(0), BUF_INIT(0), BUF_INIT(0), BUF_INIT(0), BUF_INIT(0), BUF_INIT(0)};
    struct context c = {0};
    struct parsed p;
    memset(&p, 0, sizeof(p));
    int ok = load_case(dir, name, &f) == 0 && parse_context(buf_str(&f.ctx), &c) == 0 &&
             parse_request(f.req.ptr, f.req.len, &p) == 0;
    CHECK(ok);
    if (ok)
        check_case(name, &f, &c, &p);
    else
        fprintf(stderr, "case %s: cannot load\n", name);
    json_decref(c.root);
    parsed_free(&p);
    files_free(&f);
    return ok;
}

static void test_vectors(const char *data)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/sigv4", data);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    int ran = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        char path[2048];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (de->d_name[0] == '.' || stat(path, &st) < 0 || !S_ISDIR(st.st_mode) ||
            is_skipped(de->d_name))
            continue;
        ran += run_case(dir, de->d_name);
    }
    closedir(d);
    CHECK(ran == VECTOR_CASES);
    if (ran != VECTOR_CASES)
        fprintf(stderr, "ran %d vector cases, expected %d\n", ran, VECTOR_CASES);
}

/* The intermediate key of the aws-c-auth vectors (their README). */
static void test_vector_signing_key(void)
{
    struct sigv4_credentials cred = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                     NULL, "us-east-1", "service"};
    check_signing_key(VECTOR_DATE, &cred,
                      "938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75");
}

/* ---- S3 documentation examples ---- */

/* Source: Amazon S3 API Reference, "Signature Calculations for the
 * Authorization Header: Transferring Payload in a Single Chunk (AWS Signature
 * Version 4)", Examples: Signature Calculations
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html). */
#define S3_DATE "20130524T000000Z"
#define S3_HOST "examplebucket.s3.amazonaws.com"
#define S3_EMPTY SIGV4_EMPTY_SHA256
#define S3_PUT_HASH "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
#define S3_CRED_PREFIX                                                                             \
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"

struct s3_example {
    const char *method, *path, *query, *body;
    struct sigv4_header h[5];
    size_t n;
    const char *canon, *sts_hash, *sig, *auth;
};

static const struct s3_example s3_examples[] = {
    {"GET",
     "/test.txt",
     NULL,
     "",
     {{"Host", S3_HOST},
      {"Range", "bytes=0-9"},
      {"x-amz-content-sha256", S3_EMPTY},
      {"x-amz-date", S3_DATE}},
     4,
     "GET\n/test.txt\n\nhost:" S3_HOST "\nrange:bytes=0-9\nx-amz-content-sha256:" S3_EMPTY
     "\nx-amz-date:" S3_DATE "\n\nhost;range;x-amz-content-sha256;x-amz-date\n" S3_EMPTY,
     "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
     S3_CRED_PREFIX "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
    {"PUT",
     "/test$file.text",
     NULL,
     "Welcome to Amazon S3.",
     {{"Host", S3_HOST},
      {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
      {"x-amz-date", S3_DATE},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"x-amz-content-sha256", S3_PUT_HASH}},
     5,
     "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\nhost:" S3_HOST
     "\nx-amz-content-sha256:" S3_PUT_HASH "\nx-amz-date:" S3_DATE
     "\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
     "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n" S3_PUT_HASH,
     "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d",
     "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
     S3_CRED_PREFIX "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
                    "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
    {"GET",
     "/",
     "lifecycle",
     "",
     {{"Host", S3_HOST}, {"x-amz-date", S3_DATE}, {"x-amz-content-sha256", S3_EMPTY}},
     3,
     "GET\n/\nlifecycle=\nhost:" S3_HOST "\nx-amz-content-sha256:" S3_EMPTY "\nx-amz-date:" S3_DATE
     "\n\nhost;x-amz-content-sha256;x-amz-date\n" S3_EMPTY,
     "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca",
     "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
     S3_CRED_PREFIX "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
                    "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
    {"GET",
     "/",
     "max-keys=2&prefix=J",
     "",
     {{"Host", S3_HOST}, {"x-amz-date", S3_DATE}, {"x-amz-content-sha256", S3_EMPTY}},
     3,
     "GET\n/\nmax-keys=2&prefix=J\nhost:" S3_HOST "\nx-amz-content-sha256:" S3_EMPTY
     "\nx-amz-date:" S3_DATE "\n\nhost;x-amz-content-sha256;x-amz-date\n" S3_EMPTY,
     "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7",
     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
     S3_CRED_PREFIX "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
                    "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
};

static const struct sigv4_credentials s3_cred = {
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL, "us-east-1", "s3"};

static void test_s3_examples(void)
{
    for (size_t i = 0; i < sizeof(s3_examples) / sizeof(*s3_examples); i++) {
        const struct s3_example *e = &s3_examples[i];
        char body_hash[65], sig[65];
        struct buf canon = BUF_INIT(0), sts = BUF_INIT(0), auth = BUF_INIT(0),
                   want_sts = BUF_INIT(0);
        struct err err = {{0}};
        CHECK(sigv4_sha256_hex(e->body, strlen(e->body), body_hash) == 0);
        struct sigv4_request req = {e->method, e->path, e->query, e->h, e->n, body_hash};
        CHECK(sigv4_canonical_request(&req, &canon, &err) == 0);
        CHECK_STR(buf_str(&canon), e->canon);
        CHECK(sigv4_string_to_sign(buf_str(&canon), S3_DATE, &s3_cred, &sts, &err) == 0);
        buf_addf(&want_sts, "AWS4-HMAC-SHA256\n%s\n20130524/us-east-1/s3/aws4_request\n%s", S3_DATE,
                 e->sts_hash);
        CHECK_STR(buf_str(&sts), buf_str(&want_sts));
        CHECK(sigv4_signature(buf_str(&sts), S3_DATE, &s3_cred, sig, &err) == 0);
        CHECK_STR(sig, e->sig);
        CHECK(sigv4_sign(&req, S3_DATE, &s3_cred, &auth, &err) == 0);
        CHECK_STR(buf_str(&auth), e->auth);
        buf_free(&canon);
        buf_free(&sts);
        buf_free(&auth);
        buf_free(&want_sts);
    }
    check_signing_key(S3_DATE, &s3_cred,
                      "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378");
}

/* ---- unit checks ---- */

static void test_uri_encode(void)
{
    struct buf b = BUF_INIT(0);
    CHECK_STR(uenc(&b, "a b", 3, 1), "a%20b");
    CHECK_STR(uenc(&b, "test$file", 9, 1), "test%24file");
    CHECK_STR(uenc(&b, "/a/b/", 5, 1), "/a/b/");
    CHECK_STR(uenc(&b, "/a/b/", 5, 0), "%2Fa%2Fb%2F");
    CHECK_STR(uenc(&b, "\xe1\x88\xb4", 3, 1), "%E1%88%B4");
    CHECK_STR(uenc(&b, "-._~AZaz09", 10, 0), "-._~AZaz09");
    CHECK_STR(uenc(&b, "+%=&?#:@!*'()", 13, 1), "%2B%25%3D%26%3F%23%3A%40%21%2A%27%28%29");
    CHECK_STR(uenc(&b, "a\0b", 3, 1), "a%00b");
    CHECK_STR(uenc(&b, "abc", 2, 1), "ab");
    CHECK_STR(uenc(&b, "\x7f\xff", 2, 1), "%7F%FF");
    buf_free(&b);
}

static void test_canonical_query(void)
{
    struct buf a = BUF_INIT(0), b = BUF_INIT(0);
    CHECK_STR(cquery(&a, NULL), "");
    CHECK_STR(cquery(&a, ""), "");
    CHECK_STR(cquery(&a, "b=2&a=1&c"), "a=1&b=2&c=");
    CHECK_STR(cquery(&a, "uploads"), "uploads=");
    CHECK_STR(cquery(&a, "uploadId=x&partNumber=3"), "partNumber=3&uploadId=x");
    CHECK_STR(cquery(&a, "prefix=a%20b"), "prefix=a%20b");
    CHECK_STR(cquery(&b, "prefix=a b"), buf_str(&a));
    CHECK_STR(cquery(&a, "prefix=a%2fb%7E"), "prefix=a%2Fb~");
    CHECK_STR(cquery(&a, "k=a/b"), "k=a%2Fb");
    CHECK_STR(cquery(&a, "a+b=c+d"), "a%2Bb=c%2Bd");
    CHECK_STR(cquery(&a, "k=%2B"), "k=%2B");
    CHECK_STR(cquery(&a, "Param-3=x&Param=y"), "Param=y&Param-3=x");
    CHECK_STR(cquery(&a, "k=b&k=a&k="), "k=&k=a&k=b");
    CHECK_STR(cquery(&a, "&a=1&&b&"), "a=1&b=");
    CHECK_STR(cquery(&a, "a=b=c"), "a=b%3Dc");
    CHECK_STR(cquery(&a, "=v"), "=v");
    CHECK_STR(cquery(&a, "a=%zz&b=%&c=%4"), "a=%25zz&b=%25&c=%254");
    CHECK_STR(cquery(&a, "B=1&a=2"), "B=1&a=2");
    CHECK_STR(cquery(&a, "%E1%88%B4=bar"), "%E1%88%B4=bar");
    CHECK_STR(cquery(&b, "\xe1\x88\xb4=bar"), buf_str(&a));
    buf_free(&a);
    buf_free(&b);
}

static void test_headers(void)
{
    struct buf b = BUF_INIT(0);
    const struct sigv4_header h[] = {
        {"X-Meta", " a \t  b\r\n   c  "},
        {"Host", "  example.com "},
        {"x-meta", "d"},
        {"X-Empty", "   "},
        {"Content-Type", "text/plain"},
        {"X-META", "e  f"},
    };
    CHECK_STR(canon_of(&b, "PUT", "/k", NULL, h, 6),
              "PUT\n/k\n\ncontent-type:text/plain\nhost:example.com\nx-empty:\n"
              "x-meta:a b c,d,e f\n\ncontent-type;host;x-empty;x-meta\n" SIGV4_EMPTY_SHA256);
    /* NULL and "" path mean "/"; the path is never normalised. */
    CHECK_STR(canon_of(&b, "GET", NULL, "", h + 1, 1),
              "GET\n/\n\nhost:example.com\n\nhost\n" SIGV4_EMPTY_SHA256);
    CHECK_STR(canon_of(&b, "GET", "/a/./b/../c//d%2F e", NULL, h + 1, 1),
              "GET\n/a/./b/../c//d%252F%20e\n\nhost:example.com\n\nhost\n" SIGV4_EMPTY_SHA256);
    /* Refusals name the culprit. */
    CHECK_STR(canon_of(&b, "GET", "/", NULL, h, 1), "sigv4: request has no host header");
    const struct sigv4_header bad[] = {{"Host", "h"}, {"Bad Name", "v"}};
    CHECK_STR(canon_of(&b, "GET", "/", NULL, bad, 2), "sigv4: bad header name \"Bad Name\"");
    const struct sigv4_header colon[] = {{"Host", "h"}, {"a:b", "v"}};
    CHECK_STR(canon_of(&b, "GET", "/", NULL, colon, 2), "sigv4: bad header name \"a:b\"");
    CHECK_STR(canon_of(&b, "GET", "key", NULL, h + 1, 1),
              "sigv4: path \"key\" does not start with '/'");
    CHECK_STR(canon_of(&b, "", "/", NULL, h + 1, 1), "sigv4: request has no method");
    buf_free(&b);
}

/* sigv4_sign refuses requests whose headers disagree with what it signs. */
static void test_sign_refusals(void)
{
    struct buf out = BUF_INIT(0);
    struct err err = {{0}};
    struct sigv4_header h[] = {{"Host", S3_HOST},
                               {"x-amz-date", S3_DATE},
                               {"x-amz-content-sha256", S3_EMPTY},
                               {"x-amz-security-token", "tok"}};
    struct sigv4_request req = {"GET", "/", NULL, h, 3, S3_EMPTY};
    struct sigv4_credentials cred = s3_cred;

    CHECK(sigv4_sign(&req, "20130525T000000Z", &cred, &out, &err) == -1);
    CHECK_STR(err.msg, "sigv4: x-amz-date header does not match what is signed");
    CHECK(sigv4_sign(&req, "2013-05-24", &cred, &out, &err) == -1);
    CHECK_STR(err.msg, "sigv4: bad amz date \"2013-05-24\"");
    req.payload_hash = SIGV4_UNSIGNED;
    CHECK(sigv4_sign(&req, S3_DATE, &cred, &out, &err) == -1);
    CHECK_STR(err.msg, "sigv4: x-amz-content-sha256 header does not match what is signed");
    req.payload_hash = S3_EMPTY;
    cred.session_token = "tok";
    CHECK(sigv4_sign(&req, S3_DATE, &cred, &out, &err) == -1);
    CHECK_STR(err.msg, "sigv4: request has no x-amz-security-token header");
    req.n_headers = 4;
    CHECK(sigv4_sign(&req, S3_DATE, &cred, &out, &err) == 0);
    CHECK(strstr(buf_str(&out), "SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                                "x-amz-security-token,Signature=") != NULL);
    cred.session_token = NULL;
    cred.region = "";
    buf_free(&out);
    CHECK(sigv4_sign(&req, S3_DATE, &cred, &out, &err) == -1);
    CHECK_STR(err.msg, "sigv4: no region");
    cred.region = "us-east-1";
    cred.access_key_id = NULL;
    CHECK(sigv4_sign(&req, S3_DATE, &cred, &out, &err) == -1);
    CHECK_STR(err.msg, "sigv4: no access key id");
    CHECK(out.len == 0);
    buf_free(&out);
}

static void test_misc(void)
{
    char hex[65], date[17];
    CHECK(sigv4_sha256_hex("", 0, hex) == 0);
    CHECK_STR(hex, SIGV4_EMPTY_SHA256);
    CHECK(sigv4_sha256_hex("Welcome to Amazon S3.", 21, hex) == 0);
    CHECK_STR(hex, S3_PUT_HASH);
    sigv4_amz_date(1369353600LL, date);
    CHECK_STR(date, S3_DATE);
    sigv4_amz_date(1440938160LL, date);
    CHECK_STR(date, VECTOR_DATE);
    sigv4_amz_date(0, date);
    CHECK(strlen(date) == 16 && date[8] == 'T' && date[15] == 'Z' && strncmp(date, "20", 2) == 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s test-data-dir\n", argv[0]);
        return 2;
    }
    test_uri_encode();
    test_canonical_query();
    test_headers();
    test_sign_refusals();
    test_misc();
    test_s3_examples();
    test_vector_signing_key();
    test_vectors(argv[1]);
    return TEST_DONE();
}
