/* out.c - the out command's work: check a fetched release, upload (verified) what
 * the bucket lacks, write its manifest, then latest.json and retention
 * (see out.h). */
#include "out.h"
#include "out_internal.h"
#include "log.h"
#include "manifest.h"
#include "s3.h"
#include "sha256.h"
#include "signals.h"
#include "text.h"

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
    if (!why && text_has_control(key))
        why = "a control character";
    if (!why)
        return 0;
    char shown[208];
    snprintf(shown, sizeof(shown), "%.200s", key);
    text_mask_control(shown);
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
    const char **keys = calloc(mr->n_files + 1, sizeof(*keys));
    for (size_t i = 0; keys && i < mr->n_files; i++)
        keys[i] = mr->files[i].key;
    json_t *doc = keys ? manifest_for_bucket(mr->manifest, keys, mr->n_files, mr->cfg->bucket,
                                             buf_str(&mr->release_prefix))
                       : NULL;
    free(keys);
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
        manifest_sums_line(&sums, mr->files[i].mf.sha256, shown);
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

/* ---- step 5: latest.json ---- */

/* Order this release against one named by a manifest or latest.json. */
int out_cmp_release(const struct out_ctx *mr, const char *tag, const char *id,
                    const char *timestamp, const char *other_tag, const char *other_id,
                    const char *other_timestamp)
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
        json_array_append_new(files, manifest_latest_file(&mr->files[i].mf, mr->files[i].key));
    return manifest_latest(&mr->m, buf_str(&mr->release_prefix), files);
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
        int c = out_cmp_release(mr, mr->m.tag, mr->m.id, mr->m.timestamp, ptag,
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
