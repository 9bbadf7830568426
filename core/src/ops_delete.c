/* Deletion: the key id joins the deny-list; every later use, on every node, is refused. */
#include "ops_internal.h"

int sam_op_delete(sam_service_t *svc, const sam_op_caller_t *caller, const sam_json_t *key_pair,
                  const char *sad, size_t sad_len, sam_op_facts_t *facts)
{
    int rc;
    sam_key_pair_t *kp = NULL;
    sam_sad_t *checked = NULL;

    if ((rc = ops_open_key_pair(svc, key_pair, &kp, facts)) != SAM_OK)
        goto out;
    if (sad != NULL) {
        /* With the signer's SAD the deletion is recorded as the signer's own request. */
        if (kp->signer_id == NULL) {
            rc = sam_error_set(SAM_E_SAD_INVALID, "a deletion SAD needs an assigned key pair");
            goto out;
        }
        sam_sad_expect_t expect = {SAM_SAD_PURPOSE_KEY_DELETION, kp->signer_id, kp->id, NULL, 0};
        if ((rc = ops_check_sad(svc, caller, sad, sad_len, &expect, &checked, facts)) != SAM_OK)
            goto out;
    }
    rc = sam_store_delete_key(sam_service_store(svc), kp->id);
out:
    sam_sad_free(checked);
    sam_key_pair_free(kp);
    return rc;
}
