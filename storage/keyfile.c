/*
 * storage/keyfile.c — creating, checking and loading the key file.
 *
 * Seeds rather than derived keys are stored: the OPRF key is DeriveKeyPair(seed, info) exactly as in
 * RFC 9497 §3.2.1, so a key file made from a known seed reproduces a known skS (tests use this), and
 * the Ed25519 seed is what crypto_sign_seed_keypair() takes. Text with hex, not a binary blob, so an
 * operator can see what the file is and a truncated copy is detected.
 *
 * Creation is "write a temporary file, fsync, link() into place": link() fails with EEXIST instead of
 * replacing, so two concurrent `key generate` runs cannot both succeed and an existing key (on which
 * every stored hash depends) is never clobbered. rename() was rejected because it replaces.
 */
#include "storage/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "storage/oprf.h"

#define FILE_MAX 4096
#define MAGIC "leakwatch-key 1"

struct keyfile {
    uint8_t oprf_sk[OPRF_SCALAR_BYTES];
    uint8_t oprf_pk[OPRF_ELEMENT_BYTES];
    uint8_t sign_sk[crypto_sign_SECRETKEYBYTES];
    uint8_t sign_pk[crypto_sign_PUBLICKEYBYTES];
};

const char *
keyfile_default_path(void)
{
    const char *env = getenv("LEAKWATCH_KEY_FILE");

    return env != NULL && env[0] != '\0' ? env : KEYFILE_DEFAULT_PATH;
}

/* Create the parent directory of path if it is missing (one level, mode 0700). */
static enum lw_rc
ensure_parent(const char *path, char *dir_out, size_t dir_cap, struct lw_error *err)
{
    char *copy = lw_xstrdup(path);
    const char *dir = dirname(copy);
    enum lw_rc rc = LW_OK;

    if ((size_t)snprintf(dir_out, dir_cap, "%s", dir) >= dir_cap) {
        rc = lw_error_set(err, LW_ERR_CONFIG, "key file path too long: %s", path);
    } else if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rc = lw_error_set(err, LW_ERR_IO, "cannot create directory %s for the key file: %s", dir,
                          strerror(errno));
    }
    free(copy);
    return rc;
}

static enum lw_rc
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return LW_ERR_IO;
        }
        p += w;
        n -= (size_t)w;
    }
    return LW_OK;
}

/* Format the file's text into secret memory; *text must be sodium_free'd. */
static size_t
format_key(const uint8_t oprf_seed[KEYFILE_SEED_BYTES], const uint8_t sign_seed[KEYFILE_SEED_BYTES],
           char **text)
{
    char oprf_hex[2 * KEYFILE_SEED_BYTES + 1];
    char sign_hex[2 * KEYFILE_SEED_BYTES + 1];
    int n;

    *text = sodium_malloc(FILE_MAX);
    if (*text == NULL) {
        abort();
    }
    sodium_bin2hex(oprf_hex, sizeof(oprf_hex), oprf_seed, KEYFILE_SEED_BYTES);
    sodium_bin2hex(sign_hex, sizeof(sign_hex), sign_seed, KEYFILE_SEED_BYTES);
    n = snprintf(*text, FILE_MAX,
                 "# leakwatch key file. Keep it secret (mode 0600) and keep a backup away from the\n"
                 "# database host: without this file the stored hashes can never be matched again.\n"
                 MAGIC "\n"
                 "oprf-seed %s\n"
                 "ed25519-seed %s\n",
                 oprf_hex, sign_hex);
    sodium_memzero(oprf_hex, sizeof(oprf_hex));
    sodium_memzero(sign_hex, sizeof(sign_hex));
    return n < 0 ? 0 : (size_t)n;
}

static enum lw_rc
publish(const char *tmp, const char *path, const char *dir, struct lw_error *err)
{
    int dfd;

    if (link(tmp, path) != 0) {
        int e = errno;

        unlink(tmp);
        if (e == EEXIST) {
            return lw_error_set(err, LW_ERR_EXISTS,
                                "key file %s already exists; refusing to overwrite it (every stored "
                                "hash depends on it — move it away first if you really mean to)",
                                path);
        }
        return lw_error_set(err, LW_ERR_IO, "cannot create key file %s: %s", path, strerror(e));
    }
    unlink(tmp);
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd); /* make the new directory entry durable */
        close(dfd);
    }
    return LW_OK;
}

enum lw_rc
keyfile_create(const char *path, const uint8_t oprf_seed[KEYFILE_SEED_BYTES],
               const uint8_t sign_seed[KEYFILE_SEED_BYTES], struct lw_error *err)
{
    char dir[4096];
    char tmp[4200];
    char *text = NULL;
    size_t len;
    int fd = -1;
    enum lw_rc rc;

    if (oprf_init() != LW_OK) {
        return lw_error_set(err, LW_ERR_CRYPTO, "libsodium failed to initialise");
    }
    rc = ensure_parent(path, dir, sizeof(dir), err);
    if (rc != LW_OK) {
        return rc;
    }
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp)) {
        return lw_error_set(err, LW_ERR_CONFIG, "key file path too long: %s", path);
    }
    fd = mkstemp(tmp); /* O_EXCL, mode 0600 whatever the umask */
    if (fd < 0) {
        return lw_error_set(err, LW_ERR_IO, "cannot create a temporary file beside %s: %s", path,
                            strerror(errno));
    }
    len = format_key(oprf_seed, sign_seed, &text);
    if (fchmod(fd, 0600) != 0 || len == 0 || write_all(fd, text, len) != LW_OK || fsync(fd) != 0) {
        rc = lw_error_set(err, LW_ERR_IO, "cannot write key file %s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = publish(tmp, path, dir, err);
out:
    if (fd >= 0) {
        close(fd);
    }
    sodium_free(text);
    return rc;
}

enum lw_rc
keyfile_generate(const char *path, struct lw_error *err)
{
    uint8_t *seeds;
    enum lw_rc rc;

    if (oprf_init() != LW_OK) {
        return lw_error_set(err, LW_ERR_CRYPTO, "libsodium failed to initialise");
    }
    seeds = sodium_malloc(2 * KEYFILE_SEED_BYTES);
    if (seeds == NULL) {
        abort();
    }
    randombytes_buf(seeds, 2 * KEYFILE_SEED_BYTES);
    rc = keyfile_create(path, seeds, seeds + KEYFILE_SEED_BYTES, err);
    sodium_free(seeds);
    return rc;
}

/* Open path and check it is a regular file that only its owner may read or write. */
static enum lw_rc
open_checked(const char *path, int *fd_out, struct lw_error *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd < 0) {
        int e = errno;

        /* a missing key file is a configuration error (exit 2), like a bad one */
        return lw_error_set(err, e == ENOENT ? LW_ERR_CONFIG : LW_ERR_IO,
                            "cannot open key file %s: %s%s", path, strerror(e),
                            e == ENOENT ? " (create one with: leakwatch key generate)" : "");
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return lw_error_set(err, LW_ERR_CONFIG, "key file %s is not a regular file", path);
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        close(fd);
        return lw_error_set(err, LW_ERR_CONFIG,
                            "key file %s is accessible by group or others (mode %04o); refusing to "
                            "use it. Fix: chmod 600 %s",
                            path, (unsigned)(st.st_mode & 07777), path);
    }
    if (st.st_size > FILE_MAX) {
        close(fd);
        return lw_error_set(err, LW_ERR_CONFIG, "key file %s is too large to be a key file", path);
    }
    *fd_out = fd;
    return LW_OK;
}

/* Parse "NAME HEX" into a 32-byte seed; reject anything but exactly 64 hex digits. */
static int
parse_seed(const char *line, size_t len, const char *name, uint8_t seed[KEYFILE_SEED_BYTES])
{
    size_t nlen = strlen(name);
    size_t bin_len = 0;
    const char *end = NULL;

    if (len != nlen + 1 + 2 * KEYFILE_SEED_BYTES || memcmp(line, name, nlen) != 0 ||
        line[nlen] != ' ') {
        return 0;
    }
    return sodium_hex2bin(seed, KEYFILE_SEED_BYTES, line + nlen + 1, 2 * KEYFILE_SEED_BYTES, NULL,
                          &bin_len, &end) == 0 &&
           bin_len == KEYFILE_SEED_BYTES && end == line + len;
}

/* Parse the text into two seeds (secret memory owned by the caller). 0 = malformed. */
static int
parse_key(const char *text, size_t len, uint8_t *oprf_seed, uint8_t *sign_seed)
{
    int have_magic = 0, have_oprf = 0, have_sign = 0;
    size_t i = 0;

    while (i < len) {
        const char *line = text + i;
        const char *nl = memchr(line, '\n', len - i);
        size_t n = nl != NULL ? (size_t)(nl - line) : len - i;

        i += n + 1;
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        if (n == 0 || line[0] == '#') {
            continue;
        }
        if (!have_magic) {
            if (n != strlen(MAGIC) || memcmp(line, MAGIC, n) != 0) {
                return 0;
            }
            have_magic = 1;
        } else if (!have_oprf && parse_seed(line, n, "oprf-seed", oprf_seed)) {
            have_oprf = 1;
        } else if (!have_sign && parse_seed(line, n, "ed25519-seed", sign_seed)) {
            have_sign = 1;
        } else {
            return 0; /* unknown, duplicate or malformed line */
        }
    }
    return have_magic && have_oprf && have_sign;
}

static enum lw_rc
derive(struct keyfile *kf, const uint8_t *oprf_seed, const uint8_t *sign_seed)
{
    static const char info[] = KEYFILE_OPRF_INFO;

    if (oprf_derive_key_pair(oprf_seed, (const uint8_t *)info, sizeof(info) - 1, kf->oprf_sk,
                             kf->oprf_pk) != LW_OK ||
        crypto_sign_seed_keypair(kf->sign_pk, kf->sign_sk, sign_seed) != 0) {
        return LW_ERR_CRYPTO;
    }
    return LW_OK;
}

enum lw_rc
keyfile_load(const char *path, struct keyfile **out, struct lw_error *err)
{
    char *text = NULL;
    uint8_t *seeds = NULL;
    struct keyfile *kf = NULL;
    ssize_t n = 0;
    size_t len = 0;
    int fd = -1;
    enum lw_rc rc;

    *out = NULL;
    if (oprf_init() != LW_OK) {
        return lw_error_set(err, LW_ERR_CRYPTO, "libsodium failed to initialise");
    }
    rc = open_checked(path, &fd, err);
    if (rc != LW_OK) {
        return rc;
    }
    text = sodium_malloc(FILE_MAX + 1);
    seeds = sodium_malloc(2 * KEYFILE_SEED_BYTES);
    kf = sodium_malloc(sizeof(*kf));
    if (text == NULL || seeds == NULL || kf == NULL) {
        abort();
    }
    while (len < FILE_MAX && (n = read(fd, text + len, FILE_MAX - len)) != 0) {
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = lw_error_set(err, LW_ERR_IO, "cannot read key file %s: %s", path, strerror(errno));
            goto out;
        }
        len += (size_t)n;
    }
    if (!parse_key(text, len, seeds, seeds + KEYFILE_SEED_BYTES)) {
        rc = lw_error_set(err, LW_ERR_CONFIG,
                          "key file %s is malformed (expected '" MAGIC "', oprf-seed and "
                          "ed25519-seed lines)",
                          path);
        goto out;
    }
    rc = derive(kf, seeds, seeds + KEYFILE_SEED_BYTES);
    if (rc != LW_OK) {
        lw_error_set(err, rc, "cannot derive keys from key file %s", path);
        goto out;
    }
    sodium_mprotect_readonly(kf);
    *out = kf;
    kf = NULL;
out:
    close(fd);
    sodium_free(text);
    sodium_free(seeds);
    sodium_free(kf);
    return rc;
}

void
keyfile_free(struct keyfile *kf)
{
    sodium_free(kf); /* NULL-safe; wipes */
}

const uint8_t *
keyfile_oprf_secret(const struct keyfile *kf)
{
    return kf->oprf_sk;
}

const uint8_t *
keyfile_oprf_public(const struct keyfile *kf)
{
    return kf->oprf_pk;
}

const uint8_t *
keyfile_sign_public(const struct keyfile *kf)
{
    return kf->sign_pk;
}

void
keyfile_sign(const struct keyfile *kf, const uint8_t *msg, size_t len,
             uint8_t sig[KEYFILE_SIGNATURE_BYTES])
{
    crypto_sign_detached(sig, NULL, msg, len, kf->sign_sk);
}
