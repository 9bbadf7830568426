/* Shared by the /csc/v1 handler files. */
#ifndef CSC_INTERNAL_H
#define CSC_INTERNAL_H

#include <stdint.h>

#include "samcsc.h"
#include "sam/json.h"
#include "sam/rc.h"
#include "sam/sad.h"
#include "sam/service.h"

/* The spec's text for a malformed request (and a bad Authorization header). */
#define CSC_MALFORMED                                                                              \
    "The request is missing a required parameter, includes an invalid parameter value, "           \
    "includes a parameter more than once, or is otherwise malformed."

#define CSC_TOKEN_BYTES 32 /* random bytes of an access or refresh token */
#define CSC_TOKEN_MAX_LEN 512

typedef struct st_csc_call_t {
    sam_service_t *svc;
    const sam_request_t *req;
    sam_response_t *resp;
    const sam_csc_config_t *cfg;
    sam_json_t *body; /* the request body, an object ({} when empty) */
    char *user_id;    /* the Bearer token's user (malloc'd), for methods that need one */
} csc_call_t;

typedef void (*csc_handler_fn)(csc_call_t *call);

/* Answer {"error": code, "error_description": description} with status. */
void csc_error(csc_call_t *call, int status, const char *code, const char *description);
/* 400 invalid_request with the specification's description. */
void csc_invalid_request(csc_call_t *call, const char *description);
/* 401 invalid_token with WWW-Authenticate: Bearer. */
void csc_invalid_token(csc_call_t *call);
/* Map an unexpected sam_rc (store, module) to 500/503, logging the detail. */
void csc_fail_internal(csc_call_t *call, int rc);

/* Optional typed body members: SAM_OK when absent (out untouched) or of the
 * type; SAM_E_PARSE when present with another type. */
int csc_opt_string(const csc_call_t *call, const char *key, const char **out);
int csc_opt_bool(const csc_call_t *call, const char *key, bool *out);
int csc_opt_int(const csc_call_t *call, const char *key, int64_t *out, bool *present);

/* SHA-256 of a token string, the form the store keeps. */
void csc_token_hash(const char *token, size_t len, uint8_t out[32]);

/* The method list of info: exactly the implemented methods. */
extern const char *const csc_implemented_methods[];

void csc_info(csc_call_t *call);
void csc_auth_login(csc_call_t *call);
void csc_auth_revoke(csc_call_t *call);
void csc_credentials_list(csc_call_t *call);
void csc_credentials_info(csc_call_t *call);
void csc_credentials_authorize(csc_call_t *call);
void csc_credentials_extend(csc_call_t *call);
void csc_signatures_sign_hash(csc_call_t *call);

/* Did the call's answer (so far) fail? (status outside 2xx) */
bool csc_answer_failed(const csc_call_t *call);
/*
 * Complete ev with what every /csc/v1 record says (caller and role, outcome,
 * status and error from call's answer, request id, peer), append it to the
 * service audit log and wait for it (csc_audit.c). On failure the answer is
 * replaced by 503 (its body, which may hold a SAD or signatures, wiped) and
 * the audit's error is returned: nothing is handed out that is not recorded.
 */
struct st_sam_audit_event_t;
int csc_audit_record(csc_call_t *call, const char *method, struct st_sam_audit_event_t *ev,
                     const char *error);

/* The SADs of this server's own CSC authorization (csc_sad.c). */
#define CSC_ISSUER_MAX 320
#define CSC_JTI_LEN 32
typedef struct st_csc_sad_claims_t {
    const char *user_id;
    const char *key_id;
    const sam_bytes_t *hashes;
    size_t n_hashes;
    uint32_t num_signatures;
    int64_t iat, exp;
    const char *jti;
} csc_sad_claims_t;
/* The issuer id ("opensam-csc:<sam_id>", into issuer) and its trusted key
 * (the module's CSC public key, read once; key->issuer_id points to issuer). */
int csc_sad_issuer(sam_service_t *svc, char issuer[CSC_ISSUER_MAX], sam_issuer_key_t *key);
/* A new SAD, appended to out. SAM_E_LIMIT when it would be too large. */
int csc_sad_issue(sam_service_t *svc, const csc_sad_claims_t *c, sam_strbuf_t *out);
/* Verify a SAD of ours for user_id and key_id (claims and time, no usage). */
int csc_sad_verify(sam_service_t *svc, const char *sad, size_t sad_len, const char *user_id,
                   const char *key_id, sam_sad_t **out);
int csc_new_jti(char out[CSC_JTI_LEN + 1]);
/* The service's static SAD policy at this moment (levels: sad.loa_level_count + 1 entries). */
void csc_sad_policy(sam_service_t *svc, const char **levels, sam_sad_policy_t *policy);

/*
 * The SADs signatures/signHash accepts for credential c (docs/api-csc.md):
 * an oauth2code credential takes only the csc_oauth2 server's access tokens
 * with scope "credential" naming c; any other only this server's own SADs.
 * Either may list no hashes only where c is SCAL "1". keys and
 * rules are parallel, n of each; n is 0 when nothing can be trusted. Holds
 * the dynamic snapshot the keys point into until csc_sad_trust_close().
 */
typedef struct st_csc_sad_trust_t {
    const sam_dynamic_snapshot_t *snap;
    char issuer[CSC_ISSUER_MAX];
    sam_issuer_key_t keys[SAM_CONFIG_MAX_OAUTH2_KEYS];
    sam_sad_issuer_rules_t rules[SAM_CONFIG_MAX_OAUTH2_KEYS];
    size_t n;
} csc_sad_trust_t;
int csc_sad_trust_open(sam_service_t *svc, const sam_store_credential_t *c, csc_sad_trust_t *t);
void csc_sad_trust_close(sam_service_t *svc, csc_sad_trust_t *t);

/*
 * The Bearer token token[0..len) as an access token of the csc_oauth2 server
 * with scope "service" (csc_oauth2.c): on SAM_OK *user_id (malloc'd) is its
 * sub. SAM_E_UNAUTHORIZED for any refused or unconfigured token (the reason
 * is logged, never the token); other codes for internal failures.
 */
int csc_oauth2_service_user(sam_service_t *svc, const char *token, size_t len, char **user_id);
/* info.oauth2 when a csc_oauth2 server is configured: *out malloc'd, or NULL. */
int csc_oauth2_base_uri(sam_service_t *svc, char **out);

/* A credential of call->user_id, its key_pair JSON and its opened key pair
 * (csc_credential.c). On failure the call is answered and everything is freed. */
typedef struct st_csc_cred_t {
    sam_store_credential_t *c;
    sam_json_t *kpj;
    struct st_sam_key_pair_t *kp;
    bool usable; /* enabled, assigned to the user, not deleted */
} csc_cred_t;
int csc_cred_open(csc_call_t *call, const char *id, csc_cred_t *out);
void csc_cred_close(csc_cred_t *cr);
/* Decode a JSON array of base64 hashes (each 32, 48 or 64 bytes unless any_len)
 * into *out (one malloc'd block). Answers the call and returns an error on failure. */
int csc_read_hashes(csc_call_t *call, const sam_json_t *arr, bool any_len, sam_bytes_t **out,
                    size_t *n);

#endif
