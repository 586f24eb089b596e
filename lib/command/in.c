/* in.c - the in command's work: release lookup, asset plan, downloads and
 * metadata files (see in.h). */
#include "in.h"
#include "assets.h"
#include "attest_get.h"
#include "attest_prov_get.h"
#include "listing.h"
#include "log.h"
#include "manifest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One file the get produces besides the metadata: an asset or a source archive. */
struct in_file {
    const char *name;         /* file name (borrowed) */
    char path[300];           /* relative to DEST */
    const char *content_type; /* borrowed */
    int is_asset;
    struct assets_download dl;
    struct attest_prov_asset prov; /* its build provenance, when verified */
};

struct in_ctx {
    struct resource *r;
    struct github_release rel;
    int dest_fd, files_fd; /* DEST, and where files go (DEST or DEST/assets) */
    int tmp_fd;            /* the private temporary directory in DEST */
    char tmp_name[64];     /* its name in DEST, or "" */
    struct in_file *files;
    size_t n_files;
    char *version_text;
    char *commit_sha;
    int tag_null;                /* GitHub gave tag_name null: rel.tag is "" */
    struct attest_get att;       /* the release attestation, when verified */
    struct attest_prov_get prov; /* build provenance: the roots used */
};

static int in_open_dest(const char *dest, int *fd, struct err *err)
{
    *fd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0)
        return err_set(err, "destination \"%s\" is not a directory: %s", dest, strerror(errno));
    if (faccessat(*fd, ".", W_OK, AT_EACCESS) < 0) {
        int e = errno;
        close(*fd);
        *fd = -1;
        return err_set(err, "destination \"%s\" is not writable: %s", dest, strerror(e));
    }
    return 0;
}

/* The pid in a temporary name of ours (".grm-tmp-PID-XXXXXX", a directory;
 * ".grm-part-N-PID", ".grm-meta-PID.tmp", files of older versions), or 0
 * when name is not one. */
static long in_temp_pid(const char *name)
{
    char *end;
    if (strncmp(name, ".grm-tmp-", 9) == 0) {
        long pid = strtol(name + 9, &end, 10);
        return pid > 0 && *end == '-' && strlen(end + 1) == 6 ? pid : 0;
    }
    if (strncmp(name, ".grm-part-", 10) != 0 && strncmp(name, ".grm-meta-", 10) != 0)
        return 0;
    long pid = strtol(strrchr(name, '-') + 1, &end, 10);
    return pid > 0 && (*end == '\0' || strcmp(end, ".tmp") == 0) ? pid : 0;
}

/* Empty the directory name in dir_fd (it holds only plain files of ours)
 * and remove it. Best effort. */
static void in_remove_dir(int dir_fd, const char *name)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
        unlinkat(dir_fd, name, 0); /* a link or file planted under the name: not followed */
        return;
    }
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d && fd >= 0)
        close(fd);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
    unlinkat(dir_fd, name, AT_REMOVEDIR);
}

/* Remove the temporary files an interrupted get (killed: no cleanup) left in
 * dir: those of processes that are gone, or of our own pid, reused in a new
 * container. Those of a live process are left alone. Best effort. */
static void in_remove_leftovers(int dir_fd)
{
    int fd = dup(dir_fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    for (struct dirent *e; (e = readdir(d));) {
        long pid = in_temp_pid(e->d_name);
        if (pid == 0 || (pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH)))
            continue;
        if (strncmp(e->d_name, ".grm-tmp-", 9) == 0)
            in_remove_dir(dir_fd, e->d_name);
        else
            unlinkat(dir_fd, e->d_name, 0);
        log_info("removed \"%s\", left by an interrupted run", e->d_name);
    }
    closedir(d);
}

/* The private directory every temporary file goes to: made by mkdtemp in
 * DEST, so that no asset name (never holding '/') can reach one. */
static int in_make_tmp(struct in_ctx *f, const char *dest, struct err *err)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/.grm-tmp-%ld-XXXXXX", dest, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(path))
        return err_set(err, "destination path is too long");
    if (!mkdtemp(path))
        return err_set(err, "cannot create a temporary directory in \"%s\": %s", dest,
                       strerror(errno));
    snprintf(f->tmp_name, sizeof(f->tmp_name), "%s", strrchr(path, '/') + 1);
    f->tmp_fd = openat(f->dest_fd, f->tmp_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (f->tmp_fd < 0)
        return err_set(err, "cannot open \"%s\": %s", f->tmp_name, strerror(errno));
    return 0;
}

/* A draft has no by-tag lookup: find its id in the listing. */
static int in_find_draft(struct resource *r, const char *tag, char *id, size_t n, struct err *err)
{
    struct listing list;
    if (listing_fetch(&r->gh, &list, err) < 0)
        return -1;
    id[0] = '\0';
    for (size_t i = 0; i < list.n; i++)
        if (list.rels[i].draft && strcmp(list.rels[i].tag, tag) == 0)
            snprintf(id, n, "%lld", (long long)list.rels[i].id);
    listing_free(&list);
    return 0;
}

/* By id first, then by tag, then (drafts) by tag in the listing. A version
 * may hold only an id. */
static int in_resolve(struct in_ctx *f, struct err *err)
{
    const struct request_version *v = &f->r->req.version;
    int found = 0;
    if (v->id && github_get_release(&f->r->gh, v->id, NULL, &f->rel, &found, err) < 0)
        return -1;
    if (!found && !v->tag)
        return err_set(err, "release with id %s not found in %s/%s: it may have been deleted",
                       v->id, f->r->req.source.owner, f->r->req.source.repository);
    if (!found && github_get_release(&f->r->gh, NULL, v->tag, &f->rel, &found, err) < 0)
        return -1;
    if (!found && v->tag) {
        char id[32];
        if (in_find_draft(f->r, v->tag, id, sizeof(id), err) < 0)
            return -1;
        if (id[0] && github_get_release(&f->r->gh, id, NULL, &f->rel, &found, err) < 0)
            return -1;
    }
    if (found && !f->rel.tag) { /* a draft without a tag, got by id */
        f->tag_null = 1;
        if (!(f->rel.tag = strdup("")))
            return err_set(err, "out of memory");
    }
    if (!found)
        return err_set(err, "release \"%s\"%s%s%s not found in %s/%s: it may have been deleted",
                       v->tag ? v->tag : "", v->id ? " (id " : "", v->id ? v->id : "",
                       v->id ? ")" : "", f->r->req.source.owner, f->r->req.source.repository);
    return 0;
}

static int in_is_meta_name(const char *name)
{
    for (size_t i = 0; manifest_reserved_names[i]; i++)
        if (strcmp(manifest_reserved_names[i], name) == 0)
            return 1;
    return 0;
}

static int in_add_file(struct in_ctx *f, const char *name, const char *content_type, int is_asset)
{
    struct in_file *ff = &f->files[f->n_files++];
    memset(ff, 0, sizeof(*ff));
    ff->name = name;
    ff->content_type = content_type;
    ff->is_asset = is_asset;
    snprintf(ff->path, sizeof(ff->path), "%s%s",
             f->r->req.source.asset_dir ? MANIFEST_ASSET_DIR "/" : "", name);
    return 0;
}

/* Whether the get writes the source archive `name` (source.tar.gz or
 * source.zip): asked for, and the release has a tag to archive. */
static int in_wants_source(const struct in_ctx *f, const char *name)
{
    const struct request_get_params *p = &f->r->req.get;
    if (!*f->rel.tag)
        return 0;
    if (strcmp(name, "source.tar.gz") == 0)
        return p->include_source_tarball && f->rel.tarball_url;
    return strcmp(name, "source.zip") == 0 && p->include_source_zip && f->rel.zipball_url;
}

/* Which assets to download; every name is checked before anything is written. */
static int in_plan(struct in_ctx *f, struct err *err)
{
    const struct request *req = &f->r->req;
    char *const *globs = req->get.globs ? req->get.globs : req->source.globs;
    size_t n_globs = req->get.globs ? req->get.n_globs : req->source.n_globs;
    f->files = calloc(f->rel.n_assets + 2, sizeof(*f->files));
    if (!f->files)
        return err_set(err, "out of memory");
    for (size_t i = 0; i < f->rel.n_assets; i++) {
        const struct github_asset *a = &f->rel.assets[i];
        if (strcmp(a->state, "uploaded") != 0 || !assets_selected(globs, n_globs, a->name))
            continue;
        if (assets_name_check(a->name, err) < 0)
            return -1;
        if (in_wants_source(f, a->name))
            return err_set(err,
                           "asset \"%s\" has the name of the source archive the get writes "
                           "(params.include_source_%s); exclude the asset with the glob "
                           "\"!%s\" or drop that param",
                           a->name, strcmp(a->name, "source.zip") ? "tarball" : "zip", a->name);
        if (in_is_meta_name(a->name) && !req->source.asset_dir)
            return err_set(err,
                           "asset \"%s\" has the name of a file the get writes itself; set "
                           "asset_dir: true in source to put assets under %s/",
                           a->name, MANIFEST_ASSET_DIR);
        in_add_file(f, a->name, a->content_type, 1);
        f->files[f->n_files - 1].dl.url = a->url;
        f->files[f->n_files - 1].dl.size = a->size;
        f->files[f->n_files - 1].dl.digest = a->digest;
    }
    return 0;
}

static void in_add_sources(struct in_ctx *f)
{
    const struct request_get_params *p = &f->r->req.get;
    if (!*f->rel.tag && (p->include_source_tarball || p->include_source_zip))
        log_warn("the release has no tag: no source archive to download");
    if (in_wants_source(f, "source.tar.gz")) {
        in_add_file(f, "source.tar.gz", "application/gzip", 0);
        f->files[f->n_files - 1].dl.url = f->rel.tarball_url;
    }
    if (in_wants_source(f, "source.zip")) {
        in_add_file(f, "source.zip", "application/zip", 0);
        f->files[f->n_files - 1].dl.url = f->rel.zipball_url;
    }
}

static int in_download(struct in_ctx *f, struct err *err)
{
    struct assets_download *ds = calloc(f->n_files ? f->n_files : 1, sizeof(*ds));
    if (!ds)
        return err_set(err, "out of memory");
    for (size_t i = 0; i < f->n_files; i++) {
        ds[i] = f->files[i].dl;
        ds[i].dir_fd = f->files_fd;
        ds[i].tmp_dir_fd = f->tmp_fd;
        ds[i].name = f->files[i].name;
        ds[i].headers = f->files[i].is_asset ? f->r->gh.octet_headers : f->r->gh.json_headers;
        if (!f->files[i].is_asset)
            ds[i].size = -1;
    }
    int rc = assets_download_all(&f->r->http, ds, f->n_files, f->r->req.get.concurrency, err);
    for (size_t i = 0; i < f->n_files; i++)
        f->files[i].dl = ds[i];
    free(ds);
    return rc;
}

/* Write a small file atomically: written in the temporary directory, then
 * renamed into dir_fd. */
static int in_write(const struct in_ctx *f, int dir_fd, const char *name, const char *data,
                    size_t len, struct err *err)
{
    const char *tmp = "meta";
    int fd = openat(f->tmp_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return err_set(err, "cannot create \"%s\": %s", name, strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break;
        off += (size_t)w;
    }
    int e = off == len ? 0 : errno;
    if (close(fd) < 0 && !e)
        e = errno;
    if (!e && renameat(f->tmp_fd, tmp, dir_fd, name) < 0)
        e = errno;
    if (e) {
        unlinkat(f->tmp_fd, tmp, 0);
        return err_set(err, "cannot write \"%s\": %s", name, strerror(e));
    }
    return 0;
}

static int in_write_str(const struct in_ctx *f, const char *name, const char *s, struct err *err)
{
    return in_write(f, f->dest_fd, name, s ? s : "", s ? strlen(s) : 0, err);
}

/* attestations/release.sigstore.json and attestations/trusted_root.json,
 * when the release attestation was verified. */
static int in_write_attestation(struct in_ctx *f, struct err *err)
{
    if (!f->att.verified)
        return 0;
    if (mkdirat(f->dest_fd, MANIFEST_ATTEST_DIR, 0755) < 0 && errno != EEXIST)
        return err_set(err, "cannot create \"%s\": %s", MANIFEST_ATTEST_DIR, strerror(errno));
    int fd = openat(f->dest_fd, MANIFEST_ATTEST_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0)
        return err_set(err, "cannot open \"%s\": %s", MANIFEST_ATTEST_DIR, strerror(errno));
    const char *bundle = f->att.bundle_json, *root = f->att.trusted_root_json;
    int rc = in_write(f, fd, "release.sigstore.json", bundle, strlen(bundle), err);
    if (rc == 0)
        rc = in_write(f, fd, "trusted_root.json", root, strlen(root), err);
    close(fd);
    return rc;
}

/* attestations/ASSET.sigstore.json per asset whose provenance verified, and
 * the trusted roots they were verified against. */
static int in_write_provenance(struct in_ctx *f, struct err *err)
{
    static const char *const roots[2] = {ATTEST_PROV_ROOT_PUBLIC_GOOD, ATTEST_PROV_ROOT_GITHUB};
    char name[320];
    size_t n = 0;
    for (size_t i = 0; i < f->n_files; i++)
        n += f->files[i].prov.verified;
    if (n == 0)
        return 0; /* none verified, or skip_download: no files to record */
    if (mkdirat(f->dest_fd, MANIFEST_ATTEST_DIR, 0755) < 0 && errno != EEXIST)
        return err_set(err, "cannot create \"%s\": %s", MANIFEST_ATTEST_DIR, strerror(errno));
    int fd = openat(f->dest_fd, MANIFEST_ATTEST_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0)
        return err_set(err, "cannot open \"%s\": %s", MANIFEST_ATTEST_DIR, strerror(errno));
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < f->n_files; i++) {
        const struct attest_prov_asset *pa = &f->files[i].prov;
        snprintf(name, sizeof(name), "%s.sigstore.json", f->files[i].name);
        if (pa->verified)
            rc = in_write(f, fd, name, pa->bundle_json, strlen(pa->bundle_json), err);
    }
    for (int k = 0; rc == 0 && k < 2; k++)
        if (f->prov.used[k])
            rc = in_write(f, fd, roots[k], f->prov.root_text[k], strlen(f->prov.root_text[k]), err);
    close(fd);
    return rc;
}

/* Each selected asset's build provenance, before any download. An asset
 * named "release" would take the release attestation's evidence name. */
static int in_provenance(struct in_ctx *f, struct err *err)
{
    attest_prov_get_init(&f->prov, &f->r->gh, &f->r->attest_cfg, &f->r->tuf);
    for (size_t i = 0; i < f->n_files; i++) {
        struct in_file *ff = &f->files[i];
        if (!ff->is_asset)
            continue;
        if (attest_prov_get_asset(&f->prov, ff->name, ff->dl.digest, &ff->prov, err) < 0)
            return -1;
        if (ff->prov.verified && f->att.verified && strcmp(ff->name, "release") == 0)
            return err_set(err, "asset \"release\": its provenance would take the name of the "
                                "release attestation's evidence");
    }
    return 0;
}

/* Assets GitHub gave no digest are checked against the attested sha256. */
static void in_attested_digests(struct in_ctx *f)
{
    for (size_t i = 0; f->att.verified && i < f->n_files; i++)
        if (f->files[i].is_asset && !f->files[i].dl.digest)
            f->files[i].dl.digest = attest_get_subject_sha256(&f->att, f->files[i].name);
}

/* What release.json says of one file. */
static void in_manifest_entry(const struct in_ctx *f, const struct in_file *ff,
                              struct manifest_entry *e, struct manifest_provenance *p)
{
    int release = ff->is_asset && f->att.verified;
    *e = (struct manifest_entry){.name = ff->name,
                                 .path = ff->path,
                                 .sha256 = ff->dl.sha256,
                                 .content_type = ff->content_type,
                                 .size = ff->dl.bytes,
                                 .is_asset = ff->is_asset,
                                 .attested = release ? "release" : NULL,
                                 .signer = release ? f->att.signer : NULL};
    if (!ff->prov.verified)
        return;
    *p = (struct manifest_provenance){ff->prov.san, ff->prov.repository, ff->prov.commit,
                                      f->r->req.source.attestations.predicate_type};
    e->attested = f->att.verified ? "release,provenance" : "provenance";
    e->provenance = p;
}

static json_t *in_manifest(const struct in_ctx *f)
{
    struct manifest_entry *entries = calloc(f->n_files + 1, sizeof(*entries));
    struct manifest_provenance *provs = calloc(f->n_files + 1, sizeof(*provs));
    json_t *doc = NULL;
    if (entries && provs) {
        for (size_t i = 0; i < f->n_files; i++)
            in_manifest_entry(f, &f->files[i], &entries[i], &provs[i]);
        struct manifest_release mr = {f->r->req.source.owner, f->r->req.source.repository,
                                      f->version_text, f->commit_sha, &f->rel};
        doc = manifest_build(&mr, entries, f->n_files);
    }
    free(entries);
    free(provs);
    return doc;
}

/* The small files, each only when it has content (as github-release-
 * resource): no tag or version without a tag, no commit_sha for a draft or
 * an unknown tag, no body without notes. */
static int in_write_small(struct in_ctx *f, struct err *err)
{
    const char *const files[][2] = {
        {"tag", f->rel.tag},           {"version", *f->rel.tag ? f->version_text : NULL},
        {"commit_sha", f->commit_sha}, {"body", f->rel.body},
        {"url", f->rel.html_url},      {"timestamp", github_release_time(&f->rel)},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if (files[i][1] && *files[i][1] && in_write_str(f, files[i][0], files[i][1], err) < 0)
            return -1;
    return 0;
}

static int in_write_meta(struct in_ctx *f, struct err *err)
{
    struct buf sums = BUF_INIT(0);
    for (size_t i = 0; i < f->n_files; i++)
        manifest_sums_line(&sums, f->files[i].dl.sha256, f->files[i].path);
    json_t *manifest = in_manifest(f);
    char *manifest_text = manifest ? json_dumps(manifest, JSON_INDENT(2)) : NULL;
    json_decref(manifest);
    int rc = manifest_text ? 0 : err_set(err, "cannot encode %s", MANIFEST_NAME);
    if (rc == 0)
        rc = in_write_small(f, err);
    if (rc == 0)
        rc = in_write_attestation(f, err);
    if (rc == 0)
        rc = in_write_provenance(f, err);
    if (rc == 0)
        rc = in_write(f, f->dest_fd, MANIFEST_SUMS, buf_str(&sums), sums.len, err);
    if (rc == 0)
        rc = in_write_str(f, MANIFEST_NAME, manifest_text, err);
    free(manifest_text);
    buf_free(&sums);
    return rc;
}

/* A metadata pair with one more member (steals extra; none when NULL). */
static void in_metadata_add(json_t *md, const char *name, const char *value, const char *key,
                            json_t *extra)
{
    resource_metadata_add(md, name, value);
    if (extra)
        json_object_set_new(json_array_get(md, json_array_size(md) - 1), key, extra);
}

static json_t *in_response(const struct in_ctx *f)
{
    int64_t bytes = 0;
    char count[32], total[32];
    for (size_t i = 0; i < f->n_files; i++)
        bytes += f->files[i].dl.bytes;
    snprintf(count, sizeof(count), "%zu", f->n_files);
    snprintf(total, sizeof(total), "%" PRId64, bytes);
    const struct github_release *rel = &f->rel;
    json_t *md = json_array();
    /* github-release-resource's pairs, in its order, then ours */
    if (rel->name)
        in_metadata_add(md, "name", rel->name, "url",
                        rel->html_url ? json_string(rel->html_url) : NULL);
    if (rel->html_url)
        resource_metadata_add(md, "url", rel->html_url);
    if (rel->body)
        in_metadata_add(md, "body", rel->body, "markdown", json_true());
    if (!f->tag_null)
        resource_metadata_add(md, "tag", rel->tag);
    if (f->commit_sha)
        resource_metadata_add(md, "commit_sha", f->commit_sha);
    if (rel->draft)
        resource_metadata_add(md, "draft", "true");
    if (rel->prerelease)
        resource_metadata_add(md, "pre-release", "true");
    if (rel->published_at)
        resource_metadata_add(md, "published_at", rel->published_at);
    resource_metadata_add(md, "assets", count);
    resource_metadata_add(md, "bytes", total);
    if (f->att.verified)
        resource_metadata_add(md, "attested", "release");
    size_t n_prov = 0;
    for (size_t i = 0; i < f->n_files; i++)
        n_prov += f->files[i].prov.verified;
    char prov[32];
    snprintf(prov, sizeof(prov), "%zu", n_prov);
    if (n_prov)
        resource_metadata_add(md, "provenance_verified", prov);
    return json_pack("{s:o s:o}", "version", manifest_version_json(&f->rel), "metadata", md);
}

static int in_open_files_dir(struct in_ctx *f, struct err *err)
{
    f->files_fd = f->dest_fd;
    if (!f->r->req.source.asset_dir)
        return 0;
    if (mkdirat(f->dest_fd, MANIFEST_ASSET_DIR, 0755) < 0 && errno != EEXIST)
        return err_set(err, "cannot create \"%s\": %s", MANIFEST_ASSET_DIR, strerror(errno));
    f->files_fd = openat(f->dest_fd, MANIFEST_ASSET_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (f->files_fd < 0)
        return err_set(err, "cannot open \"%s\": %s", MANIFEST_ASSET_DIR, strerror(errno));
    /* the downloads are renamed into it from the temporary directory */
    if (faccessat(f->files_fd, ".", W_OK, AT_EACCESS) < 0)
        return err_set(err, "cannot create files in \"%s\": %s", MANIFEST_ASSET_DIR,
                       strerror(errno));
    in_remove_leftovers(f->files_fd);
    return 0;
}

/* The commit of a published release's tag (a draft's tag may not exist yet:
 * not asked, as github-release-resource). */
static int in_commit(struct in_ctx *f, struct err *err)
{
    const struct request_source *src = &f->r->req.source;
    if (f->rel.draft || !*f->rel.tag)
        return 0;
    if (github_resolve_commit(&f->r->gh, f->rel.tag, &f->commit_sha, err) < 0)
        return -1;
    if (!f->commit_sha)
        log_warn("tag \"%s\" does not exist in %s/%s yet: no commit_sha", f->rel.tag, src->owner,
                 src->repository);
    return 0;
}

static int in_steps(struct in_ctx *f, const char *dest, struct err *err)
{
    struct resource *r = f->r;
    if (in_open_dest(dest, &f->dest_fd, err) < 0 || in_resolve(f, err) < 0 ||
        github_list_assets(&r->gh, &f->rel, err) < 0 || in_plan(f, err) < 0)
        return -1;
    in_remove_leftovers(f->dest_fd);
    if (in_make_tmp(f, dest, err) < 0)
        return -1;
    f->version_text = releases_version_of(&r->policy, f->rel.tag);
    if (!f->version_text && !(f->version_text = strdup(f->rel.tag)))
        return err_set(err, "out of memory");
    if (in_commit(f, err) < 0)
        return -1;
    if (attest_get_release(&r->gh, &r->attest_cfg, &r->tuf, &f->rel, f->commit_sha, &f->att, err) <
        0)
        return -1;
    in_attested_digests(f);
    if (in_provenance(f, err) < 0)
        return -1;
    if (r->req.get.skip_download) {
        f->n_files = 0;
        log_info("skip_download: writing metadata only");
    } else {
        in_add_sources(f);
        if (in_open_files_dir(f, err) < 0 || in_download(f, err) < 0)
            return -1;
    }
    return in_write_meta(f, err);
}

int in_run(struct resource *r, const char *dest, json_t **response, struct err *err)
{
    struct in_ctx f;
    memset(&f, 0, sizeof(f));
    f.r = r;
    f.dest_fd = f.files_fd = f.tmp_fd = -1;
    *response = NULL;
    int rc = in_steps(&f, dest, err);
    if (rc == 0)
        *response = in_response(&f);
    if (f.tmp_fd >= 0)
        close(f.tmp_fd);
    if (f.tmp_name[0])
        in_remove_dir(f.dest_fd, f.tmp_name);
    if (f.files_fd >= 0 && f.files_fd != f.dest_fd)
        close(f.files_fd);
    if (f.dest_fd >= 0)
        close(f.dest_fd);
    for (size_t i = 0; f.files && i < f.n_files; i++)
        attest_prov_asset_free(&f.files[i].prov);
    attest_prov_get_free(&f.prov);
    free(f.files);
    free(f.version_text);
    free(f.commit_sha);
    attest_get_free(&f.att);
    github_release_free(&f.rel);
    return rc;
}
