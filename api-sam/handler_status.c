/* PUT /sam/v1/key_pairs/{key_id}: certification status, enabling, certificate. */
#include <stdlib.h>

#include "samapi_internal.h"

#define CERTIFICATE_MAX (64 * 1024)

void samapi_update_status(samapi_call_t *call)
{
    static const char *const fields[] = {"key_pair", "signer", "status", "certificate", NULL};
    static const char *const status_fields[] = {"certified", "enabled", NULL};
    sam_json_t *body = NULL;
    const sam_json_t *kp, *signer, *status, *cert_member;
    const char *signer_id;
    size_t len, cert_len = 0;
    bool certified, enabled;
    uint8_t *cert = NULL;
    sam_strbuf_t out = SAM_STRBUF_INIT;
    int rc;

    if ((rc = samapi_parse_body(call, &body)) != SAM_OK ||
        (rc = sam_json_only_keys(body, "", fields)) != SAM_OK ||
        (rc = samapi_key_pair_member(body, &kp)) != SAM_OK ||
        (rc = samapi_check_path_key(call, kp)) != SAM_OK ||
        (rc = sam_json_need_object(body, "signer", "signer", &signer)) != SAM_OK ||
        (rc = sam_json_need_string(signer, "id", "signer.id", &signer_id, &len)) != SAM_OK ||
        (rc = sam_json_need_object(body, "status", "status", &status)) != SAM_OK ||
        (rc = sam_json_only_keys(status, "status", status_fields)) != SAM_OK ||
        (rc = sam_json_need_bool(status, "certified", "status.certified", &certified)) != SAM_OK ||
        (rc = sam_json_need_bool(status, "enabled", "status.enabled", &enabled)) != SAM_OK)
        goto fail;
    cert_member = sam_json_get(body, "certificate");
    if (cert_member != NULL && cert_member->type != SAM_JSON_NULL &&
        (rc = samapi_base64_member(body, "certificate", "certificate", CERTIFICATE_MAX, &cert,
                                   &cert_len)) != SAM_OK)
        goto fail;
    if ((rc = sam_op_update_status(call->svc, kp, signer_id, certified, enabled, cert, cert_len, &out,
                                   &call->facts)) != SAM_OK)
        goto fail;
    samapi_reply_key_pair(call, 200, &out);
    goto out;
fail:
    samapi_fail(call, rc);
out:
    free(cert);
    sam_strbuf_free(&out);
    sam_json_free(body);
}
