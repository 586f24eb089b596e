/* fuzz_bundle.c - libFuzzer harness: sigstore_bundle_load() (one bundle,
 * JSON lines, or a raw snappy block of either), then the whole signature
 * half of attest_verify_bundle() and the release policy against a small
 * trusted root parsed from the second part of the input. The input is split
 * at the first NUL byte: bundle text, then trusted root JSON (optional).
 *
 * Properties: a loaded list has 1..SIGSTORE_BUNDLE_MAX_CANDIDATES bundles,
 * each with a signature and a payload type and payload (DSSE) or a 32-byte
 * digest (message signature); every failure has a
 * "STEP: " message. */
#include "attest.h"
#include "fuzz.h"

static void check_msg(const struct err *err)
{
    if (!strchr(err->msg, ':'))
        abort();
}

static void verify_all(const struct sigstore_bundle_list *l, const char *root, size_t n)
{
    struct trusted_root tr;
    struct err err;
    if (trusted_root_parse(root, n, &tr, &err) < 0) {
        check_msg(&err);
        return;
    }
    struct attest_identity id = {"https://dotcom.releases.github.com", NULL, ATTEST_GITHUB_ORG,
                                 NULL};
    for (size_t i = 0; i < l->n; i++) {
        struct attest_result res;
        if (attest_verify_bundle(&l->items[i], &tr, &id, &res, &err) < 0)
            check_msg(&err);
        else
            attest_result_free(&res);
    }
    struct attest_release_policy p = {"o", "r", "v1", NULL, NULL, NULL, 0, 1};
    struct attest_result res;
    if (attest_verify_release(l, &tr, &p, &res, &err) == 0)
        attest_result_free(&res);
    trusted_root_free(&tr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t blen = nul ? (size_t)(nul - data) : size;
    struct sigstore_bundle_list l;
    struct err err;
    if (sigstore_bundle_load(data, blen, &l, &err) < 0) {
        if (strncmp(err.msg, "bundle: ", 8) != 0)
            abort();
        return 0;
    }
    if (l.n == 0 || l.n > SIGSTORE_BUNDLE_MAX_CANDIDATES)
        abort();
    for (size_t i = 0; i < l.n; i++)
        if (!l.items[i].sig.len ||
            (l.items[i].message ? l.items[i].msg_digest.len != 32
                                : !l.items[i].payload_type || !l.items[i].payload.len))
            abort();
    if (nul) {
        char *root = fuzz_strndup(nul + 1, size - blen - 1);
        verify_all(&l, root, size - blen - 1);
        free(root);
    }
    sigstore_bundle_list_free(&l);
    return 0;
}
