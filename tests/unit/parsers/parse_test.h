/*
 * tests/unit/parsers/parse_test.h — what the parser unit tests share for their memory tests: the
 * peak RSS so far, and a pipe fed by a child process, so a 100 MB (or endless) input never sits in
 * the test's own memory.
 */
#ifndef LW_TESTS_UNIT_PARSERS_PARSE_TEST_H
#define LW_TESTS_UNIT_PARSERS_PARSE_TEST_H

#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include "parsers/parser.h"

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

/* Close the reading end of a pipe_feed() pipe and reap its writer; true when the child wrote all of
 * its input and exited cleanly. */
__attribute__((unused)) static bool
pipe_done(int fd, pid_t child)
{
    int status = 0;

    close(fd);
    waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

#ifdef LW_TESTS_UNIT_LW_TEST_H
/* A read error part-way is reported as LW_ERR_IO by next(), never as the end of input: the parser
 * is opened on a directory, where read() fails with EISDIR. close(NULL) is safe. */
__attribute__((unused)) static void
check_read_error(const struct parser_ops *ops)
{
    int fd = open(".", O_RDONLY);
    struct reader *r = reader_open_fd(fd, "bad");
    struct parse_limits lim;
    struct parse_stats st = {0};
    struct lw_error err = {0};
    struct parser *p = NULL;
    struct record rec;

    parse_limits_default(&lim);
    CHECK(ops->open(r, &lim, &p, &err) == LW_OK);
    CHECK(ops->next(p, &rec, &st, &err) == LW_ERR_IO);
    CHECK(err.rc == LW_ERR_IO);
    ops->close(p);
    ops->close(NULL);
    reader_close(r);
    close(fd);
}
#endif

#endif
