#include <stdio.h>

#include "samapi_internal.h"
#include "sam/log.h"

/* The one table from sam_rc to the spec's status and error code (sam-v1.md, "Errors"). */
static const struct {
    int rc;
    int status;
    const char *code;
} error_map[] = {
    {SAM_E_PARSE, 400, "invalid_request"},
    {SAM_E_LIMIT, 400, "invalid_request"},
    {SAM_E_CONFIG, 400, "invalid_request"},
    {SAM_E_INVALID_ARG, 400, "invalid_request"},
    {SAM_E_UNSUPPORTED_ALG, 400, "unsupported_algorithm"},
    {SAM_E_INVALID_KEY_PAIR, 400, "invalid_key_pair"},
    {SAM_E_UNAUTHORIZED, 401, "unauthorized"},
    {SAM_E_FORBIDDEN, 403, "forbidden"},
    {SAM_E_SAD_INVALID, 403, "invalid_sad"},
    {SAM_E_SAD_EXPIRED, 403, "sad_expired"},
    {SAM_E_SAD_EXHAUSTED, 403, "sad_exhausted"},
    {SAM_E_NOT_FOUND, 404, "not_found"},
    {SAM_E_KEY_ALREADY_ASSIGNED, 409, "key_already_assigned"},
    {SAM_E_KEY_NOT_USABLE, 409, "key_not_usable"},
    {SAM_E_VERSION_CONFLICT, 409, "version_conflict"},
    {SAM_E_KEY_DELETED, 410, "key_deleted"},
    {SAM_E_BACKEND_UNAVAILABLE, 503, "backend_unavailable"},
    {SAM_E_STORE_UNAVAILABLE, 503, "backend_unavailable"},
    {SAM_E_AUDIT_UNAVAILABLE, 503, "backend_unavailable"},
};

int samapi_status_of(int rc, const char **code)
{
    for (size_t i = 0; i < sizeof(error_map) / sizeof(error_map[0]); i++) {
        if (error_map[i].rc == rc) {
            *code = error_map[i].code;
            return error_map[i].status;
        }
    }
    *code = "internal_error";
    return 500;
}

void samapi_fail(samapi_call_t *call, int rc)
{
    const char *code;
    int status = samapi_status_of(rc, &code);
    call->rc = rc;
    if (status == 500) {
        /* A defect or an unexpected module error: details go to the log only. */
        sam_log(SAM_LOG_ERROR, "request %s %s %s: %s (%s)", call->req->request_id, call->req->method,
                call->req->path, sam_error_message(), sam_rc_name(rc));
        sam_response_error(call->resp, 500, code, "internal error; see the server log");
        return;
    }
    if (status == 503)
        sam_log(SAM_LOG_WARNING, "request %s: %s", call->req->request_id, sam_error_message());
    sam_response_error(call->resp, status, code, sam_error_message());
}
