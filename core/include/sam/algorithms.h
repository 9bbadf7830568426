/*
 * Names of key and signature algorithms as the APIs spell them, mapped to the
 * plain descriptions of crypto_types.h.
 */
#ifndef SAM_ALGORITHMS_H
#define SAM_ALGORITHMS_H

#include <stdbool.h>

#include "sam/crypto_types.h"

/* "secp256r1", "prime256v1", "P-256" ... → curve; SAM_CURVE_NONE when unknown. */
sam_curve sam_curve_from_name(const char *name);
/* Canonical name: "secp256r1", "secp384r1", "secp521r1". */
const char *sam_curve_name(sam_curve c);
/* Dotted OID of the curve, e.g. "1.2.840.10045.3.1.7". */
const char *sam_curve_oid(sam_curve c);

/* Check a key spec against what the SAM supports (RSA 2048/3072/4096, the three curves). */
int sam_key_spec_check(const sam_key_spec_t *spec);

/*
 * Signature algorithm by JOSE name ("RS256", "PS384", "ES512") or OID
 * ("1.2.840.113549.1.1.11", "1.2.840.113549.1.1.10", "1.2.840.10045.4.3.2").
 * For the bare PSS OID and for hash-agnostic names, hash is SAM_HASH_NONE and
 * must be fixed from the dtbs length (sam_sig_params_fix_hash()).
 * Returns SAM_OK or SAM_E_UNSUPPORTED_ALG.
 */
int sam_sig_params_from_name(const char *name, sam_sig_params_t *out);
/* Complete params whose hash is unset from a dtbs length; check the length fits. SAM_E_PARSE if not. */
int sam_sig_params_fix_hash(sam_sig_params_t *p, size_t dtbs_len);
/* Does the algorithm fit the key? (scheme/key type, PSS salt within what the key allows). */
int sam_sig_params_fit_key(const sam_sig_params_t *p, const sam_key_spec_t *spec);
/* The hash for a hash length (32/48/64), or SAM_HASH_NONE. */
sam_hash sam_hash_from_len(size_t len);

#endif
