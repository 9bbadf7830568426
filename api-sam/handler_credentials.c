/* POST /sam/v1/credentials and DELETE /sam/v1/credentials/{credential_id} (csc-v1.md). */
#include <string.h>

#include "samapi_internal.h"
#include "sam/secmem.h"
#include "sam/store.h"

static int read_certificates(const sam_json_t *body, const char **out, size_t *n)
{
    const sam_json_t *arr;
    int rc = sam_json_need_array(body, "certificates", "certificates", &arr);

    if (rc != SAM_OK)
        return rc;
    if (arr->u.arr.count == 0 || arr->u.arr.count > SAM_STORE_MAX_CERTIFICATES)
        return sam_error_set(SAM_E_PARSE, "certificates must list 1 to %d certificates",
                             SAM_STORE_MAX_CERTIFICATES);
    for (size_t i = 0; i < arr->u.arr.count; i++) {
        const sam_json_t *v = arr->u.arr.items[i];
        if (v->type != SAM_JSON_STRING || v->u.str.len == 0)
            return sam_error_set(SAM_E_PARSE, "certificates[%zu] must be a base64 string", i);
        out[i] = v->u.str.ptr;
    }
    *n = arr->u.arr.count;
    return SAM_OK;
}

/* "otp": {"type": "totp", "secret": base32, "algorithm"?, "digits"?, "period"?} */
static int read_otp(const sam_json_t *otp, sam_op_credential_t *in)
{
    static const char *const fields[] = {"type", "secret", "algorithm", "digits", "period", NULL};
    const char *type = NULL, *alg = NULL;
    int64_t digits = sam_totp_defaults.digits, period = sam_totp_defaults.period;
    size_t len = 0;
    int rc;

    in->otp = sam_totp_defaults;
    if (otp->type != SAM_JSON_OBJECT)
        return sam_error_set(SAM_E_PARSE, "otp must be an object");
    if ((rc = sam_json_only_keys(otp, "otp", fields)) != SAM_OK ||
        (rc = sam_json_need_string(otp, "type", "otp.type", &type, &len)) != SAM_OK ||
        (rc = sam_json_need_string(otp, "secret", "otp.secret", &in->otp_secret,
                                   &in->otp_secret_len)) != SAM_OK ||
        (rc = sam_json_opt_string(otp, "algorithm", "otp.algorithm", &alg, &len)) != SAM_OK ||
        (rc = sam_json_opt_int(otp, "digits", "otp.digits", &digits)) != SAM_OK ||
        (rc = sam_json_opt_int(otp, "period", "otp.period", &period)) != SAM_OK)
        return rc;
    if (strcmp(type, "totp") != 0)
        return sam_error_set(SAM_E_PARSE, "otp.type must be \"totp\"");
    if (alg != NULL && (rc = sam_totp_algorithm(alg, &in->otp.hmac)) != SAM_OK)
        return rc;
    /* Out of range stays out of range (0) for the core's check. */
    in->otp.digits = digits == 6 || digits == 8 ? (unsigned)digits : 0;
    in->otp.period = period >= 1 && period <= SAM_TOTP_MAX_PERIOD ? (unsigned)period : 0;
    return SAM_OK;
}

static int read_fields(const sam_json_t *body, sam_op_credential_t *in, const char **certs)
{
    static const char *const fields[] = {"key_pair",    "user_id", "certificates", "auth_mode",
                                         "pin",         "otp",     "multisign",    "scal",
                                         "description", NULL};
    const sam_json_t *pin, *otp;
    int64_t multisign = 1;
    size_t len = 0;
    int rc;

    if ((rc = sam_json_only_keys(body, "", fields)) != SAM_OK ||
        (rc = samapi_key_pair_member(body, &in->key_pair)) != SAM_OK ||
        (rc = sam_json_need_string(body, "user_id", "user_id", &in->user_id, &len)) != SAM_OK ||
        (rc = read_certificates(body, certs, &in->certificate_count)) != SAM_OK ||
        (rc = sam_json_need_string(body, "auth_mode", "auth_mode", &in->auth_mode, &len)) !=
            SAM_OK ||
        (rc = sam_json_opt_int(body, "multisign", "multisign", &multisign)) != SAM_OK ||
        (rc = sam_json_opt_string(body, "scal", "scal", &in->scal, &len)) != SAM_OK ||
        (rc = sam_json_opt_string(body, "description", "description", &in->description, &len)) !=
            SAM_OK)
        return rc;
    in->certificates = certs;
    if (in->scal == NULL)
        in->scal = "1";
    /* Out of range stays out of range (0) for the core's check. */
    in->multisign = multisign >= 1 && multisign <= SAM_OP_MAX_MULTISIGN ? (uint32_t)multisign : 0;
    if ((otp = sam_json_get(body, "otp")) != NULL && (rc = read_otp(otp, in)) != SAM_OK)
        return rc;
    if ((pin = sam_json_get(body, "pin")) != NULL) {
        if (pin->type != SAM_JSON_STRING)
            return sam_error_set(SAM_E_PARSE, "pin must be a string");
        in->pin = pin->u.str.ptr;
        in->pin_len = pin->u.str.len;
    }
    /* auth_mode, scal, multisign, lengths, pin/otp with explicit: the core's. */
    return sam_op_credential_check(in);
}

void samapi_credential_create(samapi_call_t *call)
{
    const char *certs[SAM_STORE_MAX_CERTIFICATES];
    sam_op_credential_t in = {0};
    sam_json_t *body = NULL;
    char id[33];
    int rc;

    if ((rc = samapi_parse_body(call, &body)) != SAM_OK ||
        (rc = read_fields(body, &in, certs)) != SAM_OK ||
        (rc = sam_op_credential_create(call->svc, &in, id, &call->facts)) != SAM_OK) {
        samapi_fail(call, rc);
        goto out;
    }
    call->resp->status = 201;
    sam_strbuf_printf(&call->resp->body, "{\"credential_id\":\"%s\"}", id);
out:
    /* The PIN and the OTP secret were in the request in clear: wipe the parsed copies. */
    if (in.pin != NULL)
        sam_wipe((void *)in.pin, in.pin_len);
    if (in.otp_secret != NULL)
        sam_wipe((void *)in.otp_secret, in.otp_secret_len);
    sam_json_free(body);
}

void samapi_credential_delete(samapi_call_t *call)
{
    int rc;

    if (call->req->body_len != 0) {
        samapi_fail(call, sam_error_set(SAM_E_PARSE, "DELETE of a credential takes no body"));
        return;
    }
    if ((rc = sam_op_credential_delete(call->svc, call->path_param, &call->facts)) != SAM_OK) {
        samapi_fail(call, rc);
        return;
    }
    call->resp->status = 204;
}
