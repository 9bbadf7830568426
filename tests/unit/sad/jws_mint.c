/* Test-side JWS minting with OpenSSL; see jws_mint.h. */
#include "jws_mint.h"

#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "sam/base64.h"

EVP_PKEY *mint_rsa_key(unsigned bits)
{
    EVP_PKEY *k = EVP_RSA_gen(bits);
    cr_assert_not_null(k, "RSA-%u key generation", bits);
    return k;
}

EVP_PKEY *mint_ec_key(const char *group)
{
    EVP_PKEY *k = EVP_EC_gen(group);
    cr_assert_not_null(k, "EC %s key generation", group);
    return k;
}

uint8_t *mint_spki(EVP_PKEY *key, size_t *len)
{
    uint8_t *der = NULL;
    int n = i2d_PUBKEY(key, &der);
    cr_assert_gt(n, 0);
    uint8_t *copy = malloc((size_t)n);
    cr_assert_not_null(copy);
    memcpy(copy, der, (size_t)n);
    OPENSSL_free(der);
    *len = (size_t)n;
    return copy;
}

static char *b64url(const void *in, size_t len)
{
    char *out = malloc(sam_base64_encoded_size(len));
    cr_assert_not_null(out);
    sam_base64url_encode(in, len, out);
    return out;
}

/* ASCII(b64url(header) '.' b64url(payload)), malloc'd. */
static char *signing_input(const char *header, const char *payload, size_t payload_len)
{
    char *h = b64url(header, strlen(header)), *p = b64url(payload, payload_len);
    size_t n = strlen(h) + 1 + strlen(p) + 1;
    char *s = malloc(n);
    cr_assert_not_null(s);
    snprintf(s, n, "%s.%s", h, p);
    free(h);
    free(p);
    return s;
}

static const char *md_of(const char *alg)
{
    const char *bits = alg + 2;
    return strcmp(bits, "256") == 0 ? "SHA256" : strcmp(bits, "384") == 0 ? "SHA384" : "SHA512";
}

/* DER Ecdsa-Sig-Value to JOSE r||s with fields of the key's curve size. */
static uint8_t *der_to_raw(EVP_PKEY *key, const uint8_t *der, size_t der_len, size_t *out_len)
{
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    cr_assert_not_null(es);
    size_t field = (size_t)(EVP_PKEY_get_bits(key) + 7) / 8;
    uint8_t *raw = malloc(2 * field);
    cr_assert_not_null(raw);
    cr_assert_eq(BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, (int)field), (int)field);
    cr_assert_eq(BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + field, (int)field), (int)field);
    ECDSA_SIG_free(es);
    *out_len = 2 * field;
    return raw;
}

uint8_t *mint_sign(EVP_PKEY *key, const char *sign_alg, const char *header, const char *payload,
                   size_t *sig_len)
{
    char *input = signing_input(header, payload, strlen(payload));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    size_t len = 0;

    cr_assert_not_null(md);
    cr_assert_eq(EVP_DigestSignInit_ex(md, &pctx, md_of(sign_alg), NULL, NULL, key, NULL), 1);
    if (sign_alg[0] == 'P') {
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1);
    }
    cr_assert_eq(EVP_DigestSign(md, NULL, &len, (const uint8_t *)input, strlen(input)), 1);
    uint8_t *sig = malloc(len);
    cr_assert_not_null(sig);
    cr_assert_eq(EVP_DigestSign(md, sig, &len, (const uint8_t *)input, strlen(input)), 1);
    EVP_MD_CTX_free(md);
    free(input);
    if (sign_alg[0] == 'E') {
        uint8_t *raw = der_to_raw(key, sig, len, &len);
        free(sig);
        sig = raw;
    }
    *sig_len = len;
    return sig;
}

uint8_t *mint_hs256(const uint8_t *secret, size_t secret_len, const char *header,
                    const char *payload, size_t *sig_len)
{
    char *input = signing_input(header, payload, strlen(payload));
    uint8_t *mac = malloc(EVP_MAX_MD_SIZE);
    unsigned n = 0;

    cr_assert_not_null(mac);
    cr_assert_not_null(HMAC(EVP_sha256(), secret, (int)secret_len, (const uint8_t *)input,
                            strlen(input), mac, &n));
    free(input);
    *sig_len = n;
    return mac;
}

char *mint_join(const char *header, const char *payload, size_t payload_len, const uint8_t *sig,
                size_t sig_len)
{
    char *input = signing_input(header, payload, payload_len), *s = b64url(sig, sig_len);
    size_t n = strlen(input) + 1 + strlen(s) + 1;
    char *jws = malloc(n);
    cr_assert_not_null(jws);
    snprintf(jws, n, "%s.%s", input, s);
    free(input);
    free(s);
    return jws;
}

char *mint_jws(EVP_PKEY *key, const char *sign_alg, const char *header, const char *payload)
{
    size_t sig_len = 0;
    uint8_t *sig = key != NULL ? mint_sign(key, sign_alg, header, payload, &sig_len) : NULL;
    char *jws = mint_join(header, payload, strlen(payload), sig, sig_len);
    free(sig);
    return jws;
}
