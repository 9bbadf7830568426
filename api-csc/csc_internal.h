/* Shared by the /csc/v1 handler files. */
#ifndef CSC_INTERNAL_H
#define CSC_INTERNAL_H

#include <stdint.h>

#include "samcsc.h"
#include "sam/json.h"
#include "sam/rc.h"

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

#endif
