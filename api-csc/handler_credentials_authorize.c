/*
 * credentials/authorize and credentials/extendTransaction: a SAD of this
 * server (csc_sad.c) for hashes of one credential. authorize checks the
 * PIN in explicit mode (slow hash, constant-time compare, a failure counter
 * in the state store with a lockout); extendTransaction verifies the
 * presented SAD and issues one with the same jti, count and validity window
 * listing the union of the old and the new hashes, so that the store's usage
 * record of that jti bounds the whole transaction (docs/api-csc.md).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csc_internal.h"
#include "sam/keypair.h"
#include "sam/password.h"
#include "sam/secmem.h"

/* Wipe a string member of the parsed body (a PIN) in place. */
static void wipe_member(csc_call_t *call, const char *key)
{
    const sam_json_t *v = sam_json_get(call->body, key);

    if (v != NULL && v->type == SAM_JSON_STRING && v->u.str.ptr != NULL)
        sam_wipe((void *)v->u.str.ptr, v->u.str.len);
}

static void answer_sad(csc_call_t *call, const csc_sad_claims_t *claims)
{
    sam_strbuf_t sad = SAM_STRBUF_INIT;
    int rc = csc_sad_issue(call->svc, claims, &sad);
    int64_t left = claims->exp - (int64_t)time(NULL);

    if (rc == SAM_E_LIMIT) {
        csc_invalid_request(call, "Too many hash values for one SAD");
        goto out;
    }
    if (rc != SAM_OK) {
        csc_fail_internal(call, rc);
        goto out;
    }
    sam_strbuf_t *b = &call->resp->body;
    sam_strbuf_puts(b, "{\"SAD\":");
    sam_strbuf_json_string(b, sad.ptr, sad.len);
    sam_strbuf_printf(b, ",\"expiresIn\":%lld}", (long long)(left > 0 ? left : 0));
    call->resp->status = 200;
out:
    sam_strbuf_free(&sad);
}

/* The PIN of an explicit-mode credential. SAM_OK when it matches; else the call is answered. */
static int check_pin(csc_call_t *call, const csc_cred_t *cr)
{
    sam_store_t *store = sam_service_store(call->svc);
    const sam_json_t *pin = sam_json_get(call->body, "PIN");
    uint32_t failures = 0;
    bool match = false;
    int rc;

    if ((rc = sam_store_credential_failures(store, cr->c->id, SAM_STORE_PIN_FAILURES, &failures)) !=
        SAM_OK) {
        csc_fail_internal(call, rc);
        return rc;
    }
    if (failures >= call->cfg->pin_max_failures) {
        csc_invalid_request(call, "PIN locked");
        return SAM_E_UNAUTHORIZED;
    }
    if (pin == NULL || pin->type != SAM_JSON_STRING) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter PIN");
        return SAM_E_PARSE;
    }
    if (pin->u.str.len == 0 || pin->u.str.len > SAM_PASSWORD_MAX_LEN)
        match = false;
    else if ((rc = sam_password_verify(pin->u.str.ptr, pin->u.str.len, cr->c->pin_hash, &match)) !=
             SAM_OK) {
        csc_fail_internal(call, rc);
        return rc;
    }
    if (match) {
        if ((rc = sam_store_credential_failure_reset(store, cr->c->id, SAM_STORE_PIN_FAILURES)) !=
            SAM_OK) {
            csc_fail_internal(call, rc);
            return rc;
        }
        return SAM_OK;
    }
    if ((rc = sam_store_credential_failure(store, cr->c->id, SAM_STORE_PIN_FAILURES, &failures)) !=
        SAM_OK) {
        csc_fail_internal(call, rc);
        return rc;
    }
    if (failures >= call->cfg->pin_max_failures)
        csc_invalid_request(call, "PIN locked");
    else
        csc_error(call, 400, "invalid_pin", "The PIN is invalid");
    return SAM_E_UNAUTHORIZED;
}

void csc_credentials_authorize(csc_call_t *call)
{
    const char *id = NULL, *ignored = NULL;
    int64_t num = 0;
    bool have_num = false;
    csc_cred_t cr = {0};
    sam_bytes_t *hashes = NULL;
    size_t n = 0;
    char jti[CSC_JTI_LEN + 1];

    if (csc_opt_string(call, "credentialID", &id) != SAM_OK || id == NULL) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter credentialID");
        goto out;
    }
    if (csc_opt_int(call, "numSignatures", &num, &have_num) != SAM_OK || !have_num) {
        csc_invalid_request(call, "Missing (or invalid type) integer parameter numSignatures");
        goto out;
    }
    if (num < 1) {
        csc_invalid_request(call, "Invalid value for parameter numSignatures");
        goto out;
    }
    if (csc_opt_string(call, "PIN", &ignored) != SAM_OK ||
        csc_opt_string(call, "OTP", &ignored) != SAM_OK ||
        csc_opt_string(call, "description", &ignored) != SAM_OK) {
        csc_invalid_request(call, CSC_MALFORMED);
        goto out;
    }
    if (csc_cred_open(call, id, &cr) != SAM_OK)
        goto out;
    if (strcmp(cr.c->auth_mode, "oauth2code") == 0) {
        csc_invalid_request(call, "The credential is authorized with OAuth 2.0, not with "
                                  "credentials/authorize");
        goto out;
    }
    if (!cr.usable) {
        csc_invalid_request(call, "The credential identified by credentialID is disabled");
        goto out;
    }
    if ((uint64_t)num > cr.c->multisign) {
        csc_invalid_request(call, "Numbers of signatures is too high");
        goto out;
    }
    /* SCAL 1 too: this server binds every SAD to its hashes (docs/api-csc.md). */
    if (csc_read_hashes(call, sam_json_get(call->body, "hash"), false, &hashes, &n) != SAM_OK)
        goto out;
    if (n != (uint64_t)num) {
        csc_invalid_request(call, "The number of hash values must equal numSignatures");
        goto out;
    }
    if (strcmp(cr.c->auth_mode, "explicit") == 0) {
        if (cr.c->otp_secret != NULL) {
            csc_invalid_request(call, "OTP authorization is not supported by this server yet");
            goto out;
        }
        if (cr.c->pin_hash != NULL && check_pin(call, &cr) != SAM_OK)
            goto out;
    }
    if (csc_new_jti(jti) != SAM_OK) {
        csc_fail_internal(call, SAM_E_INTERNAL);
        goto out;
    }
    int64_t now = (int64_t)time(NULL);
    csc_sad_claims_t claims = {call->user_id,
                               cr.kp->id,
                               hashes,
                               n,
                               (uint32_t)num,
                               now,
                               now + (int64_t)call->cfg->sad_lifetime_seconds,
                               jti};
    answer_sad(call, &claims);
out:
    wipe_member(call, "PIN");
    wipe_member(call, "OTP");
    free(hashes);
    csc_cred_close(&cr);
}

void csc_credentials_extend(csc_call_t *call)
{
    const char *id = NULL, *sad = NULL;
    csc_cred_t cr = {0};
    sam_sad_t *old = NULL;
    sam_bytes_t *added = NULL, *all = NULL;
    size_t n_added = 0, n_all = 0;
    int rc;

    if (csc_opt_string(call, "credentialID", &id) != SAM_OK || id == NULL) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter credentialID");
        goto out;
    }
    if (csc_opt_string(call, "SAD", &sad) != SAM_OK || sad == NULL) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter SAD");
        goto out;
    }
    if (csc_cred_open(call, id, &cr) != SAM_OK)
        goto out;
    if (!cr.usable) {
        csc_invalid_request(call, "The credential identified by credentialID is disabled");
        goto out;
    }
    if (csc_read_hashes(call, sam_json_get(call->body, "hash"), false, &added, &n_added) != SAM_OK)
        goto out;
    rc = csc_sad_verify(call->svc, sad, strlen(sad), call->user_id, cr.kp->id, &old);
    if (rc == SAM_E_SAD_EXPIRED) {
        csc_invalid_request(call, "SAD expired");
        goto out;
    }
    if (rc == SAM_E_SAD_INVALID || rc == SAM_E_SAD_EXHAUSTED) {
        csc_invalid_request(call, "Invalid parameter SAD");
        goto out;
    }
    if (rc != SAM_OK) {
        csc_fail_internal(call, rc);
        goto out;
    }
    if ((all = calloc(old->n_hashes + n_added, sizeof(*all))) == NULL) {
        csc_fail_internal(call, sam_error_set(SAM_E_NOMEM, "out of memory"));
        goto out;
    }
    for (size_t i = 0; i < old->n_hashes; i++)
        all[n_all++] = old->hashes[i];
    for (size_t i = 0; i < n_added; i++) {
        size_t j = 0;
        while (j < n_all &&
               !(all[j].len == added[i].len && memcmp(all[j].ptr, added[i].ptr, added[i].len) == 0))
            j++;
        if (j == n_all)
            all[n_all++] = added[i];
    }
    if (n_all > SAM_SAD_MAX_HASHES) {
        csc_invalid_request(call, "Too many hash values for one SAD");
        goto out;
    }
    /* Same jti, count and window: the store's record of the jti bounds the transaction. */
    csc_sad_claims_t claims = {call->user_id,       cr.kp->id, all,      n_all,
                               old->num_signatures, old->iat,  old->exp, old->jti};
    answer_sad(call, &claims);
out:
    free(all);
    free(added);
    sam_sad_free(old);
    csc_cred_close(&cr);
}
