/*
 * A signer key pair: generated as session objects, the private half wrapped
 * under the module's wrapping key, the public half exported as SPKI, and
 * both objects destroyed before returning, whatever happened.
 */
#include <string.h>

#include "p11_internal.h"

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static int check_spec(p11_ctx_t *ctx, const sam_key_spec_t *spec)
{
    if (spec == NULL)
        return p11_err(ctx, SAM_E_INVALID_ARG, "generate: no key spec");
    if (spec->type == SAM_KEY_RSA) {
        if (spec->rsa_bits != 2048 && spec->rsa_bits != 3072 && spec->rsa_bits != 4096)
            return p11_err(ctx, SAM_E_UNSUPPORTED_ALG, "RSA-%u: only 2048, 3072 and 4096 bits",
                           spec->rsa_bits);
        if (!(ctx->mechs.have & P11_HAVE_RSA_GEN))
            return p11_err(ctx, SAM_E_MECHANISM,
                           "module lacks CKM_RSA_PKCS_KEY_PAIR_GEN: cannot generate RSA keys");
        return SAM_OK;
    }
    if (spec->type == SAM_KEY_EC) {
        if (p11_curve_by_id(spec->curve) == NULL)
            return p11_err(ctx, SAM_E_UNSUPPORTED_ALG, "EC curve %d: only P-256, P-384, P-521",
                           (int)spec->curve);
        if (!(ctx->mechs.have & P11_HAVE_EC_GEN))
            return p11_err(ctx, SAM_E_MECHANISM,
                           "module lacks CKM_EC_KEY_PAIR_GEN: cannot generate EC keys");
        return SAM_OK;
    }
    return p11_err(ctx, SAM_E_UNSUPPORTED_ALG, "key type %d: only RSA and EC", (int)spec->type);
}

static int generate_pair(p11_ctx_t *ctx, CK_SESSION_HANDLE s, const sam_key_spec_t *spec,
                         CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
    static CK_BYTE f4[] = {0x01, 0x00, 0x01};
    CK_ULONG bits = spec->rsa_bits;
    const p11_curve_t *curve = p11_curve_by_id(spec->curve);
    CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pub_tmpl[4] = {
        {CKA_TOKEN, &no, sizeof(no)},
        {CKA_VERIFY, &yes, sizeof(yes)},
    };
    CK_ULONG n_pub = 2;
    /* Sensitive, but extractable: it must leave, wrapped, exactly once. */
    CK_ATTRIBUTE priv_tmpl[] = {
        {CKA_TOKEN, &no, sizeof(no)},       {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)}, {CKA_EXTRACTABLE, &yes, sizeof(yes)},
        {CKA_SIGN, &yes, sizeof(yes)},
    };

    if (spec->type == SAM_KEY_RSA) {
        pub_tmpl[n_pub++] = (CK_ATTRIBUTE){CKA_MODULUS_BITS, &bits, sizeof(bits)};
        pub_tmpl[n_pub++] = (CK_ATTRIBUTE){CKA_PUBLIC_EXPONENT, f4, sizeof(f4)};
    } else {
        mech.mechanism = CKM_EC_KEY_PAIR_GEN;
        pub_tmpl[n_pub++] =
            (CK_ATTRIBUTE){CKA_EC_PARAMS, (void *)curve->oid_der, (CK_ULONG)curve->oid_der_len};
    }
    CK_RV rv = ctx->fl->C_GenerateKeyPair(s, &mech, pub_tmpl, n_pub, priv_tmpl,
                                          sizeof(priv_tmpl) / sizeof(priv_tmpl[0]), pub, priv);
    if (rv != CKR_OK)
        return p11_fail(ctx, rv, "C_GenerateKeyPair (%s)",
                        spec->type == SAM_KEY_RSA ? "RSA" : curve->name);
    return SAM_OK;
}

int p11_generate(p11_ctx_t *ctx, const sam_key_spec_t *spec, sam_outbuf_t *spki,
                 sam_outbuf_t *wrapped)
{
    CK_SESSION_HANDLE s = 0;
    CK_OBJECT_HANDLE pub = 0, priv = 0;
    int have_session = 0, have_keys = 0, broken = 0;
    int rc;

    spki->len = 0;
    wrapped->len = 0;
    if ((rc = check_spec(ctx, spec)) != SAM_OK)
        goto out;
    if (!ctx->keys_bound) {
        rc = p11_err(ctx, SAM_E_INVALID_ARG, "pkcs11 backend: module keys are not bound");
        goto out;
    }
    if (wrapped->cap <= P11_BLOB_HEADER_LEN) {
        rc = p11_err(ctx, SAM_E_LIMIT, "generate: wrapped-key buffer of %zu bytes is too small",
                     wrapped->cap);
        goto out;
    }
    if ((rc = p11_session_get(ctx, &s)) != SAM_OK)
        goto out;
    have_session = 1;
    if ((rc = generate_pair(ctx, s, spec, &pub, &priv)) != SAM_OK)
        goto out;
    have_keys = 1;
    if ((rc = p11_spki_of_object(ctx, s, pub, spki)) != SAM_OK)
        goto out;

    rc = p11_wrap_to_blob(ctx, s, priv, (uint8_t)spec->type, p11_blob_spec_size(spec), wrapped,
                          &broken);
out:
    if (have_keys) {
        p11_destroy_temp(ctx, s, priv, &broken);
        p11_destroy_temp(ctx, s, pub, &broken);
    }
    if (have_session)
        p11_session_put(ctx, s, broken || rc == SAM_E_BACKEND_UNAVAILABLE);
    if (rc != SAM_OK) {
        spki->len = 0;
        wrapped->len = 0;
    }
    return rc;
}
