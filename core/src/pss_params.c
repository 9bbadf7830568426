/* RSASSA-PSS-params (RFC 8017 A.2.3) as a signature request may give them. */
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "sam/algorithms.h"
#include "sam/ops.h"
#include "sam/rc.h"

#define PSS_PARAMS_MAX 256

static sam_hash hash_of(const X509_ALGOR *alg)
{
    const ASN1_OBJECT *obj;
    int ptype;
    const void *pval;
    X509_ALGOR_get0(&obj, &ptype, &pval, alg);
    /* Parameters absent or NULL, as RFC 8017 allows. */
    if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL)
        return SAM_HASH_NONE;
    switch (OBJ_obj2nid(obj)) {
    case NID_sha256:
        return SAM_HASH_SHA256;
    case NID_sha384:
        return SAM_HASH_SHA384;
    case NID_sha512:
        return SAM_HASH_SHA512;
    default:
        return SAM_HASH_NONE;
    }
}

int sam_pss_params_parse(const uint8_t *der, size_t len, sam_sig_params_t *params)
{
    int rc = SAM_E_PARSE;
    const uint8_t *p = der;
    RSA_PSS_PARAMS *pss = len > 0 && len <= PSS_PARAMS_MAX ? d2i_RSA_PSS_PARAMS(NULL, &p, (long)len)
                                                           : NULL;
    X509_ALGOR *mgf1_hash = NULL;

    if (pss == NULL || p != der + len) {
        rc = sam_error_set(SAM_E_PARSE, "\"signature_algorithm_params\" is not DER RSASSA-PSS-params");
        goto out;
    }
    /* Every default of the structure is SHA-1, which this SAM does not sign with. */
    if (pss->hashAlgorithm == NULL || pss->maskGenAlgorithm == NULL) {
        rc = sam_error_set(SAM_E_UNSUPPORTED_ALG, "RSASSA-PSS with SHA-1 is not supported");
        goto out;
    }
    params->scheme = SAM_SCHEME_RSA_PSS;
    params->hash = hash_of(pss->hashAlgorithm);
    if (params->hash == SAM_HASH_NONE) {
        rc = sam_error_set(SAM_E_UNSUPPORTED_ALG, "RSASSA-PSS hash must be SHA-256, SHA-384 or SHA-512");
        goto out;
    }
    const ASN1_OBJECT *mgf_obj;
    int mgf_type;
    const void *mgf_val;
    X509_ALGOR_get0(&mgf_obj, &mgf_type, &mgf_val, pss->maskGenAlgorithm);
    if (OBJ_obj2nid(mgf_obj) != NID_mgf1 || mgf_type != V_ASN1_SEQUENCE) {
        rc = sam_error_set(SAM_E_UNSUPPORTED_ALG, "RSASSA-PSS mask generation must be MGF1");
        goto out;
    }
    const ASN1_STRING *seq = mgf_val;
    const uint8_t *q = ASN1_STRING_get0_data(seq);
    mgf1_hash = d2i_X509_ALGOR(NULL, &q, ASN1_STRING_length(seq));
    if (mgf1_hash == NULL || q != ASN1_STRING_get0_data(seq) + ASN1_STRING_length(seq) ||
        (params->mgf1_hash = hash_of(mgf1_hash)) == SAM_HASH_NONE) {
        rc = sam_error_set(SAM_E_UNSUPPORTED_ALG, "RSASSA-PSS MGF1 hash must be SHA-256, SHA-384 or SHA-512");
        goto out;
    }
    long salt = 20;
    if (pss->saltLength != NULL)
        salt = ASN1_INTEGER_get(pss->saltLength);
    if (salt < 0 || salt > 1024) {
        rc = sam_error_set(SAM_E_PARSE, "RSASSA-PSS salt length out of range");
        goto out;
    }
    params->salt_len = (uint32_t)salt;
    if (pss->trailerField != NULL && ASN1_INTEGER_get(pss->trailerField) != 1) {
        rc = sam_error_set(SAM_E_UNSUPPORTED_ALG, "RSASSA-PSS trailer field must be 1");
        goto out;
    }
    rc = SAM_OK;
out:
    X509_ALGOR_free(mgf1_hash);
    RSA_PSS_PARAMS_free(pss);
    return rc;
}
