/*
 * cli/cmd_key.c — `leakwatch key generate|show`: the server key file.
 *
 * generate writes a new key file (never replacing one); show prints what may be shown: the path, a
 * key id (the first 8 bytes of the OPRF public key, so operators can check that several hosts use
 * the same key) and the Ed25519 public key that clinics use to verify webhook signatures.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "storage/keyfile.h"

static void
key_help(void)
{
    printf("Usage: leakwatch key generate [--out PATH]\n"
           "       leakwatch key show [--key-file PATH] [--public [--format base64|hex]]\n\n"
           "The key file holds the OPRF key that turns every identifier into a keyed hash, and the\n"
           "Ed25519 key that signs webhook alerts. It never goes into the database: whoever steals\n"
           "the database without it cannot test a guessed identifier. Lose it and the stored hashes\n"
           "can never be matched again, so keep a backup away from the database host.\n\n"
           "  generate        write a new key file, mode 0600, atomically; refuses to overwrite one\n"
           "    --out PATH    where (default: $LEAKWATCH_KEY_FILE, else var/leakwatch.key)\n"
           "  show            print the key file's path, key id and public signing key\n"
           "    --key-file PATH  the key file (default as above)\n"
           "    --public      print only the Ed25519 public key that verifies webhook signatures\n"
           "    --format F    base64 (default) or hex, for --public\n\n"
           "A key file readable or writable by group or others is refused (exit 2); fix it with\n"
           "chmod 600 PATH.\n");
}

static enum lw_rc
key_generate(int argc, char **argv, struct lw_error *err)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = keyfile_default_path();
    struct keyfile *kf = NULL;
    char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    char id[17];
    enum lw_rc rc;
    int c;

    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': path = optarg; break;
        case 'h': key_help(); return LW_OK;
        default: return cli_usage_error(err, "key", "bad option for key generate");
        }
    }
    if (optind != argc) {
        return cli_usage_error(err, "key", "unexpected argument '%s'", argv[optind]);
    }
    rc = keyfile_generate(path, err);
    if (rc == LW_OK) {
        rc = keyfile_load(path, &kf, err);
    }
    if (rc != LW_OK) {
        return rc;
    }
    sodium_bin2hex(id, sizeof(id), keyfile_oprf_public(kf), 8);
    sodium_bin2base64(b64, sizeof(b64), keyfile_sign_public(kf), 32, sodium_base64_VARIANT_ORIGINAL);
    printf("created key file %s (mode 0600)\n"
           "key id:      %s\n"
           "signing key: %s\n"
           "Back it up away from the database host: without it, stored hashes can never be matched "
           "again.\n",
           path, id, b64);
    keyfile_free(kf);
    return LW_OK;
}

static enum lw_rc
key_show(int argc, char **argv, struct lw_error *err)
{
    static const struct option opts[] = {
        {"key-file", required_argument, NULL, 'k'}, {"public", no_argument, NULL, 'p'},
        {"format", required_argument, NULL, 'f'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = keyfile_default_path();
    const char *format = "base64";
    struct keyfile *kf = NULL;
    char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    char hex[65];
    char id[17];
    int public_only = 0;
    enum lw_rc rc;
    int c;

    while ((c = getopt_long(argc, argv, "k:pf:h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': path = optarg; break;
        case 'p': public_only = 1; break;
        case 'f': format = optarg; break;
        case 'h': key_help(); return LW_OK;
        default: return cli_usage_error(err, "key", "bad option for key show");
        }
    }
    if (optind != argc) {
        return cli_usage_error(err, "key", "unexpected argument '%s'", argv[optind]);
    }
    if (strcmp(format, "base64") != 0 && strcmp(format, "hex") != 0) {
        return cli_usage_error(err, "key", "--format must be base64 or hex");
    }
    rc = keyfile_load(path, &kf, err);
    if (rc != LW_OK) {
        return rc;
    }
    sodium_bin2base64(b64, sizeof(b64), keyfile_sign_public(kf), 32, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2hex(hex, sizeof(hex), keyfile_sign_public(kf), 32);
    sodium_bin2hex(id, sizeof(id), keyfile_oprf_public(kf), 8);
    if (public_only) {
        printf("%s\n", strcmp(format, "hex") == 0 ? hex : b64);
    } else {
        printf("key file:    %s\nkey id:      %s\nsigning key: %s (Ed25519, base64)\n", path, id, b64);
    }
    keyfile_free(kf);
    return LW_OK;
}

static enum lw_rc
key_run(int argc, char **argv, struct lw_error *err)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        key_help();
        return argc < 2 ? cli_usage_error(err, "key", "key needs a subcommand") : LW_OK;
    }
    /* argv[1] becomes getopt's program name, so its messages read "leakwatch key show: …" */
    if (strcmp(argv[1], "generate") == 0) {
        argv[1] = (char[]){"leakwatch key generate"};
        return key_generate(argc - 1, argv + 1, err);
    }
    if (strcmp(argv[1], "show") == 0) {
        argv[1] = (char[]){"leakwatch key show"};
        return key_show(argc - 1, argv + 1, err);
    }
    return cli_usage_error(err, "key", "unknown key subcommand '%s'", argv[1]);
}

const struct cli_command cmd_key = {
    .name = "key",
    .summary = "generate the key file, show its public signing key",
    .run = key_run,
    .help = key_help,
};
