/*
 * credentials/extendTransaction: verifies the presented SAD (one of this
 * server's, for this user and credential, unexpired) and issues one with
 * the same jti, count and validity window listing the union of the old and
 * the new hashes (a hashless SAD stays hashless), so that the store's usage
 * record of that jti bounds the whole transaction. Audited like authorize.
 */
#include <stdlib.h>
#include <string.h>

#include "csc_authorize.h"
#include "sam/keypair.h"

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
    if (!csc_hashes_optional(call, &cr) &&
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
    csc_answer_sad(call, &claims);
    csc_own_issuer(call, issuer);
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
