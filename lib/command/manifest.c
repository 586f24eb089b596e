/* manifest.c - the names, version JSON, key templates, and release.json,
 * SHA256SUMS and latest.json written and read: the in -> out contract
 * (see manifest.h). */
#include "manifest.h"
#include "github.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char *const manifest_reserved_names[] = {
    "tag",         "version",     "commit_sha",        "body", "url", "timestamp",
    MANIFEST_NAME, MANIFEST_SUMS, MANIFEST_ATTEST_DIR, NULL};

const char *const manifest_placeholders[MANIFEST_PH_COUNT] = {"{owner}", "{repository}", "{tag}",
                                                              "{version}", "{asset}"};

int manifest_placeholder_at(const char *p)
{
    for (int i = 0; i < MANIFEST_PH_COUNT; i++)
        if (strncmp(p, manifest_placeholders[i], strlen(manifest_placeholders[i])) == 0)
            return i;
    return -1;
}

int manifest_repo_prefix(const char *prefix, const char *owner, const char *repository,
                         struct buf *out)
{
    return buf_addf(out, "%s%s/%s/", prefix ? prefix : "", owner, repository);
}

int manifest_release_prefix(const char *prefix, const char *owner, const char *repository,
                            const char *tag, struct buf *out)
{
    return buf_addf(out, "%s%s/%s/%s/", prefix ? prefix : "", owner, repository, tag);
}

int manifest_asset_key(const char *prefix, const char *key_template, const char *owner,
                       const char *repository, const char *tag, const char *version,
                       const char *asset, struct buf *out)
{
    const char *values[MANIFEST_PH_COUNT] = {owner, repository, tag, version, asset};
    if (buf_adds(out, prefix ? prefix : "") < 0)
        return -1;
    for (const char *p = key_template; *p;) {
        int i = *p == '{' ? manifest_placeholder_at(p) : -1;
        if (i >= 0) {
            if (buf_adds(out, values[i]) < 0)
                return -1;
            p += strlen(manifest_placeholders[i]);
        } else if (buf_addc(out, *p++) < 0) {
            return -1;
        }
    }
    return 0;
}

json_t *manifest_version_json(const struct github_release *rel)
{
    char id[32];
    snprintf(id, sizeof(id), "%lld", (long long)rel->id);
    if (!rel->tag || !*rel->tag) /* a draft without a tag: known by id only */
        return json_pack("{s:s s:s}", "id", id, "timestamp", github_release_time(rel));
    return json_pack("{s:s s:s s:s}", "tag", rel->tag, "id", id, "timestamp",
                     github_release_time(rel));
}

static json_t *manifest_entry_json(const struct manifest_entry *e)
{
    json_t *entry = json_pack("{s:s s:s s:I s:s s:s s:s}", "name", e->name, "path", e->path, "size",
                              (json_int_t)e->size, "sha256", e->sha256, "content_type",
                              e->content_type, "kind", e->is_asset ? "asset" : "source");
    if (entry && e->attested)
        json_object_set_new(entry, "attested", json_string(e->attested));
    if (entry && e->signer)
        json_object_set_new(entry, "signer", json_string(e->signer));
    const struct manifest_provenance *p = e->provenance;
    if (entry && p)
        json_object_set_new(entry, "provenance",
                            json_pack("{s:s s:s s:s s:s}", "signer_workflow", p->signer_workflow,
                                      "signer_repository", p->signer_repository, "signer_commit",
                                      p->signer_commit, "predicate_type", p->predicate_type));
    return entry;
}

json_t *manifest_build(const struct manifest_release *r, const struct manifest_entry *files,
                       size_t n_files)
{
    const struct github_release *rel = r->rel;
    char id[32];
    snprintf(id, sizeof(id), "%lld", (long long)rel->id);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n_files; i++)
        json_array_append_new(list, manifest_entry_json(&files[i]));
    return json_pack("{s:s s:s s:s s:s s:s? s:s s:b s:b s:s? s:s s:s? s:s s:o}", "owner", r->owner,
                     "repository", r->repository, "tag", rel->tag, "id", id, "name", rel->name,
                     "version", r->version, "prerelease", rel->prerelease, "draft", rel->draft,
                     "published_at", rel->published_at, "timestamp", github_release_time(rel),
                     "url", rel->html_url, "commit_sha", r->commit_sha ? r->commit_sha : "",
                     "files", list);
}

int manifest_sums_line(struct buf *out, const char *sha256, const char *name)
{
    return buf_addf(out, "%s  %s\n", sha256, name);
}

json_t *manifest_for_bucket(const json_t *manifest, const char *const *keys, size_t n_keys,
                            const char *bucket, const char *release_prefix)
{
    json_t *doc = json_deep_copy(manifest);
    json_t *files = json_object_get(doc, "files");
    for (size_t i = 0; i < n_keys; i++)
        json_object_set_new(json_array_get(files, i), "key", json_string(keys[i]));
    json_object_set_new(doc, "bucket", json_string(bucket));
    json_object_set_new(doc, "prefix", json_string(release_prefix));
    return doc;
}

json_t *manifest_latest_file(const struct manifest_file *f, const char *key)
{
    return json_pack("{s:s s:s s:I s:s}", "name", f->name, "key", key, "size", (json_int_t)f->size,
                     "sha256", f->sha256);
}

json_t *manifest_latest(const struct release_manifest *m, const char *release_prefix, json_t *files)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    return json_pack("{s:s s:s s:s s:s s:s s:s s:s s:s s:o}", "owner", m->owner, "repository",
                     m->repository, "tag", m->tag, "id", m->id, "version", m->version, "timestamp",
                     m->timestamp, "prefix", release_prefix, "mirrored_at", now, "files", files);
}

static int manifest_str(const json_t *obj, const char *key, const char **out, const char *where,
                        struct err *err)
{
    *out = json_string_value(json_object_get(obj, key));
    if (!*out)
        return err_set(err, "%s: field \"%s\" is missing or not a string", where, key);
    return 0;
}

int manifest_parse(const json_t *doc, struct release_manifest *m, struct err *err)
{
    const char *where = MANIFEST_NAME;
    m->doc = doc;
    m->files = json_object_get(doc, "files");
    if (manifest_str(doc, "owner", &m->owner, where, err) < 0 ||
        manifest_str(doc, "repository", &m->repository, where, err) < 0 ||
        manifest_str(doc, "tag", &m->tag, where, err) < 0 ||
        manifest_str(doc, "id", &m->id, where, err) < 0 ||
        manifest_str(doc, "timestamp", &m->timestamp, where, err) < 0 ||
        manifest_str(doc, "version", &m->version, where, err) < 0)
        return -1;
    return 0;
}

int manifest_file_read(const json_t *entry, struct manifest_file *f, struct err *err)
{
    const char *where = MANIFEST_NAME " files[]";
    json_t *size = json_object_get(entry, "size");
    if (manifest_str(entry, "name", &f->name, where, err) < 0 ||
        manifest_str(entry, "path", &f->path, where, err) < 0 ||
        manifest_str(entry, "sha256", &f->sha256, where, err) < 0 ||
        manifest_str(entry, "content_type", &f->content_type, where, err) < 0)
        return -1;
    if (!json_is_integer(size) || json_integer_value(size) < 0)
        return err_set(err, "%s: \"%s\" has no valid size", where, f->name);
    f->size = json_integer_value(size);
    if (f->path[0] == '/' || strstr(f->path, "..") || strlen(f->sha256) != 64)
        return err_set(err, "%s: unsafe path or bad sha256 for \"%s\"", where, f->name);
    return 0;
}
