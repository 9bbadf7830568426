/*
 * One audit record per /sam/v1 request (sam-v1.md, "Audit"), written after
 * the handler ran and before the response goes back to the server. Records
 * of the administration functions (/sam/v1/configurations/...) go to the
 * administration log, everything else, unidentified callers included, to the
 * service log. A record that cannot be written turns the answer into 503:
 * nothing is handed out that is not recorded.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "samapi_internal.h"
#include "sam/audit.h"
#include "sam/log.h"

#define ADMIN_PREFIX "/sam/v1/configurations"

static sam_audit_log log_of(const samapi_call_t *call)
{
    return strncmp(call->req->path, ADMIN_PREFIX, sizeof(ADMIN_PREFIX) - 1) == 0 ? SAM_AUDIT_ADMIN
                                                                                 : SAM_AUDIT_SERVICE;
}

bool samapi_audit_ready(samapi_call_t *call)
{
    if (sam_audit_usable(sam_service_audit(call->svc), log_of(call)))
        return true;
    samapi_fail(call, sam_error_set(SAM_E_AUDIT_UNAVAILABLE,
                                    "the audit log cannot be written; try again later"));
    return false;
}

/* The error code the client saw (the spec's vocabulary), or NULL on success. */
static const char *error_code(const samapi_call_t *call, int status)
{
    const char *code = NULL;
    if (status >= 200 && status < 300)
        return NULL;
    if (call->rc != 0) {
        (void)samapi_status_of(call->rc, &code);
        return code;
    }
    switch (status) {
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 415: return "unsupported_media_type";
    default: return "error";
    }
}

static void hex(const uint8_t *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

/* The answer becomes 503; what it held (a signature, a key pair) is wiped. */
static void refuse(samapi_call_t *call)
{
    sam_response_t *resp = call->resp;
    char why[512];

    snprintf(why, sizeof(why), "%s", sam_error_message());
    if (call->facts.sad_reservation != NULL &&
        sam_store_sad_release(sam_service_store(call->svc), call->facts.sad_reservation) != SAM_OK)
        sam_log(SAM_LOG_ERROR, "request %s: SAD usage not given back after an audit failure: %s",
                call->req->request_id, sam_error_message());
    if (resp->body.ptr != NULL)
        OPENSSL_cleanse(resp->body.ptr, resp->body.cap);
    sam_strbuf_free(&resp->body);
    resp->body = (sam_strbuf_t)SAM_STRBUF_INIT;
    resp->www_authenticate = NULL;
    samapi_fail(call, sam_error_set(SAM_E_AUDIT_UNAVAILABLE, "%s", why));
}

void samapi_audit_request(samapi_call_t *call)
{
    const sam_request_t *req = call->req;
    const sam_op_facts_t *f = &call->facts;
    int status = call->resp->status;
    char key_hex[65], reason[320];
    bool failed = status < 200 || status >= 300;

    if (req->has_client_cert)
        hex(req->client_spki_sha256, 32, key_hex);
    /* Failing requests say why; the detail messages never hold secrets. */
    snprintf(reason, sizeof(reason), "%s %.96s%s%.200s", req->method, req->path,
             failed && call->rc != 0 ? ": " : "", failed && call->rc != 0 ? sam_error_message() : "");
    sam_audit_event_t ev = {
        .event = call->function != NULL ? call->function : "request",
        .caller_id = call->caller_id,
        .caller_role = call->role == SAMAPI_ROLE_ADMIN ? "administrator"
                       : call->role == SAMAPI_ROLE_SSA ? "ssa"
                                                       : NULL,
        .client_key = req->has_client_cert ? key_hex : NULL,
        .signer = f->signer_id,
        .key_id = f->key_id[0] != '\0' ? f->key_id : NULL,
        .sad_jti = f->sad_jti,
        .sad_iss = f->sad_issuer,
        .hashes = f->hashes,
        .algorithm = f->algorithm,
        .outcome = !failed ? "success" : status >= 500 ? "error" : "refused",
        .status = status,
        .error = error_code(call, status),
        .reason = reason,
        .request_id = req->request_id,
        .peer = req->peer,
    };
    sam_audit_t *audit = sam_service_audit(call->svc);
    int module_down = call->rc == SAM_E_BACKEND_UNAVAILABLE;
    if (sam_audit_record(audit, log_of(call), &ev) != SAM_OK) {
        refuse(call);
        return;
    }
    if (module_down) {
        sam_audit_event_t mf = {.event = "module_failure", .outcome = "error",
                                .error = "backend_unavailable", .reason = reason,
                                .request_id = req->request_id};
        if (sam_audit_record(audit, SAM_AUDIT_SERVICE, &mf) != SAM_OK)
            sam_log(SAM_LOG_ERROR, "module failure not recorded: %s", sam_error_message());
    }
}
