/* Raw PKCS#11 loops against SoftHSMv2, the baseline the plugin path is compared with. */
#ifndef SAM_BENCH_RAW_PKCS11_H
#define SAM_BENCH_RAW_PKCS11_H

#include "sam/crypto_types.h"

typedef struct {
    double resident_per_s; /* (a) sign with a resident session key */
    double unwrap_per_s;   /* (b) unwrap + sign + destroy */
} raw_result_t;

/*
 * Measure both loops for spec on the token labelled token_label; 0 on success.
 * wrap_label names the token's wrapping key (as a SAM has one: a token
 * object); NULL uses a session AES key instead.
 */
int raw_pkcs11_measure(const char *library, const char *token_label, const char *pin,
                       const char *wrap_label, const sam_key_spec_t *spec, double seconds,
                       unsigned max_ops, raw_result_t *out);

#endif
