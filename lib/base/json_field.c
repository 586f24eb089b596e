/* json_field.c - the typed-field reader behind request.c.
 *
 * Each reader takes one jansson value (NULL or JSON null counts as absent and
 * leaves the destination alone) and the field's path, so that every message
 * names the field ("invalid source.owner: ..."). The checks here know no
 * schema: URLs, PEM certificates, GitHub names, relative paths. */
#include "json_field.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "log.h"

#define PEM_MARKER "-----BEGIN CERTIFICATE-----"

int json_field_absent(const json_t *v)
{
    return v == NULL || json_is_null(v);
}

const char *json_field_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "real";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

int json_field_type_err(struct err *err, const char *path, const char *want, const json_t *v)
{
    return err_set(err, "invalid %s: expected %s, got %s", path, want, json_field_type_name(v));
}

int json_field_missing(struct err *err, const char *section, const char *field)
{
    return err_set(err, "invalid %s: missing required field \"%s\"", section, field);
}

/* Copy s into out (size n) with its first letter lowercased: libc and libcurl
 * texts are capitalized. Returns out. */
static const char *lower_first(const char *s, char *out, size_t n)
{
    snprintf(out, n, "%s", s);
    out[0] = (char)tolower((unsigned char)out[0]);
    return out;
}

/* Replace *dst (a default or NULL) by a copy of s. */
int json_field_set_str(char **dst, const char *s, struct err *err)
{
    char *copy = strdup(s);
    if (!copy)
        return err_set(err, "out of memory");
    free(*dst);
    *dst = copy;
    return 0;
}

/* Optional string: absent leaves *dst (the default) alone. */
int json_field_get_str(const json_t *v, const char *path, char **dst, struct err *err)
{
    if (json_field_absent(v))
        return 0;
    if (!json_is_string(v))
        return json_field_type_err(err, path, "a string", v);
    return json_field_set_str(dst, json_string_value(v), err);
}

/* Optional string where "" counts as absent (tokens and keys). */
int json_field_get_nonempty(const json_t *v, const char *path, char **dst, struct err *err)
{
    if (json_field_get_str(v, path, dst, err) < 0)
        return -1;
    if (*dst && !**dst) {
        free(*dst);
        *dst = NULL;
    }
    return 0;
}

/* json_field_get_nonempty(), and registered for redaction at once. */
int json_field_get_secret(const json_t *v, const char *path, char **dst, struct err *err)
{
    if (json_field_get_nonempty(v, path, dst, err) < 0)
        return -1;
    log_add_secret(*dst);
    return 0;
}

int json_field_get_bool(const json_t *v, const char *path, int *dst, struct err *err)
{
    if (json_field_absent(v))
        return 0;
    if (!json_is_boolean(v))
        return json_field_type_err(err, path, "a boolean", v);
    *dst = json_is_true(v);
    return 0;
}

/* Optional integer within [min, max]; absent leaves *dst alone. */
int json_field_get_int(const json_t *v, const char *path, json_int_t min, json_int_t max,
                       json_int_t *dst, struct err *err)
{
    if (json_field_absent(v))
        return 0;
    if (!json_is_integer(v))
        return json_field_type_err(err, path, "an integer", v);
    json_int_t n = json_integer_value(v);
    if (n < min)
        return err_set(err, "invalid %s: must be at least %" JSON_INTEGER_FORMAT, path, min);
    if (n > max)
        return err_set(err, "invalid %s: must be at most %" JSON_INTEGER_FORMAT, path, max);
    *dst = n;
    return 0;
}

/* json_field_get_int() for an int field. */
int json_field_get_small_int(const json_t *v, const char *path, int min, int max, int *dst,
                             struct err *err)
{
    json_int_t n = *dst;
    if (json_field_get_int(v, path, min, max, &n, err) < 0)
        return -1;
    *dst = (int)n;
    return 0;
}

/* One of two string values: *dst is set to 1 for `one`, 0 for `zero`. */
int json_field_get_choice(const json_t *v, const char *path, const char *zero, const char *one,
                          int *dst, struct err *err)
{
    if (json_field_absent(v))
        return 0;
    if (!json_is_string(v))
        return json_field_type_err(err, path, "a string", v);
    const char *s = json_string_value(v);
    if (strcmp(s, zero) != 0 && strcmp(s, one) != 0)
        return err_set(err, "invalid %s: must be \"%s\" or \"%s\", got \"%s\"", path, zero, one, s);
    *dst = strcmp(s, one) == 0;
    return 0;
}

void json_field_free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* Optional array of non-empty glob strings, stored NULL-terminated in *dst
 * (non-NULL even when the array is empty). */
int json_field_get_globs(const json_t *v, const char *path, char ***dst, size_t *n, struct err *err)
{
    if (json_field_absent(v))
        return 0;
    if (!json_is_array(v))
        return json_field_type_err(err, path, "an array of strings", v);
    size_t len = json_array_size(v);
    char **g = calloc(len + 1, sizeof(*g));
    if (!g)
        return err_set(err, "out of memory");
    *dst = g;
    for (size_t i = 0; i < len; i++) {
        const json_t *item = json_array_get(v, i);
        if (!json_is_string(item))
            return err_set(err, "invalid %s[%zu]: expected a string, got %s", path, i,
                           json_field_type_name(item));
        const char *s = json_string_value(item);
        if (!*s || strcmp(s, "!") == 0)
            return err_set(err, "invalid %s[%zu]: must not be an empty pattern", path, i);
        if (!(g[i] = strdup(s)))
            return err_set(err, "out of memory");
        *n = i + 1;
    }
    return 0;
}

/* ---- value checks ------------------------------------------------------- */

int json_field_all_of(const char *s, const char *set)
{
    return *s && strspn(s, set) == strlen(s);
}

/* A GitHub owner or repository name. */
int json_field_check_name(const char *path, const char *s, struct err *err)
{
    if (!*s)
        return err_set(err, "invalid %s: must not be empty", path);
    if (!json_field_all_of(s, JSON_FIELD_NAME_CHARS) || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return err_set(err,
                       "invalid %s \"%s\": must match [A-Za-z0-9._-]+ and not be "
                       "\".\" or \"..\"",
                       path, s);
    return 0;
}

int json_field_check_pem(const char *path, const char *s, struct err *err)
{
    if (s && !strstr(s, PEM_MARKER))
        return err_set(err, "invalid %s: not a PEM certificate (no \"%s\" line)", path, PEM_MARKER);
    return 0;
}

/* The parts of a parsed URL that json_field_check_url() refuses. */
static int url_refuse(CURLU *u, const char *path, const char *s, int root_only, struct err *err)
{
    char *scheme = NULL, *part = NULL;
    int rc = -1;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
        err_set(err, "invalid %s: not a URL", path);
    else if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)
        err_set(err, "invalid %s: scheme must be http or https, got \"%s\"", path, scheme);
    else if (strncmp(s + strlen(scheme), "://", 3) != 0 || s[strlen(scheme) + 3] == '/')
        err_set(err, "invalid %s: must be an absolute URL with a host", path);
    else if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
             curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK)
        err_set(err, "invalid %s: must not contain credentials", path);
    else if (strchr(s, '?'))
        err_set(err, "invalid %s: must not contain a query", path);
    else if (strchr(s, '#'))
        err_set(err, "invalid %s: must not contain a fragment", path);
    else if (root_only &&
             (curl_url_get(u, CURLUPART_PATH, &part, 0) != CURLUE_OK || strcmp(part, "/") != 0))
        err_set(err, "invalid %s: must not contain a path", path);
    else
        rc = 0;
    curl_free(scheme);
    curl_free(part);
    return rc;
}

/* An absolute http(s) URL with a host and without credentials, query or
 * fragment (and without a path when root_only); one trailing '/' is stripped
 * from *url in place. The URL itself is never quoted: it may hold a secret. */
int json_field_check_url(const char *path, char *url, int root_only, struct err *err)
{
    char why[128];
    CURLU *u = curl_url();
    if (!u)
        return err_set(err, "out of memory");
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
    int rc = uc ? err_set(err, "invalid %s: not a URL (%s)", path,
                          lower_first(curl_url_strerror(uc), why, sizeof(why)))
                : url_refuse(u, path, url, root_only, err);
    curl_url_cleanup(u);
    size_t len = strlen(url);
    if (rc == 0 && len && url[len - 1] == '/')
        url[len - 1] = '\0';
    return rc;
}

/* A relative path without ".." components. */
int json_field_check_relative(const char *path, const char *s, struct err *err)
{
    if (!*s)
        return err_set(err, "invalid %s: must not be empty", path);
    if (s[0] == '/')
        return err_set(err, "invalid %s \"%s\": must be a relative path", path, s);
    for (const char *c = s; c; c = strchr(c, '/')) {
        c += *c == '/';
        if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == '\0'))
            return err_set(err, "invalid %s \"%s\": must not contain \"..\" components", path, s);
    }
    return 0;
}

/* A GitHub id: a positive integer, or a string of decimal digits (credential
 * managers interpolate strings); stored as its decimal string. */
int json_field_get_id(const json_t *v, const char *path, char **dst, struct err *err)
{
    char text[32];
    if (json_field_absent(v))
        return 0;
    if (json_is_integer(v)) {
        if (json_integer_value(v) <= 0)
            return err_set(err, "invalid %s: must be a positive integer", path);
        snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return json_field_set_str(dst, text, err);
    }
    if (!json_is_string(v))
        return json_field_type_err(err, path, "an integer or a numeric string", v);
    const char *s = json_string_value(v);
    errno = 0;
    long long n = json_field_all_of(s, "0123456789") ? strtoll(s, NULL, 10) : 0;
    if (n <= 0 || errno)
        return err_set(err, "invalid %s \"%s\": must be a positive decimal number", path, s);
    snprintf(text, sizeof(text), "%lld", n);
    return json_field_set_str(dst, text, err);
}

/* jansson's message quotes up to 20 bytes of the text where parsing stopped
 * ("... near '\"ghp_12'"): that may be part of a secret not yet registered for
 * redaction, so the quote is cut, except for a duplicate key (a field name). */
const char *json_field_error_text(json_error_t *je)
{
    char *near = strstr(je->text, " near '");
    if (near && json_error_code(je) != json_error_duplicate_key)
        *near = '\0';
    return je->text;
}

int json_field_get_enum(const json_t *v, const char *path, const char *const *names, int *dst,
                        struct err *err)
{
    char list[256] = "";
    if (json_field_absent(v))
        return 0;
    if (!json_is_string(v))
        return json_field_type_err(err, path, "a string", v);
    const char *s = json_string_value(v);
    for (int i = 0; names[i]; i++)
        if (strcmp(s, names[i]) == 0) {
            *dst = i;
            return 0;
        }
    for (int i = 0; names[i]; i++) {
        size_t len = strlen(list);
        snprintf(list + len, sizeof(list) - len, "%s%s",
                 i == 0         ? ""
                 : names[i + 1] ? ", "
                                : " or ",
                 names[i]);
    }
    return err_set(err, "invalid %s \"%s\": must be %s", path, s, list);
}

int json_field_unpack(json_t *obj, const char *path, struct err *err, const char *fmt, ...)
{
    json_error_t je;
    va_list ap;
    if (!json_is_object(obj))
        return json_field_type_err(err, path, "an object", obj);
    va_start(ap, fmt);
    int rc = json_vunpack_ex(obj, &je, JSON_STRICT, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return err_set(err, "invalid %s: %s", path, je.text);
    return 0;
}

int json_field_check_url_only(const json_t *v, const char *path, struct err *err)
{
    char *url = NULL;
    int rc = json_field_get_str(v, path, &url, err);
    if (rc == 0 && url)
        rc = json_field_check_url(path, url, 0, err);
    free(url);
    return rc;
}

int json_field_check_nonempty(const char *path, const char *s, struct err *err)
{
    if (!*s)
        return err_set(err, "invalid %s: must not be empty", path);
    return 0;
}
