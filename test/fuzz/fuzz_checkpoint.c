/* fuzz_checkpoint.c - libFuzzer harness: rekor_checkpoint_parse() on a
 * signed note (a Rekor checkpoint).
 *
 * Properties: on success the signed text is a prefix of the input of at
 * least three lines ending in "\n", followed by a blank line; there is at
 * least one signature, each with a name and a non-empty signature; the tree
 * size is not negative; every failure has a "tlog: " message. */
#include "fuzz.h"
#include "rekor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rekor_checkpoint c;
    struct err err;
    if (rekor_checkpoint_parse((const char *)data, size, &c, &err) < 0) {
        if (strncmp(err.msg, "tlog: ", 6) != 0)
            abort();
        return 0;
    }
    if (c.text_len < 6 || c.text_len >= size || data[c.text_len - 1] != '\n' ||
        data[c.text_len] != '\n' || c.n_sigs == 0 || c.n_sigs > REKOR_MAX_NOTE_SIGS ||
        c.tree_size < 0 || !c.origin[0])
        abort();
    for (size_t i = 0; i < c.n_sigs; i++)
        if (!c.sigs[i].name[0] || !c.sigs[i].sig_len)
            abort();
    return 0;
}
