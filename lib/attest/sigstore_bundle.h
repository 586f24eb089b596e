/* sigstore_bundle.h - Sigstore bundles (v0.1, v0.2, v0.3) as parsed data.
 *
 * A bundle is JSON; sigstore_bundle_load() also takes the JSON-lines output
 * of `gh attestation download` (each line a candidate) and the raw snappy
 * block that a `bundle_url` serves (anything not starting with '{'). Parsing
 * checks shape only: nothing here is verified (see attest.h). */
#ifndef GRM_SIGSTORE_BUNDLE_H
#define GRM_SIGSTORE_BUNDLE_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Caps: a bundle (compressed or not) and the number of candidates in one input. */
#define SIGSTORE_BUNDLE_MAX (4u * 1024 * 1024)
#define SIGSTORE_BUNDLE_MAX_CANDIDATES 64
#define SIGSTORE_BUNDLE_MAX_TIMESTAMPS 16

struct sigstore_bytes {
    unsigned char *ptr; /* owned */
    size_t len;
};

struct sigstore_bundle {
    int version;                    /* 1, 2 or 3: the media type's v0.N */
    struct sigstore_bytes cert;     /* the leaf (DER); len 0 with a public key hint */
    char *key_hint;                 /* publicKey.hint, or NULL */
    struct sigstore_bytes *tstamps; /* RFC 3161 TimeStampResponses (DER) */
    size_t n_tstamps;
    /* the DSSE envelope (payload_type NULL for a message signature) */
    char *payload_type;
    struct sigstore_bytes payload;
    struct sigstore_bytes sig; /* the first signature */
    size_t n_sigs;
    /* or a message signature (message 1: no envelope; sig is its signature) */
    int message;
    struct sigstore_bytes msg_digest; /* messageDigest.digest, SHA2_256 */
    json_t *json; /* the whole bundle (tlogEntries etc. for later steps); owned */
};

struct sigstore_bundle_list {
    struct sigstore_bundle *items;
    size_t n, alloc; /* alloc: room in items (lib/base/grow.h) */
};

/* Parse one bundle object. 0, or -1 with "bundle: ..." in err; on failure *b
 * holds nothing to free. The bundle owns everything; sigstore_bundle_free(). */
int sigstore_bundle_parse(json_t *obj, struct sigstore_bundle *b, struct err *err);
void sigstore_bundle_free(struct sigstore_bundle *b);

/* Parse an input that is one bundle, JSON lines of bundles, or a raw snappy
 * block of either. 0 with at least one candidate in *out (caller frees with
 * sigstore_bundle_list_free), or -1 with "bundle: ..." in err. */
int sigstore_bundle_load(const void *data, size_t len, struct sigstore_bundle_list *out,
                         struct err *err);
void sigstore_bundle_list_free(struct sigstore_bundle_list *l);

/* Uncompress a raw snappy block into out (reset first), refusing the framed
 * format and anything that would exceed max bytes: checked from the block's
 * length header before any memory is allocated. 0 or -1 with err. */
int sigstore_snappy_decode(const void *data, size_t len, size_t max, struct buf *out,
                           struct err *err);

/* Decode standard or URL-safe base64 (padding optional) into a malloced
 * buffer. 0, or -1 with err naming `what`. */
int sigstore_b64_decode(const char *s, struct sigstore_bytes *out, const char *what,
                        struct err *err);

#endif
