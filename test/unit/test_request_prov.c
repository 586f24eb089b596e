/* test_request_prov.c - source.attestations' build provenance fields in
 * lib/command/request.c: defaults (off, OWNER/REPO, SLSA v1, any workflow), the
 * three modes, given values, and the refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "request.h"
#include "request_test.h"
#include "tap.h"

static void test_defaults(void)
{
    struct request req;
    struct err e;
    CHECK(request_test_source("", &req, &e) == 0);
    CHECK(req.source.attestations.provenance == REQUEST_PROV_OFF);
    CHECK_STR(req.source.attestations.signer_repository, "o/r");
    CHECK(req.source.attestations.signer_workflow == NULL);
    CHECK_STR(req.source.attestations.predicate_type, "https://slsa.dev/provenance/v1");
    request_free(&req);
    CHECK(request_test_source(",\"attestations\":{\"release\":\"off\"}", &req, &e) == 0);
    CHECK(req.source.attestations.provenance == REQUEST_PROV_OFF);
    CHECK_STR(req.source.attestations.signer_repository, "o/r");
    request_free(&req);
}

static void test_values(void)
{
    struct request req;
    struct err e;
    CHECK(request_test_source(
              ",\"attestations\":{\"provenance\":\"required\",\"signer_repository\":\"a/b\","
              "\"signer_workflow\":\".github/workflows/release.yml\",\"predicate_type\":\"x:y\"}",
              &req, &e) == 0);
    CHECK(req.source.attestations.provenance == REQUEST_PROV_REQUIRED);
    CHECK_STR(req.source.attestations.signer_repository, "a/b");
    CHECK_STR(req.source.attestations.signer_workflow, ".github/workflows/release.yml");
    CHECK_STR(req.source.attestations.predicate_type, "x:y");
    request_free(&req);
    CHECK(request_test_source(",\"attestations\":{\"provenance\":\"if_present\"}", &req, &e) == 0);
    CHECK(req.source.attestations.provenance == REQUEST_PROV_IF_PRESENT);
    request_free(&req);
    CHECK(request_test_source(",\"attestations\":{\"provenance\":\"off\"}", &req, &e) == 0);
    CHECK(req.source.attestations.provenance == REQUEST_PROV_OFF);
    request_free(&req);
}

static void test_refused(void)
{
    struct request req;
    struct err e;
    CHECK(request_test_source(",\"attestations\":{\"provenance\":\"Required\"}", &req, &e) == -1);
    CHECK_STR(e.msg, "invalid source.attestations.provenance \"Required\": must be off, "
                     "if_present or required");
    CHECK(request_test_source(",\"attestations\":{\"provenance\":1}", &req, &e) == -1);
    CHECK(strstr(e.msg, "source.attestations.provenance") != NULL);
    CHECK(request_test_source(",\"attestations\":{\"signer_workflow\":false}", &req, &e) == -1);
    CHECK(strstr(e.msg, "source.attestations.signer_workflow") != NULL);
    CHECK(request_test_source(",\"attestations\":{\"signer\":\"a/b\"}", &req, &e) == -1);
    CHECK(strstr(e.msg, "signer") != NULL);
}

int main(void)
{
    test_defaults();
    test_values();
    test_refused();
    return TEST_DONE();
}
