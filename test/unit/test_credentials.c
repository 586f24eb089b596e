/* test_credentials.c - the credentials provider without a network: the
 * default chain's order (environment, web identity file, container, IMDS),
 * the refresh schedule, which configurations want a provider, and the
 * failures decided before any request. */
#include "credentials.h"
#include "log.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *chain_vars[] = {"AWS_ACCESS_KEY_ID",
                                   "AWS_SECRET_ACCESS_KEY",
                                   "AWS_SESSION_TOKEN",
                                   "AWS_WEB_IDENTITY_TOKEN_FILE",
                                   "AWS_ROLE_ARN",
                                   "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                   "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                   "AWS_EC2_METADATA_DISABLED"};

/* The environment as the library sees it: read again at every call. */
static const struct settings *env_now(void)
{
    static struct settings s;
    settings_from_env(&s);
    return &s;
}

static void clear_env(void)
{
    for (size_t i = 0; i < sizeof(chain_vars) / sizeof(chain_vars[0]); i++)
        unsetenv(chain_vars[i]);
}

static void test_chain_order(void)
{
    clear_env();
    CHECK(creds_chain_source(&env_now()->aws) == CREDS_IMDS);
    setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
    CHECK(creds_chain_source(&env_now()->aws) == CREDS_NONE);
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x", 1);
    CHECK(creds_chain_source(&env_now()->aws) == CREDS_ECS);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token", 1);
    CHECK(creds_chain_source(&env_now()->aws) == CREDS_ECS); /* the file needs AWS_ROLE_ARN too */
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
    CHECK(creds_chain_source(&env_now()->aws) == CREDS_WEB_IDENTITY_FILE);
    setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
    CHECK(creds_chain_source(&env_now()->aws) ==
          CREDS_WEB_IDENTITY_FILE); /* a key id alone is not enough */
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    CHECK(creds_chain_source(&env_now()->aws) == CREDS_ENV);
    unsetenv("AWS_EC2_METADATA_DISABLED");
    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds", 1);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_ROLE_ARN");
    CHECK(creds_chain_source(&env_now()->aws) == CREDS_ECS);
    clear_env();
}

static void test_refresh_schedule(void)
{
    const int64_t min = 60 * 1000;
    CHECK(creds_refresh_at(0, 0) == INT64_MAX);       /* never expires */
    CHECK(creds_refresh_at(0, 60 * min) == 55 * min); /* 5 minutes before */
    CHECK(creds_refresh_at(0, 15 * min) == 10 * min); /* 15-minute sessions too */
    CHECK(creds_refresh_at(0, 8 * min) == 4 * min);   /* half life when shorter */
    CHECK(creds_refresh_at(1000, 6000) == 3500);      /* 5 s: at 2.5 s */
    CHECK(creds_refresh_at(10000, 5000) == 5000);     /* already expired: now */
}

static void test_wanted(void)
{
    struct creds_config m = {0};
    CHECK(!creds_wanted(&m)); /* nothing: unsigned */
    m.access_key_id = "AKID";
    CHECK(!creds_wanted(&m)); /* static keys: signed directly */
    m.enable_aws_creds_provider = 1;
    CHECK(!creds_wanted(&m)); /* keys win over the chain */
    m.aws_role_arn = "arn:aws:iam::1:role/r";
    CHECK(creds_wanted(&m));
    m.access_key_id = NULL;
    m.aws_role_arn = NULL;
    CHECK(creds_wanted(&m));
}

static void test_init_and_static(void)
{
    struct creds_config m = {0};
    struct creds c;
    struct err err;
    struct sigv4_credentials k;
    clear_env();
    m.region = "eu-west-3";
    m.enable_aws_creds_provider = 1;
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    m.settings = env_now();
    CHECK(creds_init(&c, &m, &err) < 0);
    CHECK(strstr(err.msg, "no credentials found") != NULL);
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "EnvSecretKey0123", 1);
    m.settings = env_now();
    CHECK(creds_init(&c, &m, &err) == 0);
    CHECK(c.base == CREDS_ENV && !c.assume);
    CHECK_STR(c.sts_endpoint, "https://sts.eu-west-3.amazonaws.com");
    CHECK(strncmp(c.session_name, "github-release-mirror-", 22) == 0);
    CHECK(creds_get(&c, &k, &err) == 0);
    CHECK_STR(k.access_key_id, "AKIDENV");
    CHECK_STR(k.secret_access_key, "EnvSecretKey0123");
    CHECK(k.session_token == NULL);
    char out[64];
    CHECK_STR(log_redact("EnvSecretKey0123", out, sizeof(out)), "***");
    CHECK(creds_expire(&c) == 0); /* long-lived keys: a refresh cannot help */
    creds_cleanup(&c);
    clear_env();
}

static void test_expired_web_identity_token(void)
{
    /* {"alg":"RS256"} . {"sub":"main/mirror","exp":1000} . sig */
    struct creds_config m = {0};
    struct creds c;
    struct err err;
    struct sigv4_credentials k;
    m.aws_role_arn = "arn:aws:iam::1:role/r";
    m.web_identity_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtYWluL21pcnJvciIsImV4cCI6MTAwMH0.c2ln";
    m.sts_endpoint = "http://127.0.0.1:9";
    m.aws_role_duration = 3600;
    m.settings = env_now();
    CHECK(creds_init(&c, &m, &err) == 0);
    CHECK(c.base == CREDS_WEB_IDENTITY && !c.assume);
    CHECK(creds_get(&c, &k, &err) < 0); /* refused before any request */
    CHECK(strstr(err.msg, "web_identity_token has expired") != NULL);
    creds_cleanup(&c);
}

int main(void)
{
    test_chain_order();
    test_refresh_schedule();
    test_wanted();
    test_init_and_static();
    test_expired_web_identity_token();
    log_clear_secrets();
    return TEST_DONE();
}
