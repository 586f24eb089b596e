/* assets.c - asset selection, name safety and verified, resumable
 * downloads (see assets.h). */
#include "assets.h"
#include "http_internal.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int assets_selected(char *const *globs, size_t n, const char *name)
{
    int has_positive = 0, matched = 0;
    for (size_t i = 0; i < n; i++) {
        const char *g = globs[i];
        if (g[0] == '!') {
            if (fnmatch(g + 1, name, 0) == 0)
                return 0;
            continue;
        }
        has_positive = 1;
        if (fnmatch(g, name, 0) == 0)
            matched = 1;
    }
    return matched || !has_positive;
}

int assets_name_check(const char *name, struct err *err)
{
    size_t len = strlen(name);
    const char *why = NULL;
    if (len == 0)
        why = "is empty";
    else if (len > 255)
        why = "is longer than 255 bytes";
    else if (strchr(name, '/'))
        why = "holds '/'";
    else if (strstr(name, ".."))
        why = "holds '..'";
    else if (strcmp(name, ".") == 0)
        why = "is '.'";
    else if (name[0] == '-')
        why = "starts with '-'";
    for (const unsigned char *p = (const unsigned char *)name; !why && *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            why = "holds a control character";
    if (!why)
        return 0;
    char shown[300];
    snprintf(shown, sizeof(shown), "%.*s", 200, name);
    for (char *p = shown; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = '?';
    return err_set(err, "unsafe asset name \"%s\": it %s", shown, why);
}

/* ---- one download's callbacks ---- */

static int assets_prepare(struct http_xfer *x, void *ctx)
{
    struct assets_download *d = ctx;
    curl_slist_free_all(d->sent);
    d->sent = NULL;
    for (struct curl_slist *h = d->headers; h; h = h->next)
        if (!(d->sent = curl_slist_append(d->sent, h->data)))
            return http_xfer_fail(x, "out of memory");
    if (d->bytes > 0 &&
        !(d->sent = http_add_header(d->sent, "Range: bytes=%" PRId64 "-", d->bytes)))
        return http_xfer_fail(x, "out of memory");
    x->headers = d->sent;
    d->first_chunk = 1;
    return 0;
}

/* Start the file over: the server ignored Range. */
static int assets_restart(struct http_xfer *x, struct assets_download *d)
{
    if (ftruncate(d->fd, 0) < 0 || sha256_reset(&d->hash) < 0)
        return http_xfer_fail(x, "cannot restart \"%s\": %s", d->name, strerror(errno));
    d->bytes = 0;
    x->progress_done = 0;
    return 0;
}

static int assets_first_chunk(struct http_xfer *x, struct assets_download *d)
{
    char range[128];
    d->first_chunk = 0;
    if (x->status == 200)
        return d->bytes > 0 ? assets_restart(x, d) : 0;
    if (x->status != 206)
        return 0;
    long long start = -1;
    if (!http_header(x, "content-range", range, sizeof(range)) ||
        sscanf(range, "bytes %lld-", &start) != 1 || start != d->bytes)
        return http_xfer_fail(x, "\"%s\": resumed download starts at the wrong offset (%s)",
                              d->name, range);
    log_info("%s: resuming at byte %" PRId64, d->name, d->bytes);
    return 0;
}

static int assets_write(struct http_xfer *x, void *ctx, const char *data, size_t n)
{
    struct assets_download *d = ctx;
    if (d->first_chunk && assets_first_chunk(x, d) < 0)
        return -1;
    if (d->size >= 0 && d->bytes + (int64_t)n > d->size)
        return http_xfer_fail(x, "\"%s\": more bytes than the %" PRId64 " GitHub announced",
                              d->name, d->size);
    for (size_t off = 0; off < n;) {
        ssize_t w = pwrite(d->fd, data + off, n - off, (off_t)(d->bytes + (int64_t)off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return http_xfer_fail(x, "cannot write \"%s\": %s", d->name, strerror(errno));
        off += (size_t)w;
    }
    sha256_update(&d->hash, data, n);
    d->bytes += (int64_t)n;
    return 0;
}

static int assets_done(struct http_xfer *x, void *ctx)
{
    struct assets_download *d = ctx;
    char url[512];
    http_url_for_log(x->cur_url, url, sizeof(url));
    if (x->status == 416 && d->bytes > 0 && d->size >= 0)
        return http_xfer_fail(
            x, "\"%s\": GitHub announced %" PRId64 " bytes but the download ends at %" PRId64,
            d->name, d->size, d->bytes);
    if (x->status < 200 || x->status >= 300)
        return http_xfer_fail(x, "download of \"%s\" failed: GET %s: HTTP %ld", d->name, url,
                              x->status);
    if (d->first_chunk && assets_first_chunk(x, d) < 0) /* an empty body */
        return -1;
    if (d->size >= 0 && d->bytes < d->size) {
        snprintf(x->errmsg, sizeof(x->errmsg), "\"%s\": body ended at %" PRId64 " of %" PRId64,
                 d->name, d->bytes, d->size);
        return 1;
    }
    x->errmsg[0] = '\0';
    sha256_final_hex(&d->hash, d->sha256);
    if (d->digest && strcmp(d->digest, d->sha256) != 0)
        return http_xfer_fail(x, "\"%s\": sha256 mismatch: GitHub's digest is %s, downloaded %s",
                              d->name, d->digest, d->sha256);
    if (close(d->fd) < 0) {
        d->fd = -1;
        return http_xfer_fail(x, "cannot write \"%s\": %s", d->name, strerror(errno));
    }
    d->fd = -1;
    if (renameat(d->dir_fd, d->tmp_name, d->dir_fd, d->name) < 0)
        return http_xfer_fail(x, "cannot rename to \"%s\": %s", d->name, strerror(errno));
    d->complete = 1;
    return 0;
}

/* ---- the batch ---- */

static int assets_open(struct assets_download *d, size_t i, struct err *err)
{
    d->fd = -1;
    d->complete = 0;
    d->bytes = 0;
    d->sent = NULL;
    d->hash.md = NULL;
    snprintf(d->tmp_name, sizeof(d->tmp_name), ".grm-part-%zu-%ld", i, (long)getpid());
    d->fd =
        openat(d->dir_fd, d->tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (d->fd < 0)
        return err_set(err, "cannot create a file for \"%s\": %s", d->name, strerror(errno));
    if (sha256_init(&d->hash) < 0)
        return err_set(err, "out of memory");
    return 0;
}

static void assets_close(struct assets_download *d)
{
    if (d->fd >= 0) {
        close(d->fd);
        d->fd = -1;
    }
    if (!d->complete && d->tmp_name[0])
        unlinkat(d->dir_fd, d->tmp_name, 0);
    sha256_free(&d->hash);
    curl_slist_free_all(d->sent);
    d->sent = NULL;
}

static void assets_summary(const struct assets_download *ds, size_t n, int64_t start_ms)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += ds[i].bytes;
    double secs = (double)(http_now_ms() - start_ms) / 1000.0;
    log_info("downloaded %zu file%s, %" PRId64 " bytes in %.1f s (%.1f MiB/s)", n,
             n == 1 ? "" : "s", total, secs, secs > 0 ? (double)total / secs / 1048576.0 : 0.0);
}

int assets_download_all(struct http_client *http, struct assets_download *ds, size_t n,
                        int concurrency, struct err *err)
{
    struct http_xfer *xs = calloc(n ? n : 1, sizeof(*xs));
    struct http_xfer **ptrs = calloc(n ? n : 1, sizeof(*ptrs));
    int64_t start = http_now_ms();
    int rc = xs && ptrs ? 0 : err_set(err, "out of memory");
    for (size_t i = 0; i < n; i++)
        ds[i].tmp_name[0] = '\0', ds[i].fd = -1, ds[i].hash.md = NULL, ds[i].sent = NULL;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = assets_open(&ds[i], i, err);
        http_xfer_init(&xs[i], "GET", ds[i].url);
        xs[i].follow_redirects = 1;
        xs[i].prepare = assets_prepare;
        xs[i].write = assets_write;
        xs[i].done = assets_done;
        xs[i].ctx = &ds[i];
        xs[i].progress_label = ds[i].name;
        xs[i].progress_total = ds[i].size > 0 ? ds[i].size : 0;
        ptrs[i] = &xs[i];
    }
    if (rc == 0)
        rc = http_run(http, ptrs, n, concurrency, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!ds[i].complete)
            rc = err_set(err, "download of \"%s\" failed: HTTP %ld", ds[i].name, xs[i].status);
    for (size_t i = 0; i < n; i++) {
        assets_close(&ds[i]);
        if (xs && ptrs && ptrs[i])
            http_xfer_cleanup(&xs[i]);
    }
    if (rc == 0)
        assets_summary(ds, n, start);
    free(xs);
    free(ptrs);
    return rc;
}
