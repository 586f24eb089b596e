/* request.c - parse and validate the Concourse request read from stdin.
 *
 * Each section (request, source, source.mirror, version, params) is unpacked
 * with one strict jansson call taking every field as an optional "o", so
 * unknown keys are refused by jansson; types, required fields and values are
 * then checked here, so that every message names the field by its path.
 * JSON null counts as absent for every field. */
#include "request.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "github_app.h"
#include "json_field.h"
#include "log.h"
#include "manifest.h"
#include "tag_filter.h"
#include "trusted_root.h"

#define REQUEST_MAX_BYTES (1024 * 1024)
#define MIB ((json_int_t)1024 * 1024)
#define GIB (MIB * 1024)

#define DEFAULT_API_URL "https://api.github.com"
#define DEFAULT_REGION "us-east-1"
#define DEFAULT_CONCURRENCY 4

static int is_placeholder(const char *p, size_t n)
{
    int i = manifest_placeholder_at(p);
    return i >= 0 && strlen(manifest_placeholders[i]) == n;
}

static int check_key_template(const char *path, const char *t, struct err *err)
{
    if (t[0] == '/')
        return err_set(err, "invalid %s: must not start with '/'", path);
    for (const char *p = strchr(t, '{'); p; p = strchr(p, '{')) {
        const char *end = strchr(p, '}');
        if (!end)
            return err_set(err, "invalid %s: unterminated placeholder \"%s\"", path, p);
        if (!is_placeholder(p, (size_t)(end - p + 1)))
            return err_set(err, "invalid %s: unknown placeholder \"%.*s\"", path,
                           (int)(end - p + 1), p);
        p = end + 1;
    }
    if (!strstr(t, manifest_placeholders[MANIFEST_PH_ASSET]))
        return err_set(err, "invalid %s: must contain \"{asset}\"", path);
    return 0;
}

/* ---- source.mirror ------------------------------------------------------ */

struct mirror_json {
    json_t *bucket, *endpoint, *region, *access_key_id, *secret_access_key, *session_token,
        *path_style, *prefix, *key_template, *skip_ssl_verification, *ca_cert,
        *server_side_encryption, *sse_kms_key_id, *storage_class, *checksum, *part_size,
        *concurrency, *aws_role_arn, *aws_role_session_name, *aws_external_id, *aws_role_duration,
        *web_identity_token, *enable_aws_creds_provider, *sts_endpoint;
};

static int unpack_mirror(json_t *obj, struct mirror_json *f, struct err *err)
{
    return json_field_unpack(
        obj, "source.mirror", err,
        "{s?o s?o s?o s?o s?o s?o s?o s?o s?o s?o s?o s?o s?o s?o s?o s?o "
        "s?o s?o s?o s?o s?o s?o s?o s?o}",
        "bucket", &f->bucket, "endpoint", &f->endpoint, "region", &f->region, "access_key_id",
        &f->access_key_id, "secret_access_key", &f->secret_access_key, "session_token",
        &f->session_token, "path_style", &f->path_style, "prefix", &f->prefix, "key_template",
        &f->key_template, "skip_ssl_verification", &f->skip_ssl_verification, "ca_cert",
        &f->ca_cert, "server_side_encryption", &f->server_side_encryption, "sse_kms_key_id",
        &f->sse_kms_key_id, "storage_class", &f->storage_class, "checksum", &f->checksum,
        "part_size", &f->part_size, "concurrency", &f->concurrency, "aws_role_arn",
        &f->aws_role_arn, "aws_role_session_name", &f->aws_role_session_name, "aws_external_id",
        &f->aws_external_id, "aws_role_duration", &f->aws_role_duration, "web_identity_token",
        &f->web_identity_token, "enable_aws_creds_provider", &f->enable_aws_creds_provider,
        "sts_endpoint", &f->sts_endpoint);
}

/* Where the bucket is and how to reach it. */
static int mirror_location(const struct mirror_json *f, struct request_mirror *m, struct err *err)
{
    if (json_field_get_str(f->bucket, "source.mirror.bucket", &m->bucket, err) < 0 ||
        json_field_get_str(f->endpoint, "source.mirror.endpoint", &m->endpoint, err) < 0 ||
        json_field_get_str(f->region, "source.mirror.region", &m->region, err) < 0 ||
        json_field_get_bool(f->skip_ssl_verification, "source.mirror.skip_ssl_verification",
                            &m->skip_ssl_verification, err) < 0 ||
        json_field_get_str(f->ca_cert, "source.mirror.ca_cert", &m->ca_cert, err) < 0)
        return -1;
    if (m->bucket && !json_field_all_of(m->bucket, JSON_FIELD_NAME_CHARS))
        return err_set(err, "invalid source.mirror.bucket \"%s\": must match [A-Za-z0-9._-]+",
                       m->bucket);
    if (m->endpoint && json_field_check_url("source.mirror.endpoint", m->endpoint, 1, err) < 0)
        return -1;
    if (!json_field_all_of(m->region, "abcdefghijklmnopqrstuvwxyz0123456789-"))
        return err_set(err, "invalid source.mirror.region \"%s\": must match [a-z0-9-]+",
                       m->region);
    m->path_style = m->endpoint != NULL;
    if (json_field_get_bool(f->path_style, "source.mirror.path_style", &m->path_style, err) < 0)
        return -1;
    return json_field_check_pem("source.mirror.ca_cert", m->ca_cert, err);
}

/* aws_role_*, web_identity_token, enable_aws_creds_provider, sts_endpoint:
 * the combinations that cannot work are refused here, before any request. */
static int mirror_roles(const struct mirror_json *f, struct request_mirror *m, struct err *err)
{
    m->aws_role_duration = 3600;
    if (json_field_get_nonempty(f->aws_role_arn, "source.mirror.aws_role_arn", &m->aws_role_arn,
                                err) < 0 ||
        json_field_get_nonempty(f->aws_role_session_name, "source.mirror.aws_role_session_name",
                                &m->aws_role_session_name, err) < 0 ||
        json_field_get_nonempty(f->aws_external_id, "source.mirror.aws_external_id",
                                &m->aws_external_id, err) < 0 ||
        json_field_get_small_int(f->aws_role_duration, "source.mirror.aws_role_duration", 900,
                                 43200, &m->aws_role_duration, err) < 0 ||
        json_field_get_secret(f->web_identity_token, "source.mirror.web_identity_token",
                              &m->web_identity_token, err) < 0 ||
        json_field_get_bool(f->enable_aws_creds_provider, "source.mirror.enable_aws_creds_provider",
                            &m->enable_aws_creds_provider, err) < 0 ||
        json_field_get_str(f->sts_endpoint, "source.mirror.sts_endpoint", &m->sts_endpoint, err) <
            0)
        return -1;
    const char *sn = m->aws_role_session_name;
    if (sn &&
        (strlen(sn) < 2 || strlen(sn) > 64 || !json_field_all_of(sn, JSON_FIELD_NAME_CHARS "+=,@")))
        return err_set(err,
                       "invalid source.mirror.aws_role_session_name \"%s\": must be 2 to 64 "
                       "characters of [A-Za-z0-9_+=,.@-]",
                       sn);
    if (m->aws_role_arn && (strncmp(m->aws_role_arn, "arn:", 4) != 0 ||
                            !json_field_all_of(m->aws_role_arn, JSON_FIELD_NAME_CHARS ":/+=,@")))
        return err_set(err, "invalid source.mirror.aws_role_arn \"%s\": not a role ARN",
                       m->aws_role_arn);
    if (m->sts_endpoint &&
        json_field_check_url("source.mirror.sts_endpoint", m->sts_endpoint, 1, err) < 0)
        return -1;
    if (m->web_identity_token && m->access_key_id)
        return err_set(err, "invalid source.mirror: web_identity_token and access_key_id/"
                            "secret_access_key exclude each other");
    if (m->web_identity_token && !m->aws_role_arn)
        return err_set(err, "invalid source.mirror.web_identity_token: requires aws_role_arn");
    if (m->aws_external_id && !m->aws_role_arn)
        return err_set(err, "invalid source.mirror.aws_external_id: requires aws_role_arn");
    if (m->aws_role_arn && !m->access_key_id && !m->web_identity_token &&
        !m->enable_aws_creds_provider)
        return err_set(err, "invalid source.mirror.aws_role_arn: requires access_key_id/"
                            "secret_access_key, web_identity_token or enable_aws_creds_provider");
    if (m->aws_role_session_name && !m->aws_role_arn)
        return err_set(err, "invalid source.mirror.aws_role_session_name: requires aws_role_arn");
    return 0;
}

static int mirror_credentials(const struct mirror_json *f, struct request_mirror *m,
                              struct err *err)
{
    if (json_field_get_nonempty(f->access_key_id, "source.mirror.access_key_id", &m->access_key_id,
                                err) < 0 ||
        json_field_get_secret(f->secret_access_key, "source.mirror.secret_access_key",
                              &m->secret_access_key, err) < 0 ||
        json_field_get_secret(f->session_token, "source.mirror.session_token", &m->session_token,
                              err) < 0)
        return -1;
    if (!m->access_key_id != !m->secret_access_key)
        return err_set(err, "invalid source.mirror: access_key_id and secret_access_key must be "
                            "given together");
    if (m->session_token && !m->access_key_id)
        return err_set(err, "invalid source.mirror.session_token: requires access_key_id and "
                            "secret_access_key");
    return mirror_roles(f, m, err);
}

static int mirror_encryption(const struct mirror_json *f, struct request_mirror *m, struct err *err)
{
    int kms = 0;
    if (json_field_get_choice(f->server_side_encryption, "source.mirror.server_side_encryption",
                              "AES256", "aws:kms", &kms, err) < 0 ||
        json_field_get_str(f->server_side_encryption, "source.mirror.server_side_encryption",
                           &m->server_side_encryption, err) < 0 ||
        json_field_get_str(f->sse_kms_key_id, "source.mirror.sse_kms_key_id", &m->sse_kms_key_id,
                           err) < 0)
        return -1;
    if (m->sse_kms_key_id && !(m->server_side_encryption && kms))
        return err_set(err, "invalid source.mirror.sse_kms_key_id: requires "
                            "server_side_encryption \"aws:kms\"");
    return 0;
}

/* How objects are named and written. */
static int mirror_objects(const struct mirror_json *f, struct request_mirror *m, struct err *err)
{
    json_int_t part = m->part_size;
    if (json_field_get_str(f->prefix, "source.mirror.prefix", &m->prefix, err) < 0 ||
        json_field_get_str(f->key_template, "source.mirror.key_template", &m->key_template, err) <
            0 ||
        json_field_get_str(f->storage_class, "source.mirror.storage_class", &m->storage_class,
                           err) < 0 ||
        json_field_get_choice(f->checksum, "source.mirror.checksum", "none", "sha256",
                              &m->checksum_sha256, err) < 0 ||
        json_field_get_int(f->part_size, "source.mirror.part_size", INT64_MIN, INT64_MAX, &part,
                           err) < 0 ||
        json_field_get_small_int(f->concurrency, "source.mirror.concurrency", 1, 64,
                                 &m->concurrency, err) < 0)
        return -1;
    if (m->prefix[0] == '/')
        return err_set(err, "invalid source.mirror.prefix: must not start with '/'");
    if (check_key_template("source.mirror.key_template", m->key_template, err) < 0)
        return -1;
    if (m->storage_class && !json_field_all_of(m->storage_class, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_"))
        return err_set(err, "invalid source.mirror.storage_class \"%s\": must match [A-Z_]+",
                       m->storage_class);
    if (part < 5 * MIB)
        return err_set(err,
                       "invalid source.mirror.part_size: must be at least "
                       "%" JSON_INTEGER_FORMAT " (5 MiB)",
                       5 * MIB);
    if (part > 5 * GIB)
        return err_set(err,
                       "invalid source.mirror.part_size: must be at most %" JSON_INTEGER_FORMAT
                       " (5 GiB)",
                       5 * GIB);
    m->part_size = part;
    return 0;
}

static int parse_mirror(json_t *obj, struct request_mirror *m, struct err *err)
{
    struct mirror_json f = {0};
    if (json_field_absent(obj))
        return 0;
    if (unpack_mirror(obj, &f, err) < 0 || mirror_location(&f, m, err) < 0 ||
        mirror_credentials(&f, m, err) < 0 || mirror_encryption(&f, m, err) < 0 ||
        mirror_objects(&f, m, err) < 0)
        return -1;
    m->present = 1;
    return 0;
}

/* ---- source ------------------------------------------------------------- */

struct source_json {
    json_t *owner, *repository, *access_token, *github_api_url, *insecure, *ca_cert, *release,
        *pre_release, *drafts, *tag_filter, *semver_constraint, *order_by, *globs, *asset_dir,
        *debug, *max_rate_limit_wait, *mirror, *uploads_url, *v4_api_url, *app_id, *private_key,
        *installation_id, *attestations;
};

static int unpack_source(json_t *obj, struct source_json *f, struct err *err)
{
    return json_field_unpack(
        obj, "source", err,
        "{s?o s?o s?o s?o s?o s?o s?o s?o s?o s?o s?o s?o s?o s?o "
        "s?o s?o s?o s?o s?o s?o s?o s?o s?o}",
        "owner", &f->owner, "repository", &f->repository, "access_token", &f->access_token,
        "github_api_url", &f->github_api_url, "insecure", &f->insecure, "ca_cert", &f->ca_cert,
        "release", &f->release, "pre_release", &f->pre_release, "drafts", &f->drafts, "tag_filter",
        &f->tag_filter, "semver_constraint", &f->semver_constraint, "order_by", &f->order_by,
        "globs", &f->globs, "asset_dir", &f->asset_dir, "debug", &f->debug, "max_rate_limit_wait",
        &f->max_rate_limit_wait, "mirror", &f->mirror, "github_uploads_url", &f->uploads_url,
        "github_v4_api_url", &f->v4_api_url, "app_id", &f->app_id, "private_key", &f->private_key,
        "installation_id", &f->installation_id, "attestations", &f->attestations);
}

/* Which repository, and how to talk to GitHub. GRR's github_uploads_url and
 * github_v4_api_url are only checked as URLs, so that only `type:` changes on a
 * switch: this resource neither uploads to GitHub nor uses GraphQL. */
static int source_github(const struct source_json *f, struct request_source *s, struct err *err)
{
    if (json_field_absent(f->owner))
        return json_field_missing(err, "source", "owner");
    if (json_field_absent(f->repository))
        return json_field_missing(err, "source", "repository");
    if (json_field_get_str(f->owner, "source.owner", &s->owner, err) < 0 ||
        json_field_check_name("source.owner", s->owner, err) < 0 ||
        json_field_get_str(f->repository, "source.repository", &s->repository, err) < 0 ||
        json_field_check_name("source.repository", s->repository, err) < 0 ||
        json_field_get_secret(f->access_token, "source.access_token", &s->access_token, err) < 0 ||
        json_field_get_str(f->github_api_url, "source.github_api_url", &s->github_api_url, err) <
            0 ||
        json_field_check_url("source.github_api_url", s->github_api_url, 0, err) < 0 ||
        json_field_check_url_only(f->uploads_url, "source.github_uploads_url", err) < 0 ||
        json_field_check_url_only(f->v4_api_url, "source.github_v4_api_url", err) < 0 ||
        json_field_get_bool(f->insecure, "source.insecure", &s->insecure, err) < 0 ||
        json_field_get_str(f->ca_cert, "source.ca_cert", &s->ca_cert, err) < 0 ||
        json_field_check_pem("source.ca_cert", s->ca_cert, err) < 0)
        return -1;
    return 0;
}

/* GitHub App authentication: app_id with private_key, instead of
 * access_token. The key is read as the App flow will (github_app.h), so that
 * a bad one is refused before any request. */
static int source_app(const struct source_json *f, struct request_source *s, struct err *err)
{
    if (json_field_get_id(f->app_id, "source.app_id", &s->app_id, err) < 0 ||
        json_field_get_secret(f->private_key, "source.private_key", &s->private_key, err) < 0 ||
        json_field_get_id(f->installation_id, "source.installation_id", &s->installation_id, err) <
            0)
        return -1;
    if (s->app_id && s->access_token)
        return err_set(err, "invalid source: give either access_token or app_id, not both");
    if (s->app_id && !s->private_key)
        return err_set(err, "invalid source: app_id requires private_key");
    if (!s->app_id && s->private_key)
        return err_set(err, "invalid source: private_key requires app_id");
    if (!s->app_id && s->installation_id)
        return err_set(err, "invalid source: installation_id requires app_id");
    return s->private_key ? github_app_check_key("source.private_key", s->private_key, err) : 0;
}

/* Which releases, versions and assets count. */
static int source_selection(const struct source_json *f, struct request_source *s, struct err *err)
{
    int by_time = 0;
    if (json_field_get_bool(f->release, "source.release", &s->release, err) < 0 ||
        json_field_get_bool(f->pre_release, "source.pre_release", &s->pre_release, err) < 0 ||
        json_field_get_bool(f->drafts, "source.drafts", &s->drafts, err) < 0 ||
        json_field_get_str(f->tag_filter, "source.tag_filter", &s->tag_filter, err) < 0 ||
        json_field_check_nonempty("source.tag_filter", s->tag_filter, err) < 0 ||
        json_field_get_nonempty(f->semver_constraint, "source.semver_constraint",
                                &s->semver_constraint, err) < 0 ||
        json_field_get_choice(f->order_by, "source.order_by", "version", "time", &by_time, err) <
            0 ||
        json_field_get_globs(f->globs, "source.globs", &s->globs, &s->n_globs, err) < 0 ||
        json_field_get_bool(f->asset_dir, "source.asset_dir", &s->asset_dir, err) < 0)
        return -1;
    s->order_by = by_time ? REQUEST_ORDER_TIME : REQUEST_ORDER_VERSION;
    return 0;
}

/* source.attestations: {release: auto|required|off, trusted_root: JSON}. The
 * trusted root may be the JSON object itself or its text; it is parsed here
 * so that a bad one fails every command at once. */
static int parse_attest_root(const json_t *v, struct request_attestations *a, struct err *err)
{
    struct trusted_root tr;
    if (json_field_absent(v))
        return 0;
    if (!json_is_object(v) && !json_is_string(v))
        return json_field_type_err(err, "source.attestations.trusted_root", "an object or a string",
                                   v);
    a->trusted_root = json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, 0);
    if (!a->trusted_root)
        return err_set(err, "out of memory");
    if (trusted_root_parse(a->trusted_root, strlen(a->trusted_root), &tr, err) < 0)
        return err_prefix(err, "invalid source.attestations.trusted_root");
    trusted_root_free(&tr);
    return 0;
}

/* source.attestations' build provenance fields (see README). */
static int parse_attest_prov(json_t *mode_v, json_t *repo, json_t *wf, json_t *type,
                             const struct request_source *s, struct request_attestations *a,
                             struct err *err)
{
    static const char *const modes[] = {"off", "if_present", "required", NULL};
    int mode = REQUEST_PROV_OFF;
    if (json_field_get_enum(mode_v, "source.attestations.provenance", modes, &mode, err) < 0)
        return -1;
    a->provenance = (enum request_prov)mode;
    if (json_field_get_nonempty(repo, "source.attestations.signer_repository",
                                &a->signer_repository, err) < 0 ||
        json_field_get_nonempty(wf, "source.attestations.signer_workflow", &a->signer_workflow,
                                err) < 0 ||
        json_field_get_nonempty(type, "source.attestations.predicate_type", &a->predicate_type,
                                err) < 0)
        return -1;
    if (!a->predicate_type && !(a->predicate_type = strdup("https://slsa.dev/provenance/v1")))
        return err_set(err, "out of memory");
    if (!a->signer_repository && s->owner && s->repository) {
        size_t n = strlen(s->owner) + strlen(s->repository) + 2;
        if (!(a->signer_repository = malloc(n)))
            return err_set(err, "out of memory");
        snprintf(a->signer_repository, n, "%s/%s", s->owner, s->repository);
    }
    return 0;
}

static int parse_attestations(json_t *obj, const struct request_source *s,
                              struct request_attestations *a, struct err *err)
{
    json_t *release = NULL, *root = NULL, *prov = NULL, *repo = NULL, *wf = NULL, *type = NULL;
    static const char *const modes[] = {"auto", "required", "off", NULL};
    int mode = REQUEST_ATTEST_AUTO;
    if (json_field_absent(obj))
        return parse_attest_prov(NULL, NULL, NULL, NULL, s, a, err);
    if (json_field_unpack(obj, "source.attestations", err, "{s?o s?o s?o s?o s?o s?o}", "release",
                          &release, "trusted_root", &root, "provenance", &prov, "signer_repository",
                          &repo, "signer_workflow", &wf, "predicate_type", &type) < 0)
        return -1;
    if (json_field_get_enum(release, "source.attestations.release", modes, &mode, err) < 0)
        return -1;
    a->release = (enum request_attest)mode;
    if (parse_attest_prov(prov, repo, wf, type, s, a, err) < 0)
        return -1;
    return parse_attest_root(root, a, err);
}

/* Register the secrets before any field is checked, so that no message
 * quoting a refused value (a region, a tag_filter) can show one. */
static void register_secrets(const json_t *source)
{
    const json_t *m = json_object_get(source, "mirror");
    log_add_secret(json_string_value(json_object_get(source, "access_token")));
    log_add_secret(json_string_value(json_object_get(source, "private_key")));
    log_add_secret(json_string_value(json_object_get(m, "secret_access_key")));
    log_add_secret(json_string_value(json_object_get(m, "session_token")));
}

/* github-release-resource's deprecated `user` names the owner: moved to
 * `owner` (in place); *used is set for a warning once the source is valid.
 * Both given must agree. */
static int source_user_alias(json_t *obj, int *used, struct err *err)
{
    json_t *user = json_object_get(obj, "user"), *owner = json_object_get(obj, "owner");
    if (!json_is_object(obj) || json_field_absent(user)) {
        if (json_is_object(obj))
            json_object_del(obj, "user");
        return 0;
    }
    if (!json_is_string(user))
        return json_field_type_err(err, "source.user", "a string", user);
    if (!json_field_absent(owner) && !json_equal(owner, user))
        return err_set(err, "invalid source.user: deprecated alias of source.owner, which is "
                            "given with another value; remove source.user");
    *used = 1;
    if (json_field_absent(owner))
        json_object_set(obj, "owner", user);
    json_object_del(obj, "user");
    return 0;
}

static int parse_source(json_t *obj, enum request_kind kind, struct request_source *s,
                        struct err *err)
{
    struct source_json f = {0};
    json_int_t wait = s->max_rate_limit_wait;
    int user = 0;
    register_secrets(obj);
    if (source_user_alias(obj, &user, err) < 0 || unpack_source(obj, &f, err) < 0 ||
        json_field_get_bool(f.debug, "source.debug", &s->debug, err) < 0)
        return -1;
    if (s->debug)
        log_set_debug(1);
    if (source_github(&f, s, err) < 0 || source_app(&f, s, err) < 0 ||
        source_selection(&f, s, err) < 0 ||
        json_field_get_int(f.max_rate_limit_wait, "source.max_rate_limit_wait", 0, 3600, &wait,
                           err) < 0 ||
        parse_mirror(f.mirror, &s->mirror, err) < 0 ||
        parse_attestations(f.attestations, s, &s->attestations, err) < 0)
        return -1;
    s->max_rate_limit_wait = (long)wait;
    if (kind == REQUEST_OUT && !s->mirror.present)
        return json_field_missing(err, "source", "mirror");
    if (kind == REQUEST_OUT && !s->mirror.bucket)
        return json_field_missing(err, "source.mirror", "bucket");
    if (user)
        log_warn("source.user is deprecated (github-release-resource's old name): use "
                 "source.owner");
    return 0;
}

/* ---- version and params ------------------------------------------------- */

static int parse_version(json_t *obj, struct request_version *v, struct err *err)
{
    json_t *tag = NULL, *id = NULL, *timestamp = NULL;
    if (json_field_unpack(obj, "version", err, "{s?o s?o s?o}", "tag", &tag, "id", &id, "timestamp",
                          &timestamp) < 0)
        return -1;
    if (json_field_absent(tag) && json_field_absent(id)) /* an id alone will do */
        return json_field_missing(err, "version", "tag");
    if (json_field_get_str(tag, "version.tag", &v->tag, err) < 0 ||
        json_field_get_str(id, "version.id", &v->id, err) < 0 ||
        json_field_get_str(timestamp, "version.timestamp", &v->timestamp, err) < 0)
        return -1;
    if (v->tag && !*v->tag)
        return err_set(err, "invalid version.tag: must not be empty");
    if (v->id && !json_field_all_of(v->id, "0123456789"))
        return err_set(err, "invalid version.id \"%s\": must be decimal digits", v->id);
    v->present = 1;
    return 0;
}

static int parse_get_params(json_t *obj, struct request_get_params *p, struct err *err)
{
    json_t *globs = NULL, *tarball = NULL, *zip = NULL, *skip = NULL, *concurrency = NULL;
    if (json_field_absent(obj))
        return 0;
    if (json_field_unpack(obj, "params", err, "{s?o s?o s?o s?o s?o}", "globs", &globs,
                          "include_source_tarball", &tarball, "include_source_zip", &zip,
                          "skip_download", &skip, "concurrency", &concurrency) < 0)
        return -1;
    if (json_field_get_globs(globs, "params.globs", &p->globs, &p->n_globs, err) < 0 ||
        json_field_get_bool(tarball, "params.include_source_tarball", &p->include_source_tarball,
                            err) < 0 ||
        json_field_get_bool(zip, "params.include_source_zip", &p->include_source_zip, err) < 0 ||
        json_field_get_bool(skip, "params.skip_download", &p->skip_download, err) < 0 ||
        json_field_get_small_int(concurrency, "params.concurrency", 1, 64, &p->concurrency, err) <
            0)
        return -1;
    return 0;
}

/* github-release-resource's put params, which create a GitHub release. */
static int refuse_grr_put_params(const json_t *params, struct err *err)
{
    static const char *const grr[] = {
        "name", "tag", "body", "tag_prefix", "commitish", "globs", "generate_release_notes"};
    for (size_t i = 0; json_is_object(params) && i < sizeof(grr) / sizeof(grr[0]); i++)
        if (json_object_get(params, grr[i]))
            return err_set(err,
                           "invalid params.%s: a github-release-resource put param; this "
                           "resource mirrors releases to S3 (params.from: the get's directory) "
                           "and does not create GitHub releases",
                           grr[i]);
    return 0;
}

/* Absent or null params read as {}, so the message names "from". */
static int parse_put_params(json_t *obj, struct request_put_params *p, struct err *err)
{
    json_t *from = NULL, *force = NULL, *keep = NULL;
    if (!json_field_absent(obj) &&
        json_field_unpack(obj, "params", err, "{s?o s?o s?o}", "from", &from, "force", &force,
                          "keep_versions", &keep) < 0)
        return -1;
    if (json_field_absent(from))
        return json_field_missing(err, "params", "from");
    if (json_field_get_str(from, "params.from", &p->from, err) < 0 ||
        json_field_check_relative("params.from", p->from, err) < 0 ||
        json_field_get_bool(force, "params.force", &p->force, err) < 0 ||
        json_field_get_small_int(keep, "params.keep_versions", 0, INT_MAX, &p->keep_versions, err) <
            0)
        return -1;
    return 0;
}

/* ---- the request -------------------------------------------------------- */

/* Zero req and fill every default. */
static int request_init(struct request *req, enum request_kind kind, struct err *err)
{
    struct request_source *s = &req->source;
    memset(req, 0, sizeof(*req));
    req->kind = kind;
    s->release = 1;
    s->max_rate_limit_wait = 60;
    s->mirror.part_size = 16 * MIB;
    s->mirror.concurrency = DEFAULT_CONCURRENCY;
    req->get.concurrency = DEFAULT_CONCURRENCY;
    if (json_field_set_str(&s->github_api_url, DEFAULT_API_URL, err) < 0 ||
        json_field_set_str(&s->tag_filter, TAG_FILTER_DEFAULT, err) < 0 ||
        json_field_set_str(&s->mirror.region, DEFAULT_REGION, err) < 0 ||
        json_field_set_str(&s->mirror.prefix, "", err) < 0 ||
        json_field_set_str(&s->mirror.key_template, MANIFEST_KEY_TEMPLATE_DEFAULT, err) < 0)
        return -1;
    return 0;
}

static int parse_root(json_t *root, enum request_kind kind, struct request *req, struct err *err)
{
    json_t *source = NULL, *version = NULL, *params = NULL;
    json_error_t je;
    int rc;
    if (!json_is_object(root))
        return err_set(err, "invalid request: expected a JSON object, got %s",
                       json_field_type_name(root));
    if (kind == REQUEST_CHECK)
        rc = json_unpack_ex(root, &je, JSON_STRICT, "{s?o s?o}", "source", &source, "version",
                            &version);
    else if (kind == REQUEST_IN)
        rc = json_unpack_ex(root, &je, JSON_STRICT, "{s?o s?o s?o}", "source", &source, "version",
                            &version, "params", &params);
    else
        rc = json_unpack_ex(root, &je, JSON_STRICT, "{s?o s?o}", "source", &source, "params",
                            &params);
    if (rc < 0)
        return err_set(err, "invalid request: %s", je.text);
    if (json_field_absent(source))
        return json_field_missing(err, "request", "source");
    if (kind == REQUEST_OUT && refuse_grr_put_params(params, err) < 0)
        return -1;
    if (parse_source(source, kind, &req->source, err) < 0)
        return -1;
    if (kind == REQUEST_IN && json_field_absent(version))
        return json_field_missing(err, "request", "version");
    if (!json_field_absent(version) && parse_version(version, &req->version, err) < 0)
        return -1;
    if (kind == REQUEST_IN)
        return parse_get_params(params, &req->get, err);
    if (kind == REQUEST_OUT)
        return parse_put_params(params, &req->put, err);
    return 0;
}

int request_parse(const char *json, size_t len, enum request_kind kind, struct request *req,
                  struct err *err)
{
    json_error_t je;
    json_t *root = NULL;
    int rc = request_init(req, kind, err);
    if (rc == 0) {
        root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
        if (!root)
            rc = err_set(err, "invalid request: %s%s at line %d column %d",
                         json_error_code(&je) == json_error_duplicate_key ? "" : "not JSON: ",
                         json_field_error_text(&je), je.line, je.column);
    }
    if (rc == 0)
        rc = parse_root(root, kind, req, err);
    json_decref(root);
    if (rc < 0)
        request_free(req);
    return rc;
}

int request_read_stdin(enum request_kind kind, struct request *req, struct err *err)
{
    struct buf b = BUF_INIT(REQUEST_MAX_BYTES);
    char chunk[16384];
    size_t n;
    memset(req, 0, sizeof(*req));
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
        if (n > REQUEST_MAX_BYTES - b.len) {
            buf_free(&b);
            return err_set(err, "invalid request: larger than %d bytes", REQUEST_MAX_BYTES);
        }
        if (buf_add(&b, chunk, n) < 0)
            return err_set(err, "out of memory");
    }
    if (ferror(stdin)) {
        buf_free(&b);
        return err_set(err, "invalid request: cannot read stdin: %s", strerror(errno));
    }
    if (b.len == 0)
        return err_set(err, "invalid request: empty input on stdin");
    int rc = request_parse(b.ptr, b.len, kind, req, err);
    buf_free(&b);
    return rc;
}

static void mirror_free(struct request_mirror *m)
{
    free(m->bucket);
    free(m->endpoint);
    free(m->region);
    free(m->access_key_id);
    free(m->secret_access_key);
    free(m->session_token);
    free(m->prefix);
    free(m->key_template);
    free(m->ca_cert);
    free(m->server_side_encryption);
    free(m->sse_kms_key_id);
    free(m->storage_class);
    free(m->aws_role_arn);
    free(m->aws_role_session_name);
    free(m->aws_external_id);
    free(m->web_identity_token);
    free(m->sts_endpoint);
}

void request_free(struct request *req)
{
    struct request_source *s = &req->source;
    free(s->owner);
    free(s->repository);
    free(s->access_token);
    free(s->app_id);
    free(s->private_key);
    free(s->installation_id);
    free(s->github_api_url);
    free(s->ca_cert);
    free(s->tag_filter);
    free(s->semver_constraint);
    json_field_free_strv(s->globs);
    mirror_free(&s->mirror);
    free(s->attestations.trusted_root);
    free(s->attestations.signer_repository);
    free(s->attestations.signer_workflow);
    free(s->attestations.predicate_type);
    free(req->version.tag);
    free(req->version.id);
    free(req->version.timestamp);
    json_field_free_strv(req->get.globs);
    free(req->put.from);
    memset(req, 0, sizeof(*req));
}
