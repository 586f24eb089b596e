/* assets.h - release assets: glob selection, safe names, and concurrent,
 * resumable, verified downloads.
 *
 * Each download streams into a temporary file created with O_EXCL |
 * O_NOFOLLOW in a private temporary directory (the caller's mkdtemp, which
 * no asset name can reach), hashing with SHA-256 as bytes arrive; a broken
 * transfer resumes with Range and If-Range (the first answer's strong ETag,
 * else its Last-Modified) after the http layer's back-off, and starts over
 * when the server answers 200 (or when there is neither a validator nor a
 * digest to catch a splice); the size and GitHub's digest are checked; only
 * then is the file renamed to its final name. The file is opened and its
 * hashing thread started when its transfer starts, and both are released
 * when it ends, so `concurrency` bounds open files and threads. On failure
 * no temporary file is left behind. */
#ifndef GRM_ASSETS_H
#define GRM_ASSETS_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "http.h"
#include "sha256.h"

/* Whether name is selected by globs (fnmatch). With no globs every name is.
 * A name is selected when it matches some pattern not starting with '!' (or
 * there are only '!' patterns) and matches no '!' pattern. */
int assets_selected(char *const *globs, size_t n, const char *name);

/* A name that is safe as a single file name: non-empty, no '/', not "." or
 * "..", no "..", no control characters or NUL, no leading '-', at most 255
 * bytes. Returns 0 or -1 with err quoting the name. */
int assets_name_check(const char *name, struct err *err);

struct assets_download {
    /* set by the caller (borrowed) */
    int dir_fd;       /* directory the file goes into */
    int tmp_dir_fd;   /* private directory of the temporary files (same file system) */
    const char *name; /* final file name in dir_fd */
    const char *url;
    struct curl_slist *headers; /* request headers (Authorization dropped cross-host) */
    int64_t size;               /* expected size, or -1 when unknown */
    const char *digest;         /* expected sha256 hex, or NULL */
    /* results */
    char sha256[65];
    int64_t bytes;
    int complete; /* verified (renamed to its final name once all are) */
    /* internal */
    int fd;
    char tmp_name[64];
    char validator[160]; /* If-Range value from the first answer, or "" */
    struct sha256 hash;
    struct curl_slist *sent;
    int first_chunk;
};

/* Download all, at most `concurrency` at once, each into tmp_dir_fd; only
 * when every file is complete and verified do they take their final names.
 * Returns 0, or -1 with err naming the first failed file (and no file of
 * the batch under its final name). */
int assets_download_all(struct http_client *http, struct assets_download *ds, size_t n,
                        int concurrency, struct err *err);

#endif
