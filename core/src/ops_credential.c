/*
 * CSC credentials created and deleted through the native API: a certified
 * key pair assigned to a CSC user, with its certificate chain and its
 * authorization settings (csc-v1.md, "Credentials").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/x509.h>

#include "ops_internal.h"
#include "sam/base64.h"
#include "sam/password.h"
#include "sam/store.h"
#include "sam/totp.h"

#define MAX_CERT_DER (64 * 1024)

/* The first certificate must carry the key pair's public key. */
static int check_first_certificate(const sam_key_pair_t *kp, const char *b64)
{
    uint8_t *der = NULL, *spki = NULL;
    size_t der_len = 0;
    const unsigned char *p;
    X509 *x = NULL;
    int spki_len, rc;

    if (sam_base64_decode_alloc(b64, strlen(b64), &der, &der_len) != SAM_OK ||
        der_len > MAX_CERT_DER) {
        rc = sam_error_set(SAM_E_PARSE, "certificates[0] is not base64 DER");
        goto out;
    }
    p = der;
    if ((x = d2i_X509(NULL, &p, (long)der_len)) == NULL || p != der + der_len) {
        rc = sam_error_set(SAM_E_PARSE, "certificates[0] is not a DER certificate");
        goto out;
    }
    spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
    if (spki_len <= 0) {
        rc = sam_error_set(SAM_E_PARSE, "certificates[0] has no readable public key");
        goto out;
    }
    if ((size_t)spki_len != kp->spki_len || memcmp(spki, kp->spki, kp->spki_len) != 0) {
        rc = sam_error_set(SAM_E_INVALID_ARG,
                           "certificates[0] does not certify the key pair's public key");
        goto out;
    }
    rc = SAM_OK;
out:
    OPENSSL_free(spki);
    X509_free(x);
    free(der);
    return rc;
}

/* Every further certificate must at least be base64 DER of a certificate. */
static int check_certificate(const char *b64, size_t i)
{
    uint8_t *der = NULL;
    size_t der_len = 0;
    const unsigned char *p;
    X509 *x = NULL;
    int rc = SAM_OK;

    if (sam_base64_decode_alloc(b64, strlen(b64), &der, &der_len) != SAM_OK ||
        der_len > MAX_CERT_DER || (p = der, x = d2i_X509(NULL, &p, (long)der_len)) == NULL ||
        p != der + der_len)
        rc = sam_error_set(SAM_E_PARSE, "certificates[%zu] is not a DER certificate", i);
    X509_free(x);
    free(der);
    return rc;
}

static int check_key_pair(sam_service_t *svc, const sam_key_pair_t *kp, const char *user_id)
{
    char *assignee = NULL;
    int rc;

    if (!kp->assigned || kp->signer_id == NULL || strcmp(kp->signer_id, user_id) != 0)
        return sam_error_set(SAM_E_KEY_NOT_USABLE, "the key pair is not assigned to user %s",
                             user_id);
    if (!kp->certified)
        return sam_error_set(SAM_E_KEY_NOT_USABLE, "the key pair is not certified");
    rc = sam_store_key_assignee(sam_service_store(svc), kp->id, &assignee);
    if (rc == SAM_OK && strcmp(assignee, user_id) != 0)
        rc = sam_error_set(SAM_E_KEY_NOT_USABLE, "the key is assigned to another signer");
    else if (rc == SAM_E_NOT_FOUND)
        rc = sam_error_set(SAM_E_KEY_NOT_USABLE, "the key pair's assignment is not recorded");
    free(assignee);
    return rc;
}

static int new_id(char out[33])
{
    uint8_t raw[16];

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return sam_error_set(SAM_E_INTERNAL, "no random bytes for a credential id");
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return SAM_OK;
}

int sam_op_credential_check(const sam_op_credential_t *in)
{
    static const char *const modes[] = {"explicit", "implicit", "oauth2code"};
    bool mode_ok = false;
    size_t user_len = in->user_id != NULL ? strlen(in->user_id) : 0;

    if (user_len == 0 || user_len > SAM_OP_MAX_USER_ID)
        return sam_error_set(SAM_E_PARSE, "user_id must be 1 to %d bytes", SAM_OP_MAX_USER_ID);
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]) && in->auth_mode != NULL; i++)
        mode_ok = mode_ok || strcmp(in->auth_mode, modes[i]) == 0;
    if (!mode_ok)
        return sam_error_set(SAM_E_PARSE,
                             "auth_mode must be \"explicit\", \"implicit\" or \"oauth2code\"");
    if (in->scal == NULL || (strcmp(in->scal, "1") != 0 && strcmp(in->scal, "2") != 0))
        return sam_error_set(SAM_E_PARSE, "scal must be \"1\" or \"2\"");
    if (in->multisign < 1 || in->multisign > SAM_OP_MAX_MULTISIGN)
        return sam_error_set(SAM_E_PARSE, "multisign must be 1 to %d", SAM_OP_MAX_MULTISIGN);
    if (in->description != NULL && strlen(in->description) > SAM_OP_MAX_DESCRIPTION)
        return sam_error_set(SAM_E_PARSE, "description is over %d bytes", SAM_OP_MAX_DESCRIPTION);
    if ((in->pin != NULL || in->otp_secret != NULL) && strcmp(in->auth_mode, "explicit") != 0)
        return sam_error_set(SAM_E_PARSE, "a pin or an otp needs auth_mode \"explicit\"");
    if (in->otp_secret != NULL && in->otp.digits != 6 && in->otp.digits != 8)
        return sam_error_set(SAM_E_PARSE, "otp.digits must be 6 or 8");
    if (in->otp_secret != NULL && (in->otp.period < 1 || in->otp.period > SAM_TOTP_MAX_PERIOD))
        return sam_error_set(SAM_E_PARSE, "otp.period must be 1 to %d", SAM_TOTP_MAX_PERIOD);
    return SAM_OK;
}

int sam_op_credential_create(sam_service_t *svc, const sam_op_credential_t *in, char id_out[33],
                             sam_op_facts_t *facts)
{
    sam_store_t *store = sam_service_store(svc);
    sam_key_pair_t *kp = NULL;
    sam_strbuf_t kp_text = SAM_STRBUF_INIT;
    char *pin_hash = NULL, *otp_record = NULL;
    bool disabled;
    int rc;

    id_out[0] = '\0';
    if ((rc = sam_op_credential_check(in)) != SAM_OK)
        goto out;
    if (in->certificate_count == 0 || in->certificate_count > SAM_STORE_MAX_CERTIFICATES) {
        rc = sam_error_set(SAM_E_PARSE, "certificates must list 1 to %d certificates",
                           SAM_STORE_MAX_CERTIFICATES);
        goto out;
    }
    if ((rc = ops_open_key_pair(svc, in->key_pair, &kp, facts)) != SAM_OK)
        goto out;
    if ((rc = ops_strdup(&facts->signer_id, in->user_id)) != SAM_OK)
        goto out;
    rc = sam_store_user_get(store, in->user_id, NULL, &disabled);
    if (rc == SAM_E_NOT_FOUND) {
        rc = sam_error_set(SAM_E_INVALID_ARG, "no CSC user %s", in->user_id);
        goto out;
    }
    if (rc != SAM_OK || (rc = check_key_pair(svc, kp, in->user_id)) != SAM_OK ||
        (rc = check_first_certificate(kp, in->certificates[0])) != SAM_OK)
        goto out;
    for (size_t i = 1; i < in->certificate_count; i++)
        if ((rc = check_certificate(in->certificates[i], i)) != SAM_OK)
            goto out;
    if (in->pin != NULL && (rc = sam_password_hash(in->pin, in->pin_len, &pin_hash)) != SAM_OK) {
        if (rc == SAM_E_INVALID_ARG)
            rc = sam_error_set(SAM_E_PARSE, "pin must be 1 to %d bytes", SAM_PASSWORD_MAX_LEN);
        goto out;
    }
    if (in->otp_secret != NULL &&
        (rc = sam_totp_protect(sam_service_module(svc), in->otp_secret, in->otp_secret_len,
                               &in->otp, &otp_record)) != SAM_OK)
        goto out;
    sam_json_write_canonical(&kp_text, in->key_pair);
    if ((rc = sam_strbuf_finish(&kp_text)) != SAM_OK || (rc = new_id(id_out)) != SAM_OK)
        goto out;
    sam_store_credential_t c = {.id = id_out,
                                .user_id = (char *)in->user_id,
                                .key_pair = kp_text.ptr,
                                .certificates = (char **)in->certificates,
                                .certificate_count = in->certificate_count,
                                .auth_mode = (char *)in->auth_mode,
                                .pin_hash = pin_hash,
                                .otp_secret = otp_record,
                                .multisign = in->multisign,
                                .scal = (char *)in->scal,
                                .description = (char *)in->description};
    rc = sam_store_credential_add(store, &c);
out:
    if (rc != SAM_OK)
        id_out[0] = '\0';
    free(pin_hash);
    free(otp_record);
    sam_strbuf_free(&kp_text);
    sam_key_pair_free(kp);
    return rc;
}

int sam_op_credential_delete(sam_service_t *svc, const char *id, sam_op_facts_t *facts)
{
    sam_store_credential_t *c = NULL;
    int rc = sam_store_credential_get(sam_service_store(svc), id, &c);

    if (rc == SAM_E_INVALID_ARG)
        rc = sam_error_set(SAM_E_NOT_FOUND, "no credential %s", id);
    if (rc == SAM_OK)
        rc = ops_strdup(&facts->signer_id, c->user_id);
    if (rc == SAM_OK)
        rc = sam_store_credential_delete(sam_service_store(svc), id);
    sam_store_credential_free(c);
    return rc;
}
