/* test_json_field.c - the typed-field reader (lib/base/json_field.c): absent
 * values leave defaults alone, and each refusal names the field's path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_field.h"
#include "tap.h"

static json_t *parse(const char *text)
{
    return json_loads(text, JSON_DECODE_ANY, NULL);
}

static void test_enum(void)
{
    static const char *const names[] = {"auto", "required", "off", NULL};
    struct err e;
    int v = 7;
    json_t *off = parse("\"off\""), *bad = parse("\"maybe\""), *num = parse("1");
    CHECK(json_field_get_enum(NULL, "a.b", names, &v, &e) == 0 && v == 7);
    CHECK(json_field_get_enum(off, "a.b", names, &v, &e) == 0 && v == 2);
    CHECK(json_field_get_enum(bad, "a.b", names, &v, &e) < 0);
    CHECK_STR(e.msg, "invalid a.b \"maybe\": must be auto, required or off");
    CHECK(json_field_get_enum(num, "a.b", names, &v, &e) < 0);
    CHECK_STR(e.msg, "invalid a.b: expected a string, got integer");
    json_decref(off);
    json_decref(bad);
    json_decref(num);
}

static void test_unpack(void)
{
    struct err e;
    json_t *x = NULL, *obj = parse("{\"x\":1,\"y\":2}"), *arr = parse("[]");
    CHECK(json_field_unpack(arr, "sec", &e, "{s?o}", "x", &x) < 0);
    CHECK_STR(e.msg, "invalid sec: expected an object, got array");
    CHECK(json_field_unpack(obj, "sec", &e, "{s?o}", "x", &x) < 0);
    CHECK(strncmp(e.msg, "invalid sec: ", 13) == 0 && strstr(e.msg, "y"));
    CHECK(json_field_unpack(obj, "sec", &e, "{s?o s?o}", "x", &x, "y", &x) == 0);
    json_decref(obj);
    json_decref(arr);
}

static void test_strings(void)
{
    struct err e;
    char *s = strdup("default"), url[] = "https://example.com/";
    json_t *empty = parse("\"\""), *num = parse("3");
    CHECK(json_field_get_str(NULL, "f", &s, &e) == 0);
    CHECK_STR(s, "default");
    CHECK(json_field_get_nonempty(empty, "f", &s, &e) == 0 && s == NULL);
    CHECK(json_field_get_str(num, "f", &s, &e) < 0);
    CHECK_STR(e.msg, "invalid f: expected a string, got integer");
    CHECK(json_field_check_url("u", url, 1, &e) == 0);
    CHECK_STR(url, "https://example.com");
    CHECK(json_field_check_url_only(num, "u", &e) < 0);
    CHECK(json_field_check_nonempty("t", "", &e) < 0);
    CHECK_STR(e.msg, "invalid t: must not be empty");
    json_decref(empty);
    json_decref(num);
    free(s);
}

int main(void)
{
    test_enum();
    test_unpack();
    test_strings();
    return TEST_DONE();
}
