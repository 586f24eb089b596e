/* http_run.c - the scheduler behind http_run(): concurrency over the
 * client's transport (http_transport.h; libcurl's curl_multi by default), and
 * the retry policy (back-off with jitter for
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

/* The transport http_client_init gives a client (http_transport_set_default). */
static const struct http_transport_ops *http_default_ops = &http_curl_transport;
static void *http_default_ctx;

void http_transport_set_default(const struct http_transport_ops *ops, void *ctx)
{
    http_default_ops = ops ? ops : &http_curl_transport;
    http_default_ctx = ops ? ctx : NULL;
}

void http_options_default(struct http_options *o)
{
    static const struct http_options defaults = {
        .connect_timeout = 30,
        .low_speed_time = 60,
        .max_attempts = 5,
        .retry_base_ms = 1000,
        .max_rate_limit_wait = 60,
        .request_timeout = 120,
        .min_rate = 1024,
        .min_rate_grace = 60,
    };
    *o = defaults;
}

int http_client_init(struct http_client *c, const struct http_options *opts, struct err *err)
{
    memset(c, 0, sizeof(*c));
    if (opts)
        c->opt = *opts;
    else
        http_options_default(&c->opt);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return err_set(err, "cannot initialise libcurl");
    c->multi = curl_multi_init();
    if (!c->multi)
        return err_set(err, "cannot initialise libcurl");
    c->ops = http_default_ops;
    c->transport_ctx = http_default_ctx;
    srand((unsigned)(time(NULL) ^ (getpid() << 8)));
    return 0;
}

void http_client_cleanup(struct http_client *c)
{
    if (c->multi)
        curl_multi_cleanup(c->multi);
    c->multi = NULL;
    free(c->ca_bundle);
    c->ca_bundle = NULL;
    curl_global_cleanup();
}

static int64_t http_backoff_ms(const struct http_client *c, int attempts)
{
    int64_t delay = c->opt.retry_base_ms;
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

/* Fail x with "METHOD URL: HTTP status: why" (the URL without its query;
 * "no response" when no status line came). Returns XS_FAILED. */
static int http_fail_at(struct http_xfer *x, const char *why, const char *tail)
{
    char status[32] = "no response";
    if (strncmp(why, "HTTP ", 5) == 0)
        status[0] = '\0'; /* why names it */
    else if (x->status > 0)
        snprintf(status, sizeof(status), "HTTP %ld", x->status);
    http_xfer_fail(x, "%s %s: %s%s%s%s", http_method(x), http_log_url(x), status,
                   status[0] ? ": " : "", why, tail);
    return XS_FAILED;
}

/* Schedule another attempt after delay_ms, or give up after max_attempts. */
static int http_retry_later(struct http_client *c, struct http_xfer *x, int64_t delay_ms,
                            const char *why)
{
    char url[1024], tail[64];
    http_url_for_log(x->cur_url, url, sizeof(url));
    if (x->attempts >= c->opt.max_attempts) {
        snprintf(tail, sizeof(tail), " (gave up after %d attempts)", x->attempts);
        return http_fail_at(x, why, tail);
    }
    if (x->deadline_at_ms && http_now_ms() + delay_ms >= x->deadline_at_ms) {
        snprintf(tail, sizeof(tail), " (no complete response within %ld s)", x->deadline_s);
        return http_fail_at(x, why, tail);
    }
    log_warn("%s %s: %s; retrying in %.1f s (attempt %d of %d)", http_method(x), url, why,
             (double)delay_ms / 1000.0, x->attempts + 1, c->opt.max_attempts);
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
    const char *loc = x->ops->redirect_url(x);
    char from[512], to[512];
    if (!loc) {
        http_fail_at(x, "redirect without a usable Location header", "");
        return -1;
    }
    if (++x->redirects > HTTP_MAX_REDIRECTS) {
        http_fail_at(x, "too many redirects", "");
        return -1;
    }
    if (http_origin(x->cur_url, from, sizeof(from)) < 0 || http_origin(loc, to, sizeof(to)) < 0 ||
        strcmp(from, to) != 0)
        x->strip_auth = 1;
    char *next = strdup(loc);
    if (!next) {
        http_fail_at(x, "out of memory", "");
        return -1;
    }
    free(x->cur_url);
    x->cur_url = next;
    x->hop = 1;
    return 0;
}

/* A curl error: retried when it may be transient, else the end. */
static int http_finish_curl(struct http_client *c, struct http_xfer *x, CURLcode rc)
{
    char why[256];
    if (rc == CURLE_OPERATION_TIMEDOUT && x->deadline_at_ms && http_now_ms() >= x->deadline_at_ms) {
        snprintf(why, sizeof(why), "no complete response within %ld s", x->deadline_s);
        return http_fail_at(x, why, "");
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK && x->too_slow) {
        snprintf(why, sizeof(why), "under the minimum average rate of %ld bytes/s after %ld s",
                 x->min_rate, c->opt.min_rate_grace);
        return http_retry_later(c, x, http_backoff_ms(c, x->attempts), why);
    }
    snprintf(why, sizeof(why), "%s", x->curl_errbuf[0] ? x->curl_errbuf : curl_easy_strerror(rc));
    if (!http_retryable_curl(rc))
        return http_fail_at(x, why, "");
    if (x->progress_done > x->attempt_start_bytes && x->free_retries < HTTP_MAX_FREE_RETRIES) {
        x->free_retries++; /* a break after progress: resuming does not use up an attempt */
        x->attempts--;
    }
    return http_retry_later(c, x, http_backoff_ms(c, x->attempts), why);
}

/* A rate-limit answer: wait, within what is left of the command's budget. */
static int http_finish_rate_limit(struct http_client *c, struct http_xfer *x, long wait,
                                  const char *why)
{
    int64_t left_ms = c->opt.max_rate_limit_wait * 1000 - c->rate_limit_waited_ms;
    if ((int64_t)wait * 1000 > left_ms) {
        char tail[160];
        snprintf(tail, sizeof(tail),
                 ", beyond source.max_rate_limit_wait (%ld s for the whole command, %lld s "
                 "left)",
                 c->opt.max_rate_limit_wait, (long long)(left_ms > 0 ? left_ms / 1000 : 0));
        return http_fail_at(x, why, tail);
    }
    c->rate_limit_waited_ms += (int64_t)wait * 1000;
    if (x->deadline_at_ms)
        x->deadline_at_ms += (int64_t)wait * 1000; /* waits have their own budget */
    return http_retry_later(c, x, wait > 0 ? wait * 1000 : http_backoff_ms(c, x->attempts), why);
}

static int http_finish_done(struct http_client *c, struct http_xfer *x)
{
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
    return XS_DONE;
}

/* Decide what a finished attempt means: done, retry, redirect or failure. */
static int http_finish(struct http_client *c, struct http_xfer *x, CURLcode rc)
{
    char why[256];
    if (x->failed)
        return XS_FAILED;
    if (rc != CURLE_OK)
        return http_finish_curl(c, x, rc);
    if (x->follow_redirects && x->status >= 300 && x->status < 400 && x->status != 304)
        return http_follow(x) < 0 ? XS_FAILED : XS_PENDING;
    long wait = http_rate_limit_wait(x, why, sizeof(why));
    if (wait >= 0)
        return http_finish_rate_limit(c, x, wait, why);
    if (x->status >= 500 && x->status != 501) { /* 501: retrying cannot help */
        snprintf(why, sizeof(why), "HTTP %ld", x->status);
        if (x->attempts < c->opt.max_attempts)
            return http_retry_later(c, x, http_backoff_ms(c, x->attempts), why);
        return XS_DONE; /* the caller reports the final 5xx with its body */
    }
    return x->done ? http_finish_done(c, x) : XS_DONE;
}

static int http_start(struct http_client *c, struct http_xfer *x)
{
    if (!x->hop)
        x->attempts++;
    x->attempt_start_bytes = x->progress_done;
    x->hop = 0;
    if (http_attempt_start(c, x) < 0)
        return XS_FAILED;
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
    x->too_slow = 0;
    x->deadline_at_ms = x->deadline_s > 0 ? http_now_ms() + (int64_t)x->deadline_s * 1000 : 0;
    free(x->cur_url);
    x->cur_url = strdup(x->url);
    if (!x->cur_url)
        http_xfer_fail(x, "out of memory");
}

/* A finished transfer needs its response, not its transport state. */
static void http_release_handle(struct http_xfer *x)
{
    x->ops->release(x);
    curl_slist_free_all(x->sent_headers);
    x->sent_headers = NULL;
}

/* A finished attempt, from the transport (arg: the run's first failure). */
static void http_reap(struct http_client *c, struct http_xfer *x, CURLcode rc, void *arg)
{
    struct http_xfer **fail = arg;
    x->state = http_finish(c, x, rc);
    if (x->state == XS_DONE || x->state == XS_FAILED)
        http_release_handle(x); /* keep memory flat over thousands of parts */
    if (x->state == XS_FAILED && !*fail)
        *fail = x;
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

/* The transport failed: every running transfer is unfinished. Returns the
 * first one, failed with the transport's reason. */
static struct http_xfer *http_multi_failed(struct http_xfer **xs, size_t n, const char *why)
{
    for (size_t i = 0; i < n; i++)
        if (xs[i]->state == XS_RUNNING) {
            http_fail_at(xs[i], why, "");
            return xs[i];
        }
    http_fail_at(xs[0], why, "");
    return xs[0];
}

static void http_stop_all(struct http_client *c, struct http_xfer **xs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (xs[i]->state == XS_RUNNING)
            xs[i]->ops->stop(c, xs[i]);
        if (xs[i]->state != XS_DONE && xs[i]->state != XS_FAILED) {
            xs[i]->state = XS_FAILED;
            http_fail_at(xs[i], "cancelled after another transfer failed", "");
        }
    }
}

int http_run_which(struct http_client *c, struct http_xfer **xs, size_t n, int concurrency,
                   size_t *failed, struct err *err)
{
    struct http_xfer *fail = NULL;
    if (failed)
        *failed = n;
    int running = 0;
    char why[256];
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
        int reaped = c->ops->perform(c, http_reap, &fail, why, sizeof(why));
        if (reaped < 0) {
            fail = http_multi_failed(xs, n, why);
            break;
        }
        running -= reaped;
        if (fail)
            break;
        if (reaped)
            continue; /* start what may start now (or finish) before waiting */
        int wait_ms = next < 1000 ? (int)next : 1000;
        if (c->ops->wait(c, wait_ms, why, sizeof(why)) < 0) {
            fail = http_multi_failed(xs, n, why);
            break;
        }
    }
    if (sig) {
        http_stop_all(c, xs, n);
        return err_set(err, "interrupted by %s", signals_name(sig));
    }
    if (!fail)
        return 0;
    if (!fail->errmsg[0])
        http_fail_at(fail, "transfer failed", "");
    http_stop_all(c, xs, n);
    for (size_t i = 0; failed && i < n; i++)
        if (xs[i] == fail)
            *failed = i;
    return err_set(err, "%s", fail->errmsg);
}

int http_run(struct http_client *c, struct http_xfer **xs, size_t n, int concurrency,
             struct err *err)
{
    return http_run_which(c, xs, n, concurrency, NULL, err);
}

int http_perform(struct http_client *c, struct http_xfer *x, struct err *err)
{
    return http_run(c, &x, 1, 1, err);
}
