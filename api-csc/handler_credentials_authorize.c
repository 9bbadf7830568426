/*
 * credentials/authorize and credentials/extendTransaction: a SAD of this
 * server (csc_sad.c) for one credential. authorize checks the explicit-mode
 * factors (csc_auth_factors.c: PIN and OTP, each with its lockout) and binds
 * the SAD to the request's hashes, or, for a SCAL "1" credential without
 * `hash`, to the count alone; extendTransaction verifies the presented SAD
 * and issues one with the same jti, count and validity window listing the
 * union of the old and the new hashes (a hashless SAD stays hashless), so
 * that the store's usage record of that jti bounds the whole transaction.
 * Both write a service audit record of every call about a credential of the
 * caller's (csc_audit.c); a SAD is handed out only once that is on disk
 * (docs/api-csc.md).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csc_authorize.h"
#include "sam/keypair.h"
#include "sam/secmem.h"

/* Wipe a string member of the parsed body (a PIN, an OTP) in place. */
static void wipe_member(csc_call_t *call, const char *key)
{
    const sam_json_t *v = sam_json_get(call->body, key);

    if (v != NULL && v->type == SAM_JSON_STRING && v->u.str.ptr != NULL)
        sam_wipe((void *)v->u.str.ptr, v->u.str.len);
}

static void answer_sad(csc_call_t *call, const csc_sad_claims_t *claims)
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
static void own_issuer(csc_call_t *call, char issuer[CSC_ISSUER_MAX])
{
    sam_issuer_key_t key;

    if (csc_sad_issuer(call->svc, issuer, &key) != SAM_OK)
        issuer[0] = '\0';
}

/* A credential's hashes are optional where it is SCAL "1" (and absent here). */
static bool hashes_optional(const csc_call_t *call, const csc_cred_t *cr)
{
    return strcmp(cr->c->scal, "1") == 0 && sam_json_get(call->body, "hash") == NULL;
}

void csc_credentials_authorize(csc_call_t *call)
{
    const char *id = NULL, *ignored = NULL;
    int64_t num = 0;
    bool have_num = false;
    csc_cred_t cr = {0};
    sam_bytes_t *hashes = NULL;
    size_t n = 0;
    char jti[CSC_JTI_LEN + 1], issuer[CSC_ISSUER_MAX];
    csc_audit_t au = {.event = "csc_authorize", .method = "credentials/authorize"};

    if (csc_opt_string(call, "credentialID", &id) != SAM_OK || id == NULL) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter credentialID");
        goto out;
    }
    if (csc_opt_int(call, "numSignatures", &num, &have_num) != SAM_OK || !have_num) {
        csc_invalid_request(call, "Missing (or invalid type) integer parameter numSignatures");
        goto out;
    }
    if (num < 1) {
        csc_invalid_request(call, "Invalid value for parameter numSignatures");
        goto out;
    }
    if (csc_opt_string(call, "PIN", &ignored) != SAM_OK ||
        csc_opt_string(call, "OTP", &ignored) != SAM_OK ||
        csc_opt_string(call, "description", &ignored) != SAM_OK) {
        csc_invalid_request(call, CSC_MALFORMED);
        goto out;
    }
    if (csc_cred_open(call, id, &cr) != SAM_OK)
        goto out;
    /* From here on the call concerns a credential of the caller's: it is audited. */
    au.signer = cr.c->user_id;
    au.key_id = cr.kp->id;
    au.num_signatures = num <= UINT32_MAX ? (uint32_t)num : UINT32_MAX;
    if (strcmp(cr.c->auth_mode, "oauth2code") == 0) {
        csc_invalid_request(call, "The credential is authorized with OAuth 2.0, not with "
                                  "credentials/authorize");
        goto out;
    }
    if (!cr.usable) {
        csc_invalid_request(call, "The credential identified by credentialID is disabled");
        goto out;
    }
    if ((uint64_t)num > cr.c->multisign) {
        csc_invalid_request(call, "Numbers of signatures is too high");
        goto out;
    }
    /* SCAL 1 without hash: a SAD bound to the count alone (docs/api-csc.md). */
    if (!hashes_optional(call, &cr)) {
        if (csc_read_hashes(call, sam_json_get(call->body, "hash"), false, &hashes, &n) != SAM_OK)
            goto out;
        au.hashes = hashes;
        au.n_hashes = n;
        if (n != (uint64_t)num) {
            csc_invalid_request(call, "The number of hash values must equal numSignatures");
            goto out;
        }
    }
    if (strcmp(cr.c->auth_mode, "explicit") == 0 &&
        csc_check_factors(call, &cr, &au.error) != SAM_OK)
        goto out;
    if (csc_new_jti(jti) != SAM_OK) {
        csc_fail_internal(call, SAM_E_INTERNAL);
        goto out;
    }
    int64_t now = (int64_t)time(NULL);
    csc_sad_claims_t claims = {call->user_id,
                               cr.kp->id,
                               hashes,
                               n,
                               (uint32_t)num,
                               now,
                               now + (int64_t)call->cfg->sad_lifetime_seconds,
                               jti};
    answer_sad(call, &claims);
    own_issuer(call, issuer);
    au.sad_jti = jti;
    au.sad_iss = issuer;
out:
    if (cr.c != NULL)
        (void)csc_audit(call, &au);
    wipe_member(call, "PIN");
    wipe_member(call, "OTP");
    free(hashes);
    csc_cred_close(&cr);
}

void csc_credentials_extend(csc_call_t *call)
{
    const char *id = NULL, *sad = NULL;
    csc_cred_t cr = {0};
    sam_sad_t *old = NULL;
    sam_bytes_t *added = NULL, *all = NULL;
    size_t n_added = 0, n_all = 0;
    char issuer[CSC_ISSUER_MAX];
    csc_audit_t au = {.event = "csc_extend_transaction", .method = "credentials/extendTransaction"};
    int rc;

    if (csc_opt_string(call, "credentialID", &id) != SAM_OK || id == NULL) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter credentialID");
        goto out;
    }
    if (csc_opt_string(call, "SAD", &sad) != SAM_OK || sad == NULL) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter SAD");
        goto out;
    }
    if (csc_cred_open(call, id, &cr) != SAM_OK)
        goto out;
    au.signer = cr.c->user_id;
    au.key_id = cr.kp->id;
    if (!cr.usable) {
        csc_invalid_request(call, "The credential identified by credentialID is disabled");
        goto out;
    }
    if (!hashes_optional(call, &cr) &&
        csc_read_hashes(call, sam_json_get(call->body, "hash"), false, &added, &n_added) != SAM_OK)
        goto out;
    rc = csc_sad_verify(call->svc, sad, strlen(sad), call->user_id, cr.kp->id, &old);
    if (rc == SAM_E_SAD_EXPIRED) {
        csc_invalid_request(call, "SAD expired");
        goto out;
    }
    if (rc == SAM_E_SAD_INVALID || rc == SAM_E_SAD_EXHAUSTED) {
        csc_invalid_request(call, "Invalid parameter SAD");
        goto out;
    }
    if (rc != SAM_OK) {
        csc_fail_internal(call, rc);
        goto out;
    }
    au.num_signatures = old->num_signatures;
    /* A hashless SAD (SCAL 1) stays hashless: binding hashes now would not
     * restrict the old SAD, which stays valid until its exp. */
    if (old->n_hashes == 0)
        n_added = 0;
    if ((all = calloc(old->n_hashes + n_added + 1, sizeof(*all))) == NULL) {
        csc_fail_internal(call, sam_error_set(SAM_E_NOMEM, "out of memory"));
        goto out;
    }
    for (size_t i = 0; i < old->n_hashes; i++)
        all[n_all++] = old->hashes[i];
    for (size_t i = 0; i < n_added; i++) {
        size_t j = 0;
        while (j < n_all &&
               !(all[j].len == added[i].len && memcmp(all[j].ptr, added[i].ptr, added[i].len) == 0))
            j++;
        if (j == n_all)
            all[n_all++] = added[i];
    }
    au.hashes = all;
    au.n_hashes = n_all;
    if (n_all > SAM_SAD_MAX_HASHES) {
        csc_invalid_request(call, "Too many hash values for one SAD");
        goto out;
    }
    /* Same jti, count and window: the store's record of the jti bounds the transaction. */
    csc_sad_claims_t claims = {call->user_id,       cr.kp->id, all,      n_all,
                               old->num_signatures, old->iat,  old->exp, old->jti};
    answer_sad(call, &claims);
    own_issuer(call, issuer);
    au.sad_jti = old->jti;
    au.sad_iss = issuer;
out:
    if (cr.c != NULL)
        (void)csc_audit(call, &au);
    free(all);
    free(added);
    sam_sad_free(old);
    csc_cred_close(&cr);
}
