/* fuzz_link.c - libFuzzer harness: GitHub Link header parsing.
 *
 * The input is a Link header value given to github_link_next(); a URL it
 * returns must be one that sat between '<' and '>' in the input. */
#include "fuzz.h"
#include "github.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *link = fuzz_strndup(data, size);
    char *next = github_link_next(link);
    if (next) {
        size_t n = strlen(next);
        char *quoted = malloc(n + 3);
        if (!quoted)
            abort();
        quoted[0] = '<';
        memcpy(quoted + 1, next, n);
        memcpy(quoted + 1 + n, ">", 2);
        if (strchr(next, '>') || !strstr(link, quoted))
            abort();
        free(quoted);
        free(next);
    }
    free(link);
    return 0;
}
