/*
 * Test-side JWS minting: sign any header and payload text with any key, the
 * way a (possibly malicious) authorization server would. Every function
 * aborts the test (cr_assert) on failure; returned memory is malloc'd.
 */
#ifndef SAM_TEST_JWS_MINT_H
#define SAM_TEST_JWS_MINT_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

/* Fresh keys: RSA of bits, or EC on group ("P-256", "P-384", "P-521"). */
EVP_PKEY *mint_rsa_key(unsigned bits);
EVP_PKEY *mint_ec_key(const char *group);
/* DER SubjectPublicKeyInfo of key. */
uint8_t *mint_spki(EVP_PKEY *key, size_t *len);

/*
 * Signature over ASCII(b64url(header) '.' b64url(payload)) with key as
 * sign_alg: RS256..512, PS256..512 (salt = hash length), ES256..512 (JOSE
 * r||s, each of the field size of the key's curve).
 */
uint8_t *mint_sign(EVP_PKEY *key, const char *sign_alg, const char *header, const char *payload,
                   size_t *sig_len);
/* HS256 over the same signing input, keyed with secret. */
uint8_t *mint_hs256(const uint8_t *secret, size_t secret_len, const char *header,
                    const char *payload, size_t *sig_len);
/* b64url(header) '.' b64url(payload[0..payload_len)) '.' b64url(sig). */
char *mint_join(const char *header, const char *payload, size_t payload_len, const uint8_t *sig,
                size_t sig_len);
/* The whole token: mint_sign then mint_join. key NULL: empty signature. */
char *mint_jws(EVP_PKEY *key, const char *sign_alg, const char *header, const char *payload);

#endif
