/* check.c - /opt/resource/check: print the releases that are new versions,
 * oldest first, as a JSON array on stdout. */
#include "log.h"
#include "resource.h"

int main(void)
{
    struct resource r;
    struct err err = {""};
    json_t *versions = NULL;
    int rc = resource_open(&r, REQUEST_CHECK, &err);
    if (rc == 0) {
        rc = resource_check(&r, &versions, &err);
        if (rc == 0)
            rc = resource_print(versions, &err);
        resource_close(&r);
    }
    if (rc < 0)
        log_error("%s", err.msg);
    return rc < 0 ? 1 : 0;
}
