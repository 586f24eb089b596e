/* out_internal.h - what the out command's files share (out.c: steps 1-5 and
 * the command; out_evidence.c: the get's attestations/; out_retention.c:
 * keep_versions). Included by those three files only. */
#ifndef GRM_OUT_INTERNAL_H
#define GRM_OUT_INTERNAL_H

#include <stdint.h>
#include <sys/stat.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "manifest.h"
#include "resource.h"
#include "s3.h"

struct out_file {
    struct manifest_file mf; /* borrowed from the manifest */
    char *key;
    int skipped;
    struct stat st;       /* the file as verified: uploads check it is still that one */
    char (*part_hex)[65]; /* multipart: each part's sha256, from the verification */
};

struct out_ctx {
    struct resource *r;
    const struct request_mirror *cfg;
    struct http_client http;
    struct s3_client s3;
    int http_ready, s3_ready;
    int from_fd;
    json_t *manifest;          /* from/release.json */
    struct release_manifest m; /* its fields, borrowed from manifest */
    struct out_file *files;
    size_t n_files;
    struct buf repo_prefix, release_prefix;
    int uploaded, skipped;
    int64_t bytes;
};

/* Order this release against one named by a manifest or latest.json, by the
 * resource's ordering: <0, 0 or >0. */
int out_cmp_release(const struct out_ctx *mr, const char *tag, const char *id,
                    const char *timestamp, const char *other_tag, const char *other_id,
                    const char *other_timestamp);

/* No asset may take the key of the evidence (checked before any upload). */
int out_check_attest_keys(struct out_ctx *mr, struct err *err);
/* Upload every file of from/attestations/ (the get's verified evidence). */
int out_put_attestations(struct out_ctx *mr, struct err *err);

/* keep_versions: delete the mirrored releases beyond the newest N, but no
 * key a kept release, this one or latest.json still names. */
int out_retention(struct out_ctx *mr, struct err *err);

#endif
