/* certchain.c - chain verification at a fixed time (see certchain.h). The
 * store's verification time is set before X509_verify_cert, so a leaf that
 * expired since it signed still verifies at its timestamp, and one that was
 * expired already does not. */
#include "certchain.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <time.h>

void certchain_format_time(int64_t t, char out[21])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 21, "%lld", (long long)t);
}

X509_STORE *certchain_store(const struct trusted_root_ca *ca, int64_t at,
                            STACK_OF(X509) * *untrusted)
{
    int n = sk_X509_num(ca->certs);
    X509_STORE *store = X509_STORE_new();
    *untrusted = sk_X509_new_null();
    if (!store || !*untrusted || n < 1 ||
        !X509_STORE_add_cert(store, sk_X509_value(ca->certs, n - 1)))
        goto fail;
    for (int i = 0; i < n - 1; i++)
        if (!sk_X509_push(*untrusted, sk_X509_value(ca->certs, i)))
            goto fail;
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), (time_t)at);
    return store;
fail:
    X509_STORE_free(store);
    sk_X509_free(*untrusted);
    *untrusted = NULL;
    return NULL;
}

/* 1 when leaf verifies up to ca at `at`; else 0 with *why set. */
static int chains_to(X509 *leaf, const struct trusted_root_ca *ca, int64_t at, int *why)
{
    STACK_OF(X509) *untrusted = NULL;
    X509_STORE *store = certchain_store(ca, at, &untrusted);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = 0;
    *why = X509_V_ERR_OUT_OF_MEM;
    if (store && ctx && X509_STORE_CTX_init(ctx, store, leaf, untrusted) == 1) {
        ok = X509_verify_cert(ctx) == 1;
        *why = X509_STORE_CTX_get_error(ctx);
    }
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_free(untrusted);
    ERR_clear_error();
    return ok;
}

int certchain_verify_fulcio(X509 *leaf, const struct trusted_root *tr, int64_t at, struct err *err)
{
    char when[21];
    int covered = 0, why = X509_V_OK;
    certchain_format_time(at, when);
    for (size_t i = 0; i < tr->n_cas; i++) {
        if (!trusted_root_window_covers(&tr->cas[i].valid, at))
            continue;
        covered++;
        if (chains_to(leaf, &tr->cas[i], at, &why))
            goto chained;
    }
    if (!covered)
        return err_set(err,
                       "certificate: no certificate authority of the trusted root is "
                       "valid at %s",
                       when);
    return err_set(err, "certificate: does not verify against the trusted root at %s: %s", when,
                   X509_verify_cert_error_string(why));
chained:
    /* OpenSSL 3.0 has no code-signing purpose: check the EKU by hand. */
    if (!(X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) ||
        !(X509_get_extended_key_usage(leaf) & XKU_CODE_SIGN))
        return err_set(err, "certificate: the leaf lacks the codeSigning extended key usage");
    return 0;
}
