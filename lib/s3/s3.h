/* s3.h - the S3 client: SigV4-signed object calls over lib/http.
 *
 * Every request is signed afresh before each attempt (new x-amz-date) with
 * host, every x-amz-* header, content-type and content-md5 signed. Addressing:
 * path style  {endpoint}/{bucket}/{key}; virtual host {scheme}://{bucket}.{host}/{key};
 * no endpoint https://s3.{region}.amazonaws.com (virtual host unless path_style).
 * The key is percent-encoded once (sigv4_uri_encode, '/' kept), so the URL
 * path is exactly the SigV4 canonical URI.
 *
 * TLS: the caller sets the mirror's skip_ssl_verification and ca_cert as
 * the http_options (insecure, ca_pem) of S3's own http_client.
 *
 * Failures are one line in err, e.g.
 *   s3 PutObject "a/b.tgz": HTTP 403 SignatureDoesNotMatch: msg (request id X)
 * (Code, Message and RequestId of the error body; the status text when there
 * is none). A 200 whose body is an <Error> is an error too.
 *
 * Implemented by s3.c (client, request core, HEAD/GET/PUT), s3_multipart.c
 * and s3_list.c (listings, versioning, deletes); s3_internal.h is theirs. */
#ifndef GRM_S3_H
#define GRM_S3_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "credentials.h"
#include "http.h"
#include "sigv4.h"

#define S3_MAX_PARTS 10000
#define S3_MIN_PART_SIZE (5 * 1024 * 1024LL)
#define S3_MAX_PART_SIZE (5 * 1024 * 1024 * 1024LL)
#define S3_GET_MAX (16u * 1024 * 1024)
#define S3_LIST_MAX_PAGES 100000
#define S3_DELETE_BATCH 1000

/* What the client reads of source.mirror; strings borrowed from the request. */
struct s3_config {
    const char *bucket;   /* required */
    const char *endpoint; /* NULL: AWS regional endpoint; no trailing '/' */
    int path_style;
    const char *server_side_encryption; /* NULL, "AES256" or "aws:kms" */
    const char *sse_kms_key_id;
    const char *storage_class;
    int checksum_sha256; /* send x-amz-checksum-sha256 */
    int64_t part_size;
    int concurrency;
    struct creds_config creds; /* the region, the static keys and the rest of the
                                  credentials (credentials.h) */
};

struct s3_client {
    struct http_client *http;      /* borrowed */
    const struct s3_config *cfg;   /* borrowed; must outlive the client */
    struct sigv4_credentials cred; /* strings borrowed from cfg */
    char *origin;                  /* "scheme://host[:port]", owned */
    char *host;                    /* Host header value, owned */
    char *base_path;               /* raw path before the key: "", "/bucket", ... owned */
    int list_max_keys;             /* max-keys for listings; 0: server default */
    struct creds *creds;           /* owned; NULL: cfg's static keys, or unsigned without any */
    int if_match_bare;             /* the server compares If-Match unquoted (see s3_put_if) */
};

/* Set up c for cfg (bucket required; endpoint, when given, http:// or https://
 * without query). http may be NULL when only s3_url() is used. Borrows http
 * and cfg. With roles, web identity or the default chain in cfg a
 * credentials provider (lib/s3/credentials.h) is set up: each request asks it
 * for the current keys before it is signed (the first keys are fetched
 * here when http is given: STS or metadata refusals fail init), and an ExpiredToken or
 * TokenRefreshRequired answer (400/403) makes it refresh once and the request
 * is sent once more. Returns 0, or -1 with err set (nothing to clean up). */
int s3_client_init(struct s3_client *c, struct http_client *http, const struct s3_config *cfg,
                   struct err *err);
/* Free what init allocated; the borrowed http_client is left alone. */
void s3_client_cleanup(struct s3_client *c);

/* The URL of key ("" for the bucket itself) with an already encoded query
 * (NULL or "" for none) into url, and the raw canonical path (what SigV4
 * encodes) into path when path is not NULL. Both are reset first. Returns 0
 * or -1 (OOM; err set). */
int s3_url(const struct s3_client *c, const char *key, const char *query, struct buf *url,
           struct buf *path, struct err *err);

/* Part size for a multipart upload of size bytes: configured (S3_MIN_PART_SIZE
 * when smaller), grown to ceil(size / 10000) rounded up to 1 MiB when the
 * parts would exceed S3_MAX_PARTS. Stores it and the part count. Returns 0, or
 * -1 with err set when a part would exceed S3_MAX_PART_SIZE. */
int s3_part_size(int64_t size, int64_t configured, int64_t *part_size, int *n_parts,
                 struct err *err);

struct s3_object_info {
    int exists;
    int64_t size;
    char etag[128];  /* as sent, quotes stripped */
    char sha256[65]; /* x-amz-meta-sha256, or "" */
};

/* HeadObject. A 404 gives exists = 0 and returns 0 (so does a missing bucket:
 * HEAD has no body to tell them apart; S3 answers 403 for a missing key
 * without s3:ListBucket permission, which is an error). Returns 0, or -1 with
 * err set. */
int s3_head_object(struct s3_client *c, const char *key, struct s3_object_info *info,
                   struct err *err);

struct s3_put_opts {
    const char *content_type;   /* NULL: application/octet-stream */
    const char *sha256_hex;     /* NULL or the object's sha256 (64 lowercase hex):
                                   sent as x-amz-meta-sha256, used as the payload
                                   hash of a single PUT and, with cfg->checksum_sha256,
                                   sent as x-amz-checksum-sha256 (single PUT only) */
    const char *progress_label; /* NULL: quiet */
    /* multipart only: */
    const char (*part_sha256)[65];                      /* NULL, or the sha256 hex of each part as
                                                           s3_part_size() splits the file: each
                                                           UploadPart is signed with it (NULL: the
                                                           parts are hashed here first) */
    int (*before_complete)(void *ctx, struct err *err); /* NULL, or called after
                                      the last part and before Complete; -1
                                      (err set) aborts the upload */
    void *ctx;                                          /* for before_complete */
};

/* Upload size bytes of fd (read by offset with pread, never held in memory)
 * as key: one PUT below the part size, else a multipart upload with
 * cfg->concurrency parts in flight. Object writes carry Content-Type,
 * x-amz-meta-sha256, SSE and storage-class headers from o and cfg. Every
 * part is signed with its SHA-256 (never UNSIGNED-PAYLOAD), so the server
 * refuses bytes that differ from those hashed; with cfg->checksum_sha256
 * each part also carries x-amz-checksum-sha256 and Complete the composite
 * checksum. Before a multipart upload starts, the incomplete uploads of the
 * same key that earlier (killed) runs left are aborted. After a failure, or
 * a SIGTERM/SIGINT (signals.h), the multipart upload this call created is
 * aborted (best effort); uploads duplicated by a resent
 * CreateMultipartUpload are aborted too. o may be NULL. Returns 0, or -1
 * with err set. */
int s3_put_file(struct s3_client *c, const char *key, int fd, int64_t size,
                const struct s3_put_opts *o, struct err *err);

/* PutObject of len bytes at data (small documents; payload hash computed
 * here). o may be NULL. Returns 0, or -1 with err set. */
int s3_put_buffer(struct s3_client *c, const char *key, const void *data, size_t len,
                  const struct s3_put_opts *o, struct err *err);

/* GetObject of an object of at most S3_GET_MAX bytes into out (previous
 * content freed; the caller frees out). A missing key (404 NoSuchKey) gives
 * *found = 0 and returns 0. Returns 0, or -1 with err set. */
int s3_get_object(struct s3_client *c, const char *key, struct buf *out, int *found,
                  struct err *err);
/* The same, with the answer's ETag (quotes stripped; "" when absent or not
 * found) into etag[128]. */
int s3_get_object_etag(struct s3_client *c, const char *key, struct buf *out, int *found,
                       char etag[128], struct err *err);

/* Conditional PutObject of a small document: only when the object still has
 * ETag if_match (quotes stripped), or, with if_match NULL, only when it does
 * not exist (If-None-Match: *). Returns 0 when written, 1 when the condition
 * failed (412, or 409 ConditionalRequestConflict: someone else wrote it; read
 * again and decide), -1 with err set.
 *
 * If-Match is sent quoted, as RFC 9110 and AWS want. Ceph RGW up to at least
 * 16.2 compares it with the ETag without quotes, so a quoted value never
 * matches: on a 412 the object is HEADed, and when its ETag is still the one
 * we sent the request is resent with the bare ETag, and the client sends it
 * bare from then on (c->if_match_bare, logged once). A server that ignores
 * conditional headers writes unconditionally: nothing can detect that. */
int s3_put_if(struct s3_client *c, const char *key, const void *data, size_t len,
              const struct s3_put_opts *o, const char *if_match, struct err *err);

/* Called per listed entry: a key with its size, or (is_prefix) a common
 * prefix. Return 0 to go on, 1 to stop listing (success), -1 after err_set()
 * to fail. */
typedef int (*s3_list_fn)(void *ctx, const char *key, int64_t size, int is_prefix, struct err *err);

/* ListObjectsV2 of prefix (NULL: all) with an optional delimiter, following
 * continuation tokens; a repeated token or more than S3_LIST_MAX_PAGES pages
 * is an error. Returns 0, or -1 with err set. */
int s3_list_objects(struct s3_client *c, const char *prefix, const char *delimiter, s3_list_fn fn,
                    void *ctx, struct err *err);

/* Delete n keys: DeleteObjects (quiet, Content-MD5) in batches of
 * S3_DELETE_BATCH; any per-key error fails the call. When the server does not
 * implement DeleteObjects (501 / NotImplemented) each key is deleted with
 * DeleteObject instead. Missing keys are not errors. Returns 0, or -1 with
 * err set (earlier batches stay deleted). */
int s3_delete_objects(struct s3_client *c, const char *const *keys, size_t n, struct err *err);

/* GetBucketVersioning: the bucket's versioning Status ("Enabled",
 * "Suspended", or "" when never enabled) into status (n bytes). Returns 0, or
 * -1 with err set (status ""). */
int s3_get_versioning(struct s3_client *c, char *status, size_t n, struct err *err);

/* Called per in-progress multipart upload. Return as for s3_list_fn. */
typedef int (*s3_upload_fn)(void *ctx, const char *key, const char *upload_id, int64_t initiated_ms,
                            struct err *err);

/* ListMultipartUploads under prefix (NULL: all), following the markers.
 * Returns 0, or -1 with err set. */
int s3_list_uploads(struct s3_client *c, const char *prefix, s3_upload_fn fn, void *ctx,
                    struct err *err);

/* AbortMultipartUpload; an upload already gone (404) counts as aborted.
 * Returns 0, or -1 with err set. */
int s3_abort_upload(struct s3_client *c, const char *key, const char *upload_id, struct err *err);

#endif
