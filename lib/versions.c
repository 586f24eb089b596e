/* versions.c - semver parsing and precedence, constraints, tag_filter (see
 * versions.h). */
#include "versions.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* ---- parsing ---------------------------------------------------------- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_ident_char(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

static int is_wild(char c)
{
    return c == 'x' || c == 'X' || c == '*';
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Read a decimal number without leading zeros that fits uint64_t. */
static int parse_num(const char **pp, uint64_t *out)
{
    const char *p = *pp;
    uint64_t n = 0;
    if (!is_digit(*p) || (p[0] == '0' && is_digit(p[1])))
        return -1;
    for (; is_digit(*p); p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (n > (UINT64_MAX - d) / 10)
            return -1;
        n = n * 10 + d;
    }
    *pp = p;
    *out = n;
    return 0;
}

/* Check s[0..n) is non-empty dot-separated identifiers; with strict_num,
 * all-digit identifiers may not have leading zeros. */
static int valid_idents(const char *s, size_t n, int strict_num)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            if (!is_ident_char(s[i]))
                return -1;
            continue;
        }
        size_t len = i - start;
        if (len == 0)
            return -1;
        if (strict_num && len > 1 && s[start] == '0' && strspn(s + start, "0123456789") >= len)
            return -1;
        start = i + 1;
    }
    return 0;
}

/* Parse "[v]N[.N[.N]]" at *pp; with wild_ok, a component may be a wildcard
 * (x, X or '*') and then so must the rest. *nspec gets the number of numeric components. */
static int parse_core(const char **pp, struct semver *v, int *nspec, int wild_ok)
{
    const char *p = *pp;
    uint64_t part[3] = {0, 0, 0};
    int n = 0, wild = 0;
    if (*p == 'v' || *p == 'V')
        p++;
    for (int i = 0; i < 3; i++) {
        if (i > 0) {
            if (*p != '.')
                break;
            p++;
        }
        if (wild_ok && is_wild(*p)) {
            wild = 1;
            p++;
        } else if (wild || parse_num(&p, &part[i]) < 0) {
            return -1;
        } else {
            n++;
        }
    }
    v->major = part[0];
    v->minor = part[1];
    v->patch = part[2];
    *nspec = n;
    *pp = p;
    return 0;
}

/* Copy s[0..n) into a malloced string at *out. */
static int dup_part(const char *s, size_t n, char **out)
{
    struct buf b = BUF_INIT(0);
    if (buf_add(&b, s, n) < 0)
        return -1;
    *out = buf_take(&b);
    return *out ? 0 : -1;
}

/* Parse "-PRE" and "+BUILD" at p up to the end of the string. */
static int parse_suffix(const char *p, struct semver *v)
{
    if (*p == '-') {
        size_t n = strcspn(++p, "+");
        if (valid_idents(p, n, 1) < 0 || dup_part(p, n, &v->pre) < 0)
            return -1;
        p += n;
    }
    if (*p == '+') {
        size_t n = strlen(++p);
        if (valid_idents(p, n, 0) < 0 || dup_part(p, n, &v->build) < 0)
            return -1;
        p += n;
    }
    return *p ? -1 : 0;
}

/* Full parse shared by versions and constraint terms. */
static int semver_parse_ex(const char *s, struct semver *v, int *nspec, int wild_ok)
{
    int n = 0;
    memset(v, 0, sizeof(*v));
    if (parse_core(&s, v, &n, wild_ok) < 0)
        goto fail;
    if (wild_ok && n < 3 && *s) /* constraints: suffix needs a full version */
        goto fail;
    if (parse_suffix(s, v) < 0)
        goto fail;
    if (nspec)
        *nspec = n;
    return 0;
fail:
    versions_semver_free(v);
    return -1;
}

int versions_semver_parse(const char *s, struct semver *v)
{
    return semver_parse_ex(s, v, NULL, 0);
}

void versions_semver_free(struct semver *v)
{
    free(v->pre);
    free(v->build);
    memset(v, 0, sizeof(*v));
}

/* ---- precedence ------------------------------------------------------- */

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int all_digits(const char *s, size_t n)
{
    return strspn(s, "0123456789") >= n;
}

/* Compare one pre-release identifier: numeric (by length, then digits; no
 * overflow) < alphanumeric (ASCII). */
static int cmp_ident(const char *a, size_t an, const char *b, size_t bn)
{
    int anum = all_digits(a, an), bnum = all_digits(b, bn);
    if (anum != bnum)
        return anum ? -1 : 1;
    if (anum && an != bn)
        return an < bn ? -1 : 1;
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c < 0 ? -1 : 1;
    return cmp_u64(an, bn);
}

static int cmp_pre(const char *a, const char *b)
{
    if (!a || !b)
        return !a - !b; /* no pre-release ranks higher */
    for (;;) {
        size_t an = strcspn(a, "."), bn = strcspn(b, ".");
        int c = cmp_ident(a, an, b, bn);
        if (c)
            return c;
        a += an;
        b += bn;
        if (!*a || !*b)
            return (*a != 0) - (*b != 0); /* the longer set ranks higher */
        a++;
        b++;
    }
}

int versions_semver_cmp(const struct semver *a, const struct semver *b)
{
    int c = cmp_u64(a->major, b->major);
    if (!c)
        c = cmp_u64(a->minor, b->minor);
    if (!c)
        c = cmp_u64(a->patch, b->patch);
    if (!c)
        c = cmp_pre(a->pre, b->pre);
    return c;
}

/* ---- constraints ------------------------------------------------------ */

/* One term as an interval test, possibly negated. Terms form a list; or_start
 * marks the first term of each || alternative. */
struct vterm {
    struct vterm *next;
    int or_start, negate;
    int has_lo, lo_incl, has_hi, hi_incl;
    struct semver lo, hi;
};

struct versions_constraint {
    struct vterm *head;
};

enum op { OP_EQ, OP_NE, OP_GT, OP_GE, OP_LT, OP_LE, OP_TILDE, OP_CARET };

static const struct {
    const char *text;
    enum op op;
} ops[] = {
    /* longest first */
    {"~>", OP_TILDE}, {">=", OP_GE}, {"=>", OP_GE}, {"<=", OP_LE},   {"=<", OP_LE},   {"!=", OP_NE},
    {"=", OP_EQ},     {">", OP_GT},  {"<", OP_LT},  {"~", OP_TILDE}, {"^", OP_CARET},
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

/* dst = src without build metadata (pre copied). */
static int semver_copy(struct semver *dst, const struct semver *src)
{
    *dst = (struct semver){src->major, src->minor, src->patch, NULL, NULL};
    if (src->pre && dup_part(src->pre, strlen(src->pre), &dst->pre) < 0)
        return -1;
    return 0;
}

/* dst = src with component k (1..3) bumped, later ones zeroed, pre-release
 * "0" (the lowest version above everything matching the first k parts).
 * Returns 0, 1 when there is no such version (k == 0 or overflow), -1 OOM. */
static int semver_bump(struct semver *dst, const struct semver *src, int k)
{
    uint64_t p[3] = {src->major, src->minor, src->patch};
    if (k < 1 || p[k - 1] == UINT64_MAX)
        return 1;
    p[k - 1]++;
    for (int i = k; i < 3; i++)
        p[i] = 0;
    *dst = (struct semver){p[0], p[1], p[2], NULL, NULL};
    return dup_part("0", 1, &dst->pre);
}

static void set_lo(struct vterm *t, int incl)
{
    t->has_lo = 1;
    t->lo_incl = incl;
}

static void set_hi(struct vterm *t, int incl)
{
    t->has_hi = 1;
    t->hi_incl = incl;
}

/* Upper end of the range a tilde or caret keeps: the component to bump. */
static int range_part(enum op op, const struct semver *v, int nspec)
{
    if (op == OP_TILDE)
        return nspec == 3 ? 2 : nspec;
    if (op == OP_CARET) {
        uint64_t p[3] = {v->major, v->minor, v->patch};
        for (int i = 0; i < nspec; i++)
            if (p[i])
                return i + 1;
    }
    return nspec;
}

/* Fill t's bounds for "op v"; v has nspec numeric parts (3 = exact). */
static int term_build(struct vterm *t, enum op op, const struct semver *v, int nspec)
{
    int exact = nspec == 3 && op != OP_TILDE && op != OP_CARET;
    int r = 0;
    if (nspec == 0) { /* "*": everything, or nothing for != > < */
        t->negate = op == OP_NE || op == OP_GT || op == OP_LT;
        return 0;
    }
    switch (op) {
    case OP_NE:
        t->negate = 1;
        /* fall through */
    case OP_EQ:
    case OP_TILDE:
    case OP_CARET:
        set_lo(t, 1);
        if (semver_copy(&t->lo, v) < 0)
            return -1;
        if (exact) {
            set_hi(t, 1);
            return semver_copy(&t->hi, v);
        }
        r = semver_bump(&t->hi, v, range_part(op, v, nspec));
        if (r == 0)
            set_hi(t, 0);
        return r < 0 ? -1 : 0;
    case OP_GT:
        if (exact) {
            set_lo(t, 0);
            return semver_copy(&t->lo, v);
        }
        r = semver_bump(&t->lo, v, nspec);
        if (r == 0)
            set_lo(t, 1);
        else
            t->negate = 1; /* nothing lies above (overflow): match nothing */
        return r < 0 ? -1 : 0;
    case OP_GE:
        set_lo(t, 1);
        return semver_copy(&t->lo, v);
    case OP_LT:
        set_hi(t, 0);
        return semver_copy(&t->hi, v);
    case OP_LE:
        if (exact) {
            set_hi(t, 1);
            return semver_copy(&t->hi, v);
        }
        r = semver_bump(&t->hi, v, nspec);
        if (r == 0)
            set_hi(t, 0);
        return r < 0 ? -1 : 0;
    }
    return 0;
}

static void term_free(struct vterm *t)
{
    versions_semver_free(&t->lo);
    versions_semver_free(&t->hi);
    free(t);
}

static int term_match(const struct vterm *t, const struct semver *v)
{
    int in = 1;
    if (t->has_lo) {
        int c = versions_semver_cmp(v, &t->lo);
        in = t->lo_incl ? c >= 0 : c > 0;
    }
    if (in && t->has_hi) {
        int c = versions_semver_cmp(v, &t->hi);
        in = t->hi_incl ? c <= 0 : c < 0;
    }
    return in != t->negate;
}

/* Parse state: the whole text for messages, and the tail of the term list. */
struct cparse {
    const char *text;
    struct vterm **tail;
    struct err *err;
};

/* Parse the term at s[0..n) (op, spaces, version) and append it. */
static int parse_term(struct cparse *cp, const char *s, size_t n, int or_start)
{
    struct buf tok = BUF_INIT(0);
    const char *p = s;
    enum op op = read_op(&p);
    int oplen = (int)(p - s);
    while (is_space(*p))
        p++;
    size_t vlen = n - (size_t)(p - s);
    if (vlen == 0)
        return err_set(cp->err, "invalid semver_constraint \"%.*s\": missing version", oplen, s);
    if (buf_add(&tok, p, vlen) < 0)
        return err_set(cp->err, "out of memory");
    struct semver v;
    int nspec;
    int r = semver_parse_ex(buf_str(&tok), &v, &nspec, 1);
    buf_free(&tok);
    if (r < 0)
        return err_set(cp->err, "invalid semver_constraint \"%.*s\": not a version", (int)n, s);
    struct vterm *t = calloc(1, sizeof(*t));
    if (!t || term_build(t, op, &v, nspec) < 0) {
        versions_semver_free(&v);
        if (t)
            term_free(t);
        return err_set(cp->err, "out of memory");
    }
    versions_semver_free(&v);
    t->or_start = or_start;
    *cp->tail = t;
    cp->tail = &t->next;
    return 0;
}

/* Length of the term starting at s: operator, optional spaces, version up to
 * a space, comma or end of the alternative. */
static size_t term_len(const char *s, const char *end)
{
    const char *p = s;
    read_op(&p);
    while (p < end && is_space(*p))
        p++;
    while (p < end && !is_space(*p) && *p != ',')
        p++;
    return (size_t)(p - s);
}

/* Parse one || alternative s[0..n): terms separated by commas and/or spaces. */
static int parse_group(struct cparse *cp, const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    int nterms = 0, need_term = 0; /* need_term: a comma awaits its term */
    for (;;) {
        while (p < end && is_space(*p))
            p++;
        if (p == end)
            break;
        if (*p == ',') {
            if (need_term || nterms == 0)
                return err_set(cp->err, "invalid semver_constraint \"%s\": empty term", cp->text);
            need_term = 1;
            p++;
            continue;
        }
        size_t len = term_len(p, end);
        if (parse_term(cp, p, len, nterms == 0) < 0)
            return -1;
        nterms++;
        need_term = 0;
        p += len;
    }
    if (nterms == 0 || need_term)
        return err_set(cp->err, "invalid semver_constraint \"%s\": empty term", cp->text);
    return 0;
}

struct versions_constraint *versions_constraint_parse(const char *text, struct err *err)
{
    struct versions_constraint *c = calloc(1, sizeof(*c));
    if (!c) {
        err_set(err, "out of memory");
        return NULL;
    }
    struct cparse cp = {text, &c->head, err};
    const char *p = text;
    for (;;) {
        const char *bar = strstr(p, "||");
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (parse_group(&cp, p, n) < 0) {
            versions_constraint_free(c);
            return NULL;
        }
        if (!bar)
            return c;
        p = bar + 2;
    }
}

int versions_constraint_match(const struct versions_constraint *c, const struct semver *v)
{
    int ok = 1;
    for (const struct vterm *t = c->head; t; t = t->next) {
        if (t->or_start && t != c->head) {
            if (ok)
                return 1;
            ok = 1;
        }
        if (ok && !term_match(t, v))
            ok = 0;
    }
    return ok;
}

void versions_constraint_free(struct versions_constraint *c)
{
    if (!c)
        return;
    struct vterm *t = c->head;
    while (t) {
        struct vterm *next = t->next;
        term_free(t);
        t = next;
    }
    free(c);
}

/* ---- tag_filter ------------------------------------------------------- */

/* Patterns glibc's regcomp/regexec cannot take in bounded time are refused
 * up front. regcomp makes one copy of a repeated part per repetition ("x{3,5}"
 * is 5 copies, "x+" 2) and nested repetitions multiply; repeating copies of a
 * part that can match the empty string ("(v?)+", "v?++", "(a*){99}") makes
 * its epsilon closures explode (seconds to hours); groups recurse (thousands
 * of '(' overflow the stack); back-references (not ERE, and not in the Go
 * regexp of github-release-resource either) make regexec exponential. */
#define FILTER_DEPTH_MAX 32
#define FILTER_COST_MAX 1024

/* One group level while scanning: the estimated size, the last atom (what a
 * repetition applies to), and which parts can match the empty string. */
struct flevel {
    uint64_t total, last;
    int has_last;
    int last_null, prev_null; /* the last atom; all atoms before it */
    int alt_null;             /* some finished alternative */
};

static uint64_t cost_cap(uint64_t c)
{
    return c > FILTER_COST_MAX ? FILTER_COST_MAX + 1 : c;
}

static void flevel_open(struct flevel *l)
{
    memset(l, 0, sizeof(*l));
    l->last_null = l->prev_null = 1;
}

static int flevel_nullable(const struct flevel *l)
{
    return l->alt_null || (l->prev_null && l->last_null);
}

static void flevel_atom(struct flevel *l, uint64_t cost, int nullable)
{
    l->prev_null = l->prev_null && l->last_null;
    l->last = cost;
    l->last_null = nullable;
    l->has_last = 1;
    l->total = cost_cap(l->total + cost);
}

/* The last atom repeated into `copies` copies, optional when min0. */
static const char *flevel_repeat(struct flevel *l, uint64_t copies, int min0)
{
    if (!l->has_last)
        return NULL; /* nothing to repeat: regcomp says what is wrong */
    if (copies > 1 && l->last_null)
        return "'+' or an interval repeats a part that can match the empty string";
    uint64_t grown = cost_cap(l->last * copies);
    l->total = cost_cap(l->total - l->last + grown);
    l->last = grown;
    l->last_null = l->last_null || min0;
    return NULL;
}

/* Length of the bracket expression starting at p[0] == '[' (to the end of
 * the text when it is unterminated: regcomp refuses that anyway). */
static size_t bracket_len(const char *p)
{
    size_t i = 1;
    i += p[i] == '^';
    i += p[i] == ']';
    while (p[i] && p[i] != ']') {
        char d = p[i + 1];
        if (p[i] == '[' && (d == ':' || d == '.' || d == '=')) {
            size_t j = i + 2;
            while (p[j] && !(p[j] == d && p[j + 1] == ']'))
                j++;
            i = p[j] ? j + 2 : j;
        } else {
            i++;
        }
    }
    return p[i] ? i + 1 : i;
}

/* An interval "{m}", "{m,}" or "{m,n}" at p: its length, how many copies
 * regcomp makes (at least 1) and whether m is 0. 0 when p holds none. */
static size_t interval_len(const char *p, uint64_t *copies, int *min0)
{
    uint64_t m = 0, n = 0;
    size_t i = 1;
    int comma = 0, has_n = 0;
    for (; is_digit(p[i]); i++)
        m = m > FILTER_COST_MAX ? m : m * 10 + (uint64_t)(p[i] - '0');
    if (p[i] == ',') {
        comma = 1;
        for (i++; is_digit(p[i]); i++, has_n = 1)
            n = n > FILTER_COST_MAX ? n : n * 10 + (uint64_t)(p[i] - '0');
    }
    if (i == 1 || p[i] != '}')
        return 0;
    *copies = !comma ? m : has_n ? (n > m ? n : m) : m + 1;
    *copies += *copies == 0;
    *min0 = m == 0;
    return i + 1;
}

/* An escape at p[0] == '\\' as an atom; NULL, or why it is refused. */
static const char *filter_escape(struct flevel *l, const char *p)
{
    if (p[1] >= '1' && p[1] <= '9')
        return "back-references are not supported";
    flevel_atom(l, 1, p[1] && strchr("bB<>`'", p[1]));
    return NULL;
}

/* NULL when pattern is fit for regcomp, else why not (see above). */
static const char *filter_too_complex(const char *p)
{
    struct flevel lv[FILTER_DEPTH_MAX + 1];
    const char *why = NULL;
    int d = 0, was_repeat = 0;
    flevel_open(&lv[0]);
    for (size_t n = 1; *p && !why; p += n, n = 1) {
        struct flevel *l = &lv[d];
        uint64_t copies = 0; /* > 0: p is a repetition operator */
        int min0 = 0;
        if (*p == '*' || *p == '?')
            copies = 1, min0 = 1;
        else if (*p == '+')
            copies = 2;
        else if (*p == '{')
            n = interval_len(p, &copies, &min0); /* 0 when no interval: an atom */
        /* POSIX leaves "a**" undefined; glibc nests the repetitions */
        if (copies && was_repeat)
            return "adjacent repetition operators (as in \"a**\") are not supported";
        was_repeat = copies > 0;
        if (copies) {
            why = flevel_repeat(l, copies, min0);
        } else if (*p == '(') {
            if (d == FILTER_DEPTH_MAX)
                return "groups nested too deeply";
            flevel_open(&lv[++d]);
        } else if (*p == ')' && d > 0) { /* the group is an atom of the level above */
            d--;
            flevel_atom(&lv[d], lv[d + 1].total, flevel_nullable(&lv[d + 1]));
        } else if (*p == '|') {
            l->alt_null = flevel_nullable(l);
            l->last_null = l->prev_null = 1;
            l->has_last = 0;
            l->last = 0;
        } else if (*p == '\\') {
            why = filter_escape(l, p);
            n = p[1] ? 2 : 1;
        } else {
            n = *p == '[' ? bracket_len(p) : 1;
            flevel_atom(l, 1, *p == '^' || *p == '$');
        }
        n += n == 0;
        if (!why && lv[d].total > FILTER_COST_MAX)
            why = "too many atoms once repetitions are expanded";
    }
    return why;
}

int versions_filter_init(struct versions_filter *f, const char *pattern, struct err *err)
{
    f->ngroups = 0;
    f->is_default = strcmp(pattern, VERSIONS_DEFAULT_TAG_FILTER) == 0;
    if (f->is_default) { /* evaluated by hand: nothing to compile */
        f->ngroups = 1;
        return 0;
    }
    const char *why = filter_too_complex(pattern);
    if (why)
        return err_set(err, "invalid tag_filter \"%s\": %s", pattern, why);
    int rc = regcomp(&f->re, pattern, REG_EXTENDED);
    if (rc != 0) {
        char msg[256];
        regerror(rc, &f->re, msg, sizeof(msg));
        msg[0] = (char)tolower((unsigned char)msg[0]);
        return err_set(err, "invalid tag_filter \"%s\": %s", pattern, msg);
    }
    f->ngroups = f->re.re_nsub;
    return 0;
}

void versions_filter_free(struct versions_filter *f)
{
    if (!f->is_default)
        regfree(&f->re);
}

/* "^v?([^v].*)" by hand: in the C locale "." is any byte, so the group is
 * the tag without one leading "v", provided what is left starts with a byte
 * other than "v" (an empty rest does not match). */
static char *filter_default_apply(const char *tag)
{
    const char *rest = tag[0] == 'v' ? tag + 1 : tag;
    if (rest[0] == '\0' || rest[0] == 'v')
        return NULL;
    return strdup(rest);
}

char *versions_filter_apply(const struct versions_filter *f, const char *tag)
{
    if (f->is_default)
        return filter_default_apply(tag);
    size_t n = f->ngroups + 1;
    regmatch_t *m = calloc(n, sizeof(*m));
    if (!m)
        return NULL;
    char *out = NULL;
    if (regexec(&f->re, tag, n, m, 0) == 0) {
        size_t g = n - 1;
        while (g > 0 && m[g].rm_so == -1)
            g--;
        if (dup_part(tag + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so), &out) < 0)
            out = NULL;
    }
    free(m);
    return out;
}
