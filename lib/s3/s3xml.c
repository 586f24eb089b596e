/* s3xml.c - bounded, namespace-agnostic S3 XML parsing and body writing (see s3xml.h). */
#include "s3xml.h"
#include "grow.h"

#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XP_NAME_MAX 64
#define XP_NS_SEP '\x01'
#define S3XML_NS "http://s3.amazonaws.com/doc/2006-03-01/"

struct xp;
/* Element opened (start) or about to close (end); names[depth-1] is it. */
typedef int (*xp_fn)(struct xp *p);

/* One parse: the stack of open local names and the innermost text. */
struct xp {
    XML_Parser parser;
    char names[S3XML_MAX_DEPTH][XP_NAME_MAX];
    int depth;
    char root[XP_NAME_MAX];
    const char *want_root; /* NULL: any root */
    struct buf text;
    xp_fn start, end;
    void *ctx;
    char fail[256];
};

static void xp_stop(struct xp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void xp_stop(struct xp *p, const char *fmt, ...)
{
    if (p->fail[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->fail, sizeof(p->fail), fmt, ap);
    va_end(ap);
    XML_StopParser(p->parser, XML_FALSE);
}

/* The local part of an expat name "uri\x01local" (or just "local"). */
static const char *xp_local(const char *name)
{
    const char *sep = strrchr(name, XP_NS_SEP);
    return sep ? sep + 1 : name;
}

static void XMLCALL xp_on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xp *p = ud;
    (void)atts;
    if (p->fail[0])
        return;
    if (p->depth == S3XML_MAX_DEPTH) {
        xp_stop(p, "xml nested deeper than %d elements", S3XML_MAX_DEPTH);
        return;
    }
    snprintf(p->names[p->depth], XP_NAME_MAX, "%s", xp_local(name));
    p->depth++;
    if (p->depth == 1) {
        memcpy(p->root, p->names[0], XP_NAME_MAX);
        if (p->want_root && strcmp(p->root, p->want_root) != 0) {
            xp_stop(p, "unexpected xml root element <%s> (want <%s>)", p->root, p->want_root);
            return;
        }
    }
    buf_reset(&p->text);
    if (p->start && p->start(p) < 0 && !p->fail[0])
        xp_stop(p, "xml handler failed");
}

static void XMLCALL xp_on_end(void *ud, const XML_Char *name)
{
    struct xp *p = ud;
    (void)name;
    if (p->fail[0])
        return;
    if (p->end && p->end(p) < 0 && !p->fail[0])
        xp_stop(p, "xml handler failed");
    p->depth--;
    buf_reset(&p->text);
}

static void XMLCALL xp_on_text(void *ud, const XML_Char *s, int len)
{
    struct xp *p = ud;
    if (p->fail[0])
        return;
    if (buf_add(&p->text, s, (size_t)len) < 0)
        xp_stop(p, "xml text longer than %d bytes", S3XML_MAX_TEXT);
}

static void XMLCALL xp_on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                                  const XML_Char *pubid, int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    xp_stop(ud, "xml doctype not allowed");
}

static void XMLCALL xp_on_entity(void *ud, const XML_Char *name, int is_param,
                                 const XML_Char *value, int value_len, const XML_Char *base,
                                 const XML_Char *sysid, const XML_Char *pubid,
                                 const XML_Char *notation)
{
    (void)name, (void)is_param, (void)value, (void)value_len, (void)base;
    (void)sysid, (void)pubid, (void)notation;
    xp_stop(ud, "xml entity declarations not allowed");
}

/* Parse xml with p's callbacks. Returns 0, or -1 with err set. */
static int xp_run(struct xp *p, const char *xml, size_t len, struct err *err)
{
    if (len > S3XML_MAX_BODY)
        return err_set(err, "xml body of %zu bytes is over the %u byte limit", len, S3XML_MAX_BODY);
    p->parser = XML_ParserCreateNS(NULL, XP_NS_SEP);
    if (!p->parser)
        return err_set(err, "out of memory creating the xml parser");
    buf_init(&p->text, S3XML_MAX_TEXT);
    XML_SetUserData(p->parser, p);
    XML_SetElementHandler(p->parser, xp_on_start, xp_on_end);
    XML_SetCharacterDataHandler(p->parser, xp_on_text);
    XML_SetStartDoctypeDeclHandler(p->parser, xp_on_doctype);
    XML_SetEntityDeclHandler(p->parser, xp_on_entity);
    enum XML_Status st = XML_Parse(p->parser, xml ? xml : "", (int)len, XML_TRUE);
    int rc = 0;
    if (p->fail[0])
        rc = err_set(err, "%s", p->fail);
    else if (st != XML_STATUS_OK)
        rc = err_set(err, "malformed xml at line %lu: %s",
                     (unsigned long)XML_GetCurrentLineNumber(p->parser),
                     XML_ErrorString(XML_GetErrorCode(p->parser)));
    XML_ParserFree(p->parser);
    p->parser = NULL;
    buf_free(&p->text);
    return rc;
}

/* 1 when the element closing/opening now is `name` at depth d under `parent`
 * (parent NULL: any). */
static int xp_at(const struct xp *p, int d, const char *parent, const char *name)
{
    if (p->depth != d || strcmp(p->names[d - 1], name) != 0)
        return 0;
    return !parent || (d >= 2 && strcmp(p->names[d - 2], parent) == 0);
}

static char *xp_dup_text(struct xp *p)
{
    char *s = strdup(buf_str(&p->text));
    if (!s)
        xp_stop(p, "out of memory");
    return s;
}

/* Strict unsigned decimal into *v. */
static int parse_i64(const char *s, int64_t *v)
{
    int64_t n = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || n > (INT64_MAX - (*s - '0')) / 10)
            return -1;
        n = n * 10 + (*s - '0');
    }
    *v = n;
    return 0;
}

/* ---- Error ---- */

static int error_end(struct xp *p)
{
    struct s3xml_error *e = p->ctx;
    if (p->depth != 2 || strcmp(p->root, "Error") != 0)
        return 0;
    const char *t = buf_str(&p->text), *n = p->names[1];
    if (strcmp(n, "Code") == 0)
        snprintf(e->code, sizeof(e->code), "%s", t);
    else if (strcmp(n, "Message") == 0)
        snprintf(e->message, sizeof(e->message), "%s", t);
    else if (strcmp(n, "RequestId") == 0)
        snprintf(e->request_id, sizeof(e->request_id), "%s", t);
    return 0;
}

/* Parse any document, filling e when it is an <Error>; root name into root. */
static int error_doc(const char *xml, size_t len, struct s3xml_error *e, char *root,
                     struct err *err)
{
    struct xp p = {0};
    memset(e, 0, sizeof(*e));
    p.end = error_end;
    p.ctx = e;
    int rc = xp_run(&p, xml, len, err);
    if (rc < 0 || strcmp(p.root, "Error") != 0)
        memset(e, 0, sizeof(*e));
    memcpy(root, p.root, XP_NAME_MAX);
    return rc;
}

int s3xml_parse_error(const char *xml, size_t len, struct s3xml_error *e)
{
    char root[XP_NAME_MAX];
    struct err err;
    if (error_doc(xml, len, e, root, &err) < 0)
        return -1;
    return strcmp(root, "Error") == 0;
}

int s3xml_parse_complete(const char *xml, size_t len, struct s3xml_error *e, struct err *err)
{
    char root[XP_NAME_MAX];
    if (error_doc(xml, len, e, root, err) < 0)
        return -1;
    if (strcmp(root, "Error") == 0)
        return 1;
    if (strcmp(root, "CompleteMultipartUploadResult") != 0)
        return err_set(err,
                       "unexpected xml root element <%s> (want "
                       "<CompleteMultipartUploadResult>)",
                       root);
    return 0;
}

/* ---- InitiateMultipartUploadResult ---- */

static int initiate_end(struct xp *p)
{
    if (!xp_at(p, 2, NULL, "UploadId"))
        return 0;
    struct buf *id = p->ctx;
    buf_reset(id);
    if (buf_adds(id, buf_str(&p->text)) < 0)
        xp_stop(p, "out of memory");
    return 0;
}

int s3xml_parse_initiate(const char *xml, size_t len, struct buf *upload_id, struct err *err)
{
    struct xp p = {0};
    buf_reset(upload_id);
    p.want_root = "InitiateMultipartUploadResult";
    p.end = initiate_end;
    p.ctx = upload_id;
    if (xp_run(&p, xml, len, err) < 0) {
        buf_reset(upload_id);
        return -1;
    }
    if (upload_id->len == 0)
        return err_set(err, "InitiateMultipartUploadResult without an UploadId");
    return 0;
}

/* ---- VersioningConfiguration ---- */

struct versioning_ctx {
    char *status;
    size_t n;
};

static int versioning_end(struct xp *p)
{
    struct versioning_ctx *v = p->ctx;
    if (xp_at(p, 2, NULL, "Status"))
        snprintf(v->status, v->n, "%s", buf_str(&p->text));
    return 0;
}

int s3xml_parse_versioning(const char *xml, size_t len, char *status, size_t n, struct err *err)
{
    struct xp p = {0};
    struct versioning_ctx v = {status, n};
    if (n)
        status[0] = '\0';
    p.want_root = "VersioningConfiguration";
    p.end = versioning_end;
    p.ctx = &v;
    if (xp_run(&p, xml, len, err) < 0) {
        if (n)
            status[0] = '\0';
        return -1;
    }
    return 0;
}

/* ---- ListBucketResult ---- */

static int list_start(struct xp *p)
{
    struct s3xml_list *l = p->ctx;
    if (!xp_at(p, 2, NULL, "Contents") && !xp_at(p, 2, NULL, "CommonPrefixes"))
        return 0;
    if (l->n == S3XML_MAX_ENTRIES) {
        xp_stop(p, "more than %d entries in one listing", S3XML_MAX_ENTRIES);
        return -1;
    }
    if (GROW(l->items, l->n + 1, l->alloc) < 0) {
        xp_stop(p, "out of memory"); /* the old array stays valid */
        return -1;
    }
    struct s3xml_list_item *it = &l->items[l->n++];
    memset(it, 0, sizeof(*it));
    it->is_prefix = strcmp(p->names[1], "CommonPrefixes") == 0;
    return 0;
}

static int list_end(struct xp *p)
{
    struct s3xml_list *l = p->ctx;
    struct s3xml_list_item *it = l->n ? &l->items[l->n - 1] : NULL;
    if (xp_at(p, 2, NULL, "IsTruncated")) {
        l->truncated = strcmp(buf_str(&p->text), "true") == 0;
    } else if (xp_at(p, 2, NULL, "NextContinuationToken")) {
        free(l->next_token);
        l->next_token = xp_dup_text(p);
    } else if (xp_at(p, 3, "Contents", "Key") || xp_at(p, 3, "CommonPrefixes", "Prefix")) {
        free(it->key);
        it->key = xp_dup_text(p);
    } else if (xp_at(p, 3, "Contents", "Size")) {
        if (parse_i64(buf_str(&p->text), &it->size) < 0)
            xp_stop(p, "bad object size \"%.40s\" in listing", buf_str(&p->text));
    } else if ((xp_at(p, 2, NULL, "Contents") || xp_at(p, 2, NULL, "CommonPrefixes")) &&
               (!it->key || !it->key[0])) {
        xp_stop(p, "listing entry <%s> without a key", p->names[1]);
    }
    return 0;
}

void s3xml_list_free(struct s3xml_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].key);
    free(l->items);
    free(l->next_token);
    memset(l, 0, sizeof(*l));
}

int s3xml_parse_list(const char *xml, size_t len, struct s3xml_list *l, struct err *err)
{
    struct xp p = {0};
    memset(l, 0, sizeof(*l));
    p.want_root = "ListBucketResult";
    p.start = list_start;
    p.end = list_end;
    p.ctx = l;
    if (xp_run(&p, xml, len, err) < 0) {
        s3xml_list_free(l);
        return -1;
    }
    return 0;
}

/* ---- ListMultipartUploadsResult ---- */

static int uploads_start(struct xp *p)
{
    struct s3xml_uploads *u = p->ctx;
    if (!xp_at(p, 2, NULL, "Upload"))
        return 0;
    if (u->n == S3XML_MAX_ENTRIES) {
        xp_stop(p, "more than %d entries in one listing", S3XML_MAX_ENTRIES);
        return -1;
    }
    if (GROW(u->items, u->n + 1, u->alloc) < 0) {
        xp_stop(p, "out of memory"); /* the old array stays valid */
        return -1;
    }
    struct s3xml_upload *it = &u->items[u->n++];
    memset(it, 0, sizeof(*it));
    it->initiated_ms = -1;
    return 0;
}

static void uploads_set(struct xp *p, char **field)
{
    free(*field);
    *field = xp_dup_text(p);
}

static int uploads_end(struct xp *p)
{
    struct s3xml_uploads *u = p->ctx;
    struct s3xml_upload *it = u->n ? &u->items[u->n - 1] : NULL;
    if (xp_at(p, 2, NULL, "IsTruncated"))
        u->truncated = strcmp(buf_str(&p->text), "true") == 0;
    else if (xp_at(p, 2, NULL, "NextKeyMarker"))
        uploads_set(p, &u->next_key_marker);
    else if (xp_at(p, 2, NULL, "NextUploadIdMarker"))
        uploads_set(p, &u->next_upload_id_marker);
    else if (xp_at(p, 3, "Upload", "Key"))
        uploads_set(p, &it->key);
    else if (xp_at(p, 3, "Upload", "UploadId"))
        uploads_set(p, &it->upload_id);
    else if (xp_at(p, 3, "Upload", "Initiated") &&
             s3xml_parse_time(buf_str(&p->text), &it->initiated_ms) < 0)
        it->initiated_ms = -1;
    else if (xp_at(p, 2, NULL, "Upload") && (!it->key || !it->upload_id || !it->upload_id[0]))
        xp_stop(p, "<Upload> without Key or UploadId");
    return 0;
}

void s3xml_uploads_free(struct s3xml_uploads *u)
{
    for (size_t i = 0; i < u->n; i++) {
        free(u->items[i].key);
        free(u->items[i].upload_id);
    }
    free(u->items);
    free(u->next_key_marker);
    free(u->next_upload_id_marker);
    memset(u, 0, sizeof(*u));
}

int s3xml_parse_uploads(const char *xml, size_t len, struct s3xml_uploads *u, struct err *err)
{
    struct xp p = {0};
    memset(u, 0, sizeof(*u));
    p.want_root = "ListMultipartUploadsResult";
    p.start = uploads_start;
    p.end = uploads_end;
    p.ctx = u;
    if (xp_run(&p, xml, len, err) < 0) {
        s3xml_uploads_free(u);
        return -1;
    }
    return 0;
}

/* ---- DeleteResult ---- */

static int delete_start(struct xp *p)
{
    struct s3xml_delete *d = p->ctx;
    if (xp_at(p, 2, NULL, "Deleted"))
        d->n_deleted++;
    else if (xp_at(p, 2, NULL, "Error"))
        d->n_errors++;
    return 0;
}

static int delete_end(struct xp *p)
{
    struct s3xml_delete *d = p->ctx;
    const char *t = buf_str(&p->text);
    if (d->n_errors != 1 || p->depth != 3 || strcmp(p->names[1], "Error") != 0)
        return 0;
    if (strcmp(p->names[2], "Key") == 0) {
        free(d->err_key);
        d->err_key = xp_dup_text(p);
    } else if (strcmp(p->names[2], "Code") == 0) {
        snprintf(d->first.code, sizeof(d->first.code), "%s", t);
    } else if (strcmp(p->names[2], "Message") == 0) {
        snprintf(d->first.message, sizeof(d->first.message), "%s", t);
    }
    return 0;
}

void s3xml_delete_free(struct s3xml_delete *d)
{
    free(d->err_key);
    memset(d, 0, sizeof(*d));
}

int s3xml_parse_delete(const char *xml, size_t len, struct s3xml_delete *d, struct err *err)
{
    struct xp p = {0};
    memset(d, 0, sizeof(*d));
    p.want_root = "DeleteResult";
    p.start = delete_start;
    p.end = delete_end;
    p.ctx = d;
    if (xp_run(&p, xml, len, err) < 0) {
        s3xml_delete_free(d);
        return -1;
    }
    return 0;
}

/* ---- time ---- */

/* n decimal digits at *s into *v, advancing *s. */
static int take_digits(const char **s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++, (*s)++) {
        if (**s < '0' || **s > '9')
            return -1;
        *v = *v * 10 + (**s - '0');
    }
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int s3xml_parse_time(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, se, frac = 0;
    if (take_digits(&s, 4, &y) < 0 || *s++ != '-' || take_digits(&s, 2, &mo) < 0 || *s++ != '-' ||
        take_digits(&s, 2, &d) < 0 || *s++ != 'T' || take_digits(&s, 2, &h) < 0 || *s++ != ':' ||
        take_digits(&s, 2, &mi) < 0 || *s++ != ':' || take_digits(&s, 2, &se) < 0)
        return -1;
    if (*s == '.') {
        int scale = 100, digits = 0;
        for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
            frac += (*s - '0') * scale;
            scale /= 10;
        }
        if (!digits)
            return -1;
    }
    if (strcmp(s, "Z") != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    *ms = secs * 1000 + frac;
    return 0;
}

/* ---- writing ---- */

int s3xml_escape(struct buf *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int rc;
        switch (c) {
        case '&':
            rc = buf_adds(out, "&amp;");
            break;
        case '<':
            rc = buf_adds(out, "&lt;");
            break;
        case '>':
            rc = buf_adds(out, "&gt;");
            break;
        case '"':
            rc = buf_adds(out, "&quot;");
            break;
        case '\'':
            rc = buf_adds(out, "&apos;");
            break;
        default:
            rc = c < 0x20 ? buf_addf(out, "&#x%X;", c) : buf_addc(out, (char)c);
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

int s3xml_complete_body(struct buf *out, const char *const *etags, const char *const *sums,
                        size_t n)
{
    if (buf_adds(out, "<CompleteMultipartUpload xmlns=\"" S3XML_NS "\">") < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (buf_addf(out, "<Part><PartNumber>%zu</PartNumber><ETag>", i + 1) < 0 ||
            s3xml_escape(out, etags[i]) < 0 || buf_adds(out, "</ETag>") < 0)
            return -1;
        if (sums && (buf_adds(out, "<ChecksumSHA256>") < 0 || s3xml_escape(out, sums[i]) < 0 ||
                     buf_adds(out, "</ChecksumSHA256>") < 0))
            return -1;
        if (buf_adds(out, "</Part>") < 0)
            return -1;
    }
    return buf_adds(out, "</CompleteMultipartUpload>");
}

int s3xml_delete_body(struct buf *out, const char *const *keys, size_t n)
{
    if (buf_adds(out, "<Delete xmlns=\"" S3XML_NS "\"><Quiet>true</Quiet>") < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (buf_adds(out, "<Object><Key>") < 0 || s3xml_escape(out, keys[i]) < 0 ||
            buf_adds(out, "</Key></Object>") < 0)
            return -1;
    }
    return buf_adds(out, "</Delete>");
}
