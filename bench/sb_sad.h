/*
 * server_bench: what a Server Signing Application sends, made before the
 * clock starts. SADs are ES256 JWS signed with the harness's authorization
 * server key; bodies are POST /sam/v1/signatures documents. Returned strings
 * are malloc'd (free()); NULL with a message on stderr on failure.
 */
#ifndef SAM_BENCH_SB_SAD_H
#define SAM_BENCH_SB_SAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define SB_HASH_LEN 32

typedef struct {
    EVP_PKEY *as_key;   /* P-256 private key of the authorization server */
    const char *iss;    /* its id */
    const char *aud;    /* the SAM's id */
    const char *sub;    /* the signer */
    const char *key_id; /* the key pair's id */
    long lifetime;      /* exp - iat, seconds */
} sb_sad_ctx_t;

/* The AS key from a PEM file; NULL on failure. */
EVP_PKEY *sb_load_key(const char *pem_path);
/* A signature SAD listing n hashes (each SB_HASH_LEN bytes), with jti, iat = now. */
char *sb_mint_sad(const sb_sad_ctx_t *c, const char *jti, const uint8_t *hashes, size_t n);
/* Body of POST /sam/v1/signatures: n requests with alg over hashes, key_pair kp_json. */
char *sb_sign_body(const char *alg, const char *kp_json, const char *signer,
                   const uint8_t *hashes, size_t n, size_t *len);
/*
 * Does the first signature of a 200 response body verify over hash with the
 * key pair's public key (alg "RS256" or "ES256")? Also: exactly n signatures.
 */
bool sb_verify_response(const char *kp_json, const char *alg, const char *body, size_t body_len,
                        const uint8_t *hash, size_t n);

#endif
