/* text.h - small text helpers: lowercase hex and control-byte checks.
 *
 * Pure functions on caller-owned memory; none allocates and none can fail. */
#ifndef GRM_TEXT_H
#define GRM_TEXT_H

#include <stddef.h>

/* Write the n bytes of in as 2n lowercase hex digits and a NUL into out,
 * which must hold 2n + 1 bytes. */
void text_hex(const unsigned char *in, size_t n, char *out);

/* 1 when the C string s holds a control byte (below 0x20, or DEL 0x7f),
 * anything that could split a header or a log line; 0 otherwise, and 0
 * for NULL. */
int text_has_control(const char *s);

/* Replace every control byte of the C string s (as text_has_control()
 * counts them) with '?', for showing untrusted text in a message. */
void text_mask_control(char *s);

#endif
