/*
 * SubjectPublicKeyInfo DER of a public key object. OpenSSL does the
 * encoding (and checks an EC point is on its curve); the plugin only reads
 * the attributes: RSA modulus and exponent, or EC parameters and point.
 */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "p11_internal.h"

#define P11_MAX_MODULUS 512 /* RSA-4096 */
#define P11_MAX_EXPONENT 16
#define P11_MAX_EC_PARAMS 64
#define P11_MAX_EC_POINT 160 /* P-521 uncompressed, in an OCTET STRING */

static int encode(p11_ctx_t *ctx, const char *type, OSSL_PARAM_BLD *bld, sam_outbuf_t *spki)
{
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_PKEY *pkey = NULL;
    int rc = SAM_E_BACKEND;

    params = OSSL_PARAM_BLD_to_param(bld);
    pctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (params == NULL || pctx == NULL || EVP_PKEY_fromdata_init(pctx) <= 0 ||
        EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        rc = p11_err(ctx, SAM_E_BACKEND, "the module returned a %s public key OpenSSL refuses",
                     type);
        goto out;
    }
    int len = i2d_PUBKEY(pkey, NULL);
    if (len <= 0) {
        rc = p11_err(ctx, SAM_E_BACKEND, "cannot encode the %s public key", type);
        goto out;
    }
    if ((size_t)len > spki->cap) {
        rc = p11_err(ctx, SAM_E_LIMIT, "public key: %d bytes, buffer holds %zu", len, spki->cap);
        goto out;
    }
    unsigned char *p = spki->ptr;
    if (i2d_PUBKEY(pkey, &p) != len) {
        rc = p11_err(ctx, SAM_E_BACKEND, "cannot encode the %s public key", type);
        goto out;
    }
    spki->len = (size_t)len;
    rc = SAM_OK;
out:
    if (rc != SAM_OK)
        ERR_clear_error(); /* keep OpenSSL's queue clean for the core */
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    return rc;
}

static int spki_rsa(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, sam_outbuf_t *spki)
{
    uint8_t n[P11_MAX_MODULUS], e[P11_MAX_EXPONENT];
    size_t n_len = 0, e_len = 0;
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    int rc;

    if ((rc = p11_get_attr(ctx, s, pub, CKA_MODULUS, n, sizeof(n), &n_len)) != SAM_OK ||
        (rc = p11_get_attr(ctx, s, pub, CKA_PUBLIC_EXPONENT, e, sizeof(e), &e_len)) != SAM_OK)
        goto out;
    bn_n = BN_bin2bn(n, (int)n_len, NULL);
    bn_e = BN_bin2bn(e, (int)e_len, NULL);
    bld = OSSL_PARAM_BLD_new();
    if (bn_n == NULL || bn_e == NULL || bld == NULL ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e)) {
        ERR_clear_error();
        rc = p11_err(ctx, SAM_E_NOMEM, "out of memory");
        goto out;
    }
    rc = encode(ctx, "RSA", bld, spki);
out:
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return rc;
}

static int spki_ec(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, sam_outbuf_t *spki)
{
    uint8_t ecp[P11_MAX_EC_PARAMS], point[P11_MAX_EC_POINT];
    size_t ecp_len = 0, point_len = 0, raw_len = 0;
    const uint8_t *raw = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    int rc;

    if ((rc = p11_get_attr(ctx, s, pub, CKA_EC_PARAMS, ecp, sizeof(ecp), &ecp_len)) != SAM_OK ||
        (rc = p11_get_attr(ctx, s, pub, CKA_EC_POINT, point, sizeof(point), &point_len)) != SAM_OK)
        goto out;
    const p11_curve_t *curve = p11_curve_by_params(ecp, ecp_len);
    if (curve == NULL) {
        rc = p11_err(ctx, SAM_E_UNSUPPORTED_ALG,
                     "EC public key on a curve other than P-256/384/521");
        goto out;
    }
    if (p11_ec_point_unwrap(point, point_len, curve->field_len, &raw, &raw_len) != SAM_OK) {
        rc = p11_err(ctx, SAM_E_BACKEND, "CKA_EC_POINT of a %s key is malformed", curve->name);
        goto out;
    }
    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve->ossl_group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, raw, raw_len)) {
        ERR_clear_error();
        rc = p11_err(ctx, SAM_E_NOMEM, "out of memory");
        goto out;
    }
    rc = encode(ctx, "EC", bld, spki);
out:
    OSSL_PARAM_BLD_free(bld);
    return rc;
}

int p11_spki_of_object(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub,
                       sam_outbuf_t *spki)
{
    CK_ULONG key_type = 0;
    spki->len = 0;
    int rc = p11_get_ulong(ctx, s, pub, CKA_KEY_TYPE, &key_type);
    if (rc != SAM_OK)
        return rc;
    if (key_type == CKK_RSA)
        return spki_rsa(ctx, s, pub, spki);
    if (key_type == CKK_EC)
        return spki_ec(ctx, s, pub, spki);
    return p11_err(ctx, SAM_E_UNSUPPORTED_ALG, "public key of type 0x%lx: neither RSA nor EC",
                   (unsigned long)key_type);
}
