/*
 * tests/unit/parsers/parse_test.h — what the parser unit tests share for their memory tests: the
 * peak RSS so far, and a pipe fed by a child process, so a 100 MB (or endless) input never sits in
 * the test's own memory.
 */
#ifndef LW_TESTS_UNIT_PARSERS_PARSE_TEST_H
#define LW_TESTS_UNIT_PARSERS_PARSE_TEST_H

#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

/* Peak resident set size of this process so far, in KiB. */
__attribute__((unused)) static long
maxrss_kib(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* A pipe whose far end a child process fills with prefix, n bytes of fill, then suffix. */
__attribute__((unused)) static int
pipe_feed(const char *prefix, size_t n, char fill, const char *suffix, pid_t *child)
{
    int fds[2];

    if (pipe(fds) != 0) {
        return -1;
    }
    *child = fork();
    if (*child == 0) {
        static char chunk[64 * 1024];
        size_t left = n;

        close(fds[0]);
        memset(chunk, fill, sizeof(chunk));
        if (write(fds[1], prefix, strlen(prefix)) < 0) {
            _exit(1);
        }
        while (left > 0) {
            size_t k = left < sizeof(chunk) ? left : sizeof(chunk);
            ssize_t w = write(fds[1], chunk, k);

            if (w <= 0) {
                _exit(1);
            }
            left -= (size_t)w;
        }
        if (write(fds[1], suffix, strlen(suffix)) < 0) {
            _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    return fds[0];
}

#endif
