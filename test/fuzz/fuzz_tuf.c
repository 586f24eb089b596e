/* fuzz_tuf.c - libFuzzer harness: TUF metadata (lib/tuf/tuf_meta.c) and OLPC
 * canonical JSON (lib/tuf/canonical_json.c).
 *
 * The first byte picks the metadata type (byte % 4: root, timestamp,
 * snapshot, targets), the rest is the document. A parsed document has a
 * positive version; the canonical JSON of its "signed" part does not
 * change when the part is re-laid out with its keys in another order; signature thresholds are
 * checked (a root against itself, the others against GitHub's embedded root), and every file entry
 * it lists is looked up and checked against a few bytes. */
#include "canonical_json.h"
#include "fuzz.h"
#include "tuf.h"
#include "tuf_meta.h"

static const char *const types[] = {"root", "timestamp", "snapshot", "targets"};

/* The canonical form does not depend on layout or key order: the same value
 * dumped as indented JSON with sorted keys, then loaded, encodes the same. */
static void check_canonical(const json_t *v)
{
    struct buf a = BUF_INIT(0), b = BUF_INIT(0);
    struct err e;
    if (canonical_json_encode(v, &a, &e) < 0) {
        buf_free(&a);
        return; /* real numbers are refused */
    }
    char *text = json_dumps(v, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_t *again = text ? json_loads(text, JSON_ALLOW_NUL, NULL) : NULL;
    if (!again || canonical_json_encode(again, &b, &e) < 0 || a.len != b.len ||
        memcmp(buf_str(&a), buf_str(&b), a.len) != 0)
        abort();
    free(text);
    json_decref(again);
    buf_free(&a);
    buf_free(&b);
}

static void check_files(const struct tuf_meta *m)
{
    json_t *files = json_object_get(m->signed_, strcmp(m->type, "targets") ? "meta" : "targets");
    const char *name;
    json_t *v;
    json_object_foreach(files, name, v)
    {
        struct tuf_fileinfo fi;
        struct err e;
        int rc = tuf_meta_fileinfo(m, name, &fi, &e);
        if (rc == 1)
            abort(); /* it is listed */
        if (rc == 0) {
            tuf_fileinfo_check(&fi, "abc", 3, 1, name, &e);
            tuf_fileinfo_hash(&fi);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *type = types[data[0] % 4];
    static struct tuf_meta gh; /* parsed once, kept */
    struct tuf_meta m;
    struct err e = {""};
    if (tuf_meta_parse(data + 1, size - 1, type, "fuzz.json", &m, &e) < 0) {
        if (!e.msg[0] || m.doc)
            abort();
        return 0;
    }
    if (m.version < 1 || !m.signed_ || strcmp(m.type, type) != 0)
        abort();
    check_canonical(m.signed_);
    if (strcmp(type, "root") == 0) {
        tuf_meta_verify(&m, "root", &m, "fuzz.json", &e);
    } else {
        if (!gh.doc && tuf_meta_parse(tuf_github_initial_root, tuf_github_initial_root_len, "root",
                                      "root.json", &gh, &e) < 0)
            abort();
        tuf_meta_verify(&gh, type, &m, "fuzz.json", &e);
        check_files(&m);
    }
    tuf_meta_check_expiry(&m, 0, "fuzz.json", &e);
    tuf_meta_free(&m);
    return 0;
}
