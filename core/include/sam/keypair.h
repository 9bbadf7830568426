/*
 * The sealed key_pair object of the native API (sam-v1.md, "The key pair
 * object"). The SSA stores this object and sends it back; the SAM keeps only
 * the assignee, deleted keys and the current revision in the state store.
 * Its seal is a MAC by the module's seal key over a canonical byte encoding
 * of every field, the SAM id and the format version, so that a changed
 * field, an unknown field or another SAM's object is refused.
 */
#ifndef SAM_KEYPAIR_H
#define SAM_KEYPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sam/json.h"
#include "sam/module.h"

#define SAM_KEY_PAIR_FORMAT 1
#define SAM_KEY_PAIR_ID_LEN 32 /* hex characters of a 128-bit random id */
#define SAM_KEY_PAIR_MAX_REVISION 0x7fffffffu

typedef struct st_sam_key_pair_t {
    char id[SAM_KEY_PAIR_ID_LEN + 1];
    sam_key_spec_t spec;
    uint8_t *spki; /* SubjectPublicKeyInfo DER */
    size_t spki_len;
    char *signer;  /* canonical JSON of the signer object, NULL when unassigned */
    char *signer_id; /* signer.id, NULL when unassigned */
    char *subject; /* NULL when none */
    uint8_t *certificate; /* DER, NULL when none */
    size_t certificate_len;
    bool assigned, certified, enabled;
    /* 0 at generation, one more at each change; the store keeps the current
     * one per key, so that an older copy is refused (threat N12). */
    uint32_t revision;
    uint8_t *wrapped; /* the backend's wrapped private key blob */
    size_t wrapped_len;
} sam_key_pair_t;

/* Generate a new key pair in the module. *out: free with sam_key_pair_free(). */
int sam_key_pair_generate(sam_module_t *m, const sam_key_spec_t *spec, sam_key_pair_t **out);

/*
 * Check and decode a key_pair JSON object: every field present and well
 * typed, no unknown field, the format version and SAM id ours, the seal
 * intact. Errors: SAM_E_INVALID_KEY_PAIR (detail says which check failed),
 * SAM_E_BACKEND_UNAVAILABLE.
 */
int sam_key_pair_open(sam_module_t *m, const char *sam_id, const sam_json_t *obj,
                      sam_key_pair_t **out);

/* Seal kp and write it as a JSON object to b. */
int sam_key_pair_write(sam_module_t *m, const char *sam_id, const sam_key_pair_t *kp,
                       sam_strbuf_t *b);

/* Set (replace) the signer from a JSON object that has a string "id". SAM_E_PARSE otherwise. */
int sam_key_pair_set_signer(sam_key_pair_t *kp, const sam_json_t *signer);

/* Sign n hashes with the key pair. params must fit the key (checked). */
int sam_key_pair_sign(sam_module_t *m, const sam_key_pair_t *kp, const sam_sig_params_t *params,
                      const sam_bytes_t *hashes, size_t n, sam_outbuf_t *sigs);

void sam_key_pair_free(sam_key_pair_t *kp);

#endif
