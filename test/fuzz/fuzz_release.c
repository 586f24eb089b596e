/* fuzz_release.c - libFuzzer harness: release and asset JSON from GitHub.
 *
 * The input is a response body loaded as json_loadb() does in
 * github_get_json(). An object is read as one release; an array as a page of
 * releases (each element), and also as the asset list of a release. Parsed
 * releases then go through what check/in do with hostile data: the release
 * policy and ordering, asset name checks and glob selection. */
#include "assets.h"
#include "fuzz.h"
#include "github.h"
#include "releases.h"

#define MAX_RELEASES 256

static char *const globs[] = {"*.tar.gz", "!*.sig", "checksums*", NULL};

static void check_assets(const struct github_release *r)
{
    struct err err;
    for (size_t i = 0; i < r->n_assets; i++) {
        const struct github_asset *a = &r->assets[i];
        if (!a->name || !a->content_type || !a->state || !a->url || a->size < 0)
            abort();
        if (a->digest && strlen(a->digest) != 64)
            abort();
        if (assets_name_check(a->name, &err) == 0 && (strchr(a->name, '/') || a->name[0] == '-'))
            abort();
        assets_selected(globs, 3, a->name);
    }
}

/* Order the releases as check does, with the default tag_filter. */
static void run_policy(const struct github_release *rels, size_t n)
{
    struct releases_config src = {0};
    struct releases_policy p;
    struct releases_entry *es = NULL;
    size_t kept = 0;
    struct err err;
    src.tag_filter = "^v?([^v].*)";
    src.semver_constraint = ">=0.1.0 <1000.0.0 || ^0.0";
    src.release = src.pre_release = 1;
    src.order_by = n % 2 ? RELEASES_ORDER_TIME : RELEASES_ORDER_VERSION;
    if (releases_policy_init(&p, &src, &err) < 0)
        abort();
    if (releases_select(&p, rels, n, &es, &kept, &err) == 0) {
        for (size_t i = 1; i < kept; i++)
            if (releases_cmp(&p, &es[i - 1], &es[i]) > 0)
                abort(); /* oldest first */
        struct releases_cursor v = {1, n ? rels[0].tag : "v1.0.0", NULL, NULL};
        if (kept && releases_check_from(&p, es, kept, &v) >= kept)
            abort();
        releases_entries_free(es, kept);
    }
    releases_policy_free(&p);
}

/* The array as the assets of a release, as github_list_assets() reads it. */
static void parse_asset_list(json_t *arr)
{
    struct github_release r;
    struct err err;
    json_t *obj = json_pack("{s:i s:s s:b s:b s:O}", "id", 1, "tag_name", "v1.0.0", "draft", 0,
                            "prerelease", 0, "assets", arr);
    if (!obj)
        abort();
    if (github_release_from_json(obj, &r, "fuzz", &err) == 0) {
        check_assets(&r);
        github_release_free(&r);
    }
    json_decref(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct github_release rels[MAX_RELEASES];
    size_t n = 0;
    struct err err;
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    if (!doc)
        return 0;
    if (json_is_array(doc)) {
        for (size_t i = 0; i < json_array_size(doc) && n < MAX_RELEASES; i++)
            if (github_release_from_json(json_array_get(doc, i), &rels[n], "fuzz", &err) == 0)
                n++;
        parse_asset_list(doc);
    } else if (github_release_from_json(doc, &rels[0], "fuzz", &err) == 0) {
        n = 1;
    }
    for (size_t i = 0; i < n; i++) { /* tag is NULL for a draft without one */
        check_assets(&rels[i]);
        github_release_time(&rels[i]);
    }
    run_policy(rels, n);
    for (size_t i = 0; i < n; i++)
        github_release_free(&rels[i]);
    json_decref(doc);
    return 0;
}
