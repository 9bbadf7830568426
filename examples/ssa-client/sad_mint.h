/*
 * Minting Signature Activation Data (SAD): what an authorization server (AS)
 * does once it has authenticated the signer and the signer has agreed to
 * sign. The SAD is a JWS in compact serialization (a JWT) signed with the
 * AS's private key; the SAM checks it with the AS's public key from its
 * dynamic configuration. See docs in examples/ssa-client/README.md and the
 * SAD section of the /sam/v1 specification.
 *
 * This file pair depends on OpenSSL 3 and the C library only, so that an AS
 * integrator can copy it. Nothing here prints or logs the SAD: it is a bearer
 * token for signatures until it expires or is spent.
 */
#ifndef SAD_MINT_H
#define SAD_MINT_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

enum {
    SAD_OK = 0,
    SAD_E_ARG = -1,    /* a claim is missing or too long, or a hash has the wrong length */
    SAD_E_ALG = -2,    /* alg unknown, or it does not fit the key (ES256 needs P-256, ...) */
    SAD_E_CRYPTO = -3, /* OpenSSL failed (random numbers, signing) */
    SAD_E_SPACE = -4,  /* the SAD does not fit in the caller's buffer */
};

/* The claims of one SAD. Strings are NUL-terminated UTF-8, each at most SAD_MAX_CLAIM bytes. */
typedef struct st_sad_claims_t {
    const char *issuer;   /* iss: the AS's id in the SAM's dynamic configuration */
    const char *audience; /* aud: the SAM's sam_id */
    const char *subject;  /* sub: the signer's id */
    const char *key_id;   /* key_id: the id of the signer's key pair */
    const char *purpose;  /* "signature", "key_assignment" or "key_deletion" */
    /* For purpose "signature": n_hashes hashes of hash_len bytes each, back
     * to back in hashes; every one authorizes one signature of that hash. */
    const uint8_t *hashes;
    size_t hash_len;
    size_t n_hashes;
    unsigned num_signatures; /* 0: leave the claim out (the SAM counts the hashes) */
    long lifetime_seconds;   /* exp - iat, 1..86400; the SAM refuses more than its
                                sad.max_lifetime_seconds (default 300) */
    const char *loa;         /* level of assurance, or NULL */
} sad_claims_t;

#define SAD_MAX_CLAIM 1024
/* The SAM refuses SADs over 16384 bytes; a buffer of this size always suffices. */
#define SAD_MAX_BYTES 16384
/* jti: 16 random bytes in base64url, plus the NUL. */
#define SAD_JTI_SIZE 23

/*
 * Load the AS's private key (PEM, PKCS#8 or traditional, unencrypted).
 * Returns SAD_OK and *out (free with EVP_PKEY_free()), or SAD_E_CRYPTO.
 */
int sad_load_private_key(const char *pem_path, EVP_PKEY **out);

/*
 * Mint a SAD: header {"alg": alg, "typ": "JWT"}, the claims above plus iat
 * (now), exp (now + lifetime) and a fresh random jti. alg is one of ES256,
 * ES384, ES512 (key on P-256, P-384, P-521), RS256, RS384, RS512, PS256,
 * PS384, PS512 (RSA of at least 2048 bits). ECDSA signatures are written as
 * JOSE wants them, r || s of fixed length, not DER.
 *
 * Writes the NUL-terminated JWS to out[0..cap) and the jti (not secret; the
 * SAM's audit log records it) to jti[0..SAD_JTI_SIZE). Returns SAD_OK or an
 * SAD_E_ code; out is then the empty string.
 */
int sad_mint(EVP_PKEY *key, const char *alg, const sad_claims_t *claims, char *out, size_t cap,
             char jti[SAD_JTI_SIZE]);

/* A sentence for an SAD_E_ code. */
const char *sad_strerror(int rc);

#endif
