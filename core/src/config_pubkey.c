/*
 * Registered public keys: base64 DER SubjectPublicKeyInfo or PEM, checked
 * by OpenSSL and kept in canonical DER with its SHA-256 (the SPKI pin).
 */
#include "sam/config.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "sam/base64.h"
#include "sam/rc.h"

/* Far above any acceptable key (RSA-16384 PEM is ~2.8 KB), far below abuse. */
#define PUBKEY_TEXT_MAX (16 * 1024)
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 16384

static const char pem_begin[] = "-----BEGIN PUBLIC KEY-----";

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* PEM: exactly one PUBLIC KEY block, nothing but whitespace around it. */
static EVP_PKEY *decode_pem(const char *text, size_t len)
{
    EVP_PKEY *pkey = NULL;
    BIO *bio = BIO_new_mem_buf(text, (int)len);
    if (bio == NULL)
        goto out;
    pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    if (pkey == NULL)
        goto out;
    char *rest = NULL;
    long n = BIO_get_mem_data(bio, &rest);
    for (long i = 0; i < n; i++) {
        if (!is_space(rest[i])) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
            break;
        }
    }
out:
    BIO_free(bio);
    return pkey;
}

static EVP_PKEY *decode_der(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)len);
    if (pkey != NULL && p != der + len) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    return pkey;
}

static int check_key_type(EVP_PKEY *pkey)
{
    int id = EVP_PKEY_get_base_id(pkey);
    if (id == EVP_PKEY_RSA) {
        int bits = EVP_PKEY_get_bits(pkey);
        if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
            return sam_error_set(SAM_E_UNSUPPORTED_ALG,
                                 "RSA key of %d bits (%d to %d bits are accepted)", bits,
                                 RSA_MIN_BITS, RSA_MAX_BITS);
        return SAM_OK;
    }
    if (id == EVP_PKEY_EC) {
        char group[64];
        size_t glen = 0;
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                           &glen) != 1)
            return sam_error_set(SAM_E_UNSUPPORTED_ALG, "EC key without a named curve");
        if (strcmp(group, "prime256v1") != 0 && strcmp(group, "secp384r1") != 0 &&
            strcmp(group, "secp521r1") != 0)
            return sam_error_set(SAM_E_UNSUPPORTED_ALG,
                                 "EC key on curve %s (P-256, P-384 and P-521 are accepted)", group);
        return SAM_OK;
    }
    return sam_error_set(SAM_E_UNSUPPORTED_ALG, "key type %s is not accepted (RSA or EC only)",
                         OBJ_nid2sn(id));
}

static int canonicalize(EVP_PKEY *pkey, sam_public_key_t *out)
{
    unsigned char *der = NULL;
    uint8_t *copy = NULL;
    unsigned int hlen = 0;
    int rc = SAM_OK;
    int n = i2d_PUBKEY(pkey, &der);
    if (n <= 0) {
        rc = sam_error_set(SAM_E_INTERNAL, "cannot encode the public key");
        goto out;
    }
    copy = malloc((size_t)n);
    if (copy == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    memcpy(copy, der, (size_t)n);
    if (EVP_Digest(copy, (size_t)n, out->sha256, &hlen, EVP_sha256(), NULL) != 1 ||
        hlen != sizeof(out->sha256)) {
        rc = sam_error_set(SAM_E_INTERNAL, "SHA-256 failed");
        goto out;
    }
    out->spki = copy;
    out->spki_len = (size_t)n;
    copy = NULL;
out:
    OPENSSL_free(der);
    free(copy);
    return rc;
}

int sam_public_key_parse(const char *text, size_t len, sam_public_key_t *out)
{
    int rc = SAM_OK;
    EVP_PKEY *pkey = NULL;
    uint8_t *der = NULL;
    size_t der_len = 0;

    memset(out, 0, sizeof(*out));
    if (len > PUBKEY_TEXT_MAX) {
        rc = sam_error_set(SAM_E_PARSE, "longer than %d bytes", PUBKEY_TEXT_MAX);
        goto out;
    }
    size_t start = 0;
    while (start < len && is_space(text[start]))
        start++;
    if (len - start >= sizeof(pem_begin) - 1 &&
        memcmp(text + start, pem_begin, sizeof(pem_begin) - 1) == 0) {
        pkey = decode_pem(text + start, len - start);
        if (pkey == NULL) {
            rc = sam_error_set(SAM_E_PARSE, "not a single well-formed PEM PUBLIC KEY block");
            goto out;
        }
    } else {
        if (sam_base64_decode_alloc(text, len, &der, &der_len) != SAM_OK) {
            rc = sam_error_set(SAM_E_PARSE,
                               "neither PEM (\"%s\") nor standard base64 of a DER "
                               "SubjectPublicKeyInfo",
                               pem_begin);
            goto out;
        }
        pkey = decode_der(der, der_len);
        if (pkey == NULL) {
            rc = sam_error_set(SAM_E_PARSE, "the base64 does not hold a DER SubjectPublicKeyInfo");
            goto out;
        }
    }
    rc = check_key_type(pkey);
    if (rc == SAM_OK)
        rc = canonicalize(pkey, out);
out:
    ERR_clear_error(); /* leave no OpenSSL error behind for unrelated later calls */
    EVP_PKEY_free(pkey);
    free(der);
    return rc;
}

void sam_public_key_clear(sam_public_key_t *k)
{
    if (k == NULL)
        return;
    free(k->spki);
    memset(k, 0, sizeof(*k));
}
