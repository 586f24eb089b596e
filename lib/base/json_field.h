/* json_field.h - typed readers and checks for one JSON field, by its path.
 *
 * Every function takes the field's path ("source.mirror.bucket") for its
 * message and returns 0, or -1 after err_set() with one line naming that path.
 * A reader given an absent value (NULL or JSON null) returns 0 and leaves its
 * destination alone, so that a destination holds its default. Strings stored
 * are malloced copies owned by the caller, who frees *dst (also on failure:
 * a reader never leaves *dst dangling). No function here knows the schema. */
#ifndef GRM_JSON_FIELD_H
#define GRM_JSON_FIELD_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

/* GitHub owner and repository names, S3 bucket names and the like. */
#define JSON_FIELD_NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

/* 1 when v is NULL or JSON null. */
int json_field_absent(const json_t *v);
/* The JSON type of v as a word ("object", "string", ...); static text. */
const char *json_field_type_name(const json_t *v);
/* "invalid PATH: expected WANT, got TYPE"; returns -1. */
int json_field_type_err(struct err *err, const char *path, const char *want, const json_t *v);
/* "invalid SECTION: missing required field \"FIELD\""; returns -1. */
int json_field_missing(struct err *err, const char *section, const char *field);

/* Replace *dst (a default or NULL; freed) by a copy of s. */
int json_field_set_str(char **dst, const char *s, struct err *err);
/* An optional string. */
int json_field_get_str(const json_t *v, const char *path, char **dst, struct err *err);
/* An optional string where "" counts as absent (*dst becomes NULL). */
int json_field_get_nonempty(const json_t *v, const char *path, char **dst, struct err *err);
/* json_field_get_nonempty(), and registered with log_add_secret() at once. */
int json_field_get_secret(const json_t *v, const char *path, char **dst, struct err *err);
/* An optional boolean, stored as 0 or 1. */
int json_field_get_bool(const json_t *v, const char *path, int *dst, struct err *err);
/* An optional integer within [min, max]. */
int json_field_get_int(const json_t *v, const char *path, json_int_t min, json_int_t max,
                       json_int_t *dst, struct err *err);
/* json_field_get_int() for an int destination. */
int json_field_get_small_int(const json_t *v, const char *path, int min, int max, int *dst,
                             struct err *err);
/* One of two strings: *dst is set to 1 for `one`, 0 for `zero`. */
int json_field_get_choice(const json_t *v, const char *path, const char *zero, const char *one,
                          int *dst, struct err *err);
/* An optional array of non-empty glob strings, stored NULL-terminated in
 * *dst (non-NULL even when empty) with its count in *n; the caller frees it
 * with json_field_free_strv(), also after a failure. */
int json_field_get_globs(const json_t *v, const char *path, char ***dst, size_t *n,
                         struct err *err);
/* Free a NULL-terminated string array and its strings; NULL is fine. */
void json_field_free_strv(char **v);
/* A GitHub id: a positive integer, or a string of decimal digits; stored as
 * its decimal string. */
int json_field_get_id(const json_t *v, const char *path, char **dst, struct err *err);

/* An optional string among names (NULL-terminated): *dst is set to its
 * index; any other string is refused, listing the names. */
int json_field_get_enum(const json_t *v, const char *path, const char *const *names, int *dst,
                        struct err *err);
/* obj must be an object, unpacked by json_unpack_ex(JSON_STRICT) with fmt and
 * the pointers that follow; an unknown key is refused naming path. */
int json_field_unpack(json_t *obj, const char *path, struct err *err, const char *fmt, ...);

/* 1 when s is non-empty and made only of characters in set. */
int json_field_all_of(const char *s, const char *set);
/* A GitHub owner or repository name. */
int json_field_check_name(const char *path, const char *s, struct err *err);
/* s (NULL passes) holds a PEM certificate line. */
int json_field_check_pem(const char *path, const char *s, struct err *err);
/* An absolute http(s) URL with a host and without credentials, query or
 * fragment (and without a path when root_only); one trailing '/' is stripped
 * from url in place. The URL itself is never quoted: it may hold a secret. */
int json_field_check_url(const char *path, char *url, int root_only, struct err *err);
/* An optional string checked by json_field_check_url() (root_only 0) and
 * not kept. */
int json_field_check_url_only(const json_t *v, const char *path, struct err *err);
/* s is not "". */
int json_field_check_nonempty(const char *path, const char *s, struct err *err);
/* A relative path without ".." components. */
int json_field_check_relative(const char *path, const char *s, struct err *err);

/* jansson's parse message with its "near '...'" quote cut (it may quote part
 * of a secret), except for a duplicate key; cuts je->text in place and
 * returns it. */
const char *json_field_error_text(json_error_t *je);

#endif
