/* check.h - check: the releases that are new versions, by the resource's
 * ordering, since the request's version (all selected ones without it). */
#ifndef GRM_CHECK_H
#define GRM_CHECK_H

#include <jansson.h>

#include "err.h"
#include "resource.h"

/* The versions to report, oldest first: *versions is a new JSON array the
 * caller owns (NULL on failure). 0, or -1 with err. */
int check_run(struct resource *r, json_t **versions, struct err *err);

#endif
