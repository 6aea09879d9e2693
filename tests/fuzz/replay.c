/*
 * tests/fuzz/replay.c — a main() for libFuzzer targets outside the fuzz build: feeds every file
 * named on the command line (directories are walked one level) to LLVMFuzzerTestOneInput, so
 * `make check` replays the committed corpus under the normal and ASan builds [Tor, h2o].
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef REPLAY_MAX_INPUT
#define REPLAY_MAX_INPUT (16u << 20)
#endif

static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t n;

    if (f == NULL) {
        perror(path);
        return -1;
    }
    buf = malloc(REPLAY_MAX_INPUT);
    if (buf == NULL) {
        fclose(f);
        return -1;
    }
    n = fread(buf, 1, REPLAY_MAX_INPUT, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int
cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
replay_dir(const char *dir, int *passed, int *failed)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t count = 0;

    if (d == NULL) {
        perror(dir);
        (*failed)++;
        return;
    }
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        char **grown;

        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        grown = realloc(names, (count + 1) * sizeof(*names));
        if (grown == NULL) {
            break;
        }
        names = grown;
        names[count++] = strdup(path);
    }
    closedir(d);
    qsort(names, count, sizeof(*names), cmp);
    for (size_t i = 0; i < count; i++) {
        if (replay_file(names[i]) == 0) {
            (*passed)++;
        } else {
            (*failed)++;
        }
        free(names[i]);
    }
    free(names);
}

int
main(int argc, char **argv)
{
    int passed = 0;
    int failed = 0;

#ifdef REPLAY_CORPUS
    static char corpus[] = REPLAY_CORPUS;
    static char *fallback[] = {NULL, corpus, NULL};
    if (argc < 2) {
        fallback[0] = argv[0];
        argv = fallback;
        argc = 2;
    }
#endif
    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            replay_dir(argv[i], &passed, &failed);
        } else if (replay_file(argv[i]) == 0) {
            passed++;
        } else {
            failed++;
        }
    }
    if (passed == 0 && failed == 0) {
        fprintf(stderr, "replay: no corpus files replayed\n");
        failed = 1;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
