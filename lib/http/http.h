/* http.h - the single libcurl wrapper: retries, rate limits, TLS, redirects,
 * progress, and concurrent transfers over one curl_multi handle.
 *
 * A transfer (struct http_xfer) describes one logical request. http_run()
 * drives any number of them, at most `concurrency` at a time, retrying each
 * with exponential back-off and jitter on connection errors and 5xx, waiting
 * out 429 / 403 retry-after and exhausted GitHub rate limits (within
 * one max_rate_limit_wait budget per client, i.e. per command), and following
 * redirects itself so that an Authorization header never reaches another
 * origin. A client bound to an origin (http_client_set_origin) sends
 * Authorization, and applies insecure and ca_pem, there only. GitHub API
 * requests get an overall deadline (deadline_s), asset downloads a minimum
 * average rate (min_rate). */
#ifndef GRM_HTTP_H
#define GRM_HTTP_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define HTTP_MAX_SOCKETS 64
/* The longest header value a request may carry: servers refuse longer ones
 * (AWS S3 takes 8 KB of request headers in all, nginx 8 KiB a line). Longer
 * credentials are refused before the first request. */
#define HTTP_HEADER_VALUE_MAX 8192

/* What a client is set up with (http_client_init). http_options_default()
 * gives the built-in values; struct settings (settings.h) holds them with the
 * environment's GRM_* overrides and SSL_CERT_FILE applied. Strings borrowed. */
struct http_options {
    int insecure;              /* skip TLS verification (of the origin only, when set) */
    const char *ca_pem;        /* PEM text of an extra CA, or NULL */
    const char *ssl_cert_file; /* the system CA bundle instead of libcurl's, or NULL */
    long connect_timeout;      /* seconds, default 30 */
    long low_speed_time;       /* seconds below 1 byte/s before a transfer is cut, default 60 */
    int max_attempts;          /* attempts per transfer, default 5 */
    long retry_base_ms;        /* first back-off step, default 1000 */
    long max_rate_limit_wait;  /* seconds of rate-limit waits per client, default 60 */
    long request_timeout;      /* deadline of x->deadline_s users (seconds), default 120 */
    long min_rate;             /* bytes/s of bulk transfers, default 1024 */
    long min_rate_grace;       /* seconds before min_rate applies, default 60 */
};

struct http_client {
    CURLM *multi;                  /* owned; keeps the connection cache across runs */
    char origin[512];              /* "scheme://host:port" or "": see http_client_set_origin */
    struct http_options opt;       /* what it was set up with (insecure and ca_pem:
                                      of `origin` only, when set) */
    char *ca_bundle;               /* owned: the system CAs plus opt.ca_pem, built on first use */
    int64_t rate_limit_waited_ms;  /* how much of opt.max_rate_limit_wait is spent */
    int sockets[HTTP_MAX_SOCKETS]; /* the open connections' sockets (see http.c) */
    size_t n_sockets;
    const struct http_transport_ops *ops; /* what carries attempts (http_transport.h) */
    void *transport_ctx;                  /* the transport's, borrowed */
};

struct http_xfer;
struct http_transport_ops;

/* Called before every attempt (first try, retry, redirect hop); may change
 * headers or url. Return 0, or -1 after http_xfer_fail(). */
typedef int (*http_prepare_fn)(struct http_xfer *x, void *ctx);
/* Response body chunk of a 2xx answer. Return 0, or -1 after http_xfer_fail(). */
typedef int (*http_write_fn)(struct http_xfer *x, void *ctx, const char *data, size_t n);
/* Called once a response is complete. Return 0 (done), 1 (retry it, counts as
 * an attempt) or -1 after http_xfer_fail(). */
typedef int (*http_done_fn)(struct http_xfer *x, void *ctx);

struct http_xfer {
    /* --- request, set by the caller (all borrowed) --- */
    const char *method;         /* NULL means GET */
    const char *url;            /* absolute URL */
    struct curl_slist *headers; /* extra request headers */
    const void *body;           /* in-memory request body, or NULL */
    size_t body_len;
    int upload_fd;         /* with upload_len > 0: body read from this file */
    int64_t upload_offset; /*   starting here (pread; rewound on retry) */
    int64_t upload_len;
    int follow_redirects;       /* follow 3xx Location (Authorization dropped cross-host) */
    int no_body;                /* HEAD-like: no response body expected */
    int fresh_connect;          /* never reuse a connection (non-idempotent requests) */
    size_t body_max;            /* cap for the collected body; 0 = 32 MiB */
    const char *progress_label; /* non-NULL: progress lines on stderr */
    int64_t progress_total;     /* expected bytes for percentages, 0 unknown */
    http_prepare_fn prepare;
    http_write_fn write; /* NULL: 2xx body collected into `body_buf` */
    http_done_fn done;
    void *ctx;       /* passed to the callbacks */
    long deadline_s; /* > 0: fail unless the response is complete within this many
                        seconds of the first attempt, retries included (rate-limit
                        waits are not counted: they have their own budget) */
    long min_rate;   /* > 0: an attempt whose average rate stays under this many
                        bytes/s after client->min_rate_grace seconds is cut and retried */

    /* --- response, filled in by http_run --- */
    long status;           /* final HTTP status, 0 if none */
    struct buf body_buf;   /* collected body (also error bodies) */
    struct buf header_buf; /* raw header lines of the final response */
    int attempts;          /* attempts made (>1 means the request was resent) */
    int64_t progress_done; /* bytes moved so far (write/read callbacks) */
    int failed;            /* set with errmsg when the transfer gave up */
    char errmsg[ERR_MAX];

    /* --- internal --- */
    struct http_client *client;
    CURL *easy;
    struct curl_slist *sent_headers;
    char *cur_url;
    int64_t upload_pos;
    int strip_auth;
    int redirects;
    int state;
    int64_t next_at_ms;
    int64_t last_progress_ms;
    int64_t last_progress_bytes;
    int64_t start_ms;
    int hop;
    int free_retries; /* breaks after progress, not counted as attempts */
    int64_t attempt_start_bytes;
    int64_t attempt_start_ms;
    int64_t deadline_at_ms;
    int too_slow;
    char log_url[1024]; /* cur_url without its query, for messages */
    char curl_errbuf[CURL_ERROR_SIZE];
    const struct http_transport_ops *ops; /* the transport of the last attempt */
    void *transport_data;                 /* that transport's per-transfer state */
};

/* The built-in options (the defaults above; no TLS changes). Can't fail. */
void http_options_default(struct http_options *o);
/* Set the client up with opts (copied; its strings borrowed; NULL: the
 * built-in defaults) and create the multi handle. Returns 0 or -1. */
int http_client_init(struct http_client *c, const struct http_options *opts, struct err *err);
void http_client_cleanup(struct http_client *c);
/* Bind the client to the origin (scheme, host, port) of url: from then on an
 * Authorization header, and the insecure and ca_pem settings, apply only to
 * requests (redirect hops included) whose URL has that origin; elsewhere the
 * header is dropped and TLS is verified against the system CAs alone. This is
 * the one check for every request made through the client, whatever set the
 * header and whenever. Returns 0, or -1 with err when url does not parse. */
int http_client_set_origin(struct http_client *c, const char *url, struct err *err);
/* Whether url has the client's origin (always true when none is set). */
int http_client_at_origin(const struct http_client *c, const char *url);

/* Zero a transfer; buffers start empty. */
void http_xfer_init(struct http_xfer *x, const char *method, const char *url);
/* Free what http_run filled in (buffers, internal state); not the borrowed fields. */
void http_xfer_cleanup(struct http_xfer *x);
/* Mark the transfer failed with a message (from inside a callback); returns -1. */
int http_xfer_fail(struct http_xfer *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run the transfers, at most `concurrency` at once. Returns 0 when every
 * transfer got a final response (any status: the caller judges it), or -1 with
 * the first failure's message in err (and in that xfer's errmsg). After a
 * failure no new transfer starts and the running ones are stopped. */
int http_run(struct http_client *c, struct http_xfer **xs, size_t n, int concurrency,
             struct err *err);
/* http_run that also says which transfer failed: on -1, *failed (when not
 * NULL) is the index in xs of the transfer whose message err holds, or n when
 * no transfer failed (interrupted by a signal). On 0 it is n. */
int http_run_which(struct http_client *c, struct http_xfer **xs, size_t n, int concurrency,
                   size_t *failed, struct err *err);
/* Run one transfer: http_run(c, &x, 1, 1, err). */
int http_perform(struct http_client *c, struct http_xfer *x, struct err *err);

/* Value of response header `name` (case-insensitive; last one wins) copied
 * into out; returns out, or NULL when absent. */
const char *http_header(const struct http_xfer *x, const char *name, char *out, size_t n);

/* Append a header line "Name: value", at its full length, to a list; returns
 * the list or NULL on OOM (the old list is freed then). */
struct curl_slist *http_add_header(struct curl_slist *list, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The User-Agent sent with every request. */
const char *http_user_agent(void);

/* Monotonic clock in milliseconds. */
int64_t http_now_ms(void);
/* url without its query (signed download URLs carry tokens there), cut to
 * fit out (n > 0); a NULL url gives "". */
void http_url_for_log(const char *url, char *out, size_t n);

#endif
