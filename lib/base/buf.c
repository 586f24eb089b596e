/* buf.c - growable, capped byte buffer (see buf.h). */
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUF_READ_CHUNK (64u * 1024)

void buf_init(struct buf *b, size_t max)
{
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : BUF_MAX_DEFAULT;
}

void buf_free(struct buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

static int buf_grow(struct buf *b, size_t extra)
{
    size_t max = b->max ? b->max : BUF_MAX_DEFAULT;
    if (extra > max - b->len) {
        buf_free(b);
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->ptr, cap);
    if (!p) {
        buf_free(b);
        return -1;
    }
    b->ptr = p;
    b->cap = cap;
    return 0;
}

int buf_add(struct buf *b, const void *data, size_t n)
{
    if (buf_grow(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->ptr + b->len, data, n);
    b->len += n;
    b->ptr[b->len] = '\0';
    return 0;
}

int buf_adds(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_addc(struct buf *b, char c)
{
    return buf_add(b, &c, 1);
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_grow(b, (size_t)n) < 0) {
        buf_free(b);
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

const char *buf_str(const struct buf *b)
{
    return b->ptr ? b->ptr : "";
}

char *buf_take(struct buf *b)
{
    char *p = b->ptr ? b->ptr : strdup("");
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

int buf_read_fd(struct buf *b, int fd)
{
    size_t max = b->max ? b->max : BUF_MAX_DEFAULT;
    for (;;) {
        size_t room = max - b->len < BUF_READ_CHUNK ? max - b->len : BUF_READ_CHUNK;
        char probe;
        if (room > 0 && buf_grow(b, room) < 0) {
            errno = ENOMEM;
            return -1;
        }
        ssize_t n = room > 0 ? read(fd, b->ptr + b->len, room) : read(fd, &probe, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            return 0;
        if (n < 0 || room == 0) { /* a read error, or a byte past the cap */
            int e = n < 0 ? errno : EFBIG;
            buf_free(b);
            errno = e;
            return -1;
        }
        b->len += (size_t)n;
        b->ptr[b->len] = '\0';
    }
}

int buf_read_file(struct buf *b, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = buf_read_fd(b, fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}
