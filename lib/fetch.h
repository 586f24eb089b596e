/* fetch.h - in: resolve the version's release, download and verify the
 * selected assets into DEST, and write the release's metadata files.
 *
 * DEST receives tag, version, commit_sha, body, url, timestamp, release.json
 * (what out needs: each file's path relative to DEST, size, sha256 and
 * content type) and SHA256SUMS (sha256sum -c format, run from DEST). Assets
 * go beside them, or under assets/ with source.asset_dir. An asset whose name
 * collides with a metadata file fails the get before anything is written. */
#ifndef GRM_FETCH_H
#define GRM_FETCH_H

#include <jansson.h>

#include "err.h"
#include "resource.h"

#define FETCH_MANIFEST "release.json"
#define FETCH_SUMS "SHA256SUMS"
#define FETCH_ASSET_DIR "assets"

/* Run in into dest; *response is {"version":..,"metadata":[..]}. */
int fetch_run(struct resource *r, const char *dest, json_t **response, struct err *err);

#endif
