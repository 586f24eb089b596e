/* s3_internal.h - INTERNAL to the S3 client: what s3.c (request core),
 * s3_multipart.c and s3_list.c share. Include it only from lib/s3*.c.
 *
 * A request (struct s3_req) is set up with s3_req_init, given headers and a
 * body, run with s3_req_perform (or, several at once, through http_run_which
 * on their transfers) and freed with s3_req_cleanup on every path. */
#ifndef GRM_S3_INTERNAL_H
#define GRM_S3_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "s3.h"
#include "s3xml.h"
#include "sigv4.h"

#define S3_MAX_HDRS 12
#define S3_XML_MAX (8u * 1024 * 1024) /* cap of a response body we parse */
#define S3_MIB (1024 * 1024LL)

/* One request: what is signed, the transfer, and where its answer goes. */
struct s3_req {
    struct s3_client *c;
    const char *op;   /* "PutObject", for messages */
    const char *key;  /* for messages */
    int part;         /* UploadPart number, else 0 */
    struct buf path;  /* raw canonical path */
    struct buf query; /* encoded, without '?' */
    struct buf url;
    const char *payload_hash;
    struct sigv4_header hdrs[S3_MAX_HDRS];
    size_t n_hdrs;
    char md5_b64[32];
    char checksum_b64[48];
    char hash_hex[65];
    char etag[128];
    struct curl_slist *slist;
    char cond[160];    /* "If-Match: ..." or "If-None-Match: *", sent unsigned; or "" */
    void *owner;       /* the operation this request belongs to */
    http_done_fn done; /* the operation's own done callback, after req_done */
    int refreshed;     /* credentials refreshed once for an expired token */
    struct http_xfer x;
};

/* "s3: out of memory" into err; returns -1. */
int s3_oom(struct err *err);
/* Base64 of the 32 bytes a 64-hex sha256 stands for, into out. */
void s3_hex_to_b64(const char *hex, char out[48]);
/* -1 with err set when key is empty or over 1024 bytes; op names the call. */
int s3_check_key(const char *op, const char *key, struct err *err);
/* Append "&name=value" (no '&' when q is empty), value query-encoded; a NULL
 * value adds nothing. Returns 0, or -1 on OOM. */
int s3_query_add(struct buf *q, const char *name, const char *value);

/* Set up r for method on key ("" = bucket) with an encoded query (may be
 * NULL); op and key are borrowed, for messages. Returns 0, or -1 with err
 * (r must still be given to s3_req_cleanup). */
int s3_req_init(struct s3_req *r, struct s3_client *c, const char *op, const char *method,
                const char *key, const char *query, struct err *err);
/* Free what the request holds (not r itself). */
void s3_req_cleanup(struct s3_req *r);
/* Add a signed header (both strings borrowed); NULL or empty values are skipped. */
void s3_req_header(struct s3_req *r, const char *name, const char *value);
/* An in-memory body (borrowed), its sha256 as the payload hash. */
void s3_req_body(struct s3_req *r, const void *data, size_t len);
/* Content-Type, x-amz-meta-sha256, SSE and storage class of an object
 * write; -1 with err when o holds a bad content type or sha256. */
int s3_req_write_headers(struct s3_req *r, const struct s3_put_opts *o, struct err *err);
/* Run the one request; -1 with err ("s3 Op "key": why") when the transfer
 * failed. Any HTTP status is 0: judge it with s3_req_ok. */
int s3_req_perform(struct s3_req *r, struct err *err);
/* Whether the answer is a 2xx. */
int s3_req_ok(const struct s3_req *r);
/* The <Code> of the error body ("" when none) into code. */
void s3_req_code(const struct s3_req *r, char *code, size_t n);
/* The one-line report of a failed answer into err; e NULL: parsed from the
 * body. Returns -1. */
int s3_req_error(const struct s3_req *r, const struct s3xml_error *e, struct err *err);
/* Put "s3 Op "key"[ part N]" in front of a transfer failure in err; returns -1. */
int s3_req_xfer_error(const struct s3_req *r, struct err *err);

/* One PutObject; data NULL means the body is size bytes of fd. */
int s3_put_single(struct s3_client *c, const char *key, int fd, const void *data, int64_t size,
                  const struct s3_put_opts *o, struct err *err);

#endif
