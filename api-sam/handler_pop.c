/* POST /sam/v1/proofs_of_possession: sign a certification request for the key itself. */
#include <stdlib.h>

#include "samapi_internal.h"

#define CRI_MAX (64 * 1024)

void samapi_proof_of_possession(samapi_call_t *call)
{
    static const char *const fields[] = {"key_pair", "request", NULL};
    static const char *const request_fields[] = {"dtbs", "signature_algorithm", NULL};
    sam_json_t *body = NULL;
    const sam_json_t *kp, *request;
    const char *alg;
    size_t len, cri_len = 0;
    uint8_t *cri = NULL, sig[SAM_MAX_SIGNATURE_LEN];
    sam_outbuf_t out = {sig, sizeof(sig), 0};
    int rc;

    if ((rc = samapi_parse_body(call, &body)) != SAM_OK ||
        (rc = sam_json_only_keys(body, "", fields)) != SAM_OK ||
        (rc = samapi_key_pair_member(body, &kp)) != SAM_OK ||
        (rc = sam_json_need_object(body, "request", "request", &request)) != SAM_OK ||
        (rc = sam_json_only_keys(request, "request", request_fields)) != SAM_OK ||
        (rc = sam_json_need_string(request, "signature_algorithm", "request.signature_algorithm",
                                   &alg, &len)) != SAM_OK ||
        (rc = samapi_base64_member(request, "dtbs", "request.dtbs", CRI_MAX, &cri, &cri_len)) !=
            SAM_OK ||
        (rc = sam_op_proof_of_possession(call->svc, kp, cri, cri_len, alg, &out, &call->facts)) != SAM_OK) {
        samapi_fail(call, rc);
        goto out;
    }
    sam_strbuf_puts(&call->resp->body, "{\"signature\":");
    sam_strbuf_json_base64(&call->resp->body, sig, out.len);
    sam_strbuf_puts(&call->resp->body, "}");
    call->resp->status = 200;
out:
    free(cri);
    sam_json_free(body);
}
