/* http_transport.h - the seam under http_run(): how one attempt of a transfer
 * reaches the network, as an ops table in the manner of curl's protocol
 * handlers.
 *
 * http_run.c keeps the policy (concurrency, retries with back-off, rate-limit
 * waits, redirects without Authorization cross-origin, deadlines) and asks a
 * transport only to carry single attempts. libcurl (http_curl_transport, in
 * http.c) is the one real transport and every client's default; the unit
 * tests plug in a scripted one (test/unit/canned.c) to run the command logic
 * against canned responses. A transport delivers what it receives through
 * http_transport_header() and http_transport_body(), so the response
 * handling (error bodies, caps, write callbacks, progress) is the same
 * whatever carries the bytes, and reads request bodies through
 * http_transport_read(). */
#ifndef GRM_HTTP_TRANSPORT_H
#define GRM_HTTP_TRANSPORT_H

#include <stddef.h>

#include "http.h"

/* Report one finished attempt of x to the scheduler: rc is CURLE_OK when a
 * complete response came (x->status set), else why not (a CURLcode, the
 * vocabulary of the retry policy; x->curl_errbuf may say more). */
typedef void (*http_attempt_done_fn)(struct http_client *c, struct http_xfer *x, CURLcode rc,
                                     void *arg);

struct http_transport_ops {
    const char *name;
    /* Begin one attempt of x: x->cur_url, x->sent_headers (the headers to
     * send, Authorization already dropped where it must not go) and the body
     * fields are set, x->method may be NULL (GET). 0, or -1 after
     * http_xfer_fail(x). */
    int (*start)(struct http_client *c, struct http_xfer *x);
    /* Move the running attempts on without blocking, and report each finished
     * one through done. Returns how many finished, or -1 with a reason in why
     * (every running attempt is then lost). */
    int (*perform)(struct http_client *c, http_attempt_done_fn done, void *arg, char *why,
                   size_t n);
    /* Wait up to wait_ms for activity on the running attempts. 0, or -1 with why. */
    int (*wait)(struct http_client *c, int wait_ms, char *why, size_t n);
    /* Absolute URL a finished 3xx attempt of x points to, or NULL (borrowed,
     * valid until x's next attempt). */
    const char *(*redirect_url)(struct http_xfer *x);
    /* Abandon x's running attempt (after another transfer failed). */
    void (*stop)(struct http_client *c, struct http_xfer *x);
    /* Free what the transport holds for x (it may be called more than once,
     * and after x's client is gone). */
    void (*release)(struct http_xfer *x);
};

/* libcurl over the client's curl_multi handle: the default. */
extern const struct http_transport_ops http_curl_transport;

/* Make ops (with its ctx, in c->transport_ctx) the transport of clients that
 * http_client_init sets up from now on; NULL restores libcurl. For tests:
 * not thread-safe, and the commands never call it. */
void http_transport_set_default(const struct http_transport_ops *ops, void *ctx);

/* Feed one raw response header line (with its CRLF; a status line starts a
 * new response) into x. Returns 0, or -1 when x cannot take it (out of memory). */
int http_transport_header(struct http_xfer *x, const char *line, size_t n);
/* Feed n bytes of the response body of an answer with this status into x.
 * Returns 0, or -1 when x wants no more (x->failed says why). */
int http_transport_body(struct http_xfer *x, long status, const char *data, size_t n);
/* Copy up to want bytes of x's request body into out, from where the last
 * call stopped; returns the count (0 at the end), or -1 after failing x. */
long http_transport_read(struct http_xfer *x, char *out, size_t want);

#endif
