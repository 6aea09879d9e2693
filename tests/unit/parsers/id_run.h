/*
 * tests/unit/parsers/id_run.h — calling a normaliser the way the tests of parsers/id_*.c do:
 * on an exact-size heap copy of the input (no terminator after it, so ASan catches a read past
 * in.len), checking the id_normalise_fn contract on the way.
 */
#ifndef LW_TESTS_UNIT_PARSERS_ID_RUN_H
#define LW_TESTS_UNIT_PARSERS_ID_RUN_H

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "parsers/identifiers.h"

#define REJECTED "(rejected)"

static char out_buf[ID_VALUE_MAX + 1];

/* Call a normaliser on an exact-size copy of in (no terminator after it) and check the contract:
 * the return code, *out_len, and that a rejected value is wiped from out. Returns the normalised
 * value, REJECTED, or a description of the broken contract. */
static const char *
run(id_normalise_fn fn, const char *in)
{
    struct id_context ctx = {{0}};
    size_t n = strlen(in);
    char *copy = lw_xmemdup(in, n);
    size_t len = 999;
    enum lw_rc rc;

    memset(out_buf, 'x', sizeof(out_buf));
    rc = fn(lw_slice_make(copy, n), &ctx, out_buf, &len);
    free(copy);
    if (rc == LW_OK) {
        return len == strlen(out_buf) ? out_buf : "(out_len does not match out)";
    }
    if (rc != LW_ERR_INVALID) {
        return "(unexpected return code)";
    }
    if (out_buf[0] != '\0' || len != 0) {
        return "(rejected value not wiped)";
    }
    return REJECTED;
}

#endif
