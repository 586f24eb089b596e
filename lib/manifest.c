/* manifest.c - the names, version JSON and key templates of the in -> out
 * contract (see manifest.h). */
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
