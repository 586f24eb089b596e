/* log.h - everything a command says on stderr, with secrets redacted.
 *
 * Every secret registered with log_add_secret() is replaced by "***" in every
 * line written here, debug lines included. stdout is never touched. */
#ifndef GRM_LOG_H
#define GRM_LOG_H

#include <stdarg.h>

/* Register a secret (token, key); copied. Empty or NULL strings are ignored. */
void log_add_secret(const char *secret);
/* Forget all secrets (tests). */
void log_clear_secrets(void);
/* Turn debug lines on or off. */
void log_set_debug(int on);
int log_debug_enabled(void);

/* Write a redacted copy of s into out (size n), newlines folded into
 * spaces; returns out. All of s is redacted before the copy is cut to n, and
 * a tail of s (4 bytes or more) that begins a secret is redacted too: s may
 * have been cut inside one. */
char *log_redact(const char *s, char *out, unsigned long n);
/* Format, redact, then cut to n bytes (never the other way round). 0, or -1
 * when the format fails (out is then empty). */
int log_vredact(char *out, unsigned long n, const char *fmt, va_list ap);
/* Format into out; a text that does not fit is redacted before it is cut
 * (one that fits is kept verbatim, for log_* to redact when printed). 0 or -1. */
int log_vcut(char *out, unsigned long n, const char *fmt, va_list ap);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One "error: ..." line; newlines in the message are folded into spaces. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
