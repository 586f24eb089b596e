/* test_request_attest.c - source.attestations in lib/command/request.c: defaults,
 * the three modes, a trusted root given as an object or as JSON text (kept
 * as text and parsed at once), and the refusals. argv[1] is test/data. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "request.h"
#include "request_test.h"
#include "tap.h"
#include "trusted_root.h"

static void test_modes(void)
{
    struct request req;
    struct err e;
    CHECK(request_test_source("", &req, &e) == 0);
    CHECK(req.source.attestations.release == REQUEST_ATTEST_AUTO);
    CHECK(req.source.attestations.trusted_root == NULL);
    request_free(&req);
    CHECK(request_test_source(",\"attestations\":{\"release\":\"required\"}", &req, &e) == 0);
    CHECK(req.source.attestations.release == REQUEST_ATTEST_REQUIRED);
    request_free(&req);
    CHECK(request_test_source(",\"attestations\":{\"release\":\"off\"}", &req, &e) == 0);
    CHECK(req.source.attestations.release == REQUEST_ATTEST_OFF);
    request_free(&req);
    CHECK(request_test_source(",\"attestations\":null", &req, &e) == 0);
    request_free(&req);
    CHECK(request_test_source(",\"attestations\":{\"release\":\"Auto\"}", &req, &e) == -1);
    CHECK_STR(e.msg, "invalid source.attestations.release \"Auto\": must be auto, required or "
                     "off");
}

static void test_trusted_root(const char *data)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/attest/github_trusted_root.json", data);
    int fd = open(path, O_RDONLY);
    struct buf root = BUF_INIT(0), extra = BUF_INIT(0);
    CHECK(fd >= 0 && buf_read_fd(&root, fd) == 0);
    if (fd >= 0)
        close(fd);
    struct request req;
    struct err e;
    struct trusted_root tr;
    /* as an object */
    buf_addf(&extra, ",\"attestations\":{\"trusted_root\":%s}", buf_str(&root));
    CHECK(request_test_source(buf_str(&extra), &req, &e) == 0);
    const char *t = req.source.attestations.trusted_root;
    CHECK(t && trusted_root_parse(t, strlen(t), &tr, &e) == 0 && tr.n_cas == 6);
    if (t)
        trusted_root_free(&tr);
    request_free(&req);
    /* as JSON text */
    buf_reset(&extra);
    buf_adds(&extra, ",\"attestations\":{\"trusted_root\":\"{\\\"mediaType\\\":\\\"application/"
                     "vnd.dev.sigstore.trustedroot+json;version=0.1\\\"}\"}");
    CHECK(request_test_source(buf_str(&extra), &req, &e) == 0);
    CHECK(req.source.attestations.trusted_root &&
          strncmp(req.source.attestations.trusted_root, "{\"mediaType\"", 12) == 0);
    request_free(&req);
    CHECK(request_test_source(",\"attestations\":{\"trusted_root\":[]}", &req, &e) == -1);
    CHECK_STR(e.msg, "invalid source.attestations.trusted_root: expected an object or a string, "
                     "got array");
    buf_free(&root);
    buf_free(&extra);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s test-data-dir\n", argv[0]);
        return 2;
    }
    test_modes();
    test_trusted_root(argv[1]);
    return TEST_DONE();
}
