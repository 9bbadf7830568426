/* Between verifier.c (the loaded plugin), sad.c (the check), sad_claims.c (reading claims) and
 * access_token.c (service tokens of an external OAuth2 server). */
#ifndef SAM_SAD_INTERNAL_H
#define SAM_SAD_INTERNAL_H

#include "sam/json.h"
#include "sam/sad.h"

/* The plugin's verify() on v's state (verifier.h states the contract). */
int sam_verifier_verify(sam_verifier_t *v, const char *jws, size_t jws_len,
                        const sam_issuer_key_t *keys, size_t n_keys, size_t *key_index,
                        sam_outbuf_t *payload);

/*
 * The one JWS path of SADs and access tokens: bounds, the verifier plugin,
 * the header alg among algorithms (SAM_SIGALG_* bits, 0: any), then the
 * verified payload parsed with duplicate members refused. On SAM_OK *root
 * (sam_json_free) and *key_index (< n_keys). Errors: SAM_E_SAD_INVALID,
 * SAM_E_PLUGIN, SAM_E_NOMEM.
 */
int sam_jws_verify_claims(sam_verifier_t *v, const char *jws, size_t jws_len,
                          const sam_issuer_key_t *keys, size_t n_keys, uint32_t algorithms,
                          size_t *key_index, sam_json_t **root);

/*
 * iat/exp/nbf against now: exp - iat at most max_lifetime, iat and nbf not
 * in the future beyond skew, exp not past beyond skew (nbf 0: absent).
 * SAM_E_SAD_INVALID or SAM_E_SAD_EXPIRED.
 */
int sam_sad_check_time(int64_t now, int64_t skew, int64_t max_lifetime, int64_t iat, int64_t exp,
                       int64_t nbf);

/*
 * Read the claims of a verified SAD into sad (zeroed by the caller; on
 * failure it may be partly filled: release it with sam_sad_free) by the
 * rules' profile. Checks types and form, that aud names audience, and, for
 * CSC_OAUTH2, the scope "credential"; not the comparisons with the request
 * (sad.c). Errors: SAM_E_SAD_INVALID, SAM_E_NOMEM.
 */
int sam_sad_read_claims(const sam_json_t *root, const char *audience,
                        const sam_sad_issuer_rules_t *rules, sam_sad_t *sad);

/* Claim readers shared with access_token.c; errors SAM_E_SAD_INVALID, SAM_E_NOMEM. */
int sam_claim_string(const sam_json_t *root, const char *name, char **out); /* required */
int sam_claim_int(const sam_json_t *root, const char *name, int required, int64_t *out);
int sam_claim_audience(const sam_json_t *root, const char *audience);
/* The space-separated string claim "scope" holds the word want (RFC 9068). */
int sam_claim_scope(const sam_json_t *root, const char *want);

#endif
