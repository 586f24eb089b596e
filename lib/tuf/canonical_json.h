/* canonical_json.h - OLPC canonical JSON, the byte form TUF signs.
 *
 * Objects have their keys sorted by byte value, there is no whitespace,
 * strings escape only '"' and '\\' (every other byte is written as is), and
 * numbers are integers. Floating-point numbers cannot be encoded. */
#ifndef GRM_CANONICAL_JSON_H
#define GRM_CANONICAL_JSON_H

#include <jansson.h>

#include "buf.h"
#include "err.h"

/* Append the canonical form of v to out. Returns 0, or -1 with err set (a
 * real number, nesting deeper than 64, or out's cap exceeded: out is then
 * freed, as buf does). v is borrowed. */
int canonical_json_encode(const json_t *v, struct buf *out, struct err *err);

#endif
