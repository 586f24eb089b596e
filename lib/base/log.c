/* log.c - stderr logging with secret redaction (see log.h). */
#include "log.h"
#include "grow.h"

#include <ctype.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LOG_MAX_SECRETS 4096 /* refreshed temporary keys add three each */
#define LOG_LINE_MAX 4096
#define LOG_TAIL_MIN 4 /* a shorter start of a secret reveals next to nothing */

static char **log_secrets;
static size_t log_secrets_cap;
static int log_nsecrets;
static int log_debug_on;

void log_add_secret(const char *secret)
{
    if (!secret || !*secret || log_nsecrets == LOG_MAX_SECRETS)
        return;
    for (int i = 0; i < log_nsecrets; i++)
        if (strcmp(log_secrets[i], secret) == 0)
            return;
    if (GROW(log_secrets, (size_t)log_nsecrets + 1, log_secrets_cap) < 0)
        return;
    char *copy = strdup(secret);
    if (copy)
        log_secrets[log_nsecrets++] = copy;
}

void log_clear_secrets(void)
{
    for (int i = 0; i < log_nsecrets; i++)
        free(log_secrets[i]);
    log_nsecrets = 0;
}

void log_set_debug(int on)
{
    log_debug_on = on;
}

int log_debug_enabled(void)
{
    return log_debug_on;
}

/* Length of the longest registered secret starting at s, or 0: a secret
 * that begins with another one (an access key id, say) is hidden whole. */
static size_t log_secret_at(const char *s)
{
    size_t best = 0;
    for (int i = 0; i < log_nsecrets; i++) {
        size_t n = strlen(log_secrets[i]);
        if (n > best && strncmp(s, log_secrets[i], n) == 0)
            best = n;
    }
    return best;
}

/* Whether s (the tail of a text, len bytes to its end) is the start of a
 * secret: the text was cut inside it before it reached us. */
static int log_secret_tail(const char *s, size_t len)
{
    if (len < LOG_TAIL_MIN)
        return 0;
    for (int i = 0; i < log_nsecrets; i++)
        if (strlen(log_secrets[i]) > len && strncmp(s, log_secrets[i], len) == 0)
            return 1;
    return 0;
}

/* Length of the query at s (s[0] == '?') of a URL in a message: up to white
 * space, a quote, or a ':' that ends the URL ("GET URL?q: HTTP 404"). */
static size_t log_query_len(const char *s)
{
    size_t i = 0;
    while (s[i] && !isspace((unsigned char)s[i]) && s[i] != '"' && s[i] != '\'' &&
           !(s[i] == ':' && (s[i + 1] == ' ' || s[i + 1] == '\0')))
        i++;
    return i;
}

/* Whether s starts a URL whose query must not be shown. */
static int log_url_at(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/* Redaction reads all of s and cuts only its output: a secret that would
 * straddle the cut is replaced whole, never shown in part, and no URL's
 * query is shown (it may carry a signature or a token). */
char *log_redact(const char *s, char *out, unsigned long n)
{
    size_t o = 0, left = strlen(s);
    int in_url = 0;
    if (n == 0)
        return out;
    while (left && o + 1 < n) {
        if (log_url_at(s))
            in_url = 1;
        else if (in_url && (isspace((unsigned char)*s) || *s == '"' || *s == '\''))
            in_url = 0;
        size_t skip = log_secret_at(s);
        if (!skip && log_secret_tail(s, left))
            skip = left;
        if (!skip && in_url && *s == '?') {
            skip = log_query_len(s);
            s += skip;
            left -= skip;
            in_url = 0;
            continue;
        }
        if (skip) {
            for (const char *r = "***"; *r && o + 1 < n; r++)
                out[o++] = *r;
            s += skip;
            left -= skip;
            continue;
        }
        char c = *s++;
        left--;
        out[o++] = (c == '\n' || c == '\r') ? ' ' : c;
    }
    out[o] = '\0';
    return out;
}

int log_vredact(char *out, unsigned long n, const char *fmt, va_list ap)
{
    char small[LOG_LINE_MAX];
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(small, sizeof(small), fmt, copy);
    va_end(copy);
    if (len < 0) {
        if (n)
            out[0] = '\0';
        return -1;
    }
    if ((size_t)len < sizeof(small)) {
        log_redact(small, out, n);
        return 0;
    }
    char *full = malloc((size_t)len + 1); /* redact first, then cut */
    if (!full) {
        log_redact(small, out, n); /* the tail rule still hides a cut secret */
        return 0;
    }
    vsnprintf(full, (size_t)len + 1, fmt, ap);
    log_redact(full, out, n);
    free(full);
    return 0;
}

int log_vcut(char *out, unsigned long n, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(out, n, fmt, copy);
    va_end(copy);
    if (len < 0 || (unsigned long)len < n)
        return len < 0 ? -1 : 0;
    return log_vredact(out, n, fmt, ap); /* it did not fit: redact, then cut */
}

static void log_vwrite(const char *prefix, const char *fmt, va_list ap)
{
    char clean[LOG_LINE_MAX];
    log_vredact(clean, sizeof(clean), fmt, ap);
    fprintf(stderr, "%s%s\n", prefix, clean);
    fflush(stderr);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite("", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite("warning: ", fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    if (!log_debug_on)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_vwrite("debug: ", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite("error: ", fmt, ap);
    va_end(ap);
}
