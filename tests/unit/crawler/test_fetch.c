/*
 * tests/unit/crawler/test_fetch.c — the fetch engine against real parts on loopback.
 *
 * Starts tests/fixtures/httpd.py (the HTTP fixture, and a second instance as a fake SOCKS5 server
 * that answers with chosen reply codes), and microsocks three times (plain; with a login; one to
 * kill mid-transfer). Most cases run twice: direct (proxy NULL) and through socks5h:// microsocks.
 * What the servers saw is read from the fixture's log (one line per connection, request and
 * response end, with monotonic times comparable to fetch_now()). Includes fetch_attempt.c to test
 * the parser of libcurl's SOCKS error text directly.
 *
 * Every child gets PR_SET_PDEATHSIG and is killed at exit; an alarm ends a hung run.
 */
#include "crawler/fetch_attempt.c"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/lw_test.h"

#define MAX_CHILDREN 8
#define HELLO "hello world\n"

static pid_t children[MAX_CHILDREN];
static int nchildren;
static char dir[64] = "/tmp/lw-test-fetch-XXXXXX";
static char log_path[128], socks_log_path[128];
static int http_port, fake_socks_port;
static char socks_url[64];      /* plain microsocks */
static char auth_socks_url[64]; /* microsocks -u alice -P x */
static char dead_url[64];       /* nothing listens there */
static int dead_port;

/* ---- child processes ---------------------------------------------------------------------- */

static void
kill_children(void)
{
    for (int i = 0; i < nchildren; i++) {
        if (children[i] > 0) {
            kill(children[i], SIGKILL);
            waitpid(children[i], NULL, 0);
            children[i] = 0;
        }
    }
}

static void
on_alarm(int sig)
{
    (void)sig;
    for (int i = 0; i < nchildren; i++) {
        if (children[i] > 0) {
            kill(children[i], SIGKILL);
        }
    }
    _exit(2);
}

/* fork/exec argv; its stdout goes to *out_fd when out_fd is not NULL. */
static pid_t
spawn(const char **argv, int *out_fd, bool quiet)
{
    int fds[2] = {-1, -1};
    pid_t pid;

    if ((out_fd != NULL && pipe(fds) != 0) || nchildren == MAX_CHILDREN) {
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (out_fd != NULL) {
            dup2(fds[1], 1);
            close(fds[0]);
            close(fds[1]);
        }
        if (quiet) {
            int null = open("/dev/null", O_WRONLY);

            dup2(null, 2);
        }
        execvp(argv[0], (char *const *)(void *)argv);
        _exit(127);
    }
    if (out_fd != NULL) {
        close(fds[1]);
        *out_fd = fds[0];
    }
    children[nchildren++] = pid;
    return pid;
}

static void
reap(pid_t pid)
{
    for (int i = 0; i < nchildren; i++) {
        if (children[i] == pid) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            children[i] = 0;
        }
    }
}

/* The first line a fixture prints: its port. 0 after 20 s without one. */
static int
read_port(int fd)
{
    char line[32];
    size_t n = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};

    while (n < sizeof line - 1 && poll(&p, 1, 20000) == 1) {
        ssize_t got = read(fd, line + n, 1);

        if (got != 1 || line[n] == '\n') {
            break;
        }
        n++;
    }
    line[n] = '\0';
    close(fd);
    return (int)strtol(line, NULL, 10);
}

static int
start_fixture(const char *logfile, bool socks)
{
    const char *argv[] = {"python3",
                          "tests/fixtures/httpd.py",
                          "--port",
                          "0",
                          "--root",
                          dir,
                          "--log",
                          logfile,
                          "--lifetime",
                          "120",
                          socks ? "--socks" : NULL,
                          NULL};
    int fd = -1;

    if (spawn(argv, &fd, false) < 0) {
        return 0;
    }
    return read_port(fd);
}

/* A port nothing listens on (bound, read, released: fine on loopback). */
static int
free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0), port = 0;

    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &len) == 0) {
        port = ntohs(a.sin_port);
    }
    close(s);
    return port;
}

static bool
listening(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int s = socket(AF_INET, SOCK_STREAM, 0);
    bool ok = s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0;

    close(s);
    return ok;
}

/* microsocks on a free port, optionally with a login; its socks5h:// URL in url. */
static pid_t
start_microsocks(char *url, size_t url_size, const char *user, const char *pass)
{
    char port[16];
    int p = free_port();
    pid_t pid;

    snprintf(port, sizeof port, "%d", p);
    if (user != NULL) {
        const char *argv[] = {"microsocks", "-i", "127.0.0.1", "-p", port,
                              "-u",         user, "-P",        pass, NULL};
        pid = spawn(argv, NULL, true);
    } else {
        const char *argv[] = {"microsocks", "-i", "127.0.0.1", "-p", port, NULL};
        pid = spawn(argv, NULL, true);
    }
    for (int i = 0; i < 100 && !listening(p); i++) {
        usleep(20000);
    }
    snprintf(url, url_size, "socks5h://127.0.0.1:%d", p);
    return listening(p) ? pid : -1;
}

static void
write_file(const char *name, const char *text)
{
    char path[256];
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fp = fopen(path, "w");
    if (fp != NULL) {
        fputs(text, fp);
        fclose(fp);
    }
}

static void
remove_dir(void)
{
    const char *files[] = {"hello.txt", "fixture.log", "socks.log"};
    char path[256];

    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void
at_exit(void)
{
    kill_children();
    remove_dir();
}

/* ---- the fixture's log -------------------------------------------------------------------- */

static char *
read_log(const char *path)
{
    FILE *fp = fopen(path, "r");
    struct lw_buf b;
    char chunk[4096];
    size_t n;

    lw_buf_init(&b, (size_t)64 << 20);
    lw_buf_append(&b, "", 0);
    while (fp != NULL && (n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        lw_buf_append(&b, chunk, n);
    }
    if (fp != NULL) {
        fclose(fp);
    }
    return b.data;
}

/* The value of " name=" in line (up to the next space or end of line) into out. */
static bool
field(const char *line, const char *name, char *out, size_t size)
{
    char key[32];
    const char *p, *end, *eol = line + strcspn(line, "\n");

    snprintf(key, sizeof key, " %s=", name);
    p = strstr(line, key);
    if (p == NULL || p > eol) {
        return false;
    }
    p += strlen(key);
    end = p + strcspn(p, " \n");
    snprintf(out, size, "%.*s", (int)(end - p), p);
    return true;
}

/* Lines of kind ("REQ", "CONN", …) containing needle. */
static int
log_count(const char *path, const char *kind, const char *needle)
{
    char *log = read_log(path);
    int n = 0;

    for (char *line = log; line != NULL && *line != '\0';) {
        char *nl = strchr(line, '\n');

        if (nl == NULL) {
            break;
        }
        *nl = '\0';
        if (strncmp(line, kind, strlen(kind)) == 0 && line[strlen(kind)] == ' ' &&
            (needle == NULL || strstr(line, needle) != NULL)) {
            n++;
        }
        line = nl + 1;
    }
    free(log);
    return n;
}

static int
requests(const char *path_query)
{
    char needle[256];

    snprintf(needle, sizeof needle, " path=%s ", path_query);
    return log_count(log_path, "REQ", needle);
}

/* REQ lines for path_query that also contain text. */
static int
requests_with(const char *path_query, const char *text)
{
    char *log = read_log(log_path);
    char needle[256];
    int n = 0;

    snprintf(needle, sizeof needle, " path=%s ", path_query);
    for (char *line = log; line != NULL && *line != '\0';) {
        char *nl = strchr(line, '\n');

        if (nl == NULL) {
            break;
        }
        *nl = '\0';
        n += strncmp(line, "REQ ", 4) == 0 && strstr(line, needle) != NULL &&
             strstr(line, text) != NULL;
        line = nl + 1;
    }
    free(log);
    return n;
}

/* Most requests of the REQ lines containing needle that were in flight at once: a request runs
 * from its REQ time to the time its response started (END rt). */
static int
max_in_flight(const char *needle)
{
    char *log = read_log(log_path);
    struct {
        char id[32];
        double start, end;
    } iv[128];
    int n = 0, most = 0;

    for (char *line = log; line != NULL && *line != '\0';) {
        char *nl = strchr(line, '\n');
        char id[32], v[32];

        if (nl == NULL) {
            break;
        }
        *nl = '\0';
        if (strncmp(line, "REQ ", 4) == 0 && strstr(line, needle) != NULL && n < 128 &&
            field(line, "id", iv[n].id, sizeof iv[n].id) && field(line, "t", v, sizeof v)) {
            iv[n].start = strtod(v, NULL);
            iv[n++].end = 1e30;
        } else if (strncmp(line, "END ", 4) == 0 && field(line, "id", id, sizeof id) &&
                   field(line, "rt", v, sizeof v)) {
            for (int i = 0; i < n; i++) {
                if (strcmp(iv[i].id, id) == 0) {
                    iv[i].end = strtod(v, NULL);
                }
            }
        }
        line = nl + 1;
    }
    for (int i = 0; i < n; i++) {
        int at = 0;

        for (int k = 0; k < n; k++) {
            at += iv[k].start <= iv[i].start && iv[i].start < iv[k].end;
        }
        most = at > most ? at : most;
    }
    free(log);
    return most;
}

/* Times (fetch_now() clock) of the REQ lines containing needle, in order; how many. */
static int
request_times(const char *needle, double *t, int max)
{
    char *log = read_log(log_path);
    int n = 0;

    for (char *line = log; line != NULL && *line != '\0' && n < max;) {
        char *nl = strchr(line, '\n');
        char v[32];

        if (nl == NULL) {
            break;
        }
        *nl = '\0';
        if (strncmp(line, "REQ ", 4) == 0 && strstr(line, needle) != NULL &&
            field(line, "t", v, sizeof v)) {
            t[n++] = strtod(v, NULL);
        }
        line = nl + 1;
    }
    free(log);
    return n;
}

/* Bytes the server wrote for the request to path_query (waits up to 5 s for its END line). */
static long
bytes_sent(const char *path_query)
{
    char needle[256], id[32] = "", end_needle[64];

    snprintf(needle, sizeof needle, " path=%s ", path_query);
    for (int tries = 0; tries < 100; tries++) {
        char *log = read_log(log_path);
        char *req = strstr(log, needle), *end, sent[32];
        long n = -1;

        if (req != NULL) {
            while (req > log && req[-1] != '\n') {
                req--;
            }
            field(req, "id", id, sizeof id);
            snprintf(end_needle, sizeof end_needle, "END t=");
            for (end = strstr(log, end_needle); end != NULL; end = strstr(end + 1, end_needle)) {
                char eid[32];

                if (field(end, "id", eid, sizeof eid) && strcmp(eid, id) == 0 &&
                    field(end, "sent", sent, sizeof sent)) {
                    n = strtol(sent, NULL, 10);
                }
            }
        }
        free(log);
        if (n >= 0) {
            return n;
        }
        usleep(50000);
    }
    return -1;
}

/* ---- fetching ----------------------------------------------------------------------------- */

struct got {
    int calls;
    enum fetch_error error;
    long status;
    bool not_modified;
    unsigned attempts;
    double seconds;
    char body[256];
    size_t body_len;
    char etag[256], last_modified[256], msg[256], effective_url[512];
};

static void
on_done(void *user, const struct fetch_result *res)
{
    struct got *g = res->user;

    (void)user;
    g->calls++;
    g->error = res->error;
    g->status = res->http_status;
    g->not_modified = res->not_modified;
    g->attempts = res->attempts;
    g->seconds = res->seconds;
    g->body_len = res->body_len;
    snprintf(g->body, sizeof g->body, "%.*s", (int)(res->body_len < 255 ? res->body_len : 255),
             (const char *)res->body);
    snprintf(g->etag, sizeof g->etag, "%s", res->etag != NULL ? res->etag : "");
    snprintf(g->last_modified, sizeof g->last_modified, "%s",
             res->last_modified != NULL ? res->last_modified : "");
    snprintf(g->msg, sizeof g->msg, "%s", res->error_msg);
    snprintf(g->effective_url, sizeof g->effective_url, "%s", res->effective_url);
}

static void
opts_test(struct fetch_opts *o)
{
    fetch_opts_default(o);
    o->host_delay = 0;
    o->connect_timeout = 5;
    o->total_timeout = 15;
    o->stall_timeout = 5;
    o->backoff_base = 0.05;
    o->backoff_max = 2;
}

/* Run the requests req[0..n) to completion with opts; results in got[i]. */
static void
fetch_all(const struct fetch_opts *o, struct fetch_request *req, struct got *got, size_t n)
{
    struct fetcher *f = NULL;
    struct lw_error err = {0};

    CHECK_INT(fetcher_new(o, on_done, NULL, &f, &err), LW_OK);
    for (size_t i = 0; f != NULL && i < n; i++) {
        memset(&got[i], 0, sizeof got[i]);
        req[i].user = &got[i];
        fetcher_add(f, &req[i]);
    }
    if (f != NULL) {
        CHECK_INT(fetcher_run(f, &err), LW_OK);
    }
    fetcher_free(f);
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(got[i].calls, 1);
    }
}

static struct got
fetch1(const struct fetch_opts *o, const char *url, const char *proxy)
{
    struct fetch_request req = {.url = url, .proxy = proxy};
    struct got g;

    fetch_all(o, &req, &g, 1);
    return g;
}

/* "http://127.0.0.1:PORT" + path */
static const char *
url_of(const char *path)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];

    snprintf(b, sizeof bufs[0], "http://127.0.0.1:%d%s", http_port, path);
    return b;
}

/* The proxy of mode 0 (direct) or 1 (microsocks), and a tag for unique paths. */
static const char *
mode_proxy(int mode)
{
    return mode == 0 ? NULL : socks_url;
}

static const char *
mode_tag(int mode)
{
    return mode == 0 ? "direct" : "socks";
}

/* ---- tests: tables ------------------------------------------------------------------------ */

static void
test_error_names(void)
{
    CHECK_STR(fetch_error_name(FETCH_ERR_NONE), "none");
    CHECK_STR(fetch_error_name(FETCH_ERR_PROXY_UNREACHABLE), "proxy_unreachable");
    CHECK_STR(fetch_error_name(FETCH_ERR_ONION_NOT_FOUND), "onion_not_found");
    CHECK_STR(fetch_error_name(FETCH_ERR_ONION_INTRO_TIMEOUT), "onion_intro_timeout");
    CHECK_STR(fetch_error_name(FETCH_ERR_RATE_LIMITED), "rate_limited");
    CHECK_STR(fetch_error_name(FETCH_ERR_OTHER), "other");
    CHECK_STR(fetch_error_name(FETCH_ERR_COUNT), "other");
    CHECK_STR(fetch_error_name((enum fetch_error) - 1), "other");
    for (int e = 0; e < FETCH_ERR_COUNT; e++) {
        const char *name = fetch_error_name((enum fetch_error)e);

        CHECK(name != NULL && name[0] != '\0' &&
              strspn(name, "abcdefghijklmnopqrstuvwxyz_") == strlen(name));
        for (int o = 0; o < e; o++) {
            CHECK(strcmp(name, fetch_error_name((enum fetch_error)o)) != 0);
        }
    }
}

static void
test_socks_table(void)
{
    static const struct {
        int reply;
        enum fetch_error want;
    } table[] = {
        {1, FETCH_ERR_PROXY_REFUSED},
        {2, FETCH_ERR_PROXY_REFUSED},
        {3, FETCH_ERR_NET_UNREACHABLE},
        {4, FETCH_ERR_HOST_UNREACHABLE},
        {5, FETCH_ERR_CONN_REFUSED},
        {6, FETCH_ERR_TTL_EXPIRED},
        {7, FETCH_ERR_PROXY_REFUSED},
        {8, FETCH_ERR_BAD_ADDRESS},
        {240, FETCH_ERR_ONION_NOT_FOUND},
        {241, FETCH_ERR_ONION_INVALID},
        {242, FETCH_ERR_ONION_INTRO_FAILED},
        {243, FETCH_ERR_ONION_REND_FAILED},
        {244, FETCH_ERR_ONION_AUTH},
        {245, FETCH_ERR_ONION_AUTH},
        {246, FETCH_ERR_BAD_ADDRESS},
        {247, FETCH_ERR_ONION_INTRO_TIMEOUT},
        {0, FETCH_ERR_OTHER},
        {9, FETCH_ERR_OTHER},
        {239, FETCH_ERR_OTHER},
        {248, FETCH_ERR_OTHER},
        {255, FETCH_ERR_OTHER},
        {-1, FETCH_ERR_OTHER},
        {0x1F0, FETCH_ERR_OTHER},
    };

    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        if (fetch_error_from_socks(table[i].reply) != table[i].want) {
            fprintf(stderr, "reply %d\n", table[i].reply);
        }
        CHECK_INT(fetch_error_from_socks(table[i].reply), table[i].want);
    }
}

/* The strict reader of libcurl 7.88's "Can't complete SOCKS5 connection to HOST. (N)". */
static void
test_socks_text(void)
{
    CHECK_INT(socks_reply_from_text("Can't complete SOCKS5 connection to a.onion. (240)"), 240);
    CHECK_INT(socks_reply_from_text("Can't complete SOCKS5 connection to a.onion. (4)"), 4);
    CHECK_INT(socks_reply_from_text("Can't complete SOCKS5 connection to x (1). (247)"), 247);
    CHECK_INT(socks_reply_from_text("Can't complete SOCKS5 connection to a.onion. (0)"), -1);
    CHECK_INT(socks_reply_from_text("Can't complete SOCKS5 connection to a.onion. (256)"), -1);
    CHECK_INT(socks_reply_from_text("Can't complete SOCKS5 connection to a.onion. (2400)"), -1);
    CHECK_INT(socks_reply_from_text("Can't complete SOCKS5 connection to a.onion. ()"), -1);
    CHECK_INT(socks_reply_from_text("Can't complete SOCKS5 connection to a.onion. (24O)"), -1);
    CHECK_INT(socks_reply_from_text("Can't complete SOCKS5 connection to a.onion. ( 240)"), -1);
    CHECK_INT(socks_reply_from_text("Can't complete SOCKS5 connection to a.onion. (240) "), -1);
    CHECK_INT(socks_reply_from_text("Can't complete SOCKS5 connection to a.onion (240)"), -1);
    CHECK_INT(socks_reply_from_text("Failed to connect to a.onion. (240)"), -1);
    CHECK_INT(socks_reply_from_text("(240)"), -1);
    CHECK_INT(socks_reply_from_text(""), -1);
}

static void
test_bad_requests(void)
{
    struct fetch_opts o;
    struct fetch_request req[] = {
        {.url = "file:///etc/passwd"},
        {.url = "ftp://127.0.0.1/x"},
        {.url = "not a url"},
        {.url = NULL},
        {.url = "http://127.0.0.1:1/", .proxy = "socks5://127.0.0.1:1"},
        {.url = "http://127.0.0.1:1/", .proxy = "http://127.0.0.1:1"},
    };
    struct got got[sizeof req / sizeof *req];

    opts_test(&o);
    fetch_all(&o, req, got, sizeof req / sizeof *req);
    for (size_t i = 0; i < sizeof req / sizeof *req; i++) {
        CHECK_INT(got[i].error, FETCH_ERR_PROTOCOL);
        CHECK_INT(got[i].attempts, 0);
        CHECK(got[i].msg[0] != '\0');
    }
}

/* ---- tests: one request, direct and through microsocks ------------------------------------ */

static void
test_get(void)
{
    for (int mode = 0; mode < 2; mode++) {
        struct fetch_opts o;
        char path[64];
        struct got g;

        opts_test(&o);
        snprintf(path, sizeof path, "/hello.txt?k=get-%s", mode_tag(mode));
        g = fetch1(&o, url_of(path), mode_proxy(mode));
        CHECK_INT(g.error, FETCH_ERR_NONE);
        CHECK_INT(g.status, 200);
        CHECK_STR(g.body, HELLO);
        CHECK_INT(g.body_len, strlen(HELLO));
        CHECK_INT(g.attempts, 1);
        CHECK_STR(g.effective_url, url_of(path));
        CHECK_STR(g.msg, "");
        CHECK_INT(requests(path), 1);
        /* Tor Browser's user agent, every encoding offered, no conditional headers */
        CHECK_INT(requests_with(path, " ua=Mozilla/5.0%20(Windows%20NT%2010.0;%20rv:128.0)%20"
                                      "Gecko/20100101%20Firefox/128.0 "),
                  1);
        CHECK_INT(requests_with(path, " ae=deflate,%20gzip,%20br,%20zstd"), 1);
        CHECK_INT(requests_with(path, " inm=- ims=- "), 1);
    }
}

static void
test_redirect(void)
{
    for (int mode = 0; mode < 2; mode++) {
        struct fetch_opts o;
        char path[128];
        struct got g;

        opts_test(&o);
        snprintf(path, sizeof path, "/redirect?to=/hello.txt%%3Fk=redir-%s", mode_tag(mode));
        g = fetch1(&o, url_of(path), mode_proxy(mode));
        CHECK_INT(g.error, FETCH_ERR_NONE);
        CHECK_INT(g.status, 200);
        CHECK_STR(g.body, HELLO);
        snprintf(path, sizeof path, "/hello.txt?k=redir-%s", mode_tag(mode));
        CHECK_STR(g.effective_url, url_of(path));
        CHECK_INT(requests(path), 1);
        /* what is reported belongs to the last hop: the redirect's ETag is not */
        snprintf(path, sizeof path, "/redirect?to=/etag/hop-%s&etag=%%22hop%%22", mode_tag(mode));
        g = fetch1(&o, url_of(path), mode_proxy(mode));
        CHECK_INT(g.error, FETCH_ERR_NONE);
        snprintf(path, sizeof path, "\"hop-%s-1\"", mode_tag(mode));
        CHECK_STR(g.etag, path);
        g = fetch1(&o, url_of("/redirect?to=/hello.txt&etag=%22hop%22"), mode_proxy(mode));
        CHECK_INT(g.error, FETCH_ERR_NONE);
        CHECK_STR(g.etag, "");
    }
}

/* Redirects out of http/https are refused before any connection is made. */
static void
test_redirect_refused(void)
{
    for (int mode = 0; mode < 2; mode++) {
        static const char *const schemes[] = {"file", "gopher", "ftp", "dict"};

        for (size_t t = 0; t < sizeof schemes / sizeof *schemes; t++) {
            struct fetch_opts o;
            char to[64], path[128];
            int conns = log_count(log_path, "CONN", NULL);
            struct got g;

            opts_test(&o);
            if (t == 0) {
                snprintf(to, sizeof to, "file:///etc/passwd");
            } else {
                snprintf(to, sizeof to, "%s://127.0.0.1:%d/", schemes[t], http_port);
            }
            snprintf(path, sizeof path, "/redirect?to=%s&k=refused-%s", to, mode_tag(mode));
            g = fetch1(&o, url_of(path), mode_proxy(mode));
            CHECK_INT(g.error, FETCH_ERR_PROTOCOL);
            CHECK_INT(g.status, 302);
            CHECK_INT(g.attempts, 1);
            CHECK_INT(requests(path), 1);
            usleep(100000);
            CHECK_INT(log_count(log_path, "CONN", NULL), conns + 1); /* only the redirect's own */
        }
    }
}

static void
test_http_errors(void)
{
    for (int mode = 0; mode < 2; mode++) {
        struct fetch_opts o;
        char p404[64], p500[64], p429[64], p503[64];
        struct fetch_request req[4] = {{0}};
        struct got got[4];

        opts_test(&o);
        o.retries = 2;
        snprintf(p404, sizeof p404, "/status/404?k=%s", mode_tag(mode));
        snprintf(p500, sizeof p500, "/status/500?k=%s", mode_tag(mode));
        snprintf(p429, sizeof p429, "/status/429?k=%s", mode_tag(mode));
        snprintf(p503, sizeof p503, "/status/503?k=%s", mode_tag(mode));
        req[0].url = url_of(p404);
        req[1].url = url_of(p500);
        req[2].url = url_of(p429);
        req[3].url = url_of(p503);
        for (int i = 0; i < 4; i++) {
            req[i].proxy = mode_proxy(mode);
        }
        fetch_all(&o, req, got, 4);
        CHECK_INT(got[0].error, FETCH_ERR_HTTP); /* not retried */
        CHECK_INT(got[0].status, 404);
        CHECK_INT(got[0].attempts, 1);
        CHECK_INT(got[0].body_len, 0);
        CHECK_INT(requests(p404), 1);
        CHECK_INT(got[1].error, FETCH_ERR_HTTP); /* retried, then given up */
        CHECK_INT(got[1].status, 500);
        CHECK_INT(got[1].attempts, 3);
        CHECK_INT(requests(p500), 3);
        CHECK_INT(got[2].error, FETCH_ERR_RATE_LIMITED);
        CHECK_INT(got[2].status, 429);
        CHECK_INT(got[2].attempts, 3);
        CHECK_INT(requests(p429), 3);
        CHECK_INT(got[3].error, FETCH_ERR_RATE_LIMITED);
        CHECK_INT(got[3].status, 503);
        CHECK_INT(got[3].attempts, 3);
    }
}

static void
test_flaky(void)
{
    for (int mode = 0; mode < 2; mode++) {
        struct fetch_opts o;
        char path[64];
        struct got g;

        opts_test(&o);
        o.retries = 3;
        snprintf(path, sizeof path, "/flaky/2?k=%s", mode_tag(mode));
        g = fetch1(&o, url_of(path), mode_proxy(mode));
        CHECK_INT(g.error, FETCH_ERR_NONE);
        CHECK_STR(g.body, "ok\n");
        CHECK_INT(g.attempts, 3);
        CHECK_INT(requests(path), 3);
        /* backoff 0.05 s, then 0.1 s, each ±25 % */
        CHECK(g.seconds >= 0.11);
    }
}

static void
test_retry_after(void)
{
    struct fetch_opts o;
    struct got g;

    opts_test(&o);
    o.backoff_base = 0.01;
    g = fetch1(&o, url_of("/retry-after/1?k=socks"), socks_url);
    CHECK_INT(g.error, FETCH_ERR_NONE);
    CHECK_INT(g.attempts, 2);
    CHECK(g.seconds >= 0.99);
    CHECK(g.seconds < 2.5);
    /* an HTTP-date two seconds ahead, written to the second: 1–2 s */
    g = fetch1(&o, url_of("/retry-after/2?date=1&k=direct"), NULL);
    CHECK_INT(g.error, FETCH_ERR_NONE);
    CHECK_INT(g.attempts, 2);
    CHECK(g.seconds >= 0.9);
    CHECK(g.seconds < 3.5);
    /* Retry-After is capped by backoff_max */
    o.backoff_max = 0.2;
    o.retries = 1;
    g = fetch1(&o, url_of("/status/429?retry-after=100&k=cap"), NULL);
    CHECK_INT(g.error, FETCH_ERR_RATE_LIMITED);
    CHECK_INT(g.attempts, 2);
    CHECK(g.seconds >= 0.19);
    CHECK(g.seconds < 1.5);
}

static void
test_conditional(void)
{
    for (int mode = 0; mode < 2; mode++) {
        struct fetch_opts o;
        char path[64], etag[256], lm[256];
        struct fetch_request req = {0};
        struct got g;

        opts_test(&o);
        snprintf(path, sizeof path, "/etag/%s", mode_tag(mode));
        g = fetch1(&o, url_of(path), mode_proxy(mode));
        CHECK_INT(g.error, FETCH_ERR_NONE);
        CHECK(!g.not_modified);
        snprintf(etag, sizeof etag, "\"%s-1\"", mode_tag(mode));
        CHECK_STR(g.etag, etag);
        CHECK_STR(g.last_modified, "Wed, 21 Oct 2015 07:28:00 GMT");
        snprintf(lm, sizeof lm, "%s", g.last_modified);

        req = (struct fetch_request){.url = url_of(path), .proxy = mode_proxy(mode), .etag = etag};
        fetch_all(&o, &req, &g, 1);
        CHECK_INT(g.error, FETCH_ERR_NONE);
        CHECK(g.not_modified);
        CHECK_INT(g.status, 304);
        CHECK_INT(g.body_len, 0);
        CHECK_STR(g.etag, etag);

        req = (struct fetch_request){
            .url = url_of(path), .proxy = mode_proxy(mode), .last_modified = lm};
        fetch_all(&o, &req, &g, 1);
        CHECK(g.not_modified);

        /* a stale ETag gets the body again */
        req = (struct fetch_request){
            .url = url_of(path), .proxy = mode_proxy(mode), .etag = "\"old\""};
        fetch_all(&o, &req, &g, 1);
        CHECK(!g.not_modified);
        CHECK_INT(g.status, 200);
    }
    /* a value that would inject a header line is not sent at all */
    {
        struct fetch_opts o;
        struct fetch_request req = {.url = url_of("/etag/inject"), .etag = "\"x\"\r\nX-Evil: 1"};
        struct got g;

        opts_test(&o);
        fetch_all(&o, &req, &g, 1);
        CHECK(!g.not_modified);
        CHECK_INT(requests_with("/etag/inject", " inm=- "), 1);
        CHECK_INT(log_count(log_path, "REQ", "Evil"), 0);
    }
}

/* ---- tests: caps and timeouts ------------------------------------------------------------- */

static void
test_body_caps(void)
{
    struct fetch_opts o;
    struct got g;
    long sent;

    for (int mode = 0; mode < 2; mode++) {
        char path[64];

        opts_test(&o);
        o.max_body_bytes = (size_t)1 << 20;
        snprintf(path, sizeof path, "/big/100000000?nolength=1&k=%s", mode_tag(mode));
        g = fetch1(&o, url_of(path), mode_proxy(mode));
        CHECK_INT(g.error, FETCH_ERR_TOO_LARGE);
        CHECK(strstr(g.msg, "decompressed") != NULL);
        CHECK_INT(g.attempts, 1);
        CHECK(g.seconds < 3);
        sent = bytes_sent(path);
        CHECK(sent > 0 && sent < 30000000); /* stopped early: a fraction of the 100 MB */
    }
    /* the wire cap, from a declared Content-Length (nothing of the body read) … */
    opts_test(&o);
    o.max_wire_bytes = (size_t)1 << 20;
    g = fetch1(&o, url_of("/big/100000000?k=length"), NULL);
    CHECK_INT(g.error, FETCH_ERR_TOO_LARGE);
    CHECK(strstr(g.msg, "on the wire") != NULL);
    sent = bytes_sent("/big/100000000?k=length");
    CHECK(sent > 0 && sent < 30000000);
    /* … and counted while the body streams in */
    g = fetch1(&o, url_of("/big/100000000?nolength=1&k=wire"), NULL);
    CHECK_INT(g.error, FETCH_ERR_TOO_LARGE);
    CHECK(strstr(g.msg, "on the wire") != NULL);
    sent = bytes_sent("/big/100000000?nolength=1&k=wire");
    CHECK(sent > 0 && sent < 30000000);
    /* just under both caps passes */
    o.max_body_bytes = 100000;
    o.max_wire_bytes = 100000;
    g = fetch1(&o, url_of("/big/100000?k=fits"), NULL);
    CHECK_INT(g.error, FETCH_ERR_NONE);
    CHECK_INT(g.body_len, 100000);
    g = fetch1(&o, url_of("/big/100001?k=over"), NULL);
    CHECK_INT(g.error, FETCH_ERR_TOO_LARGE);
}

/* 1 GB of zeros in about 1 MB of gzip: stopped at the decompressed cap, or at the wire cap. */
static void
test_gzip_bomb(void)
{
    for (int mode = 0; mode < 2; mode++) {
        struct fetch_opts o;
        char path[64];
        struct got g;

        opts_test(&o);
        o.max_body_bytes = (size_t)1 << 20;
        snprintf(path, sizeof path, "/gzip-bomb/1000000000?k=%s", mode_tag(mode));
        g = fetch1(&o, url_of(path), mode_proxy(mode));
        CHECK_INT(g.error, FETCH_ERR_TOO_LARGE);
        CHECK(strstr(g.msg, "decompressed") != NULL);
        CHECK(g.seconds < 3);
    }
    {
        struct fetch_opts o;
        struct got g;

        opts_test(&o);
        o.max_body_bytes = (size_t)256 << 20;
        o.max_wire_bytes = (size_t)8 << 10;
        g = fetch1(&o, url_of("/gzip-bomb/1000000000?k=wire"), NULL);
        CHECK_INT(g.error, FETCH_ERR_TOO_LARGE);
        CHECK(strstr(g.msg, "on the wire") != NULL);
        CHECK(g.seconds < 3);
        /* the wire cap counts compressed bytes: 10 MB of zeros are about 10 KB of gzip */
        o.max_wire_bytes = 100000;
        g = fetch1(&o, url_of("/gzip-bomb/10000000?k=fits"), NULL);
        CHECK_INT(g.error, FETCH_ERR_NONE);
        CHECK_INT(g.body_len, 10000000);
    }
}

static void
test_stall(void)
{
    for (int mode = 0; mode < 2; mode++) {
        struct fetch_opts o;
        char path[64];
        struct got g;

        opts_test(&o);
        o.stall_timeout = 1;
        o.retries = 0;
        snprintf(path, sizeof path, "/stall?k=%s", mode_tag(mode));
        g = fetch1(&o, url_of(path), mode_proxy(mode));
        CHECK_INT(g.error, FETCH_ERR_TIMEOUT);
        CHECK_INT(g.status, 200);
        CHECK(g.seconds >= 0.9);
        CHECK(g.seconds < 4);
    }
}

/* A proxy that accepts the connection and never answers (Tor before bootstrap): a timeout. */
static void
test_silent_proxy(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    char url[64];
    struct fetch_opts o;
    struct got g;

    CHECK(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 8) == 0 &&
          getsockname(s, (struct sockaddr *)&a, &len) == 0);
    snprintf(url, sizeof url, "socks5h://127.0.0.1:%d", ntohs(a.sin_port));
    opts_test(&o);
    o.connect_timeout = 1;
    o.retries = 0;
    g = fetch1(&o, url_of("/hello.txt?k=silent"), url);
    CHECK_INT(g.error, FETCH_ERR_TIMEOUT);
    CHECK(g.seconds >= 0.9 && g.seconds < 4);
    CHECK_INT(requests("/hello.txt?k=silent"), 0);
    close(s);
}

static void
test_direct_refused(void)
{
    struct fetch_opts o;
    char url[64];
    struct got g;

    opts_test(&o);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", dead_port);
    g = fetch1(&o, url, NULL);
    CHECK_INT(g.error, FETCH_ERR_CONN_REFUSED);
    CHECK_INT(g.attempts, 1);
}

/* The fixture speaks plain HTTP: a TLS handshake with it fails. */
static void
test_tls_failure(void)
{
    struct fetch_opts o;
    char url[64];
    struct got g;

    opts_test(&o);
    o.retries = 0;
    snprintf(url, sizeof url, "https://127.0.0.1:%d/", http_port);
    g = fetch1(&o, url, NULL);
    CHECK_INT(g.error, FETCH_ERR_TLS);
}

/* ---- tests: scheduling -------------------------------------------------------------------- */

static double
run_slow(const struct fetch_opts *o, const char *tag, const char *const *hosts, size_t nhosts,
         size_t n)
{
    struct fetch_request req[32] = {{0}};
    struct got got[32];
    static char urls[32][128];
    double t0 = fetch_now();

    for (size_t i = 0; i < n && i < 32; i++) {
        snprintf(urls[i], sizeof urls[i], "http://%s:%d/slow/300?k=%s-%zu", hosts[i % nhosts],
                 http_port, tag, i);
        req[i].url = urls[i];
    }
    fetch_all(o, req, got, n);
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(got[i].error, FETCH_ERR_NONE);
    }
    return fetch_now() - t0;
}

static void
test_per_host_limit(void)
{
    static const char *const one[] = {"127.0.0.1"};
    struct fetch_opts o;
    double took;

    opts_test(&o);
    o.max_per_host = 2;
    took = run_slow(&o, "perhost", one, 1, 20);
    CHECK(took >= 2.95);
    CHECK_INT(max_in_flight("path=/slow/300?k=perhost-"), 2);
}

static void
test_total_limit(void)
{
    static const char *const two[] = {"127.0.0.1", "localhost"};
    struct fetch_opts o;
    double took;

    /* max_total caps all hosts together */
    opts_test(&o);
    o.max_per_host = 10;
    o.max_total = 3;
    took = run_slow(&o, "total", two, 2, 12);
    CHECK(took >= 1.15);
    CHECK_INT(max_in_flight("path=/slow/300?k=total-"), 3);
    /* max_per_host is per host: two hosts run 2 + 2 */
    opts_test(&o);
    o.max_per_host = 2;
    took = run_slow(&o, "twohosts", two, 2, 8);
    CHECK(took < 1.2);
    CHECK_INT(max_in_flight("path=/slow/300?k=twohosts-"), 4);
}

static void
test_host_delay(void)
{
    struct fetch_opts o;
    struct fetch_request req[4] = {{0}};
    struct got got[4];
    char urls[4][64];
    double t[8];

    opts_test(&o);
    o.max_per_host = 4;
    o.host_delay = 0.3;
    for (int i = 0; i < 4; i++) {
        snprintf(urls[i], sizeof urls[i], "http://127.0.0.1:%d/hello.txt?k=delay-%d", http_port, i);
        req[i].url = urls[i];
    }
    fetch_all(&o, req, got, 4);
    CHECK_INT(request_times("path=/hello.txt?k=delay-", t, 8), 4);
    for (int i = 1; i < 4; i++) {
        CHECK(t[i] - t[i - 1] >= 0.29);
    }
}

/* A done callback adds the next request (an index page queueing its links). */
struct chain {
    struct fetcher *f;
    int done;
    struct got got[3];
};

static void
on_chain(void *user, const struct fetch_result *res)
{
    struct chain *c = user;
    static const char *const next[] = {"/hello.txt?k=chain-1", "/hello.txt?k=chain-2"};

    if (c->done < 3) {
        struct fetch_request req = {.url = url_of(c->done < 2 ? next[c->done] : "/"),
                                    .user = &c->got[c->done]};

        c->got[c->done].error = res->error;
        if (c->done < 2) {
            fetcher_add(c->f, &req);
        }
    }
    c->done++;
}

static void
test_add_from_callback(void)
{
    struct fetch_opts o;
    struct chain c = {0};
    struct lw_error err = {0};
    struct fetch_request req = {.url = url_of("/hello.txt?k=chain-0")};

    opts_test(&o);
    CHECK_INT(fetcher_new(&o, on_chain, &c, &c.f, &err), LW_OK);
    fetcher_add(c.f, &req);
    CHECK_INT(fetcher_run(c.f, &err), LW_OK);
    CHECK_INT(c.done, 3);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(c.got[i].error, FETCH_ERR_NONE);
    }
    CHECK_INT(requests("/hello.txt?k=chain-2"), 1);
    fetcher_free(c.f);
}

static void
test_deadline(void)
{
    struct fetch_opts o;
    struct fetch_request req[6] = {{0}};
    struct got got[6];
    char urls[6][64];
    int started = 0, not_started = 0;
    double t0 = fetch_now();

    opts_test(&o);
    o.max_total = 2;
    o.deadline = t0 + 0.6;
    for (int i = 0; i < 6; i++) {
        snprintf(urls[i], sizeof urls[i], "http://127.0.0.1:%d/slow/3000?k=dl-%d", http_port, i);
        req[i].url = urls[i];
    }
    fetch_all(&o, req, got, 6);
    CHECK(fetch_now() - t0 < 1.2);
    for (int i = 0; i < 6; i++) {
        CHECK_INT(got[i].error, FETCH_ERR_TIMEOUT);
        started += got[i].attempts == 1;
        not_started += got[i].attempts == 0;
    }
    CHECK_INT(started, 2);
    CHECK_INT(not_started, 4);
    /* a retry that would come after the deadline is not waited for */
    opts_test(&o);
    o.backoff_base = 5;
    o.backoff_max = 10;
    o.deadline = fetch_now() + 2;
    t0 = fetch_now();
    req[0] = (struct fetch_request){.url = url_of("/status/503?k=dl-retry")};
    fetch_all(&o, req, got, 1);
    CHECK_INT(got[0].error, FETCH_ERR_RATE_LIMITED);
    CHECK_INT(got[0].attempts, 1);
    CHECK(fetch_now() - t0 < 1);
}

/* ---- tests: the proxy --------------------------------------------------------------------- */

/* socks_user reaches the proxy as the SOCKS username (microsocks checks the login). */
static void
test_socks_login(void)
{
    struct fetch_opts o;
    struct fetch_request req[3] = {
        {.url = url_of("/hello.txt?k=login-ok"), .proxy = auth_socks_url, .socks_user = "alice"},
        {.url = url_of("/hello.txt?k=login-bad"), .proxy = auth_socks_url, .socks_user = "mallory"},
        {.url = url_of("/hello.txt?k=login-none"), .proxy = auth_socks_url},
    };
    struct got got[3];

    opts_test(&o);
    fetch_all(&o, req, got, 3);
    CHECK_INT(got[0].error, FETCH_ERR_NONE);
    CHECK_STR(got[0].body, HELLO);
    CHECK_INT(got[1].error, FETCH_ERR_PROXY_REFUSED);
    CHECK_INT(got[1].attempts, 1);
    CHECK_INT(got[2].error, FETCH_ERR_PROXY_REFUSED);
    CHECK_INT(requests("/hello.txt?k=login-bad"), 0);
    CHECK_INT(requests("/hello.txt?k=login-none"), 0);
}

/* Reply codes as Tor sends them, through libcurl, from the fake SOCKS server. */
static void
test_socks_replies(void)
{
    static const struct {
        int reply;
        enum fetch_error want;
        unsigned attempts; /* with retries 2 */
    } table[] = {
        {1, FETCH_ERR_PROXY_REFUSED, 3},         {2, FETCH_ERR_PROXY_REFUSED, 1},
        {3, FETCH_ERR_NET_UNREACHABLE, 3},       {4, FETCH_ERR_HOST_UNREACHABLE, 3},
        {5, FETCH_ERR_CONN_REFUSED, 1},          {6, FETCH_ERR_TTL_EXPIRED, 3},
        {8, FETCH_ERR_BAD_ADDRESS, 1},           {240, FETCH_ERR_ONION_NOT_FOUND, 2},
        {241, FETCH_ERR_ONION_INVALID, 1},       {242, FETCH_ERR_ONION_INTRO_FAILED, 3},
        {243, FETCH_ERR_ONION_REND_FAILED, 3},   {244, FETCH_ERR_ONION_AUTH, 1},
        {245, FETCH_ERR_ONION_AUTH, 1},          {246, FETCH_ERR_BAD_ADDRESS, 1},
        {247, FETCH_ERR_ONION_INTRO_TIMEOUT, 3}, {99, FETCH_ERR_OTHER, 1},
    };
    enum { N = sizeof table / sizeof *table };
    struct fetch_request req[N] = {{0}};
    struct got got[N];
    char urls[N][64], proxy[64], user[N][16];
    struct fetch_opts o;

    opts_test(&o);
    o.retries = 2;
    o.backoff_base = 0.01;
    snprintf(proxy, sizeof proxy, "socks5h://127.0.0.1:%d", fake_socks_port);
    for (size_t i = 0; i < N; i++) {
        snprintf(urls[i], sizeof urls[i], "http://reply-%d.test/page", table[i].reply);
        snprintf(user[i], sizeof user[i], "site-%zu", i);
        req[i] = (struct fetch_request){.url = urls[i], .proxy = proxy, .socks_user = user[i]};
    }
    fetch_all(&o, req, got, N);
    for (size_t i = 0; i < N; i++) {
        char needle[512];

        if (got[i].error != table[i].want || got[i].attempts != table[i].attempts) {
            fprintf(stderr, "reply %d: %s (%s), %u attempts\n", table[i].reply,
                    fetch_error_name(got[i].error), got[i].msg, got[i].attempts);
        }
        CHECK_INT(got[i].error, table[i].want);
        CHECK_INT(got[i].attempts, table[i].attempts);
        CHECK_INT(got[i].status, 0);
        /* the name went to the proxy unresolved, with this site's SOCKS username */
        snprintf(needle, sizeof needle, " user=%s pass=x host=reply-%d.test port=80 ", user[i],
                 table[i].reply);
        CHECK_INT(log_count(socks_log_path, "SOCKS", needle), (int)table[i].attempts);
    }
    CHECK(strstr(got[7].msg, "0xF0") != NULL);
    CHECK(strstr(got[7].msg, "descriptor") != NULL);
    CHECK(strstr(got[3].msg, "SOCKS5 reply 4") != NULL);
}

/* A connection made for one SOCKS username is never reused for another (Tor isolation), and is
 * reused for the same one. */
static void
test_isolation(void)
{
    struct fetch_opts o;
    struct fetch_request req[4] = {
        {.url = url_of("/hello.txt?k=iso-1"), .proxy = socks_url, .socks_user = "site-a"},
        {.url = url_of("/hello.txt?k=iso-2"), .proxy = socks_url, .socks_user = "site-a"},
        {.url = url_of("/hello.txt?k=iso-3"), .proxy = socks_url, .socks_user = "site-b"},
        {.url = url_of("/hello.txt?k=iso-4"), .proxy = socks_url, .socks_user = "site-a"},
    };
    struct got got[4];
    int conns = log_count(log_path, "CONN", NULL);

    opts_test(&o);
    o.max_per_host = 1;
    fetch_all(&o, req, got, 4);
    for (int i = 0; i < 4; i++) {
        CHECK_INT(got[i].error, FETCH_ERR_NONE);
    }
    CHECK_INT(log_count(log_path, "CONN", NULL), conns + 2);
}

static void
test_proxy_unreachable(void)
{
    struct fetch_opts o;
    struct fetch_request req[4] = {{0}};
    struct got got[4];
    struct lw_error err = {0};
    char path[4][64];
    int unreached = 0, tried = 0;

    opts_test(&o);
    o.max_total = 1;
    for (int i = 0; i < 4; i++) {
        snprintf(path[i], sizeof path[i], "http://127.0.0.1:%d/hello.txt?k=dead-%d", http_port, i);
        req[i] = (struct fetch_request){.url = path[i], .proxy = dead_url};
    }
    fetch_all(&o, req, got, 4);
    for (int i = 0; i < 4; i++) {
        unreached += got[i].error == FETCH_ERR_PROXY_UNREACHABLE;
        tried += got[i].attempts;
    }
    CHECK_INT(unreached, 4);
    CHECK_INT(tried, 1); /* the rest were failed without trying */
    CHECK_INT(log_count(log_path, "REQ", "k=dead-"), 0);

    CHECK_INT(fetch_proxy_check(dead_url, 2, &err), LW_ERR_PROXY);
    CHECK(strstr(err.msg, "unreachable: connection refused") != NULL);
    CHECK(strstr(err.msg, "127.0.0.1:") != NULL);
    CHECK_INT(fetch_proxy_check(socks_url, 2, &err), LW_OK);
    CHECK_INT(fetch_proxy_check("http://127.0.0.1:8080", 2, &err), LW_ERR_PROXY);
    CHECK_INT(fetch_proxy_check("not a url", 2, &err), LW_ERR_PROXY);
    CHECK_INT(fetch_proxy_check(NULL, 2, &err), LW_ERR_PROXY);
}

/* The preflight contacts the proxy and nothing else: the fake SOCKS server sees a connection
 * and no SOCKS greeting. */
static void
test_proxy_check_sends_nothing(void)
{
    char proxy[64];
    struct lw_error err = {0};
    int conns = log_count(socks_log_path, "CONN", NULL);
    int socks = log_count(socks_log_path, "SOCKS", NULL);

    snprintf(proxy, sizeof proxy, "socks5h://127.0.0.1:%d", fake_socks_port);
    CHECK_INT(fetch_proxy_check(proxy, 2, &err), LW_OK);
    usleep(200000);
    CHECK_INT(log_count(socks_log_path, "CONN", NULL), conns + 1);
    CHECK_INT(log_count(socks_log_path, "SOCKS", NULL), socks);
}

/* Proxy variables in the environment change nothing, either way. */
static void
test_environment_proxy(void)
{
    static const char *const vars[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                       "HTTPS_PROXY", "all_proxy",  "ALL_PROXY"};
    struct fetch_opts o;
    struct got g;

    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        setenv(vars[i], dead_url, 1);
    }
    opts_test(&o);
    g = fetch1(&o, url_of("/hello.txt?k=env-direct"), NULL);
    CHECK_INT(g.error, FETCH_ERR_NONE);
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        unsetenv(vars[i]);
    }
    setenv("no_proxy", "*", 1);
    setenv("NO_PROXY", "*", 1);
    g = fetch1(&o, url_of("/hello.txt?k=env-noproxy"), dead_url);
    CHECK_INT(g.error, FETCH_ERR_PROXY_UNREACHABLE);
    CHECK_INT(requests("/hello.txt?k=env-noproxy"), 0);
    g = fetch1(&o, url_of("/hello.txt?k=env-noproxy-ok"), socks_url);
    CHECK_INT(g.error, FETCH_ERR_NONE);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
}

struct killer {
    pid_t pid;
    double after;
};

static void *
kill_later(void *arg)
{
    const struct killer *k = arg;

    usleep((useconds_t)(k->after * 1e6));
    kill(k->pid, SIGKILL);
    return NULL;
}

/* The proxy dies mid-body: the transfer fails cleanly, the retry finds no proxy. */
static void
test_proxy_dies(void)
{
    char url[64];
    struct killer k = {.after = 0.5};
    pthread_t th;
    struct fetch_opts o;
    struct got g;

    k.pid = start_microsocks(url, sizeof url, NULL, NULL);
    CHECK(k.pid > 0);
    if (k.pid <= 0) {
        return;
    }
    opts_test(&o);
    o.retries = 1;
    CHECK_INT(pthread_create(&th, NULL, kill_later, &k), 0);
    g = fetch1(&o, url_of("/stall?k=proxy-dies"), url);
    pthread_join(th, NULL);
    reap(k.pid);
    CHECK_INT(g.error, FETCH_ERR_PROXY_UNREACHABLE);
    CHECK_INT(g.attempts, 2);
    CHECK(g.seconds < 3);
    CHECK_INT(requests("/stall?k=proxy-dies"), 1);
}

/* ---- main --------------------------------------------------------------------------------- */

static bool
setup(void)
{
    if (mkdtemp(dir) == NULL) {
        return false;
    }
    atexit(at_exit);
    signal(SIGALRM, on_alarm);
    alarm(120);
    write_file("hello.txt", HELLO);
    snprintf(log_path, sizeof log_path, "%s/fixture.log", dir);
    snprintf(socks_log_path, sizeof socks_log_path, "%s/socks.log", dir);
    http_port = start_fixture(log_path, false);
    fake_socks_port = start_fixture(socks_log_path, true);
    if (http_port <= 0 || fake_socks_port <= 0) {
        fprintf(stderr, "the fixture server (python3 tests/fixtures/httpd.py) did not start\n");
        return false;
    }
    if (start_microsocks(socks_url, sizeof socks_url, NULL, NULL) <= 0 ||
        start_microsocks(auth_socks_url, sizeof auth_socks_url, "alice", "x") <= 0) {
        fprintf(stderr, "microsocks did not start (scripts/install-deps test)\n");
        return false;
    }
    dead_port = free_port();
    snprintf(dead_url, sizeof dead_url, "socks5h://127.0.0.1:%d", dead_port);
    return true;
}

/* RUN, and the time it took on stderr (shown when the binary fails). */
#define TRUN(fn)                                                                                   \
    do {                                                                                           \
        double t_ = fetch_now();                                                                   \
        RUN(fn);                                                                                   \
        fprintf(stderr, "  %-32s %5.2f s\n", #fn, fetch_now() - t_);                               \
    } while (0)

int
main(void)
{
    if (!setup()) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    TRUN(test_error_names);
    TRUN(test_socks_table);
    TRUN(test_socks_text);
    TRUN(test_bad_requests);
    TRUN(test_get);
    TRUN(test_redirect);
    TRUN(test_redirect_refused);
    TRUN(test_http_errors);
    TRUN(test_flaky);
    TRUN(test_retry_after);
    TRUN(test_conditional);
    TRUN(test_body_caps);
    TRUN(test_gzip_bomb);
    TRUN(test_stall);
    TRUN(test_silent_proxy);
    TRUN(test_direct_refused);
    TRUN(test_tls_failure);
    TRUN(test_per_host_limit);
    TRUN(test_total_limit);
    TRUN(test_host_delay);
    TRUN(test_add_from_callback);
    TRUN(test_deadline);
    TRUN(test_socks_login);
    TRUN(test_socks_replies);
    TRUN(test_isolation);
    TRUN(test_proxy_unreachable);
    TRUN(test_proxy_check_sends_nothing);
    TRUN(test_environment_proxy);
    TRUN(test_proxy_dies);
    return LW_TEST_END();
}
