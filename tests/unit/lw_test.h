/*
 * tests/unit/lw_test.h — the smallest test harness that does the job.
 *
 * A test is a static void function of no arguments; CHECK* macros record a failure and carry on, so
 * one run shows every broken expectation. main() calls RUN(test) for each and returns LW_TEST_END(),
 * which prints the "N passed, N failed" line tests/run-tests and CI read.
 */
#ifndef LW_TESTS_UNIT_LW_TEST_H
#define LW_TESTS_UNIT_LW_TEST_H

#include <stdio.h>
#include <string.h>

static int lw_test_passed;
static int lw_test_failed;
static int lw_test_current_failed;

#define CHECK(cond)                                                                               \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);              \
            lw_test_current_failed = 1;                                                           \
        }                                                                                         \
    } while (0)

#define CHECK_STR(got, want)                                                                      \
    do {                                                                                          \
        const char *g_ = (got), *w_ = (want);                                                     \
        if (g_ == NULL || w_ == NULL || strcmp(g_, w_) != 0) {                                    \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s\n    got:  \"%s\"\n    want: \"%s\"\n",  \
                    __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");            \
            lw_test_current_failed = 1;                                                           \
        }                                                                                         \
    } while (0)

#define CHECK_INT(got, want)                                                                      \
    do {                                                                                          \
        long long g_ = (long long)(got), w_ = (long long)(want);                                  \
        if (g_ != w_) {                                                                           \
            fprintf(stderr, "%s:%d: CHECK_INT failed: %s = %lld, want %lld\n", __FILE__,          \
                    __LINE__, #got, g_, w_);                                                      \
            lw_test_current_failed = 1;                                                           \
        }                                                                                         \
    } while (0)

#define CHECK_MEM(got, want, n)                                                                   \
    do {                                                                                          \
        if (memcmp((got), (want), (n)) != 0) {                                                    \
            fprintf(stderr, "%s:%d: CHECK_MEM failed: %s != %s\n", __FILE__, __LINE__, #got,      \
                    #want);                                                                       \
            lw_test_current_failed = 1;                                                           \
        }                                                                                         \
    } while (0)

__attribute__((unused)) static void
lw_test_run(const char *name, void (*fn)(void))
{
    lw_test_current_failed = 0;
    fn();
    if (lw_test_current_failed) {
        lw_test_failed++;
        fprintf(stderr, "FAIL %s\n", name);
    } else {
        lw_test_passed++;
    }
}

#define RUN(fn) lw_test_run(#fn, fn)
#define LW_TEST_END()                                                                             \
    (printf("%d passed, %d failed\n", lw_test_passed, lw_test_failed), lw_test_failed ? 1 : 0)

#endif
