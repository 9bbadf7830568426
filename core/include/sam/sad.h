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

/*
 * Which claims carry what (docs/api-csc.md, "oauth2code"):
 * - NATIVE: the SAD of sam-v1.md (key_id, purpose, hashes, num_signatures);
 * - CSC_OAUTH2: the access token of an external OAuth2 server with scope
 *   "credential", a signature SAD naming a CSC credential: scope (space
 *   separated, must hold "credential"), credentialID, hash (array of base64),
 *   numSignatures (required); no key_id and no purpose.
 * iss, aud, sub, iat, exp, nbf, jti and loa read the same in both.
 */
typedef enum {
    SAM_SAD_PROFILE_NATIVE = 0,
    SAM_SAD_PROFILE_CSC_OAUTH2 = 1,
} sam_sad_profile;

/*
 * What the caller allows for the SADs of one issuer key. The /sam/v1 path
 * never sets any (NATIVE, hashes required, the SAM's id as audience).
 */
typedef struct st_sam_sad_issuer_rules_t {
    sam_sad_profile profile;
    /* A signature SAD may list no hashes: it then authorizes any hashes, at
     * most num_signatures of them in total (CSC SCAL 1); num_signatures (or
     * numSignatures) is then required. */
    bool hashless_ok;
    const char *credential_id; /* CSC_OAUTH2: the credentialID the SAD must name */
    const char *audience;      /* NULL: policy->sam_id */
    uint32_t algorithms;       /* SAM_SIGALG_* bits the JWS alg must be among; 0: any */
} sam_sad_issuer_rules_t;

/* What a verified SAD says. */
typedef struct st_sam_sad_t {
    char *issuer;   /* iss */
    char *jti;
    char *subject;  /* sub: the signer */
    char *key_id;   /* NULL with the CSC_OAUTH2 profile */
    char *credential_id; /* CSC_OAUTH2: credentialID; NULL otherwise */
    sam_sad_purpose purpose;
    int64_t iat, exp, nbf; /* nbf 0 when absent */
    sam_bytes_t *hashes;   /* signature purpose: decoded "hashes", in order (duplicates kept) */
    size_t n_hashes;       /* 0: a hashless SAD (only where the issuer's rules allow it) */
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
    /* NULL, or one entry per issuer key (same order as the keys): the rules
     * for SADs that key verifies. NULL: NATIVE with hashes, for every key. */
    const sam_sad_issuer_rules_t *issuer_rules;
} sam_sad_policy_t;

/* What the request needs the SAD to authorize. */
typedef struct st_sam_sad_expect_t {
    sam_sad_purpose purpose;
    const char *signer_id; /* must equal sub */
    const char *key_id;    /* must equal key_id (NATIVE profile; CSC_OAUTH2 compares
                              credentialID with the issuer rules' credential_id) */
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
 * With policy->issuer_rules, the rules of the key that verified apply: its
 * claim profile (CSC_OAUTH2: scope, credentialID against the rules'
 * credential_id instead of key_id), its audience and algorithms, and
 * whether a signature SAD may list no hashes (then the request may name any
 * hashes, at most num_signatures of them; the store bounds the total).
 * Returns SAM_OK and *out (free with sam_sad_free), or SAM_E_SAD_INVALID /
 * SAM_E_SAD_EXPIRED with a detail naming the failed check.
 * Usage counting across requests is the store's (store.h).
 */
int sam_sad_check(sam_verifier_t *v, const char *jws, size_t jws_len, const sam_issuer_key_t *keys,
                  size_t n_keys, const sam_sad_policy_t *policy, const sam_sad_expect_t *expect,
                  sam_sad_t **out);
/*
 * As sam_sad_check; in addition, when the SAD's signature verified with a
 * trusted key but a claim check refused it, *seen (if seen is not NULL)
 * receives the claims read so far (issuer and jti may be NULL; free with
 * sam_sad_free), so that the refusal can name the SAD in the audit log.
 * *seen is NULL otherwise.
 */
int sam_sad_check_ex(sam_verifier_t *v, const char *jws, size_t jws_len,
                     const sam_issuer_key_t *keys, size_t n_keys, const sam_sad_policy_t *policy,
                     const sam_sad_expect_t *expect, sam_sad_t **out, sam_sad_t **seen);
void sam_sad_free(sam_sad_t *sad);

/*
 * An OAuth2 access token (a JWT, RFC 9068 claims) of an external
 * authorization server used as a service Bearer token: the same verifier and
 * the same claim reading as a SAD, then iss = the issuer of the key that
 * verified, aud holding audience, sub present, iat/exp required and nbf
 * optional within policy->clock_skew (no lifetime cap: access tokens
 * outlive SADs), and the space-separated "scope" holding the word scope.
 * policy->sam_id, max_lifetime, min_loa and issuer_rules are not used;
 * algorithms (SAM_SIGALG_* bits, 0: any) restricts the header alg.
 * On SAM_OK *subject is the token's sub (malloc'd). Errors:
 * SAM_E_SAD_INVALID / SAM_E_SAD_EXPIRED with a detail naming the check.
 */
int sam_access_token_check(sam_verifier_t *v, const char *jws, size_t jws_len,
                           const sam_issuer_key_t *keys, size_t n_keys,
                           const sam_sad_policy_t *policy, const char *audience, uint32_t algorithms,
                           const char *scope, char **subject);

#endif
