/* fuzz_snappy.c - libFuzzer harness: sigstore_snappy_decode(), the path a
 * bundle_url body takes. The first byte picks the cap (0..255 times 64
 * bytes); the rest is the block.
 *
 * Properties: a decoded body never exceeds the cap, is NUL-terminated, and
 * its length is what snappy's header announced; a failure leaves no buffer
 * and a message. */
#include <snappy-c.h>

#include "fuzz.h"
#include "sigstore_bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t cap = (size_t)data[0] * 64;
    struct buf out = BUF_INIT(0);
    struct err err;
    if (sigstore_snappy_decode(data + 1, size - 1, cap, &out, &err) == 0) {
        size_t announced = 0;
        if (out.len > cap || out.ptr[out.len] != '\0' ||
            snappy_uncompressed_length((const char *)data + 1, size - 1, &announced) != SNAPPY_OK ||
            announced != out.len)
            abort();
    } else if (out.ptr || !err.msg[0]) {
        abort();
    }
    buf_free(&out);
    return 0;
}
