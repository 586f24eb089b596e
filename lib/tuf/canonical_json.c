/* canonical_json.c - OLPC canonical JSON encoding over jansson values (see
 * canonical_json.h): a recursive walk that sorts each object's keys. */
#include "canonical_json.h"

#include <stdlib.h>
#include <string.h>

#define CJSON_MAX_DEPTH 64

static int cjson_value(const json_t *v, struct buf *out, int depth, struct err *err);

static int cjson_string(const char *s, size_t n, struct buf *out)
{
    if (buf_addc(out, '"') < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if ((s[i] == '"' || s[i] == '\\') && buf_addc(out, '\\') < 0)
            return -1;
        if (buf_addc(out, s[i]) < 0)
            return -1;
    }
    return buf_addc(out, '"');
}

static int cjson_keycmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cjson_object(const json_t *v, struct buf *out, int depth, struct err *err)
{
    size_t n = json_object_size(v), i = 0;
    const char **keys = calloc(n ? n : 1, sizeof(*keys));
    if (!keys)
        return err_set(err, "out of memory encoding canonical JSON");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) keys[i++] = key;
    qsort(keys, n, sizeof(*keys), cjson_keycmp);
    int rc = buf_addc(out, '{');
    for (i = 0; rc == 0 && i < n; i++) {
        if (i && buf_addc(out, ',') < 0)
            rc = -1;
        else if (cjson_string(keys[i], strlen(keys[i]), out) < 0 || buf_addc(out, ':') < 0)
            rc = -1;
        else if (cjson_value(json_object_get(v, keys[i]), out, depth + 1, err) < 0)
            rc = -2;
    }
    if (rc == 0 && buf_addc(out, '}') < 0)
        rc = -1;
    free(keys);
    if (rc == -1)
        return err_set(err, "canonical JSON larger than %zu bytes", out->max);
    return rc < 0 ? -1 : 0;
}

static int cjson_array(const json_t *v, struct buf *out, int depth, struct err *err)
{
    if (buf_addc(out, '[') < 0)
        return err_set(err, "canonical JSON larger than %zu bytes", out->max);
    for (size_t i = 0; i < json_array_size(v); i++) {
        if (i && buf_addc(out, ',') < 0)
            return err_set(err, "canonical JSON larger than %zu bytes", out->max);
        if (cjson_value(json_array_get(v, i), out, depth + 1, err) < 0)
            return -1;
    }
    if (buf_addc(out, ']') < 0)
        return err_set(err, "canonical JSON larger than %zu bytes", out->max);
    return 0;
}

static int cjson_value(const json_t *v, struct buf *out, int depth, struct err *err)
{
    if (depth > CJSON_MAX_DEPTH)
        return err_set(err, "JSON nested deeper than %d levels", CJSON_MAX_DEPTH);
    int rc;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return cjson_object(v, out, depth, err);
    case JSON_ARRAY:
        return cjson_array(v, out, depth, err);
    case JSON_STRING:
        rc = cjson_string(json_string_value(v), json_string_length(v), out);
        break;
    case JSON_INTEGER:
        rc = buf_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_TRUE:
        rc = buf_adds(out, "true");
        break;
    case JSON_FALSE:
        rc = buf_adds(out, "false");
        break;
    case JSON_NULL:
        rc = buf_adds(out, "null");
        break;
    default:
        return err_set(err, "canonical JSON has no floating-point numbers");
    }
    if (rc < 0)
        return err_set(err, "canonical JSON larger than %zu bytes", out->max);
    return 0;
}

int canonical_json_encode(const json_t *v, struct buf *out, struct err *err)
{
    if (!v)
        return err_set(err, "no JSON value to encode");
    return cjson_value(v, out, 0, err);
}
