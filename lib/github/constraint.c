/* constraint.c - Masterminds/semver v1.5.0 versions and constraints (see
 * constraint.h). The behaviour is ported from its constraints.go and
 * version.go (MIT); no code is copied. */
#include "constraint.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "grow.h"

/* ---- characters and spans --------------------------------------------- */

static int is_space(char c) /* Go's \s */
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_ident(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* v1.5.0's [0-9|x|X|\*]: the class holds '|' too. */
static int is_cvnum(char c)
{
    return is_digit(c) || c == '|' || c == 'x' || c == 'X' || c == '*';
}

static size_t run(const char *s, int (*ok)(char))
{
    size_t i = 0;
    while (s[i] && ok(s[i]))
        i++;
    return i;
}

static const char *skip_space(const char *s)
{
    return s + run(s, is_space);
}

/* [0-9A-Za-z-]+(\.[0-9A-Za-z-]+)* at s: its length, 0 when none. */
static size_t dotted(const char *s)
{
    size_t i = run(s, is_ident);
    while (i && s[i] == '.' && is_ident(s[i + 1]))
        i += 1 + run(s + i + 1, is_ident);
    return i;
}

struct span {
    const char *p;
    size_t n;
};

static int is_x(struct span s)
{
    return s.n == 1 && (s.p[0] == 'x' || s.p[0] == 'X' || s.p[0] == '*');
}

/* ---- versions ---------------------------------------------------------- */

static int parse_i64(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = s[i] - '0';
        if (v > (INT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* "-PRE" or "+META" at *pp into a malloced copy; 0 when absent. */
static int parse_tail(const char **pp, char lead, char **out)
{
    const char *p = *pp;
    if (*p != lead)
        return 0;
    size_t n = dotted(p + 1);
    if (n == 0 || !(*out = strndup(p + 1, n)))
        return -1;
    *pp = p + 1 + n;
    return 0;
}

static int version_parse(const char *s, struct constraint_version *v)
{
    int64_t part[3] = {0, 0, 0};
    s += *s == 'v';
    for (int k = 0; k < 3; k++) {
        if (k > 0) {
            if (s[0] != '.' || !is_digit(s[1]))
                break;
            s++;
        }
        size_t n = run(s, is_digit);
        if (n == 0 || parse_i64(s, n, &part[k]) < 0)
            return -1;
        s += n;
    }
    v->major = part[0];
    v->minor = part[1];
    v->patch = part[2];
    if (parse_tail(&s, '-', &v->pre) < 0 || parse_tail(&s, '+', &v->meta) < 0)
        return -1;
    return *s ? -1 : 0;
}

int constraint_version_parse(const char *s, struct constraint_version *v)
{
    memset(v, 0, sizeof(*v));
    if (version_parse(s, v) < 0) {
        constraint_version_free(v);
        return -1;
    }
    return 0;
}

void constraint_version_free(struct constraint_version *v)
{
    free(v->pre);
    free(v->meta);
    memset(v, 0, sizeof(*v));
}

/* strconv.ParseUint(s, 10, 64) succeeds. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

/* comparePrePart of v1.5.0, quirks included: equal numbers spelt
 * differently ("01", "1") give -1 both ways. */
static int cmp_pre_part(const char *s, size_t sn, const char *o, size_t on)
{
    if (sn == on && memcmp(s, o, sn) == 0)
        return 0;
    if (sn == 0)
        return -1;
    if (on == 0)
        return 1;
    uint64_t si = 0, oi = 0;
    int snum = parse_u64(s, sn, &si), onum = parse_u64(o, on, &oi);
    if (!snum && !onum) {
        int c = memcmp(s, o, sn < on ? sn : on);
        return c > 0 || (c == 0 && sn > on) ? 1 : -1;
    }
    if (!onum)
        return -1;
    if (!snum)
        return 1;
    return si > oi ? 1 : -1;
}

/* Part by part; a missing part is "". */
static int cmp_pre(const char *a, const char *b)
{
    while (*a || *b) {
        size_t an = strcspn(a, "."), bn = strcspn(b, ".");
        int c = cmp_pre_part(a, an, b, bn);
        if (c)
            return c;
        a += an + (a[an] == '.');
        b += bn + (b[bn] == '.');
    }
    return 0;
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

int constraint_version_cmp(const struct constraint_version *a, const struct constraint_version *b)
{
    int c = cmp_i64(a->major, b->major);
    if (!c)
        c = cmp_i64(a->minor, b->minor);
    if (!c)
        c = cmp_i64(a->patch, b->patch);
    if (c || (!a->pre && !b->pre))
        return c;
    if (!a->pre || !b->pre)
        return a->pre ? -1 : 1;
    return cmp_pre(a->pre, b->pre);
}

/* ---- terms -------------------------------------------------------------- */

enum op { OP_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE, OP_TILDE, OP_CARET };

struct cterm {
    enum op op;
    struct constraint_version con;
    int dirty, minor_dirty, patch_dirty;
};

static const struct {
    const char *text;
    enum op op;
} ops[] = {
    /* longest first; none at all means = */
    {"!=", OP_NE}, {">=", OP_GE}, {"=>", OP_GE}, {"<=", OP_LE},   {"=<", OP_LE},   {"~>", OP_TILDE},
    {"=", OP_EQ},  {">", OP_GT},  {"<", OP_LT},  {"^", OP_CARET}, {"~", OP_TILDE},
};

static enum op read_op(const char **pp)
{
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        size_t n = strlen(ops[i].text);
        if (strncmp(*pp, ops[i].text, n) == 0) {
            *pp += n;
            return ops[i].op;
        }
    }
    return OP_EQ;
}

/* v1.5.0's cvRegex at s, greedy (every shorter match ends before a
 * character the pattern could have taken, which nothing after a version
 * accepts). Returns the length, 0 when there is none. */
struct cv {
    struct span major, minor, patch, pre; /* minor, patch with '.', pre with '-' */
};

static size_t cv_match(const char *s, struct cv *m)
{
    memset(m, 0, sizeof(*m));
    size_t i = *s == 'v', n = run(s + i, is_cvnum);
    if (n == 0)
        return 0;
    m->major = (struct span){s + i, n};
    i += n;
    struct span *dots[2] = {&m->minor, &m->patch};
    for (int k = 0; k < 2 && s[i] == '.' && is_cvnum(s[i + 1]); k++) {
        n = 1 + run(s + i + 1, is_cvnum);
        *dots[k] = (struct span){s + i, n};
        i += n;
    }
    if (s[i] == '-' && (n = dotted(s + i + 1))) {
        m->pre = (struct span){s + i, n + 1};
        i += n + 1;
    }
    if (s[i] == '+' && (n = dotted(s + i + 1)))
        i += n + 1;
    return i;
}

/* The version a term compares against, as parseConstraint builds it. */
static int term_version(struct cterm *t, const struct cv *m, const char *whole, size_t n)
{
    struct buf b = BUF_INIT(0);
    /* the parts without their '.' (empty when absent) */
    struct span minor_x = {m->minor.n ? m->minor.p + 1 : "", m->minor.n ? m->minor.n - 1 : 0};
    struct span patch_x = {m->patch.n ? m->patch.p + 1 : "", m->patch.n ? m->patch.n - 1 : 0};
    int r;
    if (is_x(m->major)) {
        t->dirty = 1;
        r = buf_adds(&b, "0.0.0");
    } else if (m->minor.n == 0 || is_x(minor_x)) {
        t->dirty = t->minor_dirty = 1;
        r = buf_add(&b, m->major.p, m->major.n) | buf_adds(&b, ".0.0") |
            buf_add(&b, m->pre.p, m->pre.n);
    } else if (m->patch.n && is_x(patch_x)) {
        t->dirty = t->patch_dirty = 1;
        r = buf_add(&b, m->major.p, m->major.n) | buf_add(&b, m->minor.p, m->minor.n) |
            buf_adds(&b, ".0") | buf_add(&b, m->pre.p, m->pre.n);
    } else {
        r = buf_add(&b, whole, n);
    }
    if (r == 0)
        r = constraint_version_parse(buf_str(&b), &t->con);
    buf_free(&b);
    return r;
}

/* One term, the whole of s: ^\s*(op)\s*(cv)\s*$. 0, or -1 when s is none. */
static int term_parse(const char *s, struct cterm *t)
{
    struct cv m;
    memset(t, 0, sizeof(*t));
    s = skip_space(s);
    t->op = read_op(&s);
    s = skip_space(s);
    size_t n = cv_match(s, &m);
    if (n == 0 || *skip_space(s + n))
        return -1;
    return term_version(t, &m, s, n);
}

static int pre_blocked(const struct constraint_version *v, const struct cterm *t)
{
    return v->pre && !t->con.pre;
}

static int check_tilde(const struct constraint_version *v, const struct cterm *t)
{
    const struct constraint_version *c = &t->con;
    if (pre_blocked(v, t) || constraint_version_cmp(v, c) < 0)
        return 0;
    if (c->major == 0 && c->minor == 0 && c->patch == 0 && !t->minor_dirty && !t->patch_dirty)
        return 1; /* ~0.0.0 is >= 0.0.0 */
    if (v->major != c->major)
        return 0;
    return v->minor == c->minor || t->minor_dirty;
}

/* < and <= on a dirty version compare only the parts given. */
static int check_below_dirty(const struct constraint_version *v, const struct cterm *t)
{
    if (v->major > t->con.major)
        return 0;
    return !(v->minor > t->con.minor && !t->minor_dirty);
}

static int check_not_equal(const struct constraint_version *v, const struct cterm *t)
{
    if (!t->dirty)
        return constraint_version_cmp(v, &t->con) != 0;
    if (pre_blocked(v, t))
        return 0;
    if (t->con.major != v->major)
        return 1;
    return t->con.minor != v->minor && !t->minor_dirty;
}

static int term_check(const struct cterm *t, const struct constraint_version *v)
{
    if (t->op == OP_NE)
        return check_not_equal(v, t);
    if (pre_blocked(v, t))
        return 0;
    int c = constraint_version_cmp(v, &t->con);
    switch (t->op) {
    case OP_EQ:
        return t->dirty ? check_tilde(v, t) : c == 0;
    case OP_GT:
        return c > 0;
    case OP_GE:
        return c >= 0;
    case OP_LT:
        return t->dirty ? check_below_dirty(v, t) : c < 0;
    case OP_LE:
        return t->dirty ? check_below_dirty(v, t) : c <= 0;
    case OP_TILDE:
        return check_tilde(v, t);
    case OP_CARET:
        return c >= 0 && v->major == t->con.major;
    case OP_NE:
        break;
    }
    return 0;
}

/* ---- constraints -------------------------------------------------------- */

struct cgroup { /* one || alternative: terms that must all hold */
    struct cterm *terms;
    size_t n, cap;
};

struct constraint {
    struct cgroup *groups;
    size_t n, cap;
};

static int group_add(struct cgroup *g, const struct cterm *t)
{
    if (GROW(g->terms, g->n + 1, g->cap) < 0)
        return -1;
    g->terms[g->n++] = *t;
    return 0;
}

/* Our extension: s holds terms separated by spaces. Each is an operator,
 * spaces, and a version running to the next space. */
static int parse_spaced(const char *s, struct cgroup *g, struct err *err)
{
    for (s = skip_space(s); *s; s = skip_space(s)) {
        const char *start = s;
        read_op(&s);
        int oplen = (int)(s - start);
        s = skip_space(s);
        if (!*s)
            return err_set(err, "\"%.*s\": missing version", oplen, start);
        s += strcspn(s, " \t\n\f\r");
        char *text = strndup(start, (size_t)(s - start));
        struct cterm t;
        if (!text)
            return err_set(err, "out of memory");
        if (term_parse(text, &t) < 0) {
            err_set(err, "\"%s\": not a version", text);
            free(text);
            return -1;
        }
        free(text);
        if (group_add(g, &t) < 0) {
            constraint_version_free(&t.con);
            return err_set(err, "out of memory");
        }
    }
    return 0;
}

/* One comma-separated piece s[0..n) of an alternative. */
static int parse_piece(const char *s, size_t n, struct cgroup *g, const char *whole,
                       struct err *err)
{
    char *text = strndup(s, n);
    struct cterm t;
    int rc = 0;
    if (!text)
        return err_set(err, "out of memory");
    if (!*skip_space(text)) {
        rc = err_set(err, "\"%s\": empty term", whole);
    } else if (term_parse(text, &t) < 0) {
        rc = parse_spaced(text, g, err);
    } else if (group_add(g, &t) < 0) {
        constraint_version_free(&t.con);
        rc = err_set(err, "out of memory");
    }
    free(text);
    return rc;
}

/* \s*(cv)\s+-\s+(cv)\s* at s (constraintRangeRegex): the match length and
 * the two versions, or 0. */
static size_t range_at(const char *s, struct span *lo, struct span *hi)
{
    struct cv m;
    size_t i = run(s, is_space), n = cv_match(s + i, &m), w;
    if (n == 0)
        return 0;
    *lo = (struct span){s + i, n};
    i += n;
    if ((w = run(s + i, is_space)) == 0 || s[i + w] != '-')
        return 0;
    i += w + 1;
    if ((w = run(s + i, is_space)) == 0 || (n = cv_match(s + i + w, &m)) == 0)
        return 0;
    *hi = (struct span){s + i + w, n};
    i += w + n;
    return i + run(s + i, is_space);
}

/* out = out with the first occurrence of find[0..n) replaced by ">= LO, <= HI"
 * (strings.Replace(o, match, t, 1)). */
static int replace_first(struct buf *out, struct span find, struct span lo, struct span hi)
{
    const char *o = buf_str(out);
    const char *at = NULL;
    for (const char *p = o; *p && !at; p++)
        if (strncmp(p, find.p, find.n) == 0)
            at = p;
    if (!at)
        return 0;
    struct buf nb = BUF_INIT(0);
    int r = buf_add(&nb, o, (size_t)(at - o)) | buf_adds(&nb, ">= ") | buf_add(&nb, lo.p, lo.n) |
            buf_adds(&nb, ", <= ") | buf_add(&nb, hi.p, hi.n) | buf_adds(&nb, at + find.n);
    buf_free(out);
    *out = nb;
    return r;
}

/* rewriteRange: every "A - B" becomes ">= A, <= B". Malloced, NULL on OOM. */
static char *rewrite_ranges(const char *text)
{
    struct buf out = BUF_INIT(0);
    if (buf_adds(&out, text) < 0)
        return NULL;
    for (const char *p = text; *p;) {
        struct span lo, hi;
        size_t n = range_at(p, &lo, &hi);
        if (n == 0) {
            p++;
            continue;
        }
        if (replace_first(&out, (struct span){p, n}, lo, hi) < 0) {
            buf_free(&out);
            return NULL;
        }
        p += n;
    }
    return buf_take(&out);
}

/* One || alternative s[0..n), split on ','. */
static int parse_alternative(struct constraint *c, const char *s, size_t n, const char *whole,
                             struct err *err)
{
    if (GROW(c->groups, c->n + 1, c->cap) < 0)
        return err_set(err, "out of memory");
    struct cgroup *g = &c->groups[c->n++];
    memset(g, 0, sizeof(*g));
    const char *end = s + n;
    for (;;) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *stop = comma ? comma : end;
        if (parse_piece(s, (size_t)(stop - s), g, whole, err) < 0)
            return -1;
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

struct constraint *constraint_parse(const char *text, struct err *err)
{
    struct constraint *c = calloc(1, sizeof(*c));
    char *t = rewrite_ranges(text);
    if (!c || !t) {
        free(c);
        free(t);
        err_set(err, "out of memory");
        return NULL;
    }
    for (const char *p = t;;) {
        const char *bar = strstr(p, "||");
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (parse_alternative(c, p, n, text, err) < 0) {
            constraint_free(c);
            c = NULL;
            break;
        }
        if (!bar)
            break;
        p = bar + 2;
    }
    free(t);
    return c;
}

int constraint_match(const struct constraint *c, const struct constraint_version *v)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct cgroup *g = &c->groups[i];
        size_t k = 0;
        while (k < g->n && term_check(&g->terms[k], v))
            k++;
        if (k == g->n)
            return 1;
    }
    return 0;
}

int constraint_match_text(const struct constraint *c, const char *version)
{
    struct constraint_version v;
    if (constraint_version_parse(version, &v) < 0)
        return 0;
    int ok = constraint_match(c, &v);
    constraint_version_free(&v);
    return ok;
}

void constraint_free(struct constraint *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        for (size_t k = 0; k < c->groups[i].n; k++)
            constraint_version_free(&c->groups[i].terms[k].con);
        free(c->groups[i].terms);
    }
    free(c->groups);
    free(c);
}
