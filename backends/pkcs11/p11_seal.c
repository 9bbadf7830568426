/*
 * Seals: a MAC with the module's seal key (HMAC-SHA256, or AES-CMAC when the
 * module has no HMAC). Verification recomputes and compares in constant time.
 */
#include "p11_internal.h"

static int mac(p11_ctx_t *ctx, sam_bytes_t data, uint8_t *out, size_t cap, size_t *out_len)
{
    static uint8_t empty[1];
    CK_SESSION_HANDLE s;
    int broken = 0;

    if (!ctx->keys_bound)
        return p11_err(ctx, SAM_E_INVALID_ARG, "pkcs11 backend: module keys are not bound");
    if (data.ptr == NULL && data.len > 0)
        return p11_err(ctx, SAM_E_INVALID_ARG, "seal: no data");
    if (cap < ctx->seal_len)
        return p11_err(ctx, SAM_E_LIMIT, "seal: MAC buffer of %zu bytes, needs %zu", cap,
                       ctx->seal_len);
    int rc = p11_session_get(ctx, &s);
    if (rc != SAM_OK)
        return rc;
    CK_MECHANISM mech = {ctx->seal_mech, NULL, 0};
    CK_ULONG len = (CK_ULONG)cap;
    CK_RV rv = ctx->fl->C_SignInit(s, &mech, ctx->key[SAM_MODULE_KEY_SEAL]);
    if (rv != CKR_OK) {
        rc = p11_fail(ctx, rv, "C_SignInit with %s (seal key)", p11_mech_name(ctx->seal_mech));
        broken = p11_rv_session_broken(rv);
        goto out;
    }
    /* Some modules refuse a NULL pointer even for empty data. */
    rv = ctx->fl->C_Sign(s, data.len > 0 ? (CK_BYTE_PTR)data.ptr : empty, (CK_ULONG)data.len, out,
                         &len);
    if (rv != CKR_OK) {
        rc = p11_fail(ctx, rv, "C_Sign with %s (seal key)", p11_mech_name(ctx->seal_mech));
        broken = rv == CKR_BUFFER_TOO_SMALL || p11_rv_session_broken(rv);
        goto out;
    }
    if (len != ctx->seal_len) {
        rc = p11_err(ctx, SAM_E_BACKEND, "seal: the module returned a %lu-byte MAC, expected %zu",
                     (unsigned long)len, ctx->seal_len);
        goto out;
    }
    *out_len = len;
    rc = SAM_OK;
out:
    p11_session_put(ctx, s, broken);
    return rc;
}

int p11_seal(p11_ctx_t *ctx, sam_bytes_t data, sam_outbuf_t *out)
{
    if (out == NULL || out->ptr == NULL)
        return p11_err(ctx, SAM_E_INVALID_ARG, "seal: no MAC buffer");
    out->len = 0;
    return mac(ctx, data, out->ptr, out->cap, &out->len);
}

int p11_seal_verify(p11_ctx_t *ctx, sam_bytes_t data, sam_bytes_t expected)
{
    uint8_t buf[SAM_MAX_MAC_LEN];
    size_t len = 0;
    int rc = mac(ctx, data, buf, sizeof(buf), &len);
    if (rc != SAM_OK)
        goto out;
    /* The length is public (it is the mechanism's); the bytes are compared in constant time. */
    if (expected.ptr == NULL || expected.len != len ||
        !ctx->host->ct_equal(buf, expected.ptr, len)) {
        rc = p11_err(ctx, SAM_E_INVALID_KEY_PAIR,
                     "seal does not verify: the data or its MAC was changed");
        goto out;
    }
    rc = SAM_OK;
out:
    ctx->host->wipe(buf, sizeof(buf));
    return rc;
}
