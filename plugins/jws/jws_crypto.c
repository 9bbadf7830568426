/*
 * The algorithm allowlist and signature verification with OpenSSL 3.
 *
 * The allowlist is the defence against algorithm confusion: "none", HS*
 * (which would turn an AS public key into an HMAC secret) and anything
 * unknown never reach OpenSSL, and an allowed alg is used only with a key of
 * its own kind and size, so the token cannot pick how its key is read.
 */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <string.h>

#include "jws_internal.h"

static const jws_alg_t algs[] = {
    {"RS256", JWS_FAMILY_RS, "SHA256", NULL, 0},
    {"RS384", JWS_FAMILY_RS, "SHA384", NULL, 0},
    {"RS512", JWS_FAMILY_RS, "SHA512", NULL, 0},
    {"PS256", JWS_FAMILY_PS, "SHA256", NULL, 0},
    {"PS384", JWS_FAMILY_PS, "SHA384", NULL, 0},
    {"PS512", JWS_FAMILY_PS, "SHA512", NULL, 0},
    {"ES256", JWS_FAMILY_ES, "SHA256", "prime256v1", 32},
    {"ES384", JWS_FAMILY_ES, "SHA384", "secp384r1", 48},
    {"ES512", JWS_FAMILY_ES, "SHA512", "secp521r1", 66},
};

#define MIN_RSA_BITS 2048

const jws_alg_t *jws_alg_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (strlen(algs[i].name) == len && memcmp(algs[i].name, name, len) == 0)
            return &algs[i];
    }
    return NULL;
}

int jws_key_fits(const jws_alg_t *alg, EVP_PKEY *pkey)
{
    char group[64];
    size_t group_len = 0;

    if (alg->family != JWS_FAMILY_ES)
        return EVP_PKEY_is_a(pkey, "RSA") && EVP_PKEY_get_bits(pkey) >= MIN_RSA_BITS;
    if (!EVP_PKEY_is_a(pkey, "EC"))
        return 0;
    if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &group_len) != 1)
        return 0;
    return strcmp(group, alg->group) == 0;
}

/* JOSE r||s to the DER Ecdsa-Sig-Value OpenSSL verifies. *der is OPENSSL_malloc'd. */
static int ecdsa_raw_to_der(const uint8_t *sig, size_t field_len, uint8_t **der, size_t *der_len)
{
    int ok = 0;
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL, *s = NULL;
    int n;

    *der = NULL;
    if ((es = ECDSA_SIG_new()) == NULL)
        goto out;
    r = BN_bin2bn(sig, (int)field_len, NULL);
    s = BN_bin2bn(sig + field_len, (int)field_len, NULL);
    if (r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1)
        goto out;
    r = s = NULL; /* owned by es now */
    if ((n = i2d_ECDSA_SIG(es, der)) <= 0)
        goto out;
    *der_len = (size_t)n;
    ok = 1;
out:
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return ok;
}

int jws_signature_ok(const jws_alg_t *alg, EVP_PKEY *pkey, const uint8_t *msg, size_t msg_len,
                     const uint8_t *sig, size_t sig_len)
{
    int ok = 0;
    EVP_MD_CTX *md = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    uint8_t *der = NULL;
    size_t der_len = 0;

    if (alg->family == JWS_FAMILY_ES) {
        if (sig_len != 2 * alg->field_len || !ecdsa_raw_to_der(sig, alg->field_len, &der, &der_len))
            goto out;
        sig = der;
        sig_len = der_len;
    } else if (EVP_PKEY_get_size(pkey) <= 0 || sig_len != (size_t)EVP_PKEY_get_size(pkey)) {
        goto out; /* an RSA signature is exactly the modulus length */
    }
    if ((md = EVP_MD_CTX_new()) == NULL)
        goto out;
    if (EVP_DigestVerifyInit_ex(md, &pctx, alg->md, NULL, NULL, pkey, NULL) != 1)
        goto out;
    if (alg->family == JWS_FAMILY_PS) {
        /* RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash. */
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, alg->md, NULL) != 1 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)
            goto out;
    } else if (alg->family == JWS_FAMILY_RS) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
            goto out;
    }
    ok = EVP_DigestVerify(md, sig, sig_len, msg, msg_len) == 1;
out:
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    return ok;
}
