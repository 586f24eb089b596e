/* canned.h - a scripted HTTP transport for the unit tests (the seam of
 * lib/http/http_transport.h): requests are matched to canned responses, and
 * everything sent is recorded.
 *
 * Rules are tried in the order they were added; the first that matches the
 * method, the URL (exact, or a prefix when the pattern ends in '*') and the
 * required request header, and has uses left, answers. A request nothing
 * matches fails at once (not retried) with "canned: no response for METHOD
 * URL", and is recorded like the others. All of it runs under the real
 * scheduler (http_run.c): retries, rate-limit waits, redirects and
 * Authorization stripping are the library's, not the script's. */
#ifndef GRM_CANNED_H
#define GRM_CANNED_H

#include <stddef.h>

#include "buf.h"
#include "http.h"

struct canned_rule {
    char *method;    /* NULL: any */
    char *url;       /* exact URL, or a prefix ending in '*' */
    char *need;      /* a request header line must contain this (case-insensitive), or NULL */
    long status;     /* the response's status */
    char *headers;   /* response header lines, each ending "\n" (CRLF added), or NULL */
    struct buf body; /* the response body (not sent for HEAD) */
    char *location;  /* 3xx: where to (also sent as Location) */
    CURLcode error;  /* != CURLE_OK: the attempt fails with it, no response */
    int times;       /* answers left; < 0 without limit */
};

struct canned_request {
    char *method;
    char *url;
    char *headers;   /* the sent header lines, each ending "\n" */
    struct buf body; /* the request body as sent */
};

struct canned {
    struct canned_rule *rules;
    size_t n_rules, cap_rules;
    struct canned_request *reqs;
    size_t n_reqs, cap_reqs;
    struct http_xfer **queue; /* started attempts, answered by perform */
    size_t n_queue, cap_queue;
};

/* Start with no rules and no requests. */
void canned_init(struct canned *c);
/* Free rules and records; restores libcurl as the default transport. */
void canned_cleanup(struct canned *c);
/* Make c the transport of every http_client initialised from now on. */
void canned_install(struct canned *c);

/* Add a rule answering status with headers and body (copied; NULL for none);
 * it answers without limit until canned_times() says otherwise. Returns the
 * rule (valid until the next add) for canned_need() etc., or aborts on OOM. */
struct canned_rule *canned_add(struct canned *c, const char *method, const char *url, long status,
                               const char *headers, const char *body);
/* body of n bytes (binary allowed). */
struct canned_rule *canned_add_n(struct canned *c, const char *method, const char *url, long status,
                                 const char *headers, const char *body, size_t n);
/* A rule whose attempts fail with a transport error (e.g. CURLE_COULDNT_CONNECT). */
struct canned_rule *canned_add_error(struct canned *c, const char *method, const char *url,
                                     CURLcode error);
/* Only for requests carrying a header line that contains text. */
void canned_need(struct canned_rule *r, const char *text);
/* Redirect to url (with a 3xx status). */
void canned_location(struct canned_rule *r, const char *url);
/* Answer at most n times. */
void canned_times(struct canned_rule *r, int n);

/* How many recorded requests have this method (NULL: any) and a URL matching
 * pattern (as rules match; NULL: any). */
size_t canned_count(const struct canned *c, const char *method, const char *pattern);
/* The i-th matching recorded request, or NULL. */
const struct canned_request *canned_find(const struct canned *c, const char *method,
                                         const char *pattern, size_t i);
/* Value of header name in a recorded request into out, or NULL when absent. */
const char *canned_req_header(const struct canned_request *r, const char *name, char *out,
                              size_t n);
/* Forget the recorded requests (the rules stay). */
void canned_forget(struct canned *c);

/* ---- helpers of the seam tests ---- */

/* Make json the process's stdin (what resource_open reads); aborts on failure. */
void canned_stdin(const char *json);
/* A fresh directory (malloced path), removed with its contents at exit; with
 * as_tmpdir also $TMPDIR. Aborts on failure. */
char *canned_tmpdir(int as_tmpdir);
/* A GitHub release object as JSON text (malloced): id, tag, published_at,
 * and assets, a JSON array text (NULL: []). */
char *canned_release(long id, const char *tag, const char *published, const char *assets);

#endif
