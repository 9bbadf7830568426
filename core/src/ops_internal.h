/* Shared by the ops_*.c files. */
#ifndef SAM_OPS_INTERNAL_H
#define SAM_OPS_INTERNAL_H

#include "sam/keypair.h"
#include "sam/ops.h"
#include "sam/rc.h"

/* Open a key_pair object and refuse a deleted key (SAM_E_KEY_DELETED). Records the key id. */
int ops_open_key_pair(sam_service_t *svc, const sam_json_t *json, sam_key_pair_t **out,
                      sam_op_facts_t *facts);

/*
 * Verify a SAD for the calling SSA (its allowed authorization servers) and
 * check its claims against expect. SAM_E_SAD_INVALID when sad is NULL.
 * Records jti and issuer in facts once the signature verified.
 */
int ops_check_sad(sam_service_t *svc, const sam_op_caller_t *caller, const char *sad,
                  size_t sad_len, const sam_sad_expect_t *expect, sam_sad_t **out,
                  sam_op_facts_t *facts);

/* Seal and write kp to out. */
int ops_write_key_pair(sam_service_t *svc, const sam_key_pair_t *kp, sam_strbuf_t *out);
/* Write kp, changed, as its next revision and advance the store's revision
 * from kp's (compare-and-set); the object in out is valid only on SAM_OK. */
int ops_write_changed_key_pair(sam_service_t *svc, sam_key_pair_t *kp, sam_strbuf_t *out);

/* Copy s into *dst (malloc); SAM_E_NOMEM. */
int ops_strdup(char **dst, const char *s);

#endif
