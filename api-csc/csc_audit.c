/*
 * Service audit records of /csc/v1 calls that hand out or refuse an
 * authorization or a signature (credentials/authorize,
 * credentials/extendTransaction, signatures/signHash). The record names the
 * CSC user, the key, the SAD's jti and issuer, the count and the hashes,
 * never a PIN, OTP, SAD or token.
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

bool csc_answer_failed(const csc_call_t *call)
{
    return call->resp->status < 200 || call->resp->status >= 300;
}

int csc_audit_record(csc_call_t *call, const char *method, sam_audit_event_t *ev, const char *error)
{
    int status = call->resp->status;
    bool failed = csc_answer_failed(call);
    int rc;

    ev->caller_id = call->user_id;
    ev->caller_role = "csc_user";
    ev->outcome = !failed ? "success" : status >= 500 ? "error" : "refused";
    ev->status = status;
    ev->error = failed ? (error != NULL ? error : "csc_error") : NULL;
    ev->request_id = call->req->request_id;
    ev->peer = call->req->peer;
    rc = sam_audit_record(sam_service_audit(call->svc), SAM_AUDIT_SERVICE, ev);
    if (rc != SAM_OK) {
        sam_log(SAM_LOG_WARNING, "csc %s: audit record failed: %s", method, sam_error_message());
        answer_unavailable(call);
    }
    return rc;
}

int csc_audit(csc_call_t *call, const csc_audit_t *a)
{
    char reason[320], *hashes = NULL;
    bool failed = csc_answer_failed(call);
    int rc;

    if (a->n_hashes > 0 &&
        (rc = sam_audit_hashes_json(a->hashes, a->n_hashes, &hashes)) != SAM_OK) {
        sam_log(SAM_LOG_WARNING, "csc %s: audit record failed: %s", a->method, sam_error_message());
        answer_unavailable(call);
        return rc;
    }
    snprintf(reason, sizeof(reason), "POST /csc/v1/%s: numSignatures %u, %zu hashes", a->method,
             a->num_signatures, a->n_hashes);
    sam_audit_event_t ev = {
        .event = a->event,
        .signer = a->signer,
        .key_id = a->key_id,
        .sad_jti = failed ? NULL : a->sad_jti,
        .sad_iss = failed ? NULL : a->sad_iss,
        .hashes = hashes,
        .reason = reason,
    };
    rc = csc_audit_record(call, a->method, &ev, a->error);
    free(hashes);
    return rc;
}
