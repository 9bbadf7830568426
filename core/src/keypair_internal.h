/* Internal to the key pair code: the canonical byte encoding that the seal covers. */
#ifndef SAM_KEYPAIR_INTERNAL_H
#define SAM_KEYPAIR_INTERNAL_H

#include "sam/keypair.h"
#include "sam/strbuf.h"

/*
 * Append the canonical encoding of kp (every field), the SAM id and the
 * format version to b: a fixed domain string, then tag-length-value records
 * in a fixed order, lengths as 32-bit big-endian, absent values with length
 * 0xffffffff so that null and "" differ.
 */
void sam_key_pair_seal_input(const char *sam_id, const sam_key_pair_t *kp, sam_strbuf_t *b);

#endif
