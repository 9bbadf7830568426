/*
 * The native API's functions as core operations (sam-v1.md, "Service
 * functions"): every decision that makes a signature trustworthy is made
 * here, on plain data. The API layer parses the request into these inputs,
 * calls one function, and maps the sam_rc to HTTP.
 *
 * Each operation fills a sam_op_facts_t with what the audit record must say
 * (also on failure, as far as it got). Nothing is changed when an operation
 * fails: no usage spent, no assignment, no deletion.
 */
#ifndef SAM_OPS_H
#define SAM_OPS_H

#include "sam/json.h"
#include "sam/service.h"
#include "sam/totp.h"

#define SAM_OP_MAX_REQUESTS 1000

/* What an operation did, for the audit record. Strings are owned by the facts. */
typedef struct st_sam_op_facts_t {
    char key_id[33];
    char *signer_id;
    char *sad_jti;
    char *sad_issuer;
    size_t signatures; /* made */
    char *hashes;      /* the audit record's "hashes" value (sam_audit_hashes_json), or NULL */
    char *algorithm;   /* the signature algorithm(s) requested, or NULL */
    /* Set while signatures made are not yet audited: the SAD usage to give
     * back (sam_store_sad_release) if the record fails. Freed with the facts. */
    sam_store_reservation_t *sad_reservation;
} sam_op_facts_t;
void sam_op_facts_clear(sam_op_facts_t *f);

/* The calling SSA and the dynamic configuration it is judged by. A caller
 * that is no SSA (the CSC layer) leaves ssa NULL and names the issuer keys it
 * trusts for SADs instead (issuer_keys, issuer_key_count); with an ssa those
 * two are ignored. */
typedef struct st_sam_op_caller_t {
    const sam_dynamic_config_t *dyn;
    const sam_ssa_t *ssa;
    const sam_issuer_key_t *issuer_keys;
    size_t issuer_key_count;
    /* NULL, or one per issuer key: how its SADs read (sad.h); ignored with an ssa, so
     * /sam/v1 only ever takes native SADs with hashes. */
    const sam_sad_issuer_rules_t *issuer_rules;
} sam_op_caller_t;

/* POST /sam/v1/key_pairs. out receives the key_pair JSON object. */
int sam_op_generate(sam_service_t *svc, const sam_key_spec_t *spec, sam_strbuf_t *out,
                    sam_op_facts_t *facts);

/* POST /sam/v1/signers/{id}/key_pairs. subject may be NULL; sad may be NULL. */
int sam_op_assign(sam_service_t *svc, const sam_op_caller_t *caller, const sam_json_t *key_pair,
                  const sam_json_t *signer, const char *subject, const char *sad, size_t sad_len,
                  sam_strbuf_t *out, sam_op_facts_t *facts);

/* POST /sam/v1/proofs_of_possession: cri is a DER CertificationRequestInfo. */
int sam_op_proof_of_possession(sam_service_t *svc, const sam_json_t *key_pair, const uint8_t *cri,
                               size_t cri_len, const char *algorithm, sam_outbuf_t *sig,
                               sam_op_facts_t *facts);

/* PUT /sam/v1/key_pairs/{id}. certificate may be NULL. */
int sam_op_update_status(sam_service_t *svc, const sam_json_t *key_pair, const char *signer_id,
                         bool certified, bool enabled, const uint8_t *certificate,
                         size_t certificate_len, sam_strbuf_t *out, sam_op_facts_t *facts);

/* One hash to sign and how. */
typedef struct st_sam_op_sign_request_t {
    sam_bytes_t dtbs;
    const char *algorithm;      /* JOSE name or OID */
    sam_bytes_t pss_params_der; /* RSASSA-PSS-params, or {NULL, 0} */
} sam_op_sign_request_t;

/* POST /sam/v1/signatures. sigs[i].ptr must hold SAM_MAX_SIGNATURE_LEN bytes. */
int sam_op_sign(sam_service_t *svc, const sam_op_caller_t *caller, const sam_json_t *key_pair,
                const char *signer_id, const sam_op_sign_request_t *requests, size_t n,
                const char *sad, size_t sad_len, sam_outbuf_t *sigs, sam_op_facts_t *facts);

/* DELETE /sam/v1/key_pairs/{id}. sad may be NULL. */
int sam_op_delete(sam_service_t *svc, const sam_op_caller_t *caller, const sam_json_t *key_pair,
                  const char *sad, size_t sad_len, sam_op_facts_t *facts);

/* The id of a key_pair object without checking anything (for path checks and audit). NULL if none. */
const char *sam_op_key_pair_id(const sam_json_t *key_pair);

/* Parse DER RSASSA-PSS-params into params (hash, MGF1 hash, salt). SAM_E_PARSE / UNSUPPORTED_ALG. */
int sam_pss_params_parse(const uint8_t *der, size_t len, sam_sig_params_t *params);

/* POST /sam/v1/credentials (csc-v1.md, "Credentials"). The certificates are
 * base64 DER, end-entity first; pin may be NULL (it is stored only as a slow
 * hash and wiped by the caller). */
typedef struct st_sam_op_credential_t {
    const sam_json_t *key_pair;
    const char *user_id;
    const char *const *certificates;
    size_t certificate_count;
    const char *auth_mode; /* "explicit", "implicit", "oauth2code" */
    const char *pin;       /* or NULL */
    size_t pin_len;
    uint32_t multisign;
    const char *scal; /* "1" or "2" */
    const char *description; /* or NULL */
    /* base32 TOTP secret, or NULL: protected by the module (totp.h), wiped by the caller */
    const char *otp_secret;
    size_t otp_secret_len;
    sam_totp_params_t otp; /* with otp_secret */
} sam_op_credential_t;
/* The key pair must open, be assigned to user_id and certified, and the first
 * certificate's public key must be the key pair's; the user must exist
 * (SAM_E_INVALID_ARG otherwise). id_out receives the new credential's id
 * (32 hex digits and a NUL). */
int sam_op_credential_create(sam_service_t *svc, const sam_op_credential_t *in, char id_out[33],
                             sam_op_facts_t *facts);
#define SAM_OP_MAX_MULTISIGN SAM_OP_MAX_REQUESTS
#define SAM_OP_MAX_DESCRIPTION 255
#define SAM_OP_MAX_USER_ID 256
/* The settings of a new credential that need neither the store nor the
 * module: user_id 1..SAM_OP_MAX_USER_ID bytes, auth_mode, scal "1"/"2",
 * multisign 1..SAM_OP_MAX_MULTISIGN, description length, a PIN or an OTP
 * only with "explicit", the OTP's digits and period. sam_op_credential_create
 * runs it first; callers may run it early (SAM_E_PARSE naming the field). */
int sam_op_credential_check(const sam_op_credential_t *in);
/* DELETE /sam/v1/credentials/{id}: SAM_E_NOT_FOUND when there is none. */
int sam_op_credential_delete(sam_service_t *svc, const char *id, sam_op_facts_t *facts);

#endif
