/* out.c - the out command's work: check a fetched release, upload (verified) what
 * the bucket lacks, write its manifest, then latest.json and retention
 * (see out.h). */
#include "out.h"
#include "log.h"
#include "manifest.h"
#include "s3.h"
#include "sha256.h"
#include "sigstore_bundle.h"
#include "signals.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define OUT_MANIFEST_MAX (16 * 1024 * 1024)
#define OUT_LATEST_TRIES 5
#define OUT_CHUNK (1024 * 1024)

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

/* ---- step 1: read and verify what the get wrote ---- */

static int out_open_from(struct out_ctx *mr, const char *sources_dir, struct err *err)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", sources_dir, mr->r->req.put.from);
    mr->from_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (mr->from_fd < 0)
        return err_set(err, "params.from: cannot open directory \"%s\": %s", mr->r->req.put.from,
                       strerror(errno));
    /* O_NONBLOCK: a FIFO planted there must not block the open */
    int fd = openat(mr->from_fd, MANIFEST_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return err_set(err, "params.from: \"%s\" holds no %s (%s): is it a get of this resource?",
                       mr->r->req.put.from, MANIFEST_NAME, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(err, "%s/%s is not a regular file", mr->r->req.put.from, MANIFEST_NAME);
    }
    struct buf text = BUF_INIT(OUT_MANIFEST_MAX);
    int rc = buf_read_fd(&text, fd);
    int read_errno = errno;
    close(fd);
    if (rc < 0 && read_errno == EFBIG)
        return err_set(err, "%s/%s is larger than %d bytes", mr->r->req.put.from, MANIFEST_NAME,
                       OUT_MANIFEST_MAX);
    if (rc < 0)
        return err_set(err, "cannot read %s/%s: %s", mr->r->req.put.from, MANIFEST_NAME,
                       strerror(read_errno));
    json_error_t je;
    mr->manifest = json_loadb(buf_str(&text), text.len, 0, &je);
    buf_free(&text);
    if (!mr->manifest)
        return err_set(err, "%s/%s: invalid JSON: %s", mr->r->req.put.from, MANIFEST_NAME, je.text);
    return 0;
}

static int out_read_manifest(struct out_ctx *mr, struct err *err)
{
    struct release_manifest *m = &mr->m;
    const char *where = MANIFEST_NAME;
    const struct request_source *src = &mr->r->req.source;
    if (manifest_parse(mr->manifest, m, err) < 0)
        return -1;
    if (!*m->tag) /* in of a draft without a tag, by id */
        return err_set(err,
                       "%s: release %s has no tag (a draft without one): nothing to mirror it "
                       "under",
                       where, m->id);
    if (strcasecmp(m->owner, src->owner) != 0 || strcasecmp(m->repository, src->repository))
        return err_set(err, "params.from holds a release of %s/%s, not of %s/%s", m->owner,
                       m->repository, src->owner, src->repository);
    if (!json_is_array(m->files))
        return err_set(err, "%s: field \"files\" is not an array", where);
    mr->files = calloc(json_array_size(m->files) + 1, sizeof(*mr->files));
    if (!mr->files)
        return err_set(err, "out of memory");
    for (size_t i = 0; i < json_array_size(m->files); i++, mr->n_files++)
        if (manifest_file_read(json_array_get(m->files, i), &mr->files[i].mf, err) < 0)
            return -1;
    return 0;
}

/* The cheap check of every listed file, before any request: it is there, a
 * regular file (not a symlink), of the size the manifest gives. */
static int out_check_file(struct out_ctx *mr, const struct out_file *of, struct err *err)
{
    struct stat st;
    int fd = openat(mr->from_fd, of->mf.path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, "\"%s\" listed in %s is missing: %s", of->mf.path, MANIFEST_NAME,
                       strerror(errno));
    int rc = fstat(fd, &st);
    close(fd);
    if (rc < 0 || !S_ISREG(st.st_mode))
        return err_set(err, "\"%s\" listed in %s is not a regular file", of->mf.path,
                       MANIFEST_NAME);
    if ((int64_t)st.st_size != of->mf.size)
        return err_set(err, "\"%s\" is %" PRId64 " bytes, %s says %" PRId64, of->mf.path,
                       (int64_t)st.st_size, MANIFEST_NAME, of->mf.size);
    return 0;
}

/* Hash bytes [at, end) of fd into all and part; *at advances (stops early
 * at end of file). 0, or -1 with err set. */
static int out_hash_range(int fd, const char *path, unsigned char *chunk, int64_t *at, int64_t end,
                          struct sha256 *all, struct sha256 *part, struct err *err)
{
    while (*at < end) {
        if (signals_caught())
            return err_set(err, "interrupted by %s", signals_name(signals_caught()));
        size_t want = end - *at < OUT_CHUNK ? (size_t)(end - *at) : OUT_CHUNK;
        ssize_t got = pread(fd, chunk, want, (off_t)*at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return err_set(err, "cannot read \"%s\": %s", path, strerror(errno));
        if (got == 0)
            return 0;
        sha256_update(all, chunk, (size_t)got);
        sha256_update(part, chunk, (size_t)got);
        *at += got;
    }
    return 0;
}

/* SHA-256 of the whole file and, when it goes up in parts, of each part
 * (s3_part_size's split), in one read. 0, or -1 with err set. */
static int out_hash(struct out_ctx *mr, struct out_file *of, int fd, char hex[65], int64_t *size,
                    struct err *err)
{
    int64_t ps = 0, at = 0;
    int n = 0;
    if (s3_part_size(of->mf.size, mr->cfg->part_size, &ps, &n, err) < 0)
        return -1;
    if (of->mf.size < ps)
        return sha256_fd(fd, of->mf.path, hex, size, err);
    struct sha256 all = {0}, part = {0};
    unsigned char *chunk = malloc(OUT_CHUNK);
    of->part_hex = calloc((size_t)n, sizeof(*of->part_hex));
    int rc = chunk && of->part_hex && sha256_init(&all) == 0 ? 0 : err_set(err, "out of memory");
    for (int i = 0; rc == 0 && i < n; i++) {
        int64_t end = (int64_t)(i + 1) * ps < of->mf.size ? (int64_t)(i + 1) * ps : of->mf.size;
        rc = sha256_init(&part) < 0
                 ? err_set(err, "out of memory")
                 : out_hash_range(fd, of->mf.path, chunk, &at, end, &all, &part, err);
        if (rc == 0)
            sha256_final_hex(&part, of->part_hex[i]);
    }
    if (rc == 0) /* bytes past the manifest's size: only their count matters */
        rc = out_hash_range(fd, of->mf.path, chunk, &at, INT64_MAX, &all, &all, err);
    if (rc == 0)
        sha256_final_hex(&all, hex);
    sha256_free(&all);
    sha256_free(&part);
    free(chunk);
    *size = at;
    return rc;
}

/* Same inode, size, mtime and ctime: the file is still the one verified. */
static int out_same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The full check of a file about to be uploaded: its SHA-256 (and its
 * parts'), with the file's identity before and after, which its upload
 * compares again. */
static int out_verify_file(struct out_ctx *mr, struct out_file *of, struct err *err)
{
    char hex[65];
    int64_t size = 0;
    struct stat after;
    int fd = openat(mr->from_fd, of->mf.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, "\"%s\" listed in %s is missing: %s", of->mf.path, MANIFEST_NAME,
                       strerror(errno));
    int rc = fstat(fd, &of->st) < 0 ? err_set(err, "cannot stat \"%s\"", of->mf.path)
                                    : out_hash(mr, of, fd, hex, &size, err);
    if (rc == 0 && (fstat(fd, &after) < 0 || !out_same_file(&of->st, &after)))
        rc = err_set(err, "\"%s\" changed while it was being verified", of->mf.path);
    close(fd);
    if (rc < 0)
        return -1;
    if (size != of->mf.size)
        return err_set(err, "\"%s\" is %" PRId64 " bytes, %s says %" PRId64, of->mf.path, size,
                       MANIFEST_NAME, of->mf.size);
    if (strcmp(hex, of->mf.sha256) != 0)
        return err_set(err, "\"%s\" has sha256 %s, %s says %s: refusing to mirror it", of->mf.path,
                       hex, MANIFEST_NAME, of->mf.sha256);
    return 0;
}

/* ---- step 2: keys ---- */

/* Refuse a key with a "." or ".." segment (HTTP clients, and whatever serves
 * the bucket as paths, resolve it to another key) or a control character:
 * tags and asset names come from GitHub. */
static int out_key_check(const char *key, struct err *err)
{
    const char *why = NULL;
    for (const char *seg = key; !why; seg++) {
        size_t len = strcspn(seg, "/");
        if ((len == 1 || len == 2) && strncmp(seg, "..", len) == 0)
            why = "a \".\" or \"..\" segment";
        seg += len;
        if (!*seg)
            break;
    }
    for (const unsigned char *p = (const unsigned char *)key; !why && *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            why = "a control character";
    if (!why)
        return 0;
    char shown[208];
    snprintf(shown, sizeof(shown), "%.200s", key);
    for (char *p = shown; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return err_set(err, "refusing key \"%s\": it holds %s", shown, why);
}

static int out_plan_keys(struct out_ctx *mr, struct err *err)
{
    const struct request_mirror *m = mr->cfg;
    struct buf manifest_key = BUF_INIT(0), sums_key = BUF_INIT(0), latest_key = BUF_INIT(0);
    int rc = 0;
    if (manifest_repo_prefix(m->prefix, mr->m.owner, mr->m.repository, &mr->repo_prefix) < 0 ||
        manifest_release_prefix(m->prefix, mr->m.owner, mr->m.repository, mr->m.tag,
                                &mr->release_prefix) < 0 ||
        buf_addf(&manifest_key, "%s%s", buf_str(&mr->release_prefix), MANIFEST_NAME) < 0 ||
        buf_addf(&sums_key, "%s%s", buf_str(&mr->release_prefix), MANIFEST_SUMS) < 0 ||
        buf_addf(&latest_key, "%s%s", buf_str(&mr->repo_prefix), MANIFEST_LATEST) < 0)
        rc = err_set(err, "out of memory");
    if (rc == 0)
        rc = out_key_check(manifest_key.ptr, err);
    for (size_t i = 0; rc == 0 && i < mr->n_files; i++) {
        struct out_file *f = &mr->files[i];
        struct buf key = BUF_INIT(0);
        if (manifest_asset_key(m->prefix, m->key_template, mr->m.owner, mr->m.repository, mr->m.tag,
                               mr->m.version, f->mf.name, &key) < 0) {
            rc = err_set(err, "out of memory");
            break;
        }
        f->key = buf_take(&key);
        if (!f->key || out_key_check(f->key, err) < 0) {
            rc = f->key ? -1 : err_set(err, "out of memory");
            break;
        }
        if (!strcmp(f->key, manifest_key.ptr) || !strcmp(f->key, sums_key.ptr) ||
            !strcmp(f->key, latest_key.ptr))
            rc = err_set(err,
                         "asset \"%s\" would be stored at \"%s\", a key this resource "
                         "writes itself (%s); set source.mirror.key_template to e.g. "
                         "\"{owner}/{repository}/{tag}/assets/{asset}\"",
                         f->mf.name, f->key,
                         !strcmp(f->key, latest_key.ptr) ? "the repository's latest.json"
                                                         : "the release's manifest");
        for (size_t j = 0; rc == 0 && j < i; j++)
            if (!strcmp(mr->files[j].key, f->key))
                rc = err_set(err, "assets \"%s\" and \"%s\" map to the same key \"%s\"",
                             mr->files[j].mf.name, f->mf.name, f->key);
    }
    buf_free(&manifest_key);
    buf_free(&sums_key);
    buf_free(&latest_key);
    return rc;
}

/* ---- step 3: upload what the bucket lacks ---- */

/* Skip a file the bucket holds with the same size and SHA-256 (the sha256
 * metadata this resource writes), unless params.force. */
static int out_head_file(struct out_ctx *mr, struct out_file *f, struct err *err)
{
    struct s3_object_info info;
    if (s3_head_object(&mr->s3, f->key, &info, err) < 0)
        return -1;
    if (!mr->r->req.put.force && info.exists && info.size == f->mf.size &&
        strcmp(info.sha256, f->mf.sha256) == 0) {
        f->skipped = 1;
        mr->skipped++;
    }
    return 0;
}

struct out_upload {
    struct out_file *f;
    int fd;
};

/* Before CompleteMultipartUpload: still the file that was verified? */
static int out_still_same(void *ctx, struct err *err)
{
    struct out_upload *u = ctx;
    struct stat now;
    if (fstat(u->fd, &now) < 0 || !out_same_file(&u->f->st, &now))
        return err_set(err, "\"%s\" changed during its upload: upload aborted", u->f->mf.path);
    return 0;
}

static int out_upload_file(struct out_ctx *mr, struct out_file *f, struct err *err)
{
    struct out_upload u = {f, openat(mr->from_fd, f->mf.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
    if (u.fd < 0)
        return err_set(err, "cannot open \"%s\": %s", f->mf.path, strerror(errno));
    struct s3_put_opts o = {.content_type = f->mf.content_type,
                            .sha256_hex = f->mf.sha256,
                            .progress_label = f->mf.name,
                            .part_sha256 = (const char(*)[65])f->part_hex,
                            .before_complete = out_still_same,
                            .ctx = &u};
    int rc = out_still_same(&u, err) < 0
                 ? err_set(err, "\"%s\" changed since it was verified", f->mf.path)
                 : s3_put_file(&mr->s3, f->key, u.fd, f->mf.size, &o, err);
    close(u.fd);
    if (rc < 0)
        return -1;
    log_info("%s: uploaded %" PRId64 " bytes", f->key, f->mf.size);
    mr->uploaded++;
    mr->bytes += f->mf.size;
    return 0;
}

/* HEAD every file, hash every file to be uploaded (all of them before the
 * first upload, so a tampered file uploads nothing), then upload. Files the
 * bucket already holds are not read: a second out costs its HEADs. */
static int out_upload_missing(struct out_ctx *mr, struct err *err)
{
    for (size_t i = 0; i < mr->n_files; i++)
        if (out_head_file(mr, &mr->files[i], err) < 0)
            return -1;
    for (size_t i = 0; i < mr->n_files; i++) {
        if (signals_caught())
            return err_set(err, "interrupted by %s", signals_name(signals_caught()));
        if (!mr->files[i].skipped && out_verify_file(mr, &mr->files[i], err) < 0)
            return -1;
    }
    log_info("mirroring %s/%s %s (%zu files) to s3://%s/%s", mr->m.owner, mr->m.repository,
             mr->m.tag, mr->n_files, mr->cfg->bucket, buf_str(&mr->release_prefix));
    for (size_t i = 0; i < mr->n_files; i++) {
        if (mr->files[i].skipped)
            log_info("%s: unchanged in the bucket, skipped", mr->files[i].key);
        else if (out_upload_file(mr, &mr->files[i], err) < 0)
            return -1;
    }
    return 0;
}

/* ---- step 4: manifest and sums in the bucket ---- */

static json_t *out_bucket_manifest(const struct out_ctx *mr)
{
    json_t *doc = json_deep_copy(mr->manifest);
    json_t *files = json_object_get(doc, "files");
    for (size_t i = 0; i < mr->n_files; i++)
        json_object_set_new(json_array_get(files, i), "key", json_string(mr->files[i].key));
    json_object_set_new(doc, "bucket", json_string(mr->cfg->bucket));
    json_object_set_new(doc, "prefix", json_string(buf_str(&mr->release_prefix)));
    return doc;
}

static int out_put_json(struct out_ctx *mr, const char *key, json_t *doc, struct err *err)
{
    char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    json_decref(doc);
    if (!text)
        return err_set(err, "cannot encode \"%s\"", key);
    char hex[65];
    sha256_hex(text, strlen(text), hex);
    struct s3_put_opts o = {.content_type = "application/json", .sha256_hex = hex};
    int rc = s3_put_buffer(&mr->s3, key, text, strlen(text), &o, err);
    free(text);
    return rc;
}

static int out_put_release_files(struct out_ctx *mr, struct err *err)
{
    struct buf sums = BUF_INIT(0), key = BUF_INIT(0);
    const char *rp = buf_str(&mr->release_prefix);
    for (size_t i = 0; i < mr->n_files; i++) {
        const char *k = mr->files[i].key;
        const char *shown = strncmp(k, rp, strlen(rp)) == 0 ? k + strlen(rp) : k;
        buf_addf(&sums, "%s  %s\n", mr->files[i].mf.sha256, shown);
    }
    char hex[65];
    sha256_hex(buf_str(&sums), sums.len, hex);
    struct s3_put_opts o = {.content_type = "text/plain; charset=utf-8", .sha256_hex = hex};
    int rc = buf_addf(&key, "%s%s", rp, MANIFEST_SUMS) < 0
                 ? err_set(err, "out of memory")
                 : s3_put_buffer(&mr->s3, key.ptr, buf_str(&sums), sums.len, &o, err);
    buf_reset(&key);
    if (rc == 0 && buf_addf(&key, "%s%s", rp, MANIFEST_NAME) == 0)
        rc = out_put_json(mr, key.ptr, out_bucket_manifest(mr), err);
    buf_free(&sums);
    buf_free(&key);
    return rc;
}

/* ---- release attestation evidence: the get's attestations/ ---- */

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
    char **names = calloc(3, sizeof(*names));
    size_t cap = 2;
    *n = 0;
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
        char **more = *n == cap ? realloc(names, (2 * cap + 1) * sizeof(*names)) : names;
        if (!more || !(more[*n] = strdup(e->d_name))) {
            out_free_names(more ? more : names);
            names = NULL;
            break;
        }
        names = more;
        cap = *n == cap ? 2 * cap : cap;
        names[++*n] = NULL;
    }
    if (d)
        closedir(d);
    if (names)
        qsort(names, *n, sizeof(*names), out_cmp_names);
    return names;
}

/* No asset may take the key of the evidence (checked before any upload). */
static int out_check_attest_keys(struct out_ctx *mr, struct err *err)
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
static int out_put_attestations(struct out_ctx *mr, struct err *err)
{
    size_t n;
    char **names = out_attest_names(mr, &n);
    int rc = names ? 0 : err_set(err, "out of memory");
    for (size_t k = 0; rc == 0 && k < n; k++)
        rc = out_put_attest_file(mr, names[k], err);
    out_free_names(names);
    return rc;
}

/* ---- step 5: latest.json ---- */

/* Order this release against one named by a manifest or latest.json. */
static int out_cmp(const struct out_ctx *mr, const char *tag, const char *id, const char *timestamp,
                   const char *other_tag, const char *other_id, const char *other_timestamp)
{
    struct github_release a = {0}, b = {0};
    struct releases_entry ea, eb;
    a.tag = (char *)tag;
    a.id = atoll(id);
    a.published_at = (char *)timestamp;
    b.tag = (char *)other_tag;
    b.id = atoll(other_id ? other_id : "0");
    b.published_at = (char *)(other_timestamp ? other_timestamp : "");
    int c = 0;
    if (releases_entry_fill(&mr->r->policy, &a, &ea) == 0 &&
        releases_entry_fill(&mr->r->policy, &b, &eb) == 0)
        c = releases_cmp(&mr->r->policy, &ea, &eb);
    releases_entry_free(&ea);
    releases_entry_free(&eb);
    return c;
}

static json_t *out_latest_doc(const struct out_ctx *mr)
{
    json_t *files = json_array();
    for (size_t i = 0; i < mr->n_files; i++)
        json_array_append_new(files,
                              json_pack("{s:s s:s s:I s:s}", "name", mr->files[i].mf.name, "key",
                                        mr->files[i].key, "size", (json_int_t)mr->files[i].mf.size,
                                        "sha256", mr->files[i].mf.sha256));
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    return json_pack("{s:s s:s s:s s:s s:s s:s s:s s:s s:o}", "owner", mr->m.owner, "repository",
                     mr->m.repository, "tag", mr->m.tag, "id", mr->m.id, "version", mr->m.version,
                     "timestamp", mr->m.timestamp, "prefix", buf_str(&mr->release_prefix),
                     "mirrored_at", now, "files", files);
}

/* One round: read latest.json, compare, write it on condition that it is
 * still what was read. 0 done (written or left), 1 someone else wrote it in
 * between, -1 error. */
static int out_latest_round(struct out_ctx *mr, const char *key, struct err *err)
{
    struct buf old = BUF_INIT(0);
    char etag[128];
    int found = 0, rc = s3_get_object_etag(&mr->s3, key, &old, &found, etag, err);
    json_t *prev = rc == 0 && found ? json_loadb(buf_str(&old), old.len, 0, NULL) : NULL;
    const char *ptag = json_string_value(json_object_get(prev, "tag"));
    if (rc == 0 && found && !etag[0])
        rc = err_set(err, "s3 GetObject \"%s\": no ETag in the answer", key);
    if (rc == 0 && ptag) {
        int c = out_cmp(mr, mr->m.tag, mr->m.id, mr->m.timestamp, ptag,
                        json_string_value(json_object_get(prev, "id")),
                        json_string_value(json_object_get(prev, "timestamp")));
        if (c < 0) {
            log_info("%s names %s, which is newer than %s: left as it is", key, ptag, mr->m.tag);
            rc = 2;
        }
    } else if (rc == 0 && found) {
        log_warn("%s is not a latest.json this resource wrote; replacing it", key);
    }
    if (rc == 0) {
        json_t *doc = out_latest_doc(mr);
        char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
        char hex[65];
        json_decref(doc);
        if (!text) {
            rc = err_set(err, "cannot encode \"%s\"", key);
        } else {
            sha256_hex(text, strlen(text), hex);
            struct s3_put_opts o = {.content_type = "application/json", .sha256_hex = hex};
            rc = s3_put_if(&mr->s3, key, text, strlen(text), &o, found ? etag : NULL, err);
        }
        free(text);
        if (rc == 0)
            log_info("%s now names %s", key, mr->m.tag);
    }
    json_decref(prev);
    buf_free(&old);
    return rc == 2 ? 0 : rc;
}

/* latest.json by conditional PUT, so that of two puts at once the newer
 * release wins: on a conflict read again, compare again and retry (with
 * jitter), up to OUT_LATEST_TRIES times. */
static int out_update_latest(struct out_ctx *mr, struct err *err)
{
    struct buf key = BUF_INIT(0);
    int rc = buf_addf(&key, "%s%s", buf_str(&mr->repo_prefix), MANIFEST_LATEST);
    if (rc < 0)
        return err_set(err, "out of memory");
    for (int i = 0; i < OUT_LATEST_TRIES; i++) {
        rc = out_latest_round(mr, key.ptr, err);
        if (rc != 1)
            break;
        log_info("%s changed while we wrote it (another put?): reading it again", key.ptr);
        usleep((useconds_t)(100000 * (i + 1) + rand() % 200000));
    }
    if (rc == 1)
        rc = err_set(err, "%s: %d conditional writes in a row lost to other writers", key.ptr,
                     OUT_LATEST_TRIES);
    buf_free(&key);
    return rc;
}

/* ---- step 6: keep_versions ----
 *
 * Rule: a key is deleted only when no kept release's manifest, not the
 * release just mirrored and not latest.json name it. The releases are found
 * by listing the repository's prefix without a delimiter (tags may hold '/')
 * and taking the keys that end in "/release.json" whose manifest names the
 * tag that key belongs to. Each dropped release loses the keys under its
 * prefix (not those under a longer release prefix) and the keys its manifest
 * names, minus the protected set; its manifest goes last, so a failure
 * leaves it there for the next run to finish. */

struct out_keys {
    char **keys;
    size_t n, cap;
};

static int out_keys_add(struct out_keys *k, const char *key, struct err *err)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 32;
        char **grown = realloc(k->keys, cap * sizeof(*grown));
        if (!grown)
            return err_set(err, "out of memory");
        k->keys = grown;
        k->cap = cap;
    }
    if (!(k->keys[k->n] = strdup(key)))
        return err_set(err, "out of memory");
    k->n++;
    return 0;
}

static void out_keys_free(struct out_keys *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->keys[i]);
    free(k->keys);
    memset(k, 0, sizeof(*k));
}

static int out_strcmp_p(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and make unique, for out_keys_has(). */
static void out_keys_sort(struct out_keys *k)
{
    size_t out = 0;
    qsort(k->keys, k->n, sizeof(*k->keys), out_strcmp_p);
    for (size_t i = 0; i < k->n; i++) {
        if (out && strcmp(k->keys[out - 1], k->keys[i]) == 0)
            free(k->keys[i]);
        else
            k->keys[out++] = k->keys[i];
    }
    k->n = out;
}

static int out_keys_has(const struct out_keys *k, const char *key)
{
    return k->n && bsearch(&key, k->keys, k->n, sizeof(*k->keys), out_strcmp_p) != NULL;
}

struct out_old {
    char *prefix; /* "{repo_prefix}{tag}/" */
    json_t *manifest;
};

struct out_list {
    struct out_old *items;
    size_t n, cap;
    struct out_keys all; /* every key under the repository's prefix */
};

static int out_collect(void *ctx, const char *key, int64_t size, int is_prefix, struct err *err)
{
    struct out_list *l = ctx;
    size_t len = strlen(key), mlen = strlen("/" MANIFEST_NAME);
    (void)size;
    if (is_prefix)
        return 0;
    if (out_keys_add(&l->all, key, err) < 0)
        return -1;
    if (len <= mlen || strcmp(key + len - mlen, "/" MANIFEST_NAME) != 0)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct out_old *grown = realloc(l->items, cap * sizeof(*grown));
        if (!grown)
            return err_set(err, "out of memory");
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->n].manifest = NULL;
    if (!(l->items[l->n].prefix = strndup(key, len - mlen + 1)))
        return err_set(err, "out of memory");
    l->n++;
    return 0;
}

/* The manifest of one listed release; kept only when it names the tag its
 * key belongs to (anything else, e.g. an asset called release.json, is not
 * a release and is left alone). */
static int out_load_old(struct out_ctx *mr, struct out_old *old, struct err *err)
{
    struct buf key = BUF_INIT(0), body = BUF_INIT(0), want = BUF_INIT(0);
    int found = 0, rc = buf_addf(&key, "%s%s", old->prefix, MANIFEST_NAME);
    if (rc == 0)
        rc = s3_get_object(&mr->s3, key.ptr, &body, &found, err);
    if (rc == 0 && found)
        old->manifest = json_loadb(buf_str(&body), body.len, 0, NULL);
    const char *tag = json_string_value(json_object_get(old->manifest, "tag"));
    if (rc == 0 && tag &&
        (manifest_release_prefix(mr->cfg->prefix, mr->m.owner, mr->m.repository, tag, &want) < 0 ||
         strcmp(buf_str(&want), old->prefix) != 0)) {
        json_decref(old->manifest);
        old->manifest = NULL;
        tag = NULL;
    }
    if (rc == 0 && !tag)
        log_warn("keep_versions: %s is not a manifest of this resource; left alone", key.ptr);
    buf_free(&key);
    buf_free(&body);
    buf_free(&want);
    return rc;
}

static int out_old_cmp(struct out_ctx *mr, const struct out_old *a, const struct out_old *b)
{
    const json_t *x = a->manifest, *y = b->manifest;
    return out_cmp(mr, json_string_value(json_object_get(x, "tag")),
                   json_string_value(json_object_get(x, "id")),
                   json_string_value(json_object_get(x, "timestamp")),
                   json_string_value(json_object_get(y, "tag")),
                   json_string_value(json_object_get(y, "id")),
                   json_string_value(json_object_get(y, "timestamp")));
}

/* The keys a manifest (or latest.json) names in files[].key. */
static int out_add_file_keys(struct out_keys *k, const json_t *doc, struct err *err)
{
    json_t *files = json_object_get(doc, "files");
    for (size_t i = 0; i < json_array_size(files); i++) {
        const char *key = json_string_value(json_object_get(json_array_get(files, i), "key"));
        if (key && out_keys_add(k, key, err) < 0)
            return -1;
    }
    return 0;
}

/* latest.json's files, whatever release it names. */
static int out_protect_latest(struct out_ctx *mr, struct out_keys *keep, struct err *err)
{
    struct buf key = BUF_INIT(0), body = BUF_INIT(0);
    int found = 0, rc = buf_addf(&key, "%s%s", buf_str(&mr->repo_prefix), MANIFEST_LATEST);
    if (rc < 0)
        return err_set(err, "out of memory");
    rc = s3_get_object(&mr->s3, key.ptr, &body, &found, err);
    json_t *doc = rc == 0 && found ? json_loadb(buf_str(&body), body.len, 0, NULL) : NULL;
    if (rc == 0)
        rc = out_add_file_keys(keep, doc, err);
    json_decref(doc);
    buf_free(&key);
    buf_free(&body);
    return rc;
}

/* Whether key lies under another listed release's longer prefix. */
static int out_nested(const struct out_list *l, const struct out_old *old, const char *key)
{
    size_t plen = strlen(old->prefix);
    for (size_t i = 0; i < l->n; i++) {
        size_t n = strlen(l->items[i].prefix);
        if (n > plen && strncmp(l->items[i].prefix, old->prefix, plen) == 0 &&
            strncmp(key, l->items[i].prefix, n) == 0)
            return 1;
    }
    return 0;
}

static int out_delete_release(struct out_ctx *mr, const struct out_list *l,
                              const struct out_old *old, const struct out_keys *keep,
                              struct err *err)
{
    struct out_keys cand = {0}, del = {0};
    struct buf manifest_key = BUF_INIT(0);
    size_t plen = strlen(old->prefix);
    int rc = buf_addf(&manifest_key, "%s%s", old->prefix, MANIFEST_NAME) < 0
                 ? err_set(err, "out of memory")
                 : out_add_file_keys(&cand, old->manifest, err);
    for (size_t i = 0; rc == 0 && i < l->all.n; i++)
        if (strncmp(l->all.keys[i], old->prefix, plen) == 0 && !out_nested(l, old, l->all.keys[i]))
            rc = out_keys_add(&cand, l->all.keys[i], err);
    if (rc == 0)
        out_keys_sort(&cand);
    size_t spared = 0;
    for (size_t i = 0; rc == 0 && i < cand.n; i++) {
        if (strcmp(cand.keys[i], manifest_key.ptr) == 0)
            continue;
        if (out_keys_has(keep, cand.keys[i]))
            spared++;
        else
            rc = out_keys_add(&del, cand.keys[i], err);
    }
    if (rc == 0)
        rc = s3_delete_objects(&mr->s3, (const char *const *)del.keys, del.n, err);
    if (rc == 0) /* the manifest last: a failure above leaves it for the next run */
        rc = s3_delete_objects(&mr->s3, (const char *const *)&manifest_key.ptr, 1, err);
    if (rc == 0)
        log_info("keep_versions: deleted %s (%zu objects; %zu kept, still used)", old->prefix,
                 del.n + 1, spared);
    out_keys_free(&cand);
    out_keys_free(&del);
    buf_free(&manifest_key);
    return rc;
}

/* The keys nobody may delete: the kept releases' (their manifests' files,
 * release.json and SHA256SUMS), this release's and latest.json's. */
static int out_protected(struct out_ctx *mr, struct out_old **valid, size_t n_kept,
                         struct out_keys *keep, struct err *err)
{
    struct buf k = BUF_INIT(0);
    int rc = out_protect_latest(mr, keep, err);
    for (size_t i = 0; rc == 0 && i < mr->n_files; i++)
        rc = out_keys_add(keep, mr->files[i].key, err);
    for (size_t i = 0; rc == 0 && i < n_kept; i++) {
        rc = out_add_file_keys(keep, valid[i]->manifest, err);
        buf_reset(&k);
        if (rc == 0 && buf_addf(&k, "%s%s", valid[i]->prefix, MANIFEST_SUMS) < 0)
            rc = err_set(err, "out of memory");
        if (rc == 0)
            rc = out_keys_add(keep, k.ptr, err);
    }
    buf_free(&k);
    if (rc == 0)
        out_keys_sort(keep);
    return rc;
}

/* One log line when the bucket keeps old versions: deleting then only adds
 * delete markers. Failing to ask (permissions) is not an error. */
static void out_note_versioning(struct out_ctx *mr)
{
    char status[32];
    struct err err;
    if (s3_get_versioning(&mr->s3, status, sizeof(status), &err) < 0) {
        log_debug("keep_versions: cannot read the bucket's versioning: %s", err.msg);
        return;
    }
    if (status[0])
        log_info("keep_versions: bucket \"%s\" has versioning %s: deleted objects only get "
                 "delete markers; their old versions stay (and are billed) until a lifecycle "
                 "rule expires them",
                 mr->cfg->bucket, status);
}

/* Newest first (insertion sort; the list is short). The release just
 * mirrored counts as kept whatever its place. */
static size_t out_sort_kept(struct out_ctx *mr, struct out_old **valid, size_t n)
{
    size_t keep = (size_t)mr->r->req.put.keep_versions;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && out_old_cmp(mr, valid[j - 1], valid[j]) < 0; j--) {
            struct out_old *t = valid[j];
            valid[j] = valid[j - 1];
            valid[j - 1] = t;
        }
    for (size_t i = keep; i < n; i++)
        if (strcmp(valid[i]->prefix, buf_str(&mr->release_prefix)) == 0) {
            struct out_old *t = valid[i]; /* move it into the kept range */
            memmove(valid + keep + 1, valid + keep, (i - keep) * sizeof(*valid));
            valid[keep++] = t;
            break;
        }
    return keep < n ? keep : n;
}

static int out_retention(struct out_ctx *mr, struct err *err)
{
    size_t n = 0, kept = 0;
    struct out_list l = {0};
    struct out_keys keep = {0};
    struct out_old **valid = NULL;
    out_note_versioning(mr);
    int rc = s3_list_objects(&mr->s3, buf_str(&mr->repo_prefix), NULL, out_collect, &l, err);
    if (rc == 0 && !(valid = calloc(l.n + 1, sizeof(*valid))))
        rc = err_set(err, "out of memory");
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        rc = out_load_old(mr, &l.items[i], err);
        if (rc == 0 && l.items[i].manifest)
            valid[n++] = &l.items[i];
    }
    if (rc == 0) {
        kept = out_sort_kept(mr, valid, n);
        rc = out_protected(mr, valid, kept, &keep, err);
    }
    for (size_t i = kept; rc == 0 && i < n; i++)
        rc = out_delete_release(mr, &l, valid[i], &keep, err);
    for (size_t i = 0; i < l.n; i++) {
        free(l.items[i].prefix);
        json_decref(l.items[i].manifest);
    }
    free(l.items);
    out_keys_free(&l.all);
    out_keys_free(&keep);
    free(valid);
    return rc;
}

/* ---- the command ---- */

static int out_open_s3(struct out_ctx *mr, struct err *err)
{
    if (http_client_init(&mr->http, &mr->r->s3_http, err) < 0)
        return -1;
    mr->http_ready = 1;
    if (s3_client_init(&mr->s3, &mr->http, &mr->r->s3_cfg, err) < 0)
        return -1;
    mr->s3_ready = 1;
    return 0;
}

static int out_steps(struct out_ctx *mr, const char *sources_dir, struct err *err)
{
    if (out_open_from(mr, sources_dir, err) < 0 || out_read_manifest(mr, err) < 0)
        return -1;
    for (size_t i = 0; i < mr->n_files; i++)
        if (out_check_file(mr, &mr->files[i], err) < 0)
            return -1;
    if (out_plan_keys(mr, err) < 0 || out_check_attest_keys(mr, err) < 0 ||
        out_open_s3(mr, err) < 0)
        return -1;
    if (out_upload_missing(mr, err) < 0)
        return -1;
    if (out_put_attestations(mr, err) < 0 || out_put_release_files(mr, err) < 0 ||
        out_update_latest(mr, err) < 0)
        return -1;
    if (mr->r->req.put.keep_versions > 0 && out_retention(mr, err) < 0)
        return err_prefix(err, "keep_versions");
    log_info("mirrored %s: %d uploaded (%" PRId64 " bytes), %d unchanged", mr->m.tag, mr->uploaded,
             mr->bytes, mr->skipped);
    return 0;
}

static json_t *out_response(const struct out_ctx *mr)
{
    char uploaded[32], skipped[32], bytes[32];
    snprintf(uploaded, sizeof(uploaded), "%d", mr->uploaded);
    snprintf(skipped, sizeof(skipped), "%d", mr->skipped);
    snprintf(bytes, sizeof(bytes), "%" PRId64, mr->bytes);
    json_t *md = json_array();
    resource_metadata_add(md, "bucket", mr->cfg->bucket);
    resource_metadata_add(md, "prefix", buf_str(&mr->release_prefix));
    resource_metadata_add(md, "uploaded", uploaded);
    resource_metadata_add(md, "skipped", skipped);
    resource_metadata_add(md, "bytes_uploaded", bytes);
    json_t *version =
        json_pack("{s:s s:s s:s}", "tag", mr->m.tag, "id", mr->m.id, "timestamp", mr->m.timestamp);
    return json_pack("{s:o s:o}", "version", version, "metadata", md);
}

int out_run(struct resource *r, const char *sources_dir, json_t **response, struct err *err)
{
    struct out_ctx mr;
    memset(&mr, 0, sizeof(mr));
    mr.r = r;
    mr.cfg = &r->req.source.mirror;
    mr.from_fd = -1;
    buf_init(&mr.repo_prefix, 0);
    buf_init(&mr.release_prefix, 0);
    *response = NULL;
    int rc = out_steps(&mr, sources_dir, err);
    if (rc == 0)
        *response = out_response(&mr);
    if (mr.s3_ready)
        s3_client_cleanup(&mr.s3);
    if (mr.http_ready)
        http_client_cleanup(&mr.http);
    if (mr.from_fd >= 0)
        close(mr.from_fd);
    for (size_t i = 0; i < mr.n_files; i++)
        free(mr.files[i].key), free(mr.files[i].part_hex);
    free(mr.files);
    json_decref(mr.manifest);
    buf_free(&mr.repo_prefix);
    buf_free(&mr.release_prefix);
    return rc;
}
