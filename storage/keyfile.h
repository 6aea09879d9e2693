/*
 * storage/keyfile.h — the server key file: the OPRF key and the webhook signing key.
 *
 * The key file holds two 32-byte seeds, in hex, in a small line-oriented text format:
 *     leakwatch-key 1
 *     oprf-seed <64 hex digits>       skS = DeriveKeyPair(seed, "leakwatch-oprf-key-v1")
 *     ed25519-seed <64 hex digits>    the Ed25519 key that signs webhooks
 * It lives outside the database (DESIGN.md invariant 2): whoever steals the database without the key
 * cannot test a guessed identifier against it. Loading refuses a file that group or others may read
 * or write. Loaded key material lives in sodium_malloc'ed memory, read-only after loading.
 */
#ifndef LW_STORAGE_KEYFILE_H
#define LW_STORAGE_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define KEYFILE_SEED_BYTES 32
#define KEYFILE_SIGN_PUBLIC_BYTES 32
#define KEYFILE_SIGNATURE_BYTES 64
#define KEYFILE_DEFAULT_PATH "var/leakwatch.key"
#define KEYFILE_OPRF_INFO "leakwatch-oprf-key-v1"

struct keyfile;

/* The path to use: $LEAKWATCH_KEY_FILE if set and non-empty, else KEYFILE_DEFAULT_PATH. Static. */
const char *keyfile_default_path(void);

/*
 * Write a new key file with fresh random seeds. Atomic: written to a temporary file in the same
 * directory (mode 0600), synced, then linked into place, so a crash leaves either no key file or a
 * whole one. Creates a missing parent directory (mode 0700), one level only.
 * LW_ERR_EXISTS if path exists (never overwritten); LW_ERR_IO with detail in err otherwise.
 */
enum lw_rc keyfile_generate(const char *path, struct lw_error *err);

/* Same as keyfile_generate with the given seeds (tests, and reproducible keys in test fixtures). */
enum lw_rc keyfile_create(const char *path, const uint8_t oprf_seed[KEYFILE_SEED_BYTES],
                          const uint8_t sign_seed[KEYFILE_SEED_BYTES], struct lw_error *err);

/*
 * Load and check a key file. LW_ERR_CONFIG when the file is readable or writable by group or others
 * (the message names the file and the chmod that fixes it), does not exist (the message says how
 * to create one), is not a regular file, or is malformed; LW_ERR_IO for other read errors. On success *out owns
 * the key; free it with keyfile_free().
 */
enum lw_rc keyfile_load(const char *path, struct keyfile **out, struct lw_error *err);

/* Wipe and release. NULL-safe. */
void keyfile_free(struct keyfile *kf);

/* The OPRF server secret skS (32 bytes), valid until keyfile_free(). */
const uint8_t *keyfile_oprf_secret(const struct keyfile *kf);

/* The OPRF public key pkS = skS·G; its first bytes identify the key across hosts (key show). */
const uint8_t *keyfile_oprf_public(const struct keyfile *kf);

/* The Ed25519 public key that verifies webhook signatures (key show --public). */
const uint8_t *keyfile_sign_public(const struct keyfile *kf);

/* Ed25519 detached signature of msg. */
void keyfile_sign(const struct keyfile *kf, const uint8_t *msg, size_t len,
                  uint8_t sig[KEYFILE_SIGNATURE_BYTES]);

#endif
