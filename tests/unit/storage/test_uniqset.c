/* tests/unit/storage/test_uniqset.c — distinct counting in fixed memory. */
#include "storage/uniqset.h"

#include <sodium.h>
#include <stdio.h>

#include "tests/unit/lw_test.h"

static void
test_counts_distinct(void)
{
    struct uniqset *s = uniqset_new(100000);
    char buf[32];

    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 50000; i++) {
            int n = snprintf(buf, sizeof(buf), "user%d@example.fi", i);
            int r = uniqset_add(s, buf, (size_t)n);

            CHECK(r == (round == 0 ? 1 : 0));
        }
    }
    CHECK_INT(uniqset_count(s), 50000);
    CHECK(!uniqset_overflowed(s));
    CHECK(uniqset_add(s, "", 0) == 1); /* the empty value is a value */
    uniqset_reset(s);
    CHECK_INT(uniqset_count(s), 0);
    CHECK(uniqset_add(s, "user1@example.fi", 16) == 1);
    uniqset_free(s);
}

static void
test_full_set_is_a_lower_bound(void)
{
    struct uniqset *s = uniqset_new(1000);
    char buf[32];
    int refused = 0;

    for (int i = 0; i < 5000; i++) {
        int n = snprintf(buf, sizeof(buf), "%d", i);

        refused += uniqset_add(s, buf, (size_t)n) == -1;
    }
    CHECK_INT(uniqset_count(s), 1000);
    CHECK_INT(refused, 4000);
    CHECK(uniqset_overflowed(s));
    CHECK(uniqset_add(s, "5", 1) == 0); /* values already in are still recognised */
    uniqset_free(s);
    uniqset_free(NULL);
}

int
main(void)
{
    if (sodium_init() < 0) {
        return 1;
    }
    RUN(test_counts_distinct);
    RUN(test_full_set_is_a_lower_bound);
    return LW_TEST_END();
}
