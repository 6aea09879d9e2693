/*
 * tests/unit/storage/test_keyfile.c — key file creation, permission checks, parsing, signing.
 */
#include "storage/keyfile.h"

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/oprf.h"
#include "tests/unit/lw_test.h"

static char dir[] = "/tmp/lw-keyfile-XXXXXX";

/* A path inside the test directory; each call gets its own slot (up to 8 live at once). */
static const char *
path_in(const char *name)
{
    static char bufs[8][256];
    static unsigned next;
    char *buf = bufs[next++ % 8];

    snprintf(buf, sizeof(bufs[0]), "%s/%s", dir, name);
    return buf;
}

static void
write_text(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static int
count_entries(const char *d)
{
    DIR *dp = opendir(d);
    struct dirent *e;
    int n = 0;

    while (dp != NULL && (e = readdir(dp)) != NULL) {
        n += e->d_name[0] != '.';
    }
    if (dp != NULL) {
        closedir(dp);
    }
    return n;
}

static void
test_generate_load_mode(void)
{
    const char *p = path_in("sub/a.key"); /* parent created */
    struct lw_error err = {0};
    struct keyfile *kf = NULL;
    struct stat st;

    CHECK(keyfile_generate(p, &err) == LW_OK);
    CHECK(stat(p, &st) == 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    CHECK(stat(path_in("sub"), &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK_INT(count_entries(path_in("sub")), 1); /* no temporary file left behind */
    CHECK(keyfile_load(p, &kf, &err) == LW_OK);
    CHECK(kf != NULL && oprf_secret_key_is_valid(keyfile_oprf_secret(kf)));
    keyfile_free(kf);
}

static void
test_refuses_overwrite(void)
{
    const char *p = path_in("b.key");
    struct lw_error err = {0};
    char before[512] = {0}, after[512] = {0};
    FILE *f;

    CHECK(keyfile_generate(p, &err) == LW_OK);
    f = fopen(p, "r");
    CHECK(fread(before, 1, sizeof(before) - 1, f) > 0);
    fclose(f);
    CHECK(keyfile_generate(p, &err) == LW_ERR_EXISTS);
    CHECK(strstr(err.msg, p) != NULL);
    f = fopen(p, "r");
    CHECK(fread(after, 1, sizeof(after) - 1, f) > 0);
    fclose(f);
    CHECK_STR(after, before);
}

static void
test_refuses_group_or_world_access(void)
{
    static const mode_t bad[] = {0644, 0640, 0604, 0620, 0602, 0660, 0666, 0610};
    const char *p = path_in("c.key");
    struct lw_error err = {0};
    struct keyfile *kf = NULL;

    CHECK(keyfile_generate(p, &err) == LW_OK);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        chmod(p, bad[i]);
        memset(&err, 0, sizeof(err));
        CHECK(keyfile_load(p, &kf, &err) == LW_ERR_CONFIG);
        CHECK(kf == NULL);
        CHECK(strstr(err.msg, p) != NULL);
        CHECK(strstr(err.msg, "chmod 600") != NULL);
    }
    chmod(p, 0400);
    CHECK(keyfile_load(p, &kf, &err) == LW_OK);
    keyfile_free(kf);
}

static void
test_fixed_seed_gives_rfc_derived_key(void)
{
    uint8_t oprf_seed[32], sign_seed[32], want[32];
    const char *p = path_in("d.key");
    struct lw_error err = {0};
    struct keyfile *kf = NULL;

    memset(oprf_seed, 0xa3, sizeof(oprf_seed));
    memset(sign_seed, 0x5c, sizeof(sign_seed));
    CHECK(keyfile_create(p, oprf_seed, sign_seed, &err) == LW_OK);
    CHECK(keyfile_load(p, &kf, &err) == LW_OK);
    CHECK(oprf_derive_key_pair(oprf_seed, (const uint8_t *)KEYFILE_OPRF_INFO,
                               strlen(KEYFILE_OPRF_INFO), want, NULL) == LW_OK);
    if (kf != NULL) {
        uint8_t pk[32], sk[64];

        CHECK_MEM(keyfile_oprf_secret(kf), want, 32);
        crypto_sign_seed_keypair(pk, sk, sign_seed);
        CHECK_MEM(keyfile_sign_public(kf), pk, 32);
    }
    keyfile_free(kf);
}

static void
test_sign_verifies(void)
{
    const char *p = path_in("e.key");
    struct lw_error err = {0};
    struct keyfile *kf = NULL;
    uint8_t sig[64];
    static const uint8_t msg[] = "1764374400.{\"alert\":1}";

    CHECK(keyfile_generate(p, &err) == LW_OK);
    CHECK(keyfile_load(p, &kf, &err) == LW_OK);
    if (kf == NULL) {
        return;
    }
    keyfile_sign(kf, msg, sizeof(msg) - 1, sig);
    CHECK(crypto_sign_verify_detached(sig, msg, sizeof(msg) - 1, keyfile_sign_public(kf)) == 0);
    sig[0] ^= 1;
    CHECK(crypto_sign_verify_detached(sig, msg, sizeof(msg) - 1, keyfile_sign_public(kf)) != 0);
    keyfile_free(kf);
}

static void
test_malformed_files(void)
{
    static const char *const bad[] = {
        "",
        "leakwatch-key 1\n",
        "leakwatch-key 2\noprf-seed " "00000000000000000000000000000000"
        "00000000000000000000000000000000\n",
        "leakwatch-key 1\noprf-seed 0011\ned25519-seed 0011\n",
        "leakwatch-key 1\noprf-seed zz000000000000000000000000000000"
        "00000000000000000000000000000000\ned25519-seed 00000000000000000000000000000000"
        "00000000000000000000000000000000\n",
        "leakwatch-key 1\noprf-seed 00000000000000000000000000000000"
        "00000000000000000000000000000000\noprf-seed 00000000000000000000000000000000"
        "00000000000000000000000000000000\n",
        "leakwatch-key 1\noprf-seed 00000000000000000000000000000000"
        "00000000000000000000000000000000\ned25519-seed 00000000000000000000000000000000"
        "00000000000000000000000000000000\nextra line\n",
        "\x01\x02\x03 binary",
    };
    const char *p = path_in("f.key");
    struct lw_error err = {0};
    struct keyfile *kf = NULL;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unlink(p);
        write_text(p, bad[i], 0600);
        CHECK(keyfile_load(p, &kf, &err) == LW_ERR_CONFIG);
        CHECK(kf == NULL);
    }
    CHECK(keyfile_load(path_in("missing.key"), &kf, &err) == LW_ERR_CONFIG);
    CHECK(strstr(err.msg, "leakwatch key generate") != NULL);
    CHECK(keyfile_load(dir, &kf, &err) == LW_ERR_CONFIG); /* a directory */
}

static void
test_default_path_from_env(void)
{
    setenv("LEAKWATCH_KEY_FILE", "/etc/leakwatch/key", 1);
    CHECK_STR(keyfile_default_path(), "/etc/leakwatch/key");
    setenv("LEAKWATCH_KEY_FILE", "", 1);
    CHECK_STR(keyfile_default_path(), KEYFILE_DEFAULT_PATH);
    unsetenv("LEAKWATCH_KEY_FILE");
    CHECK_STR(keyfile_default_path(), KEYFILE_DEFAULT_PATH);
}

int
main(void)
{
    char cmd[300];
    int rc;

    if (sodium_init() < 0 || mkdtemp(dir) == NULL) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_generate_load_mode);
    RUN(test_refuses_overwrite);
    RUN(test_refuses_group_or_world_access);
    RUN(test_fixed_seed_gives_rfc_derived_key);
    RUN(test_sign_verifies);
    RUN(test_malformed_files);
    RUN(test_default_path_from_env);
    rc = LW_TEST_END();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", dir);
    }
    return rc;
}
