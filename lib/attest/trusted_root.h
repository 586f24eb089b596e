/* trusted_root.h - a Sigstore trusted_root.json (media type
 * application/vnd.dev.sigstore.trustedroot+json;version=0.1) as parsed data:
 * certificate authorities (Fulcio), timestamp authorities, transparency logs
 * and CT logs, each with its validFor window. Where the file comes from (TUF,
 * a source field, a mirror) is the caller's business. */
#ifndef GRM_TRUSTED_ROOT_H
#define GRM_TRUSTED_ROOT_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define TRUSTED_ROOT_MAX (4u * 1024 * 1024)
#define TRUSTED_ROOT_OPEN_END INT64_MAX

/* validFor: [start, end] in seconds since the epoch; end is
 * TRUSTED_ROOT_OPEN_END when absent. */
struct trusted_root_window {
    int64_t start, end;
};

/* A Fulcio CA or a TSA: its chain as in the file, certs[0] the leaf-most
 * (for a TSA the signing leaf), certs[n-1] the root. */
struct trusted_root_ca {
    char *uri;
    char *org, *cn;         /* subject.organization / commonName; "" when absent */
    STACK_OF(X509) * certs; /* owned */
    struct trusted_root_window valid;
};

/* A transparency or CT log: its public key (DER SubjectPublicKeyInfo) and id. */
struct trusted_root_log {
    char *base_url;
    unsigned char *key_der; /* owned */
    size_t key_len;
    char *key_details;
    unsigned char log_id[64];
    size_t log_id_len;
    struct trusted_root_window valid;
};

struct trusted_root {
    struct trusted_root_ca *cas, *tsas;
    size_t n_cas, n_tsas;
    struct trusted_root_log *tlogs, *ctlogs;
    size_t n_tlogs, n_ctlogs;
};

/* Parse the JSON text. 0, or -1 with "trust-root: ..." in err (and *tr empty).
 * Release with trusted_root_free(). */
int trusted_root_parse(const char *json, size_t len, struct trusted_root *tr, struct err *err);
void trusted_root_free(struct trusted_root *tr);

/* 1 when t lies inside the window. */
int trusted_root_window_covers(const struct trusted_root_window *w, int64_t t);

/* Parse an RFC 3339 UTC time (fraction allowed, "Z" or +00:00). 0 or -1. */
int trusted_root_parse_time(const char *s, int64_t *t);

#endif
