/* assets.c - asset selection, name safety and verified, resumable
 * downloads (see assets.h). */
#include "assets.h"
#include "log.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <pthread.h>
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
    if (!why && text_has_control(name))
        why = "holds a control character";
    if (!why)
        return 0;
    char shown[300];
    snprintf(shown, sizeof(shown), "%.*s", 200, name);
    text_mask_control(shown);
    return err_set(err, "unsafe asset name \"%s\": it %s", shown, why);
}

/* ---- the hashing thread ----
 *
 * SHA-256 costs about as much CPU as receiving the bytes, so it runs beside
 * the transfer instead of after it: the transfer thread (libcurl's callbacks)
 * writes each piece to the file and publishes how far the file goes; one
 * hashing thread per download reads the file back from the page cache,
 * ASSETS_HASH_CHUNK at a time, and hashes it. The transfer thread wakes it
 * only when a whole chunk is waiting, and assets_hash_drain() waits until
 * every written byte is hashed (end of body, restart). */

#define ASSETS_HASH_CHUNK (256 * 1024)

struct assets_job {
    struct assets_download *d;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t more; /* to the hashing thread: a chunk, a drain or stop */
    pthread_cond_t done; /* to the transfer thread: drained */
    int64_t written;     /* bytes in the file (the transfer thread's side) */
    int64_t hashed;      /* bytes hashed (the hashing thread's side) */
    int draining;        /* hash to the end of what is written, then say so */
    int idle;            /* the hashing thread waits on `more` */
    int stop;
    int read_errno;
    unsigned char *chunk;
};

/* Wait for work: a whole chunk, or any bytes when draining. 0 on stop. */
static int assets_hash_wait(struct assets_job *j)
{
    for (;;) {
        int64_t ready = j->written - j->hashed;
        if (j->stop || j->read_errno)
            return 0;
        if (ready >= ASSETS_HASH_CHUNK || (j->draining && ready > 0))
            return 1;
        if (j->draining) /* caught up */
            pthread_cond_signal(&j->done);
        j->idle = 1;
        pthread_cond_wait(&j->more, &j->mu);
        j->idle = 0;
    }
}

static void *assets_hash_main(void *arg)
{
    struct assets_job *j = arg;
    pthread_mutex_lock(&j->mu);
    while (assets_hash_wait(j)) {
        int64_t at = j->hashed, n = j->written - j->hashed;
        pthread_mutex_unlock(&j->mu);
        ssize_t got;
        do
            got = pread(j->d->fd, j->chunk, n < ASSETS_HASH_CHUNK ? (size_t)n : ASSETS_HASH_CHUNK,
                        (off_t)at);
        while (got < 0 && errno == EINTR);
        if (got > 0)
            sha256_update(&j->d->hash, j->chunk, (size_t)got);
        pthread_mutex_lock(&j->mu);
        if (got <= 0)
            j->read_errno = got < 0 ? errno : EIO;
        else
            j->hashed += got;
    }
    pthread_cond_signal(&j->done);
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

/* Wait until everything written is hashed; 0, or the errno of a failed read. */
static int assets_hash_drain(struct assets_job *j)
{
    pthread_mutex_lock(&j->mu);
    j->draining = 1;
    pthread_cond_signal(&j->more);
    while (j->hashed != j->written && !j->read_errno)
        pthread_cond_wait(&j->done, &j->mu);
    j->draining = 0;
    int e = j->read_errno;
    pthread_mutex_unlock(&j->mu);
    return e;
}

/* The file now holds `written` bytes. */
static void assets_hash_publish(struct assets_job *j, int64_t written)
{
    pthread_mutex_lock(&j->mu);
    j->written = written;
    if (j->idle && written - j->hashed >= ASSETS_HASH_CHUNK)
        pthread_cond_signal(&j->more);
    pthread_mutex_unlock(&j->mu);
}

/* Start over at byte 0 (the caller drained first and resets the hash). */
static void assets_hash_rewind(struct assets_job *j)
{
    pthread_mutex_lock(&j->mu);
    j->written = j->hashed = 0;
    pthread_mutex_unlock(&j->mu);
}

static int assets_hash_start(struct assets_job *j)
{
    if (!(j->chunk = malloc(ASSETS_HASH_CHUNK)))
        return -1;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->more, NULL);
    pthread_cond_init(&j->done, NULL);
    if (pthread_create(&j->thread, NULL, assets_hash_main, j) != 0) {
        pthread_mutex_destroy(&j->mu);
        pthread_cond_destroy(&j->more);
        pthread_cond_destroy(&j->done);
        return -1;
    }
    j->started = 1;
    return 0;
}

static void assets_hash_stop(struct assets_job *j)
{
    if (j->started) {
        pthread_mutex_lock(&j->mu);
        j->stop = 1;
        pthread_cond_signal(&j->more);
        pthread_mutex_unlock(&j->mu);
        pthread_join(j->thread, NULL);
        pthread_mutex_destroy(&j->mu);
        pthread_cond_destroy(&j->more);
        pthread_cond_destroy(&j->done);
        j->started = 0;
    }
    free(j->chunk);
    j->chunk = NULL;
}

/* ---- one download's callbacks ---- */

static int assets_restart(struct http_xfer *x, struct assets_job *j);
static int assets_start(struct http_xfer *x, struct assets_job *j);

static int assets_prepare(struct http_xfer *x, void *ctx)
{
    struct assets_download *d = ((struct assets_job *)ctx)->d;
    if (d->fd < 0 && assets_start(x, ctx) < 0)
        return -1;
    curl_slist_free_all(d->sent);
    d->sent = NULL;
    for (struct curl_slist *h = d->headers; h; h = h->next)
        if (!(d->sent = curl_slist_append(d->sent, h->data)))
            return http_xfer_fail(x, "out of memory");
    if (d->bytes > 0 && !d->validator[0] && !d->digest) {
        /* nothing would catch a splice of two versions: start over */
        struct assets_job *j = ctx;
        if (assets_restart(x, j) < 0)
            return -1;
    }
    if (d->bytes > 0 &&
        (!(d->sent = http_add_header(d->sent, "Range: bytes=%" PRId64 "-", d->bytes)) ||
         (d->validator[0] && !(d->sent = http_add_header(d->sent, "If-Range: %s", d->validator)))))
        return http_xfer_fail(x, "out of memory");
    x->headers = d->sent;
    d->first_chunk = 1;
    return 0;
}

/* Start the file over: the server ignored Range. */
static int assets_restart(struct http_xfer *x, struct assets_job *j)
{
    struct assets_download *d = j->d;
    int e = assets_hash_drain(j);
    if (e)
        return http_xfer_fail(x, "cannot read back \"%s\": %s", d->name, strerror(e));
    if (ftruncate(d->fd, 0) < 0 || sha256_reset(&d->hash) < 0)
        return http_xfer_fail(x, "cannot restart \"%s\": %s", d->name, strerror(errno));
    assets_hash_rewind(j);
    d->bytes = 0;
    x->progress_done = 0;
    return 0;
}

/* The first answer's strong ETag, else its Last-Modified, for If-Range. */
static void assets_keep_validator(struct http_xfer *x, struct assets_download *d)
{
    char v[sizeof(d->validator)];
    d->validator[0] = '\0';
    if (http_header(x, "ETag", v, sizeof(v)) && v[0] == '"')
        snprintf(d->validator, sizeof(d->validator), "%s", v);
    else if (http_header(x, "Last-Modified", v, sizeof(v)))
        snprintf(d->validator, sizeof(d->validator), "%s", v);
    if (text_has_control(d->validator))
        d->validator[0] = '\0'; /* nothing that could split a header */
}

static int assets_first_chunk(struct http_xfer *x, struct assets_job *j)
{
    struct assets_download *d = j->d;
    char range[128];
    d->first_chunk = 0;
    if (x->status == 200) /* a full body: its validator is the one to resume against */
        assets_keep_validator(x, d);
    if (x->status == 200)
        return d->bytes > 0 ? assets_restart(x, j) : 0;
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
    struct assets_job *j = ctx;
    struct assets_download *d = j->d;
    if (d->first_chunk && assets_first_chunk(x, j) < 0)
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
    d->bytes += (int64_t)n;
    assets_hash_publish(j, d->bytes);
    return 0;
}

static int assets_done(struct http_xfer *x, void *ctx)
{
    struct assets_job *j = ctx;
    struct assets_download *d = j->d;
    char url[512];
    http_url_for_log(x->cur_url, url, sizeof(url));
    if (x->status == 416 && d->bytes > 0 && d->size >= 0)
        return http_xfer_fail(
            x, "\"%s\": GitHub announced %" PRId64 " bytes but the download ends at %" PRId64,
            d->name, d->size, d->bytes);
    if (x->status < 200 || x->status >= 300)
        return http_xfer_fail(x, "download of \"%s\" failed: GET %s: HTTP %ld", d->name, url,
                              x->status);
    if (d->first_chunk && assets_first_chunk(x, j) < 0) /* an empty body */
        return -1;
    if (d->size >= 0 && d->bytes < d->size) {
        snprintf(x->errmsg, sizeof(x->errmsg), "\"%s\": body ended at %" PRId64 " of %" PRId64,
                 d->name, d->bytes, d->size);
        return 1;
    }
    x->errmsg[0] = '\0';
    int e = assets_hash_drain(j);
    if (e)
        return http_xfer_fail(x, "cannot read back \"%s\": %s", d->name, strerror(e));
    assets_hash_stop(j);
    sha256_final_hex(&d->hash, d->sha256);
    if (d->digest && strcmp(d->digest, d->sha256) != 0)
        return http_xfer_fail(x, "\"%s\": sha256 mismatch: GitHub's digest is %s, downloaded %s",
                              d->name, d->digest, d->sha256);
    if (close(d->fd) < 0) {
        d->fd = -1;
        return http_xfer_fail(x, "cannot write \"%s\": %s", d->name, strerror(errno));
    }
    d->fd = -1;
    d->complete = 1; /* verified; published once every file is */
    return 0;
}

/* Every file verified: rename each to its final name, so that a failed
 * batch leaves none of them there. */
static int assets_publish(struct assets_download *ds, size_t n, struct err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (renameat(ds[i].tmp_dir_fd, ds[i].tmp_name, ds[i].dir_fd, ds[i].name) < 0)
            return err_set(err, "cannot rename to \"%s\": %s", ds[i].name, strerror(errno));
        ds[i].tmp_name[0] = '\0';
    }
    return 0;
}

/* ---- the batch ---- */

/* Before the first attempt: the file and the hashing thread. */
static int assets_start(struct http_xfer *x, struct assets_job *j)
{
    struct assets_download *d = j->d;
    d->fd = openat(d->tmp_dir_fd, d->tmp_name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   0644);
    if (d->fd < 0)
        return http_xfer_fail(x, "cannot create a file for \"%s\": %s", d->name, strerror(errno));
    if (sha256_init(&d->hash) < 0)
        return http_xfer_fail(x, "out of memory");
    if (assets_hash_start(j) < 0)
        return http_xfer_fail(x, "cannot start a hashing thread for \"%s\"", d->name);
    return 0;
}

static void assets_open(struct assets_job *j, struct assets_download *d, size_t i)
{
    d->fd = -1;
    d->complete = 0;
    d->bytes = 0;
    d->sent = NULL;
    d->hash.md = NULL;
    d->validator[0] = '\0';
    snprintf(d->tmp_name, sizeof(d->tmp_name), "%zu", i);
    j->d = d;
}

static void assets_close(struct assets_job *j, struct assets_download *d)
{
    assets_hash_stop(j);
    if (d->fd >= 0) {
        close(d->fd);
        d->fd = -1;
    }
    if (d->tmp_name[0]) /* not published: a failed or an unfinished batch */
        unlinkat(d->tmp_dir_fd, d->tmp_name, 0);
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
    struct assets_job *jobs = calloc(n ? n : 1, sizeof(*jobs));
    int64_t start = http_now_ms();
    int rc = xs && ptrs && jobs ? 0 : err_set(err, "out of memory");
    for (size_t i = 0; i < n; i++)
        ds[i].tmp_name[0] = '\0', ds[i].fd = -1, ds[i].hash.md = NULL, ds[i].sent = NULL;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        assets_open(&jobs[i], &ds[i], i);
        http_xfer_init(&xs[i], "GET", ds[i].url);
        xs[i].follow_redirects = 1;
        xs[i].min_rate = http->opt.min_rate; /* a trickle must not hold the get for ever */
        xs[i].prepare = assets_prepare;
        xs[i].write = assets_write;
        xs[i].done = assets_done;
        xs[i].ctx = &jobs[i];
        xs[i].progress_label = ds[i].name;
        xs[i].progress_total = ds[i].size > 0 ? ds[i].size : 0;
        ptrs[i] = &xs[i];
    }
    if (rc == 0)
        rc = http_run(http, ptrs, n, concurrency, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!ds[i].complete)
            rc = err_set(err, "download of \"%s\" failed: HTTP %ld", ds[i].name, xs[i].status);
    if (rc == 0)
        rc = assets_publish(ds, n, err);
    for (size_t i = 0; i < n; i++) {
        if (jobs)
            assets_close(&jobs[i], &ds[i]);
        if (xs && ptrs && ptrs[i])
            http_xfer_cleanup(&xs[i]);
    }
    if (rc == 0)
        assets_summary(ds, n, start);
    free(xs);
    free(ptrs);
    free(jobs);
    return rc;
}
