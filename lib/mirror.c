/* mirror.c - the out command's work: check a fetched release, upload (verified) what
 * the bucket lacks, write its manifest, then latest.json and retention
 * (see mirror.h). */
#include "mirror.h"
#include "attest_mirror.h"
#include "log.h"
#include "s3.h"
#include "sha256.h"
#include "sigstore_bundle.h"

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

#define MIRROR_MANIFEST_MAX (16 * 1024 * 1024)

struct mirror_file {
    const char *name, *path, *sha256, *content_type; /* borrowed from the manifest */
    int64_t size;
    char *key;
    int skipped;
};

struct mirror {
    struct resource *r;
    const struct request_mirror *cfg;
    struct http_client http;
    struct s3_client s3;
    int http_ready, s3_ready;
    int from_fd;
    json_t *manifest; /* from/release.json */
    const char *owner, *repository, *tag, *id, *timestamp, *version;
    struct mirror_file *files;
    size_t n_files;
    struct buf repo_prefix, release_prefix;
    int uploaded, skipped;
    int64_t bytes;
};

/* ---- keys ---- */

int mirror_repo_prefix(const struct request_mirror *m, const char *owner, const char *repository,
                       struct buf *out)
{
    return buf_addf(out, "%s%s/%s/", m->prefix ? m->prefix : "", owner, repository);
}

int mirror_release_prefix(const struct request_mirror *m, const char *owner, const char *repository,
                          const char *tag, struct buf *out)
{
    return buf_addf(out, "%s%s/%s/%s/", m->prefix ? m->prefix : "", owner, repository, tag);
}

int mirror_asset_key(const struct request_mirror *m, const char *owner, const char *repository,
                     const char *tag, const char *version, const char *asset, struct buf *out)
{
    static const char *const names[] = {"owner", "repository", "tag", "version", "asset"};
    const char *values[] = {owner, repository, tag, version, asset};
    if (buf_adds(out, m->prefix ? m->prefix : "") < 0)
        return -1;
    for (const char *p = m->key_template; *p;) {
        size_t i = 0, len = 0;
        if (*p == '{') {
            for (; i < 5; i++) {
                len = strlen(names[i]);
                if (strncmp(p + 1, names[i], len) == 0 && p[len + 1] == '}')
                    break;
            }
        }
        if (*p == '{' && i < 5) {
            if (buf_adds(out, values[i]) < 0)
                return -1;
            p += len + 2;
        } else if (buf_addc(out, *p++) < 0) {
            return -1;
        }
    }
    return 0;
}

/* ---- step 1: read and verify what the get wrote ---- */

static int mirror_open_from(struct mirror *mr, const char *sources_dir, struct err *err)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", sources_dir, mr->r->req.put.from);
    mr->from_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (mr->from_fd < 0)
        return err_set(err, "params.from: cannot open directory \"%s\": %s", mr->r->req.put.from,
                       strerror(errno));
    /* O_NONBLOCK: a FIFO planted there must not block the open */
    int fd = openat(mr->from_fd, MIRROR_MANIFEST, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return err_set(err, "params.from: \"%s\" holds no %s (%s): is it a get of this resource?",
                       mr->r->req.put.from, MIRROR_MANIFEST, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(err, "%s/%s is not a regular file", mr->r->req.put.from, MIRROR_MANIFEST);
    }
    struct buf text = BUF_INIT(MIRROR_MANIFEST_MAX);
    int rc = buf_read_fd(&text, fd);
    int read_errno = errno;
    close(fd);
    if (rc < 0 && read_errno == EFBIG)
        return err_set(err, "%s/%s is larger than %d bytes", mr->r->req.put.from, MIRROR_MANIFEST,
                       MIRROR_MANIFEST_MAX);
    if (rc < 0)
        return err_set(err, "cannot read %s/%s: %s", mr->r->req.put.from, MIRROR_MANIFEST,
                       strerror(read_errno));
    json_error_t je;
    mr->manifest = json_loadb(buf_str(&text), text.len, 0, &je);
    buf_free(&text);
    if (!mr->manifest)
        return err_set(err, "%s/%s: invalid JSON: %s", mr->r->req.put.from, MIRROR_MANIFEST,
                       je.text);
    return 0;
}

static int mirror_str(const json_t *obj, const char *key, const char **out, const char *where,
                      struct err *err)
{
    *out = json_string_value(json_object_get(obj, key));
    if (!*out)
        return err_set(err, "%s: field \"%s\" is missing or not a string", where, key);
    return 0;
}

static int mirror_read_file_entry(const json_t *f, struct mirror_file *mf, struct err *err)
{
    const char *where = MIRROR_MANIFEST " files[]";
    json_t *size = json_object_get(f, "size");
    if (mirror_str(f, "name", &mf->name, where, err) < 0 ||
        mirror_str(f, "path", &mf->path, where, err) < 0 ||
        mirror_str(f, "sha256", &mf->sha256, where, err) < 0 ||
        mirror_str(f, "content_type", &mf->content_type, where, err) < 0)
        return -1;
    if (!json_is_integer(size) || json_integer_value(size) < 0)
        return err_set(err, "%s: \"%s\" has no valid size", where, mf->name);
    mf->size = json_integer_value(size);
    if (mf->path[0] == '/' || strstr(mf->path, "..") || strlen(mf->sha256) != 64)
        return err_set(err, "%s: unsafe path or bad sha256 for \"%s\"", where, mf->name);
    return 0;
}

static int mirror_read_manifest(struct mirror *mr, struct err *err)
{
    const json_t *m = mr->manifest;
    const char *where = MIRROR_MANIFEST;
    json_t *files = json_object_get(m, "files");
    const struct request_source *src = &mr->r->req.source;
    if (mirror_str(m, "owner", &mr->owner, where, err) < 0 ||
        mirror_str(m, "repository", &mr->repository, where, err) < 0 ||
        mirror_str(m, "tag", &mr->tag, where, err) < 0 ||
        mirror_str(m, "id", &mr->id, where, err) < 0 ||
        mirror_str(m, "timestamp", &mr->timestamp, where, err) < 0 ||
        mirror_str(m, "version", &mr->version, where, err) < 0)
        return -1;
    if (strcasecmp(mr->owner, src->owner) != 0 || strcasecmp(mr->repository, src->repository))
        return err_set(err, "params.from holds a release of %s/%s, not of %s/%s", mr->owner,
                       mr->repository, src->owner, src->repository);
    if (!json_is_array(files))
        return err_set(err, "%s: field \"files\" is not an array", where);
    mr->files = calloc(json_array_size(files) + 1, sizeof(*mr->files));
    if (!mr->files)
        return err_set(err, "out of memory");
    for (size_t i = 0; i < json_array_size(files); i++, mr->n_files++)
        if (mirror_read_file_entry(json_array_get(files, i), &mr->files[i], err) < 0)
            return -1;
    return 0;
}

/* The cheap check of every listed file, before any request: it is there, a
 * regular file (not a symlink), of the size the manifest gives. */
static int mirror_check_file(struct mirror *mr, const struct mirror_file *mf, struct err *err)
{
    struct stat st;
    int fd = openat(mr->from_fd, mf->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, "\"%s\" listed in %s is missing: %s", mf->path, MIRROR_MANIFEST,
                       strerror(errno));
    int rc = fstat(fd, &st);
    close(fd);
    if (rc < 0 || !S_ISREG(st.st_mode))
        return err_set(err, "\"%s\" listed in %s is not a regular file", mf->path, MIRROR_MANIFEST);
    if ((int64_t)st.st_size != mf->size)
        return err_set(err, "\"%s\" is %" PRId64 " bytes, %s says %" PRId64, mf->path,
                       (int64_t)st.st_size, MIRROR_MANIFEST, mf->size);
    return 0;
}

/* The full check of a file about to be uploaded: its SHA-256. */
static int mirror_verify_file(struct mirror *mr, const struct mirror_file *mf, struct err *err)
{
    char hex[65];
    int64_t size = 0;
    int fd = openat(mr->from_fd, mf->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, "\"%s\" listed in %s is missing: %s", mf->path, MIRROR_MANIFEST,
                       strerror(errno));
    int rc = sha256_fd(fd, mf->path, hex, &size, err);
    close(fd);
    if (rc < 0)
        return -1;
    if (size != mf->size)
        return err_set(err, "\"%s\" is %" PRId64 " bytes, %s says %" PRId64, mf->path, size,
                       MIRROR_MANIFEST, mf->size);
    if (strcmp(hex, mf->sha256) != 0)
        return err_set(err, "\"%s\" has sha256 %s, %s says %s: refusing to mirror it", mf->path,
                       hex, MIRROR_MANIFEST, mf->sha256);
    return 0;
}

/* ---- step 2: keys ---- */

/* Refuse a key with a "." or ".." segment (HTTP clients, and whatever serves
 * the bucket as paths, resolve it to another key) or a control character:
 * tags and asset names come from GitHub. */
static int mirror_key_check(const char *key, struct err *err)
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

static int mirror_plan_keys(struct mirror *mr, struct err *err)
{
    const struct request_mirror *m = mr->cfg;
    struct buf manifest_key = BUF_INIT(0), sums_key = BUF_INIT(0);
    int rc = 0;
    if (mirror_repo_prefix(m, mr->owner, mr->repository, &mr->repo_prefix) < 0 ||
        mirror_release_prefix(m, mr->owner, mr->repository, mr->tag, &mr->release_prefix) < 0 ||
        buf_addf(&manifest_key, "%s%s", buf_str(&mr->release_prefix), MIRROR_MANIFEST) < 0 ||
        buf_addf(&sums_key, "%s%s", buf_str(&mr->release_prefix), MIRROR_SUMS) < 0)
        rc = err_set(err, "out of memory");
    if (rc == 0)
        rc = mirror_key_check(manifest_key.ptr, err);
    for (size_t i = 0; rc == 0 && i < mr->n_files; i++) {
        struct mirror_file *f = &mr->files[i];
        struct buf key = BUF_INIT(0);
        if (mirror_asset_key(m, mr->owner, mr->repository, mr->tag, mr->version, f->name, &key) <
            0) {
            rc = err_set(err, "out of memory");
            break;
        }
        f->key = buf_take(&key);
        if (!f->key || mirror_key_check(f->key, err) < 0) {
            rc = f->key ? -1 : err_set(err, "out of memory");
            break;
        }
        if (!strcmp(f->key, manifest_key.ptr) || !strcmp(f->key, sums_key.ptr))
            rc = err_set(err,
                         "asset \"%s\" would be stored at \"%s\", the key of the release's "
                         "manifest; set source.mirror.key_template to e.g. "
                         "\"{owner}/{repository}/{tag}/assets/{asset}\"",
                         f->name, f->key);
        for (size_t j = 0; rc == 0 && j < i; j++)
            if (!strcmp(mr->files[j].key, f->key))
                rc = err_set(err, "assets \"%s\" and \"%s\" map to the same key \"%s\"",
                             mr->files[j].name, f->name, f->key);
    }
    buf_free(&manifest_key);
    buf_free(&sums_key);
    return rc;
}

/* ---- step 3: upload what the bucket lacks ---- */

/* Skip a file the bucket holds with the same size and SHA-256 (the sha256
 * metadata this resource writes), unless params.force. */
static int mirror_head_file(struct mirror *mr, struct mirror_file *f, struct err *err)
{
    struct s3_object_info info;
    if (s3_head_object(&mr->s3, f->key, &info, err) < 0)
        return -1;
    if (!mr->r->req.put.force && info.exists && info.size == f->size &&
        strcmp(info.sha256, f->sha256) == 0) {
        f->skipped = 1;
        mr->skipped++;
    }
    return 0;
}

static int mirror_upload_file(struct mirror *mr, struct mirror_file *f, struct err *err)
{
    int fd = openat(mr->from_fd, f->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, "cannot open \"%s\": %s", f->path, strerror(errno));
    struct s3_put_opts o = {f->content_type, f->sha256, f->name};
    int rc = s3_put_file(&mr->s3, f->key, fd, f->size, &o, err);
    close(fd);
    if (rc < 0)
        return -1;
    log_info("%s: uploaded %" PRId64 " bytes", f->key, f->size);
    mr->uploaded++;
    mr->bytes += f->size;
    return 0;
}

/* HEAD every file, hash every file to be uploaded (all of them before the
 * first upload, so a tampered file uploads nothing), then upload. Files the
 * bucket already holds are not read: a second out costs its HEADs. */
static int mirror_upload_missing(struct mirror *mr, struct err *err)
{
    for (size_t i = 0; i < mr->n_files; i++)
        if (mirror_head_file(mr, &mr->files[i], err) < 0)
            return -1;
    for (size_t i = 0; i < mr->n_files; i++)
        if (!mr->files[i].skipped && mirror_verify_file(mr, &mr->files[i], err) < 0)
            return -1;
    log_info("mirroring %s/%s %s (%zu files) to s3://%s/%s", mr->owner, mr->repository, mr->tag,
             mr->n_files, mr->cfg->bucket, buf_str(&mr->release_prefix));
    for (size_t i = 0; i < mr->n_files; i++) {
        if (mr->files[i].skipped)
            log_info("%s: unchanged in the bucket, skipped", mr->files[i].key);
        else if (mirror_upload_file(mr, &mr->files[i], err) < 0)
            return -1;
    }
    return 0;
}

/* ---- step 4: manifest and sums in the bucket ---- */

static json_t *mirror_bucket_manifest(const struct mirror *mr)
{
    json_t *doc = json_deep_copy(mr->manifest);
    json_t *files = json_object_get(doc, "files");
    for (size_t i = 0; i < mr->n_files; i++)
        json_object_set_new(json_array_get(files, i), "key", json_string(mr->files[i].key));
    json_object_set_new(doc, "bucket", json_string(mr->cfg->bucket));
    json_object_set_new(doc, "prefix", json_string(buf_str(&mr->release_prefix)));
    return doc;
}

static int mirror_put_json(struct mirror *mr, const char *key, json_t *doc, struct err *err)
{
    char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    json_decref(doc);
    if (!text)
        return err_set(err, "cannot encode \"%s\"", key);
    char hex[65];
    sha256_hex(text, strlen(text), hex);
    struct s3_put_opts o = {"application/json", hex, NULL};
    int rc = s3_put_buffer(&mr->s3, key, text, strlen(text), &o, err);
    free(text);
    return rc;
}

static int mirror_put_release_files(struct mirror *mr, struct err *err)
{
    struct buf sums = BUF_INIT(0), key = BUF_INIT(0);
    const char *rp = buf_str(&mr->release_prefix);
    for (size_t i = 0; i < mr->n_files; i++) {
        const char *k = mr->files[i].key;
        const char *shown = strncmp(k, rp, strlen(rp)) == 0 ? k + strlen(rp) : k;
        buf_addf(&sums, "%s  %s\n", mr->files[i].sha256, shown);
    }
    char hex[65];
    sha256_hex(buf_str(&sums), sums.len, hex);
    struct s3_put_opts o = {"text/plain; charset=utf-8", hex, NULL};
    int rc = buf_addf(&key, "%s%s", rp, MIRROR_SUMS) < 0
                 ? err_set(err, "out of memory")
                 : s3_put_buffer(&mr->s3, key.ptr, buf_str(&sums), sums.len, &o, err);
    buf_reset(&key);
    if (rc == 0 && buf_addf(&key, "%s%s", rp, MIRROR_MANIFEST) == 0)
        rc = mirror_put_json(mr, key.ptr, mirror_bucket_manifest(mr), err);
    buf_free(&sums);
    buf_free(&key);
    return rc;
}

/* ---- release attestation evidence: the get's attestations/ ---- */

static const char *const mirror_attest_files[] = {"release.sigstore.json", "trusted_root.json"};

static int mirror_attest_key(const struct mirror *mr, const char *name, struct buf *key)
{
    buf_reset(key);
    return buf_addf(key, "%s%s/%s", buf_str(&mr->release_prefix), ATTEST_MIRROR_DIR, name);
}

/* No asset may take the key of the evidence (checked before any upload). */
static int mirror_check_attest_keys(struct mirror *mr, struct err *err)
{
    struct buf key = BUF_INIT(0);
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < 2; k++) {
        if (mirror_attest_key(mr, mirror_attest_files[k], &key) < 0)
            rc = err_set(err, "out of memory");
        for (size_t i = 0; rc == 0 && i < mr->n_files; i++)
            if (!strcmp(mr->files[i].key, key.ptr))
                rc = err_set(err,
                             "asset \"%s\" would be stored at \"%s\", the key of the release's "
                             "attestation; set source.mirror.key_template to e.g. "
                             "\"{owner}/{repository}/{tag}/assets/{asset}\"",
                             mr->files[i].name, key.ptr);
    }
    buf_free(&key);
    return rc;
}

/* Upload from/attestations/NAME when the get verified an attestation. */
static int mirror_put_attest_file(struct mirror *mr, const char *name, struct err *err)
{
    char rel[96];
    struct buf data = BUF_INIT(SIGSTORE_BUNDLE_MAX), key = BUF_INIT(0);
    snprintf(rel, sizeof(rel), "%s/%s", ATTEST_MIRROR_DIR, name);
    int fd = openat(mr->from_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : err_set(err, "cannot open \"%s\": %s", rel, strerror(errno));
    int rc = buf_read_fd(&data, fd) < 0 ? err_set(err, "cannot read \"%s\"", rel) : 0;
    close(fd);
    char hex[65];
    sha256_hex(buf_str(&data), data.len, hex);
    struct s3_put_opts o = {"application/json", hex, NULL};
    if (rc == 0 && mirror_attest_key(mr, name, &key) < 0)
        rc = err_set(err, "out of memory");
    if (rc == 0)
        rc = s3_put_buffer(&mr->s3, key.ptr, buf_str(&data), data.len, &o, err);
    buf_free(&data);
    buf_free(&key);
    return rc;
}

static int mirror_put_attestations(struct mirror *mr, struct err *err)
{
    for (size_t k = 0; k < 2; k++)
        if (mirror_put_attest_file(mr, mirror_attest_files[k], err) < 0)
            return -1;
    return 0;
}

/* ---- step 5: latest.json ---- */

/* Order this release against one named by a manifest or latest.json. */
static int mirror_cmp(const struct mirror *mr, const char *tag, const char *id,
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

static json_t *mirror_latest_doc(const struct mirror *mr)
{
    json_t *files = json_array();
    for (size_t i = 0; i < mr->n_files; i++)
        json_array_append_new(files,
                              json_pack("{s:s s:s s:I s:s}", "name", mr->files[i].name, "key",
                                        mr->files[i].key, "size", (json_int_t)mr->files[i].size,
                                        "sha256", mr->files[i].sha256));
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    return json_pack("{s:s s:s s:s s:s s:s s:s s:s s:s s:o}", "owner", mr->owner, "repository",
                     mr->repository, "tag", mr->tag, "id", mr->id, "version", mr->version,
                     "timestamp", mr->timestamp, "prefix", buf_str(&mr->release_prefix),
                     "mirrored_at", now, "files", files);
}

static int mirror_update_latest(struct mirror *mr, struct err *err)
{
    struct buf key = BUF_INIT(0), old = BUF_INIT(0);
    int found = 0, rc = buf_addf(&key, "%s%s", buf_str(&mr->repo_prefix), MIRROR_LATEST);
    if (rc < 0)
        return err_set(err, "out of memory");
    rc = s3_get_object(&mr->s3, key.ptr, &old, &found, err);
    json_t *prev = rc == 0 && found ? json_loadb(buf_str(&old), old.len, 0, NULL) : NULL;
    const char *ptag = json_string_value(json_object_get(prev, "tag"));
    if (rc == 0 && ptag) {
        int c = mirror_cmp(mr, mr->tag, mr->id, mr->timestamp, ptag,
                           json_string_value(json_object_get(prev, "id")),
                           json_string_value(json_object_get(prev, "timestamp")));
        if (c < 0) {
            log_info("%s names %s, which is newer than %s: left as it is", key.ptr, ptag, mr->tag);
            rc = 1;
        }
    } else if (rc == 0 && found) {
        log_warn("%s is not a latest.json this resource wrote; replacing it", key.ptr);
    }
    if (rc == 0) {
        rc = mirror_put_json(mr, key.ptr, mirror_latest_doc(mr), err);
        if (rc == 0)
            log_info("%s now names %s", key.ptr, mr->tag);
    }
    json_decref(prev);
    buf_free(&key);
    buf_free(&old);
    return rc < 0 ? -1 : 0;
}

/* ---- step 6: keep_versions ---- */

struct mirror_old {
    char *prefix; /* "{repo_prefix}{tag}/" */
    json_t *manifest;
};

struct mirror_list {
    struct mirror_old *items;
    size_t n, cap;
};

static int mirror_collect_prefix(void *ctx, const char *key, int64_t size, int is_prefix,
                                 struct err *err)
{
    struct mirror_list *l = ctx;
    (void)size;
    if (!is_prefix)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct mirror_old *grown = realloc(l->items, cap * sizeof(*grown));
        if (!grown)
            return err_set(err, "out of memory");
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->n].manifest = NULL;
    if (!(l->items[l->n].prefix = strdup(key)))
        return err_set(err, "out of memory");
    l->n++;
    return 0;
}

struct mirror_keys {
    char **keys;
    size_t n, cap;
};

static int mirror_keys_add(struct mirror_keys *k, const char *key, struct err *err)
{
    for (size_t i = 0; i < k->n; i++)
        if (!strcmp(k->keys[i], key))
            return 0;
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

static int mirror_collect_key(void *ctx, const char *key, int64_t size, int is_prefix,
                              struct err *err)
{
    (void)size;
    return is_prefix ? 0 : mirror_keys_add(ctx, key, err);
}

/* Every key of an old release: under its prefix, and its assets elsewhere. */
static int mirror_delete_release(struct mirror *mr, const struct mirror_old *old, struct err *err)
{
    struct mirror_keys k = {0};
    json_t *files = json_object_get(old->manifest, "files");
    int rc = s3_list_objects(&mr->s3, old->prefix, NULL, mirror_collect_key, &k, err);
    for (size_t i = 0; rc == 0 && i < json_array_size(files); i++) {
        const char *key = json_string_value(json_object_get(json_array_get(files, i), "key"));
        if (key)
            rc = mirror_keys_add(&k, key, err);
    }
    if (rc == 0)
        rc = s3_delete_objects(&mr->s3, (const char *const *)k.keys, k.n, err);
    if (rc == 0)
        log_info("keep_versions: deleted %s (%zu objects)", old->prefix, k.n);
    for (size_t i = 0; i < k.n; i++)
        free(k.keys[i]);
    free(k.keys);
    return rc;
}

static int mirror_load_old(struct mirror *mr, struct mirror_old *old, struct err *err)
{
    struct buf key = BUF_INIT(0), body = BUF_INIT(0);
    int found = 0, rc = buf_addf(&key, "%s%s", old->prefix, MIRROR_MANIFEST);
    if (rc == 0)
        rc = s3_get_object(&mr->s3, key.ptr, &body, &found, err);
    if (rc == 0 && found)
        old->manifest = json_loadb(buf_str(&body), body.len, 0, NULL);
    if (rc == 0 && !json_string_value(json_object_get(old->manifest, "tag")))
        log_warn("keep_versions: %s has no readable %s; left alone", old->prefix, MIRROR_MANIFEST);
    buf_free(&key);
    buf_free(&body);
    return rc;
}

static int mirror_old_cmp(struct mirror *mr, const struct mirror_old *a, const struct mirror_old *b)
{
    const json_t *x = a->manifest, *y = b->manifest;
    return mirror_cmp(mr, json_string_value(json_object_get(x, "tag")),
                      json_string_value(json_object_get(x, "id")),
                      json_string_value(json_object_get(x, "timestamp")),
                      json_string_value(json_object_get(y, "tag")),
                      json_string_value(json_object_get(y, "id")),
                      json_string_value(json_object_get(y, "timestamp")));
}

static int mirror_retention(struct mirror *mr, struct err *err)
{
    size_t keep = (size_t)mr->r->req.put.keep_versions, n = 0;
    struct mirror_list l = {0};
    struct mirror_old **valid = NULL;
    int rc =
        s3_list_objects(&mr->s3, buf_str(&mr->repo_prefix), "/", mirror_collect_prefix, &l, err);
    if (rc == 0 && !(valid = calloc(l.n + 1, sizeof(*valid))))
        rc = err_set(err, "out of memory");
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        rc = mirror_load_old(mr, &l.items[i], err);
        if (rc == 0 && json_string_value(json_object_get(l.items[i].manifest, "tag")))
            valid[n++] = &l.items[i];
    }
    for (size_t i = 1; rc == 0 && i < n; i++) /* insertion sort, newest first */
        for (size_t j = i; j > 0 && mirror_old_cmp(mr, valid[j - 1], valid[j]) < 0; j--) {
            struct mirror_old *t = valid[j];
            valid[j] = valid[j - 1];
            valid[j - 1] = t;
        }
    for (size_t i = keep; rc == 0 && i < n; i++)
        if (strcmp(valid[i]->prefix, buf_str(&mr->release_prefix)) != 0) /* never this one */
            rc = mirror_delete_release(mr, valid[i], err);
    for (size_t i = 0; i < l.n; i++) {
        free(l.items[i].prefix);
        json_decref(l.items[i].manifest);
    }
    free(l.items);
    free(valid);
    return rc;
}

/* ---- the command ---- */

static int mirror_open_s3(struct mirror *mr, struct err *err)
{
    if (http_client_init(&mr->http, err) < 0)
        return -1;
    mr->http_ready = 1;
    mr->http.insecure = mr->cfg->skip_ssl_verification;
    mr->http.ca_pem = mr->cfg->ca_cert;
    if (s3_client_init(&mr->s3, &mr->http, mr->cfg, err) < 0)
        return -1;
    mr->s3_ready = 1;
    return 0;
}

static int mirror_steps(struct mirror *mr, const char *sources_dir, struct err *err)
{
    if (mirror_open_from(mr, sources_dir, err) < 0 || mirror_read_manifest(mr, err) < 0)
        return -1;
    for (size_t i = 0; i < mr->n_files; i++)
        if (mirror_check_file(mr, &mr->files[i], err) < 0)
            return -1;
    if (mirror_plan_keys(mr, err) < 0 || mirror_check_attest_keys(mr, err) < 0 ||
        mirror_open_s3(mr, err) < 0)
        return -1;
    if (mirror_upload_missing(mr, err) < 0)
        return -1;
    if (mirror_put_attestations(mr, err) < 0 || mirror_put_release_files(mr, err) < 0 ||
        mirror_update_latest(mr, err) < 0)
        return -1;
    if (mr->r->req.put.keep_versions > 0 && mirror_retention(mr, err) < 0)
        return err_prefix(err, "keep_versions");
    log_info("mirrored %s: %d uploaded (%" PRId64 " bytes), %d unchanged", mr->tag, mr->uploaded,
             mr->bytes, mr->skipped);
    return 0;
}

static json_t *mirror_response(const struct mirror *mr)
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
        json_pack("{s:s s:s s:s}", "tag", mr->tag, "id", mr->id, "timestamp", mr->timestamp);
    return json_pack("{s:o s:o}", "version", version, "metadata", md);
}

int mirror_run(struct resource *r, const char *sources_dir, json_t **response, struct err *err)
{
    struct mirror mr;
    memset(&mr, 0, sizeof(mr));
    mr.r = r;
    mr.cfg = &r->req.source.mirror;
    mr.from_fd = -1;
    buf_init(&mr.repo_prefix, 0);
    buf_init(&mr.release_prefix, 0);
    *response = NULL;
    int rc = mirror_steps(&mr, sources_dir, err);
    if (rc == 0)
        *response = mirror_response(&mr);
    if (mr.s3_ready)
        s3_client_cleanup(&mr.s3);
    if (mr.http_ready)
        http_client_cleanup(&mr.http);
    if (mr.from_fd >= 0)
        close(mr.from_fd);
    for (size_t i = 0; i < mr.n_files; i++)
        free(mr.files[i].key);
    free(mr.files);
    json_decref(mr.manifest);
    buf_free(&mr.repo_prefix);
    buf_free(&mr.release_prefix);
    return rc;
}
