/* attest_release.c - the policy of GitHub release attestations (see
 * attest.h): signed by https://DOMAIN.releases.github.com under an issuer of
 * "GitHub, Inc.", a release predicate for this repository and tag, the
 * commit's sha1, and every asset's sha256 as the subject of the same name. */
#include "attest.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *subject_digest(json_t *s, const char *alg)
{
    return json_string_value(json_object_get(json_object_get(s, "digest"), alg));
}

static int check_predicate(json_t *st, const struct attest_release_policy *p, struct err *err)
{
    const char *pt = json_string_value(json_object_get(st, "predicateType"));
    if (strcmp(pt, ATTEST_RELEASE_V01) != 0 && strcmp(pt, ATTEST_RELEASE_V02) != 0)
        return err_set(err, "statement: predicateType '%.200s' is not a release predicate", pt);
    json_t *pred = json_object_get(st, "predicate");
    const char *repo = json_string_value(json_object_get(pred, "repository"));
    const char *tag = json_string_value(json_object_get(pred, "tag"));
    char want[512];
    snprintf(want, sizeof(want), "%s/%s", p->owner, p->repo);
    if (!repo || !tag)
        return err_set(err, "statement: predicate.repository or predicate.tag is missing");
    if (strcasecmp(repo, want) != 0)
        return err_set(err, "policy: predicate.repository is '%.200s', expected '%.200s'", repo,
                       want);
    if (strcmp(tag, p->tag) != 0)
        return err_set(err, "policy: predicate.tag is '%.200s', expected '%.200s'", tag, p->tag);
    return 0;
}

/* Exactly one subject carries a sha1: the commit. */
static int check_commit(json_t *subjects, const struct attest_release_policy *p, struct err *err)
{
    const char *sha1 = NULL;
    size_t i, n = 0;
    json_t *s;
    json_array_foreach(subjects, i, s)
    {
        if (subject_digest(s, "sha1")) {
            sha1 = subject_digest(s, "sha1");
            n++;
        }
    }
    if (n != 1)
        return err_set(err, "statement: %zu subjects carry a commit sha1, expected 1", n);
    if (p->commit && strcasecmp(sha1, p->commit) != 0)
        return err_set(err, "policy: the attested commit is %.64s, expected %.64s", sha1,
                       p->commit);
    return 0;
}

/* The named subject (name unique), or NULL. */
static json_t *subject_named(json_t *subjects, const char *name)
{
    size_t i;
    json_t *s;
    json_array_foreach(subjects, i, s)
    {
        const char *n = json_string_value(json_object_get(s, "name"));
        if (n && strcmp(n, name) == 0)
            return s;
    }
    return NULL;
}

static int has_sha256(json_t *subjects, const char *hex)
{
    size_t i;
    json_t *s;
    json_array_foreach(subjects, i, s)
    {
        const char *d = subject_digest(s, "sha256");
        if (d && strcasecmp(d, hex) == 0)
            return 1;
    }
    return 0;
}

/* Asset subjects: each named once, with a sha256. */
static int check_subject_names(json_t *subjects, struct err *err)
{
    size_t i, j;
    json_t *s, *t;
    json_array_foreach(subjects, i, s)
    {
        const char *n = json_string_value(json_object_get(s, "name"));
        if (subject_digest(s, "sha1"))
            continue;
        if (!n || !subject_digest(s, "sha256"))
            return err_set(err, "statement: subject %zu has no name or no sha256", i + 1);
        json_array_foreach(subjects, j, t)
        {
            const char *m = json_string_value(json_object_get(t, "name"));
            if (j > i && m && strcmp(m, n) == 0)
                return err_set(err, "statement: subject '%.200s' appears twice", n);
        }
    }
    return 0;
}

static int check_assets(json_t *subjects, const struct attest_release_policy *p, struct err *err)
{
    for (size_t i = 0; i < p->n_assets; i++) {
        const struct attest_asset *a = &p->assets[i];
        if (!a->name) {
            if (!has_sha256(subjects, a->sha256_hex))
                return err_set(err, "policy: no subject has sha256 %.64s", a->sha256_hex);
            continue;
        }
        json_t *s = subject_named(subjects, a->name);
        const char *d = s ? subject_digest(s, "sha256") : NULL;
        if (!d)
            return err_set(err, "policy: asset '%.200s' is not a subject of the attestation",
                           a->name);
        if (a->sha256_hex && strcasecmp(d, a->sha256_hex) != 0)
            return err_set(err,
                           "policy: asset '%.200s' has sha256 %.64s, the attestation says "
                           "%.64s",
                           a->name, a->sha256_hex, d);
    }
    return 0;
}

/* With the whole release given: every named subject is one of its assets. */
static int check_complete(json_t *subjects, const struct attest_release_policy *p, struct err *err)
{
    size_t i;
    json_t *s;
    json_array_foreach(subjects, i, s)
    {
        const char *n = json_string_value(json_object_get(s, "name"));
        size_t k = 0;
        if (!n)
            continue;
        while (k < p->n_assets && !(p->assets[k].name && strcmp(p->assets[k].name, n) == 0))
            k++;
        if (k == p->n_assets)
            return err_set(err, "policy: subject '%.200s' is not an asset of the release", n);
    }
    return 0;
}

int attest_check_release(json_t *st, const struct attest_release_policy *p, struct err *err)
{
    json_t *subjects = json_object_get(st, "subject");
    if (check_predicate(st, p, err) < 0 || check_commit(subjects, p, err) < 0 ||
        check_subject_names(subjects, err) < 0 || check_assets(subjects, p, err) < 0)
        return -1;
    return p->complete ? check_complete(subjects, p, err) : 0;
}

/* "https://DOMAIN.releases.github.com", DOMAIN a DNS label. */
static int release_identity(const struct attest_release_policy *p, char *san, size_t n,
                            struct err *err)
{
    const char *d = p->trust_domain ? p->trust_domain : "dotcom";
    size_t len = strlen(d);
    if (len == 0 || len > 63 || strspn(d, "abcdefghijklmnopqrstuvwxyz0123456789-") != len)
        return err_set(err, "policy: trust domain '%.80s' is not a DNS label", d);
    snprintf(san, n, "https://%s.releases.github.com", d);
    return 0;
}

static int tag_of(json_t *st, const char *tag)
{
    const char *t = json_string_value(json_object_get(json_object_get(st, "predicate"), "tag"));
    return t && strcmp(t, tag) == 0;
}

int attest_verify_release(const struct sigstore_bundle_list *l, const struct trusted_root *tr,
                          const struct attest_release_policy *p, struct attest_result *res,
                          struct err *err)
{
    char san[128];
    struct attest_identity id = {san, NULL, ATTEST_GITHUB_ORG, NULL};
    struct attest_result r, match = {{0}, 0, NULL, 0}, any = {{0}, 0, NULL, 0};
    struct err e;
    size_t n_match = 0, n_ok = 0, n_fail = 0;
    memset(res, 0, sizeof(*res));
    if (release_identity(p, san, sizeof(san), err) < 0)
        return -1;
    if (l->n == 0)
        return err_set(err, "bundle: no attestation to verify");
    for (size_t i = 0; i < l->n; i++) {
        if (attest_verify_bundle(&l->items[i], tr, &id, &r, &e) < 0) {
            if (n_fail++ == 0)
                *err = e; /* the first failure, reported when none verifies */
            continue;
        }
        n_ok++;
        r.index = i;
        if (tag_of(r.statement, p->tag) && n_match++ == 0)
            match = r;
        else if (!any.statement)
            any = r;
        else
            attest_result_free(&r);
    }
    /* One verified candidate for another tag: its policy error says why. */
    int rc = n_match > 1
                 ? err_set(err, "policy: %zu attestations for tag '%.200s'", n_match, p->tag)
             : n_match == 1 ? attest_check_release(match.statement, p, err)
             : n_ok == 1    ? attest_check_release(any.statement, p, err)
             : n_ok         ? err_set(err, "policy: no attestation for tag '%.200s'", p->tag)
                            : -1;
    if (rc == 0 && n_match == 1) {
        *res = match;
        match.statement = NULL;
    }
    attest_result_free(&match);
    attest_result_free(&any);
    return rc < 0 ? -1 : 0;
}
