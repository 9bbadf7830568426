/* DELETE /sam/v1/key_pairs/{key_id}. */
#include "samapi_internal.h"

void samapi_delete(samapi_call_t *call)
{
    static const char *const fields[] = {"key_pair", NULL};
    sam_json_t *body = NULL;
    const sam_json_t *kp;
    int rc;

    if ((rc = samapi_parse_body(call, &body)) != SAM_OK ||
        (rc = sam_json_only_keys(body, "", fields)) != SAM_OK ||
        (rc = samapi_key_pair_member(body, &kp)) != SAM_OK ||
        (rc = samapi_check_path_key(call, kp)) != SAM_OK) {
        samapi_fail(call, rc);
        goto out;
    }
    sam_op_caller_t caller = samapi_op_caller(call);
    if ((rc = sam_op_delete(call->svc, &caller, kp, call->req->sad, call->req->sad_len, &call->facts)) !=
        SAM_OK) {
        samapi_fail(call, rc);
        goto out;
    }
    call->resp->status = 204;
out:
    sam_json_free(body);
}
