/* Error answers and small helpers of the /csc/v1 layer. */
#include <string.h>

#include <openssl/sha.h>

#include "csc_internal.h"
#include "sam/log.h"

void csc_error(csc_call_t *call, int status, const char *code, const char *description)
{
    sam_response_error(call->resp, status, code, description);
}

void csc_invalid_request(csc_call_t *call, const char *description)
{
    csc_error(call, 400, "invalid_request", description);
}

void csc_invalid_token(csc_call_t *call)
{
    csc_error(call, 401, "invalid_token",
              "The access token is missing, invalid, expired or revoked");
    call->resp->www_authenticate = "Bearer";
}

void csc_fail_internal(csc_call_t *call, int rc)
{
    /* The detail may name internals: log it, answer in general terms. */
    sam_log(SAM_LOG_WARNING, "csc %s: %s", call->req->path, sam_error_message());
    if (rc == SAM_E_STORE_UNAVAILABLE || rc == SAM_E_BACKEND_UNAVAILABLE)
        csc_error(call, 503, "temporarily_unavailable", "The service is temporarily unavailable");
    else
        csc_error(call, 500, "server_error", "Internal error");
}

int csc_opt_string(const csc_call_t *call, const char *key, const char **out)
{
    const sam_json_t *v = sam_json_get(call->body, key);

    if (v == NULL)
        return SAM_OK;
    if (v->type != SAM_JSON_STRING)
        return SAM_E_PARSE;
    *out = v->u.str.ptr;
    return SAM_OK;
}

int csc_opt_bool(const csc_call_t *call, const char *key, bool *out)
{
    const sam_json_t *v = sam_json_get(call->body, key);

    if (v == NULL)
        return SAM_OK;
    if (v->type != SAM_JSON_BOOL)
        return SAM_E_PARSE;
    *out = v->u.boolean;
    return SAM_OK;
}

int csc_opt_int(const csc_call_t *call, const char *key, int64_t *out, bool *present)
{
    const sam_json_t *v = sam_json_get(call->body, key);

    *present = v != NULL;
    if (v == NULL)
        return SAM_OK;
    if (v->type != SAM_JSON_INTEGER)
        return SAM_E_PARSE;
    *out = v->u.num.integer;
    return SAM_OK;
}

void csc_token_hash(const char *token, size_t len, uint8_t out[32])
{
    SHA256((const unsigned char *)token, len, out);
}
