/* grm_validate.c - validate a request's source the way the commands do,
 * without any network: reads {"source":...} on stdin and runs the check and
 * out parsers over it. Used by the pipeline.yml test. */
#include "log.h"
#include "releases.h"
#include "request.h"
#include "resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    static char input[1 << 20];
    size_t len = fread(input, 1, sizeof(input) - 1, stdin);
    struct request req;
    struct err err = {""};
    if (request_parse(input, len, REQUEST_CHECK, &req, &err) < 0) {
        log_error("check: %s", err.msg);
        return 1;
    }
    struct releases_policy policy; /* tag_filter and semver_constraint */
    struct releases_config cfg;
    resource_releases_config(&cfg, &req.source);
    if (releases_policy_init(&policy, &cfg, &err) < 0) {
        log_error("check: %s", err.msg);
        request_free(&req);
        return 1;
    }
    releases_policy_free(&policy);
    request_free(&req);
    /* out needs params.from: add it beside the given source */
    char *out_req = malloc(len + 64);
    const char *end = strrchr(input, '}');
    if (!out_req || !end) {
        free(out_req);
        log_error("input is not a JSON object");
        return 1;
    }
    int n =
        snprintf(out_req, len + 64, "%.*s,\"params\":{\"from\":\"x\"}}", (int)(end - input), input);
    int rc = request_parse(out_req, (size_t)n, REQUEST_OUT, &req, &err);
    free(out_req);
    if (rc < 0) {
        log_error("out: %s", err.msg);
        return 1;
    }
    request_free(&req);
    printf("ok\n");
    return 0;
}
