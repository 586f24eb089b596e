/* settings.c - the environment read into struct settings (see settings.h). */
#include "settings.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void settings_default(struct settings *s)
{
    memset(s, 0, sizeof(*s));
    s->tmpdir = "/tmp";
    http_options_default(&s->http);
}

/* A variable, NULL when unset or empty. */
static const char *settings_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static long settings_long(const char *name, long fallback)
{
    const char *v = settings_env(name);
    if (!v)
        return fallback;
    char *end;
    long n = strtol(v, &end, 10);
    return *end == '\0' && n >= 0 ? n : fallback;
}

static void settings_http(struct http_options *o)
{
    o->ssl_cert_file = settings_env("SSL_CERT_FILE");
    o->connect_timeout = settings_long("GRM_CONNECT_TIMEOUT", o->connect_timeout);
    o->low_speed_time = settings_long("GRM_LOW_SPEED_TIME", o->low_speed_time);
    o->max_attempts = (int)settings_long("GRM_MAX_ATTEMPTS", o->max_attempts);
    o->retry_base_ms = settings_long("GRM_RETRY_BASE_MS", o->retry_base_ms);
    o->request_timeout = settings_long("GRM_REQUEST_TIMEOUT", o->request_timeout);
    o->min_rate = settings_long("GRM_MIN_RATE", o->min_rate);
    o->min_rate_grace = settings_long("GRM_MIN_RATE_GRACE", o->min_rate_grace);
}

static void settings_aws(struct settings_aws *a)
{
    const char *disabled = getenv("AWS_EC2_METADATA_DISABLED");
    a->access_key_id = settings_env("AWS_ACCESS_KEY_ID");
    a->secret_access_key = settings_env("AWS_SECRET_ACCESS_KEY");
    a->session_token = settings_env("AWS_SESSION_TOKEN");
    a->web_identity_token_file = settings_env("AWS_WEB_IDENTITY_TOKEN_FILE");
    a->role_arn = settings_env("AWS_ROLE_ARN");
    a->role_session_name = settings_env("AWS_ROLE_SESSION_NAME");
    a->container_credentials_full_uri = settings_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    a->container_credentials_relative_uri = settings_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    a->container_authorization_token = settings_env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    a->container_authorization_token_file = settings_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    a->ec2_metadata_service_endpoint = settings_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    a->ec2_metadata_disabled = disabled && strcasecmp(disabled, "true") == 0;
}

void settings_from_env(struct settings *s)
{
    settings_default(s);
    if (settings_env("TMPDIR"))
        s->tmpdir = settings_env("TMPDIR");
    s->tuf_github_url = settings_env("GRM_TUF_GITHUB_URL");
    s->tuf_github_root = settings_env("GRM_TUF_GITHUB_ROOT");
    s->tuf_sigstore_url = settings_env("GRM_TUF_SIGSTORE_URL");
    s->tuf_sigstore_root = settings_env("GRM_TUF_SIGSTORE_ROOT");
    settings_http(&s->http);
    settings_aws(&s->aws);
}
