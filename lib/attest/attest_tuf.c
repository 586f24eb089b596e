/* attest_tuf.c - trusted_root.json through TUF for attestation checks (see
 * attest_tuf.h). The target is fetched with tuf_fetch_target(), which
 * verifies it against the repository's signed metadata and falls back to
 * the unexpired cache when the host is down. */
#include "attest_tuf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "trusted_root.h"
#include "tuf.h"

#define ATTEST_TUF_TARGET "trusted_root.json"
#define ATTEST_TUF_ROOT_MAX (512u * 1024)

static void attest_tuf_set(struct attest_tuf *t, const char *url, const char *fallback,
                           const unsigned char *root, size_t root_len, const char *root_file,
                           const char *cache_dir)
{
    memset(t, 0, sizeof(*t));
    t->url = url && *url ? url : fallback;
    t->embedded_root = root;
    t->embedded_root_len = root_len;
    t->root_file = root_file && *root_file ? root_file : NULL;
    if (cache_dir)
        snprintf(t->cache_dir, sizeof(t->cache_dir), "%s", cache_dir);
}

void attest_tuf_github(struct attest_tuf *t, const char *url, const char *root_file,
                       const char *cache_dir)
{
    attest_tuf_set(t, url, TUF_GITHUB_URL, tuf_github_initial_root, tuf_github_initial_root_len,
                   root_file, cache_dir);
}

void attest_tuf_sigstore(struct attest_tuf *t, const char *url, const char *root_file,
                         const char *cache_dir)
{
    attest_tuf_set(t, url, TUF_SIGSTORE_URL, tuf_sigstore_initial_root,
                   tuf_sigstore_initial_root_len, root_file, cache_dir);
}

static int attest_tuf_read_root(const char *path, struct buf *out, struct err *err)
{
    buf_init(out, ATTEST_TUF_ROOT_MAX);
    int rc = buf_read_file(out, path);
    if (rc < 0 && (errno == ENOENT || errno == EACCES))
        return err_set(err, "trust-root: cannot open initial TUF root '%s'", path);
    if (rc < 0 || out->len == 0)
        return err_set(err, "trust-root: cannot read initial TUF root '%s'", path);
    return 0;
}

int attest_tuf_trusted_root(const struct attest_tuf *t, struct http_client *http, char **json,
                            struct err *err)
{
    struct buf root = BUF_INIT(0), target = BUF_INIT(TRUSTED_ROOT_MAX);
    struct tuf_config cfg = {0};
    *json = NULL;
    if (t->root_file && attest_tuf_read_root(t->root_file, &root, err) < 0)
        return -1;
    cfg.repo_url = t->url;
    cfg.cache_dir = t->cache_dir[0] ? t->cache_dir : NULL;
    cfg.initial_root = root.ptr ? (const unsigned char *)root.ptr : t->embedded_root;
    cfg.initial_root_len = root.ptr ? root.len : t->embedded_root_len;
    cfg.http = http;
    cfg.http_opts = t->http_opts;
    int rc = tuf_fetch_target(&cfg, ATTEST_TUF_TARGET, &target, err);
    buf_free(&root);
    if (rc < 0)
        return err_prefix(err, "trust-root: %s from TUF", ATTEST_TUF_TARGET);
    if (memchr(buf_str(&target), '\0', target.len)) {
        buf_free(&target);
        return err_set(err, "trust-root: %s from TUF repository %s holds a NUL byte",
                       ATTEST_TUF_TARGET, t->url);
    }
    if (!(*json = buf_take(&target)))
        return err_set(err, "out of memory");
    return 0;
}
