/*
 * The wrapped-key blob: our header, then what C_WrapKey returned. The core
 * treats it as opaque and seals it; the header lets sign() know the wrapping
 * mechanism and refuse a blob that is not what the key spec says.
 */
#include <stdio.h>
#include <string.h>

#include "p11_internal.h"

static const uint8_t magic[4] = {'S', 'P', '1', '1'};

uint16_t p11_blob_spec_size(const sam_key_spec_t *spec)
{
    return spec->type == SAM_KEY_RSA ? (uint16_t)spec->rsa_bits : (uint16_t)spec->curve;
}

static int known_wrap_mech(CK_MECHANISM_TYPE m)
{
    return m == CKM_AES_KEY_WRAP_PAD || m == CKM_AES_KEY_WRAP_KWP;
}

int p11_blob_write(uint8_t *out, size_t cap, uint8_t kind, uint16_t size, CK_MECHANISM_TYPE mech,
                   size_t wrapped_len)
{
    if (cap < P11_BLOB_HEADER_LEN || wrapped_len == 0 || wrapped_len > P11_MAX_WRAPPED_BYTES ||
        mech > 0xffffffffUL || kind == 0)
        return SAM_E_LIMIT;
    memcpy(out, magic, 4);
    out[4] = P11_BLOB_VERSION;
    out[5] = kind;
    out[6] = (uint8_t)(size >> 8);
    out[7] = (uint8_t)size;
    out[8] = (uint8_t)(mech >> 24);
    out[9] = (uint8_t)(mech >> 16);
    out[10] = (uint8_t)(mech >> 8);
    out[11] = (uint8_t)mech;
    out[12] = (uint8_t)(wrapped_len >> 8);
    out[13] = (uint8_t)wrapped_len;
    out[14] = 0;
    out[15] = 0;
    return SAM_OK;
}

int p11_blob_write_header(uint8_t *out, size_t cap, const sam_key_spec_t *spec,
                          CK_MECHANISM_TYPE mech, size_t wrapped_len)
{
    if (spec->type != SAM_KEY_RSA && spec->type != SAM_KEY_EC)
        return SAM_E_LIMIT;
    return p11_blob_write(out, cap, (uint8_t)spec->type, p11_blob_spec_size(spec), mech,
                          wrapped_len);
}

int p11_blob_split(sam_bytes_t in, uint8_t kind, uint16_t size, p11_blob_t *out, char *msg,
                   size_t cap)
{
    memset(out, 0, sizeof(*out));
    if (in.ptr == NULL || in.len < P11_BLOB_HEADER_LEN) {
        snprintf(msg, cap, "wrapped key: %zu bytes, shorter than its header", in.len);
        return SAM_E_INVALID_KEY_PAIR;
    }
    const uint8_t *p = in.ptr;
    if (memcmp(p, magic, 4) != 0) {
        snprintf(msg, cap, "wrapped key: not made by the pkcs11 backend (bad magic)");
        return SAM_E_INVALID_KEY_PAIR;
    }
    if (p[4] != P11_BLOB_VERSION) {
        snprintf(msg, cap, "wrapped key: format version %u, expected %u", p[4], P11_BLOB_VERSION);
        return SAM_E_INVALID_KEY_PAIR;
    }
    uint16_t got = (uint16_t)((p[6] << 8) | p[7]);
    if (p[5] != kind || got != size) {
        snprintf(msg, cap, "wrapped key: holds key type %u size %u, expected type %u size %u", p[5],
                 got, kind, size);
        return SAM_E_INVALID_KEY_PAIR;
    }
    CK_MECHANISM_TYPE mech = ((CK_MECHANISM_TYPE)p[8] << 24) | ((CK_MECHANISM_TYPE)p[9] << 16) |
                             ((CK_MECHANISM_TYPE)p[10] << 8) | p[11];
    if (!known_wrap_mech(mech)) {
        snprintf(msg, cap, "wrapped key: unknown wrapping mechanism 0x%lx", (unsigned long)mech);
        return SAM_E_INVALID_KEY_PAIR;
    }
    size_t len = ((size_t)p[12] << 8) | p[13];
    if (len == 0 || len != in.len - P11_BLOB_HEADER_LEN || len > P11_MAX_WRAPPED_BYTES) {
        snprintf(msg, cap, "wrapped key: header says %zu wrapped bytes, blob holds %zu", len,
                 in.len - P11_BLOB_HEADER_LEN);
        return SAM_E_INVALID_KEY_PAIR;
    }
    if (p[14] != 0 || p[15] != 0) {
        snprintf(msg, cap, "wrapped key: reserved header bytes are not zero");
        return SAM_E_INVALID_KEY_PAIR;
    }
    out->mech = mech;
    out->wrapped = p + P11_BLOB_HEADER_LEN;
    out->wrapped_len = len;
    return SAM_OK;
}

int p11_blob_parse(sam_bytes_t in, const sam_key_spec_t *spec, p11_blob_t *out, char *msg,
                   size_t cap)
{
    return p11_blob_split(in, (uint8_t)spec->type, p11_blob_spec_size(spec), out, msg, cap);
}
