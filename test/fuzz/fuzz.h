/* fuzz.h - helpers shared by the libFuzzer harnesses: the entry point's
 * prototype and splitting one input into NUL-terminated fields. */
#ifndef GRM_FUZZ_H
#define GRM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloced NUL-terminated copy of data[0..n) (aborts on OOM: a harness
 * cannot report it). */
static inline char *fuzz_strndup(const uint8_t *data, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        abort();
    if (n)
        memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

/* Take the next field of *data up to sep (or the end, when last or when no
 * sep is left), at most max bytes of it; advances past the separator. */
static inline char *fuzz_field(const uint8_t **data, size_t *size, char sep, size_t max, int last)
{
    const uint8_t *end = last || !*size ? NULL : memchr(*data, sep, *size);
    size_t n = end ? (size_t)(end - *data) : *size;
    char *s = fuzz_strndup(*data, n < max ? n : max);
    *data += n;
    *size -= n;
    if (end) {
        (*data)++;
        (*size)--;
    }
    return s;
}

#endif
