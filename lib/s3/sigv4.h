/* sigv4.h - AWS Signature Version 4 for S3 requests (header auth), on OpenSSL.
 *
 * S3's rules: the path is percent-encoded once (every byte but A-Z a-z 0-9
 * - _ . ~ and '/') and never normalised; the query is decoded, re-encoded and
 * sorted by key (then value), a valueless key is written "key="; header names
 * are lowercased, values trimmed with inner runs of whitespace folded, headers
 * sorted, duplicates joined by ','.
 *
 * Every function that builds text appends it to `out`. On failure it returns
 * -1 with err set (and out may hold a partial result); the caller still owns
 * out and frees it. Nothing here keeps a pointer to its arguments. Secret key
 * material is wiped from memory before it is freed. */
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
    const char *method; /* "GET", "PUT", ... */
    const char *path;   /* raw, not yet encoded: "/bucket/my key.txt" */
    const char *query;  /* raw query without '?', may be NULL/"" ("uploads", "a=b&c") */
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

/* Append the canonical query of a raw query string (NULL or "" gives ""):
 * pairs split on '&' (empty ones dropped) and the first '=', %XX decoded
 * ('+' stays a literal '+'), re-encoded with '/' as %2F, sorted by key then
 * value, a valueless key written "key=". Returns 0 or -1 (err set, OOM). */
int sigv4_canonical_query(const char *query, struct buf *out, struct err *err);

/* Build the canonical request into out. Fails (-1, err set) on a missing
 * method, payload hash or host header, a path not starting with '/' (NULL or
 * "" mean "/"), a header name that is empty or holds ':', space or control
 * bytes, or OOM. Returns 0 or -1. */
int sigv4_canonical_request(const struct sigv4_request *req, struct buf *out, struct err *err);

/* Build the string to sign for amz_date ("20130524T000000Z"). Fails (-1, err
 * set) on a malformed amz_date, empty region or service, or OOM. */
int sigv4_string_to_sign(const char *canonical_request, const char *amz_date,
                         const struct sigv4_credentials *cred, struct buf *out, struct err *err);

/* The signing key kSigning for the date of amz_date (raw 32 bytes). Fails
 * (-1, err set) on a malformed amz_date, an empty secret, region or service. */
int sigv4_signing_key(const char *amz_date, const struct sigv4_credentials *cred,
                      unsigned char key[32], struct err *err);

/* Lowercase hex signature (65 bytes incl. NUL) of string_to_sign. Fails as
 * sigv4_signing_key does. Returns 0 or -1. */
int sigv4_signature(const char *string_to_sign, const char *amz_date,
                    const struct sigv4_credentials *cred, char hex[65], struct err *err);

/* The whole thing: the Authorization header value
 * "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
 * SignedHeaders=a;b;c,Signature=hex" (no spaces after commas) into out.
 * The request's headers must already hold x-amz-date (= amz_date),
 * x-amz-content-sha256 and, with a session token, x-amz-security-token.
 * Refused (-1, err set): x-amz-date missing or not amz_date, a session token
 * without a matching x-amz-security-token, an x-amz-content-sha256 that is not
 * payload_hash, an empty access key id, and every failure of the steps above.
 * (A missing x-amz-content-sha256 is allowed: generic SigV4 does not need it,
 * S3 does, so S3 callers always pass it.) */
int sigv4_sign(const struct sigv4_request *req, const char *amz_date,
               const struct sigv4_credentials *cred, struct buf *out, struct err *err);

/* Lowercase hex sha256 of n bytes at data into hex[65]. Returns 0, or -1
 * (hex set to "") if OpenSSL fails. */
int sigv4_sha256_hex(const void *data, size_t n, char hex[65]);

/* Format now (or t when t != 0) as "YYYYMMDDTHHMMSSZ" (UTC) into out[17]. */
void sigv4_amz_date(long long t, char out[17]);

#endif
