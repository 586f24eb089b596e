/* resource.h - what the three commands share: reading the request and the
 * environment (settings.h), translating them once into each client's config,
 * the HTTP and GitHub clients configured from source, the release policy, the
 * metadata array and printing the response (the version JSON is in
 * manifest.h). The configs borrow the request's strings. */
#ifndef GRM_RESOURCE_H
#define GRM_RESOURCE_H

#include <jansson.h>

#include "attest_get.h"
#include "attest_tuf.h"
#include "err.h"
#include "github.h"
#include "github_app.h"
#include "http.h"
#include "releases.h"
#include "request.h"
#include "s3.h"
#include "settings.h"

struct resource {
    struct request req;
    struct settings settings; /* the environment, read once */
    /* the request translated for each client (strings borrowed from req) */
    struct github_config gh_cfg;
    struct releases_cursor cursor; /* req.version */
    struct attest_config attest_cfg;
    struct s3_config s3_cfg;
    struct http_options s3_http; /* S3's client: settings with the mirror's TLS */
    struct http_client http;
    struct github_client gh;
    struct releases_policy policy;
    /* with source.app_id: where the token comes from */
    struct github_app app;
    /* the default trusted root of release attestations: GitHub's TUF repository */
    struct attest_tuf tuf;
    int opened; /* bit mask of what resource_close must release */
};

/* The translations resource_open makes (s: the environment's settings). */
void resource_github_config(struct github_config *out, const struct request_source *src,
                            const struct settings *s);
void resource_releases_config(struct releases_config *out, const struct request_source *src);
void resource_releases_cursor(struct releases_cursor *out, const struct request_version *v);
void resource_attest_config(struct attest_config *out, const struct request_source *src,
                            const struct settings *s);
/* out->creds.settings is s, which must outlive out. */
void resource_s3_config(struct s3_config *out, const struct request_mirror *m,
                        const struct settings *s);
/* What the main client is set up with: settings with source's TLS and
 * max_rate_limit_wait. */
void resource_http_options(struct http_options *out, const struct request_source *src,
                           const struct settings *s);

/* Read the request from stdin and set everything up. 0, or -1 with err. */
int resource_open(struct resource *r, enum request_kind kind, struct err *err);
void resource_close(struct resource *r);

/* {"name":..,"value":..} appended to a metadata array; value may be NULL (""). */
void resource_metadata_add(json_t *metadata, const char *name, const char *value);
/* Print doc as one line of JSON on stdout; 0 or -1. Steals the reference. */
int resource_print(json_t *doc, struct err *err);

/* A command's work once the request is read: fill *response. dir is
 * argv[1] for in and out, NULL for check. */
typedef int (*resource_fn)(struct resource *r, const char *dir, json_t **response, struct err *err);
/* main() of a command: read the request, run fn, print the response or the
 * one error line. Returns the exit code. */
int resource_main(enum request_kind kind, const char *dir, resource_fn fn);
/* resource_main for in and out, whose one argument is a directory (usage
 * names it when argc is wrong). */
int resource_main_dir(enum request_kind kind, int argc, char **argv, const char *usage,
                      resource_fn fn);

#endif
