#include <string.h>
#include <stdlib.h>
#include <strings.h>

#include "sam/base64.h"

#include "samapi_internal.h"

int samapi_parse_body(samapi_call_t *call, sam_json_t **out)
{
    const sam_static_config_t *sc = sam_service_static(call->svc);
    sam_json_limits_t limits = sam_json_default_limits;
    int rc;

    *out = NULL;
    limits.max_bytes = sc->limits.max_body_bytes;
    limits.max_depth = sc->limits.max_json_depth;
    rc = sam_json_parse(call->req->body, call->req->body_len, &limits, out);
    if (rc != SAM_OK)
        return rc == SAM_E_NOMEM ? rc : SAM_E_PARSE;
    if ((*out)->type != SAM_JSON_OBJECT) {
        sam_json_free(*out);
        *out = NULL;
        return sam_error_set(SAM_E_PARSE, "the request body must be a JSON object");
    }
    return SAM_OK;
}

int samapi_key_pair_member(const sam_json_t *body, const sam_json_t **out)
{
    return sam_json_need_object(body, "key_pair", "key_pair", out);
}

int samapi_check_path_key(const samapi_call_t *call, const sam_json_t *key_pair)
{
    const char *id = sam_op_key_pair_id(key_pair);
    if (id == NULL || strcmp(id, call->path_param) != 0)
        return sam_error_set(SAM_E_PARSE, "the key id in the path is not the key pair's \"id\"");
    return SAM_OK;
}

sam_op_caller_t samapi_op_caller(const samapi_call_t *call)
{
    return (sam_op_caller_t){.dyn = call->dyn, .ssa = call->ssa};
}

int samapi_base64_member(const sam_json_t *obj, const char *key, const char *path, size_t max,
                         uint8_t **out, size_t *len)
{
    const char *s;
    size_t slen;
    int rc;

    *out = NULL;
    *len = 0;
    if ((rc = sam_json_need_string(obj, key, path, &s, &slen)) != SAM_OK)
        return rc;
    if (slen > (max + 2) / 3 * 4)
        return sam_error_set(SAM_E_PARSE, "field \"%s\" is longer than %zu bytes", path, max);
    if (sam_base64_decode_alloc(s, slen, out, len) != SAM_OK)
        return sam_error_set(SAM_E_PARSE, "field \"%s\" is not valid base64", path);
    if (*len == 0) {
        free(*out);
        *out = NULL;
        return sam_error_set(SAM_E_PARSE, "field \"%s\" is empty", path);
    }
    return SAM_OK;
}

void samapi_reply_key_pair(samapi_call_t *call, int status, const sam_strbuf_t *kp)
{
    sam_strbuf_puts(&call->resp->body, "{\"key_pair\":");
    sam_strbuf_append(&call->resp->body, kp->ptr, kp->len);
    sam_strbuf_puts(&call->resp->body, "}");
    call->resp->status = status;
}
