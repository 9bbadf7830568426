/* Assignment of a key pair to a signer: once ever, on every node (the store decides). */
#include <stdlib.h>
#include <string.h>

#include "ops_internal.h"

#define SUBJECT_MAX 1024

int sam_op_assign(sam_service_t *svc, const sam_op_caller_t *caller, const sam_json_t *key_pair,
                  const sam_json_t *signer, const char *subject, const char *sad, size_t sad_len,
                  sam_strbuf_t *out, sam_op_facts_t *facts)
{
    int rc;
    sam_key_pair_t *kp = NULL;
    sam_sad_t *checked = NULL;
    const char *signer_id;
    size_t id_len;

    if ((rc = ops_open_key_pair(svc, key_pair, &kp, facts)) != SAM_OK)
        goto out;
    if ((rc = sam_json_need_string(signer, "id", "signer.id", &signer_id, &id_len)) != SAM_OK)
        goto out;
    if ((rc = ops_strdup(&facts->signer_id, signer_id)) != SAM_OK)
        goto out;
    if (subject != NULL && (strlen(subject) == 0 || strlen(subject) > SUBJECT_MAX)) {
        rc = sam_error_set(SAM_E_PARSE, "\"subject\" must have 1 to %d bytes", SUBJECT_MAX);
        goto out;
    }
    /* Consent first, also for a repeated assignment: a SAD is never ignored (docs/api-sam.md). */
    if (sam_service_static(svc)->sad.require_assignment_consent || sad != NULL) {
        sam_sad_expect_t expect = {SAM_SAD_PURPOSE_KEY_ASSIGNMENT, signer_id, kp->id, NULL, 0};
        if ((rc = ops_check_sad(svc, caller, sad, sad_len, &expect, &checked, facts)) != SAM_OK)
            goto out;
    }
    if (kp->assigned) {
        /* The assigned object itself: repeating the assignment returns it unchanged. */
        if (strcmp(kp->signer_id, signer_id) != 0) {
            rc = sam_error_set(SAM_E_KEY_ALREADY_ASSIGNED, "key pair %s is assigned to another signer",
                               kp->id);
            goto out;
        }
        rc = ops_write_key_pair(svc, kp, out);
        goto out;
    }
    if ((rc = sam_key_pair_set_signer(kp, signer)) != SAM_OK)
        goto out;
    free(kp->subject);
    kp->subject = NULL;
    if (subject != NULL && (rc = ops_strdup(&kp->subject, subject)) != SAM_OK)
        goto out;
    kp->assigned = true;
    /* The store is the authority: from any copy, on any node, one signer ever. */
    if ((rc = sam_store_assign_key(sam_service_store(svc), kp->id, signer_id)) != SAM_OK)
        goto out;
    /* A new revision: the unassigned copy is an older copy from now on (N12). Of
     * two racing assignments to the same signer from one copy, one advances. */
    rc = ops_write_changed_key_pair(svc, kp, out);
out:
    sam_sad_free(checked);
    sam_key_pair_free(kp);
    return rc;
}
