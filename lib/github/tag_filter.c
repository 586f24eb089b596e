/* tag_filter.c - tag_filter on PCRE2 with match and depth limits (see
 * tag_filter.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tag_filter.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct tag_filter {
    pcre2_code *code;
    pcre2_match_context *mctx;
    uint32_t ngroups;
};

/* UTF mode as in Go (a "." is one character); a tag that is not valid UTF-8
 * is still searched. $ only at the end, like Go without (?m). */
#define TAG_FILTER_OPTIONS (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY)

static int compile_error(int code, PCRE2_SIZE offset, struct err *err)
{
    PCRE2_UCHAR msg[256];
    if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
        return err_set(err, "cannot be compiled at offset %zu", (size_t)offset);
    return err_set(err, "%s at offset %zu", (const char *)msg, (size_t)offset);
}

struct tag_filter *tag_filter_compile(const char *pattern, struct err *err)
{
    int code = 0;
    PCRE2_SIZE offset = 0;
    struct tag_filter *f = calloc(1, sizeof(*f));
    if (!f) {
        err_set(err, "out of memory");
        return NULL;
    }
    f->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, TAG_FILTER_OPTIONS, &code,
                            &offset, NULL);
    if (!f->code) {
        compile_error(code, offset, err);
        free(f);
        return NULL;
    }
    f->mctx = pcre2_match_context_create(NULL);
    if (!f->mctx || pcre2_set_match_limit(f->mctx, TAG_FILTER_MATCH_LIMIT) != 0 ||
        pcre2_set_depth_limit(f->mctx, TAG_FILTER_DEPTH_LIMIT) != 0 ||
        pcre2_pattern_info(f->code, PCRE2_INFO_CAPTURECOUNT, &f->ngroups) != 0) {
        tag_filter_free(f);
        err_set(err, "out of memory");
        return NULL;
    }
    return f;
}

void tag_filter_free(struct tag_filter *f)
{
    if (!f)
        return;
    pcre2_match_context_free(f->mctx);
    pcre2_code_free(f->code);
    free(f);
}

/* The last group that took part in the match (PCRE2_UNSET when it did not),
 * else group 0, copied out of tag. */
static char *version_text(const char *tag, const PCRE2_SIZE *ov, int pairs)
{
    int g = pairs - 1;
    while (g > 0 && ov[2 * g] == PCRE2_UNSET)
        g--;
    /* \K can leave the end before the start */
    size_t n = ov[2 * g + 1] > ov[2 * g] ? ov[2 * g + 1] - ov[2 * g] : 0;
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, tag + ov[2 * g], n);
        out[n] = '\0';
    }
    return out;
}

enum tag_filter_result tag_filter_apply(const struct tag_filter *f, const char *tag, char **version)
{
    if (version)
        *version = NULL;
    pcre2_match_data *md = pcre2_match_data_create(f->ngroups + 1, NULL);
    if (!md)
        return TAG_FILTER_ERROR;
    enum tag_filter_result res = TAG_FILTER_NO_MATCH;
    int rc = pcre2_match(f->code, (PCRE2_SPTR)tag, strlen(tag), 0, 0, md, f->mctx);
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT) {
        log_warn("tag \"%s\" skipped: tag_filter exceeds its match limits on it", tag);
        res = TAG_FILTER_LIMIT;
    } else if (rc == PCRE2_ERROR_NOMEMORY) {
        res = TAG_FILTER_ERROR;
    } else if (rc >= 0) {
        /* rc == 0 cannot happen: the match data has room for every group */
        int pairs = (int)pcre2_get_ovector_count(md);
        res = TAG_FILTER_MATCH;
        if (version && !(*version = version_text(tag, pcre2_get_ovector_pointer(md), pairs)))
            res = TAG_FILTER_ERROR;
    }
    pcre2_match_data_free(md);
    return res;
}
