/* sts.h - AWS STS AssumeRole and AssumeRoleWithWebIdentity over lib/http.
 *
 * AssumeRole is a form POST signed with our own SigV4 (service "sts");
 * AssumeRoleWithWebIdentity is the same form POST unsigned, carrying the JWT.
 * Answers are read with expat without assuming a namespace (AWS's have
 * xmlns="https://sts.amazonaws.com/doc/2011-06-15/", Ceph RGW's none).
 * The request body holds the JWT and is never logged; the keys of an answer
 * are registered with log_add_secret() as soon as they are parsed. */
#ifndef GRM_STS_H
#define GRM_STS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "http.h"
#include "sigv4.h"

#define STS_XML_MAX (64u * 1024)

/* Temporary credentials; every string malloced (sts_result_free()). */
struct sts_result {
    char *access_key_id, *secret_access_key, *session_token;
    int64_t expiration_ms; /* ms since the epoch */
};

/* The <Error> of a refusal. */
struct sts_error {
    char code[128];
    char message[256];
};

struct sts_call {
    const char *endpoint;                   /* "https://sts.us-east-1.amazonaws.com" (no query) */
    const char *region;                     /* for the signature */
    const char *role_arn;                   /* required */
    const char *session_name;               /* required, 2..64 chars */
    const char *external_id;                /* NULL: none (AssumeRole only) */
    int duration;                           /* seconds */
    const char *web_identity;               /* non-NULL: AssumeRoleWithWebIdentity with this JWT */
    const struct sigv4_credentials *signer; /* AssumeRole: the caller's keys (service ignored) */
};

/* Parse an STS answer body. Returns 0 with r filled (caller frees with
 * sts_result_free()), 1 when it is an <ErrorResponse>/<Error> (e filled,
 * r empty), or -1 with err set when it is neither or lacks a field. The
 * keys are registered as secrets before returning. */
int sts_parse(const char *xml, size_t len, struct sts_result *r, struct sts_error *e,
              struct err *err);

/* Make the call on http (the caller's client; retries of 5xx and throttling
 * happen there). Returns 0 with r filled, or -1 with one line in err naming
 * the action, role ARN, endpoint (never a query) and the STS error code. */
int sts_assume(struct http_client *http, const struct sts_call *call, struct sts_result *r,
               struct err *err);

/* Free the strings (secret ones wiped first) and zero r; safe on a zeroed r. */
void sts_result_free(struct sts_result *r);

/* Wipe and free a secret string; NULL is fine. */
void sts_free_secret(char *s);

#endif
