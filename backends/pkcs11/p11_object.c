/*
 * Small helpers over objects: read an attribute with a bounded buffer, find
 * objects, destroy a temporary object so that it cannot outlive the call.
 */
#include "p11_internal.h"

int p11_get_attr(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
                 void *buf, size_t cap, size_t *len)
{
    CK_ATTRIBUTE a = {type, buf, (CK_ULONG)cap};
    CK_RV rv = ctx->fl->C_GetAttributeValue(s, obj, &a, 1);
    if (rv == CKR_BUFFER_TOO_SMALL)
        return p11_err(ctx, SAM_E_LIMIT,
                       "C_GetAttributeValue: attribute 0x%lx longer than %zu bytes",
                       (unsigned long)type, cap);
    if (rv != CKR_OK)
        return p11_fail(ctx, rv, "C_GetAttributeValue (attribute 0x%lx)", (unsigned long)type);
    if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > cap)
        return p11_err(ctx, SAM_E_BACKEND, "C_GetAttributeValue: attribute 0x%lx unavailable",
                       (unsigned long)type);
    *len = a.ulValueLen;
    return SAM_OK;
}

int p11_get_ulong(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
                  CK_ULONG *out)
{
    CK_ULONG v = 0;
    size_t len = 0;
    int rc = p11_get_attr(ctx, s, obj, type, &v, sizeof(v), &len);
    if (rc != SAM_OK)
        return rc;
    if (len != sizeof(v))
        return p11_err(ctx, SAM_E_BACKEND, "attribute 0x%lx has %zu bytes, expected %zu",
                       (unsigned long)type, len, sizeof(v));
    *out = v;
    return SAM_OK;
}

int p11_get_bool(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
                 int *out)
{
    CK_BBOOL v = CK_FALSE;
    size_t len = 0;
    int rc = p11_get_attr(ctx, s, obj, type, &v, sizeof(v), &len);
    if (rc != SAM_OK)
        return rc;
    if (len != sizeof(v))
        return p11_err(ctx, SAM_E_BACKEND, "attribute 0x%lx is not a boolean", (unsigned long)type);
    *out = v == CK_TRUE;
    return SAM_OK;
}

int p11_find(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n_tmpl,
             CK_OBJECT_HANDLE *out, size_t max, size_t *found)
{
    CK_ULONG got = 0;
    *found = 0;
    CK_RV rv = ctx->fl->C_FindObjectsInit(s, tmpl, n_tmpl);
    if (rv != CKR_OK)
        return p11_fail(ctx, rv, "C_FindObjectsInit");
    rv = ctx->fl->C_FindObjects(s, out, (CK_ULONG)max, &got);
    CK_RV rv_final = ctx->fl->C_FindObjectsFinal(s);
    if (rv != CKR_OK)
        return p11_fail(ctx, rv, "C_FindObjects");
    if (rv_final != CKR_OK)
        return p11_fail(ctx, rv_final, "C_FindObjectsFinal");
    *found = got > max ? max : (size_t)got;
    return SAM_OK;
}

void p11_destroy_temp(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj, int *broken)
{
    CK_RV rv = ctx->fl->C_DestroyObject(s, obj);
    if (rv != CKR_OK) {
        if (ctx->host->log != NULL)
            ctx->host->log(SAM_LOG_WARNING,
                           "pkcs11 backend: C_DestroyObject of a temporary key failed (CKR 0x%lx); "
                           "closing its session to remove it",
                           (unsigned long)rv);
        *broken = 1;
    }
    atomic_fetch_add(&ctx->temp_objects, 1);
}

int p11_wrap_to_blob(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj, uint8_t kind,
                     uint16_t size, sam_outbuf_t *out, int *broken)
{
    out->len = 0;
    if (out->ptr == NULL || out->cap <= P11_BLOB_HEADER_LEN)
        return p11_err(ctx, SAM_E_LIMIT, "wrap: buffer of %zu bytes is too small", out->cap);
    size_t cap = out->cap - P11_BLOB_HEADER_LEN;
    if (cap > P11_MAX_WRAPPED_BYTES)
        cap = P11_MAX_WRAPPED_BYTES;
    CK_ULONG len = (CK_ULONG)cap;
    CK_MECHANISM mech = {ctx->mechs.wrap, NULL, 0};
    CK_RV rv = ctx->fl->C_WrapKey(s, &mech, ctx->key[SAM_MODULE_KEY_WRAP], obj,
                                  out->ptr + P11_BLOB_HEADER_LEN, &len);
    if (rv != CKR_OK) {
        *broken |= p11_rv_session_broken(rv);
        return p11_fail(ctx, rv, "C_WrapKey with %s", p11_mech_name(ctx->mechs.wrap));
    }
    if (len == 0 || len > cap)
        return p11_err(ctx, SAM_E_BACKEND, "C_WrapKey returned %lu bytes for a %zu-byte buffer",
                       (unsigned long)len, cap);
    int rc = p11_blob_write(out->ptr, out->cap, kind, size, ctx->mechs.wrap, len);
    if (rc != SAM_OK)
        return p11_err(ctx, rc, "wrap: cannot write the wrapped-key header");
    out->len = P11_BLOB_HEADER_LEN + len;
    return SAM_OK;
}
