/* out.c - /opt/resource/out SOURCES: mirror the release that a get of this
 * resource wrote under SOURCES/<params.from> to S3; print its version. */
#include "log.h"
#include "mirror.h"
#include "resource.h"

int main(int argc, char **argv)
{
    struct resource r;
    struct err err = {""};
    json_t *response = NULL;
    if (argc != 2) {
        log_error("usage: %s SOURCES (the build's directory), request JSON on stdin", argv[0]);
        return 2;
    }
    int rc = resource_open(&r, REQUEST_OUT, &err);
    if (rc == 0) {
        rc = mirror_run(&r, argv[1], &response, &err);
        if (rc == 0)
            rc = resource_print(response, &err);
        resource_close(&r);
    }
    if (rc < 0)
        log_error("%s", err.msg);
    return rc < 0 ? 1 : 0;
}
