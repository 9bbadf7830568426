/*
 * The core's Signature Activation Data check (sam-v1.md, "Signature
 * Activation Data"): the verifier plugin checks the signature, this checks
 * the claims against what the request is about to do.
 */
#ifndef SAM_SAD_H
#define SAM_SAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sam/crypto_types.h"
#include "sam/verifier.h"

typedef struct st_sam_verifier_t sam_verifier_t;

/* Load and open a verifier plugin. */
int sam_verifier_open(const char *plugin_path, const sam_param_t *params, sam_verifier_t **out);
void sam_verifier_close(sam_verifier_t *v);
extern const struct st_sam_plugin_kind_t sam_verifier_kind;

typedef enum {
    SAM_SAD_PURPOSE_SIGNATURE = 1,
    SAM_SAD_PURPOSE_KEY_ASSIGNMENT = 2,
    SAM_SAD_PURPOSE_KEY_DELETION = 3,
} sam_sad_purpose;

#define SAM_SAD_MAX_HASHES 1000

/* What a verified SAD says. */
typedef struct st_sam_sad_t {
    char *issuer;   /* iss */
    char *jti;
    char *subject;  /* sub: the signer */
    char *key_id;
    sam_sad_purpose purpose;
    int64_t iat, exp, nbf; /* nbf 0 when absent */
    sam_bytes_t *hashes;   /* signature purpose: decoded "hashes", in order (duplicates kept) */
    size_t n_hashes;
    uint32_t num_signatures; /* default n_hashes */
    char *loa;               /* NULL when absent */
} sam_sad_t;

/* The rules in force (static configuration) and the time. */
typedef struct st_sam_sad_policy_t {
    const char *sam_id;        /* the audience we accept */
    int64_t now;               /* seconds since the epoch */
    int64_t max_lifetime;      /* exp - iat at most this (default 300) */
    int64_t clock_skew;        /* tolerance for iat/nbf in the future and exp in the past (default 30) */
    const char *min_loa;       /* NULL: no minimum */
    const char *const *loa_levels; /* ordered, lowest first, NULL-terminated; NULL: {"low","substantial","high"} */
} sam_sad_policy_t;

/* What the request needs the SAD to authorize. */
typedef struct st_sam_sad_expect_t {
    sam_sad_purpose purpose;
    const char *signer_id; /* must equal sub */
    const char *key_id;    /* must equal key_id */
    const sam_bytes_t *hashes; /* signature purpose: each must be among the SAD's hashes */
    size_t n_hashes;
} sam_sad_expect_t;

/*
 * Verify jws with the verifier against keys (the issuers the calling SSA
 * trusts), then check every claim: iss is the issuer of the key that
 * verified, aud (string or array) holds policy->sam_id, sub, key_id, purpose,
 * iat/exp required with exp - iat <= max_lifetime, iat and nbf not in the
 * future beyond the skew, exp not past beyond the skew, jti present, hashes
 * and num_signatures well formed (hashes of 32, 48 or 64 bytes; num_signatures
 * 1..n_hashes), loa at least the minimum, and every expected hash among the
 * SAD's hashes (counting multiplicity within this one request). Claims are
 * parsed with duplicate members refused.
 * Returns SAM_OK and *out (free with sam_sad_free), or SAM_E_SAD_INVALID /
 * SAM_E_SAD_EXPIRED with a detail naming the failed check.
 * Usage counting across requests is the store's (store.h).
 */
int sam_sad_check(sam_verifier_t *v, const char *jws, size_t jws_len, const sam_issuer_key_t *keys,
                  size_t n_keys, const sam_sad_policy_t *policy, const sam_sad_expect_t *expect,
                  sam_sad_t **out);
void sam_sad_free(sam_sad_t *sad);

#endif
