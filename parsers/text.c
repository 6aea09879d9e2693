/* parsers/text.c — placeholder while the text parser is written; see parsers/parser.h. */
#include "parsers/parser.h"

static int
sniff(struct lw_slice head, const char *name_hint)
{
    (void)head;
    (void)name_hint;
    return 0;
}

static enum lw_rc
open_(struct reader *r, const struct parse_limits *lim, struct parser **out, struct lw_error *err)
{
    (void)r;
    (void)lim;
    *out = NULL;
    return lw_error_set(err, LW_ERR_INTERNAL, "the text parser is not written yet");
}

static enum lw_rc
next(struct parser *p, struct record *rec, struct parse_stats *st, struct lw_error *err)
{
    (void)p;
    (void)rec;
    (void)st;
    (void)err;
    return LW_ERR_NOT_FOUND;
}

static void
close_(struct parser *p)
{
    (void)p;
}

const struct parser_ops parser_text = {"text", sniff, open_, next, close_};
