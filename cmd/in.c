/* in.c - /opt/resource/in DEST: fetch the version's release assets into DEST,
 * verified, with its metadata; print {"version":..,"metadata":..}. */
#include "fetch.h"
#include "log.h"
#include "resource.h"

int main(int argc, char **argv)
{
    struct resource r;
    struct err err = {""};
    json_t *response = NULL;
    if (argc != 2) {
        log_error("usage: %s DESTINATION (a directory), request JSON on stdin", argv[0]);
        return 2;
    }
    int rc = resource_open(&r, REQUEST_IN, &err);
    if (rc == 0) {
        rc = fetch_run(&r, argv[1], &response, &err);
        if (rc == 0)
            rc = resource_print(response, &err);
        resource_close(&r);
    }
    if (rc < 0)
        log_error("%s", err.msg);
    return rc < 0 ? 1 : 0;
}
