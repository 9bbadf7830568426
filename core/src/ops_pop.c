/*
 * Proof of possession: sign a PKCS#10 CertificationRequestInfo, and only one
 * whose SubjectPublicKeyInfo is the key pair's own. This endpoint never signs
 * arbitrary data (threat N21).
 */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "ops_internal.h"
#include "sam/algorithms.h"

#define CRI_MAX (64 * 1024)

/* Append a DER length. */
static size_t der_length(uint8_t *p, size_t len)
{
    if (len < 0x80) {
        p[0] = (uint8_t)len;
        return 1;
    }
    size_t n = len <= 0xff ? 1 : len <= 0xffff ? 2 : 3;
    p[0] = (uint8_t)(0x80 | n);
    for (size_t i = 0; i < n; i++)
        p[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    return 1 + n;
}

/*
 * Check that cri is exactly one DER CertificationRequestInfo for spki: wrap
 * it in a CertificationRequest with an empty signature, let OpenSSL parse
 * that, and require the re-encoded info to equal the input byte for byte.
 */
static int check_cri(const uint8_t *cri, size_t cri_len, const uint8_t *spki, size_t spki_len)
{
    /* sha256WithRSAEncryption, NULL parameters: any algorithm does, it is never used. */
    static const uint8_t alg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                  0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
    static const uint8_t empty_sig[] = {0x03, 0x01, 0x00};
    int rc = SAM_E_PARSE;
    size_t inner = cri_len + sizeof(alg) + sizeof(empty_sig);
    uint8_t *der = malloc(inner + 8), *tbs = NULL, *pub = NULL;
    X509_REQ *req = NULL;

    if (der == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    der[0] = 0x30;
    size_t off = 1 + der_length(der + 1, inner);
    memcpy(der + off, cri, cri_len);
    memcpy(der + off + cri_len, alg, sizeof(alg));
    memcpy(der + off + cri_len + sizeof(alg), empty_sig, sizeof(empty_sig));
    size_t total = off + inner;
    const uint8_t *p = der;
    req = d2i_X509_REQ(NULL, &p, (long)total);
    if (req == NULL || p != der + total) {
        rc = sam_error_set(SAM_E_PARSE, "\"request.dtbs\" is not a DER CertificationRequestInfo");
        goto out;
    }
    int tbs_len = i2d_re_X509_REQ_tbs(req, &tbs);
    if (tbs_len < 0 || (size_t)tbs_len != cri_len || memcmp(tbs, cri, cri_len) != 0) {
        rc = sam_error_set(SAM_E_PARSE,
                           "\"request.dtbs\" is not a canonical DER CertificationRequestInfo");
        goto out;
    }
    X509_PUBKEY *xpk = X509_REQ_get_X509_PUBKEY(req);
    int pub_len = xpk != NULL ? i2d_X509_PUBKEY(xpk, &pub) : -1;
    if (pub_len < 0 || (size_t)pub_len != spki_len || memcmp(pub, spki, spki_len) != 0) {
        rc = sam_error_set(SAM_E_PARSE,
                           "the certification request's public key is not the key pair's");
        goto out;
    }
    rc = SAM_OK;
out:
    OPENSSL_free(tbs);
    OPENSSL_free(pub);
    X509_REQ_free(req);
    free(der);
    return rc;
}

static const EVP_MD *md_of(sam_hash h)
{
    return h == SAM_HASH_SHA256 ? EVP_sha256() : h == SAM_HASH_SHA384 ? EVP_sha384() : EVP_sha512();
}

int sam_op_proof_of_possession(sam_service_t *svc, const sam_json_t *key_pair, const uint8_t *cri,
                               size_t cri_len, const char *algorithm, sam_outbuf_t *sig,
                               sam_op_facts_t *facts)
{
    int rc;
    sam_key_pair_t *kp = NULL;
    sam_sig_params_t params;
    uint8_t hash[64];
    unsigned int hash_len = 0;

    if (cri_len == 0 || cri_len > CRI_MAX)
        return sam_error_set(SAM_E_PARSE, "\"request.dtbs\" must have 1 to %d bytes", CRI_MAX);
    if ((rc = ops_open_key_pair(svc, key_pair, &kp, facts)) != SAM_OK)
        goto out;
    if ((rc = sam_sig_params_from_name(algorithm, &params)) != SAM_OK)
        goto out;
    if (params.hash == SAM_HASH_NONE) {
        rc = sam_error_set(SAM_E_UNSUPPORTED_ALG,
                           "a proof of possession needs an algorithm with its hash (e.g. PS256)");
        goto out;
    }
    if ((rc = sam_alg_policy_check_sig(&sam_service_static(svc)->algorithms, &params)) != SAM_OK ||
        (rc = sam_sig_params_fit_key(&params, &kp->spec)) != SAM_OK)
        goto out;
    if ((rc = check_cri(cri, cri_len, kp->spki, kp->spki_len)) != SAM_OK)
        goto out;
    if (EVP_Digest(cri, cri_len, hash, &hash_len, md_of(params.hash), NULL) != 1) {
        rc = sam_error_set(SAM_E_INTERNAL, "hashing the certification request failed");
        goto out;
    }
    sam_bytes_t h = {hash, hash_len};
    if ((rc = sam_key_pair_sign(sam_service_module(svc), kp, &params, &h, 1, sig)) == SAM_OK)
        facts->signatures = 1;
out:
    sam_key_pair_free(kp);
    return rc;
}
