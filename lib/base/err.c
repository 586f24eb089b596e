/* err.c - error reports carried up to main (see err.h). */
#include "err.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vcut(e->msg, sizeof(e->msg), fmt, ap); /* a cut must not expose part of a secret */
    va_end(ap);
    return -1;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
    char line[2 * ERR_MAX + 2];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, ERR_MAX, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    size_t used = strlen(line);
    memcpy(line + used, ": ", 3);
    memcpy(line + used + 2, e->msg, strnlen(e->msg, ERR_MAX - 1) + 1);
    if (strlen(line) < ERR_MAX)
        memcpy(e->msg, line, strlen(line) + 1);
    else
        log_redact(line, e->msg, ERR_MAX); /* redact, then cut */
    return -1;
}

void err_clear(struct err *e)
{
    e->msg[0] = '\0';
}
