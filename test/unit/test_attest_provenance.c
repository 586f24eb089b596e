/* test_attest_provenance.c - attest_verify_provenance() on the genuine
 * build provenance of test/data/attest (argv[1] is test/data): a public-good
 * bundle and GitHub-instance provenance as candidates of one list, each
 * picked by its roots and policy; wrong repository, workflow and predicate
 * type; a missing root; the sha512 subject of npm provenance. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest.h"
#include "tap.h"

static const char *data_dir;

static char *slurp(const char *name, size_t *len)
{
    char path[1024];
    struct buf b = BUF_INIT(0);
    snprintf(path, sizeof(path), "%s/attest/%s", data_dir, name);
    int fd = open(path, O_RDONLY);
    if (fd < 0 || buf_read_fd(&b, fd) < 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    close(fd);
    *len = b.len;
    return buf_take(&b);
}

static void load_root(const char *name, struct trusted_root *tr)
{
    size_t n;
    char *s = slurp(name, &n);
    struct err err;
    if (trusted_root_parse(s, n, tr, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    free(s);
}

/* Both genuine provenance bundles as JSON lines: public good, then GitHub's. */
static void load_list(struct sigstore_bundle_list *l)
{
    size_t a, d;
    char *pg = slurp("cli-cli_reusable-workflow-attestation.sigstore.json", &a);
    char *gh = slurp("cli-cli_github_provenance_demo-0.0.12-bundle.jsonl", &d);
    struct buf b = BUF_INIT(0);
    struct err err;
    json_t *j = json_loadb(pg, a, 0, NULL);
    char *line = json_dumps(j, JSON_COMPACT);
    if (buf_adds(&b, line) < 0 || buf_addc(&b, '\n') < 0 || buf_add(&b, gh, d) < 0 ||
        sigstore_bundle_load(b.ptr, b.len, l, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    free(line);
    json_decref(j);
    free(pg);
    free(gh);
    buf_free(&b);
}

#define ABP_SHA "49a3aa6075e0f49f82843e74b5baa614ad2a588e6675612bf108a0a008c5ac25"
#define DEMO_SHA "ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b"

static void test_pick(const struct sigstore_bundle_list *l, const struct attest_provenance_roots *r)
{
    struct attest_result res;
    struct err err;
    struct attest_provenance_policy demo = {
        "actions/attest-demo", ".github/workflows/build-python.yml", NULL, "sha256", DEMO_SHA};
    struct attest_provenance_policy abp = {"malancas/attest-demo", NULL, NULL, "sha256", ABP_SHA};
    CHECK(attest_verify_provenance(l, r, &demo, &res, &err) == 0 && res.index > 0);
    attest_result_free(&res);
    CHECK(attest_verify_provenance(l, r, &abp, &res, &err) == 0 && res.index == 0);
    CHECK(res.time == 1716578064); /* Rekor's integratedTime */
    attest_result_free(&res);
    abp.signer_repository = "malancas";
    CHECK(attest_verify_provenance(l, r, &abp, &res, &err) == 0);
    attest_result_free(&res);
    abp.signer_repository = "malancas/other";
    CHECK(attest_verify_provenance(l, r, &abp, &res, &err) < 0);
    CHECK(strncmp(err.msg, "policy: ", 8) == 0);
    demo.signer_workflow = ".github/workflows/release.yml";
    CHECK(attest_verify_provenance(l, r, &demo, &res, &err) < 0);
    demo.signer_workflow = NULL;
    demo.predicate_type = "https://in-toto.io/attestation/release/v0.1";
    CHECK(attest_verify_provenance(l, r, &demo, &res, &err) < 0);
    CHECK(strstr(err.msg, "no attestation with predicateType") != NULL);
    demo.predicate_type = NULL;
    demo.digest_hex = ABP_SHA; /* the other artifact */
    CHECK(attest_verify_provenance(l, r, &demo, &res, &err) < 0);
}

static void test_missing_root(const struct sigstore_bundle_list *l, const struct trusted_root *gh)
{
    struct attest_provenance_roots only_gh = {NULL, gh};
    struct attest_provenance_policy abp = {"malancas/attest-demo", NULL, NULL, NULL, NULL};
    struct attest_result res;
    struct err err;
    CHECK(attest_verify_provenance(l, &only_gh, &abp, &res, &err) < 0);
    CHECK(strstr(err.msg, "trust-root: no public-good") != NULL);
}

int main(int argc, char **argv)
{
    struct trusted_root pg, gh;
    struct sigstore_bundle_list l;
    data_dir = argc > 1 ? argv[1] : "test/data";
    load_root("public-good_trusted_root.sigstore-tuf-4.0.2.json", &pg);
    load_root("github_trusted_root.json", &gh);
    load_list(&l);
    struct attest_provenance_roots roots = {&pg, &gh};
    test_pick(&l, &roots);
    test_missing_root(&l, &gh);
    sigstore_bundle_list_free(&l);
    trusted_root_free(&pg);
    trusted_root_free(&gh);
    return TEST_DONE();
}
