/* fuzz_request.c - libFuzzer harness: request JSON to typed config.
 *
 * The first byte picks the command (check, in, out), the rest is the JSON
 * text given to request_parse(). A request that parses is checked for the
 * invariants request.h promises, then freed. */
#include "fuzz.h"
#include "log.h"
#include "request.h"

static void check_parsed(const struct request *r)
{
    const struct request_source *s = &r->source;
    if (!s->owner || !s->repository || !s->github_api_url || !s->tag_filter || !s->mirror.region ||
        !s->mirror.prefix || !s->mirror.key_template)
        abort();
    if (s->mirror.present && (s->mirror.part_size < 5 * 1024 * 1024 || s->mirror.concurrency < 1 ||
                              s->mirror.concurrency > 64))
        abort();
    if (r->get.concurrency < 1 || r->get.concurrency > 64)
        abort();
    if (r->kind == REQUEST_IN && (!r->version.present || (!r->version.tag && !r->version.id)))
        abort();
    if (r->kind == REQUEST_OUT && (!r->put.from || !s->mirror.bucket))
        abort();
    for (size_t i = 0; i < s->n_globs; i++)
        if (!s->globs[i] || !*s->globs[i])
            abort();
    if (s->globs && s->globs[s->n_globs])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum request_kind kinds[3] = {REQUEST_CHECK, REQUEST_IN, REQUEST_OUT};
    struct request req;
    struct err err;
    if (size < 1)
        return 0;
    err_clear(&err);
    if (request_parse((const char *)data + 1, size - 1, kinds[data[0] % 3], &req, &err) == 0) {
        check_parsed(&req);
        request_free(&req);
    } else if (!err.msg[0]) {
        abort(); /* a failure always names its culprit */
    }
    log_clear_secrets();
    log_set_debug(0);
    return 0;
}
