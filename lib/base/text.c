/* text.c - small text helpers: lowercase hex and control-byte checks.
 *
 * The modules that write a digest as hex, refuse a header value with a
 * control byte or mask one before quoting it call these, so that every site
 * agrees on what a control byte is: below 0x20, and DEL. */
#include "text.h"

static int text_is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

void text_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int text_has_control(const char *s)
{
    for (; s && *s; s++)
        if (text_is_control((unsigned char)*s))
            return 1;
    return 0;
}

void text_mask_control(char *s)
{
    for (; s && *s; s++)
        if (text_is_control((unsigned char)*s))
            *s = '?';
}
