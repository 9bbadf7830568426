/*
 * Internals of the JWS verifier plugin. Nothing here is exported from the
 * .so (built with -fvisibility=hidden); the plugin calls no core symbol and
 * reports errors only through the host table it gets in open().
 */
#ifndef SAM_JWS_INTERNAL_H
#define SAM_JWS_INTERNAL_H

#include <openssl/evp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "sam/plugin.h"

#define JWS_KEYCACHE_SLOTS 32
#define JWS_KEYCACHE_MAX_DER 65536

typedef struct st_jws_keycache_slot_t {
    uint8_t *der; /* the key's DER, the cache key */
    size_t der_len;
    EVP_PKEY *pkey;
    uint64_t last_used;
} jws_keycache_slot_t;

/* Decoded issuer keys shared by all threads (jws_keycache.c). */
typedef struct st_jws_keycache_t {
    pthread_mutex_t lock;
    jws_keycache_slot_t slots[JWS_KEYCACHE_SLOTS];
    uint64_t clock;
    int ready;
} jws_keycache_t;

void jws_keycache_init(jws_keycache_t *c);
void jws_keycache_free(jws_keycache_t *c);
/* The decoded key for der (a reference the caller frees), or NULL when it does not parse. */
EVP_PKEY *jws_keycache_get(jws_keycache_t *c, const uint8_t *der, size_t len);

typedef struct st_jws_state_t {
    const sam_host_v1_t *host;
    jws_keycache_t keys;
} jws_state_t;

typedef enum { JWS_FAMILY_RS = 1, JWS_FAMILY_PS = 2, JWS_FAMILY_ES = 3 } jws_family;

/* One allowed JOSE algorithm. */
typedef struct st_jws_alg_t {
    const char *name; /* "RS256" */
    jws_family family;
    const char *md;    /* OpenSSL digest name */
    const char *group; /* ES: OpenSSL group name of the curve the key must be on */
    size_t field_len;  /* ES: bytes of r and of s in the JOSE signature */
} jws_alg_t;

/* The allowed algorithm named name[0..len), or NULL ("none", HS*, anything else). */
const jws_alg_t *jws_alg_find(const char *name, size_t len);

/* 1 when pkey is of the kind alg needs (RSA >= 2048 bits, or EC on alg's curve). */
int jws_key_fits(const jws_alg_t *alg, EVP_PKEY *pkey);

/*
 * Verify sig over msg with pkey. ES signatures are JOSE raw r||s and must be
 * exactly 2 * field_len bytes (checked by the caller). 1: verifies, 0: does
 * not (or any OpenSSL failure, which is treated the same).
 */
int jws_signature_ok(const jws_alg_t *alg, EVP_PKEY *pkey, const uint8_t *msg, size_t msg_len,
                     const uint8_t *sig, size_t sig_len);

/*
 * Strict base64url without padding (RFC 7515 §2): only [A-Za-z0-9_-], no
 * '=', length mod 4 != 1, unused bits zero. Decodes into out[0..cap).
 * 0 on success, -1 on bad input or too small a buffer.
 */
int jws_b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);
/* Bytes that len base64url characters decode to (an upper bound for bad input). */
size_t jws_b64url_decoded_len(size_t len);

#define JWS_MAX_ALG 32  /* longer alg values are refused without being echoed */
#define JWS_MAX_KID 256 /* longer kid values are refused */

/* What the protected header says, as far as the verifier cares. */
typedef struct st_jws_header_t {
    char alg[JWS_MAX_ALG + 1]; /* NUL-terminated */
    size_t alg_len;
    int has_kid;
    char kid[JWS_MAX_KID + 1]; /* NUL-terminated; no NUL inside */
    size_t kid_len;
} jws_header_t;

/*
 * Parse the decoded protected header text[0..len). Refuses (through
 * host->set_error, SAM_E_SAD_INVALID): not a JSON object, invalid JSON or
 * UTF-8, duplicate members, "\u0000" in any string or name, a "crit" member,
 * "b64" other than true, alg missing or not a string, kid not a string or
 * too long.
 */
int jws_header_parse(const sam_host_v1_t *host, const uint8_t *text, size_t len, jws_header_t *out);

#endif
