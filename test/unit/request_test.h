/* request_test.h - what the request parser's unit tests share: a request
 * written with single quotes, and a check request whose source carries a
 * few extra fields. Header-only (static inline), as tap.h is. */
#ifndef GRM_REQUEST_TEST_H
#define GRM_REQUEST_TEST_H

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "request.h"

/* Parse json as kind, with its single quotes read as double quotes; e is
 * cleared first. The request_parse() contract: 0, or -1 with e set. */
static inline int request_test_parse(enum request_kind kind, const char *json, struct request *req,
                                     struct err *e)
{
    char *text = strdup(json);
    for (char *c = text; *c; c++)
        if (*c == '\'')
            *c = '"';
    err_clear(e);
    int rc = request_parse(text, strlen(text), kind, req, e);
    free(text);
    return rc;
}

/* Parse a check request with source owner "o", repository "r", then extra
 * (",\"field\":value..." or ""). */
static inline int request_test_source(const char *extra, struct request *req, struct err *e)
{
    struct buf text = BUF_INIT(0);
    buf_addf(&text, "{\"source\":{\"owner\":\"o\",\"repository\":\"r\"%s}}", extra);
    int rc = request_parse(buf_str(&text), text.len, REQUEST_CHECK, req, e);
    buf_free(&text);
    return rc;
}

#endif
