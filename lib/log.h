/* log.h - everything a command says on stderr, with secrets redacted.
 *
 * Every secret registered with log_add_secret() is replaced by "***" in every
 * line written here, debug lines included. stdout is never touched. */
#ifndef GRM_LOG_H
#define GRM_LOG_H

/* Register a secret (token, key); copied. Empty or NULL strings are ignored. */
void log_add_secret(const char *secret);
/* Forget all secrets (tests). */
void log_clear_secrets(void);
/* Turn debug lines on or off. */
void log_set_debug(int on);
int log_debug_enabled(void);

/* Write a redacted copy of s into out (size n); returns out. */
char *log_redact(const char *s, char *out, unsigned long n);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One "error: ..." line; newlines in the message are folded into spaces. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
