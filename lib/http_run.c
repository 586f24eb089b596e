/* http_run.c - the scheduler behind http_run(): concurrency over one
 * curl_multi handle, and the retry policy (back-off with jitter for
 * connection errors and 5xx, waits for 429 / retry-after and exhausted rate
 * limits, redirects followed without leaking Authorization cross-host). */
#include "http.h"
#include "http_internal.h"
#include "log.h"
#include "signals.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HTTP_MAX_REDIRECTS 10
#define HTTP_BACKOFF_CAP_MS 30000
#define HTTP_MAX_FREE_RETRIES 20

enum { XS_PENDING, XS_WAITING, XS_RUNNING, XS_DONE, XS_FAILED };

static long http_env_long(const char *name, long fallback)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return fallback;
    char *end;
    long n = strtol(v, &end, 10);
    return *end == '\0' && n >= 0 ? n : fallback;
}

int http_client_init(struct http_client *c, struct err *err)
{
    memset(c, 0, sizeof(*c));
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return err_set(err, "cannot initialise libcurl");
    c->multi = curl_multi_init();
    if (!c->multi)
        return err_set(err, "cannot initialise libcurl");
    c->connect_timeout = http_env_long("GRM_CONNECT_TIMEOUT", 30);
    c->low_speed_time = http_env_long("GRM_LOW_SPEED_TIME", 60);
    c->max_attempts = (int)http_env_long("GRM_MAX_ATTEMPTS", 5);
    c->retry_base_ms = http_env_long("GRM_RETRY_BASE_MS", 1000);
    c->max_rate_limit_wait = 60;
    srand((unsigned)(time(NULL) ^ (getpid() << 8)));
    return 0;
}

void http_client_cleanup(struct http_client *c)
{
    if (c->multi)
        curl_multi_cleanup(c->multi);
    c->multi = NULL;
    curl_global_cleanup();
}

static int64_t http_backoff_ms(const struct http_client *c, int attempts)
{
    int64_t delay = c->retry_base_ms;
    for (int i = 1; i < attempts && delay < HTTP_BACKOFF_CAP_MS; i++)
        delay *= 2;
    if (delay > HTTP_BACKOFF_CAP_MS)
        delay = HTTP_BACKOFF_CAP_MS;
    return delay / 2 + (delay > 1 ? rand() % (delay / 2 + 1) : 0);
}

static int http_retryable_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SEND_FAIL_REWIND: /* curl's own resend on a dead reused connection */
        return 1;
    default:
        return 0;
    }
}

static const char *http_method(const struct http_xfer *x)
{
    return x->method ? x->method : "GET";
}

/* Schedule another attempt after delay_ms, or give up after max_attempts. */
static int http_retry_later(struct http_client *c, struct http_xfer *x, int64_t delay_ms,
                            const char *why)
{
    char url[1024];
    http_url_for_log(x->cur_url, url, sizeof(url));
    if (x->attempts >= c->max_attempts) {
        http_xfer_fail(x, "%s %s: %s (gave up after %d attempts)", http_method(x), url, why,
                       x->attempts);
        return XS_FAILED;
    }
    log_warn("%s %s: %s; retrying in %.1f s (attempt %d of %d)", http_method(x), url, why,
             (double)delay_ms / 1000.0, x->attempts + 1, c->max_attempts);
    x->next_at_ms = http_now_ms() + delay_ms;
    /* start over from the caller's URL: a redirect target (a signed download
     * URL) may have expired by now; Authorization goes there again */
    if (x->redirects && strcmp(x->cur_url, x->url) != 0) {
        char *first = strdup(x->url);
        if (!first) {
            http_xfer_fail(x, "out of memory");
            return XS_FAILED;
        }
        free(x->cur_url);
        x->cur_url = first;
        x->strip_auth = 0;
        x->redirects = 0;
    }
    return XS_WAITING;
}

/* Seconds to wait for a rate limit, or -1 when the response is not one. */
static long http_rate_limit_wait(const struct http_xfer *x, char *why, size_t n)
{
    char v[64];
    if (x->status != 403 && x->status != 429)
        return -1;
    if (http_header(x, "retry-after", v, sizeof(v))) {
        snprintf(why, n, "HTTP %ld, retry-after %s s", x->status, v);
        return strtol(v, NULL, 10);
    }
    if (http_header(x, "x-ratelimit-remaining", v, sizeof(v)) && strcmp(v, "0") == 0) {
        char reset[64] = "", limit[64] = "?";
        http_header(x, "x-ratelimit-limit", limit, sizeof(limit));
        http_header(x, "x-ratelimit-reset", reset, sizeof(reset));
        time_t at = (time_t)strtoll(reset, NULL, 10);
        char when[32] = "an unknown time";
        struct tm tm;
        if (at > 0 && gmtime_r(&at, &tm))
            strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        long wait = at > 0 ? (long)(at - time(NULL)) + 1 : 3600L * 24;
        snprintf(why, n, "rate limit exhausted (0 of %s requests left), resets at %s", limit, when);
        return wait < 0 ? 0 : wait;
    }
    if (x->status == 429) {
        snprintf(why, n, "HTTP 429");
        return 0;
    }
    return -1;
}

static int http_follow(struct http_xfer *x)
{
    char *loc = NULL;
    char from[512], to[512];
    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
    if (!loc)
        return -1;
    if (++x->redirects > HTTP_MAX_REDIRECTS)
        return http_xfer_fail(x, "%s %s: too many redirects", http_method(x), x->url);
    if (http_origin(x->cur_url, from, sizeof(from)) < 0 || http_origin(loc, to, sizeof(to)) < 0 ||
        strcmp(from, to) != 0)
        x->strip_auth = 1;
    char *next = strdup(loc);
    if (!next)
        return http_xfer_fail(x, "out of memory");
    free(x->cur_url);
    x->cur_url = next;
    x->hop = 1;
    return 0;
}

/* Decide what a finished attempt means: done, retry, redirect or failure. */
static int http_finish(struct http_client *c, struct http_xfer *x, CURLcode rc)
{
    char url[1024], why[256];
    http_url_for_log(x->cur_url, url, sizeof(url));
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
    if (x->failed)
        return XS_FAILED;
    if (rc != CURLE_OK) {
        snprintf(why, sizeof(why), "%s",
                 x->curl_errbuf[0] ? x->curl_errbuf : curl_easy_strerror(rc));
        if (http_retryable_curl(rc) && x->progress_done > x->attempt_start_bytes &&
            x->free_retries < HTTP_MAX_FREE_RETRIES) {
            x->free_retries++; /* a break after progress: resuming does not use up an attempt */
            x->attempts--;
        }
        if (http_retryable_curl(rc))
            return http_retry_later(c, x, http_backoff_ms(c, x->attempts), why);
        http_xfer_fail(x, "%s %s: %s", http_method(x), url, why);
        return XS_FAILED;
    }
    if (x->follow_redirects && x->status >= 300 && x->status < 400 && x->status != 304)
        return http_follow(x) < 0 ? XS_FAILED : XS_PENDING;
    long wait = http_rate_limit_wait(x, why, sizeof(why));
    if (wait > c->max_rate_limit_wait) {
        http_xfer_fail(x, "%s %s: %s, beyond source.max_rate_limit_wait of %ld s", http_method(x),
                       url, why, c->max_rate_limit_wait);
        return XS_FAILED;
    }
    if (wait >= 0)
        return http_retry_later(c, x, wait > 0 ? wait * 1000 : http_backoff_ms(c, x->attempts),
                                why);
    if (x->status >= 500 && x->status != 501) { /* 501: retrying cannot help */
        snprintf(why, sizeof(why), "HTTP %ld", x->status);
        if (x->attempts < c->max_attempts)
            return http_retry_later(c, x, http_backoff_ms(c, x->attempts), why);
        return XS_DONE; /* the caller reports the final 5xx with its body */
    }
    if (x->done) {
        int d = x->done(x, x->ctx);
        if (d < 0)
            return XS_FAILED;
        if (d > 0) { /* a copy: giving up rewrites x->errmsg from it */
            char asked[ERR_MAX];
            snprintf(asked, sizeof(asked), "%s",
                     x->errmsg[0] ? x->errmsg : "response asked for a retry");
            x->errmsg[0] = '\0';
            return http_retry_later(c, x, http_backoff_ms(c, x->attempts), asked);
        }
    }
    return XS_DONE;
}

static int http_start(struct http_client *c, struct http_xfer *x)
{
    if (!x->hop)
        x->attempts++;
    x->attempt_start_bytes = x->progress_done;
    x->hop = 0;
    if (http_attempt_start(c, x) < 0)
        return XS_FAILED;
    if (curl_multi_add_handle(c->multi, x->easy) != CURLM_OK) {
        http_xfer_fail(x, "cannot start a transfer to %s", x->url);
        return XS_FAILED;
    }
    return XS_RUNNING;
}

static void http_reset(struct http_xfer *x)
{
    x->state = XS_PENDING;
    x->failed = 0;
    x->errmsg[0] = '\0';
    x->attempts = 0;
    x->free_retries = 0;
    x->redirects = 0;
    x->strip_auth = 0;
    x->hop = 0;
    x->status = 0;
    x->progress_done = 0;
    x->start_ms = 0;
    x->last_progress_bytes = 0;
    free(x->cur_url);
    x->cur_url = strdup(x->url);
    if (!x->cur_url)
        http_xfer_fail(x, "out of memory");
}

/* A finished transfer needs its response, not its curl handle. */
static void http_release_handle(struct http_xfer *x)
{
    curl_easy_cleanup(x->easy);
    x->easy = NULL;
    curl_slist_free_all(x->sent_headers);
    x->sent_headers = NULL;
}

/* Pick up finished transfers; returns how many stopped running. */
static int http_reap(struct http_client *c, struct http_xfer **fail)
{
    int left, reaped = 0;
    CURLMsg *m;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct http_xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode rc = m->data.result;
        curl_multi_remove_handle(c->multi, m->easy_handle);
        x->state = http_finish(c, x, rc);
        if (x->state == XS_DONE || x->state == XS_FAILED)
            http_release_handle(x); /* keep memory flat over thousands of parts */
        if (x->state == XS_FAILED && !*fail)
            *fail = x;
        reaped++;
    }
    return reaped;
}

/* Start what may start now; returns the delay until the next scheduled retry. */
static int64_t http_launch(struct http_client *c, struct http_xfer **xs, size_t n, int limit,
                           int *running, struct http_xfer **fail)
{
    int64_t now = http_now_ms(), next = INT64_MAX;
    for (size_t i = 0; i < n && !*fail; i++) {
        struct http_xfer *x = xs[i];
        if (x->state == XS_WAITING && x->next_at_ms > now) {
            if (x->next_at_ms - now < next)
                next = x->next_at_ms - now;
            continue;
        }
        if (x->state != XS_PENDING && x->state != XS_WAITING)
            continue;
        if (*running >= limit)
            break;
        x->state = http_start(c, x);
        if (x->state == XS_RUNNING)
            (*running)++;
        else if (!*fail)
            *fail = x;
    }
    return next;
}

static void http_stop_all(struct http_client *c, struct http_xfer **xs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (xs[i]->state == XS_RUNNING)
            curl_multi_remove_handle(c->multi, xs[i]->easy);
        if (xs[i]->state != XS_DONE && xs[i]->state != XS_FAILED) {
            xs[i]->state = XS_FAILED;
            http_xfer_fail(xs[i], "cancelled after another transfer failed");
        }
    }
}

int http_run(struct http_client *c, struct http_xfer **xs, size_t n, int concurrency,
             struct err *err)
{
    struct http_xfer *fail = NULL;
    int running = 0;
    for (size_t i = 0; i < n; i++) {
        http_reset(xs[i]);
        if (xs[i]->failed && !fail)
            fail = xs[i];
    }
    if (concurrency < 1)
        concurrency = 1;
    int sig = 0;
    for (;;) {
        if ((sig = signals_interrupting()) != 0)
            break;
        int64_t next = http_launch(c, xs, n, concurrency, &running, &fail);
        if (fail || (running == 0 && next == INT64_MAX))
            break;
        if (running == 0) {
            usleep((useconds_t)(next > 1000 ? 1000000 : next * 1000));
            continue;
        }
        int still = 0;
        if (curl_multi_perform(c->multi, &still) != CURLM_OK)
            break;
        int reaped = http_reap(c, &fail);
        running -= reaped;
        if (fail)
            break;
        if (reaped)
            continue; /* start what may start now (or finish) before waiting */
        int wait_ms = next < 1000 ? (int)next : 1000;
        curl_multi_poll(c->multi, NULL, 0, wait_ms, NULL);
    }
    if (sig) {
        http_stop_all(c, xs, n);
        return err_set(err, "interrupted by %s", signals_name(sig));
    }
    if (!fail)
        return 0;
    http_stop_all(c, xs, n);
    return err_set(err, "%s", fail->errmsg[0] ? fail->errmsg : "transfer failed");
}

int http_perform(struct http_client *c, struct http_xfer *x, struct err *err)
{
    return http_run(c, &x, 1, 1, err);
}
