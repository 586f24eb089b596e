/* trusted_root.c - parsing a Sigstore trusted_root.json (see trusted_root.h).
 * Certificates are decoded into X509 objects once, here; the verifiers only
 * select the entries whose validFor covers a time. */
#include "trusted_root.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sigstore_bundle.h"

#define TRUSTED_ROOT_MAX_ENTRIES 64
#define TRUSTED_ROOT_MAX_CHAIN 8

int trusted_root_parse_time(const char *s, int64_t *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int used = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &used) != 6 ||
        used != 19)
        return -1;
    const char *p = s + used;
    if (*p == '.') {
        p++;
        size_t digits = strspn(p, "0123456789");
        if (digits == 0 || digits > 9)
            return -1;
        p += digits;
    }
    if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
        return -1;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t v = timegm(&tm);
    if (v == (time_t)-1)
        return -1;
    *t = (int64_t)v;
    return 0;
}

int trusted_root_window_covers(const struct trusted_root_window *w, int64_t t)
{
    return t >= w->start && t <= w->end;
}

static int parse_window(json_t *vf, struct trusted_root_window *w, const char *what,
                        struct err *err)
{
    const char *start = json_string_value(json_object_get(vf, "start"));
    json_t *end = json_object_get(vf, "end");
    if (!start || trusted_root_parse_time(start, &w->start) < 0)
        return err_set(err, "%s.validFor.start is missing or not an RFC 3339 time", what);
    w->end = TRUSTED_ROOT_OPEN_END;
    if (end && !json_is_null(end) && /* null: unset, as absent */
        (!json_is_string(end) || trusted_root_parse_time(json_string_value(end), &w->end) < 0))
        return err_set(err, "%s.validFor.end is not an RFC 3339 time", what);
    return 0;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static int parse_chain(json_t *chain, struct trusted_root_ca *ca, const char *what, struct err *err)
{
    json_t *certs = json_object_get(chain, "certificates");
    size_t n = json_array_size(certs);
    if (n == 0 || n > TRUSTED_ROOT_MAX_CHAIN)
        return err_set(err, "%s.certChain.certificates must hold 1 to %d", what,
                       TRUSTED_ROOT_MAX_CHAIN);
    if (!(ca->certs = sk_X509_new_null()))
        return err_set(err, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *raw = json_string_value(json_object_get(json_array_get(certs, i), "rawBytes"));
        struct sigstore_bytes der;
        if (!raw || sigstore_b64_decode(raw, &der, "rawBytes", err) < 0)
            return err_set(err, "%s.certChain.certificates[%zu].rawBytes is not base64", what, i);
        const unsigned char *p = der.ptr;
        X509 *x = d2i_X509(NULL, &p, (long)der.len);
        int whole = p == der.ptr + der.len;
        free(der.ptr);
        if (!x || !whole || !sk_X509_push(ca->certs, x)) {
            X509_free(x);
            return err_set(err, "%s.certChain.certificates[%zu] is not a DER certificate", what, i);
        }
    }
    return 0;
}

static int parse_ca(json_t *o, struct trusted_root_ca *ca, const char *what, struct err *err)
{
    json_t *subject = json_object_get(o, "subject");
    ca->uri = dup_or_empty(json_string_value(json_object_get(o, "uri")));
    ca->org = dup_or_empty(json_string_value(json_object_get(subject, "organization")));
    ca->cn = dup_or_empty(json_string_value(json_object_get(subject, "commonName")));
    if (!ca->uri || !ca->org || !ca->cn)
        return err_set(err, "out of memory");
    if (!json_is_object(o))
        return err_set(err, "%s is not an object", what);
    return parse_chain(json_object_get(o, "certChain"), ca, what, err) < 0
               ? -1
               : parse_window(json_object_get(o, "validFor"), &ca->valid, what, err);
}

static int parse_log(json_t *o, struct trusted_root_log *lg, const char *what, struct err *err)
{
    json_t *pk = json_object_get(o, "publicKey");
    const char *raw = json_string_value(json_object_get(pk, "rawBytes"));
    const char *id = json_string_value(json_object_get(json_object_get(o, "logId"), "keyId"));
    lg->base_url = dup_or_empty(json_string_value(json_object_get(o, "baseUrl")));
    lg->key_details = dup_or_empty(json_string_value(json_object_get(pk, "keyDetails")));
    if (!lg->base_url || !lg->key_details)
        return err_set(err, "out of memory");
    if (!json_is_object(pk))
        return err_set(err, "%s.publicKey is missing", what);
    struct sigstore_bytes b;
    if (raw) {
        if (sigstore_b64_decode(raw, &b, "rawBytes", err) < 0)
            return err_set(err, "%s.publicKey.rawBytes is not base64", what);
        lg->key_der = b.ptr;
        lg->key_len = b.len;
    }
    if (id) {
        if (sigstore_b64_decode(id, &b, "keyId", err) < 0 || b.len > sizeof(lg->log_id)) {
            free(b.ptr);
            return err_set(err, "%s.logId.keyId is not base64 of at most 64 bytes", what);
        }
        memcpy(lg->log_id, b.ptr, b.len);
        lg->log_id_len = b.len;
        free(b.ptr);
    }
    return parse_window(json_object_get(pk, "validFor"), &lg->valid, what, err);
}

/* Allocate *items for the array at root[key] and parse each with one of the
 * two parsers (the other is NULL). */
static int parse_list(json_t *root, const char *key, size_t elem, void **items, size_t *n,
                      int (*ca_fn)(json_t *, struct trusted_root_ca *, const char *, struct err *),
                      int (*log_fn)(json_t *, struct trusted_root_log *, const char *,
                                    struct err *),
                      struct err *err)
{
    json_t *arr = json_object_get(root, key);
    *items = NULL;
    *n = 0;
    if (!arr)
        return 0;
    if (!json_is_array(arr) || json_array_size(arr) > TRUSTED_ROOT_MAX_ENTRIES)
        return err_set(err, "%s is not an array of at most %d", key, TRUSTED_ROOT_MAX_ENTRIES);
    size_t count = json_array_size(arr);
    if (!(*items = calloc(count ? count : 1, elem)))
        return err_set(err, "out of memory");
    for (; *n < count; (*n)++) {
        char what[64];
        snprintf(what, sizeof(what), "%s[%zu]", key, *n);
        json_t *o = json_array_get(arr, *n);
        char *item = (char *)*items + *n * elem;
        int rc = ca_fn ? ca_fn(o, (struct trusted_root_ca *)item, what, err)
                       : log_fn(o, (struct trusted_root_log *)item, what, err);
        if (rc < 0) {
            (*n)++; /* free the partial entry too */
            return -1;
        }
    }
    return 0;
}

static int parse_root(json_t *root, struct trusted_root *tr, struct err *err)
{
    const char *mt = json_string_value(json_object_get(root, "mediaType"));
    if (!json_is_object(root))
        return err_set(err, "not a JSON object");
    if (!mt || strncmp(mt, "application/vnd.dev.sigstore.trustedroot", 40) != 0)
        return err_set(err, "mediaType is not a Sigstore trusted root");
    if (parse_list(root, "certificateAuthorities", sizeof(*tr->cas), (void **)&tr->cas, &tr->n_cas,
                   parse_ca, NULL, err) < 0 ||
        parse_list(root, "timestampAuthorities", sizeof(*tr->tsas), (void **)&tr->tsas, &tr->n_tsas,
                   parse_ca, NULL, err) < 0 ||
        parse_list(root, "tlogs", sizeof(*tr->tlogs), (void **)&tr->tlogs, &tr->n_tlogs, NULL,
                   parse_log, err) < 0 ||
        parse_list(root, "ctlogs", sizeof(*tr->ctlogs), (void **)&tr->ctlogs, &tr->n_ctlogs, NULL,
                   parse_log, err) < 0)
        return -1;
    return 0;
}

int trusted_root_parse(const char *json, size_t len, struct trusted_root *tr, struct err *err)
{
    json_error_t je;
    memset(tr, 0, sizeof(*tr));
    if (len > TRUSTED_ROOT_MAX)
        return err_set(err, "trust-root: larger than %u bytes", TRUSTED_ROOT_MAX);
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return err_set(err, "trust-root: line %d: %s", je.line, je.text);
    int rc = parse_root(root, tr, err);
    json_decref(root);
    if (rc < 0) {
        trusted_root_free(tr);
        return err_prefix(err, "trust-root");
    }
    return 0;
}

static void free_cas(struct trusted_root_ca *cas, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(cas[i].uri);
        free(cas[i].org);
        free(cas[i].cn);
        sk_X509_pop_free(cas[i].certs, X509_free);
    }
    free(cas);
}

static void free_logs(struct trusted_root_log *logs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(logs[i].base_url);
        free(logs[i].key_der);
        free(logs[i].key_details);
    }
    free(logs);
}

void trusted_root_free(struct trusted_root *tr)
{
    free_cas(tr->cas, tr->n_cas);
    free_cas(tr->tsas, tr->n_tsas);
    free_logs(tr->tlogs, tr->n_tlogs);
    free_logs(tr->ctlogs, tr->n_ctlogs);
    memset(tr, 0, sizeof(*tr));
}
