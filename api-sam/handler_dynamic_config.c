/* GET and PUT /sam/v1/configurations/dynamic (administrators). */
#include "samapi_internal.h"

void samapi_dynamic_config_get(samapi_call_t *call)
{
    int rc = sam_dynamic_config_write(call->dyn, &call->resp->body);
    if (rc != SAM_OK) {
        samapi_fail(call, rc);
        return;
    }
    call->resp->status = 200;
}

void samapi_dynamic_config_put(samapi_call_t *call)
{
    int rc = sam_service_dynamic_replace(call->svc, call->req->body, call->req->body_len);
    if (rc != SAM_OK) {
        samapi_fail(call, rc);
        return;
    }
    call->resp->status = 204;
}
