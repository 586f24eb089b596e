/* fuzz_rekor.c - libFuzzer harness: rekor_entry_parse() on one
 * tlogEntries item (JSON), then RFC 6962 inclusion over its proof and
 * rekor_checkpoint_parse() on its checkpoint.
 *
 * Properties: a parsed entry has a log id and a body; a proof has a 32-byte
 * root hash and at most REKOR_MAX_PROOF_HASHES hashes; every failure has a
 * "tlog: " message. */
#include "fuzz.h"
#include "rekor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *obj = json_loadb((const char *)data, size, 0, &je);
    struct rekor_entry e;
    struct rekor_checkpoint c;
    struct err err;
    if (!obj)
        return 0;
    if (rekor_entry_parse(obj, &e, &err) < 0) {
        if (strncmp(err.msg, "tlog: ", 6) != 0)
            abort();
    } else {
        if (!e.log_id.len || !e.body.len || !e.kind || !e.version)
            abort();
        if (e.has_proof && (e.root_hash.len != 32 || e.n_hashes > REKOR_MAX_PROOF_HASHES))
            abort();
        if (e.has_proof) {
            unsigned char leaf[32] = {0};
            (void)rekor_verify_inclusion(leaf, e.proof_index, e.tree_size,
                                         (const unsigned char(*)[32])e.hashes, e.n_hashes,
                                         e.root_hash.ptr);
        }
        if (e.checkpoint &&
            rekor_checkpoint_parse(e.checkpoint, strlen(e.checkpoint), &c, &err) < 0 &&
            strncmp(err.msg, "tlog: ", 6) != 0)
            abort();
    }
    rekor_entry_free(&e);
    json_decref(obj);
    return 0;
}
