/* log.c - stderr logging with secret redaction (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MAX_SECRETS 4096 /* refreshed temporary keys add three each */
#define LOG_LINE_MAX 4096

static char **log_secrets;
static int log_secrets_cap;
static int log_nsecrets;
static int log_debug_on;

void log_add_secret(const char *secret)
{
    if (!secret || !*secret || log_nsecrets == LOG_MAX_SECRETS)
        return;
    for (int i = 0; i < log_nsecrets; i++)
        if (strcmp(log_secrets[i], secret) == 0)
            return;
    if (log_nsecrets == log_secrets_cap) {
        int cap = log_secrets_cap ? 2 * log_secrets_cap : 16;
        char **grown = realloc(log_secrets, (size_t)cap * sizeof(*grown));
        if (!grown)
            return;
        log_secrets = grown;
        log_secrets_cap = cap;
    }
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

/* Length of the registered secret starting at s, or 0. */
static size_t log_secret_at(const char *s)
{
    for (int i = 0; i < log_nsecrets; i++) {
        size_t n = strlen(log_secrets[i]);
        if (strncmp(s, log_secrets[i], n) == 0)
            return n;
    }
    return 0;
}

char *log_redact(const char *s, char *out, unsigned long n)
{
    size_t o = 0;
    if (n == 0)
        return out;
    while (*s && o + 1 < n) {
        size_t skip = log_secret_at(s);
        if (skip) {
            for (const char *r = "***"; *r && o + 1 < n; r++)
                out[o++] = *r;
            s += skip;
            continue;
        }
        char c = *s++;
        out[o++] = (c == '\n' || c == '\r') ? ' ' : c;
    }
    out[o] = '\0';
    return out;
}

static void log_vwrite(const char *prefix, const char *fmt, va_list ap)
{
    char raw[LOG_LINE_MAX], clean[LOG_LINE_MAX];
    vsnprintf(raw, sizeof(raw), fmt, ap);
    log_redact(raw, clean, sizeof(clean));
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
