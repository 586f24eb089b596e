/* test_text.c - the text helpers (lib/base/text.c): lowercase hex of every byte
 * value, and which bytes count as control bytes (below 0x20 and DEL, not
 * space, not bytes above 0x7f). */
#include <string.h>

#include "tap.h"
#include "text.h"

static void test_hex(void)
{
    char out[2 * 256 + 1];
    unsigned char all[256];
    memset(out, 'x', sizeof(out));
    text_hex((const unsigned char *)"", 0, out);
    CHECK_STR(out, "");

    const unsigned char some[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    text_hex(some, sizeof(some), out);
    CHECK_STR(out, "00017f80abff");

    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    text_hex(all, sizeof(all), out);
    CHECK(strlen(out) == 512);
    CHECK(strncmp(out, "000102", 6) == 0 && strcmp(out + 506, "fdfeff") == 0);
    CHECK(strncmp(out + 2 * 0x9a, "9a", 2) == 0 && strspn(out, "0123456789abcdef") == 512);

    /* exactly 2n + 1 bytes are written */
    memset(out, 'x', sizeof(out));
    text_hex(some, 2, out);
    CHECK(out[4] == '\0' && out[5] == 'x');
}

static void test_control(void)
{
    CHECK(text_has_control(NULL) == 0);
    CHECK(text_has_control("") == 0);
    CHECK(text_has_control("plain text, with spaces: ~!") == 0);
    CHECK(text_has_control("caf\xc3\xa9 \x80\xff") == 0); /* bytes above DEL are not control */
    CHECK(text_has_control("tab\there") == 1);
    CHECK(text_has_control("line\r\nsplit") == 1);
    CHECK(text_has_control("\x01start") == 1);
    CHECK(text_has_control("end\x1f") == 1);
    CHECK(text_has_control("del\x7f") == 1);
    char one[2] = {0, 0};
    int n = 0;
    for (int c = 1; c < 256; c++) {
        one[0] = (char)c;
        n += text_has_control(one);
    }
    CHECK(n == 0x1f + 1); /* 0x01..0x1f and 0x7f */
}

static void test_mask(void)
{
    char s[] = "a\tb\r\nc\x7f d\x80";
    text_mask_control(s);
    CHECK_STR(s, "a?b??c? d\x80");
    char clean[] = "nothing to do";
    text_mask_control(clean);
    CHECK_STR(clean, "nothing to do");
    text_mask_control(NULL); /* no crash */
    CHECK(1);
}

int main(void)
{
    test_hex();
    test_control();
    test_mask();
    return TEST_DONE();
}
