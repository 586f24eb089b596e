/* fuzz_cache.c - libFuzzer harness: the release cache's text form.
 *
 * The input is a cache file given to listing_cache_decode(); whatever it
 * accepts must be whole releases (an id of 0 or more, a non-empty tag) and
 * it must free everything either way. */
#include "fuzz.h"
#include "listing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    struct listing l;
    time_t full_at = 0;
    if (listing_cache_decode(text, &l, &full_at) == 0) {
        for (size_t i = 0; i < l.n; i++)
            if (l.rels[i].id < 0 || !l.rels[i].tag || !l.rels[i].tag[0])
                abort();
        listing_free(&l);
    } else if (l.n != 0 || l.rels) {
        abort();
    }
    free(text);
    return 0;
}
