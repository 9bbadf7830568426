/* Shared by the /sam/v1 handler files. */
#ifndef SAMAPI_INTERNAL_H
#define SAMAPI_INTERNAL_H

#include "samapi.h"
#include "sam/json.h"
#include "sam/ops.h"
#include "sam/rc.h"

typedef enum { SAMAPI_ROLE_ADMIN = 1, SAMAPI_ROLE_SSA = 2, SAMAPI_ROLE_ANY = 3 } samapi_role;

/* Everything a handler needs about one request. */
typedef struct st_samapi_call_t {
    sam_service_t *svc;
    const sam_request_t *req;
    sam_response_t *resp;
    const sam_dynamic_snapshot_t *snap; /* the dynamic configuration this request sees */
    const sam_dynamic_config_t *dyn;    /* its content */
    samapi_role role;                /* the caller's role */
    const char *caller_id;           /* administrator or SSA id */
    const sam_ssa_t *ssa;            /* the calling SSA (role SSA) */
    const char *path_param;          /* the {signer_id} or {key_id} of the path, NUL-terminated */
    const char *function;            /* the route's name for the audit record, e.g. "sign" */
    sam_op_facts_t facts;            /* what the operation did, for the audit record */
    int rc;                          /* the error samapi_fail() answered, else 0 */
} samapi_call_t;

typedef void (*samapi_handler_fn)(samapi_call_t *call);

/* Answer with the status and error code of rc, and the thread's detail message. */
void samapi_fail(samapi_call_t *call, int rc);
/* Map a sam_rc to the spec's status and code. */
int samapi_status_of(int rc, const char **code);

/* Parse the request body as a JSON object within the configured limits. SAM_E_PARSE/LIMIT. */
int samapi_parse_body(samapi_call_t *call, sam_json_t **out);

/* The body's "key_pair" object (SAM_E_PARSE when missing or not an object). */
int samapi_key_pair_member(const sam_json_t *body, const sam_json_t **out);
/* With a {key_id} path: it must be the id of the body's key pair. */
int samapi_check_path_key(const samapi_call_t *call, const sam_json_t *key_pair);
/* Answer status with {"key_pair": <kp>}. */
void samapi_reply_key_pair(samapi_call_t *call, int status, const sam_strbuf_t *kp);
/* The caller as the core operations see it. */
sam_op_caller_t samapi_op_caller(const samapi_call_t *call);
/* Decode a base64 member (required) into a malloc'd buffer of at most max bytes. */
int samapi_base64_member(const sam_json_t *obj, const char *key, const char *path, size_t max,
                         uint8_t **out, size_t *len);

/*
 * The audit record of a request (samapi_audit.c). samapi_audit_ready() is the
 * cheap check before the handler: false (and a 503 answered) when the log is
 * known to be broken. samapi_audit_request() writes the record once the
 * handler ran; when it cannot, the response becomes 503: any signature in it
 * is wiped and the SAD usage given back.
 */
bool samapi_audit_ready(samapi_call_t *call);
void samapi_audit_request(samapi_call_t *call);

/* Handlers, one file each. */
void samapi_info(samapi_call_t *call);
void samapi_dynamic_config_get(samapi_call_t *call);
void samapi_dynamic_config_put(samapi_call_t *call);
void samapi_generate(samapi_call_t *call);
void samapi_assign(samapi_call_t *call);
void samapi_proof_of_possession(samapi_call_t *call);
void samapi_update_status(samapi_call_t *call);
void samapi_sign(samapi_call_t *call);
void samapi_delete(samapi_call_t *call);
void samapi_credential_create(samapi_call_t *call);
void samapi_credential_delete(samapi_call_t *call);

#endif
