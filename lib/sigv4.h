/* sigv4.h - AWS Signature Version 4 for S3 requests (header auth), on OpenSSL.
 *
 * S3's rules: the path is percent-encoded once (every byte but A-Z a-z 0-9
 * - _ . ~ and '/') and never normalised; the query is decoded, re-encoded and
 * sorted by key (then value), a valueless key is written "key="; header names
 * are lowercased, values trimmed with inner runs of spaces folded, headers
 * sorted, duplicates joined by ','. */
#ifndef GRM_SIGV4_H
#define GRM_SIGV4_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SIGV4_UNSIGNED "UNSIGNED-PAYLOAD"

struct sigv4_header {
    const char *name;  /* any case */
    const char *value; /* raw; trimmed when canonicalised */
};

struct sigv4_request {
    const char *method;       /* "GET", "PUT", ... */
    const char *path;         /* raw, not yet encoded: "/bucket/my key.txt" */
    const char *query;        /* raw query without '?', may be NULL/"" ("uploads", "a=b&c") */
    const struct sigv4_header *headers; /* must include host; all given are signed */
    size_t n_headers;
    const char *payload_hash; /* hex sha256 of the body or SIGV4_UNSIGNED */
};

struct sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL or "" when none (caller adds the header) */
    const char *region;        /* "us-east-1" */
    const char *service;       /* "s3" */
};

/* Percent-encode s as S3 wants: unreserved bytes kept, '/' kept when
 * keep_slash, everything else %XX uppercase. Returns 0 or -1 (OOM). */
int sigv4_uri_encode(struct buf *out, const char *s, size_t n, int keep_slash);

/* Build the canonical request into out. Returns 0 or -1 (err set). */
int sigv4_canonical_request(const struct sigv4_request *req, struct buf *out, struct err *err);

/* Build the string to sign for amz_date ("20130524T000000Z"). */
int sigv4_string_to_sign(const char *canonical_request, const char *amz_date,
                         const struct sigv4_credentials *cred, struct buf *out, struct err *err);

/* Lowercase hex signature (65 bytes incl. NUL) of string_to_sign. */
int sigv4_signature(const char *string_to_sign, const char *amz_date,
                    const struct sigv4_credentials *cred, char hex[65], struct err *err);

/* The whole thing: the Authorization header value
 * "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
 * SignedHeaders=a;b;c,Signature=hex" (no spaces after commas) into out.
 * The request's headers must already hold x-amz-date (= amz_date),
 * x-amz-content-sha256 and, with a session token, x-amz-security-token. */
int sigv4_sign(const struct sigv4_request *req, const char *amz_date,
               const struct sigv4_credentials *cred, struct buf *out, struct err *err);

/* Format now (or t when t != 0) as "YYYYMMDDTHHMMSSZ" (UTC) into out[17]. */
void sigv4_amz_date(long long t, char out[17]);

#endif
