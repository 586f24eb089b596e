/* manifest.c - the names, version JSON, key templates and release.json
 * fields of the in -> out contract (see manifest.h). */
#include "manifest.h"
#include "github.h"

#include <stdio.h>
#include <string.h>

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
