/* out.h - out: mirror a fetched release (the directory a get wrote) to an
 * S3-compatible bucket.
 *
 * Steps, in this order, so that a failure at any point leaves latest.json
 * untouched and the next run uploads only what is missing:
 *  1. read from/release.json and check that every file is there with its
 *     size (no request before that);
 *  2. map each file to its key (prefix + key_template) and refuse keys that
 *     collide with each other or with a key this resource writes (the
 *     release's release.json and SHA256SUMS, the repository's latest.json);
 *  3. HEAD every file and skip those whose size and x-amz-meta-sha256 match
 *     (unless force); verify the SHA-256 of every other file (and of each of
 *     its parts, which sign the UploadParts), all before the first upload;
 *     then upload them (multipart from part_size on), each checked to be the
 *     file verified (inode, size, mtime, ctime) at upload and before
 *     Complete;
 *  4. write {prefix}{owner}/{repository}/{tag}/release.json and SHA256SUMS;
 *  5. update {prefix}{owner}/{repository}/latest.json only when this release
 *     is newer, by the resource's ordering, than the one it names, by
 *     conditional PUT (If-Match / If-None-Match), read again and retried on
 *     a conflict;
 *  6. with keep_versions N, delete the mirrored releases beyond the newest N,
 *     but no key a kept release, this one or latest.json still names. */
#ifndef GRM_OUT_H
#define GRM_OUT_H

#include <jansson.h>

#include "err.h"
#include "resource.h"

/* Run out with the sources directory (argv[1]); *response is
 * {"version":..,"metadata":[..]}. */
int out_run(struct resource *r, const char *sources_dir, json_t **response, struct err *err);

#endif
