/* tuf.c - the TUF client workflow for one target (see tuf.h): root chain,
 * timestamp, snapshot, targets, target; the cache; downloads through http.h.
 *
 * The update runs once online. When a download fails for want of the host
 * (connection error, HTTP 5xx), it runs again offline: every step then takes
 * the cached file, which must verify and be unexpired. Verification
 * failures never fall back to the cache. */
#include "tuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "tuf_meta.h"
#include "text.h"

/* Download caps (bytes) when the metadata gives no length (python-tuf's). */
#define TUF_ROOT_MAX 512000
#define TUF_TIMESTAMP_MAX 16384
#define TUF_SNAPSHOT_MAX 2000000
#define TUF_TARGETS_MAX 5000000
#define TUF_MAX_ROOT_ROTATIONS 256

struct tuf_ctx {
    const struct tuf_config *cfg;
    struct http_client *http;
    struct http_client own_http;
    char *dir; /* this repository's cache directory, or NULL */
    time_t now;
    int offline;     /* second pass: cache only */
    int unreachable; /* a download failed for want of the host */
    struct tuf_meta root, ts, snap, targets;
};

/* ---- cache files ---- */

static int tuf_mkdirs(const char *path, struct err *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
        return err_set(err, "cache path \"%.64s...\" is too long", path);
    for (char *p = tmp + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
            return err_set(err, "cannot create cache directory \"%s\": %s", tmp, strerror(errno));
        *p = c;
        if (!c)
            return 0;
    }
}

/* Read cache file `name` into out (cap max). 0, 1 when absent, -1 on error. */
static int tuf_cache_read(const struct tuf_ctx *c, const char *name, size_t max, struct buf *out)
{
    char path[4096];
    if (!c->dir)
        return 1;
    snprintf(path, sizeof(path), "%s/%s", c->dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 1;
    buf_init(out, max);
    int rc = buf_read_fd(out, fd);
    close(fd);
    if (rc < 0)
        log_warn("tuf: ignoring unreadable cache file \"%s\"", path);
    return rc < 0 ? -1 : 0;
}

/* Write data as cache file `name`, atomically (temporary file, fsync, rename). */
static int tuf_cache_write(const struct tuf_ctx *c, const char *name, const void *data, size_t n,
                           struct err *err)
{
    char path[4096], tmp[4200];
    if (!c->dir)
        return 0;
    snprintf(path, sizeof(path), "%s/%s", c->dir, name);
    snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0)
        return err_set(err, "cannot write cache file \"%s\": %s", path, strerror(errno));
    const char *p = data;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    int ok = left == 0 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return err_set(err, "cannot write cache file \"%s\": %s", path, strerror(e));
    }
    return 0;
}

static void tuf_cache_remove(const struct tuf_ctx *c, const char *name)
{
    char path[4096];
    if (c->dir && snprintf(path, sizeof(path), "%s/%s", c->dir, name) < (int)sizeof(path))
        unlink(path);
}

/* cfg->cache_dir/<repo_url without scheme, other than [A-Za-z0-9.-] as '_'> */
static int tuf_cache_dir(struct tuf_ctx *c, struct err *err)
{
    const char *base = c->cfg->cache_dir, *u = c->cfg->repo_url;
    if (!base || !*base)
        return 0;
    const char *s = strstr(u, "://");
    u = s ? s + 3 : u;
    size_t n = strlen(base) + strlen(u) + 2;
    c->dir = malloc(n);
    if (!c->dir)
        return err_set(err, "out of memory");
    char *d = c->dir + snprintf(c->dir, n, "%s/", base);
    for (; *u; u++)
        *d++ = (*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') || (*u >= '0' && *u <= '9') ||
                       *u == '.' || *u == '-'
                   ? *u
                   : '_';
    *d = '\0';
    char targets[4200];
    snprintf(targets, sizeof(targets), "%s/targets", c->dir);
    return tuf_mkdirs(targets, err);
}

/* ---- downloads ---- */

struct tuf_sink {
    struct buf *out;
    int too_large;
};

static int tuf_on_body(struct http_xfer *x, void *ctx, const char *data, size_t n)
{
    struct tuf_sink *s = ctx;
    if (buf_add(s->out, data, n) == 0)
        return 0;
    s->too_large = 1;
    return http_xfer_fail(x, "%s: larger than %zu bytes", x->url, s->out->max);
}

/* GET url into out (cap max). 0, 1 on 404/403 (absent), or -1 with err set;
 * a connection failure or a final 5xx also sets c->unreachable. */
static int tuf_get(struct tuf_ctx *c, const char *url, size_t max, struct buf *out, struct err *err)
{
    struct http_xfer x;
    struct tuf_sink sink = {out, 0};
    buf_init(out, max);
    http_xfer_init(&x, "GET", url);
    x.follow_redirects = 1;
    x.write = tuf_on_body;
    x.ctx = &sink;
    int rc = http_perform(c->http, &x, err);
    if (rc < 0 && !sink.too_large)
        c->unreachable = 1;
    if (rc == 0 && (x.status == 404 || x.status == 403)) {
        rc = 1;
        err_set(err, "%s: HTTP %ld", url, x.status);
    } else if (rc == 0 && (x.status < 200 || x.status > 299)) {
        rc = err_set(err, "%s: HTTP %ld", url, x.status);
        if (x.status >= 500)
            c->unreachable = 1;
    }
    http_xfer_cleanup(&x);
    if (rc != 0)
        buf_free(out);
    return rc;
}

/* base + "/" + file, malloced (NULL on OOM). */
static char *tuf_url(const char *base, const char *file)
{
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    size_t n = bl + strlen(file) + 2;
    char *url = malloc(n);
    if (url)
        snprintf(url, n, "%.*s/%s", (int)bl, base, file);
    return url;
}

/* Download repo_url/file (cap max). 0, 1 when absent, -1 (err set). */
static int tuf_fetch_meta(struct tuf_ctx *c, const char *file, size_t max, struct buf *raw,
                          struct err *err)
{
    char *url = tuf_url(c->cfg->repo_url, file);
    if (!url)
        return err_set(err, "out of memory");
    int rc = tuf_get(c, url, max, raw, err);
    free(url);
    return rc;
}

static int tuf_consistent(const struct tuf_ctx *c)
{
    return json_is_true(json_object_get(c->root.signed_, "consistent_snapshot"));
}

/* Load cache file `file` as `type` metadata signed for that role by the
 * trusted root. 0 with m filled, or -1 (m empty) when absent or invalid. */
static int tuf_load_cached(const struct tuf_ctx *c, const char *file, const char *type, size_t max,
                           struct tuf_meta *m)
{
    struct buf raw;
    struct err e = {""};
    memset(m, 0, sizeof(*m));
    if (tuf_cache_read(c, file, max, &raw) != 0)
        return -1;
    int rc = tuf_meta_parse(raw.ptr, raw.len, type, file, m, &e);
    buf_free(&raw);
    if (rc == 0 && tuf_meta_verify(&c->root, type, m, file, &e) < 0) {
        tuf_meta_free(m);
        rc = -1;
    }
    if (rc < 0)
        log_debug("tuf: cached %s not used: %s", file, e.msg);
    return rc;
}

/* ---- the workflow steps ---- */

static int tuf_load_root(struct tuf_ctx *c, struct err *err)
{
    struct tuf_meta init, cached = {0};
    const char *what = "initial root.json";
    if (tuf_meta_parse(c->cfg->initial_root, c->cfg->initial_root_len, "root", what, &init, err) <
        0)
        return -1;
    if (tuf_meta_verify(&init, "root", &init, what, err) < 0) {
        tuf_meta_free(&init);
        return -1;
    }
    struct buf raw;
    struct err e = {""};
    if (tuf_cache_read(c, "root.json", TUF_ROOT_MAX, &raw) == 0) {
        if (tuf_meta_parse(raw.ptr, raw.len, "root", "cached root.json", &cached, &e) == 0 &&
            tuf_meta_verify(&cached, "root", &cached, "cached root.json", &e) < 0)
            tuf_meta_free(&cached);
        if (!cached.doc)
            log_warn("tuf: ignoring the cached root.json: %s", e.msg);
        buf_free(&raw);
    }
    int rc = 0;
    if (cached.doc && cached.version >= init.version)
        tuf_meta_move(&c->root, &cached);
    else if ((rc = tuf_cache_write(c, "root.json", c->cfg->initial_root, c->cfg->initial_root_len,
                                   err)) == 0)
        tuf_meta_move(&c->root, &init);
    tuf_meta_free(&cached);
    tuf_meta_free(&init);
    return rc;
}

/* One step of the root chain: N+1.root.json. 0 (trusted), 1 none, -1. */
static int tuf_next_root(struct tuf_ctx *c, struct err *err)
{
    char file[64];
    struct buf raw = BUF_INIT(0);
    struct tuf_meta next;
    snprintf(file, sizeof(file), "%lld.root.json", c->root.version + 1);
    int rc = tuf_fetch_meta(c, file, TUF_ROOT_MAX, &raw, err);
    if (rc != 0)
        return rc;
    rc = tuf_meta_parse(raw.ptr, raw.len, "root", file, &next, err);
    if (rc == 0 && (tuf_meta_verify(&c->root, "root", &next, file, err) < 0 ||
                    tuf_meta_verify(&next, "root", &next, file, err) < 0))
        rc = -1;
    if (rc == 0 && next.version != c->root.version + 1)
        rc = err_set(err, "%s: version is %lld, expected %lld (a rollback attack?)", file,
                     next.version, c->root.version + 1);
    if (rc == 0)
        rc = tuf_cache_write(c, "root.json", raw.ptr, raw.len, err);
    buf_free(&raw);
    if (rc == 0)
        tuf_meta_move(&c->root, &next);
    tuf_meta_free(&next);
    return rc;
}

static json_t *tuf_role(const struct tuf_meta *root, const char *role)
{
    return json_object_get(json_object_get(root->signed_, "roles"), role);
}

/* The root chain. When the new root changes the timestamp or snapshot keys,
 * the cached timestamp and snapshot are deleted (fast-forward recovery). */
static int tuf_update_root(struct tuf_ctx *c, struct err *err)
{
    json_t *ts0 = json_incref(tuf_role(&c->root, "timestamp"));
    json_t *snap0 = json_incref(tuf_role(&c->root, "snapshot"));
    int rc = 0;
    for (int i = 0; !c->offline && i < TUF_MAX_ROOT_ROTATIONS; i++) {
        rc = tuf_next_root(c, err);
        if (rc != 0)
            break;
    }
    if (rc >= 0 && (!json_equal(ts0, tuf_role(&c->root, "timestamp")) ||
                    !json_equal(snap0, tuf_role(&c->root, "snapshot")))) {
        tuf_cache_remove(c, "timestamp.json");
        tuf_cache_remove(c, "snapshot.json");
    }
    json_decref(ts0);
    json_decref(snap0);
    if (rc < 0)
        return -1;
    return tuf_meta_check_expiry(&c->root, c->now, "root.json", err);
}

/* Rollback checks of a new timestamp against the trusted one: 0 newer,
 * 1 same version (keep the trusted one), -1. */
static int tuf_timestamp_rollback(const struct tuf_meta *old, const struct tuf_meta *new,
                                  struct err *err)
{
    struct tuf_fileinfo o, n;
    if (new->version < old->version)
        return err_set(err,
                       "timestamp.json: version %lld is older than the trusted version %lld "
                       "(a rollback attack)",
                       new->version, old->version);
    if (new->version == old->version)
        return 1;
    struct err ignored;
    if (tuf_meta_fileinfo(old, "snapshot.json", &o, &ignored) != 0)
        return 0; /* nothing trusted to compare with */
    if (tuf_meta_fileinfo(new, "snapshot.json", &n, err) != 0)
        return -1;
    if (n.version < o.version)
        return err_set(err,
                       "timestamp.json: snapshot.json version %lld is older than the trusted "
                       "version %lld (a rollback attack)",
                       n.version, o.version);
    return 0;
}

static int tuf_update_timestamp(struct tuf_ctx *c, struct err *err)
{
    struct tuf_meta old, new = {0};
    struct buf raw = BUF_INIT(0);
    tuf_load_cached(c, "timestamp.json", "timestamp", TUF_TIMESTAMP_MAX, &old);
    if (c->offline) {
        if (!old.doc)
            return err_set(err, "no valid cached timestamp.json");
        tuf_meta_move(&c->ts, &old);
        return tuf_meta_check_expiry(&c->ts, c->now, "cached timestamp.json", err);
    }
    int rc = tuf_fetch_meta(c, "timestamp.json", TUF_TIMESTAMP_MAX, &raw, err) ? -1 : 0;
    if (rc == 0)
        rc = tuf_meta_parse(raw.ptr, raw.len, "timestamp", "timestamp.json", &new, err);
    if (rc == 0)
        rc = tuf_meta_verify(&c->root, "timestamp", &new, "timestamp.json", err);
    if (rc == 0 && old.doc)
        rc = tuf_timestamp_rollback(&old, &new, err);
    if (rc == 1) /* the same version: the trusted copy stays */
        tuf_meta_move(&new, &old);
    if (rc >= 0 && tuf_meta_check_expiry(&new, c->now, "timestamp.json", err) < 0)
        rc = -1;
    if (rc == 0)
        rc = tuf_cache_write(c, "timestamp.json", raw.ptr, raw.len, err);
    if (rc >= 0)
        tuf_meta_move(&c->ts, &new);
    buf_free(&raw);
    tuf_meta_free(&new);
    tuf_meta_free(&old);
    return rc < 0 ? -1 : 0;
}

/* Download the snapshot or targets metadata that fi describes and check its
 * length, hashes, signatures and version. 0 with m filled and raw kept, -1. */
static int tuf_fetch_checked(struct tuf_ctx *c, const char *role, const struct tuf_fileinfo *fi,
                             size_t max, struct buf *raw, struct tuf_meta *m, struct err *err)
{
    char file[96];
    if (tuf_consistent(c))
        snprintf(file, sizeof(file), "%lld.%s.json", fi->version, role);
    else
        snprintf(file, sizeof(file), "%s.json", role);
    size_t cap = fi->length > 0 && (unsigned long long)fi->length < max ? (size_t)fi->length : max;
    memset(m, 0, sizeof(*m));
    if (tuf_fetch_meta(c, file, cap, raw, err) != 0)
        return -1;
    int rc = tuf_fileinfo_check(fi, raw->ptr, raw->len, 0, file, err);
    if (rc == 0)
        rc = tuf_meta_parse(raw->ptr, raw->len, role, file, m, err);
    if (rc == 0)
        rc = tuf_meta_verify(&c->root, role, m, file, err);
    if (rc == 0 && m->version != fi->version)
        rc = err_set(err, "%s: version is %lld, but the trusted metadata names version %lld", file,
                     m->version, fi->version);
    if (rc < 0) {
        tuf_meta_free(m);
        buf_free(raw);
    }
    return rc;
}

/* Every targets file of the trusted snapshot stays listed, at no older version. */
static int tuf_snapshot_rollback(const struct tuf_meta *old, const struct tuf_meta *new,
                                 struct err *err)
{
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(old->signed_, "meta"), name, v)
    {
        struct tuf_fileinfo o, n;
        struct err ignored;
        if (tuf_meta_fileinfo(old, name, &o, &ignored) != 0)
            continue;
        if (tuf_meta_fileinfo(new, name, &n, err) != 0)
            return err_prefix(err, "snapshot.json (a rollback attack?)");
        if (n.version < o.version)
            return err_set(err,
                           "snapshot.json: %s version %lld is older than the trusted version "
                           "%lld (a rollback attack)",
                           name, n.version, o.version);
    }
    return 0;
}

/* Snapshot ("snapshot", listed by the timestamp) or targets ("targets",
 * listed by the snapshot). */
static int tuf_update_role(struct tuf_ctx *c, const char *role, struct tuf_meta *parent,
                           struct tuf_meta *dst, size_t max, struct err *err)
{
    char json[32];
    struct tuf_fileinfo fi;
    struct tuf_meta old, new;
    struct buf raw = BUF_INIT(0);
    snprintf(json, sizeof(json), "%s.json", role);
    if (tuf_meta_fileinfo(parent, json, &fi, err) != 0)
        return -1;
    tuf_load_cached(c, json, role, max, &old);
    if (old.doc && old.version == fi.version && old.expires > c->now) {
        tuf_meta_move(dst, &old);
        return 0;
    }
    if (c->offline || strcmp(role, "snapshot") != 0)
        tuf_meta_free(&old); /* only a snapshot is compared with its predecessor */
    if (c->offline)
        return err_set(err, "no valid unexpired cached %s of version %lld", json, fi.version);
    int rc = tuf_fetch_checked(c, role, &fi, max, &raw, &new, err);
    if (rc == 0 && old.doc)
        rc = tuf_snapshot_rollback(&old, &new, err);
    if (rc == 0)
        rc = tuf_meta_check_expiry(&new, c->now, json, err);
    if (rc == 0)
        rc = tuf_cache_write(c, json, raw.ptr, raw.len, err);
    if (rc == 0)
        tuf_meta_move(dst, &new);
    tuf_meta_free(&new);
    tuf_meta_free(&old);
    buf_free(&raw);
    return rc;
}

/* A target name: relative, no empty, "." or ".." segment, no control bytes. */
static int tuf_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 255 || name[0] == '/' || name[n - 1] == '/')
        return 0;
    if (text_has_control(name) || strchr(name, '\\'))
        return 0;
    for (const char *p = name; *p; p++) {
        int start = p == name || p[-1] == '/';
        if (start && (p[0] == '/' || (p[0] == '.' && (p[1] == '/' || !p[1])) ||
                      (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]))))
            return 0;
    }
    return 1;
}

/* "targets/" + name with '%' and '/' percent-encoded. */
static void tuf_target_cache_name(const char *name, char *out, size_t n)
{
    size_t used = (size_t)snprintf(out, n, "targets/");
    for (; *name && used + 4 < n; name++)
        used += (size_t)(*name == '/'   ? snprintf(out + used, n - used, "%%2F")
                         : *name == '%' ? snprintf(out + used, n - used, "%%25")
                                        : snprintf(out + used, n - used, "%c", *name));
}

/* The target's URL: targets_url/DIR/HASH.BASE (consistent snapshot) or
 * targets_url/NAME. Malloced, or NULL on OOM. */
static char *tuf_target_url(const struct tuf_ctx *c, const char *name, const char *hash)
{
    char file[1024];
    const struct tuf_config *cfg = c->cfg;
    const char *slash = strrchr(name, '/');
    if (hash && tuf_consistent(c))
        snprintf(file, sizeof(file), "%.*s%s.%s", slash ? (int)(slash - name + 1) : 0, name, hash,
                 slash ? slash + 1 : name);
    else
        snprintf(file, sizeof(file), "%s", name);
    if (cfg->targets_url)
        return tuf_url(cfg->targets_url, file);
    char *base = tuf_url(cfg->repo_url, "targets");
    char *url = base ? tuf_url(base, file) : NULL;
    free(base);
    return url;
}

static int tuf_is_hex(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
            return 0;
    return 1;
}

/* The cached copy of the target, when it matches fi. 0 (in out) or -1. */
static int tuf_cached_target(const struct tuf_ctx *c, const char *cname,
                             const struct tuf_fileinfo *fi, const char *name, struct buf *out)
{
    struct err e;
    if (tuf_cache_read(c, cname, (size_t)fi->length + 1, out) != 0)
        return -1;
    if (tuf_fileinfo_check(fi, out->ptr, out->len, 1, name, &e) == 0)
        return 0;
    log_debug("tuf: cached %s not used: %s", cname, e.msg);
    buf_free(out);
    return -1;
}

static int tuf_get_target(struct tuf_ctx *c, const char *name, size_t max, struct buf *out,
                          struct err *err)
{
    struct tuf_fileinfo fi;
    char cname[1024];
    int rc = tuf_meta_fileinfo(&c->targets, name, &fi, err);
    if (rc == 1)
        return err_prefix(err, "target \"%s\" not found (delegations are not searched)", name);
    if (rc < 0)
        return -1;
    if ((unsigned long long)fi.length > max)
        return err_set(err, "target \"%s\": %lld bytes, more than the %zu allowed", name, fi.length,
                       max);
    const char *hash = tuf_fileinfo_hash(&fi);
    if (!tuf_is_hex(hash))
        return err_set(err, "targets.json: target \"%s\" has no hex sha256 or sha512 hash", name);
    tuf_target_cache_name(name, cname, sizeof(cname));
    if (tuf_cached_target(c, cname, &fi, name, out) == 0)
        return 0;
    if (c->offline)
        return err_set(err, "no valid cached copy of target \"%s\"", name);
    char *url = tuf_target_url(c, name, hash);
    if (!url)
        return err_set(err, "out of memory");
    rc = tuf_get(c, url, fi.length > 0 ? (size_t)fi.length : 1, out, err) ? -1 : 0;
    if (rc == 0)
        rc = tuf_fileinfo_check(&fi, out->ptr, out->len, 1, url, err);
    free(url);
    if (rc == 0)
        rc = tuf_cache_write(c, cname, out->ptr, out->len, err);
    if (rc < 0)
        buf_free(out);
    return rc;
}

static int tuf_run(struct tuf_ctx *c, const char *name, size_t max, struct buf *out,
                   struct err *err)
{
    if (tuf_update_root(c, err) < 0 || tuf_update_timestamp(c, err) < 0 ||
        tuf_update_role(c, "snapshot", &c->ts, &c->snap, TUF_SNAPSHOT_MAX, err) < 0 ||
        tuf_update_role(c, "targets", &c->snap, &c->targets, TUF_TARGETS_MAX, err) < 0)
        return -1;
    return tuf_get_target(c, name, max, out, err);
}

static int tuf_setup(struct tuf_ctx *c, struct err *err)
{
    const struct tuf_config *cfg = c->cfg;
    if (!cfg->repo_url || !*cfg->repo_url || !cfg->initial_root || !cfg->initial_root_len)
        return err_set(err, "tuf: a repository URL and an initial root are required");
    if (tuf_cache_dir(c, err) < 0)
        return -1;
    c->http = cfg->http;
    if (c->http)
        return 0;
    struct http_options o;
    if (cfg->http_opts)
        o = *cfg->http_opts;
    else
        http_options_default(&o);
    o.insecure = cfg->insecure;
    o.ca_pem = cfg->ca_cert;
    if (http_client_init(&c->own_http, &o, err) < 0)
        return -1;
    c->http = &c->own_http;
    return 0;
}

/* The update failed for want of the host: try again from the cache alone. */
static int tuf_offline(struct tuf_ctx *c, const char *name, size_t max, struct buf *out,
                       struct err *err)
{
    struct err off = {""};
    char first[ERR_MAX];
    snprintf(first, sizeof(first), "%s", err->msg);
    c->offline = 1;
    tuf_meta_free(&c->ts);
    tuf_meta_free(&c->snap);
    tuf_meta_free(&c->targets);
    if (tuf_run(c, name, max, out, &off) < 0)
        return err_set(err, "cannot reach TUF repository %s (%s), and no usable cache: %s",
                       c->cfg->repo_url, first, off.msg);
    log_warn("tuf: cannot reach TUF repository %s (%s); using the cached %s, verified by "
             "metadata valid until %s",
             c->cfg->repo_url, first, name,
             json_string_value(json_object_get(c->ts.signed_, "expires")));
    return 0;
}

int tuf_fetch_target(const struct tuf_config *cfg, const char *name, struct buf *out,
                     struct err *err)
{
    size_t max = out->max ? out->max : BUF_MAX_DEFAULT;
    buf_free(out);
    if (!name || !tuf_name_ok(name))
        return err_set(err, "tuf: invalid target name \"%s\"", name ? name : "");
    struct tuf_ctx c;
    memset(&c, 0, sizeof(c));
    c.cfg = cfg;
    c.now = cfg->now ? cfg->now : time(NULL);
    int rc = tuf_setup(&c, err);
    if (rc == 0)
        rc = tuf_load_root(&c, err);
    if (rc == 0)
        rc = tuf_run(&c, name, max, out, err);
    if (rc < 0 && c.unreachable)
        rc = tuf_offline(&c, name, max, out, err);
    tuf_meta_free(&c.root);
    tuf_meta_free(&c.ts);
    tuf_meta_free(&c.snap);
    tuf_meta_free(&c.targets);
    if (c.http == &c.own_http)
        http_client_cleanup(&c.own_http);
    free(c.dir);
    if (rc < 0)
        buf_free(out);
    out->max = max;
    return rc;
}
