/* out_retention.c - keep_versions for the out command (see out_internal.h).
 *
 * Rule: a key is deleted only when no kept release's manifest, not the
 * release just mirrored and not latest.json name it. The releases are found
 * by listing the repository's prefix without a delimiter (tags may hold '/')
 * and taking the keys that end in "/release.json" whose manifest names the
 * tag that key belongs to. Each dropped release loses the keys under its
 * prefix (not those under a longer release prefix) and the keys its manifest
 * names, minus the protected set; its manifest goes last, so a failure
 * leaves it there for the next run to finish. */
#include "out_internal.h"
#include "grow.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

struct out_keys {
    char **keys;
    size_t n, cap;
};

static int out_keys_add(struct out_keys *k, const char *key, struct err *err)
{
    if (GROW(k->keys, k->n + 1, k->cap) < 0)
        return err_set(err, "out of memory");
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
    if (GROW(l->items, l->n + 1, l->cap) < 0)
        return err_set(err, "out of memory");
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
    return out_cmp_release(mr, json_string_value(json_object_get(x, "tag")),
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

int out_retention(struct out_ctx *mr, struct err *err)
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
