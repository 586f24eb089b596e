/* test_request_grr.c - the request parser on what github-release-resource
 * configurations bring: the deprecated source.user, versions with only an
 * id (in), and GRR's put params (refused with a clear message).
 *
 * JSON is written with single quotes for readability; q() turns them into
 * double quotes before parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "request_test.h"
#include "tap.h"

#define GRR_PUT_MSG                                                                                \
    "a github-release-resource put param; this resource mirrors releases to S3 (params.from: "     \
    "the get's directory) and does not create GitHub releases"

static struct request req;
static struct err e;

static int parse(enum request_kind kind, const char *json)
{
    return request_test_parse(kind, json, &req, &e);
}

/* Refused with a message holding want. */
static int refused(enum request_kind kind, const char *json, const char *want)
{
    int rc = parse(kind, json);
    int ok = rc == -1 && strstr(e.msg, want) != NULL;
    if (!ok)
        fprintf(stderr, "  json: %s\n  rc:   %d\n  got:  %s\n  want: %s\n", json, rc, e.msg, want);
    if (rc == 0)
        request_free(&req);
    return ok;
}

static void test_user_alias(void)
{
    CHECK(parse(REQUEST_CHECK, "{'source':{'user':'octo','repository':'r'}}") == 0);
    CHECK_STR(req.source.owner, "octo");
    request_free(&req);
    CHECK(parse(REQUEST_IN, "{'source':{'user':'octo','owner':'octo','repository':'r'},"
                            "'version':{'tag':'v1'}}") == 0);
    CHECK_STR(req.source.owner, "octo");
    request_free(&req);
    CHECK(parse(REQUEST_CHECK, "{'source':{'user':null,'owner':'o','repository':'r'}}") == 0);
    CHECK_STR(req.source.owner, "o");
    request_free(&req);
    CHECK(refused(REQUEST_CHECK, "{'source':{'user':'a','owner':'b','repository':'r'}}",
                  "invalid source.user: deprecated alias of source.owner, which is given with "
                  "another value"));
    CHECK(refused(REQUEST_CHECK, "{'source':{'user':['a'],'repository':'r'}}",
                  "invalid source.user: expected a string, got array"));
    CHECK(refused(REQUEST_CHECK, "{'source':{'user':'a/b','repository':'r'}}",
                  "invalid source.owner \"a/b\""));
    CHECK(refused(REQUEST_CHECK, "{'source':{'user':null,'repository':'r'}}",
                  "invalid source: missing required field \"owner\""));
}

static void test_id_only_version(void)
{
    CHECK(parse(REQUEST_IN, "{'source':{'owner':'o','repository':'r'},'version':{'id':'42'}}") ==
          0);
    CHECK(req.version.present == 1 && req.version.tag == NULL);
    CHECK_STR(req.version.id, "42");
    request_free(&req);
    CHECK(refused(REQUEST_IN, "{'source':{'owner':'o','repository':'r'},'version':{'tag':null}}",
                  "invalid version: missing required field \"tag\""));
    CHECK(refused(REQUEST_IN, "{'source':{'owner':'o','repository':'r'},'version':{'id':'x'}}",
                  "invalid version.id \"x\": must be decimal digits"));
}

static void test_grr_put_params(void)
{
    static const char *const params[] = {"'name':'n'",
                                         "'tag':'t'",
                                         "'body':'b'",
                                         "'tag_prefix':'v'",
                                         "'commitish':'c'",
                                         "'globs':['*']",
                                         "'generate_release_notes':true"};
    char json[256], want[320];
    for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
        /* no from, no mirror: the GRR param is what is named */
        snprintf(json, sizeof(json), "{'source':{'owner':'o','repository':'r'},'params':{%s}}",
                 params[i]);
        int n = (int)strcspn(params[i] + 1, "'");
        snprintf(want, sizeof(want), "invalid params.%.*s: %s", n, params[i] + 1, GRR_PUT_MSG);
        CHECK(refused(REQUEST_OUT, json, want));
    }
    /* in's params of the same names are in's own */
    CHECK(parse(REQUEST_IN, "{'source':{'owner':'o','repository':'r'},'version':{'tag':'v1'},"
                            "'params':{'globs':['*']}}") == 0);
    request_free(&req);
}

int main(void)
{
    test_user_alias();
    test_id_only_version();
    test_grr_put_params();
    return TEST_DONE();
}
