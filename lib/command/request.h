/* request.h - the Concourse request on stdin, parsed into typed config.
 *
 * One strict jansson unpack per section: unknown fields, wrong types, missing
 * required fields and bad URLs are refused with one line naming the field
 * ("invalid source: ..."); tag_filter and semver_constraint are compiled, and
 * refused, by the release policy (releases.h). Every string here is malloced and
 * owned by the request; request_free() releases all of it. Secrets
 * (access_token, private_key, secret_access_key, session_token,
 * web_identity_token) are registered with log_add_secret() as soon as they are
 * read.
 *
 * JSON null counts as absent for every field; "" counts as absent for
 * access_token, semver_constraint and the three mirror credentials. */
#ifndef GRM_REQUEST_H
#define GRM_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum request_order { REQUEST_ORDER_VERSION, REQUEST_ORDER_TIME };

struct request_mirror {
    int present;    /* source.mirror was given */
    char *bucket;   /* NULL when absent (required for put) */
    char *endpoint; /* NULL: AWS regional endpoint; no trailing '/' */
    char *region;   /* default "us-east-1" */
    char *access_key_id, *secret_access_key, *session_token;
    int path_style;     /* default: 1 when endpoint set, else 0 */
    char *prefix;       /* default ""; put verbatim before the key ("m/" for a folder) */
    char *key_template; /* default "{owner}/{repository}/{tag}/{asset}" */
    int skip_ssl_verification;
    char *ca_cert;
    char *server_side_encryption; /* NULL, "AES256" or "aws:kms" */
    char *sse_kms_key_id;
    char *storage_class;
    int checksum_sha256; /* checksum: "sha256" (1) or "none" (0) */
    int64_t part_size;   /* default 16 MiB, >= 5 MiB */
    int concurrency;     /* default 4, 1..64 */
    /* credentials beyond static keys (lib/s3/credentials.h) */
    char *aws_role_arn;            /* NULL: no AssumeRole */
    char *aws_role_session_name;   /* NULL: github-release-mirror-<pid> */
    char *aws_external_id;         /* NULL when absent; needs aws_role_arn */
    int aws_role_duration;         /* seconds, 900..43200, default 3600 */
    char *web_identity_token;      /* a JWT (secret); needs aws_role_arn, no keys */
    int enable_aws_creds_provider; /* default chain when no keys are given */
    char *sts_endpoint;            /* NULL: https://sts.{region}.amazonaws.com */
};

/* source.attestations: release attestation verification by get. */
enum request_attest { REQUEST_ATTEST_AUTO, REQUEST_ATTEST_REQUIRED, REQUEST_ATTEST_OFF };

enum request_prov { REQUEST_PROV_OFF, REQUEST_PROV_IF_PRESENT, REQUEST_PROV_REQUIRED };

struct request_attestations {
    enum request_attest release;  /* default auto: verify immutable releases */
    char *trusted_root;           /* JSON text of a Sigstore trusted root, or NULL */
    enum request_prov provenance; /* build provenance of assets; default off */
    char *signer_repository;      /* default OWNER/REPO */
    char *signer_workflow;        /* NULL: any workflow */
    char *predicate_type;         /* default https://slsa.dev/provenance/v1 */
};

struct request_source {
    char *owner, *repository;
    char *access_token;   /* NULL when absent */
    char *github_api_url; /* default "https://api.github.com", no trailing '/' */
    int insecure;
    char *ca_cert;
    int release;                 /* default 1 */
    int pre_release;             /* default 0 */
    int drafts;                  /* default 0 */
    char *tag_filter;            /* default "^v?([^v].*)" */
    char *semver_constraint;     /* NULL when absent */
    enum request_order order_by; /* default version */
    char **globs;                /* NULL-terminated, NULL when absent; n_globs 0 means all assets */
    size_t n_globs;
    int asset_dir;
    int debug;
    long max_rate_limit_wait; /* seconds, default 60 */
    /* GitHub App auth (instead of access_token), NULL when absent: the App id
     * and installation_id as decimal strings (no installation_id: looked up
     * from the repository), private_key the RSA key's PEM (checked). */
    char *app_id, *private_key, *installation_id;
    struct request_mirror mirror;
    struct request_attestations attestations;
};

struct request_version {
    int present;
    char *tag;       /* NULL when only id was given */
    char *id;        /* NULL when absent */
    char *timestamp; /* NULL when absent */
};

struct request_get_params {
    char **globs; /* NULL-terminated; NULL when not given */
    size_t n_globs;
    int include_source_tarball;
    int include_source_zip;
    int skip_download;
    int concurrency; /* default 4, 1..64 */
};

struct request_put_params {
    char *from; /* required */
    int force;
    int keep_versions; /* 0 = keep all */
};

enum request_kind { REQUEST_CHECK, REQUEST_IN, REQUEST_OUT };

struct request {
    enum request_kind kind;
    struct request_source source;
    struct request_version version;
    struct request_get_params get; /* in; for out: the implicit defaults */
    struct request_put_params put; /* out only */
};

/* Parse the JSON text of a request for the given command into req (which
 * need not be initialized; defaults are filled in). Returns 0, or -1 with one
 * line in err naming the culprit ("invalid source.mirror.part_size: ..."); req
 * is then already freed. For out, absent params read as {}. */
int request_parse(const char *json, size_t len, enum request_kind kind, struct request *req,
                  struct err *err);
/* Read all of stdin (capped at 1 MiB) and parse it; same contract as
 * request_parse(), and empty or oversized input is refused as well. */
int request_read_stdin(enum request_kind kind, struct request *req, struct err *err);
/* Free everything req owns and zero it; safe on a zeroed or freed request. */
void request_free(struct request *req);

#endif
