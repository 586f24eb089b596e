/* err.h - the error report a library call leaves for main to print.
 *
 * Library functions return 0 on success or -1 after err_set(); only cmd/
 * prints (log_error redacts secrets). Each err_set() replaces the message
 * recorded before it; err_prefix() adds context in front of it. */
#ifndef GRM_ERR_H
#define GRM_ERR_H

#define ERR_MAX 1024

struct err {
    char msg[ERR_MAX];
};

/* Record a message (lowercase, no full stop, culprit quoted); returns -1. */
int err_set(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Put "prefix: " in front of the recorded message; returns -1. */
int err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Make the message empty. */
void err_clear(struct err *e);

#endif
