/* http_internal.h - what http.c (one attempt) and http_run.c (the retry
 * scheduler) share; not for use outside the http module. */
#ifndef GRM_HTTP_INTERNAL_H
#define GRM_HTTP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "http_transport.h"

/* Set up the next attempt (calls x->prepare) and hand it to the client's
 * transport. 0, or -1 with x failed. */
int http_attempt_start(struct http_client *c, struct http_xfer *x);
/* "scheme://host:port" of url into out; 0 or -1 when url does not parse. */
int http_origin(const char *url, char *out, size_t n);
/* x's current URL without its query, in x->log_url; valid until the next call. */
const char *http_log_url(struct http_xfer *x);

#endif
