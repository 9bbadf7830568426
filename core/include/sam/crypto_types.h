/*
 * Plain algorithm descriptions shared by the core and the backend plugins.
 * Part of the plugin ABI: values are only ever appended.
 */
#ifndef SAM_CRYPTO_TYPES_H
#define SAM_CRYPTO_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef enum { SAM_KEY_NONE = 0, SAM_KEY_RSA = 1, SAM_KEY_EC = 2 } sam_key_type;

typedef enum {
    SAM_CURVE_NONE = 0,
    SAM_CURVE_P256 = 1,
    SAM_CURVE_P384 = 2,
    SAM_CURVE_P521 = 3,
} sam_curve;

typedef enum {
    SAM_HASH_NONE = 0,
    SAM_HASH_SHA256 = 1,
    SAM_HASH_SHA384 = 2,
    SAM_HASH_SHA512 = 3,
} sam_hash;

typedef enum {
    SAM_SCHEME_NONE = 0,
    SAM_SCHEME_RSA_PKCS1 = 1, /* RSASSA-PKCS1-v1_5; the backend builds the DigestInfo */
    SAM_SCHEME_RSA_PSS = 2,   /* RSASSA-PSS with the given MGF1 hash and salt length */
    SAM_SCHEME_ECDSA = 3,     /* signature returned DER-encoded (X9.62 Ecdsa-Sig-Value) */
} sam_sig_scheme;

/* What kind of key to generate, or what kind of key a wrapped blob holds. */
typedef struct st_sam_key_spec_t {
    sam_key_type type;
    uint32_t rsa_bits; /* RSA: 2048, 3072 or 4096 */
    sam_curve curve;   /* EC */
} sam_key_spec_t;

/* How to sign one hash. */
typedef struct st_sam_sig_params_t {
    sam_sig_scheme scheme;
    sam_hash hash;      /* the hash that was computed; its length is the dtbs length */
    sam_hash mgf1_hash; /* PSS only */
    uint32_t salt_len;  /* PSS only */
} sam_sig_params_t;

/* A read-only byte range. */
typedef struct st_sam_bytes_t {
    const uint8_t *ptr;
    size_t len;
} sam_bytes_t;

/* An output buffer: the caller sets ptr and cap, the callee sets len. */
typedef struct st_sam_outbuf_t {
    uint8_t *ptr;
    size_t cap;
    size_t len;
} sam_outbuf_t;

/* Upper bounds for output buffers. */
#define SAM_MAX_SIGNATURE_LEN 512   /* RSA-4096; ECDSA P-521 DER is 139 */
#define SAM_MAX_SPKI_LEN 1024       /* RSA-4096 SPKI is 550 */
#define SAM_MAX_WRAPPED_LEN 4096    /* RSA-4096 PKCS#8, padded, plus header */
#define SAM_MAX_MAC_LEN 64

/* Hash length in bytes, 0 for SAM_HASH_NONE. Inline: plugins may use it (they link no core). */
static inline size_t sam_hash_len(sam_hash h)
{
    return h == SAM_HASH_SHA256 ? 32 : h == SAM_HASH_SHA384 ? 48 : h == SAM_HASH_SHA512 ? 64 : 0;
}

#endif
