/* manifest.h - the in -> out contract: the names of the files a get writes
 * and a put reads or writes, the Concourse version JSON, the key-template
 * placeholders with their expansion, and release.json's fields as out reads
 * them (struct release_manifest).
 *
 * A get directory (and a mirrored release prefix) holds release.json
 * (owner, repository, tag, ..., and files[]: each file's path, size, sha256
 * and content type), SHA256SUMS (sha256sum -c format) and, when fetched,
 * attestations/. The repository prefix holds latest.json. */
#ifndef GRM_MANIFEST_H
#define GRM_MANIFEST_H

#include <jansson.h>

#include <stdint.h>

#include "buf.h"
#include "err.h"

struct github_release;

#define MANIFEST_NAME "release.json"
#define MANIFEST_SUMS "SHA256SUMS"
#define MANIFEST_LATEST "latest.json"
/* where the assets go with source.asset_dir */
#define MANIFEST_ASSET_DIR "assets"
/* the release attestation, its trusted root and the provenance records */
#define MANIFEST_ATTEST_DIR "attestations"

#define MANIFEST_KEY_TEMPLATE_DEFAULT "{owner}/{repository}/{tag}/{asset}"

/* The names a get writes besides the assets (NULL-terminated): an asset
 * of one of these names cannot go beside them. */
extern const char *const manifest_reserved_names[];

/* The key-template placeholders, in the order of the values that
 * manifest_asset_key takes. */
enum manifest_placeholder {
    MANIFEST_PH_OWNER,
    MANIFEST_PH_REPOSITORY,
    MANIFEST_PH_TAG,
    MANIFEST_PH_VERSION,
    MANIFEST_PH_ASSET,
    MANIFEST_PH_COUNT
};
/* "{owner}", "{repository}", ... indexed by enum manifest_placeholder. */
extern const char *const manifest_placeholders[MANIFEST_PH_COUNT];
/* The placeholder that p starts with (its index), or -1. */
int manifest_placeholder_at(const char *p);

/* prefix (NULL: none) then key_template, each placeholder replaced, appended
 * to out. 0, or -1 on OOM. */
int manifest_asset_key(const char *prefix, const char *key_template, const char *owner,
                       const char *repository, const char *tag, const char *version,
                       const char *asset, struct buf *out);
/* "{prefix}{owner}/{repository}/" and "{prefix}{owner}/{repository}/{tag}/"
 * appended to out. 0, or -1 on OOM. */
int manifest_repo_prefix(const char *prefix, const char *owner, const char *repository,
                         struct buf *out);
int manifest_release_prefix(const char *prefix, const char *owner, const char *repository,
                            const char *tag, struct buf *out);

/* The Concourse version of a release: {"tag":..,"id":..,"timestamp":..},
 * all strings (a new reference); without "tag" when the release has none. */
json_t *manifest_version_json(const struct github_release *rel);

/* release.json as out reads it. Every pointer is borrowed from doc, which
 * the caller keeps (and frees) for as long as the manifest is used. */
struct release_manifest {
    const json_t *doc;
    const char *owner, *repository, *tag, *id, *timestamp, *version;
    const json_t *files; /* files[], whatever its type: see manifest_file_read */
};
/* One entry of files[]. */
struct manifest_file {
    const char *name, *path, *sha256, *content_type;
    int64_t size;
};

/* Fill *m from doc's top-level fields (each a string, checked in that
 * order). 0, or -1 with err naming release.json and the field. */
int manifest_parse(const json_t *doc, struct release_manifest *m, struct err *err);
/* Read and check one files[] entry: name, path, sha256, content_type and
 * size present, path relative without "..", sha256 64 characters long.
 * 0, or -1 with err. */
int manifest_file_read(const json_t *entry, struct manifest_file *f, struct err *err);

#endif
