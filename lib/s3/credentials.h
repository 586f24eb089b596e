/* credentials.h - where the S3 client's keys come from, refreshed as needed.
 *
 * Sources, decided from the config (source.mirror) without any request:
 *   static keys (access_key_id, secret_access_key[, session_token]);
 *   web_identity_token + aws_role_arn: AssumeRoleWithWebIdentity;
 *   enable_aws_creds_provider without keys: the AWS SDKs' default chain,
 *     in order: environment (AWS_ACCESS_KEY_ID...), AWS_WEB_IDENTITY_TOKEN_FILE
 *     + AWS_ROLE_ARN, container credentials, IMDSv2 (unless
 *     AWS_EC2_METADATA_DISABLED);
 *   aws_role_arn on top of static keys or the chain: AssumeRole signed with them;
 *   nothing at all: no provider, requests go unsigned.
 * Temporary credentials are refreshed at 5 minutes before they expire, or at
 * half their life when that is shorter; creds_expire() forces a refresh (an
 * ExpiredToken answer). Every key and token is registered as a secret when
 * read. STS and metadata calls use the provider's own http_client. The
 * environment comes from struct settings (settings.h), never getenv. */
#ifndef GRM_CREDENTIALS_H
#define GRM_CREDENTIALS_H

#include <stdint.h>

#include "err.h"
#include "http.h"
#include "settings.h"
#include "sts.h"

enum creds_source {
    CREDS_NONE,
    CREDS_STATIC,
    CREDS_ENV,
    CREDS_WEB_IDENTITY, /* source.mirror.web_identity_token */
    CREDS_WEB_IDENTITY_FILE,
    CREDS_ECS,
    CREDS_IMDS
};

/* What the provider reads of source.mirror (strings borrowed from the
 * request) and of the environment. */
struct creds_config {
    const char *region; /* NULL or "": us-east-1 */
    const char *access_key_id, *secret_access_key, *session_token;
    const char *aws_role_arn;          /* NULL: no AssumeRole */
    const char *aws_role_session_name; /* NULL: github-release-mirror-<pid> */
    const char *aws_external_id;       /* NULL when absent */
    int aws_role_duration;             /* seconds */
    const char *web_identity_token;    /* a JWT (secret), or NULL */
    int enable_aws_creds_provider;     /* default chain when no keys are given */
    const char *sts_endpoint;          /* NULL: https://sts.{region}.amazonaws.com */
    int skip_ssl_verification;         /* the STS client's TLS, as the mirror's */
    const char *ca_cert;
    const struct settings *settings; /* the AWS_* variables, http defaults; not NULL */
};

struct creds {
    const struct creds_config *cfg; /* borrowed */
    enum creds_source base;         /* where the first keys come from */
    int assume;                     /* AssumeRole with the base keys on top */
    struct sts_result base_keys;    /* ENV/ECS/IMDS/STATIC copy */
    int64_t base_obtained_ms;
    struct sts_result cur; /* what signs; expiration_ms 0: never expires */
    int64_t obtained_ms;   /* when cur was fetched */
    int valid;             /* cur holds keys */
    int refreshes;         /* fetches after the first */
    char session_name[72];
    char *sts_endpoint; /* owned */
    const char *region;
    struct http_client http;
    int http_ready;
};

/* Which chain source the environment env selects (enable_aws_creds_provider):
 * CREDS_ENV, CREDS_WEB_IDENTITY_FILE, CREDS_ECS, CREDS_IMDS, or CREDS_NONE
 * when IMDS is disabled and nothing else is set. */
enum creds_source creds_chain_source(const struct settings_aws *env);

/* Name of a source for messages ("environment", "imds", ...). */
const char *creds_source_name(enum creds_source s);

/* 1 when cfg asks for a provider (anything but static keys alone or nothing). */
int creds_wanted(const struct creds_config *cfg);

/* Set up c for cfg (borrowed; must outlive c). No request is made. Returns
 * 0, or -1 with err set (nothing to clean up). */
int creds_init(struct creds *c, const struct creds_config *cfg, struct err *err);

/* The keys to sign with now, fetching or refreshing first when needed.
 * Pointers in out stay valid until the next creds_* call. Returns 0, or -1
 * with one line in err (which source, role, endpoint, code). */
int creds_get(struct creds *c, struct sigv4_credentials *out, struct err *err);

/* Mark the current keys expired: the next creds_get() fetches new ones.
 * Returns 1 when a refresh can help (temporary keys), else 0. */
int creds_expire(struct creds *c);

/* Free everything (keys wiped); safe on a zeroed c. */
void creds_cleanup(struct creds *c);

/* When keys obtained at obtained_ms and expiring at expires_ms (0: never)
 * should be refreshed: 5 minutes before, or at half life when shorter. */
int64_t creds_refresh_at(int64_t obtained_ms, int64_t expires_ms);

#endif
