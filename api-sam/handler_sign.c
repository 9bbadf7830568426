/* POST /sam/v1/signatures: the SAD-gated signing path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samapi_internal.h"
#include "sam/base64.h"

#define PSS_PARAMS_MAX 256

typedef struct {
    sam_op_sign_request_t *requests;
    uint8_t **buffers; /* decoded dtbs and params, to free */
    size_t n_buffers;
    size_t n;
} sign_input_t;

static void input_free(sign_input_t *in)
{
    for (size_t i = 0; i < in->n_buffers; i++)
        free(in->buffers[i]);
    free(in->buffers);
    free(in->requests);
}

static int parse_requests(const sam_json_t *body, size_t max, sign_input_t *in)
{
    static const char *const req_fields[] = {"dtbs", "signature_algorithm",
                                             "signature_algorithm_params", NULL};
    const sam_json_t *arr;
    const char *top_alg = NULL;
    size_t len;
    int rc;

    if ((rc = sam_json_opt_string(body, "signature_algorithm", "signature_algorithm", &top_alg,
                                  &len)) != SAM_OK ||
        (rc = sam_json_need_array(body, "requests", "requests", &arr)) != SAM_OK)
        return rc;
    if (arr->u.arr.count == 0 || arr->u.arr.count > max)
        return sam_error_set(SAM_E_PARSE, "\"requests\" must hold 1 to %zu entries", max);
    in->n = arr->u.arr.count;
    in->requests = calloc(in->n, sizeof(*in->requests));
    in->buffers = calloc(2 * in->n, sizeof(*in->buffers));
    if (in->requests == NULL || in->buffers == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    for (size_t i = 0; i < in->n; i++) {
        const sam_json_t *r = arr->u.arr.items[i];
        sam_op_sign_request_t *out = &in->requests[i];
        char path[64];
        uint8_t *buf = NULL;
        size_t blen = 0;
        const char *alg = top_alg;

        snprintf(path, sizeof(path), "requests[%zu]", i);
        if (r->type != SAM_JSON_OBJECT)
            return sam_error_set(SAM_E_PARSE, "\"%s\" must be an object", path);
        if ((rc = sam_json_only_keys(r, path, req_fields)) != SAM_OK ||
            (rc = sam_json_opt_string(r, "signature_algorithm", path, &alg, &len)) != SAM_OK)
            return rc;
        if (alg == NULL)
            return sam_error_set(SAM_E_PARSE, "\"%s.signature_algorithm\" is required (no "
                                 "top-level signature_algorithm)", path);
        out->algorithm = alg;
        snprintf(path, sizeof(path), "requests[%zu].dtbs", i);
        if ((rc = samapi_base64_member(r, "dtbs", path, 64, &buf, &blen)) != SAM_OK)
            return rc;
        in->buffers[in->n_buffers++] = buf;
        out->dtbs = (sam_bytes_t){buf, blen};
        const sam_json_t *pss = sam_json_get(r, "signature_algorithm_params");
        if (pss != NULL && pss->type != SAM_JSON_NULL) {
            snprintf(path, sizeof(path), "requests[%zu].signature_algorithm_params", i);
            if ((rc = samapi_base64_member(r, "signature_algorithm_params", path, PSS_PARAMS_MAX, &buf,
                                           &blen)) != SAM_OK)
                return rc;
            in->buffers[in->n_buffers++] = buf;
            out->pss_params_der = (sam_bytes_t){buf, blen};
        }
    }
    return SAM_OK;
}

void samapi_sign(samapi_call_t *call)
{
    static const char *const fields[] = {"signature_algorithm", "requests", "key_pair", "signer", NULL};
    const sam_static_config_t *sc = sam_service_static(call->svc);
    sam_json_t *body = NULL;
    const sam_json_t *kp, *signer;
    const char *signer_id;
    size_t len;
    sign_input_t in = {0};
    uint8_t *sig_mem = NULL;
    sam_outbuf_t *sigs = NULL;
    int rc;

    if ((rc = samapi_parse_body(call, &body)) != SAM_OK ||
        (rc = sam_json_only_keys(body, "", fields)) != SAM_OK ||
        (rc = samapi_key_pair_member(body, &kp)) != SAM_OK ||
        (rc = sam_json_need_object(body, "signer", "signer", &signer)) != SAM_OK ||
        (rc = sam_json_need_string(signer, "id", "signer.id", &signer_id, &len)) != SAM_OK ||
        (rc = parse_requests(body, sc->limits.max_hashes_per_request, &in)) != SAM_OK)
        goto fail;
    sig_mem = malloc(in.n * SAM_MAX_SIGNATURE_LEN);
    sigs = calloc(in.n, sizeof(*sigs));
    if (sig_mem == NULL || sigs == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < in.n; i++)
        sigs[i] = (sam_outbuf_t){sig_mem + i * SAM_MAX_SIGNATURE_LEN, SAM_MAX_SIGNATURE_LEN, 0};
    sam_op_caller_t caller = samapi_op_caller(call);
    if ((rc = sam_op_sign(call->svc, &caller, kp, signer_id, in.requests, in.n, call->req->sad,
                          call->req->sad_len, sigs, &call->facts)) != SAM_OK)
        goto fail;
    sam_strbuf_puts(&call->resp->body, "{\"signatures\":[");
    for (size_t i = 0; i < in.n; i++) {
        sam_strbuf_puts(&call->resp->body, i == 0 ? "{\"signature\":" : ",{\"signature\":");
        sam_strbuf_json_base64(&call->resp->body, sigs[i].ptr, sigs[i].len);
        sam_strbuf_puts(&call->resp->body, "}");
    }
    sam_strbuf_puts(&call->resp->body, "]}");
    call->resp->status = 200;
    goto out;
fail:
    samapi_fail(call, rc);
out:
    free(sig_mem);
    free(sigs);
    input_free(&in);
    sam_json_free(body);
}
