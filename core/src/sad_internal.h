/* Between verifier.c (the loaded plugin), sad.c (the check) and sad_claims.c (reading claims). */
#ifndef SAM_SAD_INTERNAL_H
#define SAM_SAD_INTERNAL_H

#include "sam/json.h"
#include "sam/sad.h"

/* The plugin's verify() on v's state (verifier.h states the contract). */
int sam_verifier_verify(sam_verifier_t *v, const char *jws, size_t jws_len,
                        const sam_issuer_key_t *keys, size_t n_keys, size_t *key_index,
                        sam_outbuf_t *payload);

/*
 * Read the claims of a verified SAD into sad (zeroed by the caller; on
 * failure it may be partly filled: release it with sam_sad_free). Checks
 * types and form, and that aud names sam_id; not the comparisons with the
 * request (sad.c). Errors: SAM_E_SAD_INVALID, SAM_E_NOMEM.
 */
int sam_sad_read_claims(const sam_json_t *root, const char *sam_id, sam_sad_t *sad);

#endif
