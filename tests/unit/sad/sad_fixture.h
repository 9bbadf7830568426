/*
 * Shared set-up for the SAD tests: the real sam_verifier_jws.so, one
 * authorization server "as1" with a P-256 key (kid "k1"), a policy at a fixed
 * time and a request for signer-1 / key-1 with one hash. Tests change the
 * fx globals, mint a token and call fx_ok() or fx_refused().
 */
#ifndef SAM_TEST_SAD_FIXTURE_H
#define SAM_TEST_SAD_FIXTURE_H

#include "jws_mint.h"
#include "sam/sad.h"

#define FX_NOW 1700000000LL
#define FX_SAM_ID "sam-test"
#define FX_PLUGIN SAM_TEST_PLUGIN_DIR "/sam_verifier_jws.so"

typedef struct {
    sam_verifier_t *verifier;
    EVP_PKEY *as1; /* P-256, registered as "as1" with kid "k1" */
    uint8_t *as1_spki;
    size_t as1_spki_len;
    sam_issuer_key_t keys[4];
    size_t n_keys;
    sam_sad_policy_t policy;
    sam_sad_expect_t expect;
    sam_bytes_t want[4]; /* expect.hashes points here */
} fx_t;

extern fx_t fx;
/* Hashes of 32, 48, 64 bytes (0x11.., 0x22.., 0x33..) and their base64. */
extern const uint8_t FX_H32[32], FX_H48[48], FX_H64[64];
#define FX_H32_B64 "ERERERERERERERERERERERERERERERERERERERERERE="
#define FX_H48_B64 "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIi"
#define FX_H64_B64                                                                                 \
    "MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMw=="

void fx_setup(void);
void fx_teardown(void);

/* Register key as keys[fx.n_keys] (issuer, kid may be NULL); spki is kept until teardown. */
void fx_add_key(const char *issuer, const char *kid, EVP_PKEY *key);

/*
 * Claims JSON: every default claim (iss as1, aud sam-test, sub signer-1,
 * key_id key-1, purpose signature, iat FX_NOW, exp FX_NOW+60, jti, hashes
 * [H32]) in that order, with pairs (name, raw JSON value) replacing a
 * default (value NULL: left out) or appended; end with NULL. malloc'd.
 */
char *fx_claims(const char *name, ...);
/* The same over another table of defaults {name, raw JSON value}. */
char *fx_claims_with(const char *const (*defs)[2], size_t n_defs, const char *name, ...);

/* ES256 token by as1 (kid k1) over claims (taken and freed). */
char *fx_token(char *claims);

/* Check jws: must succeed; returns the SAD (sam_sad_free it). */
sam_sad_t *fx_ok(const char *jws);
/* Check jws: must fail with rc and a message containing fragment, quoting no token part. */
void fx_refused(const char *jws, int rc, const char *fragment);

#endif
