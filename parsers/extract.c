/* parsers/extract.c — placeholder while the extractor is written; see parsers/extract.h. */
#include "parsers/extract.h"

#include <stdlib.h>

#include "common/alloc.h"

struct extractor {
    struct id_context ctx;
};

struct extractor *
extractor_new(const struct id_context *ctx)
{
    struct extractor *x = lw_xcalloc(1, sizeof(*x));

    if (ctx != NULL) {
        x->ctx = *ctx;
    }
    return x;
}

void
extractor_free(struct extractor *x)
{
    free(x);
}

unsigned
extractor_flags(struct extractor *x, const struct record *rec)
{
    (void)x;
    (void)rec;
    return 0;
}

void
extractor_record(struct extractor *x, const struct record *rec, extract_hit_fn hit, void *user,
                 struct extract_counts *counts)
{
    (void)x;
    (void)rec;
    (void)hit;
    (void)user;
    counts->records++;
}
