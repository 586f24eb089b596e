/* tuf_fetch.c - fetch one TUF target with lib/tuf/tuf.c, for the tests:
 *   tuf_fetch --repo URL [--targets-url URL] [--cache DIR]
 *             (--root FILE | --github | --sigstore) [--ca FILE] [--insecure]
 *             [--max BYTES] [--now YYYY-MM-DDTHH:MM:SSZ] NAME
 * writes the verified target to stdout; on failure one "error: ..." line on
 * stderr and exit 1 (2 for a usage error). --debug turns on debug lines.
 *   tuf_fetch --canonical FILE
 * prints FILE's JSON in OLPC canonical form (lib/tuf/canonical_json.c). */
#include "buf.h"
#include "canonical_json.h"
#include "log.h"
#include "tuf.h"
#include "tuf_meta.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_file(const char *path, struct buf *b)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    buf_init(b, 1 << 20);
    int rc = buf_read_fd(b, fd);
    close(fd);
    return rc;
}

static int canonical_file(const char *path)
{
    struct buf in = BUF_INIT(0), out = BUF_INIT(0);
    struct err err = {""};
    if (read_file(path, &in) < 0) {
        log_error("cannot read \"%s\"", path);
        return 2;
    }
    json_t *v = json_loadb(buf_str(&in), in.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    int rc = v ? canonical_json_encode(v, &out, &err) : err_set(&err, "invalid JSON");
    if (rc < 0)
        log_error("%s: %s", path, err.msg);
    else
        fwrite(buf_str(&out), 1, out.len, stdout);
    json_decref(v);
    buf_free(&in);
    buf_free(&out);
    return rc < 0 ? 1 : 0;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: tuf_fetch --repo URL [--targets-url URL] [--cache DIR] (--root FILE "
            "| --github | --sigstore) [--ca FILE] [--insecure] [--max BYTES] [--now TIME] NAME\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct tuf_config cfg = {0};
    struct buf root = BUF_INIT(0), ca = BUF_INIT(0), out = BUF_INIT(0);
    const char *name = NULL;
    if (argc == 3 && !strcmp(argv[1], "--canonical"))
        return canonical_file(argv[2]);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--github")) {
            cfg.initial_root = tuf_github_initial_root;
            cfg.initial_root_len = tuf_github_initial_root_len;
        } else if (!strcmp(a, "--sigstore")) {
            cfg.initial_root = tuf_sigstore_initial_root;
            cfg.initial_root_len = tuf_sigstore_initial_root_len;
        } else if (!strcmp(a, "--insecure")) {
            cfg.insecure = 1;
        } else if (!strcmp(a, "--debug")) {
            log_set_debug(1);
        } else if (a[0] == '-' && !v) {
            return usage();
        } else if (!strcmp(a, "--repo")) {
            cfg.repo_url = argv[++i];
        } else if (!strcmp(a, "--targets-url")) {
            cfg.targets_url = argv[++i];
        } else if (!strcmp(a, "--cache")) {
            cfg.cache_dir = argv[++i];
        } else if (!strcmp(a, "--now")) {
            if (tuf_parse_time(argv[++i], &cfg.now) < 0)
                return usage();
        } else if (!strcmp(a, "--max")) {
            buf_init(&out, strtoul(argv[++i], NULL, 10));
        } else if (!strcmp(a, "--root") || !strcmp(a, "--ca")) {
            struct buf *b = !strcmp(a, "--root") ? &root : &ca;
            if (read_file(argv[++i], b) < 0) {
                log_error("cannot read \"%s\"", argv[i]);
                return 2;
            }
        } else if (a[0] == '-' || name) {
            return usage();
        } else {
            name = a;
        }
    }
    if (root.ptr) {
        cfg.initial_root = (const unsigned char *)root.ptr;
        cfg.initial_root_len = root.len;
    }
    cfg.ca_cert = ca.ptr;
    if (!name || !cfg.repo_url || !cfg.initial_root)
        return usage();
    struct err err = {""};
    int rc = tuf_fetch_target(&cfg, name, &out, &err);
    if (rc < 0)
        log_error("%s", err.msg);
    else if (fwrite(out.ptr ? out.ptr : "", 1, out.len, stdout) != out.len || fflush(stdout))
        rc = -1;
    buf_free(&out);
    buf_free(&root);
    buf_free(&ca);
    return rc < 0 ? 1 : 0;
}
