/* out_evidence.c - the out command's supply-chain evidence: the files of
 * the get's attestations/ (the release attestation's bundle and trusted
 * root, each asset's build provenance) go under the release's prefix, next
 * to release.json, after a check before any upload that no asset takes
 * their keys (see out_internal.h). */
#include "out_internal.h"
#include "grow.h"
#include "sha256.h"
#include "sigstore_bundle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const out_attest_files[] = {"release.sigstore.json", "trusted_root.json"};

static int out_attest_key(const struct out_ctx *mr, const char *name, struct buf *key)
{
    buf_reset(key);
    return buf_addf(key, "%s%s/%s", buf_str(&mr->release_prefix), MANIFEST_ATTEST_DIR, name);
}

static int out_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void out_free_names(char **names)
{
    for (size_t i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
}

/* The evidence files in from/attestations/: the release attestation's two
 * and the build provenance's (ASSET.sigstore.json, trusted_root.*.json);
 * plain *.json files only, sorted. NULL-terminated, malloced; NULL when out
 * of memory (*n 0 and an empty list when the folder is absent). */
static char **out_attest_names(const struct out_ctx *mr, size_t *n)
{
    char **names = NULL;
    size_t alloc = 0;
    *n = 0;
    if (GROW(names, 1, alloc) < 0)
        return NULL;
    names[0] = NULL;
    int fd = openat(mr->from_fd, MANIFEST_ATTEST_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d && fd >= 0)
        close(fd);
    for (struct dirent *e; names && d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        struct stat st;
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 || e->d_name[0] == '.' ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (GROW(names, *n + 2, alloc) < 0 || !(names[*n] = strdup(e->d_name))) {
            out_free_names(names); /* still NULL-terminated at *n */
            names = NULL;
            break;
        }
        names[++*n] = NULL;
    }
    if (d)
        closedir(d);
    if (names)
        qsort(names, *n, sizeof(*names), out_cmp_names);
    return names;
}

int out_check_attest_keys(struct out_ctx *mr, struct err *err)
{
    struct buf key = BUF_INIT(0);
    size_t n_names;
    char **names = out_attest_names(mr, &n_names);
    int rc = names ? 0 : err_set(err, "out of memory");
    for (size_t k = 0; rc == 0 && k < 2 + n_names; k++) {
        if (out_attest_key(mr, k < 2 ? out_attest_files[k] : names[k - 2], &key) < 0)
            rc = err_set(err, "out of memory");
        for (size_t i = 0; rc == 0 && i < mr->n_files; i++)
            if (!strcmp(mr->files[i].key, key.ptr))
                rc = err_set(err,
                             "asset \"%s\" would be stored at \"%s\", the key of the release's "
                             "attestation; set source.mirror.key_template to e.g. "
                             "\"{owner}/{repository}/{tag}/assets/{asset}\"",
                             mr->files[i].mf.name, key.ptr);
    }
    buf_free(&key);
    out_free_names(names);
    return rc;
}

/* Upload from/attestations/NAME when the get verified an attestation. */
static int out_put_attest_file(struct out_ctx *mr, const char *name, struct err *err)
{
    char rel[400];
    struct buf data = BUF_INIT(SIGSTORE_BUNDLE_MAX), key = BUF_INIT(0);
    snprintf(rel, sizeof(rel), "%s/%s", MANIFEST_ATTEST_DIR, name);
    int fd = openat(mr->from_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : err_set(err, "cannot open \"%s\": %s", rel, strerror(errno));
    int rc = buf_read_fd(&data, fd) < 0 ? err_set(err, "cannot read \"%s\"", rel) : 0;
    close(fd);
    char hex[65];
    sha256_hex(buf_str(&data), data.len, hex);
    struct s3_put_opts o = {.content_type = "application/json", .sha256_hex = hex};
    if (rc == 0 && out_attest_key(mr, name, &key) < 0)
        rc = err_set(err, "out of memory");
    if (rc == 0)
        rc = s3_put_buffer(&mr->s3, key.ptr, buf_str(&data), data.len, &o, err);
    buf_free(&data);
    buf_free(&key);
    return rc;
}

/* Every file of from/attestations/ (out_attest_names). */
int out_put_attestations(struct out_ctx *mr, struct err *err)
{
    size_t n;
    char **names = out_attest_names(mr, &n);
    int rc = names ? 0 : err_set(err, "out of memory");
    for (size_t k = 0; rc == 0 && k < n; k++)
        rc = out_put_attest_file(mr, names[k], err);
    out_free_names(names);
    return rc;
}
