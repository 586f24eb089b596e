/* grow.c - typed growth of malloced arrays (see grow.h).
 *
 * The count doubles so that appending n elements costs O(n) copies; when
 * doubling would overflow the byte count, the array grows to exactly what is
 * needed, and when that overflows too the call fails before realloc sees a
 * wrapped size. */
#include "grow.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int grow_array(void *pptr, size_t size, size_t needed, size_t *alloc)
{
    void *items, *grown;
    if (needed <= *alloc)
        return 0;
    if (size == 0 || needed > SIZE_MAX / size) {
        errno = ENOMEM;
        return -1;
    }
    size_t n = *alloc <= SIZE_MAX / 2 ? 2 * *alloc : needed;
    if (n < GROW_MIN)
        n = GROW_MIN;
    if (n < needed || n > SIZE_MAX / size)
        n = needed;
    memcpy(&items, pptr, sizeof(items));
    grown = realloc(items, n * size);
    if (!grown) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(pptr, &grown, sizeof(grown));
    *alloc = n;
    return 0;
}
