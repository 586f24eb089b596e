/* attest_mirror.c - verification of a mirrored release prefix copied to a
 * local directory (see attest_mirror.h). release.json names each file by key
 * (under "prefix") or by path; SHA256SUMS must list the same files with the
 * same digests; the files must have the listed size and sha256. */
#include "attest_mirror.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attest.h"
#include "buf.h"
#include "certchain.h"
#include "sha256.h"

/* Read dir/name (capped at max). 0, -1 when absent (ENOENT), -2 otherwise. */
static int read_at(int dfd, const char *name, size_t max, struct buf *out)
{
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
    buf_init(out, max);
    if (fd < 0)
        return -1;
    int rc = buf_read_fd(out, fd) < 0 ? -2 : 0;
    close(fd);
    return rc;
}

/* The file's path in the copy: its key below the prefix, or its path. NULL
 * when it is neither, or it climbs out of the directory. */
static const char *file_rel(json_t *doc, json_t *f)
{
    const char *prefix = json_string_value(json_object_get(doc, "prefix"));
    const char *key = json_string_value(json_object_get(f, "key"));
    const char *rel = json_string_value(json_object_get(f, "path"));
    if (prefix && key)
        rel = strncmp(key, prefix, strlen(prefix)) == 0 ? key + strlen(prefix) : NULL;
    if (!rel || !rel[0] || rel[0] == '/' || strstr(rel, "//"))
        return NULL;
    for (const char *p = rel; *p; p += strcspn(p, "/"), p += *p == '/')
        if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
            return NULL;
    return rel;
}

static int check_file(int dfd, const char *rel, json_t *f, struct err *err)
{
    const char *want = json_string_value(json_object_get(f, "sha256"));
    json_int_t size = json_integer_value(json_object_get(f, "size"));
    char hex[65];
    int64_t got;
    if (!want || !json_is_integer(json_object_get(f, "size")))
        return err_set(err, "policy: release.json: '%s' has no size or sha256", rel);
    int fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, "policy: '%s' is missing", rel);
    int rc = sha256_fd(fd, rel, hex, &got, err);
    close(fd);
    if (rc < 0)
        return err_prefix(err, "policy");
    if (got != (int64_t)size)
        return err_set(err, "policy: '%s' is %lld bytes, release.json says %lld", rel,
                       (long long)got, (long long)size);
    if (strcmp(hex, want) != 0)
        return err_set(err, "policy: '%s' has sha256 %s, release.json says %.64s", rel, hex, want);
    return 0;
}

/* Every line "HEX  PATH" names a listed file with its digest, and every file
 * is listed once. */
static int check_sums(int dfd, json_t *doc, size_t n_files, struct err *err)
{
    struct buf sums;
    if (read_at(dfd, MANIFEST_SUMS, 64u * 1024 * 1024, &sums) < 0)
        return buf_free(&sums), err_set(err, "policy: SHA256SUMS is missing or unreadable");
    size_t lines = 0;
    int rc = 0;
    for (char *save = NULL, *line = strtok_r(sums.ptr ? sums.ptr : (char[]){""}, "\n", &save);
         line && rc == 0; line = strtok_r(NULL, "\n", &save), lines++) {
        size_t i;
        json_t *f;
        int found = 0;
        if (strlen(line) < 67 || line[64] != ' ' || line[65] != ' ')
            rc = err_set(err, "policy: SHA256SUMS line %zu is not 'HEX  PATH'", lines + 1);
        json_array_foreach(json_object_get(doc, "files"), i, f)
        {
            const char *rel = file_rel(doc, f);
            const char *sha = json_string_value(json_object_get(f, "sha256"));
            if (rc == 0 && rel && sha && strcmp(rel, line + 66) == 0 && !strncmp(sha, line, 64))
                found = 1;
        }
        if (rc == 0 && !found)
            rc = err_set(err, "policy: SHA256SUMS line %zu does not match release.json", lines + 1);
    }
    buf_free(&sums);
    if (rc == 0 && lines != n_files)
        rc = err_set(err, "policy: SHA256SUMS lists %zu files, release.json %zu", lines, n_files);
    return rc;
}

/* The assets (kind "asset") of release.json, by name and sha256. */
static struct attest_asset *asset_list(json_t *doc, size_t *n)
{
    json_t *files = json_object_get(doc, "files"), *f;
    struct attest_asset *a = calloc(json_array_size(files) + 1, sizeof(*a));
    size_t i;
    *n = 0;
    if (!a)
        return NULL;
    json_array_foreach(files, i, f)
    {
        const char *kind = json_string_value(json_object_get(f, "kind"));
        if (kind && strcmp(kind, "asset") != 0)
            continue;
        a[*n].name = json_string_value(json_object_get(f, "name"));
        a[*n].sha256_hex = json_string_value(json_object_get(f, "sha256"));
        if (a[*n].name && a[*n].sha256_hex)
            (*n)++;
    }
    return a;
}

static int verify_stored(json_t *doc, const struct buf *bundle, const struct buf *root,
                         struct attest_mirror_report *rep, struct err *err)
{
    struct sigstore_bundle_list l;
    struct trusted_root tr;
    struct attest_result res;
    size_t n;
    if (trusted_root_parse(root->ptr, root->len, &tr, err) < 0)
        return -1;
    if (sigstore_bundle_load(bundle->ptr, bundle->len, &l, err) < 0)
        return trusted_root_free(&tr), -1;
    struct attest_asset *assets = asset_list(doc, &n);
    struct attest_release_policy p = {json_string_value(json_object_get(doc, "owner")),
                                      json_string_value(json_object_get(doc, "repository")),
                                      json_string_value(json_object_get(doc, "tag")),
                                      json_string_value(json_object_get(doc, "commit_sha")),
                                      json_string_value(json_object_get(doc, "trust_domain")),
                                      assets,
                                      n,
                                      0};
    int rc = !assets || !p.owner || !p.repo || !p.tag
                 ? err_set(err, "policy: release.json lacks owner, repository or tag")
                 : attest_verify_release(&l, &tr, &p, &res, err);
    if (rc == 0) {
        char when[21];
        certchain_format_time(res.time, when);
        snprintf(rep->signer, sizeof(rep->signer), "%.500s at %s", res.san, when);
        attest_result_free(&res);
    }
    free(assets);
    sigstore_bundle_list_free(&l);
    trusted_root_free(&tr);
    return rc;
}

static int recorded_attested(json_t *doc)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(doc, "files"), i, f)
    {
        const char *a = json_string_value(json_object_get(f, "attested"));
        if (json_object_get(f, "attested") && (!a || strcmp(a, "provenance") != 0))
            return 1; /* "release" (or both kinds) */
    }
    return json_object_get(doc, "attested") != NULL;
}

static int check_attestation(int dfd, json_t *doc, struct attest_mirror_report *rep,
                             struct err *err)
{
    struct buf bundle, root;
    int rb = read_at(dfd, ATTEST_MIRROR_BUNDLE, SIGSTORE_BUNDLE_MAX, &bundle);
    int rr = read_at(dfd, ATTEST_MIRROR_ROOT, TRUSTED_ROOT_MAX, &root);
    int rc = 0;
    if (rb == -1 && rr == -1 && !recorded_attested(doc))
        rc = 0; /* never attested: nothing to check */
    else if (rb < 0)
        rc = err_set(err, "bundle: %s is missing or unreadable", ATTEST_MIRROR_BUNDLE);
    else if (rr < 0)
        rc = err_set(err, "trust-root: %s is missing or unreadable", ATTEST_MIRROR_ROOT);
    else
        rc = verify_stored(doc, &bundle, &root, rep, err);
    buf_free(&bundle);
    buf_free(&root);
    return rc;
}

/* ---- build provenance: attestations/ASSET.sigstore.json ---- */

/* The stored root i (public good, GitHub) parsed into tr; 0 absent, 1 parsed. */
static int load_prov_root(int dfd, int i, struct trusted_root *tr, struct err *err)
{
    static const char *const names[2] = {MANIFEST_ATTEST_DIR "/trusted_root.public-good.json",
                                         MANIFEST_ATTEST_DIR "/trusted_root.github.json"};
    struct buf text;
    int rc = read_at(dfd, names[i], TRUSTED_ROOT_MAX, &text);
    if (rc == 0)
        rc = trusted_root_parse(text.ptr, text.len, tr, err) < 0 ? -2 : 1;
    else
        rc = rc == -1 ? 0 : err_set(err, "trust-root: %s is unreadable", names[i]) - 1;
    buf_free(&text);
    return rc;
}

/* The recorded provenance of f against the stored bundle: the workflow is
 * the one of the recorded SAN, which must come out again. */
static int verify_prov(const struct sigstore_bundle_list *l,
                       const struct attest_provenance_roots *r, json_t *f, const char *name,
                       struct err *err)
{
    json_t *pv = json_object_get(f, "provenance");
    const char *san = json_string_value(json_object_get(pv, "signer_workflow"));
    const char *repo = json_string_value(json_object_get(pv, "signer_repository"));
    const char *type = json_string_value(json_object_get(pv, "predicate_type"));
    char wf[512];
    const char *gh = "https://github.com/";
    if (!san || !repo || !type)
        return err_set(err, "policy: release.json: '%s' has no usable provenance record", name);
    /* the workflow, when the SAN is one of the repository's own (not a
     * reusable workflow elsewhere; then the SAN check below suffices) */
    size_t at = strlen(gh) + strlen(repo);
    int own = strncmp(san, gh, strlen(gh)) == 0 &&
              strncmp(san + strlen(gh), repo, strlen(repo)) == 0 && san[at] == '/';
    snprintf(wf, sizeof(wf), "%.*s", own ? (int)strcspn(san + at + 1, "@") : 0,
             own ? san + at + 1 : "");
    struct attest_provenance_policy p = {repo, own ? wf : NULL, type, "sha256",
                                         json_string_value(json_object_get(f, "sha256"))};
    struct attest_result res;
    if (attest_verify_provenance(l, r, &p, &res, err) < 0)
        return err_prefix(err, "'%s'", name);
    int rc = strcmp(res.san, san) == 0
                 ? 0
                 : err_set(err, "policy: '%s' was signed by %s, release.json says %s", name,
                           res.san, san);
    attest_result_free(&res);
    return rc;
}

static int check_prov_file(int dfd, json_t *f, const struct attest_provenance_roots *r,
                           struct err *err)
{
    const char *name = json_string_value(json_object_get(f, "name"));
    char path[400];
    struct buf text;
    struct sigstore_bundle_list l;
    if (!name)
        return err_set(err, "policy: release.json: an attested file has no name");
    snprintf(path, sizeof(path), "%s/%s.sigstore.json", MANIFEST_ATTEST_DIR, name);
    int rc = read_at(dfd, path, SIGSTORE_BUNDLE_MAX, &text) < 0
                 ? err_set(err, "bundle: %s is missing or unreadable", path)
                 : 0;
    if (rc == 0 && sigstore_bundle_load(text.ptr, text.len, &l, err) == 0) {
        rc = verify_prov(&l, r, f, name, err);
        sigstore_bundle_list_free(&l);
    } else if (rc == 0) {
        rc = err_prefix(err, "%s", path);
    }
    buf_free(&text);
    return rc;
}

static int check_provenance(int dfd, json_t *doc, struct err *err)
{
    struct trusted_root tr[2];
    int have[2];
    size_t i;
    json_t *f;
    int rc = 0;
    for (int k = 0; k < 2; k++)
        if ((have[k] = load_prov_root(dfd, k, &tr[k], err)) < 0)
            rc = -1;
    struct attest_provenance_roots r = {have[0] > 0 ? &tr[0] : NULL, have[1] > 0 ? &tr[1] : NULL};
    json_array_foreach(json_object_get(doc, "files"), i, f)
    {
        const char *a = json_string_value(json_object_get(f, "attested"));
        if (rc == 0 && a && strstr(a, "provenance"))
            rc = check_prov_file(dfd, f, &r, err);
    }
    for (int k = 0; k < 2; k++)
        if (have[k] > 0)
            trusted_root_free(&tr[k]);
    return rc;
}

static int check_manifest(int dfd, json_t *doc, struct attest_mirror_report *rep, struct err *err)
{
    json_t *files = json_object_get(doc, "files"), *f;
    size_t i;
    snprintf(rep->what, sizeof(rep->what), "%s/%s %s",
             json_string_value(json_object_get(doc, "owner")),
             json_string_value(json_object_get(doc, "repository")),
             json_string_value(json_object_get(doc, "tag")));
    if (!json_is_array(files))
        return err_set(err, "policy: release.json has no files array");
    json_array_foreach(files, i, f)
    {
        const char *rel = file_rel(doc, f);
        if (!rel)
            return err_set(err,
                           "policy: release.json: file %zu has no key under the prefix "
                           "or a bad path",
                           i + 1);
        if (check_file(dfd, rel, f, err) < 0)
            return -1;
        rep->n_files++;
    }
    if (check_sums(dfd, doc, rep->n_files, err) < 0)
        return -1;
    if (check_attestation(dfd, doc, rep, err) < 0)
        return -1;
    return check_provenance(dfd, doc, err);
}

int attest_mirror_verify(const char *dir, struct attest_mirror_report *rep, struct err *err)
{
    struct buf text;
    json_error_t je;
    memset(rep, 0, sizeof(*rep));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return err_set(err, "cannot open directory '%s'", dir), -2;
    if (read_at(dfd, MANIFEST_NAME, 64u * 1024 * 1024, &text) < 0) {
        close(dfd);
        buf_free(&text);
        return err_set(err, "cannot read '%s/release.json'", dir), -2;
    }
    json_t *doc = json_loadb(buf_str(&text), text.len, JSON_REJECT_DUPLICATES, &je);
    buf_free(&text);
    int rc = json_is_object(doc) ? check_manifest(dfd, doc, rep, err)
                                 : err_set(err, "policy: release.json: %s", je.text);
    json_decref(doc);
    close(dfd);
    return rc;
}
