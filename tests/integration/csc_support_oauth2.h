/*
 * A stand-in external OAuth2 authorization server for the /csc/v1 tests of
 * authType "oauth2code" (test_csc_oauth2.c): a P-256 key of the test's own,
 * its registration as "csc_oauth2" in samd's dynamic configuration (PUT
 * /sam/v1/configurations/dynamic, as an administrator), and its JWT access
 * tokens minted with OpenSSL (tests/unit/sad's jws_mint). Every function
 * aborts the test on failure; returned strings are malloc'd.
 */
#ifndef SAM_TEST_CSC_SUPPORT_OAUTH2_H
#define SAM_TEST_CSC_SUPPORT_OAUTH2_H

#include "csc_support.h"

#define OA_ISSUER "https://as.example.org/oauth2"
#define OA_BASE_URI "https://as.example.org/oauth2"
#define OA_AUDIENCE "https://csc.example.org/csc/v1"

typedef struct {
    EVP_PKEY *key; /* P-256: its tokens are ES256 */
    char *spki_b64;
} oa_server_t;

void oa_server_init(oa_server_t *oa);
void oa_server_free(oa_server_t *oa);

/* The default csc_oauth2 member for oa: OA_ISSUER, OA_BASE_URI, OA_AUDIENCE, its key as "oa1". */
char *oa_member(const oa_server_t *oa);
/* PUT h's default dynamic document at version with the csc_oauth2 member (raw JSON; NULL:
 * none), expecting status (204 installed, 400 refused). */
void oa_put(samh_t *h, long version, const char *member, long status);
/* oa_put of oa_member(oa), expecting 204. */
void oa_install(samh_t *h, const oa_server_t *oa, long version);

/* The claims of a token; strings are raw JSON values (NULL: the default; OA_OMIT: left out). */
#define OA_OMIT "-"
typedef struct {
    const char *iss, *aud, *sub, *scope, *jti;
    const char *credential_id; /* NULL: no claim (a service token) */
    const api_hash_t *hashes;  /* "hash" */
    size_t n_hashes;
    int num_signatures; /* 0: no claim */
    long iat, exp;      /* offsets from now; both 0: -10 and +120 */
    const char *extra;  /* more raw members, or NULL */
} oa_claims_t;

/* Defaults: iss OA_ISSUER, aud OA_AUDIENCE, scope "service", a fresh jti; sub required. */
char *oa_payload(const oa_claims_t *c);
/* ES256 by oa's key (key NULL), or alg by key. */
char *oa_token(const oa_server_t *oa, const oa_claims_t *c);
char *oa_token_by(EVP_PKEY *key, const char *alg, const oa_claims_t *c);

/* ["<b64>", ...] of n hashes */
char *oa_hash_array(const api_hash_t *hs, size_t n);

#endif
