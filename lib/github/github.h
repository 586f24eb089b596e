/* github.h - the GitHub REST client: releases, assets, tags.
 *
 * Every request carries Accept: application/vnd.github+json,
 * X-GitHub-Api-Version: 2022-11-28 and, when a token is configured,
 * Authorization: Bearer, which the http client sends only to the origin of
 * github_api_url (github_client_init binds it there: one check for every
 * request, redirects and downloads included). Asset and archive download
 * URLs are built on that origin; a Link rel="next" elsewhere is an error. JSON from GitHub is
 * checked for shape; anything unexpected is one error line naming the URL and the field. */
#ifndef GRM_GITHUB_H
#define GRM_GITHUB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "http.h"

#define GITHUB_API_VERSION "2022-11-28"
#define GITHUB_PER_PAGE 100

struct github_asset {
    int64_t id;
    char *name;
    char *content_type; /* "application/octet-stream" when GitHub gives none */
    char *state;        /* "uploaded", "open", ... */
    int64_t size;
    char *digest; /* lowercase sha256 hex from "sha256:<hex>", or NULL */
    char *url;    /* API URL of the asset */
};

struct github_release {
    int64_t id;
    char *tag;  /* NULL when GitHub says null (a draft without a tag) */
    char *name; /* NULL when GitHub says null */
    char *body; /* NULL when null */
    char *html_url;
    char *published_at; /* NULL for drafts */
    char *created_at;
    int draft, prerelease;
    int immutable; /* "immutable": true (GitHub's immutable releases) */
    char *tarball_url, *zipball_url;
    struct github_asset *assets;
    size_t n_assets, assets_alloc; /* assets_alloc: room in assets (lib/base/grow.h) */
};

/* What the client (and github_app, listing) needs of the source; strings
 * borrowed from the request. */
struct github_config {
    const char *owner, *repository;
    const char *access_token;   /* NULL when absent */
    const char *github_api_url; /* no trailing '/' */
    /* GitHub App auth (github_app.h), NULL when absent */
    const char *app_id, *private_key, *installation_id;
    const char *tmpdir; /* the caches (release listing, App token) live under it */
};

/* Replace a refused token (github_client_set_token); 0 or -1 with err. */
typedef int (*github_reauth_fn)(void *ctx, struct err *err);

struct github_client {
    struct http_client *http;         /* borrowed */
    const struct github_config *cfg;  /* borrowed */
    struct curl_slist *json_headers;  /* owned */
    struct curl_slist *octet_headers; /* owned: Accept: application/octet-stream */
    github_reauth_fn reauth;          /* non-NULL: a 401 calls it once, then retries */
    void *reauth_ctx;
};

/* Set g up for cfg (borrowed; must outlive g): checks the token, binds http
 * to the API origin. 0, or -1 with err. */
int github_client_init(struct github_client *g, struct http_client *http,
                       const struct github_config *cfg, struct err *err);
/* Send "Authorization: Bearer token" (NULL: none) from now on, instead of
 * cfg->access_token. 0, or -1 with err (the old headers are kept). */
int github_client_set_token(struct github_client *g, const char *token, struct err *err);
void github_client_cleanup(struct github_client *g);

/* "{api}/repos/{owner}/{repo}{suffix}" into a malloced string (NULL on OOM). */
char *github_repo_url(const struct github_client *g, const char *suffix);

/* Parse one release object (assets embedded when present). Returns 0, or -1
 * with err naming `where` and the bad field. rel is freed on failure. */
int github_release_from_json(const json_t *obj, struct github_release *rel, const char *where,
                             struct err *err);
void github_release_free(struct github_release *rel);
/* Effective time of a release: published_at, else created_at, else "". */
const char *github_release_time(const struct github_release *rel);

/* GET a JSON document. Sends If-None-Match when etag is given. *status gets
 * 200/304/404/422...; any status other than 200, 304, 404 and 422 is an error
 * naming the URL. On 200 *out is a new reference; *next (if non-NULL) gets the
 * malloced Link rel="next" URL or NULL; *etag_out (if non-NULL) the ETag.
 * A 401 while g->reauth is set calls it (once per client) and retries. */
int github_get_json(struct github_client *g, const char *url, const char *etag, long *status,
                    json_t **out, char **next, char **etag_out, struct err *err);

/* The release by id, or NULL id: by tag (GitHub never returns drafts by tag).
 * *found is 0 when GitHub says 404. */
int github_get_release(struct github_client *g, const char *id, const char *tag,
                       struct github_release *rel, int *found, struct err *err);
/* Replace rel->assets by the full, paginated asset list of the release. */
int github_list_assets(struct github_client *g, struct github_release *rel, struct err *err);
/* The commit a tag points at (annotated tags followed). *sha is malloced, or
 * NULL when the tag does not exist. */
int github_resolve_commit(struct github_client *g, const char *tag, char **sha, struct err *err);

/* The rel="next" URL of a Link header value; malloced or NULL. */
char *github_link_next(const char *link);

#endif
