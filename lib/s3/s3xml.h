/* s3xml.h - the S3 XML documents: parsing responses (expat) and writing the
 * two request bodies (CompleteMultipartUpload, DeleteObjects).
 *
 * Parsing is namespace-agnostic (only local element names count) and bounded:
 * input over S3XML_MAX_BODY bytes, nesting deeper than S3XML_MAX_DEPTH, any
 * element text over S3XML_MAX_TEXT bytes or more than S3XML_MAX_ENTRIES list
 * entries are refused, as is any DOCTYPE (so no entity tricks, no XXE). The
 * parsers never crash on garbage: they return -1 with a line in err. */
#ifndef GRM_S3XML_H
#define GRM_S3XML_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define S3XML_MAX_BODY (16u * 1024 * 1024)
#define S3XML_MAX_DEPTH 16
#define S3XML_MAX_TEXT 8192
#define S3XML_MAX_ENTRIES 100000

/* An <Error> document; absent fields are "" (long values are truncated). */
struct s3xml_error {
    char code[128];
    char message[512];
    char request_id[128];
};

/* Parse xml as an <Error> document. Returns 1 when the root element is
 * Error (e filled), 0 when it is well-formed XML with another root (e
 * emptied), -1 when it is not acceptable XML (e emptied). */
int s3xml_parse_error(const char *xml, size_t len, struct s3xml_error *e);

/* InitiateMultipartUploadResult: the UploadId (non-empty) into upload_id.
 * Returns 0, or -1 with err set (upload_id left empty). */
int s3xml_parse_initiate(const char *xml, size_t len, struct buf *upload_id, struct err *err);

/* The answer to CompleteMultipartUpload, which may be a 200 carrying an
 * error. Returns 0 for CompleteMultipartUploadResult, 1 for an <Error>
 * document (e filled), -1 for anything else (err set). */
int s3xml_parse_complete(const char *xml, size_t len, struct s3xml_error *e, struct err *err);

/* ListBucketResult (ListObjectsV2): Contents and CommonPrefixes in order. */
struct s3xml_list_item {
    char *key;    /* Key, or Prefix of a CommonPrefixes entry */
    int64_t size; /* Size; 0 for prefixes */
    int is_prefix;
};

struct s3xml_list {
    struct s3xml_list_item *items;
    size_t n, alloc;  /* alloc: room in items (lib/base/grow.h) */
    int truncated;    /* IsTruncated was "true" */
    char *next_token; /* NextContinuationToken, or NULL */
};

/* Parse into l (zeroed first). Returns 0, or -1 with err set and l freed.
 * Free a success with s3xml_list_free(). */
int s3xml_parse_list(const char *xml, size_t len, struct s3xml_list *l, struct err *err);
void s3xml_list_free(struct s3xml_list *l);

/* ListMultipartUploadsResult. */
struct s3xml_upload {
    char *key;
    char *upload_id;
    int64_t initiated_ms; /* Initiated as ms since the epoch; -1 when absent/unreadable */
};

struct s3xml_uploads {
    struct s3xml_upload *items;
    size_t n, alloc; /* alloc: room in items (lib/base/grow.h) */
    int truncated;
    char *next_key_marker;       /* or NULL */
    char *next_upload_id_marker; /* or NULL */
};

/* Parse into u (zeroed first). Returns 0, or -1 with err set and u freed.
 * Free a success with s3xml_uploads_free(). */
int s3xml_parse_uploads(const char *xml, size_t len, struct s3xml_uploads *u, struct err *err);
void s3xml_uploads_free(struct s3xml_uploads *u);

/* DeleteResult: counts, and the first per-key <Error> entry. */
struct s3xml_delete {
    size_t n_deleted;
    size_t n_errors;
    char *err_key;            /* Key of the first Error entry, or NULL */
    struct s3xml_error first; /* its Code and Message */
};

/* Parse into d (zeroed first). Returns 0, or -1 with err set and d freed.
 * Free a success with s3xml_delete_free(). */
int s3xml_parse_delete(const char *xml, size_t len, struct s3xml_delete *d, struct err *err);
void s3xml_delete_free(struct s3xml_delete *d);

/* VersioningConfiguration (GetBucketVersioning): its Status ("Enabled",
 * "Suspended"; "" when the bucket never had versioning) into status,
 * truncated to n bytes. Returns 0, or -1 with err set (status ""). */
int s3xml_parse_versioning(const char *xml, size_t len, char *status, size_t n, struct err *err);

/* "2010-11-10T20:48:33.000Z" (fraction optional, 'Z' required) into ms
 * since the epoch. Returns 0, or -1 when s is not such a time. */
int s3xml_parse_time(const char *s, int64_t *ms);

/* Append s escaped as XML text (& < > " ' and control bytes as &#xN;).
 * Returns 0 or -1 (out freed, see buf.h). */
int s3xml_escape(struct buf *out, const char *s);

/* The CompleteMultipartUpload body: parts numbered 1..n with etags[i] as
 * ETag of part i+1, in order, and sums[i] (base64) as its ChecksumSHA256
 * when sums is not NULL. Appended to out; 0 or -1 (out freed). */
int s3xml_complete_body(struct buf *out, const char *const *etags, const char *const *sums,
                        size_t n);

/* The DeleteObjects body in quiet mode (only failures are reported) for the
 * n keys. Appended to out; 0 or -1 (out freed). */
int s3xml_delete_body(struct buf *out, const char *const *keys, size_t n);

#endif
