/*
 * OTP secrets (RFC 4226/6238 HMAC keys) protected like signer keys: the
 * secret enters the module once, as a generic-secret session object, leaves
 * it only wrapped under the wrapping key, and every check unwraps it as a
 * temporary object, computes the HMACs inside the module and destroys it.
 *
 * The secret is imported zero-padded to P11_OTP_KEY_LEN bytes. HMAC pads a
 * key shorter than the hash's block (64 bytes for SHA-1 and SHA-256, 128 for
 * SHA-512) with zeros anyway (RFC 2104, section 2), so the MAC is the same;
 * the padding satisfies modules that refuse HMAC keys shorter than the hash
 * (SoftHSMv2 does) and hides the secret's length in the blob.
 */
#include <stdio.h>
#include <string.h>

#include "p11_internal.h"

#define P11_OTP_KEY_LEN SAM_OTP_MAX_SECRET_LEN

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static int hmac_mech(uint32_t hmac, CK_MECHANISM_TYPE *mech, size_t *len)
{
    switch (hmac) {
    case SAM_OTP_HMAC_SHA1:
        *mech = CKM_SHA_1_HMAC;
        *len = 20;
        return SAM_OK;
    case SAM_OTP_HMAC_SHA256:
        *mech = CKM_SHA256_HMAC;
        *len = 32;
        return SAM_OK;
    case SAM_OTP_HMAC_SHA512:
        *mech = CKM_SHA512_HMAC;
        *len = 64;
        return SAM_OK;
    default:
        return SAM_E_UNSUPPORTED_ALG;
    }
}

int p11_otp_protect(p11_ctx_t *ctx, sam_bytes_t secret, sam_outbuf_t *blob)
{
    uint8_t *key = NULL;
    CK_SESSION_HANDLE s = 0;
    CK_OBJECT_HANDLE obj = 0;
    int have_session = 0, have_obj = 0, broken = 0;
    int rc;

    if (blob == NULL || blob->ptr == NULL)
        return p11_err(ctx, SAM_E_INVALID_ARG, "otp_protect: no output buffer");
    blob->len = 0;
    if (secret.ptr == NULL || secret.len == 0 || secret.len > P11_OTP_KEY_LEN)
        return p11_err(ctx, SAM_E_INVALID_ARG, "otp_protect: a secret of 1 to %u bytes is needed",
                       (unsigned)P11_OTP_KEY_LEN);
    if (!ctx->keys_bound)
        return p11_err(ctx, SAM_E_INVALID_ARG, "pkcs11 backend: module keys are not bound");
    if (ctx->host->secure_alloc == NULL || (key = ctx->host->secure_alloc(P11_OTP_KEY_LEN)) == NULL)
        return p11_err(ctx, SAM_E_NOMEM, "otp_protect: no secure memory");
    memset(key, 0, P11_OTP_KEY_LEN);
    memcpy(key, secret.ptr, secret.len);

    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_GENERIC_SECRET;
    /* Extractable only so that it can be wrapped; the unwrapped copies are not. */
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},     {CKA_KEY_TYPE, &type, sizeof(type)},
        {CKA_TOKEN, &no, sizeof(no)},       {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)}, {CKA_EXTRACTABLE, &yes, sizeof(yes)},
        {CKA_SIGN, &yes, sizeof(yes)},      {CKA_VALUE, key, P11_OTP_KEY_LEN},
    };
    if ((rc = p11_session_get(ctx, &s)) != SAM_OK)
        goto out;
    have_session = 1;
    CK_RV rv = ctx->fl->C_CreateObject(s, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), &obj);
    if (rv != CKR_OK) {
        broken |= p11_rv_session_broken(rv);
        rc = p11_fail(ctx, rv, "C_CreateObject (OTP secret)");
        goto out;
    }
    have_obj = 1;
    rc = p11_wrap_to_blob(ctx, s, obj, P11_BLOB_KIND_OTP, P11_OTP_KEY_LEN, blob, &broken);
out:
    if (have_obj)
        p11_destroy_temp(ctx, s, obj, &broken);
    if (have_session)
        p11_session_put(ctx, s, broken || rc == SAM_E_BACKEND_UNAVAILABLE);
    if (key != NULL) {
        ctx->host->wipe(key, P11_OTP_KEY_LEN);
        ctx->host->secure_free(key);
    }
    if (rc != SAM_OK)
        blob->len = 0;
    return rc;
}

static int unwrap_secret(p11_ctx_t *ctx, CK_SESSION_HANDLE s, const p11_blob_t *b,
                         CK_OBJECT_HANDLE *key, int *broken)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_GENERIC_SECRET;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},     {CKA_KEY_TYPE, &type, sizeof(type)},
        {CKA_TOKEN, &no, sizeof(no)},       {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)}, {CKA_EXTRACTABLE, &no, sizeof(no)},
        {CKA_SIGN, &yes, sizeof(yes)},
    };
    CK_MECHANISM mech = {b->mech, NULL, 0};
    CK_RV rv =
        ctx->fl->C_UnwrapKey(s, &mech, ctx->key[SAM_MODULE_KEY_WRAP], (CK_BYTE_PTR)b->wrapped,
                             (CK_ULONG)b->wrapped_len, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), key);
    if (rv != CKR_OK) {
        *broken |= p11_rv_session_broken(rv);
        return p11_fail(ctx, rv, "C_UnwrapKey (OTP secret)");
    }
    return SAM_OK;
}

int p11_otp_hmac(p11_ctx_t *ctx, sam_bytes_t blob, uint32_t hmac, const sam_bytes_t *msgs, size_t n,
                 sam_outbuf_t *macs)
{
    CK_SESSION_HANDLE s = 0;
    CK_OBJECT_HANDLE key = 0;
    CK_MECHANISM_TYPE mtype = 0;
    size_t mac_len = 0;
    int have_session = 0, have_key = 0, broken = 0;
    p11_blob_t b;
    char msg[256];
    int rc;

    if (msgs == NULL || macs == NULL || n == 0)
        return p11_err(ctx, SAM_E_INVALID_ARG, "otp_hmac: needs at least one message");
    for (size_t i = 0; i < n; i++)
        macs[i].len = 0;
    if ((rc = hmac_mech(hmac, &mtype, &mac_len)) != SAM_OK) {
        rc = p11_err(ctx, rc, "otp_hmac: HMAC %u: only SHA-1, SHA-256, SHA-512", hmac);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (msgs[i].ptr == NULL || msgs[i].len == 0 || macs[i].ptr == NULL ||
            macs[i].cap < mac_len) {
            rc = p11_err(ctx, SAM_E_INVALID_ARG, "otp_hmac: message %zu or its buffer missing", i);
            goto out;
        }
    }
    if ((rc = p11_blob_split(blob, P11_BLOB_KIND_OTP, P11_OTP_KEY_LEN, &b, msg, sizeof(msg))) !=
        SAM_OK) {
        rc = p11_err(ctx, rc, "OTP secret: %s", msg);
        goto out;
    }
    if (!ctx->keys_bound) {
        rc = p11_err(ctx, SAM_E_INVALID_ARG, "pkcs11 backend: module keys are not bound");
        goto out;
    }
    if ((rc = p11_session_get(ctx, &s)) != SAM_OK)
        goto out;
    have_session = 1;
    if ((rc = unwrap_secret(ctx, s, &b, &key, &broken)) != SAM_OK)
        goto out;
    have_key = 1;
    for (size_t i = 0; i < n; i++) {
        CK_MECHANISM mech = {mtype, NULL, 0};
        CK_ULONG len = (CK_ULONG)macs[i].cap;
        CK_RV rv = ctx->fl->C_SignInit(s, &mech, key);
        if (rv != CKR_OK) {
            broken |= p11_rv_session_broken(rv);
            rc = p11_fail(ctx, rv, "C_SignInit (OTP HMAC)");
            goto out;
        }
        rv = ctx->fl->C_Sign(s, (CK_BYTE_PTR)msgs[i].ptr, (CK_ULONG)msgs[i].len, macs[i].ptr, &len);
        if (rv != CKR_OK) {
            broken |= rv == CKR_BUFFER_TOO_SMALL || p11_rv_session_broken(rv);
            rc = p11_fail(ctx, rv, "C_Sign (OTP HMAC)");
            goto out;
        }
        if (len != mac_len) {
            rc = p11_err(ctx, SAM_E_BACKEND, "OTP HMAC: %lu bytes, expected %zu",
                         (unsigned long)len, mac_len);
            goto out;
        }
        macs[i].len = len;
    }
    rc = SAM_OK;
out:
    if (have_key)
        p11_destroy_temp(ctx, s, key, &broken);
    if (have_session)
        p11_session_put(ctx, s, broken || rc == SAM_E_BACKEND_UNAVAILABLE);
    if (rc != SAM_OK) {
        for (size_t i = 0; i < n; i++)
            macs[i].len = 0;
    }
    return rc;
}
