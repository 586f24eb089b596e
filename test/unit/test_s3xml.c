/* test_s3xml.c - S3 XML parsing and body writing, URL building and part sizes.
 *
 * The XML samples follow the response shapes documented in the Amazon S3 API
 * Reference (and RGW's empty <Message>); they are written for this test. */
#include "s3.h"
#include "s3xml.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define NS "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""
#define MIB (1024 * 1024LL)

static int parse_err(const char *xml, struct s3xml_error *e)
{
    return s3xml_parse_error(xml, strlen(xml), e);
}

static void test_error(void)
{
    struct s3xml_error e;
    CHECK(parse_err("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
                    "<Message>The specified key does not exist.</Message><Key>a b</Key>"
                    "<RequestId>4442587FB7D0A2F9</RequestId><HostId>x</HostId></Error>",
                    &e) == 1);
    CHECK_STR(e.code, "NoSuchKey");
    CHECK_STR(e.message, "The specified key does not exist.");
    CHECK_STR(e.request_id, "4442587FB7D0A2F9");

    /* RGW: empty Message; no RequestId at all */
    CHECK(parse_err("<Error><Code>SignatureDoesNotMatch</Code><Message></Message></Error>", &e) ==
          1);
    CHECK_STR(e.code, "SignatureDoesNotMatch");
    CHECK_STR(e.message, "");
    CHECK_STR(e.request_id, "");

    /* namespaced with a prefix; entities decoded */
    CHECK(parse_err("<s3:Error xmlns:s3=\"urn:x\"><s3:Code>A&amp;B</s3:Code></s3:Error>", &e) == 1);
    CHECK_STR(e.code, "A&B");

    /* nested Code elsewhere is not the error code */
    CHECK(parse_err("<Error><Detail><Code>inner</Code></Detail></Error>", &e) == 1);
    CHECK_STR(e.code, "");

    CHECK(parse_err("<ListBucketResult " NS "><Name>b</Name></ListBucketResult>", &e) == 0);
    CHECK_STR(e.code, "");
    CHECK(parse_err("", &e) == -1);
    CHECK(parse_err("Service Unavailable", &e) == -1);
    CHECK(parse_err("<Error><Code>X</Code>", &e) == -1);
    CHECK_STR(e.code, "");
    CHECK(s3xml_parse_error(NULL, 0, &e) == -1);
}

static void test_hostile(void)
{
    struct s3xml_error e;
    struct err err = {{0}};
    struct buf id = BUF_INIT(0);
    const char *laughs = "<?xml version=\"1.0\"?><!DOCTYPE Error [<!ENTITY a \"aaaaaaaaaa\">"
                         "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
                         "<Error><Code>&b;</Code></Error>";
    CHECK(parse_err(laughs, &e) == -1);
    CHECK(s3xml_parse_initiate(laughs, strlen(laughs), &id, &err) == -1);
    CHECK(strstr(err.msg, "doctype") != NULL);

    const char *xxe = "<!DOCTYPE Error SYSTEM \"file:///etc/passwd\"><Error><Code>x</Code></Error>";
    CHECK(parse_err(xxe, &e) == -1);

    /* deep nesting */
    struct buf deep = BUF_INIT(0);
    buf_adds(&deep, "<InitiateMultipartUploadResult>");
    for (int i = 0; i < 100000; i++)
        buf_adds(&deep, "<a>");
    CHECK(parse_err(buf_str(&deep), &e) == -1);
    CHECK(s3xml_parse_initiate(deep.ptr, deep.len, &id, &err) == -1);
    CHECK(strstr(err.msg, "nested") != NULL);
    buf_free(&deep);

    /* huge text */
    struct buf big = BUF_INIT(0);
    buf_adds(&big, "<InitiateMultipartUploadResult><UploadId>");
    for (int i = 0; i < S3XML_MAX_TEXT + 10; i++)
        buf_addc(&big, 'x');
    buf_adds(&big, "</UploadId></InitiateMultipartUploadResult>");
    CHECK(s3xml_parse_initiate(big.ptr, big.len, &id, &err) == -1);
    CHECK(strstr(err.msg, "text longer") != NULL);
    CHECK(id.len == 0);
    buf_free(&big);

    /* binary garbage of every byte value */
    char junk[256];
    for (int i = 0; i < 256; i++)
        junk[i] = (char)(255 - i);
    CHECK(s3xml_parse_error(junk, sizeof(junk), &e) == -1);
    CHECK(s3xml_parse_error(junk, S3XML_MAX_BODY + 1u, &e) == -1); /* refused before reading */
    buf_free(&id);
}

static void test_initiate(void)
{
    struct buf id = BUF_INIT(0);
    struct err err = {{0}};
    const char *ok =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult " NS
        "><Bucket>b</Bucket><Key>k</Key><UploadId>2~abc-DEF_1.x</UploadId>"
        "</InitiateMultipartUploadResult>";
    CHECK(s3xml_parse_initiate(ok, strlen(ok), &id, &err) == 0);
    CHECK_STR(buf_str(&id), "2~abc-DEF_1.x");

    const char *none = "<InitiateMultipartUploadResult><Key>k</Key>"
                       "</InitiateMultipartUploadResult>";
    CHECK(s3xml_parse_initiate(none, strlen(none), &id, &err) == -1);
    CHECK(strstr(err.msg, "UploadId") != NULL);

    const char *wrong = "<Error><UploadId>x</UploadId></Error>";
    CHECK(s3xml_parse_initiate(wrong, strlen(wrong), &id, &err) == -1);
    CHECK(strstr(err.msg, "<Error>") != NULL);
    CHECK(id.len == 0);
    buf_free(&id);
}

static void test_complete(void)
{
    struct s3xml_error e;
    struct err err = {{0}};
    const char *ok = "<CompleteMultipartUploadResult " NS "><Location>http://x/b/k</Location>"
                     "<Bucket>b</Bucket><Key>k</Key><ETag>\"3858f62230ac3c915f300c664312c11f-9"
                     "\"</ETag></CompleteMultipartUploadResult>";
    CHECK(s3xml_parse_complete(ok, strlen(ok), &e, &err) == 0);
    const char *bad = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n<Error><Code>InternalError"
                      "</Code><Message>We encountered an internal error. Please try again."
                      "</Message><RequestId>656c76696e6727732072657175657374</RequestId>"
                      "<HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId>"
                      "</Error>";
    CHECK(s3xml_parse_complete(bad, strlen(bad), &e, &err) == 1);
    CHECK_STR(e.code, "InternalError");
    CHECK_STR(e.request_id, "656c76696e6727732072657175657374");
    const char *other = "<ListBucketResult/>";
    CHECK(s3xml_parse_complete(other, strlen(other), &e, &err) == -1);
    CHECK(s3xml_parse_complete("<Complete", 9, &e, &err) == -1);
}

static void test_list(void)
{
    struct s3xml_list l;
    struct err err = {{0}};
    const char *xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult " NS ">"
        "<Name>bucket</Name><Prefix>o/</Prefix><KeyCount>3</KeyCount><MaxKeys>3</MaxKeys>"
        "<Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>"
        "<Contents><Key>o/a &amp; b.txt</Key><LastModified>2024-01-01T00:00:00.000Z"
        "</LastModified><ETag>&quot;x&quot;</ETag><Size>12345678901</Size>"
        "<StorageClass>STANDARD</StorageClass></Contents>"
        "<Contents><Key>o/\xc3\xbc</Key><Size>0</Size></Contents>"
        "<CommonPrefixes><Prefix>o/dir/</Prefix></CommonPrefixes>"
        "<ContinuationToken>prev</ContinuationToken>"
        "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</"
        "NextContinuationToken>"
        "</ListBucketResult>";
    CHECK(s3xml_parse_list(xml, strlen(xml), &l, &err) == 0);
    CHECK(l.n == 3);
    if (l.n == 3) {
        CHECK_STR(l.items[0].key, "o/a & b.txt");
        CHECK(l.items[0].size == 12345678901LL);
        CHECK(!l.items[0].is_prefix);
        CHECK_STR(l.items[1].key, "o/\xc3\xbc");
        CHECK(l.items[1].size == 0);
        CHECK_STR(l.items[2].key, "o/dir/");
        CHECK(l.items[2].is_prefix);
    }
    CHECK(l.truncated == 1);
    CHECK_STR(l.next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    s3xml_list_free(&l);

    const char *last = "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>";
    CHECK(s3xml_parse_list(last, strlen(last), &l, &err) == 0);
    CHECK(l.n == 0 && l.truncated == 0 && l.next_token == NULL);
    s3xml_list_free(&l);

    const char *badsize = "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents>"
                          "</ListBucketResult>";
    CHECK(s3xml_parse_list(badsize, strlen(badsize), &l, &err) == -1);
    CHECK(strstr(err.msg, "size") != NULL);
    CHECK(l.items == NULL && l.n == 0);
    const char *nokey = "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>";
    CHECK(s3xml_parse_list(nokey, strlen(nokey), &l, &err) == -1);
    CHECK(s3xml_parse_list(xml, strlen(xml) - 5, &l, &err) == -1); /* truncated */
    const char *err_doc = "<Error><Code>AccessDenied</Code></Error>";
    CHECK(s3xml_parse_list(err_doc, strlen(err_doc), &l, &err) == -1);

    /* the entry cap */
    struct buf many = BUF_INIT(0);
    buf_adds(&many, "<ListBucketResult>");
    for (int i = 0; i <= S3XML_MAX_ENTRIES; i++)
        buf_adds(&many, "<CommonPrefixes><Prefix>p</Prefix></CommonPrefixes>");
    buf_adds(&many, "</ListBucketResult>");
    CHECK(s3xml_parse_list(many.ptr, many.len, &l, &err) == -1);
    CHECK(strstr(err.msg, "entries") != NULL);
    buf_free(&many);
}

static void test_uploads(void)
{
    struct s3xml_uploads u;
    struct err err = {{0}};
    const char *xml =
        "<ListMultipartUploadsResult " NS "><Bucket>b</Bucket><KeyMarker></KeyMarker>"
        "<UploadIdMarker></UploadIdMarker><NextKeyMarker>my-movie.m2ts</NextKeyMarker>"
        "<NextUploadIdMarker>YW55IGlkZWEgd2h5</NextUploadIdMarker><MaxUploads>3</MaxUploads>"
        "<IsTruncated>true</IsTruncated>"
        "<Upload><Key>my-divisor</Key><UploadId>XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5n</UploadId>"
        "<Initiator><ID>x</ID></Initiator><StorageClass>STANDARD</StorageClass>"
        "<Initiated>2010-11-10T20:48:33.000Z</Initiated></Upload>"
        "<Upload><Key>my-movie.m2ts</Key><UploadId>VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5t"
        "MnRzIHVwbG9hZA</UploadId><Initiated>2010-11-10T20:48:33.5Z</Initiated></Upload>"
        "<Upload><Key>k</Key><UploadId>u3</UploadId><Initiated>garbage</Initiated></Upload>"
        "</ListMultipartUploadsResult>";
    CHECK(s3xml_parse_uploads(xml, strlen(xml), &u, &err) == 0);
    CHECK(u.n == 3);
    if (u.n == 3) {
        CHECK_STR(u.items[0].key, "my-divisor");
        CHECK_STR(u.items[0].upload_id, "XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5n");
        CHECK(u.items[0].initiated_ms == 1289422113000LL);
        CHECK(u.items[1].initiated_ms == 1289422113500LL);
        CHECK(u.items[2].initiated_ms == -1);
    }
    CHECK(u.truncated);
    CHECK_STR(u.next_key_marker, "my-movie.m2ts");
    CHECK_STR(u.next_upload_id_marker, "YW55IGlkZWEgd2h5");
    s3xml_uploads_free(&u);

    const char *noid = "<ListMultipartUploadsResult><Upload><Key>k</Key></Upload>"
                       "</ListMultipartUploadsResult>";
    CHECK(s3xml_parse_uploads(noid, strlen(noid), &u, &err) == -1);
    CHECK(u.items == NULL);
}

static void test_delete(void)
{
    struct s3xml_delete d;
    struct err err = {{0}};
    const char *xml = "<DeleteResult " NS "><Deleted><Key>a</Key></Deleted>"
                      "<Error><Key>b &lt;1&gt;</Key><Code>AccessDenied</Code>"
                      "<Message>Access Denied</Message></Error>"
                      "<Error><Key>c</Key><Code>InternalError</Code></Error></DeleteResult>";
    CHECK(s3xml_parse_delete(xml, strlen(xml), &d, &err) == 0);
    CHECK(d.n_deleted == 1);
    CHECK(d.n_errors == 2);
    CHECK_STR(d.err_key, "b <1>");
    CHECK_STR(d.first.code, "AccessDenied");
    CHECK_STR(d.first.message, "Access Denied");
    s3xml_delete_free(&d);

    const char *quiet = "<DeleteResult " NS "/>";
    CHECK(s3xml_parse_delete(quiet, strlen(quiet), &d, &err) == 0);
    CHECK(d.n_deleted == 0 && d.n_errors == 0 && d.err_key == NULL);
    s3xml_delete_free(&d);
    CHECK(s3xml_parse_delete("<DeleteResult>", 14, &d, &err) == -1);
}

static void test_versioning(void)
{
    struct err err = {{0}};
    char st[16];
    const char *on = "<VersioningConfiguration " NS "><Status>Enabled</Status>"
                     "<MfaDelete>Disabled</MfaDelete></VersioningConfiguration>";
    CHECK(s3xml_parse_versioning(on, strlen(on), st, sizeof(st), &err) == 0);
    CHECK_STR(st, "Enabled");
    const char *never = "<VersioningConfiguration " NS "/>";
    CHECK(s3xml_parse_versioning(never, strlen(never), st, sizeof(st), &err) == 0);
    CHECK_STR(st, "");
    const char *other = "<ListBucketResult><Status>Enabled</Status></ListBucketResult>";
    CHECK(s3xml_parse_versioning(other, strlen(other), st, sizeof(st), &err) == -1);
    CHECK_STR(st, "");
}

static void test_time(void)
{
    int64_t ms = 0;
    CHECK(s3xml_parse_time("2010-11-10T20:48:33.000Z", &ms) == 0 && ms == 1289422113000LL);
    CHECK(s3xml_parse_time("2024-02-29T12:00:00Z", &ms) == 0 && ms == 1709208000000LL);
    CHECK(s3xml_parse_time("1970-01-01T00:00:00.123456Z", &ms) == 0 && ms == 123);
    CHECK(s3xml_parse_time("2010-11-10T20:48:33", &ms) == -1);
    CHECK(s3xml_parse_time("2010-13-10T20:48:33Z", &ms) == -1);
    CHECK(s3xml_parse_time("2010-11-10 20:48:33Z", &ms) == -1);
    CHECK(s3xml_parse_time("2010-11-10T20:48:33.Z", &ms) == -1);
    CHECK(s3xml_parse_time("", &ms) == -1);
}

static void test_bodies(void)
{
    struct buf b = BUF_INIT(0);
    const char *etags[] = {"\"a1\"", "\"b2-x\"", "c3"};
    CHECK(s3xml_complete_body(&b, etags, NULL, 3) == 0);
    CHECK_STR(buf_str(&b), "<CompleteMultipartUpload " NS ">"
                           "<Part><PartNumber>1</PartNumber><ETag>&quot;a1&quot;</ETag></Part>"
                           "<Part><PartNumber>2</PartNumber><ETag>&quot;b2-x&quot;</ETag></Part>"
                           "<Part><PartNumber>3</PartNumber><ETag>c3</ETag></Part>"
                           "</CompleteMultipartUpload>");
    buf_free(&b);
    const char *sums[] = {"AAA=", "BBB="};
    CHECK(s3xml_complete_body(&b, etags, sums, 2) == 0);
    CHECK_STR(buf_str(&b), "<CompleteMultipartUpload " NS ">"
                           "<Part><PartNumber>1</PartNumber><ETag>&quot;a1&quot;</ETag>"
                           "<ChecksumSHA256>AAA=</ChecksumSHA256></Part>"
                           "<Part><PartNumber>2</PartNumber><ETag>&quot;b2-x&quot;</ETag>"
                           "<ChecksumSHA256>BBB=</ChecksumSHA256></Part>"
                           "</CompleteMultipartUpload>");
    buf_free(&b);

    const char *keys[] = {"x/a&b<c>.txt", "y'\"\t"};
    CHECK(s3xml_delete_body(&b, keys, 2) == 0);
    CHECK_STR(buf_str(&b), "<Delete " NS "><Quiet>true</Quiet>"
                           "<Object><Key>x/a&amp;b&lt;c&gt;.txt</Key></Object>"
                           "<Object><Key>y&apos;&quot;&#x9;</Key></Object></Delete>");
    /* what we write, we (and S3) read back verbatim */
    buf_free(&b);
}

static void mirror(struct s3_config *m, const char *endpoint, int path_style)
{
    memset(m, 0, sizeof(*m));
    m->bucket = "bkt";
    m->endpoint = endpoint;
    m->creds.region = "eu-west-1";
    m->path_style = path_style;
    m->part_size = 16 * MIB;
    m->concurrency = 4;
}

/* URL and raw path of key under (endpoint, path_style). */
static void check_url(const char *endpoint, int path_style, const char *key, const char *query,
                      const char *want_url, const char *want_path)
{
    struct s3_config m;
    struct s3_client c;
    struct err err = {{0}};
    struct buf url = BUF_INIT(0), path = BUF_INIT(0);
    mirror(&m, endpoint, path_style);
    CHECK(s3_client_init(&c, NULL, &m, &err) == 0);
    CHECK(s3_url(&c, key, query, &url, &path, &err) == 0);
    CHECK_STR(buf_str(&url), want_url);
    CHECK_STR(buf_str(&path), want_path);
    s3_client_cleanup(&c);
    buf_free(&url);
    buf_free(&path);
}

static void test_urls(void)
{
    const char *key = "o/r/v1.0/my file+x%41\xc3\xbc.tar.gz";
    const char *enc = "o/r/v1.0/my%20file%2Bx%2541%C3%BC.tar.gz";
    char want[512];
    snprintf(want, sizeof(want), "http://127.0.0.1:9000/bkt/%s", enc);
    check_url("http://127.0.0.1:9000", 1, key, NULL, want,
              "/bkt/o/r/v1.0/my file+x%41\xc3\xbc.tar.gz");
    snprintf(want, sizeof(want), "https://bkt.s3.eu-west-1.amazonaws.com/%s", enc);
    check_url(NULL, 0, key, NULL, want, "/o/r/v1.0/my file+x%41\xc3\xbc.tar.gz");
    check_url(NULL, 1, "k", NULL, "https://s3.eu-west-1.amazonaws.com/bkt/k", "/bkt/k");
    check_url("https://minio.example.com:9443/", 0, "k", NULL,
              "https://bkt.minio.example.com:9443/k", "/k");
    check_url("https://s3.example.com:443", 1, "k", NULL, "https://s3.example.com/bkt/k", "/bkt/k");
    check_url("http://proxy.local/s3/", 1, "a b", NULL, "http://proxy.local/s3/bkt/a%20b",
              "/s3/bkt/a b");
    check_url("http://[::1]:8080", 1, "k", NULL, "http://[::1]:8080/bkt/k", "/bkt/k");
    /* the bucket itself */
    check_url("http://127.0.0.1:9000", 1, "", "list-type=2&prefix=a%2Fb",
              "http://127.0.0.1:9000/bkt?list-type=2&prefix=a%2Fb", "/bkt");
    check_url(NULL, 0, "", "delete", "https://bkt.s3.eu-west-1.amazonaws.com/?delete", "/");

    struct s3_config m;
    struct s3_client c;
    struct err err = {{0}};
    mirror(&m, "ftp://example.com", 1);
    CHECK(s3_client_init(&c, NULL, &m, &err) == -1);
    CHECK(strstr(err.msg, "ftp://example.com") != NULL);
    mirror(&m, "http://example.com/?x=1", 1);
    CHECK(s3_client_init(&c, NULL, &m, &err) == -1);
    mirror(&m, NULL, 0);
    m.bucket = "a/b";
    CHECK(s3_client_init(&c, NULL, &m, &err) == -1);
    CHECK(strstr(err.msg, "a/b") != NULL);
    m.bucket = NULL;
    CHECK(s3_client_init(&c, NULL, &m, &err) == -1);
    mirror(&m, NULL, 0);
    m.storage_class = "STANDARD\r\nX-Evil: 1";
    CHECK(s3_client_init(&c, NULL, &m, &err) == -1);
}

static void test_part_size(void)
{
    struct err err = {{0}};
    int64_t ps = 0;
    int n = 0;
    CHECK(s3_part_size(100 * MIB, 16 * MIB, &ps, &n, &err) == 0);
    CHECK(ps == 16 * MIB && n == 7);
    CHECK(s3_part_size(16 * MIB * 10000, 16 * MIB, &ps, &n, &err) == 0);
    CHECK(ps == 16 * MIB && n == 10000);
    CHECK(s3_part_size(16 * MIB * 10000 + 1, 16 * MIB, &ps, &n, &err) == 0);
    CHECK(ps == 17 * MIB && n <= 10000 && n == 9412);
    CHECK(s3_part_size(1024 * 1024 * MIB, 5 * MIB, &ps, &n, &err) == 0); /* 1 TiB */
    CHECK(ps == 105 * MIB && n == 9987);
    CHECK(s3_part_size(20 * MIB, 1, &ps, &n, &err) == 0); /* below the S3 minimum */
    CHECK(ps == 5 * MIB && n == 4);
    CHECK(s3_part_size(60LL * 1024 * 1024 * MIB, 16 * MIB, &ps, &n, &err) == -1); /* 60 TiB */
    CHECK(strstr(err.msg, "too large") != NULL);
}

int main(void)
{
    test_error();
    test_hostile();
    test_initiate();
    test_complete();
    test_list();
    test_uploads();
    test_delete();
    test_versioning();
    test_time();
    test_bodies();
    test_urls();
    test_part_size();
    return TEST_DONE();
}
