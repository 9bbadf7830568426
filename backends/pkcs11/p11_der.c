/*
 * The little DER the plugin writes or reads itself: DigestInfo for PKCS#1
 * v1.5, Ecdsa-Sig-Value from the r||s PKCS#11 returns, the OCTET STRING
 * around CKA_EC_POINT, and the named curves. Pure functions, no allocation.
 */
#include <string.h>

#include "p11_internal.h"

size_t p11_hash_len(sam_hash h)
{
    switch (h) {
    case SAM_HASH_SHA256:
        return 32;
    case SAM_HASH_SHA384:
        return 48;
    case SAM_HASH_SHA512:
        return 64;
    default:
        return 0;
    }
}

/* DigestInfo up to the hash bytes: SEQUENCE { AlgorithmIdentifier { oid, NULL }, OCTET STRING }. */
static const uint8_t di_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
static const uint8_t di_sha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
static const uint8_t di_sha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

int p11_digest_info(sam_hash h, const uint8_t *hash, size_t hash_len, uint8_t *out, size_t cap,
                    size_t *out_len)
{
    const uint8_t *prefix;
    size_t prefix_len;
    switch (h) {
    case SAM_HASH_SHA256:
        prefix = di_sha256;
        prefix_len = sizeof(di_sha256);
        break;
    case SAM_HASH_SHA384:
        prefix = di_sha384;
        prefix_len = sizeof(di_sha384);
        break;
    case SAM_HASH_SHA512:
        prefix = di_sha512;
        prefix_len = sizeof(di_sha512);
        break;
    default:
        return SAM_E_UNSUPPORTED_ALG;
    }
    if (hash_len != p11_hash_len(h))
        return SAM_E_PARSE;
    if (prefix_len + hash_len > cap)
        return SAM_E_LIMIT;
    memcpy(out, prefix, prefix_len);
    memcpy(out + prefix_len, hash, hash_len);
    *out_len = prefix_len + hash_len;
    return SAM_OK;
}

/* Write one minimal DER INTEGER of the unsigned big-endian v; returns bytes written. */
static size_t put_integer(uint8_t *out, const uint8_t *v, size_t len)
{
    while (len > 1 && v[0] == 0) {
        v++;
        len--;
    }
    size_t pad = (v[0] & 0x80) ? 1 : 0;
    out[0] = 0x02;
    out[1] = (uint8_t)(len + pad);
    if (pad)
        out[2] = 0;
    memcpy(out + 2 + pad, v, len);
    return 2 + pad + len;
}

int p11_ecdsa_raw_to_der(const uint8_t *raw, size_t raw_len, uint8_t *out, size_t cap,
                         size_t *out_len)
{
    if (raw_len == 0 || raw_len % 2 != 0 || raw_len / 2 > P11_MAX_EC_FIELD)
        return SAM_E_PARSE;
    size_t half = raw_len / 2;
    /* Each INTEGER at most 2 + 1 + half; the SEQUENCE header at most 3. */
    uint8_t body[2 * (3 + P11_MAX_EC_FIELD)];
    size_t body_len = put_integer(body, raw, half);
    body_len += put_integer(body + body_len, raw + half, half);
    size_t hdr = body_len < 0x80 ? 2 : 3;
    if (hdr + body_len > cap)
        return SAM_E_LIMIT;
    out[0] = 0x30;
    if (hdr == 2) {
        out[1] = (uint8_t)body_len;
    } else {
        out[1] = 0x81;
        out[2] = (uint8_t)body_len;
    }
    memcpy(out + hdr, body, body_len);
    *out_len = hdr + body_len;
    return SAM_OK;
}

static const uint8_t oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t oid_p521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};

static const p11_curve_t curves[] = {
    {SAM_CURVE_P256, "P-256", "prime256v1", 32, oid_p256, sizeof(oid_p256)},
    {SAM_CURVE_P384, "P-384", "secp384r1", 48, oid_p384, sizeof(oid_p384)},
    {SAM_CURVE_P521, "P-521", "secp521r1", 66, oid_p521, sizeof(oid_p521)},
};

const p11_curve_t *p11_curve_by_id(sam_curve c)
{
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
        if (curves[i].curve == c)
            return &curves[i];
    }
    return NULL;
}

const p11_curve_t *p11_curve_by_params(const uint8_t *der, size_t len)
{
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
        if (curves[i].oid_der_len == len && memcmp(curves[i].oid_der, der, len) == 0)
            return &curves[i];
    }
    return NULL;
}

int p11_ec_point_unwrap(const uint8_t *in, size_t in_len, size_t field_len, const uint8_t **pt,
                        size_t *pt_len)
{
    size_t want = 1 + 2 * field_len;
    if (in_len == want && in[0] == 0x04) { /* the raw point */
        *pt = in;
        *pt_len = in_len;
        return SAM_OK;
    }
    if (in_len < 2 || in[0] != 0x04)
        return SAM_E_PARSE;
    size_t len, hdr;
    if (in[1] < 0x80) {
        len = in[1];
        hdr = 2;
    } else if (in[1] == 0x81 && in_len >= 3) {
        len = in[2];
        hdr = 3;
    } else {
        return SAM_E_PARSE;
    }
    if (len != want || hdr + len != in_len || in[hdr] != 0x04)
        return SAM_E_PARSE;
    *pt = in + hdr;
    *pt_len = len;
    return SAM_OK;
}
