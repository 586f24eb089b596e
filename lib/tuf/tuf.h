/* tuf.h - a TUF client (The Update Framework, specification 1.0 "Detailed
 * client workflow") for fetching one target at a time, such as Sigstore's
 * trusted_root.json from https://tuf-repo.github.com.
 *
 * tuf_fetch_target() updates the root through the N+1.root.json chain (each
 * signed by a threshold of the old and of the new root's keys), then the
 * timestamp, snapshot and top-level targets metadata, checking signature
 * thresholds, expiry, version rollback against the cache, and the lengths
 * and hashes each role records for the next. The target is then downloaded
 * (HASH.NAME under consistent snapshots) and checked against the targets
 * metadata. Delegated targets roles are not searched.
 *
 * Cache: cfg->cache_dir/<repository>/ holds the trusted root.json,
 * timestamp.json, snapshot.json and targets.json and targets/<name>
 * (directories 0700, files 0600, each written atomically). When the
 * repository cannot be reached (connection failure or HTTP 5xx), the cached
 * target is returned if the cached metadata verifies and none of it has
 * expired; otherwise the error names the repository and why. No credentials
 * are ever sent. */
#ifndef GRM_TUF_H
#define GRM_TUF_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"

struct http_client;
struct http_options;

struct tuf_config {
    const char *repo_url;              /* metadata base URL, e.g. https://tuf-repo.github.com */
    const char *targets_url;           /* NULL: repo_url + "/targets" */
    const char *cache_dir;             /* NULL: no cache (no rollback protection across runs) */
    const unsigned char *initial_root; /* the root.json shipped out of band */
    size_t initial_root_len;
    const char *ca_cert;                  /* PEM text of an extra CA for TLS, or NULL */
    int insecure;                         /* skip TLS verification (tests) */
    struct http_client *http;             /* NULL: a client of its own (ca_cert, insecure apply) */
    const struct http_options *http_opts; /* that client's other options; NULL: defaults */
    time_t now;                           /* 0: the current time (tests fix the clock) */
};

/* Fetch and verify target `name` (e.g. "trusted_root.json"). On success
 * returns 0 and *out (reset first; its cap limits the target's size, 0 means
 * 64 MiB) holds the target's bytes, owned by the caller. On failure returns
 * -1 with one line in err naming the metadata file or URL and the check that
 * failed; out is then empty. */
int tuf_fetch_target(const struct tuf_config *cfg, const char *name, struct buf *out,
                     struct err *err);

/* The initial root.json of GitHub's TUF repository (https://tuf-repo.github.com),
 * as embedded in cli/cli (MIT), and of Sigstore's public-good repository
 * (https://tuf-repo-cdn.sigstore.dev), as embedded in sigstore-go (Apache-2.0).
 * NUL-terminated; the length excludes the NUL. See lib/tuf/roots/README.md. */
extern const unsigned char tuf_github_initial_root[];
extern const size_t tuf_github_initial_root_len;
extern const unsigned char tuf_sigstore_initial_root[];
extern const size_t tuf_sigstore_initial_root_len;

#define TUF_GITHUB_URL "https://tuf-repo.github.com"
#define TUF_SIGSTORE_URL "https://tuf-repo-cdn.sigstore.dev"

#endif
