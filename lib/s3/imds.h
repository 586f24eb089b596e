/* imds.h - credentials from the machine: EC2 instance metadata (IMDSv2 only)
 * and ECS/EKS container credentials endpoints.
 *
 * IMDSv2: PUT /latest/api/token first, then the role name under
 * /latest/meta-data/iam/security-credentials/, then its credentials; IMDSv1
 * (a GET without a token) is never tried. Endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT
 * or http://169.254.169.254; 1 s connect timeout, 2 attempts.
 * Containers: AWS_CONTAINER_CREDENTIALS_FULL_URI, or http://169.254.170.2 +
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, with the Authorization header from
 * AWS_CONTAINER_AUTHORIZATION_TOKEN or the file AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE.
 * Tokens and keys are registered as secrets the moment they are read. The
 * variables come from struct settings (settings.h). */
#ifndef GRM_IMDS_H
#define GRM_IMDS_H

#include <stddef.h>

#include "err.h"
#include "settings.h"
#include "sts.h"

/* Parse the JSON credentials document both services answer with
 * (AccessKeyId, SecretAccessKey, Token, Expiration; IMDS adds Code, which
 * must be "Success" when present). Returns 0 with r filled (free with
 * sts_result_free()), or -1 with err set and r empty. */
int imds_parse_credentials(const char *json, size_t len, struct sts_result *r, struct err *err);

/* 1 when AWS_EC2_METADATA_DISABLED is "true" (any case). */
int imds_disabled(const struct settings_aws *env);

/* Fetch the instance role's credentials over IMDSv2. Returns 0 with r
 * filled, or -1 with one line in err (an unreachable IMDS says so, with the
 * hop-limit hint). */
int imds_fetch(const struct settings *s, struct sts_result *r, struct err *err);

/* 1 when a container credentials URI is set in the environment. */
int ecs_configured(const struct settings_aws *env);

/* Fetch container credentials. Returns 0 with r filled, or -1 with err set
 * (a full URI over plain http must point at a loopback or the ECS/EKS
 * link-local address). */
int ecs_fetch(const struct settings *s, struct sts_result *r, struct err *err);

#endif
