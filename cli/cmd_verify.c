/*
 * cli/cmd_verify.c — `leakwatch verify`: check a webhook body against its X-Leakwatch-Timestamp
 * and X-Leakwatch-Signature headers, as a clinic's receiver would.
 *
 * The signature is Ed25519 (crypto_sign_verify_detached) over "<timestamp>.<body>", the body
 * byte for byte as received. The public key is what `leakwatch key show --public` prints (standard
 * base64, or hex with --format hex: both are accepted), or the local key file's signing key.
 * --max-age refuses a timestamp further than that from now in either direction: an old body
 * replayed with its valid signature is rejected, and so is one dated ahead to outlive the window.
 *
 * Exit 0 and "valid" on stdout; exit 1 and "invalid" (the reason on stderr) otherwise; 2 for usage.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/buf.h"
#include "common/num.h"
#include "common/slice.h"
#include "storage/keyfile.h"

#define BODY_MAX (64u * 1024 * 1024)
#define MAX_AGE_LIMIT (10ULL * 365 * 86400)

struct verify_opts {
    const char *public_key;
    const char *key_file;
    const char *timestamp;
    const char *signature;
    const char *file;
    uint64_t max_age; /* 0: no limit */
};

static void
verify_help(void)
{
    printf("Usage: leakwatch verify [--public-key KEY | --key-file PATH] --timestamp T\n"
           "                        --signature 'ed25519=...' [--max-age SECONDS] [FILE | -]\n\n"
           "Check a webhook alert as its receiver: FILE (default: standard input) is the request\n"
           "body exactly as received, T the X-Leakwatch-Timestamp header and the signature the\n"
           "X-Leakwatch-Signature header. The signature is Ed25519 over \"T.BODY\"; any libsodium\n"
           "binding can check it the same way (crypto_sign_verify_detached).\n\n"
           "  --public-key KEY   the operator's public signing key, as 'leakwatch key show\n"
           "                     --public' prints it (base64, or hex with --format hex)\n"
           "  --key-file PATH    take the signing key from this key file instead (default: the\n"
           "                     local key file, $LEAKWATCH_KEY_FILE or var/leakwatch.key)\n"
           "  --max-age SECONDS  refuse a timestamp more than SECONDS away from now (replay\n"
           "                     protection; receivers should use a few minutes)\n\n"
           "Prints 'valid' (exit 0) or 'invalid' (exit 1, the reason on stderr); exit 2 for a\n"
           "usage error or an unreadable key.\n");
}

/* KEY as base64 (standard, padded) or 64 hex digits, surrounding white space ignored. */
static enum lw_rc
parse_public(const char *text, uint8_t pk[KEYFILE_SIGN_PUBLIC_BYTES], struct lw_error *err)
{
    struct lw_slice s = lw_slice_trim(lw_slice_cstr(text));
    char tmp[200];
    size_t n = 0;

    if (s.len >= sizeof(tmp)) {
        return cli_usage_error(err, "verify", "--public-key: not a public key");
    }
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = '\0';
    if (s.len == 2 * KEYFILE_SIGN_PUBLIC_BYTES &&
        sodium_hex2bin(pk, KEYFILE_SIGN_PUBLIC_BYTES, tmp, s.len, NULL, &n, NULL) == 0 &&
        n == KEYFILE_SIGN_PUBLIC_BYTES) {
        return LW_OK;
    }
    if (sodium_base642bin(pk, KEYFILE_SIGN_PUBLIC_BYTES, tmp, s.len, NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) == 0 &&
        n == KEYFILE_SIGN_PUBLIC_BYTES) {
        return LW_OK;
    }
    return cli_usage_error(err, "verify", "--public-key: 32 bytes in base64 or hex, as 'leakwatch "
                           "key show --public' prints");
}

static enum lw_rc
load_public(const struct verify_opts *o, uint8_t pk[KEYFILE_SIGN_PUBLIC_BYTES],
            struct lw_error *err)
{
    struct keyfile *kf = NULL;
    enum lw_rc rc;

    if (o->public_key != NULL) {
        return parse_public(o->public_key, pk, err);
    }
    rc = keyfile_load(o->key_file != NULL ? o->key_file : keyfile_default_path(), &kf, err);
    if (rc == LW_OK) {
        memcpy(pk, keyfile_sign_public(kf), KEYFILE_SIGN_PUBLIC_BYTES);
    }
    keyfile_free(kf);
    return rc;
}

static enum lw_rc
read_stream(FILE *f, struct lw_buf *b, struct lw_error *err)
{
    char chunk[65536];
    size_t n;
    enum lw_rc rc = LW_OK;

    while (rc == LW_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        rc = lw_buf_append(b, chunk, n);
    }
    if (rc != LW_OK) {
        return lw_error_set(err, rc, "the body is larger than %u bytes", BODY_MAX);
    }
    return ferror(f) ? lw_error_set(err, LW_ERR_IO, "cannot read the body") : LW_OK;
}

/* FILE, or standard input for NULL and "-". */
static enum lw_rc
read_body(const char *file, struct lw_buf *b, struct lw_error *err)
{
    FILE *f;
    enum lw_rc rc;

    if (file == NULL || strcmp(file, "-") == 0) {
        return read_stream(stdin, b, err);
    }
    f = fopen(file, "rb");
    if (f == NULL) {
        return lw_error_set(err, LW_ERR_IO, "cannot open %s", file);
    }
    rc = read_stream(f, b, err);
    fclose(f);
    return rc;
}

static enum lw_rc
parse_opts(int argc, char **argv, struct verify_opts *o, struct lw_error *err)
{
    static const struct option opts[] = {
        {"public-key", required_argument, NULL, 'p'}, {"key-file", required_argument, NULL, 'k'},
        {"timestamp", required_argument, NULL, 't'},  {"signature", required_argument, NULL, 's'},
        {"max-age", required_argument, NULL, 'm'},    {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': o->public_key = optarg; break;
        case 'k': o->key_file = optarg; break;
        case 't': o->timestamp = optarg; break;
        case 's': o->signature = optarg; break;
        case 'm':
            if (lw_parse_u64(lw_slice_cstr(optarg), 1, MAX_AGE_LIMIT, &o->max_age) != LW_OK) {
                return cli_usage_error(err, "verify", "--max-age: whole seconds, at least 1");
            }
            break;
        case 'h': verify_help(); return LW_ERR_NOT_FOUND;
        default: return cli_usage_error(err, "verify", "bad option");
        }
    }
    if (o->public_key != NULL && o->key_file != NULL) {
        return cli_usage_error(err, "verify", "--public-key or --key-file, not both");
    }
    if (o->timestamp == NULL || o->signature == NULL) {
        return cli_usage_error(err, "verify", "--timestamp and --signature are required");
    }
    if (optind + 1 < argc) {
        return cli_usage_error(err, "verify", "one FILE at most");
    }
    o->file = optind < argc ? argv[optind] : NULL;
    return LW_OK;
}

/* The checks that make a signature invalid (exit 1); err says which. */
static enum lw_rc
check(const struct verify_opts *o, const uint8_t pk[KEYFILE_SIGN_PUBLIC_BYTES],
      const struct lw_buf *body, struct lw_error *err)
{
    uint8_t sig[KEYFILE_SIGNATURE_BYTES];
    const char *b64;
    struct lw_buf msg;
    uint64_t ts;
    size_t n = 0;
    int64_t now = (int64_t)time(NULL);
    bool good;

    if (o->timestamp == NULL || o->signature == NULL ||
        lw_parse_u64(lw_slice_cstr(o->timestamp), 0, INT64_MAX, &ts) != LW_OK) {
        return lw_error_set(err, LW_ERR_INVALID, "the timestamp is not unix seconds");
    }
    if (o->max_age > 0 && ((int64_t)ts < now - (int64_t)o->max_age ||
                           (int64_t)ts > now + (int64_t)o->max_age)) {
        return lw_error_set(err, LW_ERR_INVALID, "the timestamp is more than %llu s from now "
                            "(--max-age): a replay or a wrong clock",
                            (unsigned long long)o->max_age);
    }
    b64 = strncmp(o->signature, "ed25519=", 8) == 0 ? o->signature + 8 : NULL;
    if (b64 == NULL ||
        sodium_base642bin(sig, sizeof(sig), b64, strlen(b64), NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        n != sizeof(sig)) {
        return lw_error_set(err, LW_ERR_INVALID, "the signature is not 'ed25519=' and 64 bytes "
                            "in base64");
    }
    lw_buf_init(&msg, BODY_MAX + 64);
    lw_buf_append_str(&msg, o->timestamp);
    lw_buf_append_byte(&msg, '.');
    lw_buf_append(&msg, body->data != NULL ? body->data : "", body->len);
    good = crypto_sign_verify_detached(sig, (const unsigned char *)msg.data, msg.len, pk) == 0;
    lw_buf_free(&msg);
    return good ? LW_OK
                : lw_error_set(err, LW_ERR_INVALID, "the signature does not match this body, "
                               "timestamp and key");
}

static enum lw_rc
verify_run(int argc, char **argv, struct lw_error *err)
{
    struct verify_opts o = {0};
    uint8_t pk[KEYFILE_SIGN_PUBLIC_BYTES];
    struct lw_buf body;
    enum lw_rc rc = parse_opts(argc, argv, &o, err);

    if (rc == LW_ERR_NOT_FOUND) {
        return LW_OK;
    }
    if (rc != LW_OK) {
        return rc;
    }
    if (sodium_init() < 0) {
        return lw_error_set(err, LW_ERR_CRYPTO, "libsodium failed to initialise");
    }
    rc = load_public(&o, pk, err);
    if (rc != LW_OK) {
        return rc;
    }
    lw_buf_init(&body, BODY_MAX);
    rc = read_body(o.file, &body, err);
    if (rc == LW_OK) {
        rc = check(&o, pk, &body, err);
        printf("%s\n", rc == LW_OK ? "valid" : "invalid");
    }
    lw_buf_free(&body);
    return rc;
}

const struct cli_command cmd_verify = {
    .name = "verify",
    .summary = "check a webhook alert's Ed25519 signature",
    .run = verify_run,
    .help = verify_help,
};
