/* Status update: certification (never undone), enabling, the certificate. */
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "ops_internal.h"

#define CERTIFICATE_MAX (64 * 1024)

/* The certificate must be one DER X.509 certificate for the key pair's public key. */
static int check_certificate(const uint8_t *der, size_t len, const sam_key_pair_t *kp)
{
    int rc = SAM_OK;
    const uint8_t *p = der;
    uint8_t *pub = NULL;
    X509 *cert = len <= CERTIFICATE_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;

    if (cert == NULL || p != der + len) {
        rc = sam_error_set(SAM_E_PARSE, "\"certificate\" is not one DER X.509 certificate");
        goto out;
    }
    int pub_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &pub);
    if (pub_len < 0 || (size_t)pub_len != kp->spki_len || memcmp(pub, kp->spki, kp->spki_len) != 0)
        rc = sam_error_set(SAM_E_PARSE, "the certificate's public key is not the key pair's");
out:
    OPENSSL_free(pub);
    X509_free(cert);
    return rc;
}

int sam_op_update_status(sam_service_t *svc, const sam_json_t *key_pair, const char *signer_id,
                         bool certified, bool enabled, const uint8_t *certificate,
                         size_t certificate_len, sam_strbuf_t *out, sam_op_facts_t *facts)
{
    int rc;
    sam_key_pair_t *kp = NULL;

    if ((rc = ops_open_key_pair(svc, key_pair, &kp, facts)) != SAM_OK)
        goto out;
    if (!kp->assigned || kp->signer_id == NULL || strcmp(kp->signer_id, signer_id) != 0) {
        rc = sam_error_set(SAM_E_KEY_NOT_USABLE, "key pair %s is not assigned to signer \"%.64s\"",
                           kp->id, signer_id);
        goto out;
    }
    if (kp->certified && !certified) {
        rc = sam_error_set(SAM_E_PARSE, "\"status.certified\" cannot go back to false");
        goto out;
    }
    if (certificate != NULL) {
        if ((rc = check_certificate(certificate, certificate_len, kp)) != SAM_OK)
            goto out;
        uint8_t *copy = malloc(certificate_len);
        if (copy == NULL) {
            rc = sam_error_set(SAM_E_NOMEM, "out of memory");
            goto out;
        }
        memcpy(copy, certificate, certificate_len);
        free(kp->certificate);
        kp->certificate = copy;
        kp->certificate_len = certificate_len;
    }
    kp->certified = certified;
    kp->enabled = enabled;
    /* A new revision: the copy presented is an older copy from now on (N12). */
    rc = ops_write_changed_key_pair(svc, kp, out);
out:
    sam_key_pair_free(kp);
    return rc;
}
