/* Raw PKCS#11 loops against SoftHSMv2, the baseline the plugin path is compared with. */
#ifndef SAM_BENCH_RAW_PKCS11_H
#define SAM_BENCH_RAW_PKCS11_H

#include "sam/crypto_types.h"

typedef struct {
    double resident_per_s; /* (a) sign with a resident session key */
    double unwrap_per_s;   /* (b) unwrap + sign + destroy */
} raw_result_t;

/* Measure both loops for spec on the token labelled token_label; 0 on success. */
int raw_pkcs11_measure(const char *library, const char *token_label, const char *pin,
                       const sam_key_spec_t *spec, double seconds, unsigned max_ops,
                       raw_result_t *out);

#endif
