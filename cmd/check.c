/* check.c - /opt/resource/check: print the releases that are new versions,
 * oldest first, as a JSON array on stdout. */
#include "check.h"
#include "resource.h"

static int run(struct resource *r, const char *dir, json_t **versions, struct err *err)
{
    (void)dir; /* check takes no directory */
    return check_run(r, versions, err);
}

int main(void)
{
    return resource_main(REQUEST_CHECK, NULL, run);
}
