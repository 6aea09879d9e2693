/*
 * bench/bench_fetch.c — pages/s of the crawler's fetch engine (crawler/fetch.h) for bench/crawl.sh.
 *
 *   bench_fetch --proxy socks5h://127.0.0.1:P --url http://127.0.0.1:H/slow/200 --count N
 *               --concurrency C
 *
 * Fetches URL?i=0 … URL?i=N-1 (distinct URLs, one host) with C transfers at once on that host, no
 * politeness delay and no retries, and prints "pages N seconds S pages_per_s R failed F".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawler/fetch.h"

struct tally {
    unsigned done, failed;
};

static void
on_done(void *user, const struct fetch_result *res)
{
    struct tally *t = user;

    t->done++;
    if (res->error != FETCH_ERR_NONE) {
        t->failed++;
    }
}

int
main(int argc, char **argv)
{
    const char *proxy = NULL, *url = NULL;
    unsigned count = 100, conc = 1;
    struct fetch_opts o;
    struct fetcher *f = NULL;
    struct lw_error err = {0};
    struct tally t = {0, 0};
    double start;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--proxy") == 0) {
            proxy = argv[i + 1];
        } else if (strcmp(argv[i], "--url") == 0) {
            url = argv[i + 1];
        } else if (strcmp(argv[i], "--count") == 0) {
            count = (unsigned)strtoul(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--concurrency") == 0) {
            conc = (unsigned)strtoul(argv[i + 1], NULL, 10);
        }
    }
    if (url == NULL || count == 0 || conc == 0) {
        fprintf(stderr, "usage: bench_fetch [--proxy P] --url URL --count N --concurrency C\n");
        return 2;
    }
    fetch_opts_default(&o);
    o.max_total = conc;
    o.max_per_host = conc;
    o.host_delay = 0;
    o.retries = 0;
    if (fetcher_new(&o, on_done, &t, &f, &err) != LW_OK) {
        fprintf(stderr, "bench_fetch: %s\n", err.msg);
        return 1;
    }
    for (unsigned i = 0; i < count; i++) {
        char u[2200];
        struct fetch_request req = {.url = u, .proxy = proxy, .socks_user = "bench"};

        snprintf(u, sizeof(u), "%s?i=%u", url, i);
        fetcher_add(f, &req);
    }
    start = fetch_now();
    fetcher_run(f, &err);
    start = fetch_now() - start;
    fetcher_free(f);
    printf("pages %u seconds %.3f pages_per_s %.1f failed %u\n", t.done, start,
           (double)t.done / start, t.failed);
    return t.failed == 0 ? 0 : 1;
}
