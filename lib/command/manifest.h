/* manifest.h - the in -> out contract: the names of the files a get writes
 * and a put reads or writes, the Concourse version JSON, the key-template
 * placeholders with their expansion, and release.json's fields as out reads
 * them (struct release_manifest); in writes release.json and SHA256SUMS
 * with manifest_build and manifest_sums_line, out the bucket's copies and
 * latest.json.
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
struct release_manifest;
struct manifest_file;

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

/* ---- writing (in writes release.json and SHA256SUMS; out adds the keys
 * and writes latest.json) ---- */

/* An asset's verified build provenance, as release.json records it. */
struct manifest_provenance {
    const char *signer_workflow, *signer_repository, *signer_commit, *predicate_type;
};
/* One files[] entry as in writes it (every pointer borrowed). */
struct manifest_entry {
    const char *name, *path, *sha256, *content_type;
    int64_t size;
    int is_asset;                                 /* "kind": "asset" or "source" */
    const char *attested;                         /* NULL, "release", "provenance", or both */
    const char *signer;                           /* the release attestation's, or NULL */
    const struct manifest_provenance *provenance; /* NULL when not verified */
};
/* The release a get wrote (every pointer borrowed). */
struct manifest_release {
    const char *owner, *repository, *version, *commit_sha; /* commit_sha may be NULL */
    const struct github_release *rel;
};

/* release.json of a get: a new reference, or NULL on OOM. */
json_t *manifest_build(const struct manifest_release *r, const struct manifest_entry *files,
                       size_t n_files);
/* One SHA256SUMS line ("SHA256  NAME\n", sha256sum -c format) appended to
 * out. 0, or -1 on OOM. */
int manifest_sums_line(struct buf *out, const char *sha256, const char *name);
/* The bucket's release.json: a copy of the get's with each files[i].key
 * from keys[i], the bucket and the release prefix. New reference or NULL. */
json_t *manifest_for_bucket(const json_t *manifest, const char *const *keys, size_t n_keys,
                            const char *bucket, const char *release_prefix);
/* latest.json naming m: its files (stolen; entries of manifest_latest_file),
 * the release prefix and mirrored_at, now. New reference or NULL. */
json_t *manifest_latest(const struct release_manifest *m, const char *release_prefix,
                        json_t *files);
/* One latest.json files[] entry: f's name, size and sha256 and its key. */
json_t *manifest_latest_file(const struct manifest_file *f, const char *key);

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
