/* Keys made at test time and documents built from templates, for the config tests. */
#ifndef SAM_TEST_CONFIG_FIXTURES_H
#define SAM_TEST_CONFIG_FIXTURES_H

#include <stddef.h>

/* Kinds of generated public keys. */
typedef enum {
    FX_EC256_A, /* three distinct P-256 keys */
    FX_EC256_B,
    FX_EC256_C,
    FX_EC384,
    FX_RSA2048,
    FX_RSA1024, /* too small */
    FX_ED25519, /* not an accepted type */
    FX_KEY_COUNT
} fx_key;

/* Base64 DER SPKI of a key (made on first use, kept for the process). */
const char *fx_key_b64(fx_key k);
/* The same key as PEM, JSON-escaped ("\n" for newlines), ready to paste into a string. */
const char *fx_key_pem_json(fx_key k);
/* SHA-256 of the DER SPKI. */
const unsigned char *fx_key_sha256(fx_key k);

/*
 * Expand a template: "@A@" "@B@" "@C@" (P-256 keys), "@P384@", "@RSA@", "@RSA1024@",
 * "@ED@" become base64 DER; "@PEM_A@" the PEM of key A, JSON-escaped. Returns a
 * malloc'd string (the tests free it).
 */
char *fx_expand(const char *tmpl);

/* Assert that msg contains every one of the NULL-terminated needles. */
void fx_assert_contains(const char *msg, ...) __attribute__((sentinel));

/* Write text to a new temporary file; returns its malloc'd path. */
char *fx_temp_file(const char *text);

#endif
