/*
 * What credentials/authorize and credentials/extendTransaction share: the
 * SAD answer, the issuer for the audit record, the SCAL 1 rule for `hash`,
 * and wiping a factor from the parsed body.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csc_authorize.h"
#include "sam/secmem.h"

/* Wipe a string member of the parsed body (a PIN, an OTP) in place. */
void csc_wipe_member(csc_call_t *call, const char *key)
{
    const sam_json_t *v = sam_json_get(call->body, key);

    if (v != NULL && v->type == SAM_JSON_STRING && v->u.str.ptr != NULL)
        sam_wipe((void *)v->u.str.ptr, v->u.str.len);
}

void csc_answer_sad(csc_call_t *call, const csc_sad_claims_t *claims)
{
    sam_strbuf_t sad = SAM_STRBUF_INIT;
    int rc = csc_sad_issue(call->svc, claims, &sad);
    int64_t left = claims->exp - (int64_t)time(NULL);

    if (rc == SAM_E_LIMIT) {
        csc_invalid_request(call, "Too many hash values for one SAD");
        goto out;
    }
    if (rc != SAM_OK) {
        csc_fail_internal(call, rc);
        goto out;
    }
    sam_strbuf_t *b = &call->resp->body;
    sam_strbuf_puts(b, "{\"SAD\":");
    sam_strbuf_json_string(b, sad.ptr, sad.len);
    sam_strbuf_printf(b, ",\"expiresIn\":%lld}", (long long)(left > 0 ? left : 0));
    call->resp->status = 200;
out:
    if (sad.ptr != NULL)
        sam_wipe(sad.ptr, sad.cap);
    sam_strbuf_free(&sad);
}

/* The issuer id of our SADs, for the audit record ("" when it cannot be had). */
void csc_own_issuer(csc_call_t *call, char issuer[CSC_ISSUER_MAX])
{
    sam_issuer_key_t key;

    if (csc_sad_issuer(call->svc, issuer, &key) != SAM_OK)
        issuer[0] = '\0';
}

/* A credential's hashes are optional where it is SCAL "1" (and absent here). */
bool csc_hashes_optional(const csc_call_t *call, const csc_cred_t *cr)
{
    return strcmp(cr->c->scal, "1") == 0 && sam_json_get(call->body, "hash") == NULL;
}
