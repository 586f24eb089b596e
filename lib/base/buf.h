/* buf.h - the one growable byte buffer of the project, with a hard size cap.
 *
 * Invariants: ptr is NULL or NUL-terminated; len never exceeds max. On any
 * failure (out of memory or cap exceeded) the buffer is freed and reset, so
 * callers just return the error. buf_take() hands the memory to the caller. */
#ifndef GRM_BUF_H
#define GRM_BUF_H

#include <stddef.h>

#define BUF_MAX_DEFAULT (64u * 1024 * 1024)

struct buf {
    char *ptr;
    size_t len;
    size_t cap;
    size_t max;
};

#define BUF_INIT(maxbytes)                                                                         \
    {                                                                                              \
        NULL, 0, 0, (maxbytes)                                                                     \
    }

/* Start empty with a cap of max bytes (0 means BUF_MAX_DEFAULT). */
void buf_init(struct buf *b, size_t max);
/* Free the memory and reset to empty; the cap is kept. */
void buf_free(struct buf *b);
/* Keep the memory but make the content empty. */
void buf_reset(struct buf *b);

/* Append; each returns 0, or -1 (buffer freed) on OOM or past the cap. */
int buf_add(struct buf *b, const void *data, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append everything fd yields until end of file. 0, or -1 with errno (EFBIG
 * past the cap) and the buffer freed. */
int buf_read_fd(struct buf *b, int fd);
/* The same for the file at path (opened O_RDONLY | O_CLOEXEC, closed again):
 * 0, or -1 with errno (ENOENT when it cannot be opened, ...); the buffer is
 * freed on a read error. */
int buf_read_file(struct buf *b, const char *path);

/* The content as a C string; "" when empty. Borrowed. */
const char *buf_str(const struct buf *b);
/* Detach the content: a malloced NUL-terminated string (never NULL unless OOM). */
char *buf_take(struct buf *b);

#endif
