/* test_s3_list_seam.c - the one paginator of lib/s3/s3_list.c, for both
 * listings, over the canned transport (test/unit/canned.[ch]): pages are
 * followed by continuation token and by key/upload-id markers, and a server
 * that repeats its position is refused. */
#include <stdlib.h>
#include <string.h>

#include "canned.h"
#include "err.h"
#include "http.h"
#include "s3.h"
#include "settings.h"
#include "tap.h"

#define BASE "http://s3.test/b"
#define OBJ BASE "?list-type=2&prefix=p"
#define UPL BASE "?uploads&prefix=p"

struct env {
    struct canned can;
    struct http_client http;
    struct s3_config cfg;
    struct s3_client s3;
    struct buf seen; /* what the callback got, "key;" each */
};

static void env_open(struct env *e)
{
    struct err err = {{0}};
    struct settings s;
    memset(e, 0, sizeof(*e));
    settings_from_env(&s);
    canned_init(&e->can);
    canned_install(&e->can);
    e->cfg.bucket = "b";
    e->cfg.endpoint = "http://s3.test";
    e->cfg.path_style = 1;
    e->cfg.creds.access_key_id = "AK";
    e->cfg.creds.secret_access_key = "SK";
    e->cfg.concurrency = 1;
    buf_init(&e->seen, 0);
    if (http_client_init(&e->http, &s.http, &err) < 0 ||
        s3_client_init(&e->s3, &e->http, &e->cfg, &err) < 0)
        abort();
}

static void env_close(struct env *e)
{
    s3_client_cleanup(&e->s3);
    http_client_cleanup(&e->http);
    buf_free(&e->seen);
    canned_cleanup(&e->can);
}

static int on_object(void *ctx, const char *key, int64_t size, int is_prefix, struct err *err)
{
    (void)size, (void)is_prefix, (void)err;
    return buf_addf(&((struct env *)ctx)->seen, "%s;", key);
}

static int on_upload(void *ctx, const char *key, const char *id, int64_t ms, struct err *err)
{
    (void)ms, (void)err;
    return buf_addf(&((struct env *)ctx)->seen, "%s=%s;", key, id);
}

#define LIST(body) "<ListBucketResult>" body "</ListBucketResult>"
#define UPLOADS(body) "<ListMultipartUploadsResult>" body "</ListMultipartUploadsResult>"
#define UP(k, id) "<Upload><Key>" k "</Key><UploadId>" id "</UploadId></Upload>"

static void test_objects_pages(void)
{
    struct env e;
    struct err err = {{0}};
    env_open(&e);
    canned_add(&e.can, "GET", OBJ "&continuation-token=t1", 200, NULL,
               LIST("<IsTruncated>false</IsTruncated><Contents><Key>p2</Key><Size>1</Size>"
                    "</Contents>"));
    canned_add(&e.can, "GET", OBJ, 200, NULL,
               LIST("<IsTruncated>true</IsTruncated><NextContinuationToken>t1"
                    "</NextContinuationToken><Contents><Key>p1</Key><Size>1</Size></Contents>"));
    CHECK(s3_list_objects(&e.s3, "p", NULL, on_object, &e, &err) == 0);
    CHECK_STR(buf_str(&e.seen), "p1;p2;");
    CHECK(canned_count(&e.can, "GET", BASE "*") == 2);
    env_close(&e);
}

static void test_objects_repeated_token(void)
{
    struct env e;
    struct err err = {{0}};
    env_open(&e);
    canned_add(&e.can, "GET", OBJ "*", 200, NULL,
               LIST("<IsTruncated>true</IsTruncated><NextContinuationToken>T"
                    "</NextContinuationToken>"));
    CHECK(s3_list_objects(&e.s3, "p", NULL, on_object, &e, &err) == -1);
    CHECK_STR(err.msg, "s3 ListObjectsV2 \"p\": the server repeated a continuation token");
    CHECK(canned_count(&e.can, "GET", BASE "*") == 2);
    env_close(&e);
}

static void test_objects_no_token(void)
{
    struct env e;
    struct err err = {{0}};
    env_open(&e);
    canned_add(&e.can, "GET", OBJ, 200, NULL, LIST("<IsTruncated>true</IsTruncated>"));
    CHECK(s3_list_objects(&e.s3, "p", NULL, on_object, &e, &err) == -1);
    CHECK_STR(err.msg, "s3 ListObjectsV2 \"p\": truncated listing without a continuation token");
    env_close(&e);
}

static void test_uploads_pages(void)
{
    struct env e;
    struct err err = {{0}};
    env_open(&e);
    canned_add(&e.can, "GET", UPL "&key-marker=k1&upload-id-marker=u1", 200, NULL,
               UPLOADS("<IsTruncated>false</IsTruncated>" UP("k2", "u2")));
    canned_add(&e.can, "GET", UPL, 200, NULL,
               UPLOADS("<IsTruncated>true</IsTruncated><NextKeyMarker>k1</NextKeyMarker>"
                       "<NextUploadIdMarker>u1</NextUploadIdMarker>" UP("k1", "u1")));
    CHECK(s3_list_uploads(&e.s3, "p", on_upload, &e, &err) == 0);
    CHECK_STR(buf_str(&e.seen), "k1=u1;k2=u2;");
    env_close(&e);
}

/* A cycle of three marker pairs is caught by the cycle detection. */
static void test_uploads_marker_cycle(void)
{
    struct env e;
    struct err err = {{0}};
    env_open(&e);
    canned_add(&e.can, "GET", UPL "&key-marker=a&upload-id-marker=1", 200, NULL,
               UPLOADS("<IsTruncated>true</IsTruncated><NextKeyMarker>b</NextKeyMarker>"
                       "<NextUploadIdMarker>2</NextUploadIdMarker>"));
    canned_add(&e.can, "GET", UPL "&key-marker=b&upload-id-marker=2", 200, NULL,
               UPLOADS("<IsTruncated>true</IsTruncated><NextKeyMarker>c</NextKeyMarker>"
                       "<NextUploadIdMarker>3</NextUploadIdMarker>"));
    canned_add(&e.can, "GET", UPL "*", 200, NULL,
               UPLOADS("<IsTruncated>true</IsTruncated><NextKeyMarker>a</NextKeyMarker>"
                       "<NextUploadIdMarker>1</NextUploadIdMarker>"));
    CHECK(s3_list_uploads(&e.s3, "p", on_upload, &e, &err) == -1);
    CHECK_STR(err.msg, "s3 ListMultipartUploads \"p\": truncated listing without new markers");
    CHECK(canned_count(&e.can, "GET", BASE "*") <= 4 * 3 + 2);
    env_close(&e);
}

int main(void)
{
    setenv("GRM_RETRY_BASE_MS", "1", 1);
    setenv("GRM_MAX_ATTEMPTS", "2", 1);
    test_objects_pages();
    test_objects_repeated_token();
    test_objects_no_token();
    test_uploads_pages();
    test_uploads_marker_cycle();
    return TEST_DONE();
}
