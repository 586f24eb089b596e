/* http.c - one attempt of a transfer: the response handling every transport
 * feeds (http_transport.h), progress lines and debug logging, and the libcurl
 * transport: easy-handle setup and the curl_multi driver (see http.h; the
 * retry loop lives in http_run.c). */
#include "http.h"
#include "http_internal.h"
#include "log.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HTTP_BODY_MAX_DEFAULT (32u * 1024 * 1024)
#define HTTP_ERROR_BODY_MAX (64u * 1024)
#define HTTP_PROGRESS_MS 5000
#define HTTP_CURL_BUFFER (256L * 1024)

const char *http_user_agent(void)
{
    return "github-release-mirror/" GRM_VERSION;
}

int64_t http_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void http_xfer_init(struct http_xfer *x, const char *method, const char *url)
{
    memset(x, 0, sizeof(*x));
    x->method = method;
    x->url = url;
    x->upload_fd = -1;
    buf_init(&x->body_buf, 0);
    buf_init(&x->header_buf, 256 * 1024);
}

void http_xfer_cleanup(struct http_xfer *x)
{
    if (x->ops)
        x->ops->release(x);
    curl_slist_free_all(x->sent_headers);
    x->sent_headers = NULL;
    free(x->cur_url);
    x->cur_url = NULL;
    buf_free(&x->body_buf);
    buf_free(&x->header_buf);
}

int http_xfer_fail(struct http_xfer *x, const char *fmt, ...)
{
    if (x->failed)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    log_vcut(x->errmsg, sizeof(x->errmsg), fmt, ap);
    va_end(ap);
    x->failed = 1;
    return -1;
}

struct curl_slist *http_add_header(struct curl_slist *list, const char *fmt, ...)
{
    /* at its exact length: a cut value would be sent unlike what was signed */
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *line = len >= 0 ? malloc((size_t)len + 1) : NULL;
    struct curl_slist *next = NULL;
    if (line) {
        va_start(ap, fmt);
        vsnprintf(line, (size_t)len + 1, fmt, ap);
        va_end(ap);
        next = curl_slist_append(list, line);
        free(line);
    }
    if (!next)
        curl_slist_free_all(list);
    return next;
}

const char *http_header(const struct http_xfer *x, const char *name, char *out, size_t n)
{
    const char *found = NULL;
    size_t found_len = 0, name_len = strlen(name);
    const char *p = buf_str(&x->header_buf);
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > name_len && p[name_len] == ':' && strncasecmp(p, name, name_len) == 0) {
            found = p + name_len + 1;
            found_len = len - name_len - 1;
        }
        p += len + (eol ? 1 : 0);
    }
    if (!found || n == 0)
        return NULL;
    while (found_len && (*found == ' ' || *found == '\t'))
        found++, found_len--;
    while (found_len && (found[found_len - 1] == '\r' || found[found_len - 1] == ' '))
        found_len--;
    if (found_len >= n)
        found_len = n - 1;
    memcpy(out, found, found_len);
    out[found_len] = '\0';
    return out;
}

/* "scheme://host:port" of url, for the same-origin test of redirects. */
int http_origin(const char *url, char *out, size_t n)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    int rc = -1;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        for (char *h = host; *h; h++)
            *h = (char)(*h >= 'A' && *h <= 'Z' ? *h + 32 : *h);
        snprintf(out, n, "%s://%s:%s", scheme, host, port);
        rc = 0;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

void http_url_for_log(const char *url, char *out, size_t n)
{
    snprintf(out, n, "%s", url ? url : "");
    char *q = strchr(out, '?');
    if (q)
        *q = '\0';
}

const char *http_log_url(struct http_xfer *x)
{
    http_url_for_log(x->cur_url ? x->cur_url : x->url, x->log_url, sizeof(x->log_url));
    return x->log_url;
}

static int http_is_secret_header(const char *line)
{
    return strncasecmp(line, "authorization:", 14) == 0 ||
           strncasecmp(line, "x-amz-security-token:", 21) == 0;
}

static void http_progress(struct http_xfer *x, int64_t n)
{
    x->progress_done += n;
    if (!x->progress_label)
        return;
    int64_t now = http_now_ms();
    int64_t moved = x->progress_done - x->last_progress_bytes;
    if (now - x->last_progress_ms < HTTP_PROGRESS_MS)
        return;
    if (x->progress_total > 0 && moved * 10 < x->progress_total)
        return;
    double secs = (double)(now - x->start_ms) / 1000.0;
    double rate = secs > 0 ? (double)x->progress_done / secs : 0;
    if (x->progress_total > 0)
        log_info("%s: %lld of %lld bytes (%d%%) at %.1f MiB/s", x->progress_label,
                 (long long)x->progress_done, (long long)x->progress_total,
                 (int)(x->progress_done * 100 / x->progress_total), rate / 1048576.0);
    else
        log_info("%s: %lld bytes at %.1f MiB/s", x->progress_label, (long long)x->progress_done,
                 rate / 1048576.0);
    x->last_progress_ms = now;
    x->last_progress_bytes = x->progress_done;
}

/* ---- acknowledging response headers at once ----
 *
 * A server that writes a response's headers and its body separately with
 * Nagle's algorithm on (Ceph RGW, Python's http.server) holds a small body
 * back until the headers are acknowledged, and Linux delays that ACK by up to
 * 40 ms: every small GET would wait for it. So the client records the sockets
 * libcurl opens, and at the end of each response's headers asks for an
 * immediate ACK on them (TCP_QUICKACK acknowledges what is pending). libcurl
 * does not tell a transfer its socket while it runs, hence all of them: at
 * most a few, and a pending-ACK flush is harmless on the others. */

static curl_socket_t http_open_socket(void *userp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct http_client *c = userp;
    (void)purpose;
    curl_socket_t fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
    if (fd != CURL_SOCKET_BAD && c->n_sockets < HTTP_MAX_SOCKETS)
        c->sockets[c->n_sockets++] = fd;
    return fd;
}

static int http_close_socket(void *userp, curl_socket_t fd)
{
    struct http_client *c = userp;
    for (size_t i = 0; i < c->n_sockets; i++)
        if (c->sockets[i] == fd) {
            c->sockets[i] = c->sockets[--c->n_sockets];
            break;
        }
    return close(fd);
}

static void http_ack_headers(const struct http_xfer *x)
{
#ifdef TCP_QUICKACK
    int on = 1;
    for (size_t i = 0; x->client && i < x->client->n_sockets; i++)
        (void)setsockopt(x->client->sockets[i], IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
#else
    (void)x;
#endif
}

int http_transport_header(struct http_xfer *x, const char *data, size_t n)
{
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        buf_reset(&x->header_buf);
    if ((n == 2 && data[0] == '\r') || (n == 1 && data[0] == '\n'))
        http_ack_headers(x);
    if (buf_add(&x->header_buf, data, n) < 0)
        return -1;
    if (log_debug_enabled() && n > 2) {
        /* a redirect's query holds the download host's signature: not logged */
        size_t shown = n - 2;
        const char *q = memchr(data, '?', shown);
        if (q && strncasecmp(data, "location:", 9) == 0)
            shown = (size_t)(q - data);
        log_debug("< %.*s", (int)shown, data);
    }
    return 0;
}

int http_transport_body(struct http_xfer *x, long status, const char *data, size_t n)
{
    x->status = status;
    if (status >= 200 && status < 300 && x->write) {
        if (x->write(x, x->ctx, data, n) < 0)
            return -1;
        http_progress(x, (int64_t)n);
        return 0;
    }
    if (status >= 300 && status < 400)
        return 0; /* redirect bodies are dropped */
    size_t cap = status >= 200 && status < 300 ? (x->body_max ? x->body_max : HTTP_BODY_MAX_DEFAULT)
                                               : HTTP_ERROR_BODY_MAX;
    if (x->body_buf.len + n > cap) {
        if (status >= 300)
            return 0; /* keep the head of an error body, drop the rest */
        http_xfer_fail(x, "%s %s: HTTP %ld: response is larger than %zu bytes",
                       x->method ? x->method : "GET", http_log_url(x), status, cap);
        return -1;
    }
    x->body_buf.max = cap;
    if (buf_add(&x->body_buf, data, n) < 0) {
        http_xfer_fail(x, "out of memory reading %s", http_log_url(x));
        return -1;
    }
    return 0;
}

long http_transport_read(struct http_xfer *x, char *data, size_t want)
{
    if (x->upload_len > 0 && x->upload_fd >= 0) {
        int64_t left = x->upload_len - x->upload_pos;
        if (left <= 0)
            return 0;
        if ((int64_t)want > left)
            want = (size_t)left;
        ssize_t got;
        do
            got = pread(x->upload_fd, data, want, (off_t)(x->upload_offset + x->upload_pos));
        while (got < 0 && errno == EINTR);
        if (got <= 0) {
            http_xfer_fail(x, "cannot read upload body: %s",
                           got < 0 ? strerror(errno) : "file shrank");
            return -1;
        }
        x->upload_pos += got;
        http_progress(x, got);
        return (long)got;
    }
    size_t left = x->body_len - (size_t)x->upload_pos;
    if (want > left)
        want = left;
    if (want)
        memcpy(data, (const char *)x->body + x->upload_pos, want);
    x->upload_pos += (int64_t)want;
    return (long)want;
}

int http_client_set_origin(struct http_client *c, const char *url, struct err *err)
{
    char o[sizeof(c->origin)];
    if (http_origin(url, o, sizeof(o)) < 0)
        return err_set(err, "cannot parse the URL \"%s\"", url);
    memcpy(c->origin, o, sizeof(o));
    return 0;
}

int http_client_at_origin(const struct http_client *c, const char *url)
{
    char o[sizeof(c->origin)];
    if (!c->origin[0])
        return 1;
    return http_origin(url, o, sizeof(o)) == 0 && strcmp(o, c->origin) == 0;
}

/* The request headers for this attempt: the caller's, without Authorization
 * once a redirect left the original origin, or anywhere but the client's. */
static int http_build_headers(struct http_client *c, struct http_xfer *x)
{
    curl_slist_free_all(x->sent_headers);
    x->sent_headers = NULL;
    struct curl_slist *list = NULL;
    int no_auth = x->strip_auth || !http_client_at_origin(c, x->cur_url);
    for (struct curl_slist *h = x->headers; h; h = h->next) {
        if (no_auth && strncasecmp(h->data, "authorization:", 14) == 0)
            continue;
        list = curl_slist_append(list, h->data);
        if (!list)
            return -1;
    }
    list = curl_slist_append(list, "Expect:");
    if (!list)
        return -1;
    x->sent_headers = list;
    return 0;
}

static void http_debug_request(const struct http_xfer *x, const char *method)
{
    if (!log_debug_enabled())
        return;
    char url[2048];
    http_url_for_log(x->cur_url, url, sizeof(url)); /* a query may carry a signature or token */
    log_debug("> %s %s", method, url);
    for (struct curl_slist *h = x->sent_headers; h; h = h->next) {
        if (http_is_secret_header(h->data))
            log_debug("> %.*s ***", (int)(strchr(h->data, ':') - h->data + 1), h->data);
        else
            log_debug("> %s", h->data);
    }
}

static size_t http_on_read(char *data, size_t size, size_t nmemb, void *userp);

static void http_set_method(struct http_xfer *x, CURL *e, const char *method)
{
    int has_body = x->body != NULL || (x->upload_len > 0 && x->upload_fd >= 0);
    int64_t size = x->upload_len > 0 && x->upload_fd >= 0 ? x->upload_len : (int64_t)x->body_len;
    if (strcmp(method, "HEAD") == 0 || x->no_body) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        if (strcmp(method, "HEAD") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
        return;
    }
    if (has_body || strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(has_body ? size : 0));
        curl_easy_setopt(e, CURLOPT_READFUNCTION, http_on_read);
        curl_easy_setopt(e, CURLOPT_READDATA, x);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "PUT") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
}

/* The system CA bundle: c->opt.ssl_cert_file ($SSL_CERT_FILE, OpenSSL's
 * convention, honoured for every request), else the one libcurl was built with. Malloced text, or
 * NULL on OOM; empty when there is no bundle. */
static char *http_system_cas(const struct http_client *c, CURL *e)
{
    const char *path = c->opt.ssl_cert_file;
    char *builtin = NULL;
    if (!path || !*path) {
        curl_easy_getinfo(e, CURLINFO_CAINFO, &builtin);
        path = builtin;
    }
    struct buf b = BUF_INIT(16u * 1024 * 1024);
    FILE *f = path ? fopen(path, "re") : NULL;
    char chunk[16384];
    size_t got;
    while (f && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_add(&b, chunk, got) < 0)
            break;
    if (f)
        fclose(f);
    if (buf_add(&b, "\n", 1) < 0)
        return NULL;
    return buf_take(&b);
}

/* ca_pem is trusted in addition to the system CAs, not instead of them. */
static int http_set_ca(struct http_client *c, CURL *e)
{
    if (!c->ca_bundle) {
        char *sys = http_system_cas(c, e);
        struct buf b = BUF_INIT(0);
        if (!sys || buf_addf(&b, "%s%s\n", sys, c->opt.ca_pem) < 0) {
            free(sys);
            buf_free(&b);
            return -1;
        }
        free(sys);
        c->ca_bundle = buf_take(&b);
    }
    struct curl_blob blob = {c->ca_bundle, strlen(c->ca_bundle), CURL_BLOB_COPY};
    curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
    return 0;
}

/* insecure and ca_pem hold for the origin they were given for only. */
static int http_set_tls(struct http_client *c, struct http_xfer *x, CURL *e)
{
    const char *system = c->opt.ssl_cert_file;
    if (system && *system)
        curl_easy_setopt(e, CURLOPT_CAINFO, system);
    if (!http_client_at_origin(c, x->cur_url))
        return 0;
    if (c->opt.insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return c->opt.ca_pem ? http_set_ca(c, e) : 0;
}

/* Cut an attempt whose average rate, after the grace period, is under
 * x->min_rate: a server trickling bytes would otherwise hold it for ever. */
static int http_on_xferinfo(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                            curl_off_t ulnow)
{
    struct http_xfer *x = userp;
    (void)dltotal, (void)ultotal;
    int64_t elapsed = http_now_ms() - x->attempt_start_ms;
    if (elapsed < x->client->opt.min_rate_grace * 1000)
        return 0;
    int64_t moved = (int64_t)(dlnow > ulnow ? dlnow : ulnow);
    if (moved * 1000 >= (int64_t)x->min_rate * elapsed)
        return 0;
    x->too_slow = 1;
    return 1;
}

/* The overall deadline and the minimum rate of this attempt. */
static void http_set_limits(struct http_client *c, struct http_xfer *x, CURL *e)
{
    if (x->deadline_at_ms)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(x->deadline_at_ms - x->attempt_start_ms));
    if (x->min_rate > 0 && c->opt.min_rate_grace > 0) {
        curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, http_on_xferinfo);
        curl_easy_setopt(e, CURLOPT_XFERINFODATA, x);
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    }
}

int http_attempt_start(struct http_client *c, struct http_xfer *x)
{
    const char *method = x->method ? x->method : "GET";
    x->status = 0;
    x->upload_pos = 0;
    x->curl_errbuf[0] = '\0';
    buf_reset(&x->body_buf);
    buf_reset(&x->header_buf);
    if (x->prepare && x->prepare(x, x->ctx) < 0)
        return -1;
    if (http_build_headers(c, x) < 0)
        return http_xfer_fail(x, "out of memory");
    x->client = c;
    x->attempt_start_ms = http_now_ms();
    x->too_slow = 0;
    if (x->deadline_at_ms && x->deadline_at_ms - x->attempt_start_ms <= 0)
        return http_xfer_fail(x, "%s %s: no complete response within %ld s", method,
                              http_log_url(x), x->deadline_s);
    if (x->ops && x->ops != c->ops)
        x->ops->release(x); /* another client's transport ran it before */
    x->ops = c->ops;
    if (c->ops->start(c, x) < 0)
        return -1;
    if (!x->start_ms) {
        x->start_ms = http_now_ms();
        x->last_progress_ms = x->start_ms;
    }
    http_debug_request(x, method);
    return 0;
}

/* ---- the libcurl transport ---- */

static size_t http_on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    size_t n = size * nmemb;
    return http_transport_header(userp, data, n) < 0 ? 0 : n;
}

static size_t http_on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct http_xfer *x = userp;
    size_t n = size * nmemb;
    long status = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    return http_transport_body(x, status, data, n) < 0 ? 0 : n;
}

static size_t http_on_read(char *data, size_t size, size_t nmemb, void *userp)
{
    long got = http_transport_read(userp, data, size * nmemb);
    return got < 0 ? CURL_READFUNC_ABORT : (size_t)got;
}

static int http_curl_start(struct http_client *c, struct http_xfer *x)
{
    const char *method = x->method ? x->method : "GET";
    if (!x->easy && !(x->easy = curl_easy_init()))
        return http_xfer_fail(x, "cannot create a curl handle");
    CURL *e = x->easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, x->cur_url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->sent_headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, http_user_agent());
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, c->opt.connect_timeout);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->opt.low_speed_time);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, HTTP_CURL_BUFFER);
    curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, HTTP_CURL_BUFFER);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_errbuf);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, x->fresh_connect ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, http_open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, c);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, http_close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, c);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    http_set_method(x, e, method);
    if (http_set_tls(c, x, e) < 0)
        return http_xfer_fail(x, "out of memory");
    http_set_limits(c, x, e);
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
        return http_xfer_fail(x, "%s %s: no response: cannot start the transfer", method,
                              http_log_url(x));
    return 0;
}

/* Finished transfers, reported in the order libcurl gives them. */
static int http_curl_perform(struct http_client *c, http_attempt_done_fn done, void *arg, char *why,
                             size_t n)
{
    int still = 0, left, reaped = 0;
    CURLMcode mrc = curl_multi_perform(c->multi, &still);
    if (mrc != CURLM_OK) {
        snprintf(why, n, "curl_multi_perform failed: %s", curl_multi_strerror(mrc));
        return -1;
    }
    CURLMsg *m;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct http_xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode rc = m->data.result;
        curl_multi_remove_handle(c->multi, m->easy_handle);
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
        done(c, x, rc, arg);
        reaped++;
    }
    return reaped;
}

static int http_curl_wait(struct http_client *c, int wait_ms, char *why, size_t n)
{
    CURLMcode mrc = curl_multi_poll(c->multi, NULL, 0, wait_ms, NULL);
    if (mrc == CURLM_OK)
        return 0;
    snprintf(why, n, "curl_multi_poll failed: %s", curl_multi_strerror(mrc));
    return -1;
}

static const char *http_curl_redirect_url(struct http_xfer *x)
{
    char *loc = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
    return loc;
}

static void http_curl_stop(struct http_client *c, struct http_xfer *x)
{
    curl_multi_remove_handle(c->multi, x->easy);
}

static void http_curl_release(struct http_xfer *x)
{
    if (x->easy)
        curl_easy_cleanup(x->easy);
    x->easy = NULL;
}

const struct http_transport_ops http_curl_transport = {
    .name = "libcurl",
    .start = http_curl_start,
    .perform = http_curl_perform,
    .wait = http_curl_wait,
    .redirect_url = http_curl_redirect_url,
    .stop = http_curl_stop,
    .release = http_curl_release,
};
