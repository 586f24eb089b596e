/* test_sts.c - the STS answer parser (AWS's with xmlns, Ceph RGW's without,
 * error documents, Expiration with any number of fractional digits) and the
 * IMDS/ECS credentials JSON parser.
 *
 * The AWS samples follow the shapes in the AWS STS API Reference
 * (AssumeRole, AssumeRoleWithWebIdentity, ErrorResponse); the Ceph samples
 * are the shapes RGW 16.2.15 answered in this project's tests (no xmlns, no
 * XML declaration, 9 fractional digits, a bare <Error>). Values are made up. */
#include "imds.h"
#include "log.h"
#include "sts.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define AWS_NS "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""
/* 2026-12-02T06:04:32Z in ms */
#define T0 1796191472000LL

static const char aws_assume[] =
    "<AssumeRoleResponse " AWS_NS
    ">\n  <AssumeRoleResult>\n    <SourceIdentity>x</SourceIdentity>\n"
    "    <AssumedRoleUser>\n      <Arn>arn:aws:sts::123456789012:assumed-role/demo/s</Arn>\n"
    "      <AssumedRoleId>ARO123EXAMPLE123:s</AssumedRoleId>\n    </AssumedRoleUser>\n"
    "    <Credentials>\n      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>\n"
    "      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n"
    "      <SessionToken>IQoJb3JpZ2luX2VjEXAMPLE+token/==</SessionToken>\n"
    "      <Expiration>2026-12-02T06:04:32Z</Expiration>\n    </Credentials>\n"
    "    <PackedPolicySize>6</PackedPolicySize>\n  </AssumeRoleResult>\n"
    "  <ResponseMetadata>\n    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
    "  </ResponseMetadata>\n</AssumeRoleResponse>\n";

static const char ceph_web[] =
    "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
    "<SubjectFromWebIdentityToken>main/mirror</SubjectFromWebIdentityToken>"
    "<Audience>sts.amazonaws.com</Audience><AssumedRoleUser><Arn>arn:aws:sts:::assumed-role/web/ab"
    "</Arn><AssumeRoleId>16c3:ab</AssumeRoleId></AssumedRoleUser><Credentials>"
    "<AccessKeyId>YN3Qf1mmskKMShOqBQL</AccessKeyId>"
    "<Expiration>2026-12-02T06:04:32.075857426Z</Expiration>"
    "<SecretAccessKey>IVVJRQVT8W1I73HQJERASIRIU5PGX9COIEP8SOL</SecretAccessKey>"
    "<SessionToken>Eeb/oDoZcJUHIxLPU2953eImGHnEPjMhj+LmqPHHYTaG=</SessionToken></Credentials>"
    "<Provider>http://127.0.0.1:34325</Provider><PackedPolicySize>0</PackedPolicySize>"
    "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";

static int parse(const char *xml, struct sts_result *r, struct sts_error *e, struct err *err)
{
    return sts_parse(xml, strlen(xml), r, e, err);
}

static void test_aws_with_namespace(void)
{
    struct sts_result r;
    struct sts_error e;
    struct err err;
    CHECK(parse(aws_assume, &r, &e, &err) == 0);
    CHECK_STR(r.access_key_id, "ASIAIOSFODNN7EXAMPLE");
    CHECK_STR(r.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
    CHECK_STR(r.session_token, "IQoJb3JpZ2luX2VjEXAMPLE+token/==");
    CHECK(r.expiration_ms == T0);
    /* registered as secrets the moment they are parsed */
    char out[256];
    log_redact("k=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY t=IQoJb3JpZ2luX2VjEXAMPLE+token/==",
               out, sizeof(out));
    CHECK_STR(out, "k=*** t=***");
    sts_result_free(&r);
    CHECK(r.access_key_id == NULL);
    /* a prefixed namespace reads the same */
    const char *pfx = "<s:AssumeRoleResponse xmlns:s=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                      "<s:AssumeRoleResult><s:Credentials><s:AccessKeyId>A</s:AccessKeyId>"
                      "<s:SecretAccessKey>S</s:SecretAccessKey><s:SessionToken>T</s:SessionToken>"
                      "<s:Expiration>2026-12-02T06:04:32.5Z</s:Expiration></s:Credentials>"
                      "</s:AssumeRoleResult></s:AssumeRoleResponse>";
    CHECK(parse(pfx, &r, &e, &err) == 0);
    CHECK_STR(r.access_key_id, "A");
    CHECK(r.expiration_ms == T0 + 500);
    sts_result_free(&r);
}

static void test_ceph_without_namespace(void)
{
    struct sts_result r;
    struct sts_error e;
    struct err err;
    CHECK(parse(ceph_web, &r, &e, &err) == 0);
    CHECK_STR(r.access_key_id, "YN3Qf1mmskKMShOqBQL");
    CHECK_STR(r.session_token, "Eeb/oDoZcJUHIxLPU2953eImGHnEPjMhj+LmqPHHYTaG=");
    CHECK(r.expiration_ms == T0 + 75); /* 9 fractional digits, ms kept */
    sts_result_free(&r);
}

static void test_errors(void)
{
    struct sts_result r;
    struct sts_error e;
    struct err err;
    const char *aws = "<ErrorResponse " AWS_NS "><Error><Type>Sender</Type>"
                      "<Code>InvalidIdentityToken</Code><Message>No OpenIDConnect provider "
                      "found</Message></Error><RequestId>x</RequestId></ErrorResponse>";
    CHECK(parse(aws, &r, &e, &err) == 1);
    CHECK_STR(e.code, "InvalidIdentityToken");
    CHECK_STR(e.message, "No OpenIDConnect provider found");
    CHECK(r.access_key_id == NULL);
    const char *ceph = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
                       "<Message></Message><RequestId>tx1</RequestId></Error>";
    CHECK(parse(ceph, &r, &e, &err) == 1);
    CHECK_STR(e.code, "AccessDenied");
    CHECK_STR(e.message, "");
}

static void test_malformed(void)
{
    struct sts_result r;
    struct sts_error e;
    struct err err;
    CHECK(parse("", &r, &e, &err) < 0);
    CHECK(parse("<AssumeRoleResponse><AssumeRoleResult>", &r, &e, &err) < 0);
    CHECK(parse("<ListBucketResult/>", &r, &e, &err) < 0);
    CHECK(strstr(err.msg, "ListBucketResult") != NULL);
    /* no SessionToken */
    CHECK(parse("<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
                "<SecretAccessKey>S</SecretAccessKey><Expiration>2026-12-02T06:04:32Z"
                "</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
                &r, &e, &err) < 0);
    CHECK(r.access_key_id == NULL);
    /* credentials outside <Credentials> do not count; bad Expiration */
    CHECK(parse("<AssumeRoleResponse><AccessKeyId>A</AccessKeyId></AssumeRoleResponse>", &r, &e,
                &err) < 0);
    CHECK(parse("<AssumeRoleResponse><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S"
                "</SecretAccessKey><SessionToken>T</SessionToken><Expiration>tomorrow"
                "</Expiration></Credentials></AssumeRoleResponse>",
                &r, &e, &err) < 0);
    CHECK(strstr(err.msg, "Expiration") != NULL);
    /* nesting deeper than the parser's stack */
    char deep[2000] = "";
    for (int i = 0; i < 40; i++)
        strcat(deep, "<a>");
    CHECK(parse(deep, &r, &e, &err) < 0);
}

static void test_imds_json(void)
{
    struct sts_result r;
    struct err err;
    const char *ok =
        "{\"Code\":\"Success\",\"LastUpdated\":\"2026-12-02T05:00:00Z\",\"Type\":"
        "\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":\"imds/secret\","
        "\"Token\":\"imdsToken==\",\"Expiration\":\"2026-12-02T06:04:32Z\"}";
    CHECK(imds_parse_credentials(ok, strlen(ok), &r, &err) == 0);
    CHECK_STR(r.secret_access_key, "imds/secret");
    CHECK_STR(r.session_token, "imdsToken==");
    CHECK(r.expiration_ms == T0);
    sts_result_free(&r);
    const char *ecs = "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\","
                      "\"Expiration\":\"2026-12-02T06:04:32.123456Z\",\"RoleArn\":\"x\"}";
    CHECK(imds_parse_credentials(ecs, strlen(ecs), &r, &err) == 0);
    CHECK(r.expiration_ms == T0 + 123);
    sts_result_free(&r);
    const char *bad[] = {"", "[]", "{\"Code\":\"Failure\"}",
                         "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\"}",
                         "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Expiration\":"
                         "\"2026-12-02T06:04:32Z\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(imds_parse_credentials(bad[i], strlen(bad[i]), &r, &err) < 0);
        CHECK(r.access_key_id == NULL);
    }
}

int main(void)
{
    test_aws_with_namespace();
    test_ceph_without_namespace();
    test_errors();
    test_malformed();
    test_imds_json();
    log_clear_secrets();
    return TEST_DONE();
}
