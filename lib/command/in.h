/* in.h - in: resolve the version's release, download and verify the
 * selected assets into DEST, and write the release's metadata files.
 *
 * DEST receives, as github-release-resource writes them, tag and version
 * (when the release has a tag), commit_sha (when known; never for a draft),
 * body (when the release has notes), url and timestamp; and always
 * release.json (what out needs: each file's path relative to DEST, size,
 * sha256 and content type) and SHA256SUMS (sha256sum -c format, run from
 * DEST). Assets and source archives go beside them, or under assets/ with
 * source.asset_dir. An asset whose name collides with a metadata file or a
 * requested source archive fails the get before anything is written. The
 * version may hold only an id. */
#ifndef GRM_IN_H
#define GRM_IN_H

#include <jansson.h>

#include "err.h"
#include "resource.h"

/* Run in into dest; *response is {"version":..,"metadata":[..]}. */
int in_run(struct resource *r, const char *dest, json_t **response, struct err *err);

#endif
