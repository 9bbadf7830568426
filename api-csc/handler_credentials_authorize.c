/*
 * credentials/authorize: a SAD of this server (csc_sad.c) for one
 * credential. It checks the explicit-mode factors (csc_auth_factors.c: PIN
 * and OTP, each with its lockout) and binds the SAD to the request's
 * hashes, or, for a SCAL "1" credential without `hash`, to the count alone.
 * Every call about a credential of the caller's is in the service audit log
 * (csc_audit.c); a SAD is handed out only once that is on disk
 * (docs/api-csc.md).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csc_authorize.h"
#include "sam/keypair.h"
#include "sam/secmem.h"

void csc_credentials_authorize(csc_call_t *call)
{
    const char *id = NULL, *ignored = NULL;
    int64_t num = 0;
    bool have_num = false;
    csc_cred_t cr = {0};
    sam_bytes_t *hashes = NULL;
    size_t n = 0;
    char jti[CSC_JTI_LEN + 1], issuer[CSC_ISSUER_MAX];
    csc_audit_t au = {.event = "csc_authorize", .method = "credentials/authorize"};

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
    /* From here on the call concerns a credential of the caller's: it is audited. */
    au.signer = cr.c->user_id;
    au.key_id = cr.kp->id;
    au.num_signatures = num <= UINT32_MAX ? (uint32_t)num : UINT32_MAX;
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
    /* SCAL 1 without hash: a SAD bound to the count alone (docs/api-csc.md). */
    if (!csc_hashes_optional(call, &cr)) {
        if (csc_read_hashes(call, sam_json_get(call->body, "hash"), false, &hashes, &n) != SAM_OK)
            goto out;
        au.hashes = hashes;
        au.n_hashes = n;
        if (n != (uint64_t)num) {
            csc_invalid_request(call, "The number of hash values must equal numSignatures");
            goto out;
        }
    }
    if (strcmp(cr.c->auth_mode, "explicit") == 0 &&
        csc_check_factors(call, &cr, &au.error) != SAM_OK)
        goto out;
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
    csc_answer_sad(call, &claims);
    csc_own_issuer(call, issuer);
    au.sad_jti = jti;
    au.sad_iss = issuer;
out:
    if (cr.c != NULL)
        (void)csc_audit(call, &au);
    csc_wipe_member(call, "PIN");
    csc_wipe_member(call, "OTP");
    free(hashes);
    csc_cred_close(&cr);
}
