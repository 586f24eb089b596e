/* settings.h - the environment, read once: the one place the library looks
 * at environment variables. settings_from_env() is called by resource_open
 * (and by grm-verify); everything below it gets the values passed down
 * (http_options, the client configs). Strings are borrowed from the
 * environment, which must not change while they are in use; an empty
 * variable counts as unset. */
#ifndef GRM_SETTINGS_H
#define GRM_SETTINGS_H

#include "http.h"

/* The AWS_* variables of the default credentials chain (credentials.h,
 * imds.h); NULL when unset or empty. */
struct settings_aws {
    const char *access_key_id, *secret_access_key, *session_token;
    const char *web_identity_token_file, *role_arn, *role_session_name;
    const char *container_credentials_full_uri, *container_credentials_relative_uri;
    const char *container_authorization_token, *container_authorization_token_file;
    const char *ec2_metadata_service_endpoint;
    int ec2_metadata_disabled; /* AWS_EC2_METADATA_DISABLED is "true" (any case) */
};

struct settings {
    const char *tmpdir; /* $TMPDIR, "/tmp" when unset: the caches live under it */
    /* test knobs: the TUF repositories (URL) and an initial root.json file */
    const char *tuf_github_url, *tuf_github_root;
    const char *tuf_sigstore_url, *tuf_sigstore_root;
    /* the defaults of every http_client: SSL_CERT_FILE and GRM_CONNECT_TIMEOUT,
     * GRM_LOW_SPEED_TIME, GRM_MAX_ATTEMPTS, GRM_RETRY_BASE_MS,
     * GRM_REQUEST_TIMEOUT, GRM_MIN_RATE, GRM_MIN_RATE_GRACE (non-negative
     * decimal integers; anything else leaves the default) */
    struct http_options http;
    struct settings_aws aws;
};

/* What an empty environment gives. Can't fail. */
void settings_default(struct settings *s);
/* Fill s from the environment (getenv). Can't fail. */
void settings_from_env(struct settings *s);

#endif
