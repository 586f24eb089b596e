/* grow.h - typed growth of malloced arrays, in the manner of git's ALLOC_GROW.
 *
 * An array is a typed pointer (NULL or from malloc/realloc) and a size_t
 * count of the elements it has room for, kept next to it:
 *
 *     if (GROW(l->items, l->n + 1, l->alloc) < 0)
 *         return oom();
 *     l->items[l->n++] = item;
 *
 * Whoever frees or takes the array resets its count to 0 with the pointer. */
#ifndef GRM_GROW_H
#define GRM_GROW_H

#include <stddef.h>

/* The room given to an array's first allocation, in elements. */
#define GROW_MIN 8

/* Make room for at least needed elements of *ptr. Nothing happens when alloc
 * already covers needed; otherwise ptr is reallocated to the larger of
 * needed, twice alloc and GROW_MIN elements, the byte count checked for
 * overflow. Returns 0, or -1 with errno ENOMEM when the size overflows or
 * memory runs out: ptr and alloc are then unchanged and the old array is
 * still valid (and still the caller's to free). ptr and alloc are lvalues,
 * each evaluated once. */
#define GROW(ptr, needed, alloc) grow_array((void *)&(ptr), sizeof(*(ptr)), (needed), &(alloc))

/* GROW's worker: *pptr is the array pointer (any object pointer type, all of
 * which share void *'s representation on the platforms we build for), size
 * one element's bytes. Call it through GROW. */
int grow_array(void *pptr, size_t size, size_t needed, size_t *alloc);

#endif
