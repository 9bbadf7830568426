/*
 * Service audit records of /csc/v1 calls that hand out or refuse an
 * authorization (credentials/authorize, credentials/extendTransaction). The
 * record names the CSC user, the key, the SAD's jti and issuer, the count
 * and the hashes, never a PIN, OTP, SAD or token.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include "csc_authorize.h"
#include "sam/audit.h"
#include "sam/log.h"

/* The answer is not handed out: wipe it (it may hold a SAD) and say 503. */
static void answer_unavailable(csc_call_t *call)
{
    sam_response_t *resp = call->resp;

    if (resp->body.ptr != NULL)
        OPENSSL_cleanse(resp->body.ptr, resp->body.cap);
    sam_strbuf_free(&resp->body);
    resp->body = (sam_strbuf_t)SAM_STRBUF_INIT;
    csc_error(call, 503, "temporarily_unavailable", "The service is temporarily unavailable");
}

int csc_audit(csc_call_t *call, const csc_audit_t *a)
{
    char reason[320], *hashes = NULL;
    int status = call->resp->status;
    bool failed = status < 200 || status >= 300;
    int rc;

    if (a->n_hashes > 0 && (rc = sam_audit_hashes_json(a->hashes, a->n_hashes, &hashes)) != SAM_OK)
        goto out;
    snprintf(reason, sizeof(reason), "POST /csc/v1/%s: numSignatures %u, %zu hashes", a->method,
             a->num_signatures, a->n_hashes);
    sam_audit_event_t ev = {
        .event = a->event,
        .caller_id = call->user_id,
        .caller_role = "csc_user",
        .signer = a->signer,
        .key_id = a->key_id,
        .sad_jti = failed ? NULL : a->sad_jti,
        .sad_iss = failed ? NULL : a->sad_iss,
        .hashes = hashes,
        .outcome = !failed         ? "success"
                   : status >= 500 ? "error"
                                   : "refused",
        .status = status,
        .error = failed ? (a->error != NULL ? a->error : "csc_error") : NULL,
        .reason = reason,
        .request_id = call->req->request_id,
        .peer = call->req->peer,
    };
    rc = sam_audit_record(sam_service_audit(call->svc), SAM_AUDIT_SERVICE, &ev);
out:
    free(hashes);
    if (rc != SAM_OK) {
        sam_log(SAM_LOG_WARNING, "csc %s: audit record failed: %s", a->method, sam_error_message());
        answer_unavailable(call);
    }
    return rc;
}
