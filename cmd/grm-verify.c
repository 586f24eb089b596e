/* grm-verify.c - the offline verifier for a mirror's readers: a GitHub
 * release attestation (release), a mirrored release prefix (mirror), and the
 * sigstore-conformance CLI protocol (verify-bundle). Exit 0 verified, 1 not
 * verified, 2 usage or an unreadable input; failures print one line,
 * "grm-verify: STEP: detail". The work is in lib/attest*.c. Without
 * --trusted-root the trusted root comes through TUF (lib/attest/attest_tuf.c). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest.h"
#include "attest_mirror.h"
#include "attest_tuf.h"
#include "certchain.h"
#include "settings.h"
#include "sha256.h"

#define EXIT_NOT_VERIFIED 1
#define EXIT_USAGE 2

static const char USAGE[] =
    "usage: grm-verify release --bundle F [--trusted-root F] --repo OWNER/REPO --tag T\n"
    "                          [--commit SHA] [--trust-domain D] [FILE | sha256:HEX]...\n"
    "       grm-verify verify-bundle --bundle F (--certificate-identity I\n"
    "                          --certificate-oidc-issuer U | --key K) [--trusted-root F]\n"
    "                          [--signer-repository R [--signer-workflow W]\n"
    "                          [--predicate-type T]]\n"
    "                          FILE_OR_sha256:DIGEST\n"
    "       grm-verify mirror DIR\n";

static int fail(int code, const char *msg)
{
    fprintf(stderr, "grm-verify: %s\n", msg);
    return code;
}

static int usage(const char *msg)
{
    fprintf(stderr, "grm-verify: %s\n%s", msg, USAGE);
    return EXIT_USAGE;
}

/* Read a whole file (capped); 0, or -1 with a message in err. */
static int read_file(const char *path, struct buf *out, struct err *err)
{
    buf_init(out, SIGSTORE_BUNDLE_MAX);
    if (buf_read_file(out, path) == 0)
        return 0;
    if (errno == ENOENT || errno == EACCES)
        return err_set(err, "cannot open '%s'", path);
    return err_set(err, "cannot read '%s' (or larger than %u bytes)", path, SIGSTORE_BUNDLE_MAX);
}

/* Options shared by the subcommands. */
struct opts {
    const char *bundle, *trusted_root, *repo, *tag, *commit, *domain;
    const char *identity, *oidc_issuer, *key;
    const char *signer_repo, *signer_workflow, *predicate_type;
    char **args;
    int n_args;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const char *names[] = {"--bundle",
                                  "--trusted-root",
                                  "--repo",
                                  "--tag",
                                  "--commit",
                                  "--trust-domain",
                                  "--certificate-identity",
                                  "--certificate-oidc-issuer",
                                  "--key",
                                  "--signer-repository",
                                  "--signer-workflow",
                                  "--predicate-type"};
    const char **slots[] = {&o->bundle,      &o->trusted_root,    &o->repo,
                            &o->tag,         &o->commit,          &o->domain,
                            &o->identity,    &o->oidc_issuer,     &o->key,
                            &o->signer_repo, &o->signer_workflow, &o->predicate_type};
    memset(o, 0, sizeof(*o));
    o->args = calloc((size_t)argc + 1, sizeof(char *));
    if (!o->args)
        return -1;
    for (int i = 0; i < argc; i++) {
        size_t k = 0;
        while (k < sizeof(names) / sizeof(names[0]) && strcmp(argv[i], names[k]) != 0)
            k++;
        if (k < sizeof(names) / sizeof(names[0])) {
            if (i + 1 >= argc || *slots[k])
                return -1;
            *slots[k] = argv[++i];
        } else if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i], "--") != 0) {
            return -1;
        } else {
            o->args[o->n_args++] = argv[i];
        }
    }
    return 0;
}

/* Without --trusted-root: trusted_root.json through TUF, from GitHub's
 * repository (release) or Sigstore's public good (verify-bundle), cached in
 * $XDG_CACHE_HOME or ~/.cache/github-release-mirror/tuf. Test knobs:
 * GRM_TUF_{GITHUB,SIGSTORE}_{URL,ROOT} (the repository, an initial root). */
static int tuf_root(int sigstore, char **json, struct err *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[1024] = "";
    struct attest_tuf t;
    struct settings s;
    settings_from_env(&s);
    if (xdg && *xdg)
        snprintf(dir, sizeof(dir), "%s/github-release-mirror/tuf", xdg);
    else if (home && *home)
        snprintf(dir, sizeof(dir), "%s/.cache/github-release-mirror/tuf", home);
    if (sigstore)
        attest_tuf_sigstore(&t, s.tuf_sigstore_url, s.tuf_sigstore_root, dir);
    else
        attest_tuf_github(&t, s.tuf_github_url, s.tuf_github_root, dir);
    t.http_opts = &s.http;
    return attest_tuf_trusted_root(&t, NULL, json, err);
}

/* The trusted root: --trusted-root F, else through TUF (tuf_root). */
static int load_root(const struct opts *o, int sigstore, struct trusted_root *tr, int *code,
                     struct err *err)
{
    struct buf b = BUF_INIT(0);
    char *json = NULL;
    int rc;
    *code = EXIT_USAGE;
    if (o->trusted_root && read_file(o->trusted_root, &b, err) < 0)
        return -1;
    *code = EXIT_NOT_VERIFIED;
    if (o->trusted_root)
        rc = trusted_root_parse(b.ptr, b.len, tr, err);
    else if ((rc = tuf_root(sigstore, &json, err)) == 0)
        rc = trusted_root_parse(json, strlen(json), tr, err);
    buf_free(&b);
    free(json);
    return rc;
}

static int load_inputs(const struct opts *o, int sigstore, struct sigstore_bundle_list *l,
                       struct trusted_root *tr, int *code, struct err *err)
{
    struct buf b = BUF_INIT(0);
    *code = EXIT_USAGE;
    if (read_file(o->bundle, &b, err) < 0)
        return -1;
    *code = EXIT_NOT_VERIFIED;
    int rc = sigstore_bundle_load(b.ptr, b.len, l, err);
    buf_free(&b);
    if (rc < 0)
        return -1;
    rc = load_root(o, sigstore, tr, code, err);
    if (rc < 0)
        sigstore_bundle_list_free(l);
    return rc;
}

static int is_hex(const char *s, size_t n)
{
    return strlen(s) == n && strspn(s, "0123456789abcdefABCDEF") == n;
}

/* FILE (sha256 and base name) or sha256:HEX (digest only) into a; the hex
 * lives in hex[65]. 0, or -1 with err (unreadable or malformed). */
static int asset_arg(const char *arg, struct attest_asset *a, char hex[65], struct err *err)
{
    if (strncmp(arg, "sha256:", 7) == 0) {
        if (!is_hex(arg + 7, 64))
            return err_set(err, "'%s' is not sha256: and 64 hex digits", arg);
        memcpy(hex, arg + 7, 65);
        a->name = NULL;
        a->sha256_hex = hex;
        return 0;
    }
    int64_t size;
    int fd = open(arg, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, "cannot open '%s'", arg);
    int rc = sha256_fd(fd, arg, hex, &size, err);
    close(fd);
    const char *slash = strrchr(arg, '/');
    a->name = slash ? slash + 1 : arg;
    a->sha256_hex = hex;
    return rc;
}

static int release_check(const struct opts *o, struct attest_release_policy *p,
                         struct attest_asset *assets, char (*hexes)[65], struct err *err)
{
    static char owner[256];
    const char *slash = o->repo ? strchr(o->repo, '/') : NULL;
    if (!o->bundle || !o->tag || !slash || slash == o->repo || !slash[1] ||
        strchr(slash + 1, '/') || (size_t)(slash - o->repo) >= sizeof(owner))
        return err_set(err, "release needs --bundle, --repo OWNER/REPO and --tag");
    if (o->commit && !is_hex(o->commit, 40))
        return err_set(err, "--commit must be 40 hex digits");
    memcpy(owner, o->repo, (size_t)(slash - o->repo));
    owner[slash - o->repo] = '\0';
    for (int i = 0; i < o->n_args; i++)
        if (asset_arg(o->args[i], &assets[i], hexes[i], err) < 0)
            return -1;
    p->owner = owner;
    p->repo = slash + 1;
    p->tag = o->tag;
    p->commit = o->commit;
    p->trust_domain = o->domain;
    p->assets = assets;
    p->n_assets = (size_t)o->n_args;
    p->complete = 0;
    return 0;
}

static void print_verified(const char *what, const struct attest_result *res)
{
    char when[21];
    certchain_format_time(res->time, when);
    printf("verified: %s, signed by %s, timestamp %s\n", what, res->san[0] ? res->san : "the key",
           when);
}

static int cmd_release(const struct opts *o)
{
    struct attest_release_policy p;
    struct attest_asset *assets = calloc((size_t)o->n_args + 1, sizeof(*assets));
    char(*hexes)[65] = calloc((size_t)o->n_args + 1, 65);
    struct err err = {{0}};
    struct sigstore_bundle_list l = {NULL, 0, 0};
    struct trusted_root tr;
    struct attest_result res;
    int code = EXIT_USAGE;
    if (!assets || !hexes || release_check(o, &p, assets, hexes, &err) < 0) {
        code = usage(err.msg[0] ? err.msg : "out of memory");
        goto out;
    }
    if (load_inputs(o, 0, &l, &tr, &code, &err) < 0) {
        fail(code, err.msg);
        goto out;
    }
    code = attest_verify_release(&l, &tr, &p, &res, &err) < 0 ? EXIT_NOT_VERIFIED : 0;
    if (code)
        fail(code, err.msg);
    else
        print_verified("release attestation", &res), attest_result_free(&res);
    sigstore_bundle_list_free(&l);
    trusted_root_free(&tr);
out:
    free(assets);
    free(hexes);
    return code;
}

static EVP_PKEY *read_key(const char *path, struct err *err)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    if (!k)
        err_set(err, "cannot read a PEM public key from '%s'", path);
    return k;
}

static int verify_bundle_args(const struct opts *o, struct attest_asset *a, char hex[65],
                              EVP_PKEY **key, struct err *err)
{
    int by_cert = (o->identity && o->oidc_issuer) || o->signer_repo;
    if (!o->bundle || o->n_args != 1 || by_cert == !!o->key ||
        (!by_cert && (o->identity || o->oidc_issuer)))
        return err_set(err, "verify-bundle needs --bundle, either --certificate-identity with "
                            "--certificate-oidc-issuer or --key, and one FILE or sha256:DIGEST");
    if ((o->signer_workflow || o->predicate_type) && !o->signer_repo)
        return err_set(err, "--signer-workflow and --predicate-type need --signer-repository");
    if (asset_arg(o->args[0], a, hex, err) < 0)
        return -1;
    if (o->key && !(*key = read_key(o->key, err)))
        return -1;
    return 0;
}

/* A message signature bundle over the artifact of digest hex. */
static int verify_message(const struct sigstore_bundle *b, const struct trusted_root *tr,
                          const struct attest_identity *id, const char *hex, struct err *err)
{
    unsigned char d[32];
    struct attest_result res;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        d[i] = (unsigned char)v;
    }
    if (attest_verify_message(b, tr, id, d, &res, err) < 0)
        return EXIT_NOT_VERIFIED;
    print_verified("bundle", &res);
    attest_result_free(&res);
    return 0;
}

/* The asset among the subjects (sha256, or sha512 of a FILE), then the
 * build provenance policy when --signer-repository is given. */
static int bundle_policy(const struct opts *o, const struct sigstore_bundle *b,
                         const struct attest_result *res, const struct attest_asset *a,
                         struct err *err)
{
    struct attest_provenance_policy p = {o->signer_repo, o->signer_workflow, o->predicate_type,
                                         NULL, NULL};
    if (attest_check_subject_file(res->statement, a->sha256_hex, a->name ? o->args[0] : NULL, err) <
        0)
        return -1;
    return o->signer_repo ? attest_check_provenance(b, res, &p, err) : 0;
}

static int cmd_verify_bundle(const struct opts *o)
{
    struct attest_asset a;
    char hex[65];
    EVP_PKEY *key = NULL;
    struct err err = {{0}};
    struct sigstore_bundle_list l = {NULL, 0, 0};
    struct trusted_root tr;
    struct attest_result res;
    int code;
    if (verify_bundle_args(o, &a, hex, &key, &err) < 0)
        return EVP_PKEY_free(key), usage(err.msg);
    if (load_inputs(o, 1, &l, &tr, &code, &err) < 0)
        return EVP_PKEY_free(key), fail(code, err.msg);
    struct attest_identity id = {o->identity, o->oidc_issuer, NULL, key};
    code = EXIT_NOT_VERIFIED;
    if (l.n != 1)
        err_set(&err, "bundle: expected one bundle, got %zu", l.n);
    else if (l.items[0].message)
        code = verify_message(&l.items[0], &tr, &id, a.sha256_hex, &err);
    else if (attest_verify_bundle(&l.items[0], &tr, &id, &res, &err) == 0) {
        if (bundle_policy(o, &l.items[0], &res, &a, &err) == 0)
            code = 0, print_verified("bundle", &res);
        attest_result_free(&res);
    }
    if (code)
        fail(code, err.msg);
    EVP_PKEY_free(key);
    sigstore_bundle_list_free(&l);
    trusted_root_free(&tr);
    return code;
}

static int cmd_mirror(const char *dir)
{
    struct err err = {{0}};
    struct attest_mirror_report rep;
    int rc = attest_mirror_verify(dir, &rep, &err);
    if (rc == 0)
        printf("verified: %s, %zu files%s%s\n", rep.what, rep.n_files,
               rep.signer[0] ? ", release attestation signed by " : ", no attestation stored",
               rep.signer);
    else
        fail(rc == -2 ? EXIT_USAGE : EXIT_NOT_VERIFIED, err.msg);
    return rc == 0 ? 0 : rc == -2 ? EXIT_USAGE : EXIT_NOT_VERIFIED;
}

int main(int argc, char **argv)
{
    struct opts o;
    int code;
    if (argc < 2)
        return usage("a subcommand is required");
    if (strcmp(argv[1], "mirror") == 0)
        return argc == 3 ? cmd_mirror(argv[2]) : usage("mirror takes one DIR");
    if (parse_opts(argc - 2, argv + 2, &o) < 0) {
        free(o.args);
        return usage("unknown or repeated option, or an option without its value");
    }
    if (strcmp(argv[1], "release") == 0)
        code = cmd_release(&o);
    else if (strcmp(argv[1], "verify-bundle") == 0)
        code = cmd_verify_bundle(&o);
    else
        code = usage("unknown subcommand");
    free(o.args);
    return code;
}
