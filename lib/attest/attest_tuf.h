/* attest_tuf.h - the default trusted root of attestations: Sigstore's
 * trusted_root.json fetched through TUF (lib/tuf/tuf.c), from GitHub's repository
 * for release attestations (get, grm-verify release) or from Sigstore's
 * public-good repository (grm-verify verify-bundle). The callers choose the
 * repository, the cache directory and the test overrides (GRM_TUF_* of
 * struct settings, settings.h); this module reads no environment. */
#ifndef GRM_ATTEST_TUF_H
#define GRM_ATTEST_TUF_H

#include <stddef.h>

#include "err.h"

struct http_client;
struct http_options;

struct attest_tuf {
    const char *url;                    /* the TUF repository (metadata base URL) */
    const unsigned char *embedded_root; /* the initial root.json built in */
    size_t embedded_root_len;
    const char *root_file; /* a root.json file replacing embedded_root, or NULL (tests) */
    char cache_dir[1024];  /* where verified metadata is cached; "" for none */
    const struct http_options *http_opts; /* a client of its own: its options; NULL: defaults */
};

/* GitHub's repository (TUF_GITHUB_URL, or url when not NULL/empty) and its
 * embedded root (or root_file); cache_dir may be NULL. Never fails. */
void attest_tuf_github(struct attest_tuf *t, const char *url, const char *root_file,
                       const char *cache_dir);
/* The same for Sigstore's public-good repository (TUF_SIGSTORE_URL). */
void attest_tuf_sigstore(struct attest_tuf *t, const char *url, const char *root_file,
                         const char *cache_dir);

/* Fetch and verify trusted_root.json from t's repository (http: a client to
 * use, or NULL for one of its own). 0 with *json a malloced NUL-terminated
 * string owned by the caller, or -1 with "trust-root: ..." in err naming the
 * repository (or the root file) and *json NULL. */
int attest_tuf_trusted_root(const struct attest_tuf *t, struct http_client *http, char **json,
                            struct err *err);

#endif
