/* POST /sam/v1/signers/{signer_id}/key_pairs: assign a key pair to a signer. */
#include <string.h>

#include "samapi_internal.h"

void samapi_assign(samapi_call_t *call)
{
    static const char *const fields[] = {"key_pair", "signer", "subject", NULL};
    sam_json_t *body = NULL;
    const sam_json_t *kp, *signer;
    const char *signer_id, *subject = NULL;
    size_t len;
    sam_strbuf_t out = SAM_STRBUF_INIT;
    int rc;

    if ((rc = samapi_parse_body(call, &body)) != SAM_OK ||
        (rc = sam_json_only_keys(body, "", fields)) != SAM_OK ||
        (rc = samapi_key_pair_member(body, &kp)) != SAM_OK ||
        (rc = sam_json_need_object(body, "signer", "signer", &signer)) != SAM_OK ||
        (rc = sam_json_need_string(signer, "id", "signer.id", &signer_id, &len)) != SAM_OK ||
        (rc = sam_json_opt_string(body, "subject", "subject", &subject, &len)) != SAM_OK)
        goto fail;
    if (strcmp(signer_id, call->path_param) != 0) {
        rc = sam_error_set(SAM_E_PARSE, "\"signer.id\" is not the signer id of the path");
        goto fail;
    }
    sam_op_caller_t caller = samapi_op_caller(call);
    if ((rc = sam_op_assign(call->svc, &caller, kp, signer, subject, call->req->sad,
                            call->req->sad_len, &out, &call->facts)) != SAM_OK)
        goto fail;
    samapi_reply_key_pair(call, 200, &out);
    goto out;
fail:
    samapi_fail(call, rc);
out:
    sam_strbuf_free(&out);
    sam_json_free(body);
}
