/*
 * The cryptographic module interface, implemented by backend plugins
 * (backends/pkcs11 is the one we ship). Every function returns a sam_rc
 * (SAM_OK or negative) and sets a detail message through host->set_error().
 *
 * Thread context: after open() succeeds, every function but close() may be
 * called from several threads at once. close() is called once, alone.
 *
 * The core allocates `state_size` zeroed bytes of private state for the
 * plugin and passes them to every call; the plugin owns what it allocates in
 * there and releases it in close().
 */
#ifndef SAM_BACKEND_H
#define SAM_BACKEND_H

#include "sam/plugin.h"

#define SAM_BACKEND_ABI_VERSION 1u
#define SAM_BACKEND_SYMBOL "sam_backend_v1"

/* Capability bits. */
#define SAM_BACKEND_CAP_RSA (1u << 0)
#define SAM_BACKEND_CAP_EC (1u << 1)
#define SAM_BACKEND_CAP_PSS (1u << 2)

/* The keys the module holds for the SAM itself (made by `sam-admin create`). */
typedef enum {
    SAM_MODULE_KEY_WRAP = 0,  /* AES, non-extractable: wraps signer private keys */
    SAM_MODULE_KEY_SEAL = 1,  /* MAC key: seals key_pair objects */
    SAM_MODULE_KEY_AUDIT = 2, /* EC P-256 key pair: signs audit records */
    SAM_MODULE_KEY_CSC = 3,   /* EC P-256 key pair: signs CSC SADs */
    SAM_MODULE_KEY_COUNT = 4
} sam_module_key;

typedef struct st_sam_backend_v1_t {
    uint32_t abi_version; /* SAM_BACKEND_ABI_VERSION */
    uint32_t struct_size; /* sizeof(sam_backend_v1_t) the plugin was built with */
    const char *name;     /* short unique name, e.g. "pkcs11" */
    const char *description;
    uint32_t capabilities; /* SAM_BACKEND_CAP_* */
    size_t state_size;     /* bytes of private state the core allocates */

    /* Connect to the module and log in. params (may be NULL) are the plugin's
     * documented configuration, e.g. {"library", "/usr/lib/softhsm/libsofthsm2.so"}.
     * labels name the module keys (SAM_MODULE_KEY_COUNT entries); keys are
     * looked up later, by bind_module_keys() or create_module_keys(). */
    int (*open)(void *state, const sam_host_v1_t *host, const sam_param_t *params,
                const char *const labels[SAM_MODULE_KEY_COUNT]);
    /* Log out, release everything; state may be half-initialized after a failed open(). */
    void (*close)(void *state);
    /* SAM_OK when the module answers and the module keys are usable. */
    int (*health)(void *state);

    /* Create the SAM's module keys; SAM_E_EXISTS when any label is taken. */
    int (*create_module_keys)(void *state);
    /* Find the SAM's module keys; SAM_E_NOT_FOUND naming the first missing label. */
    int (*bind_module_keys)(void *state);

    /* Generate a signer key pair inside the module and return its public key
     * (SubjectPublicKeyInfo DER) and the private key wrapped under the
     * wrapping key (an opaque blob the plugin alone interprets). Nothing stays
     * in the module. */
    int (*generate_key_pair)(void *state, const sam_key_spec_t *spec, sam_outbuf_t *spki,
                             sam_outbuf_t *wrapped);

    /* Unwrap the private key as a temporary object, sign each of the n hashes
     * with params, destroy the object. On every return path, nothing stays in
     * the module. sigs[i].ptr must have room for SAM_MAX_SIGNATURE_LEN. */
    int (*sign)(void *state, const sam_key_spec_t *spec, sam_bytes_t wrapped,
                const sam_sig_params_t *params, const sam_bytes_t *hashes, size_t n,
                sam_outbuf_t *sigs);

    /* MAC data with the seal key (mac cap >= SAM_MAX_MAC_LEN). */
    int (*seal)(void *state, sam_bytes_t data, sam_outbuf_t *mac);
    /* SAM_OK when mac is data's MAC, SAM_E_INVALID_KEY_PAIR otherwise (compared in constant time). */
    int (*seal_verify)(void *state, sam_bytes_t data, sam_bytes_t mac);

    /* Sign a hash with a module-held key pair (SAM_MODULE_KEY_AUDIT or _CSC);
     * ECDSA signatures DER-encoded. */
    int (*sign_with_module_key)(void *state, sam_module_key which, const sam_sig_params_t *params,
                                sam_bytes_t hash, sam_outbuf_t *sig);
    /* The public key (SPKI DER) of a module-held key pair. */
    int (*module_public_key)(void *state, sam_module_key which, sam_outbuf_t *spki);

    /* Number of private-key objects that are not token objects (temporary
     * signer keys) visible to this SAM: 0 between calls. For tests and metrics. */
    int (*count_temporary_keys)(void *state, size_t *count);

    /* ---- appended to ABI 1: present when struct_size covers them and not
     * NULL; the core answers SAM_E_UNSUPPORTED_ALG for a plugin without them. */

    /* Protect an OTP secret (RFC 4226 key, 1 to SAM_OTP_MAX_SECRET_LEN bytes):
     * import it into the module as an HMAC key and return it wrapped under the
     * wrapping key (an opaque blob, blob->cap >= SAM_MAX_WRAPPED_LEN). Nothing
     * stays in the module. */
    int (*otp_protect)(void *state, sam_bytes_t secret, sam_outbuf_t *blob);
    /* Unwrap a protected OTP secret as a temporary object, compute the HMAC
     * (SAM_OTP_HMAC_*) of each of the n messages with it inside the module,
     * destroy the object. macs[i].cap >= SAM_MAX_MAC_LEN. */
    int (*otp_hmac)(void *state, sam_bytes_t blob, uint32_t hmac, const sam_bytes_t *msgs, size_t n,
                    sam_outbuf_t *macs);
} sam_backend_v1_t;

/* The HMACs of otp_hmac (RFC 6238 allows these three). */
#define SAM_OTP_HMAC_SHA1 1u
#define SAM_OTP_HMAC_SHA256 2u
#define SAM_OTP_HMAC_SHA512 3u
#define SAM_OTP_MAX_SECRET_LEN 64u

#endif
