/* tap.h - a minimal assertion harness for the unit tests.
 *
 * CHECK(cond) and CHECK_STR(a, b) record failures with file:line and keep
 * going; TEST_DONE() prints "N passed, N failed" and returns the exit code. */
#ifndef GRM_TAP_H
#define GRM_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_passed, tap_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            tap_passed++;                                                                          \
        } else {                                                                                   \
            tap_failed++;                                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *tap_a = (a), *tap_b = (b);                                                     \
        if (tap_a && tap_b && strcmp(tap_a, tap_b) == 0) {                                         \
            tap_passed++;                                                                          \
        } else {                                                                                   \
            tap_failed++;                                                                          \
            fprintf(stderr, "%s:%d: %s == %s\n  got:      %s\n  expected: %s\n", __FILE__,         \
                    __LINE__, #a, #b, tap_a ? tap_a : "(null)", tap_b ? tap_b : "(null)");         \
        }                                                                                          \
    } while (0)

#define TEST_DONE() (printf("%d passed, %d failed\n", tap_passed, tap_failed), tap_failed ? 1 : 0)

#endif
