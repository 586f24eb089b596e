/* github.c - GitHub REST client: JSON GETs with pagination links and ETags,
 * releases, assets and tag-to-commit resolution (see github.h). */
#include "github.h"
#include "buf.h"
#include "log.h"
#include "text.h"
#include "grow.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GITHUB_ASSET_PAGES_MAX 100
#define GITHUB_TAG_DEPTH_MAX 5

/* A token that no request could carry is refused before the first one. */
static int github_token_unsendable(const char *token, struct err *err)
{
    size_t n = strlen(token);
    if (n > HTTP_HEADER_VALUE_MAX)
        return err_set(err,
                       "invalid source.access_token: %zu bytes, more than the %d a request "
                       "header can carry",
                       n, HTTP_HEADER_VALUE_MAX);
    if (text_has_control(token))
        return err_set(err, "invalid source.access_token: holds a control character");
    return 0;
}

/* Build both header lists, with "Authorization: Bearer token" when token. */
static int github_build_headers(struct github_client *g, const char *token, struct err *err)
{
    const char *accepts[2] = {"application/vnd.github+json", "application/octet-stream"};
    struct curl_slist *lists[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        struct curl_slist *l = http_add_header(NULL, "Accept: %s", accepts[i]);
        l = l ? http_add_header(l, "X-GitHub-Api-Version: %s", GITHUB_API_VERSION) : NULL;
        if (l && token)
            l = http_add_header(l, "Authorization: Bearer %s", token);
        if (!l) {
            curl_slist_free_all(lists[0]);
            return err_set(err, "out of memory");
        }
        lists[i] = l;
    }
    curl_slist_free_all(g->json_headers);
    curl_slist_free_all(g->octet_headers);
    g->json_headers = lists[0];
    g->octet_headers = lists[1];
    return 0;
}

int github_client_init(struct github_client *g, struct http_client *http,
                       const struct github_config *cfg, struct err *err)
{
    memset(g, 0, sizeof(*g));
    g->http = http;
    g->cfg = cfg;
    if (cfg->access_token && github_token_unsendable(cfg->access_token, err) < 0)
        return -1;
    /* the token (any Authorization, also one set later) goes to this origin only */
    if (http_client_set_origin(http, cfg->github_api_url, err) < 0)
        return err_prefix(err, "source.github_api_url");
    return github_build_headers(g, cfg->access_token, err);
}

int github_client_set_token(struct github_client *g, const char *token, struct err *err)
{
    return github_build_headers(g, token, err);
}

void github_client_cleanup(struct github_client *g)
{
    curl_slist_free_all(g->json_headers);
    curl_slist_free_all(g->octet_headers);
    g->json_headers = g->octet_headers = NULL;
}

char *github_repo_url(const struct github_client *g, const char *suffix)
{
    struct buf b = BUF_INIT(0);
    if (buf_addf(&b, "%s/repos/%s/%s%s", g->cfg->github_api_url, g->cfg->owner, g->cfg->repository,
                 suffix) < 0)
        return NULL;
    return buf_take(&b);
}

/* "{api}/repos/{owner}/{repo}{path}{segment}" with segment percent-encoded
 * (tags may hold '/', '+', ...); malloced, NULL on OOM. */
static char *github_repo_url_with(const struct github_client *g, const char *path,
                                  const char *segment)
{
    char *escaped = curl_easy_escape(NULL, segment, 0);
    struct buf suffix = BUF_INIT(0);
    char *url = NULL;
    if (escaped && buf_addf(&suffix, "%s%s", path, escaped) == 0)
        url = github_repo_url(g, suffix.ptr);
    curl_free(escaped);
    buf_free(&suffix);
    return url;
}

/* ---- JSON field access, each naming the field on error ---- */

static int github_str(const json_t *obj, const char *key, int nullable, char **out,
                      const char *where, struct err *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if ((!v || json_is_null(v)) && nullable)
        return 0;
    if (!json_is_string(v))
        return err_set(err, "%s: unexpected JSON: field \"%s\" is %s, not a string", where, key,
                       v ? "of another type" : "missing");
    *out = strdup(json_string_value(v));
    return *out ? 0 : err_set(err, "out of memory");
}

static int github_int(const json_t *obj, const char *key, int64_t *out, const char *where,
                      struct err *err)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return err_set(err, "%s: unexpected JSON: field \"%s\" is not a non-negative integer",
                       where, key);
    *out = json_integer_value(v);
    return 0;
}

static int github_bool(const json_t *obj, const char *key, int *out, const char *where,
                       struct err *err)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_boolean(v))
        return err_set(err, "%s: unexpected JSON: field \"%s\" is not a boolean", where, key);
    *out = json_is_true(v);
    return 0;
}

static void github_asset_free(struct github_asset *a)
{
    free(a->name);
    free(a->content_type);
    free(a->state);
    free(a->digest);
    free(a->url);
    memset(a, 0, sizeof(*a));
}

/* "sha256:<64 hex>" to lowercase hex into *hex; another "algorithm:value"
 * is ignored (*hex NULL). Returns 0, or -1 for anything else (malformed). */
static int github_digest_hex(const char *digest, char **hex)
{
    *hex = NULL;
    if (!digest)
        return 0;
    const char *colon = strchr(digest, ':');
    if (!colon || colon == digest || !colon[1])
        return -1;
    if (strncmp(digest, "sha256:", 7) != 0)
        return 0;
    if (strlen(digest + 7) != 64 || strspn(digest + 7, "0123456789abcdefABCDEF") != 64)
        return -1;
    if (!(*hex = strdup(digest + 7)))
        return -1;
    for (char *p = *hex; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return 0;
}

static int github_asset_from_json(const json_t *obj, struct github_asset *a, const char *where,
                                  struct err *err)
{
    char *digest = NULL;
    memset(a, 0, sizeof(*a));
    if (!json_is_object(obj))
        return err_set(err, "%s: unexpected JSON: an asset is not an object", where);
    if (github_int(obj, "id", &a->id, where, err) < 0 ||
        github_str(obj, "name", 0, &a->name, where, err) < 0 ||
        github_str(obj, "content_type", 1, &a->content_type, where, err) < 0 ||
        github_str(obj, "state", 0, &a->state, where, err) < 0 ||
        github_int(obj, "size", &a->size, where, err) < 0 ||
        github_str(obj, "url", 0, &a->url, where, err) < 0 ||
        github_str(obj, "digest", 1, &digest, where, err) < 0) {
        github_asset_free(a);
        return -1;
    }
    if (github_digest_hex(digest, &a->digest) < 0) {
        char shown[80];
        snprintf(shown, sizeof(shown), "%.72s", digest);
        text_mask_control(shown);
        err_set(err, "%s: asset \"%.200s\" has a malformed digest \"%s\" (want sha256:<64 hex>)",
                where, a->name, shown);
        free(digest);
        github_asset_free(a);
        return -1;
    }
    free(digest);
    if (!a->content_type && !(a->content_type = strdup("application/octet-stream"))) {
        github_asset_free(a);
        return err_set(err, "out of memory");
    }
    return 0;
}

static void github_assets_free(struct github_asset *assets, size_t n)
{
    for (size_t i = 0; i < n; i++)
        github_asset_free(&assets[i]);
    free(assets);
}

/* Append the assets of a JSON array to rel->assets. */
static int github_assets_append(struct github_release *rel, const json_t *arr, const char *where,
                                struct err *err)
{
    if (!json_is_array(arr))
        return err_set(err, "%s: unexpected JSON: field \"assets\" is not an array", where);
    size_t n = json_array_size(arr);
    if (n == 0)
        return 0;
    if (GROW(rel->assets, rel->n_assets + n, rel->assets_alloc) < 0)
        return err_set(err, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (github_asset_from_json(json_array_get(arr, i), &rel->assets[rel->n_assets], where,
                                   err) < 0)
            return -1;
        rel->n_assets++;
    }
    return 0;
}

int github_release_from_json(const json_t *obj, struct github_release *rel, const char *where,
                             struct err *err)
{
    memset(rel, 0, sizeof(*rel));
    if (!json_is_object(obj))
        return err_set(err, "%s: unexpected JSON: a release is not an object", where);
    json_t *assets = json_object_get(obj, "assets");
    if (github_int(obj, "id", &rel->id, where, err) < 0 ||
        github_str(obj, "tag_name", 1, &rel->tag, where, err) < 0 ||
        github_str(obj, "name", 1, &rel->name, where, err) < 0 ||
        github_str(obj, "body", 1, &rel->body, where, err) < 0 ||
        github_str(obj, "html_url", 1, &rel->html_url, where, err) < 0 ||
        github_str(obj, "published_at", 1, &rel->published_at, where, err) < 0 ||
        github_str(obj, "created_at", 1, &rel->created_at, where, err) < 0 ||
        github_str(obj, "tarball_url", 1, &rel->tarball_url, where, err) < 0 ||
        github_str(obj, "zipball_url", 1, &rel->zipball_url, where, err) < 0 ||
        github_bool(obj, "draft", &rel->draft, where, err) < 0 ||
        github_bool(obj, "prerelease", &rel->prerelease, where, err) < 0 ||
        (assets && github_assets_append(rel, assets, where, err) < 0)) {
        github_release_free(rel);
        return -1;
    }
    rel->immutable = json_is_true(json_object_get(obj, "immutable"));
    return 0;
}

void github_release_free(struct github_release *rel)
{
    free(rel->tag);
    free(rel->name);
    free(rel->body);
    free(rel->html_url);
    free(rel->published_at);
    free(rel->created_at);
    free(rel->tarball_url);
    free(rel->zipball_url);
    github_assets_free(rel->assets, rel->n_assets);
    memset(rel, 0, sizeof(*rel));
}

const char *github_release_time(const struct github_release *rel)
{
    if (rel->published_at)
        return rel->published_at;
    return rel->created_at ? rel->created_at : "";
}

/* Whether the Link parameters s[0..n) hold rel="next" (possibly among
 * several space-separated relation types). */
static int github_params_have_next(const char *s, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++) {
        if (strncasecmp(s + i, "rel=", 4) != 0)
            continue;
        size_t j = i + 4;
        int quoted = j < n && s[j] == '"';
        j += (size_t)quoted;
        while (j < n) {
            size_t k = j;
            while (k < n && !strchr(" \";,", s[k]))
                k++;
            if (k - j == 4 && strncasecmp(s + j, "next", 4) == 0)
                return 1;
            if (!quoted || k >= n || s[k] != ' ')
                break;
            j = k + 1;
        }
    }
    return 0;
}

char *github_link_next(const char *link)
{
    /* Link: <url>; rel="next", <url>; rel="last" */
    const char *p = link;
    while (p && (p = strchr(p, '<'))) {
        const char *gt = strchr(p, '>');
        if (!gt)
            return NULL;
        const char *next_lt = strchr(gt, '<');
        size_t params = next_lt ? (size_t)(next_lt - gt) : strlen(gt);
        if (github_params_have_next(gt + 1, params - 1))
            return strndup(p + 1, (size_t)(gt - p - 1));
        p = gt;
    }
    return NULL;
}

/* A Link rel="next" must stay on the API's origin: the token follows it. */
static int github_check_next(struct github_client *g, const char *url, const char *next,
                             struct err *err)
{
    char shown[1024], from[1024];
    if (!next || http_client_at_origin(g->http, next))
        return 0;
    http_url_for_log(next, shown, sizeof(shown));
    http_url_for_log(url, from, sizeof(from));
    return err_set(err,
                   "GET %s: HTTP 200: Link rel=\"next\" points to %s, outside the origin of "
                   "source.github_api_url (%s): refused",
                   from, shown, g->http->origin);
}

/* One GET (see github_get_json); a 401 is left to the caller in *status. */
static int github_get_once(struct github_client *g, const char *url, const char *etag, long *status,
                           json_t **out, char **next, char **etag_out, struct err *err)
{
    struct http_xfer x;
    struct curl_slist *headers = g->json_headers;
    struct curl_slist extra = {NULL, NULL};
    struct buf line = BUF_INIT(0); /* at its exact length, like every header */
    char value[2048];
    int rc = -1;
    *out = NULL;
    if (next)
        *next = NULL;
    if (etag_out)
        *etag_out = NULL;
    if (etag) {
        if (buf_addf(&line, "If-None-Match: %s", etag) < 0)
            return err_set(err, "out of memory");
        extra.data = line.ptr;
        extra.next = g->json_headers;
        headers = &extra;
    }
    http_xfer_init(&x, "GET", url);
    x.headers = headers;
    x.follow_redirects = 1;
    x.deadline_s = g->http->opt.request_timeout;
    if (http_perform(g->http, &x, err) < 0)
        goto done;
    *status = x.status;
    if (x.status == 304 || x.status == 404 || x.status == 422 || (x.status == 401 && g->reauth)) {
        rc = 0;
        goto done;
    }
    if (x.status != 200) {
        json_t *e = json_loadb(x.body_buf.ptr ? x.body_buf.ptr : "", x.body_buf.len, 0, NULL);
        const char *msg = json_string_value(json_object_get(e, "message"));
        http_url_for_log(url, value, sizeof(value));
        err_set(err, "GET %s: HTTP %ld%s%s", value, x.status, msg ? ": " : "", msg ? msg : "");
        json_decref(e);
        goto done;
    }
    json_error_t je;
    *out = json_loadb(buf_str(&x.body_buf), x.body_buf.len, 0, &je);
    if (!*out) {
        http_url_for_log(url, value, sizeof(value));
        err_set(err, "GET %s: HTTP 200: invalid JSON from GitHub: %s", value, je.text);
        goto done;
    }
    if (next && http_header(&x, "link", value, sizeof(value)) &&
        github_check_next(g, url, (*next = github_link_next(value)), err) < 0) {
        free(*next);
        *next = NULL;
        json_decref(*out);
        *out = NULL;
        goto done;
    }
    if (etag_out && http_header(&x, "etag", value, sizeof(value)))
        *etag_out = strdup(value);
    rc = 0;
done:
    http_xfer_cleanup(&x);
    buf_free(&line);
    return rc;
}

int github_get_json(struct github_client *g, const char *url, const char *etag, long *status,
                    json_t **out, char **next, char **etag_out, struct err *err)
{
    int rc = github_get_once(g, url, etag, status, out, next, etag_out, err);
    if (rc < 0 || *status != 401 || !g->reauth)
        return rc;
    github_reauth_fn reauth = g->reauth; /* once only */
    g->reauth = NULL;
    log_info("GET %s: HTTP 401 with the cached token: getting a new one", url);
    if (reauth(g->reauth_ctx, err) < 0)
        return -1;
    return github_get_once(g, url, etag, status, out, next, etag_out, err);
}

/* Download URLs built on the API origin, whatever the JSON says: assets by
 * id, archives by tag (GitHub redirects them to its download hosts, which
 * get no token). */
static int github_rebase_urls(struct github_client *g, struct github_release *rel, struct err *err)
{
    char suffix[64];
    for (size_t i = 0; i < rel->n_assets; i++) {
        snprintf(suffix, sizeof(suffix), "/releases/assets/%lld", (long long)rel->assets[i].id);
        char *url = github_repo_url(g, suffix);
        if (!url)
            return err_set(err, "out of memory");
        free(rel->assets[i].url);
        rel->assets[i].url = url;
    }
    char **archives[2] = {&rel->tarball_url, &rel->zipball_url};
    const char *paths[2] = {"/tarball/", "/zipball/"};
    for (int i = 0; i < 2; i++) {
        if (!*archives[i])
            continue;
        char *url = github_repo_url_with(g, paths[i], rel->tag);
        if (!url)
            return err_set(err, "out of memory");
        free(*archives[i]);
        *archives[i] = url;
    }
    return 0;
}

int github_get_release(struct github_client *g, const char *id, const char *tag,
                       struct github_release *rel, int *found, struct err *err)
{
    char *url = id ? github_repo_url_with(g, "/releases/", id)
                   : github_repo_url_with(g, "/releases/tags/", tag);
    if (!url)
        return err_set(err, "out of memory");
    long status = 0;
    json_t *doc = NULL;
    int rc = github_get_json(g, url, NULL, &status, &doc, NULL, NULL, err);
    *found = rc == 0 && status == 200;
    if (rc == 0 && status == 422)
        rc = err_set(err, "GET %s: HTTP 422", url);
    if (rc == 0 && *found)
        rc = github_release_from_json(doc, rel, url, err);
    if (rc == 0 && *found && github_rebase_urls(g, rel, err) < 0) {
        github_release_free(rel);
        rc = -1;
    }
    json_decref(doc);
    free(url);
    return rc;
}

int github_list_assets(struct github_client *g, struct github_release *rel, struct err *err)
{
    struct buf suffix = BUF_INIT(0);
    if (buf_addf(&suffix, "/releases/%lld/assets?per_page=%d", (long long)rel->id,
                 GITHUB_PER_PAGE) < 0)
        return err_set(err, "out of memory");
    char *url = github_repo_url(g, suffix.ptr);
    buf_free(&suffix);
    github_assets_free(rel->assets, rel->n_assets);
    rel->assets = NULL;
    rel->n_assets = rel->assets_alloc = 0;
    for (int page = 0; url; page++) {
        char shown[1024];
        http_url_for_log(url, shown, sizeof(shown));
        long status = 0;
        json_t *doc = NULL;
        char *next = NULL;
        int rc = page >= GITHUB_ASSET_PAGES_MAX
                     ? err_set(err, "GET %s: more than %d pages of assets", shown, page)
                     : github_get_json(g, url, NULL, &status, &doc, &next, NULL, err);
        if (rc == 0 && status != 200)
            rc = err_set(err, "GET %s: HTTP %ld", shown, status);
        if (rc == 0)
            rc = github_assets_append(rel, doc, shown, err);
        json_decref(doc);
        free(url);
        url = next;
        if (rc < 0) {
            free(url);
            return -1;
        }
    }
    return github_rebase_urls(g, rel, err);
}

/* Follow a git ref object ({"type","sha"}) down to a commit sha. *object is
 * a reference the caller owns; it is replaced as each tag is followed. */
static int github_peel_chain(struct github_client *g, json_t **object, char **sha, struct err *err)
{
    for (int depth = 0; depth < GITHUB_TAG_DEPTH_MAX; depth++) {
        const char *type = json_string_value(json_object_get(*object, "type"));
        const char *s = json_string_value(json_object_get(*object, "sha"));
        if (!type || !s)
            return err_set(err, "unexpected JSON for a git ref: no object type or sha");
        if (strcmp(type, "tag") != 0) {
            *sha = strdup(s);
            return *sha ? 0 : err_set(err, "out of memory");
        }
        struct buf suffix = BUF_INIT(0);
        buf_addf(&suffix, "/git/tags/%s", s);
        char *url = suffix.ptr ? github_repo_url(g, suffix.ptr) : NULL;
        buf_free(&suffix);
        long status = 0;
        json_t *doc = NULL;
        int rc = url ? github_get_json(g, url, NULL, &status, &doc, NULL, NULL, err)
                     : err_set(err, "out of memory");
        if (rc == 0 && status != 200)
            rc = err_set(err, "GET %s: HTTP %ld", url, status);
        free(url);
        if (rc < 0) {
            json_decref(doc);
            return -1;
        }
        json_t *inner = json_incref(json_object_get(doc, "object"));
        json_decref(doc);
        json_decref(*object);
        *object = inner;
        if (!*object)
            return err_set(err, "unexpected JSON for an annotated tag: no object");
    }
    return err_set(err, "tag chain deeper than %d", GITHUB_TAG_DEPTH_MAX);
}

static int github_peel(struct github_client *g, json_t *object, char **sha, struct err *err)
{
    json_incref(object);
    int rc = github_peel_chain(g, &object, sha, err);
    json_decref(object);
    return rc;
}

int github_resolve_commit(struct github_client *g, const char *tag, char **sha, struct err *err)
{
    *sha = NULL;
    char *url = github_repo_url_with(g, "/git/ref/tags/", tag);
    if (!url)
        return err_set(err, "out of memory");
    long status = 0;
    json_t *doc = NULL;
    int rc = github_get_json(g, url, NULL, &status, &doc, NULL, NULL, err);
    if (rc == 0 && status == 200) {
        json_t *object = json_object_get(doc, "object");
        if (json_is_object(object))
            rc = github_peel(g, object, sha, err);
        else
            rc = err_set(err, "GET %s: unexpected JSON: no \"object\"", url);
    } else if (rc == 0 && status != 404) {
        rc = err_set(err, "GET %s: HTTP %ld", url, status);
    }
    json_decref(doc);
    free(url);
    return rc;
}
