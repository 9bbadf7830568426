/* Helpers shared by credentials/authorize, extendTransaction and signatures/signHash. */
#include <stdlib.h>
#include <string.h>

#include "csc_internal.h"
#include "sam/base64.h"
#include "sam/keypair.h"

void csc_cred_close(csc_cred_t *cr)
{
    sam_key_pair_free(cr->kp);
    sam_json_free(cr->kpj);
    sam_store_credential_free(cr->c);
    memset(cr, 0, sizeof(*cr));
}

int csc_cred_open(csc_call_t *call, const char *id, csc_cred_t *out)
{
    sam_store_t *store = sam_service_store(call->svc);
    bool deleted = true;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = sam_store_credential_get(store, id, &out->c);
    /* Another user's credential is answered like an unknown one. */
    if (rc == SAM_E_NOT_FOUND || rc == SAM_E_INVALID_ARG ||
        (rc == SAM_OK && strcmp(out->c->user_id, call->user_id) != 0)) {
        csc_invalid_request(call, "Invalid parameter credentialID");
        rc = SAM_E_INVALID_ARG;
        goto out;
    }
    if (rc != SAM_OK ||
        (rc = sam_json_parse(out->c->key_pair, strlen(out->c->key_pair), &sam_json_default_limits,
                             &out->kpj)) != SAM_OK ||
        (rc = sam_key_pair_open(sam_service_module(call->svc), sam_service_sam_id(call->svc),
                                out->kpj, &out->kp)) != SAM_OK ||
        (rc = sam_store_key_deleted(store, out->kp->id, &deleted)) != SAM_OK) {
        csc_fail_internal(call, rc);
        goto out;
    }
    out->usable = out->kp->enabled && out->kp->assigned && !deleted && out->kp->signer_id != NULL &&
                  strcmp(out->kp->signer_id, call->user_id) == 0;
    return SAM_OK;
out:
    csc_cred_close(out);
    return rc;
}

int csc_read_hashes(csc_call_t *call, const sam_json_t *arr, bool any_len, sam_bytes_t **out,
                    size_t *n_out)
{
    sam_bytes_t *h = NULL;
    size_t n;

    *out = NULL;
    *n_out = 0;
    if (arr == NULL || arr->type != SAM_JSON_ARRAY) {
        csc_invalid_request(call, "Missing (or invalid type) array parameter hash");
        return SAM_E_PARSE;
    }
    n = arr->u.arr.count;
    if (n == 0) {
        csc_invalid_request(call, "Empty hash array");
        return SAM_E_PARSE;
    }
    if (n > SAM_SAD_MAX_HASHES) {
        csc_invalid_request(call, CSC_MALFORMED);
        return SAM_E_PARSE;
    }
    /* One block: the entries, then 64 bytes of room per hash. */
    if ((h = malloc(n * (sizeof(*h) + 64))) == NULL) {
        csc_fail_internal(call, sam_error_set(SAM_E_NOMEM, "out of memory"));
        return SAM_E_NOMEM;
    }
    uint8_t *data = (uint8_t *)(h + n);
    for (size_t i = 0; i < n; i++) {
        const sam_json_t *e = arr->u.arr.items[i];
        uint8_t tmp[96];
        size_t len = 0;

        if (e->type != SAM_JSON_STRING || e->u.str.len > 88 ||
            sam_base64_decode(e->u.str.ptr, e->u.str.len, tmp, &len) != SAM_OK) {
            csc_invalid_request(call, "Invalid Base64 hash string parameter");
            goto fail;
        }
        if (len > 64 || (!any_len && len != 32 && len != 48 && len != 64) || len == 0) {
            csc_invalid_request(call, "Invalid digest value length");
            goto fail;
        }
        memcpy(data + 64 * i, tmp, len);
        h[i] = (sam_bytes_t){data + 64 * i, len};
    }
    *out = h;
    *n_out = n;
    return SAM_OK;
fail:
    free(h);
    return SAM_E_PARSE;
}
