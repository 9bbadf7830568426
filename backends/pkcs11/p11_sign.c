/*
 * Signing. A signer key lives in the module only for the length of one call:
 * unwrapped as a session object, used for every hash of the call, destroyed
 * on every path (if the module refuses to destroy it, its session is closed,
 * which destroys it). Everything that can be checked is checked before the
 * unwrap, so that bad input costs nothing in the module.
 */
#include <stdio.h>
#include <string.h>

#include "p11_internal.h"

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static const char *hash_name(sam_hash h)
{
    return h == SAM_HASH_SHA256   ? "SHA-256"
           : h == SAM_HASH_SHA384 ? "SHA-384"
           : h == SAM_HASH_SHA512 ? "SHA-512"
                                  : "?";
}

static CK_MECHANISM_TYPE hash_mech(sam_hash h)
{
    return h == SAM_HASH_SHA256 ? CKM_SHA256 : h == SAM_HASH_SHA384 ? CKM_SHA384 : CKM_SHA512;
}

static CK_RSA_PKCS_MGF_TYPE mgf_of(sam_hash h)
{
    return h == SAM_HASH_SHA256   ? CKG_MGF1_SHA256
           : h == SAM_HASH_SHA384 ? CKG_MGF1_SHA384
                                  : CKG_MGF1_SHA512;
}

/* Bytes of a signature of spec, and the most the caller's buffer must hold. */
static size_t sig_room(const sam_key_spec_t *spec)
{
    if (spec->type == SAM_KEY_RSA)
        return spec->rsa_bits / 8;
    const p11_curve_t *c = p11_curve_by_id(spec->curve);
    return c != NULL ? 2 * (3 + c->field_len) + 3 : 0; /* DER worst case */
}

/* Scheme, hash, PSS parameters and mechanism against the key; nothing touches the module. */
static int check_params(p11_ctx_t *ctx, const sam_key_spec_t *spec, const sam_sig_params_t *params)
{
    if (params == NULL)
        return p11_err(ctx, SAM_E_INVALID_ARG, "sign: no signature parameters");
    size_t hlen = p11_hash_len(params->hash);
    if (hlen == 0)
        return p11_err(ctx, SAM_E_UNSUPPORTED_ALG, "sign: hash %d: only SHA-256, SHA-384, SHA-512",
                       (int)params->hash);
    if (spec->type == SAM_KEY_RSA) {
        if (spec->rsa_bits != 2048 && spec->rsa_bits != 3072 && spec->rsa_bits != 4096)
            return p11_err(ctx, SAM_E_UNSUPPORTED_ALG, "RSA-%u: only 2048, 3072 and 4096 bits",
                           spec->rsa_bits);
        if (params->scheme == SAM_SCHEME_RSA_PKCS1) {
            if (!(ctx->mechs.have & P11_HAVE_RSA_PKCS))
                return p11_err(ctx, SAM_E_MECHANISM,
                               "module lacks CKM_RSA_PKCS: cannot sign RSASSA-PKCS1-v1_5");
            return SAM_OK;
        }
        if (params->scheme == SAM_SCHEME_RSA_PSS) {
            if (!(ctx->mechs.have & P11_HAVE_RSA_PSS))
                return p11_err(ctx, SAM_E_MECHANISM,
                               "module lacks CKM_RSA_PKCS_PSS: cannot sign RSASSA-PSS");
            sam_hash mgf = params->mgf1_hash != SAM_HASH_NONE ? params->mgf1_hash : params->hash;
            if (p11_hash_len(mgf) == 0)
                return p11_err(ctx, SAM_E_UNSUPPORTED_ALG,
                               "sign: MGF1 hash %d: only SHA-256, SHA-384, SHA-512",
                               (int)params->mgf1_hash);
            if (mgf != params->hash && ctx->profile->pss_mgf1_is_hash)
                return p11_err(ctx, SAM_E_UNSUPPORTED_ALG,
                               "sign: RSASSA-PSS with MGF1-%s over a %s hash: the %s module signs "
                               "PSS only with MGF1 over the signature's hash",
                               hash_name(mgf), hash_name(params->hash), ctx->profile->name);
            /* RFC 8017 9.1.1: emLen >= hLen + sLen + 2, emLen = ceil((modBits - 1) / 8). */
            size_t em_len = (spec->rsa_bits - 1 + 7) / 8;
            size_t max_salt = em_len - hlen - 2;
            if (params->salt_len > max_salt)
                return p11_err(ctx, SAM_E_INVALID_ARG,
                               "sign: PSS salt of %u bytes; RSA-%u with %s allows at most %zu",
                               params->salt_len, spec->rsa_bits, hash_name(params->hash), max_salt);
            return SAM_OK;
        }
        return p11_err(ctx, SAM_E_UNSUPPORTED_ALG, "sign: scheme %d does not suit an RSA key",
                       (int)params->scheme);
    }
    if (spec->type == SAM_KEY_EC) {
        if (p11_curve_by_id(spec->curve) == NULL)
            return p11_err(ctx, SAM_E_UNSUPPORTED_ALG, "EC curve %d: only P-256, P-384, P-521",
                           (int)spec->curve);
        if (params->scheme != SAM_SCHEME_ECDSA)
            return p11_err(ctx, SAM_E_UNSUPPORTED_ALG, "sign: scheme %d does not suit an EC key",
                           (int)params->scheme);
        if (!(ctx->mechs.have & P11_HAVE_ECDSA))
            return p11_err(ctx, SAM_E_MECHANISM, "module lacks CKM_ECDSA: cannot sign ECDSA");
        return SAM_OK;
    }
    return p11_err(ctx, SAM_E_UNSUPPORTED_ALG, "sign: key type %d: only RSA and EC",
                   (int)spec->type);
}

static int check_hash(p11_ctx_t *ctx, const sam_sig_params_t *params, sam_bytes_t hash, size_t i)
{
    size_t want = p11_hash_len(params->hash);
    if (hash.ptr == NULL || hash.len != want)
        return p11_err(ctx, SAM_E_PARSE, "hash %zu: %zu bytes, %s needs %zu", i, hash.len,
                       hash_name(params->hash), want);
    return SAM_OK;
}

/* Sign one hash with key; *broken when the session must not be reused. */
static int sign_one(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
                    const sam_key_spec_t *spec, const sam_sig_params_t *params, sam_bytes_t hash,
                    sam_outbuf_t *sig, int *broken)
{
    uint8_t data[P11_MAX_DIGEST_INFO];
    uint8_t raw[2 * P11_MAX_EC_FIELD];
    size_t data_len = hash.len;
    const uint8_t *in = hash.ptr;
    CK_RSA_PKCS_PSS_PARAMS pss;
    CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
    size_t want = sig_room(spec);
    int rc;

    sig->len = 0;
    if (sig->ptr == NULL || sig->cap < want)
        return p11_err(ctx, SAM_E_LIMIT, "sign: signature buffer of %zu bytes, needs %zu", sig->cap,
                       want);
    switch (params->scheme) {
    case SAM_SCHEME_RSA_PKCS1:
        mech.mechanism = CKM_RSA_PKCS;
        if ((rc = p11_digest_info(params->hash, hash.ptr, hash.len, data, sizeof(data),
                                  &data_len)) != SAM_OK)
            return p11_err(ctx, rc, "sign: cannot build the DigestInfo");
        in = data;
        break;
    case SAM_SCHEME_RSA_PSS:
        memset(&pss, 0, sizeof(pss));
        pss.hashAlg = hash_mech(params->hash);
        pss.mgf = mgf_of(params->mgf1_hash != SAM_HASH_NONE ? params->mgf1_hash : params->hash);
        pss.sLen = params->salt_len;
        mech.mechanism = CKM_RSA_PKCS_PSS;
        mech.pParameter = &pss;
        mech.ulParameterLen = sizeof(pss);
        break;
    default:
        break;
    }

    CK_RV rv = ctx->fl->C_SignInit(s, &mech, key);
    if (rv != CKR_OK) {
        *broken |= p11_rv_session_broken(rv);
        return p11_fail(ctx, rv, "C_SignInit with %s", p11_mech_name(mech.mechanism));
    }
    uint8_t *out = spec->type == SAM_KEY_EC ? raw : sig->ptr;
    CK_ULONG out_len = spec->type == SAM_KEY_EC ? (CK_ULONG)sizeof(raw) : (CK_ULONG)sig->cap;
    rv = ctx->fl->C_Sign(s, (CK_BYTE_PTR)in, (CK_ULONG)data_len, out, &out_len);
    if (rv != CKR_OK) {
        /* After CKR_BUFFER_TOO_SMALL the operation stays active: drop the session. */
        *broken |= rv == CKR_BUFFER_TOO_SMALL || p11_rv_session_broken(rv);
        return p11_fail(ctx, rv, "C_Sign with %s", p11_mech_name(mech.mechanism));
    }
    /* The signature's length is the key's size (RSA modulus, EC field, the
     * three curves differing): a wrapped key that is not what its key pair
     * says is refused here, its signature wiped, without a lookup first. */
    if (spec->type == SAM_KEY_RSA) {
        if (out_len != want) {
            ctx->host->wipe(sig->ptr, out_len <= sig->cap ? out_len : sig->cap);
            return p11_err(ctx, SAM_E_INVALID_KEY_PAIR,
                           "wrapped key: not the key pair's RSA-%u (C_Sign returned %lu bytes, "
                           "not %zu)",
                           spec->rsa_bits, (unsigned long)out_len, want);
        }
        sig->len = out_len;
        return SAM_OK;
    }
    const p11_curve_t *curve = p11_curve_by_id(spec->curve);
    if (out_len != 2 * curve->field_len) {
        ctx->host->wipe(raw, sizeof(raw));
        return p11_err(ctx, SAM_E_INVALID_KEY_PAIR,
                       "wrapped key: its curve is not the key pair's %s (C_Sign returned %lu "
                       "bytes, not %zu)",
                       curve->name, (unsigned long)out_len, 2 * curve->field_len);
    }
    if ((rc = p11_ecdsa_raw_to_der(raw, out_len, sig->ptr, sig->cap, &sig->len)) != SAM_OK)
        return p11_err(ctx, rc, "sign: cannot DER-encode the ECDSA signature");
    return SAM_OK;
}

static int unwrap(p11_ctx_t *ctx, CK_SESSION_HANDLE s, const sam_key_spec_t *spec,
                  const p11_blob_t *blob, CK_OBJECT_HANDLE *key, int *broken)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_KEY_TYPE type = spec->type == SAM_KEY_RSA ? CKK_RSA : CKK_EC;
    const p11_curve_t *curve = p11_curve_by_id(spec->curve);
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_KEY_TYPE, &type, sizeof(type)},
        {CKA_TOKEN, &no, sizeof(no)},
        {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)},
        {CKA_EXTRACTABLE, &no, sizeof(no)},
        {CKA_SIGN, &yes, sizeof(yes)},
        {CKA_EC_PARAMS, NULL, 0}, /* only for EC, when the profile asks */
    };
    CK_ULONG n = sizeof(tmpl) / sizeof(tmpl[0]) - 1;
    if (spec->type == SAM_KEY_EC && ctx->profile->ec_unwrap_params) {
        tmpl[n].pValue = (void *)curve->oid_der;
        tmpl[n].ulValueLen = (CK_ULONG)curve->oid_der_len;
        n++;
    }
    CK_MECHANISM mech = {blob->mech, NULL, 0};
    CK_RV rv =
        ctx->fl->C_UnwrapKey(s, &mech, ctx->key[SAM_MODULE_KEY_WRAP], (CK_BYTE_PTR)blob->wrapped,
                             (CK_ULONG)blob->wrapped_len, tmpl, n, key);
    if (rv != CKR_OK) {
        *broken |= p11_rv_session_broken(rv);
        const char *name = p11_mech_name(blob->mech);
        /* SoftHSM answers CKR_GENERAL_ERROR when the integrity check of the unwrap fails. */
        return p11_fail(ctx, rv, "C_UnwrapKey with %s%s", name != NULL ? name : "?",
                        rv == CKR_GENERAL_ERROR || rv == CKR_FUNCTION_FAILED
                            ? " (the wrapped key may be damaged or made under another wrapping key)"
                            : "");
    }
    return SAM_OK;
}

int p11_sign(p11_ctx_t *ctx, const sam_key_spec_t *spec, sam_bytes_t wrapped,
             const sam_sig_params_t *params, const sam_bytes_t *hashes, size_t n,
             sam_outbuf_t *sigs)
{
    CK_SESSION_HANDLE s = 0;
    CK_OBJECT_HANDLE key = 0;
    int have_session = 0, have_key = 0, broken = 0;
    p11_blob_t blob;
    char msg[256];
    int rc;

    if (spec == NULL || hashes == NULL || sigs == NULL || n == 0)
        return p11_err(ctx, SAM_E_INVALID_ARG, "sign: needs a key spec and at least one hash");
    for (size_t i = 0; i < n; i++)
        sigs[i].len = 0;
    if ((rc = check_params(ctx, spec, params)) != SAM_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if ((rc = check_hash(ctx, params, hashes[i], i)) != SAM_OK)
            goto out;
        if (sigs[i].ptr == NULL || sigs[i].cap < sig_room(spec)) {
            rc = p11_err(ctx, SAM_E_LIMIT, "sign: signature buffer %zu holds %zu bytes, needs %zu",
                         i, sigs[i].cap, sig_room(spec));
            goto out;
        }
    }
    if ((rc = p11_blob_parse(wrapped, spec, &blob, msg, sizeof(msg))) != SAM_OK) {
        rc = p11_err(ctx, rc, "%s", msg);
        goto out;
    }
    if (!ctx->keys_bound) {
        rc = p11_err(ctx, SAM_E_INVALID_ARG, "pkcs11 backend: module keys are not bound");
        goto out;
    }

    if ((rc = p11_session_get(ctx, &s)) != SAM_OK)
        goto out;
    have_session = 1;
    if ((rc = unwrap(ctx, s, spec, &blob, &key, &broken)) != SAM_OK)
        goto out;
    have_key = 1;
    for (size_t i = 0; i < n; i++) {
        if ((rc = sign_one(ctx, s, key, spec, params, hashes[i], &sigs[i], &broken)) != SAM_OK) {
            snprintf(msg, sizeof(msg), "%s", p11_last_error());
            p11_err(ctx, rc, "hash %zu: %s", i, msg);
            goto out;
        }
    }
out:
    if (have_key)
        p11_destroy_temp(ctx, s, key, &broken);
    if (have_session)
        p11_session_put(ctx, s, broken || rc == SAM_E_BACKEND_UNAVAILABLE);
    if (rc != SAM_OK) {
        for (size_t i = 0; i < n; i++)
            sigs[i].len = 0;
    }
    return rc;
}

int p11_sign_module(p11_ctx_t *ctx, sam_module_key which, const sam_sig_params_t *params,
                    sam_bytes_t hash, sam_outbuf_t *sig)
{
    const sam_key_spec_t spec = {SAM_KEY_EC, 0, SAM_CURVE_P256};
    CK_SESSION_HANDLE s;
    int broken = 0, rc;

    if (sig == NULL)
        return p11_err(ctx, SAM_E_INVALID_ARG, "sign_with_module_key: no signature buffer");
    sig->len = 0;
    if (which != SAM_MODULE_KEY_AUDIT && which != SAM_MODULE_KEY_CSC)
        return p11_err(ctx, SAM_E_INVALID_ARG, "sign_with_module_key: key %d does not sign",
                       (int)which);
    if ((rc = check_params(ctx, &spec, params)) != SAM_OK ||
        (rc = check_hash(ctx, params, hash, 0)) != SAM_OK)
        return rc;
    if (!ctx->keys_bound)
        return p11_err(ctx, SAM_E_INVALID_ARG, "pkcs11 backend: module keys are not bound");
    if ((rc = p11_session_get_urgent(ctx, &s)) != SAM_OK)
        return rc;
    rc = sign_one(ctx, s, ctx->key[which], &spec, params, hash, sig, &broken);
    p11_session_put(ctx, s, broken || rc == SAM_E_BACKEND_UNAVAILABLE);
    return rc;
}
