/* test_request.c - the request parser: defaults, every field, every refusal.
 *
 * JSON is written with single quotes for readability; q() turns them into
 * double quotes before parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "request.h"
#include "request_test.h"
#include "tap.h"

#define MIN "'owner':'o','repository':'r'"
#define SRC(extra) "{'source':{" MIN extra "}}"
#define MIRROR(extra) "{'source':{" MIN ",'mirror':{'bucket':'b'" extra "}}}"
#define OUT(params) "{'source':{" MIN ",'mirror':{'bucket':'b'}},'params':{" params "}}"
#define IN(version, params) "{'source':{" MIN "},'version':" version ",'params':{" params "}}"

static struct request req;
static struct err e;

static int parse(enum request_kind kind, const char *json)
{
    return request_test_parse(kind, json, &req, &e);
}

/* Parsing must fail, leave req freed, and the message must equal want (or
 * merely contain it when sub). */
static int fails(enum request_kind kind, const char *json, const char *want, int sub)
{
    int rc = parse(kind, json);
    int ok = rc == -1 && (sub ? strstr(e.msg, want) != NULL : strcmp(e.msg, want) == 0);
    ok = ok && req.source.github_api_url == NULL && req.source.tag_filter == NULL;
    if (!ok)
        fprintf(stderr, "  json: %s\n  rc:   %d\n  got:  %s\n  want: %s\n", json, rc, e.msg, want);
    if (rc == 0)
        request_free(&req);
    return ok;
}

/* A request the parser must refuse, and its message: exactly want, or
 * containing it. */
enum match { EXACT, CONTAINS };
struct refusal {
    enum request_kind kind;
    const char *json;
    const char *want;
    enum match match;
};

/* One CHECK per refusal. */
static void check_refusals(const struct refusal *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        CHECK(fails(r[i].kind, r[i].json, r[i].want, r[i].match == CONTAINS));
}

#define CHECK_REFUSALS(table) check_refusals(table, sizeof(table) / sizeof(table[0]))

static void test_defaults(void)
{
    CHECK(parse(REQUEST_CHECK, SRC("")) == 0);
    struct request_source *s = &req.source;
    CHECK(req.kind == REQUEST_CHECK);
    CHECK_STR(s->owner, "o");
    CHECK_STR(s->repository, "r");
    CHECK(s->access_token == NULL);
    CHECK_STR(s->github_api_url, "https://api.github.com");
    CHECK(s->insecure == 0 && s->ca_cert == NULL);
    CHECK(s->release == 1 && s->pre_release == 0 && s->drafts == 0);
    CHECK_STR(s->tag_filter, "^v?([^v].*)");
    CHECK(s->semver_constraint == NULL);
    CHECK(s->order_by == REQUEST_ORDER_VERSION);
    CHECK(s->globs == NULL && s->n_globs == 0);
    CHECK(s->asset_dir == 0 && s->debug == 0);
    CHECK(s->max_rate_limit_wait == 60);
    CHECK(s->mirror.present == 0 && s->mirror.bucket == NULL && s->mirror.endpoint == NULL);
    CHECK_STR(s->mirror.region, "us-east-1");
    CHECK_STR(s->mirror.prefix, "");
    CHECK_STR(s->mirror.key_template, "{owner}/{repository}/{tag}/{asset}");
    CHECK(s->mirror.path_style == 0 && s->mirror.checksum_sha256 == 0);
    CHECK(s->mirror.part_size == 16 * 1024 * 1024);
    CHECK(s->mirror.concurrency == 4);
    CHECK(s->mirror.server_side_encryption == NULL && s->mirror.storage_class == NULL);
    CHECK(req.version.present == 0 && req.version.tag == NULL);
    CHECK(req.get.globs == NULL && req.get.concurrency == 4);
    CHECK(req.put.from == NULL);
    request_free(&req);
    CHECK(req.source.owner == NULL);
    request_free(&req); /* a second free is harmless */

    /* check: version null or absent; nulls count as absent everywhere */
    CHECK(parse(REQUEST_CHECK, "{'source':{" MIN ",'access_token':null,'mirror':null},"
                               "'version':null}") == 0);
    CHECK(req.version.present == 0 && req.source.mirror.present == 0);
    request_free(&req);
    CHECK(parse(REQUEST_CHECK, "{'source':{" MIN "},'version':{'tag':'v1.0.0'}}") == 0);
    CHECK(req.version.present == 1);
    CHECK_STR(req.version.tag, "v1.0.0");
    CHECK(req.version.id == NULL && req.version.timestamp == NULL);
    request_free(&req);
    /* an id alone, as fly check-resource --from id:N gives */
    CHECK(parse(REQUEST_CHECK, "{'source':{" MIN "},'version':{'id':'5'}}") == 0);
    CHECK(req.version.present == 1 && req.version.tag == NULL);
    CHECK_STR(req.version.id, "5");
    request_free(&req);

    /* a mirror given for check needs no bucket */
    CHECK(parse(REQUEST_CHECK, "{'source':{" MIN ",'mirror':{}}}") == 0);
    CHECK(req.source.mirror.present == 1 && req.source.mirror.bucket == NULL);
    request_free(&req);
}

static void test_every_field(void)
{
    CHECK(parse(REQUEST_IN,
                "{'source':{'owner':'my-org','repository':'tool.go','access_token':'tok',"
                "'github_api_url':'https://ghe.example.com/api/v3/','insecure':true,"
                "'ca_cert':'-----BEGIN CERTIFICATE-----\\nAA\\n-----END CERTIFICATE-----',"
                "'release':false,'pre_release':true,'drafts':true,'tag_filter':'^rel-(.*)$',"
                "'semver_constraint':'>= 1.2.0, < 2','order_by':'time',"
                "'globs':['*.tar.gz','!*.sig'],'asset_dir':true,'debug':false,"
                "'max_rate_limit_wait':0,"
                "'mirror':{'bucket':'bkt','endpoint':'http://127.0.0.1:9000/','region':'eu-west-3',"
                "'access_key_id':'AKID','secret_access_key':'SECRET','session_token':'SESS',"
                "'path_style':false,'prefix':'mirror/','key_template':'{owner}/{version}/{asset}',"
                "'skip_ssl_verification':true,"
                "'ca_cert':'x-----BEGIN CERTIFICATE-----y','server_side_encryption':'aws:kms',"
                "'sse_kms_key_id':'key-1','storage_class':'STANDARD_IA','checksum':'sha256',"
                "'part_size':5242880,'concurrency':64}},"
                "'version':{'tag':'v1.2.3','id':'123456','timestamp':'2024-01-02T03:04:05Z'},"
                "'params':{'globs':['a*'],'include_source_tarball':true,"
                "'include_source_zip':true,'skip_download':true,'concurrency':1}}") == 0);
    struct request_source *s = &req.source;
    struct request_mirror *m = &s->mirror;
    CHECK(req.kind == REQUEST_IN);
    CHECK_STR(s->owner, "my-org");
    CHECK_STR(s->repository, "tool.go");
    CHECK_STR(s->access_token, "tok");
    CHECK_STR(s->github_api_url, "https://ghe.example.com/api/v3");
    CHECK(s->insecure == 1);
    CHECK_STR(s->ca_cert, "-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----");
    CHECK(s->release == 0 && s->pre_release == 1 && s->drafts == 1);
    CHECK_STR(s->tag_filter, "^rel-(.*)$");
    CHECK_STR(s->semver_constraint, ">= 1.2.0, < 2");
    CHECK(s->order_by == REQUEST_ORDER_TIME);
    CHECK(s->n_globs == 2 && s->globs[2] == NULL);
    CHECK_STR(s->globs[0], "*.tar.gz");
    CHECK_STR(s->globs[1], "!*.sig");
    CHECK(s->asset_dir == 1 && s->debug == 0);
    CHECK(s->max_rate_limit_wait == 0);
    CHECK(m->present == 1);
    CHECK_STR(m->bucket, "bkt");
    CHECK_STR(m->endpoint, "http://127.0.0.1:9000");
    CHECK_STR(m->region, "eu-west-3");
    CHECK_STR(m->access_key_id, "AKID");
    CHECK_STR(m->secret_access_key, "SECRET");
    CHECK_STR(m->session_token, "SESS");
    CHECK(m->path_style == 0 && m->skip_ssl_verification == 1);
    CHECK_STR(m->prefix, "mirror/");
    CHECK_STR(m->key_template, "{owner}/{version}/{asset}");
    CHECK_STR(m->ca_cert, "x-----BEGIN CERTIFICATE-----y");
    CHECK_STR(m->server_side_encryption, "aws:kms");
    CHECK_STR(m->sse_kms_key_id, "key-1");
    CHECK_STR(m->storage_class, "STANDARD_IA");
    CHECK(m->checksum_sha256 == 1);
    CHECK(m->part_size == 5242880 && m->concurrency == 64);
    CHECK(req.version.present == 1);
    CHECK_STR(req.version.tag, "v1.2.3");
    CHECK_STR(req.version.id, "123456");
    CHECK_STR(req.version.timestamp, "2024-01-02T03:04:05Z");
    CHECK(req.get.n_globs == 1 && req.get.globs[1] == NULL);
    CHECK_STR(req.get.globs[0], "a*");
    CHECK(req.get.include_source_tarball == 1 && req.get.include_source_zip == 1);
    CHECK(req.get.skip_download == 1 && req.get.concurrency == 1);
    request_free(&req);

    /* path_style defaults on with an endpoint; empty get globs stay given */
    CHECK(parse(REQUEST_IN, "{'source':{" MIN ",'mirror':{'endpoint':'https://minio.local'}},"
                            "'version':{'tag':'1'},'params':{'globs':[]}}") == 0);
    CHECK(req.source.mirror.path_style == 1);
    CHECK_STR(req.source.mirror.endpoint, "https://minio.local");
    CHECK(req.get.globs != NULL && req.get.globs[0] == NULL && req.get.n_globs == 0);
    request_free(&req);
    /* in without params, and with an empty access_token */
    CHECK(parse(REQUEST_IN, "{'source':{" MIN ",'access_token':''},'version':{'tag':'1'}}") == 0);
    CHECK(req.source.access_token == NULL && req.get.concurrency == 4);
    request_free(&req);

    CHECK(parse(REQUEST_OUT,
                "{'source':{" MIN ",'mirror':{'bucket':'b','prefix':'p',"
                "'server_side_encryption':'AES256'}},"
                "'params':{'from':'dist/./a..b','force':true,'keep_versions':3}}") == 0);
    CHECK(req.kind == REQUEST_OUT);
    CHECK_STR(req.put.from, "dist/./a..b");
    CHECK(req.put.force == 1 && req.put.keep_versions == 3);
    CHECK_STR(req.source.mirror.prefix, "p");
    CHECK_STR(req.source.mirror.server_side_encryption, "AES256");
    CHECK(req.get.concurrency == 4 && req.version.present == 0);
    request_free(&req);
}

static void test_request_errors(void)
{
    static const struct refusal cases[] = {
        {REQUEST_CHECK, "{'source':", "invalid request: not JSON: ", CONTAINS},
        {REQUEST_CHECK, "{'source':{}} x", "invalid request: not JSON: end of file expected",
         CONTAINS},
        {REQUEST_CHECK, "[1]", "invalid request: expected a JSON object, got array", EXACT},
        {REQUEST_CHECK, "'s'", "invalid request: expected a JSON object, got string", EXACT},
        {REQUEST_CHECK, "{}", "invalid request: missing required field \"source\"", EXACT},
        {REQUEST_CHECK, "{'source':null}", "invalid request: missing required field \"source\"",
         EXACT},
        {REQUEST_CHECK, "{'source':[]}", "invalid source: expected an object, got array", EXACT},
        {REQUEST_CHECK, "{'source':{" MIN "},'params':{}}",
         "invalid request: 1 object item(s) left unpacked: params", EXACT},
        {REQUEST_IN, "{'source':{" MIN "},'version':{'tag':'1'},'extra':1}",
         "invalid request: 1 object item(s) left unpacked: extra", EXACT},
        {REQUEST_OUT, "{'source':{" MIN ",'mirror':{'bucket':'b'}},'version':{'tag':'1'}}",
         "invalid request: 1 object item(s) left unpacked: version", EXACT},
        {REQUEST_CHECK, "{'source':{'owner':'a','owner':'b','repository':'r'}}",
         "invalid request: duplicate object key near '\"owner\"' at line 1 column", CONTAINS},
        {REQUEST_CHECK, "{'source':{'owner':'a\\u0000b','repository':'r'}}",
         "invalid request: not JSON: \\u0000 is not allowed", CONTAINS},
    };
    CHECK_REFUSALS(cases);
    /* a raw NUL byte inside the input */
    char raw[] = "{\"source\":{\"owner\":\"a\0\",\"repository\":\"r\"}}";
    CHECK(request_parse(raw, sizeof(raw) - 1, REQUEST_CHECK, &req, &e) == -1);
    CHECK(strstr(e.msg, "invalid request: not JSON: ") == e.msg);
}

static void test_source_errors(void)
{
    static const struct refusal cases[] = {
        {REQUEST_CHECK, "{'source':{'repository':'r'}}",
         "invalid source: missing required field \"owner\"", EXACT},
        {REQUEST_CHECK, "{'source':{'owner':'o'}}",
         "invalid source: missing required field \"repository\"", EXACT},
        {REQUEST_CHECK, "{'source':{'owner':1,'repository':'r'}}",
         "invalid source.owner: expected a string, got integer", EXACT},
        {REQUEST_CHECK, "{'source':{'owner':'','repository':'r'}}",
         "invalid source.owner: must not be empty", EXACT},
        {REQUEST_CHECK, "{'source':{'owner':'o','repository':'a/b'}}",
         "invalid source.repository \"a/b\": must match [A-Za-z0-9._-]+ and not be \".\" or "
         "\"..\"",
         EXACT},
        {REQUEST_CHECK, "{'source':{'owner':'..','repository':'r'}}",
         "invalid source.owner \"..\": must match", CONTAINS},
        {REQUEST_CHECK, SRC(",'pre_release':'yes'"),
         "invalid source.pre_release: expected a boolean, got string", EXACT},
        {REQUEST_CHECK, SRC(",'acces_token':'t'"),
         "invalid source: 1 object item(s) left unpacked: acces_token", EXACT},
        {REQUEST_CHECK, SRC(",'access_token':5"),
         "invalid source.access_token: expected a string, got integer", EXACT},
        {REQUEST_CHECK, SRC(",'tag_filter':''"), "invalid source.tag_filter: must not be empty",
         EXACT},
        /* a bad tag_filter or semver_constraint: test_releases (the policy compiles them) */
        {REQUEST_CHECK, SRC(",'order_by':'size'"),
         "invalid source.order_by: must be \"version\" or \"time\", got \"size\"", EXACT},
        {REQUEST_CHECK, SRC(",'globs':'*.zip'"),
         "invalid source.globs: expected an array of strings, got string", EXACT},
        {REQUEST_CHECK, SRC(",'globs':['a',1]"),
         "invalid source.globs[1]: expected a string, got integer", EXACT},
        {REQUEST_CHECK, SRC(",'globs':['!']"),
         "invalid source.globs[0]: must not be an empty pattern", EXACT},
        {REQUEST_CHECK, SRC(",'max_rate_limit_wait':3601"),
         "invalid source.max_rate_limit_wait: must be at most 3600", EXACT},
        {REQUEST_CHECK, SRC(",'max_rate_limit_wait':-1"),
         "invalid source.max_rate_limit_wait: must be at least 0", EXACT},
        {REQUEST_CHECK, SRC(",'max_rate_limit_wait':1.5"),
         "invalid source.max_rate_limit_wait: expected an integer, got real", EXACT},
        {REQUEST_CHECK, SRC(",'ca_cert':'hello'"),
         "invalid source.ca_cert: not a PEM certificate (no \"-----BEGIN CERTIFICATE-----\" "
         "line)",
         EXACT},
        {REQUEST_CHECK, SRC(",'mirror':'s3://b'"),
         "invalid source.mirror: expected an object, got string", EXACT},
    };
    CHECK_REFUSALS(cases);
}

static void test_url_errors(void)
{
    static const struct refusal cases[] = {
        {REQUEST_CHECK, SRC(",'github_api_url':'ftp://example.com'"),
         "invalid source.github_api_url: scheme must be http or https, got \"ftp\"", EXACT},
        {REQUEST_CHECK, SRC(",'github_api_url':'https://u:pw@example.com'"),
         "invalid source.github_api_url: must not contain credentials", EXACT},
        {REQUEST_CHECK, SRC(",'github_api_url':'https://tok@example.com'"),
         "invalid source.github_api_url: must not contain credentials", EXACT},
        {REQUEST_CHECK, SRC(",'github_api_url':'not a url'"),
         "invalid source.github_api_url: not a URL (bad scheme)", EXACT},
        {REQUEST_CHECK, SRC(",'github_api_url':'https://example.com/api?x=1'"),
         "invalid source.github_api_url: must not contain a query", EXACT},
        {REQUEST_CHECK, SRC(",'github_api_url':'https://example.com/#'"),
         "invalid source.github_api_url: must not contain a fragment", EXACT},
        {REQUEST_CHECK, SRC(",'github_api_url':'http:///x'"),
         "invalid source.github_api_url: must be an absolute URL with a host", EXACT},
        {REQUEST_CHECK, SRC(",'github_api_url':'http:/x'"),
         "invalid source.github_api_url: must be an absolute URL with a host", EXACT},
        {REQUEST_CHECK, SRC(",'github_v4_api_url':'ftp://example.com'"),
         "invalid source.github_v4_api_url: scheme must be http or https, got \"ftp\"", EXACT},
        {REQUEST_CHECK, SRC(",'github_uploads_url':true"),
         "invalid source.github_uploads_url: expected a string, got boolean", EXACT},
        {REQUEST_CHECK, MIRROR(",'endpoint':'https://s3.local/bucket'"),
         "invalid source.mirror.endpoint: must not contain a path", EXACT},
        {REQUEST_CHECK, MIRROR(",'endpoint':'s3.local'"),
         "invalid source.mirror.endpoint: not a URL (bad scheme)", EXACT},
        {REQUEST_CHECK, MIRROR(",'endpoint':'http://k:s@s3.local'"),
         "invalid source.mirror.endpoint: must not contain credentials", EXACT},
    };
    CHECK_REFUSALS(cases);
    /* github-release-resource's upload and GraphQL URLs: accepted, checked */
    CHECK(parse(REQUEST_CHECK, SRC(",'github_uploads_url':'https://uploads.example.com/',"
                                   "'github_v4_api_url':'https://example.com/api/graphql'")) == 0);
    request_free(&req);
}

static void test_mirror_errors(void)
{
    static const struct refusal cases[] = {
        {REQUEST_CHECK, MIRROR(",'buckt':'x'"),
         "invalid source.mirror: 1 object item(s) left unpacked: buckt", EXACT},
        {REQUEST_CHECK, MIRROR(",'part_size':1"),
         "invalid source.mirror.part_size: must be at least 5242880 (5 MiB)", EXACT},
        {REQUEST_CHECK, MIRROR(",'part_size':5368709121"),
         "invalid source.mirror.part_size: must be at most 5368709120 (5 GiB)", EXACT},
        {REQUEST_CHECK, MIRROR(",'part_size':'16MiB'"),
         "invalid source.mirror.part_size: expected an integer, got string", EXACT},
        {REQUEST_CHECK, MIRROR(",'concurrency':0"),
         "invalid source.mirror.concurrency: must be at least 1", EXACT},
        {REQUEST_CHECK, MIRROR(",'concurrency':10000"),
         "invalid source.mirror.concurrency: must be at most 64", EXACT},
        {REQUEST_CHECK, MIRROR(",'key_template':'{owner}/{foo}/{asset}'"),
         "invalid source.mirror.key_template: unknown placeholder \"{foo}\"", EXACT},
        {REQUEST_CHECK, MIRROR(",'key_template':'{owner}/{tag}'"),
         "invalid source.mirror.key_template: must contain \"{asset}\"", EXACT},
        {REQUEST_CHECK, MIRROR(",'key_template':'{asset}/{tag'"),
         "invalid source.mirror.key_template: unterminated placeholder \"{tag\"", EXACT},
        {REQUEST_CHECK, MIRROR(",'key_template':'/{asset}'"),
         "invalid source.mirror.key_template: must not start with '/'", EXACT},
        {REQUEST_CHECK, MIRROR(",'prefix':'/m/'"),
         "invalid source.mirror.prefix: must not start with '/'", EXACT},
        {REQUEST_CHECK, MIRROR(",'region':'US-EAST-1'"),
         "invalid source.mirror.region \"US-EAST-1\": must match [a-z0-9-]+", EXACT},
        {REQUEST_CHECK, MIRROR(",'region':''"),
         "invalid source.mirror.region \"\": must match [a-z0-9-]+", EXACT},
        {REQUEST_CHECK, "{'source':{" MIN ",'mirror':{'bucket':'a/b'}}}",
         "invalid source.mirror.bucket \"a/b\": must match [A-Za-z0-9._-]+", EXACT},
        {REQUEST_CHECK, MIRROR(",'access_key_id':'AK'"),
         "invalid source.mirror: access_key_id and secret_access_key must be given together",
         EXACT},
        {REQUEST_CHECK, MIRROR(",'session_token':'S'"),
         "invalid source.mirror.session_token: requires access_key_id and secret_access_key",
         EXACT},
        {REQUEST_CHECK, MIRROR(",'server_side_encryption':'aes'"),
         "invalid source.mirror.server_side_encryption: must be \"AES256\" or \"aws:kms\", got "
         "\"aes\"",
         EXACT},
        {REQUEST_CHECK, MIRROR(",'server_side_encryption':'AES256','sse_kms_key_id':'k'"),
         "invalid source.mirror.sse_kms_key_id: requires server_side_encryption \"aws:kms\"",
         EXACT},
        {REQUEST_CHECK, MIRROR(",'storage_class':'standard'"),
         "invalid source.mirror.storage_class \"standard\": must match [A-Z_]+", EXACT},
        {REQUEST_CHECK, MIRROR(",'checksum':'md5'"),
         "invalid source.mirror.checksum: must be \"none\" or \"sha256\", got \"md5\"", EXACT},
        {REQUEST_CHECK, MIRROR(",'path_style':1"),
         "invalid source.mirror.path_style: expected a boolean, got integer", EXACT},
        {REQUEST_CHECK, MIRROR(",'ca_cert':'x'"),
         "invalid source.mirror.ca_cert: not a PEM certificate (no \"-----BEGIN "
         "CERTIFICATE-----\" line)",
         EXACT},
        {REQUEST_OUT, "{'source':{" MIN "},'params':{'from':'d'}}",
         "invalid source: missing required field \"mirror\"", EXACT},
        {REQUEST_OUT, "{'source':{" MIN ",'mirror':{'region':'eu-west-1'}},'params':{'from':'d'}}",
         "invalid source.mirror: missing required field \"bucket\"", EXACT},
    };
    CHECK_REFUSALS(cases);
}

static void test_version_errors(void)
{
    static const struct refusal cases[] = {
        {REQUEST_IN, "{'source':{" MIN "}}", "invalid request: missing required field \"version\"",
         EXACT},
        {REQUEST_IN, IN("'v1'", ""), "invalid version: expected an object, got string", EXACT},
        {REQUEST_CHECK, "{'source':{" MIN "},'version':[]}",
         "invalid version: expected an object, got array", EXACT},
        {REQUEST_IN, IN("{}", ""), "invalid version: missing required field \"tag\"", EXACT},
        {REQUEST_IN, IN("{'tag':''}", ""), "invalid version.tag: must not be empty", EXACT},
        {REQUEST_IN, IN("{'tag':1}", ""), "invalid version.tag: expected a string, got integer",
         EXACT},
        {REQUEST_IN, IN("{'tag':'v1','id':123}", ""),
         "invalid version.id: expected a string, got integer", EXACT},
        {REQUEST_IN, IN("{'tag':'v1','id':'12a'}", ""),
         "invalid version.id \"12a\": must be decimal digits", EXACT},
        {REQUEST_IN, IN("{'tag':'v1','timestamp':0}", ""),
         "invalid version.timestamp: expected a string, got integer", EXACT},
        {REQUEST_IN, IN("{'tag':'v1','ref':'x'}", ""),
         "invalid version: 1 object item(s) left unpacked: ref", EXACT},
    };
    CHECK_REFUSALS(cases);
}

static void test_params_errors(void)
{
    static const struct refusal cases[] = {
        {REQUEST_IN, "{'source':{" MIN "},'version':{'tag':'1'},'params':[]}",
         "invalid params: expected an object, got array", EXACT},
        {REQUEST_IN, IN("{'tag':'1'}", "'from':'x'"),
         "invalid params: 1 object item(s) left unpacked: from", EXACT},
        {REQUEST_IN, IN("{'tag':'1'}", "'concurrency':0"),
         "invalid params.concurrency: must be at least 1", EXACT},
        {REQUEST_IN, IN("{'tag':'1'}", "'concurrency':10000"),
         "invalid params.concurrency: must be at most 64", EXACT},
        {REQUEST_IN, IN("{'tag':'1'}", "'skip_download':'true'"),
         "invalid params.skip_download: expected a boolean, got string", EXACT},
        {REQUEST_IN, IN("{'tag':'1'}", "'globs':[true]"),
         "invalid params.globs[0]: expected a string, got boolean", EXACT},
        {REQUEST_OUT, "{'source':{" MIN ",'mirror':{'bucket':'b'}}}",
         "invalid params: missing required field \"from\"", EXACT},
        {REQUEST_OUT, OUT(""), "invalid params: missing required field \"from\"", EXACT},
        {REQUEST_OUT, OUT("'from':''"), "invalid params.from: must not be empty", EXACT},
        {REQUEST_OUT, OUT("'from':'/abs'"), "invalid params.from \"/abs\": must be a relative path",
         EXACT},
        {REQUEST_OUT, OUT("'from':'a/../b'"),
         "invalid params.from \"a/../b\": must not contain \"..\" components", EXACT},
        {REQUEST_OUT, OUT("'from':'..'"),
         "invalid params.from \"..\": must not contain \"..\" components", EXACT},
        {REQUEST_OUT, OUT("'from':'a/..'"),
         "invalid params.from \"a/..\": must not contain \"..\" components", EXACT},
        {REQUEST_OUT, OUT("'from':'d','keep_versions':-1"),
         "invalid params.keep_versions: must be at least 0", EXACT},
        {REQUEST_OUT, OUT("'from':'d','force':'yes'"),
         "invalid params.force: expected a boolean, got string", EXACT},
        {REQUEST_OUT, OUT("'from':'d','globs':[]"),
         "invalid params.globs: a github-release-resource put param", CONTAINS},
    };
    CHECK_REFUSALS(cases);
}

static void test_secrets_and_debug(void)
{
    char out[256];
    log_clear_secrets();
    log_set_debug(0);
    CHECK(parse(REQUEST_CHECK, "{'source':{" MIN ",'access_token':'ghp_tok1','debug':true,"
                               "'mirror':{'access_key_id':'AKID1','secret_access_key':'sk/2',"
                               "'session_token':'st3'}}}") == 0);
    request_free(&req);
    CHECK_STR(log_redact("a ghp_tok1 b sk/2 c st3 d AKID1", out, sizeof(out)),
              "a *** b *** c *** d AKID1");
    CHECK(log_debug_enabled() == 1);
    /* registered even when a later field fails */
    log_clear_secrets();
    CHECK(fails(REQUEST_CHECK, SRC(",'access_token':'ghp_tok9','pre_release':0"),
                "invalid source.pre_release: expected a boolean, got integer", 0));
    CHECK_STR(log_redact("ghp_tok9", out, sizeof(out)), "***");
    log_clear_secrets();
    log_set_debug(0);
}

/* Put text on stdin and run request_read_stdin(). */
static int read_stdin(const char *text, size_t len)
{
    char path[] = "/tmp/test_request.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
        fprintf(stderr, "cannot write %s\n", path);
        return -2;
    }
    close(fd);
    if (!freopen(path, "r", stdin))
        return -2;
    unlink(path);
    err_clear(&e);
    return request_read_stdin(REQUEST_OUT, &req, &e);
}

static void test_read_stdin(void)
{
    const char *ok = "{\"source\":{\"owner\":\"o\",\"repository\":\"r\",\"mirror\":"
                     "{\"bucket\":\"b\"}},\"params\":{\"from\":\"d\"}}";
    CHECK(read_stdin(ok, strlen(ok)) == 0);
    CHECK_STR(req.put.from, "d");
    request_free(&req);
    CHECK(read_stdin("", 0) == -1);
    CHECK_STR(e.msg, "invalid request: empty input on stdin");

    /* exactly 1 MiB is accepted, one byte more is not */
    size_t max = 1024 * 1024;
    char *big = malloc(max + 1);
    memset(big, ' ', max + 1);
    memcpy(big, ok, strlen(ok));
    CHECK(read_stdin(big, max) == 0);
    request_free(&req);
    CHECK(read_stdin(big, max + 1) == -1);
    CHECK_STR(e.msg, "invalid request: larger than 1048576 bytes");
    CHECK(req.source.owner == NULL);
    free(big);
}

int main(void)
{
    test_defaults();
    test_every_field();
    test_request_errors();
    test_source_errors();
    test_url_errors();
    test_mirror_errors();
    test_version_errors();
    test_params_errors();
    test_secrets_and_debug();
    test_read_stdin();
    return TEST_DONE();
}
