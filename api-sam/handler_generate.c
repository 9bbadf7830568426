/* POST /sam/v1/key_pairs: generate a key pair inside the module. */
#include <string.h>

#include "samapi_internal.h"
#include "sam/algorithms.h"

static int parse_template(const sam_json_t *body, sam_key_spec_t *spec)
{
    static const char *const top[] = {"key_template", NULL};
    static const char *const fields[] = {"algorithm", "size", "named_curve", NULL};
    const sam_json_t *t;
    const char *alg, *curve = NULL;
    size_t len;
    int64_t size = 0;
    int rc;

    if ((rc = sam_json_only_keys(body, "", top)) != SAM_OK ||
        (rc = sam_json_need_object(body, "key_template", "key_template", &t)) != SAM_OK ||
        (rc = sam_json_only_keys(t, "key_template", fields)) != SAM_OK ||
        (rc = sam_json_need_string(t, "algorithm", "key_template.algorithm", &alg, &len)) != SAM_OK)
        return rc;
    memset(spec, 0, sizeof(*spec));
    if (strcmp(alg, "RSA") == 0) {
        if ((rc = sam_json_need_int(t, "size", "key_template.size", &size)) != SAM_OK)
            return rc;
        if (sam_json_get(t, "named_curve") != NULL)
            return sam_error_set(SAM_E_PARSE, "\"key_template.named_curve\" is for ECDSA keys");
        spec->type = SAM_KEY_RSA;
        spec->rsa_bits = size > 0 && size <= 65536 ? (uint32_t)size : 0;
        if (spec->rsa_bits == 0)
            return sam_error_set(SAM_E_UNSUPPORTED_ALG, "RSA key size %lld is not supported",
                                 (long long)size);
        return SAM_OK;
    }
    if (strcmp(alg, "ECDSA") == 0) {
        if ((rc = sam_json_need_string(t, "named_curve", "key_template.named_curve", &curve, &len)) !=
            SAM_OK)
            return rc;
        if (sam_json_get(t, "size") != NULL)
            return sam_error_set(SAM_E_PARSE, "\"key_template.size\" is for RSA keys");
        spec->type = SAM_KEY_EC;
        spec->curve = sam_curve_from_name(curve);
        if (spec->curve == SAM_CURVE_NONE)
            return sam_error_set(SAM_E_UNSUPPORTED_ALG, "curve \"%.64s\" is not supported", curve);
        return SAM_OK;
    }
    return sam_error_set(SAM_E_UNSUPPORTED_ALG, "key algorithm \"%.32s\" is not supported (RSA, ECDSA)",
                         alg);
}

void samapi_generate(samapi_call_t *call)
{
    sam_json_t *body = NULL;
    sam_key_spec_t spec;
    sam_strbuf_t kp = SAM_STRBUF_INIT;
    int rc;

    if ((rc = samapi_parse_body(call, &body)) != SAM_OK || (rc = parse_template(body, &spec)) != SAM_OK ||
        (rc = sam_op_generate(call->svc, &spec, &kp, &call->facts)) != SAM_OK) {
        samapi_fail(call, rc);
        goto out;
    }
    samapi_reply_key_pair(call, 201, &kp);
out:
    sam_strbuf_free(&kp);
    sam_json_free(body);
}
