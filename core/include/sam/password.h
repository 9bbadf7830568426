/*
 * Passwords and PINs of CSC users: stored only as a salted, slow hash
 * (scrypt, N = 2^15, r = 8, p = 1, 16-byte random salt, 32-byte output),
 * encoded as "$scrypt$N$r$p$<salt base64>$<hash base64>".
 *
 * Thread-safe. Nothing here logs or keeps the secret; the caller wipes its
 * own copy. Hashing costs about 32 MiB of memory and tens of milliseconds:
 * call it on a worker thread, never on an event loop.
 */
#ifndef SAM_PASSWORD_H
#define SAM_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define SAM_PASSWORD_MAX_LEN 1024     /* bytes of a password or PIN */
#define SAM_PASSWORD_HASH_MAX_LEN 160 /* bytes of an encoded hash */

/* Hash secret[0..len) with a fresh salt; *encoded malloc'd (the caller frees).
 * Errors: SAM_E_INVALID_ARG (empty or over SAM_PASSWORD_MAX_LEN), SAM_E_NOMEM,
 * SAM_E_INTERNAL (OpenSSL failed). */
int sam_password_hash(const char *secret, size_t len, char **encoded);

/* Whether secret[0..len) matches encoded (compared in constant time).
 * SAM_OK with *match set; SAM_E_PARSE when encoded is not a hash of ours
 * (*match false). */
int sam_password_verify(const char *secret, size_t len, const char *encoded, bool *match);

#endif
