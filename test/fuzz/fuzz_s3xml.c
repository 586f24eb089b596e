/* fuzz_s3xml.c - libFuzzer harness: the S3 XML response parsers.
 *
 * Every parser in s3xml.h reads the same input (an <Error>, the answers to
 * ListObjectsV2, Initiate/CompleteMultipartUpload, ListMultipartUploads,
 * DeleteObjects and GetBucketVersioning), each checked for what its contract promises. The input
 * also goes to s3xml_parse_time(), and its printable ASCII prefix through
 * s3xml_escape() and back through the <Error> parser, which must give the
 * text back unchanged. */
#include "fuzz.h"
#include "s3xml.h"

static void parse_all(const char *xml, size_t len)
{
    struct s3xml_error e;
    struct err err;
    struct buf id = BUF_INIT(0);
    struct s3xml_list l;
    struct s3xml_uploads u;
    struct s3xml_delete d;
    if (s3xml_parse_error(xml, len, &e) != 1 && (e.code[0] || e.message[0]))
        abort();
    if (s3xml_parse_initiate(xml, len, &id, &err) == 0 && id.len == 0)
        abort();
    buf_free(&id);
    s3xml_parse_complete(xml, len, &e, &err);
    if (s3xml_parse_list(xml, len, &l, &err) == 0) {
        for (size_t i = 0; i < l.n; i++)
            if (!l.items[i].key || !l.items[i].key[0] || l.items[i].size < 0)
                abort();
        s3xml_list_free(&l);
    }
    if (s3xml_parse_uploads(xml, len, &u, &err) == 0) {
        for (size_t i = 0; i < u.n; i++)
            if (!u.items[i].key || !u.items[i].upload_id || !u.items[i].upload_id[0])
                abort();
        s3xml_uploads_free(&u);
    }
    if (s3xml_parse_delete(xml, len, &d, &err) == 0)
        s3xml_delete_free(&d);
    char status[16];
    if (s3xml_parse_versioning(xml, len, status, sizeof(status), &err) == 0 &&
        strlen(status) >= sizeof(status))
        abort();
}

/* Printable text escaped into an <Error><Code> must read back as itself. */
static void escape_round_trip(const char *s)
{
    char text[100];
    size_t n = 0;
    for (; s[n] && n < sizeof(text) - 1 && s[n] >= 0x20 && s[n] < 0x7f; n++)
        text[n] = s[n];
    text[n] = '\0';
    struct buf xml = BUF_INIT(0);
    struct s3xml_error e;
    if (buf_adds(&xml, "<Error><Code>") < 0 || s3xml_escape(&xml, text) < 0 ||
        buf_adds(&xml, "</Code></Error>") < 0)
        abort();
    if (s3xml_parse_error(xml.ptr, xml.len, &e) != 1 || strcmp(e.code, text) != 0)
        abort();
    buf_free(&xml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_strndup(data, size);
    int64_t ms;
    parse_all(s, size);
    s3xml_parse_time(s, &ms);
    escape_round_trip(s);
    free(s);
    return 0;
}
