/* test_request_prov.c - source.attestations' build provenance fields in
 * lib/request.c: defaults (off, OWNER/REPO, SLSA v1, any workflow), the
 * three modes, given values, and the refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "request.h"
#include "tap.h"

#define SRC "{\"source\":{\"owner\":\"o\",\"repository\":\"r\"%s}}"

static int parse(const char *extra, struct request *req, struct err *e)
{
    struct buf text = BUF_INIT(0);
    buf_addf(&text, SRC, extra);
    int rc = request_parse(buf_str(&text), text.len, REQUEST_CHECK, req, e);
    buf_free(&text);
    return rc;
}

static void test_defaults(void)
{
    struct request req;
    struct err e;
    CHECK(parse("", &req, &e) == 0);
    CHECK(req.source.attestations.provenance == REQUEST_PROV_OFF);
    CHECK_STR(req.source.attestations.signer_repository, "o/r");
    CHECK(req.source.attestations.signer_workflow == NULL);
    CHECK_STR(req.source.attestations.predicate_type, "https://slsa.dev/provenance/v1");
    request_free(&req);
    CHECK(parse(",\"attestations\":{\"release\":\"off\"}", &req, &e) == 0);
    CHECK(req.source.attestations.provenance == REQUEST_PROV_OFF);
    CHECK_STR(req.source.attestations.signer_repository, "o/r");
    request_free(&req);
}

static void test_values(void)
{
    struct request req;
    struct err e;
    CHECK(parse(",\"attestations\":{\"provenance\":\"required\",\"signer_repository\":\"a/b\","
                "\"signer_workflow\":\".github/workflows/release.yml\",\"predicate_type\":\"x:y\"}",
                &req, &e) == 0);
    CHECK(req.source.attestations.provenance == REQUEST_PROV_REQUIRED);
    CHECK_STR(req.source.attestations.signer_repository, "a/b");
    CHECK_STR(req.source.attestations.signer_workflow, ".github/workflows/release.yml");
    CHECK_STR(req.source.attestations.predicate_type, "x:y");
    request_free(&req);
    CHECK(parse(",\"attestations\":{\"provenance\":\"if_present\"}", &req, &e) == 0);
    CHECK(req.source.attestations.provenance == REQUEST_PROV_IF_PRESENT);
    request_free(&req);
    CHECK(parse(",\"attestations\":{\"provenance\":\"off\"}", &req, &e) == 0);
    CHECK(req.source.attestations.provenance == REQUEST_PROV_OFF);
    request_free(&req);
}

static void test_refused(void)
{
    struct request req;
    struct err e;
    CHECK(parse(",\"attestations\":{\"provenance\":\"Required\"}", &req, &e) == -1);
    CHECK_STR(e.msg, "invalid source.attestations.provenance \"Required\": must be off, "
                     "if_present or required");
    CHECK(parse(",\"attestations\":{\"provenance\":1}", &req, &e) == -1);
    CHECK(strstr(e.msg, "source.attestations.provenance") != NULL);
    CHECK(parse(",\"attestations\":{\"signer_workflow\":false}", &req, &e) == -1);
    CHECK(strstr(e.msg, "source.attestations.signer_workflow") != NULL);
    CHECK(parse(",\"attestations\":{\"signer\":\"a/b\"}", &req, &e) == -1);
    CHECK(strstr(e.msg, "signer") != NULL);
}

int main(void)
{
    test_defaults();
    test_values();
    test_refused();
    return TEST_DONE();
}
