/* test_grow.c - GROW (lib/base/grow.h): growth keeps the contents and doubles,
 * room already there is left alone, and a size that would overflow is
 * refused before realloc, leaving the array as it was. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"
#include "tap.h"

struct pair {
    int a, b;
};

static void test_growth_keeps_contents(void)
{
    struct pair *v = NULL;
    size_t n = 0, alloc = 0;
    int ok = 1;
    CHECK(GROW(v, 0, alloc) == 0 && v == NULL && alloc == 0); /* nothing needed */
    for (int i = 0; i < 1000; i++) {
        if (GROW(v, n + 1, alloc) < 0) {
            ok = 0;
            break;
        }
        v[n].a = i;
        v[n++].b = -i;
    }
    CHECK(ok && n == 1000 && alloc >= 1000 && alloc < 2000);
    for (size_t i = 0; ok && i < n; i++)
        ok = v[i].a == (int)i && v[i].b == -(int)i;
    CHECK(ok);
    free(v);
}

static void test_sizes(void)
{
    long *v = NULL;
    size_t alloc = 0;
    CHECK(GROW(v, 1, alloc) == 0 && v && alloc == GROW_MIN);
    long *before = v;
    CHECK(GROW(v, GROW_MIN, alloc) == 0 && v == before && alloc == GROW_MIN); /* room enough */
    CHECK(GROW(v, GROW_MIN + 1, alloc) == 0 && alloc == 2 * GROW_MIN);        /* doubles */
    CHECK(GROW(v, 5 * GROW_MIN, alloc) == 0 && alloc == 5 * GROW_MIN); /* or what is needed */
    for (int i = 0; i < 5 * GROW_MIN; i++)
        v[i] = i;

    /* more elements than size_t can count in bytes: refused, nothing changed */
    before = v;
    errno = 0;
    CHECK(GROW(v, SIZE_MAX / sizeof(long) + 1, alloc) == -1);
    CHECK(errno == ENOMEM && v == before && alloc == 5 * GROW_MIN);
    errno = 0;
    CHECK(GROW(v, SIZE_MAX, alloc) == -1 && errno == ENOMEM && v == before);
    CHECK(v[0] == 0 && v[5 * GROW_MIN - 1] == 5 * GROW_MIN - 1);
    free(v);
}

/* ptr and alloc are each evaluated once. */
static void test_single_evaluation(void)
{
    char *arrays[2] = {NULL, NULL};
    size_t allocs[2] = {0, 0};
    int i = 0, j = 0;
    CHECK(GROW(arrays[i++], 3, allocs[j++]) == 0);
    CHECK(i == 1 && j == 1 && arrays[0] && allocs[0] == GROW_MIN && !arrays[1]);
    free(arrays[0]);
}

int main(void)
{
    test_growth_keeps_contents();
    test_sizes();
    test_single_evaluation();
    return TEST_DONE();
}
