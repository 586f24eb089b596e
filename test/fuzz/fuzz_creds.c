/* fuzz_creds.c - libFuzzer harness: what STS, IMDS and ECS send back.
 *
 * The input goes to sts_parse() (an STS XML answer) and to
 * imds_parse_credentials() (the IMDS/ECS JSON document). Properties: a
 * success holds all three keys, non-empty, registered as secrets (redacted);
 * an error document or a failure leaves the result empty, and a failure has
 * a message. */
#include "fuzz.h"
#include "imds.h"
#include "log.h"
#include "sts.h"

static void check_keys(const struct sts_result *r)
{
    char out[64];
    if (!r->access_key_id || !r->secret_access_key || !r->session_token || !r->access_key_id[0] ||
        !r->secret_access_key[0] || !r->session_token[0])
        abort();
    if (strlen(r->secret_access_key) < 40 &&
        strcmp(log_redact(r->secret_access_key, out, sizeof(out)), "***") != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_strndup(data, size);
    struct sts_result r;
    struct sts_error e;
    struct err err;
    err.msg[0] = '\0';
    int rc = sts_parse(s, size, &r, &e, &err);
    if (rc == 0)
        check_keys(&r);
    else if (r.access_key_id || r.secret_access_key || r.session_token || (rc < 0 && !err.msg[0]))
        abort();
    sts_result_free(&r);
    err.msg[0] = '\0';
    rc = imds_parse_credentials(s, size, &r, &err);
    if (rc == 0)
        check_keys(&r);
    else if (r.access_key_id || !err.msg[0])
        abort();
    sts_result_free(&r);
    log_clear_secrets();
    free(s);
    return 0;
}
