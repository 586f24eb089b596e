/* tuf_meta.h - parsing and checking one TUF metadata file: structure, the
 * threshold of signatures over its canonical "signed" part, expiry, and the
 * length and hashes recorded for a file (used by lib/tuf/tuf.c, and fuzzed).
 *
 * Supported keys: keytype "ecdsa" or "ecdsa-sha2-nistp256" with scheme
 * "ecdsa-sha2-nistp256" and a PEM public key (P-256 only), and keytype and
 * scheme "ed25519" with a 64-digit hex public key. Signatures with other
 * keys are ignored (they count for nothing). */
#ifndef GRM_TUF_META_H
#define GRM_TUF_META_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

struct tuf_meta {
    json_t *doc;      /* owned: the whole document, NULL when empty */
    json_t *signed_;  /* borrowed from doc: its "signed" object */
    const char *type; /* "root", "timestamp", "snapshot" or "targets" */
    long long version;
    time_t expires;
};

/* What a timestamp, snapshot or targets file records about another file. */
struct tuf_fileinfo {
    long long version; /* 0 when not given (target files) */
    long long length;  /* -1 when not given */
    json_t *hashes;    /* borrowed; NULL when not given */
};

/* Parse data[0..n) as metadata of the given type ("root", ...) and check its
 * structure (for a root: keys and the four roles; for the others the fields
 * lib/tuf/tuf.c reads). `what` names the file in messages. Returns 0 with m
 * filled (free with tuf_meta_free), or -1 with err set and m empty. */
int tuf_meta_parse(const void *data, size_t n, const char *type, const char *what,
                   struct tuf_meta *m, struct err *err);
void tuf_meta_free(struct tuf_meta *m);
/* Move src into dst (dst freed first); src is left empty. */
void tuf_meta_move(struct tuf_meta *dst, struct tuf_meta *src);

/* Check that a threshold of the keys that `root` assigns to `role` signed
 * m; each key counts once. Returns 0, or -1 with err set ("WHAT: only N of
 * the T signatures ..."). */
int tuf_meta_verify(const struct tuf_meta *root, const char *role, const struct tuf_meta *m,
                    const char *what, struct err *err);

/* 0 when m expires after now, else -1 with err set. */
int tuf_meta_check_expiry(const struct tuf_meta *m, time_t now, const char *what, struct err *err);

/* Look name up in m's "meta" (timestamp, snapshot) or "targets" (targets)
 * object and check its fields. 0, 1 when absent (err set too), -1 when
 * malformed (err set). */
int tuf_meta_fileinfo(const struct tuf_meta *m, const char *name, struct tuf_fileinfo *fi,
                      struct err *err);

/* Check data against fi's length and every sha256 / sha512 hash it gives
 * (at least one of those when require_hash). 0, or -1 with err naming what. */
int tuf_fileinfo_check(const struct tuf_fileinfo *fi, const void *data, size_t n, int require_hash,
                       const char *what, struct err *err);

/* The hex digest recorded for fi that names the file in a consistent
 * snapshot: sha256 if given, else the first sha512. NULL when none. Borrowed. */
const char *tuf_fileinfo_hash(const struct tuf_fileinfo *fi);

/* Parse a TUF time "YYYY-MM-DDTHH:MM:SSZ". 0 or -1. */
int tuf_parse_time(const char *s, time_t *out);

#endif
