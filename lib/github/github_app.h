/* github_app.h - GitHub App authentication: a JWT signed with the App's RSA
 * key buys an installation token scoped to the one repository.
 *
 * Flow (https://docs.github.com/apps): a JWT (RS256, iat = now - 60 s,
 * exp = now + 9 min, iss = app_id); GET /repos/{owner}/{repository}/installation
 * unless installation_id is given; POST /app/installations/{id}/access_tokens
 * asking for {"repositories":[repository],"permissions":{"contents":"read",
 * "metadata":"read"}}. The token is cached encrypted (token_cache.h) and
 * reused until 5 minutes before it expires, so a warm check mints nothing.
 * When GitHub refuses the JWT's iat/exp, the skew is taken from its Date
 * header and the request is signed again, once. The key, every JWT and every
 * token are registered with log_add_secret() the moment they exist. */
#ifndef GRM_GITHUB_APP_H
#define GRM_GITHUB_APP_H

#include <stdint.h>
#include <time.h>

#include "err.h"
#include "github.h"
#include "http.h"
#include "token_cache.h"

#define GITHUB_APP_MIN_BITS 2048
#define GITHUB_APP_REUSE_MARGIN 300 /* seconds before expires_at a token is dropped */

struct github_app {
    struct http_client *http;        /* borrowed */
    const struct github_config *cfg; /* borrowed; app_id and private_key set */
    void *key;                       /* EVP_PKEY, owned */
    unsigned char cache_key[TOKEN_CACHE_KEY_LEN];
    char *aad;        /* binds the cache file to api URL, repository and app */
    char *cache_path; /* NULL when no cache directory can be used */
    long skew;        /* GitHub's clock minus ours, seconds */
    char *jwt;        /* the last JWT (a secret), reused while fresh */
    time_t jwt_at;    /* when it was signed, on GitHub's clock */
    long jwt_skew;    /* the skew it was signed with */
    int skew_retried; /* the one retry with GitHub's clock was made */
    struct token_cache_entry cur;
    int from_cache;   /* cur came from the cache file */
    long last_status; /* status of the last access_tokens POST */
};

/* Check that pem is an unencrypted RSA private key (PKCS#1 or PKCS#8) of at
 * least GITHUB_APP_MIN_BITS bits. 0, or -1 with "invalid <path>: ..." in err. */
int github_app_check_key(const char *path, const char *pem, struct err *err);
/* Read such a key into *pkey (an EVP_PKEY *, caller frees with
 * EVP_PKEY_free). Same contract as github_app_check_key. */
int github_app_load_key(const char *path, const char *pem, void **pkey, struct err *err);

/* The App JWT for app_id signed with pkey, at GitHub time `now`: a malloced
 * "header.payload.signature" (registered as a secret). 0, or -1 with err. */
int github_app_jwt(void *pkey, const char *app_id, time_t now, char **jwt, struct err *err);

/* Read the key and find the cache file; no request. 0, or -1 with err. */
int github_app_init(struct github_app *a, struct http_client *http, const struct github_config *cfg,
                    struct err *err);
/* The installation token (borrowed until the next call or cleanup): the
 * cached one unless refresh or it is near expiry, else a new one, which is
 * cached. a->from_cache tells which. 0, or -1 with one line naming the app
 * id and the repository. */
int github_app_token(struct github_app *a, int refresh, const char **token, struct err *err);
void github_app_cleanup(struct github_app *a);

#endif
