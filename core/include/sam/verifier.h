/*
 * SAD verifier plugins (plugins/jws is the one we ship): check the signature
 * of a Signature Activation Data token against the public keys of the
 * authorization servers the caller trusts. Claims are checked by the core
 * (sad.h), not here. Same ABI rules as backend.h: one exported const struct,
 * fields only appended, host services table, core-allocated state.
 *
 * Thread context: after open(), verify() may run on several threads at once.
 */
#ifndef SAM_VERIFIER_H
#define SAM_VERIFIER_H

#include "sam/plugin.h"

#define SAM_VERIFIER_ABI_VERSION 1u
#define SAM_VERIFIER_SYMBOL "sam_verifier_v1"

/* Bounds: a SAD longer than this is refused before any work. */
#define SAM_SAD_MAX_BYTES 16384
#define SAM_SAD_MAX_PAYLOAD 12288

/* One public key of one authorization server. */
typedef struct st_sam_issuer_key_t {
    const char *issuer_id; /* the AS id in the dynamic configuration */
    const char *kid;       /* NULL when the AS registered no kid */
    const uint8_t *spki;   /* DER SubjectPublicKeyInfo */
    size_t spki_len;
} sam_issuer_key_t;

typedef struct st_sam_verifier_v1_t {
    uint32_t abi_version; /* SAM_VERIFIER_ABI_VERSION */
    uint32_t struct_size;
    const char *name; /* e.g. "jws" */
    const char *description;
    uint32_t capabilities; /* none defined yet */
    size_t state_size;

    int (*open)(void *state, const sam_host_v1_t *host, const sam_param_t *params);
    void (*close)(void *state);

    /*
     * Verify a JWS in compact serialization against keys[0..n_keys). Refuses
     * with SAM_E_SAD_INVALID and a detail message: not three base64url parts,
     * a protected header that is not a JSON object or has duplicate members
     * or a "crit" member, an alg other than RS256/384/512, PS256/384/512,
     * ES256/384/512 ("none" and HS* included), an alg that does not fit the
     * key (ES256 needs P-256, ES384 P-384, ES512 P-521; RS and PS need RSA of
     * at least 2048 bits), a kid that names none of the keys, or a signature
     * that verifies with none of the candidate keys. A header kid narrows the
     * candidates to keys with that kid; without one, every key that fits alg
     * is tried.
     *
     * On success: *key_index is the key that verified; payload holds the
     * base64url-decoded payload (the claims JSON, unparsed).
     */
    int (*verify)(void *state, const char *jws, size_t jws_len, const sam_issuer_key_t *keys,
                  size_t n_keys, size_t *key_index, sam_outbuf_t *payload);
} sam_verifier_v1_t;

#endif
