#include <string.h>

#include "ops_internal.h"
#include "sam/algorithms.h"

int sam_op_generate(sam_service_t *svc, const sam_key_spec_t *spec, sam_strbuf_t *out,
                    sam_op_facts_t *facts)
{
    int rc;
    sam_key_pair_t *kp = NULL;

    if ((rc = sam_key_spec_check(spec)) != SAM_OK ||
        (rc = sam_alg_policy_check_key(&sam_service_static(svc)->algorithms, spec)) != SAM_OK)
        return rc;
    if ((rc = sam_key_pair_generate(sam_service_module(svc), spec, &kp)) != SAM_OK)
        return rc;
    memcpy(facts->key_id, kp->id, sizeof(facts->key_id));
    rc = ops_write_key_pair(svc, kp, out);
    sam_key_pair_free(kp);
    return rc;
}
