/* check.c - the check command's work: list the repository's releases (cached
 * by listing.c), select them by the policy, and report the new versions
 * (see check.h). */
#include "check.h"
#include "listing.h"
#include "log.h"
#include "manifest.h"

int check_run(struct resource *r, json_t **versions, struct err *err)
{
    struct listing list;
    struct releases_entry *es = NULL;
    size_t n = 0;
    *versions = NULL;
    if (listing_fetch(&r->gh, &list, err) < 0)
        return -1;
    log_info("listed %zu releases of %s/%s in %d request%s%s", list.n, r->req.source.owner,
             r->req.source.repository, list.requests, list.requests == 1 ? "" : "s",
             list.from_cache ? " (unchanged since the last check)" : "");
    if (releases_select(&r->policy, list.rels, list.n, &es, &n, err) < 0) {
        listing_free(&list);
        return -1;
    }
    json_t *out = json_array();
    size_t from = releases_check_from(&r->policy, es, n, &r->cursor);
    for (size_t i = from; i < n; i++)
        json_array_append_new(out, manifest_version_json(es[i].rel));
    releases_entries_free(es, n);
    listing_free(&list);
    *versions = out;
    return 0;
}
