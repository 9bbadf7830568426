/*
 * Routing for /sam/v1: identify the caller by the client certificate's
 * public key, find the route, check the role and the media type, run the
 * handler. Order: 401 (no registered certificate) before anything else, so
 * that an unidentified client learns nothing; then 404/405; then 403; then 415.
 */
#include <string.h>
#include <strings.h>

#include "samapi_internal.h"

#define PREFIX "/sam/v1/"

typedef struct {
    const char *method;
    const char *pattern; /* after /sam/v1/; '*' matches one path segment */
    samapi_role role;
    int has_body;
    samapi_handler_fn handler;
    const char *function; /* name in audit records */
} route_t;

static const route_t routes[] = {
    {"GET", "info", SAMAPI_ROLE_ANY, 0, samapi_info, "info"},
    {"GET", "configurations/dynamic", SAMAPI_ROLE_ADMIN, 0, samapi_dynamic_config_get, "get_dynamic_configuration"},
    {"PUT", "configurations/dynamic", SAMAPI_ROLE_ADMIN, 1, samapi_dynamic_config_put, "put_dynamic_configuration"},
    {"POST", "key_pairs", SAMAPI_ROLE_SSA, 1, samapi_generate, "generate_key_pair"},
    {"POST", "signers/*/key_pairs", SAMAPI_ROLE_SSA, 1, samapi_assign, "assign_key_pair"},
    {"POST", "proofs_of_possession", SAMAPI_ROLE_SSA, 1, samapi_proof_of_possession, "proof_of_possession"},
    {"PUT", "key_pairs/*", SAMAPI_ROLE_SSA, 1, samapi_update_status, "update_key_pair_status"},
    {"DELETE", "key_pairs/*", SAMAPI_ROLE_SSA, 1, samapi_delete, "delete_key_pair"},
    {"POST", "signatures", SAMAPI_ROLE_SSA, 1, samapi_sign, "sign"},
    {"POST", "credentials", SAMAPI_ROLE_SSA, 1, samapi_credential_create, "create_credential"},
    {"DELETE", "credentials/*", SAMAPI_ROLE_SSA, 0, samapi_credential_delete, "delete_credential"},
};

/* Match pattern against path (both after the prefix); the '*' segment goes to *param. */
static int match(const char *pattern, const char *path, char *param, size_t param_cap)
{
    while (*pattern != '\0') {
        if (*pattern == '*') {
            size_t n = strcspn(path, "/");
            if (n == 0 || n >= param_cap)
                return 0;
            memcpy(param, path, n);
            param[n] = '\0';
            path += n;
            pattern++;
            continue;
        }
        if (*pattern != *path)
            return 0;
        pattern++;
        path++;
    }
    return *path == '\0';
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decode a path segment in place; refuse malformed escapes and NUL. */
static int decode_segment(char *s)
{
    char *w = s;
    for (const char *r = s; *r != '\0'; r++) {
        if (*r != '%') {
            *w++ = *r;
            continue;
        }
        int hi = hex_value(r[1]), lo = hi < 0 ? -1 : hex_value(r[2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return sam_error_set(SAM_E_PARSE, "malformed percent-encoding in the path");
        *w++ = (char)(hi * 16 + lo);
        r += 2;
    }
    *w = '\0';
    return SAM_OK;
}

static int identify(samapi_call_t *call)
{
    const sam_request_t *req = call->req;
    if (!req->has_client_cert)
        return sam_error_set(SAM_E_UNAUTHORIZED, "a registered client certificate is required");
    const sam_admin_t *admin =
        sam_static_config_find_admin(sam_service_static(call->svc), req->client_spki_sha256);
    if (admin != NULL) {
        call->role = SAMAPI_ROLE_ADMIN;
        call->caller_id = admin->id;
        return SAM_OK;
    }
    const sam_ssa_t *ssa = sam_dynamic_config_find_ssa(call->dyn, req->client_spki_sha256);
    if (ssa != NULL) {
        call->role = SAMAPI_ROLE_SSA;
        call->caller_id = ssa->id;
        call->ssa = ssa;
        return SAM_OK;
    }
    return sam_error_set(SAM_E_UNAUTHORIZED, "the client certificate's public key is not registered");
}

static int json_media_type(const char *ct)
{
    static const char json[] = "application/json";
    if (ct == NULL || strncasecmp(ct, json, sizeof(json) - 1) != 0)
        return 0;
    ct += sizeof(json) - 1;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

void samapi_handle(sam_service_t *svc, const sam_request_t *req, sam_response_t *resp)
{
    char param[256] = "";
    samapi_call_t call = {.svc = svc, .req = req, .resp = resp};
    const route_t *route = NULL;
    int rc, path_known = 0;

    call.snap = sam_service_dynamic_acquire(svc);
    call.dyn = sam_dynamic_snapshot_config(call.snap);
    if ((rc = identify(&call)) != SAM_OK) {
        samapi_fail(&call, rc);
        goto out;
    }
    if (strncmp(req->path, PREFIX, sizeof(PREFIX) - 1) == 0) {
        const char *rest = req->path + sizeof(PREFIX) - 1;
        for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
            if (!match(routes[i].pattern, rest, param, sizeof(param)))
                continue;
            path_known = 1;
            if (strcmp(routes[i].method, req->method) == 0) {
                route = &routes[i];
                break;
            }
        }
    }
    if (route == NULL) {
        if (path_known)
            sam_response_error(resp, 405, "method_not_allowed",
                               "this path does not accept that method");
        else
            sam_response_error(resp, 404, "not_found", "no such path in /sam/v1");
        goto out;
    }
    if ((route->role & call.role) == 0) {
        samapi_fail(&call, sam_error_set(SAM_E_FORBIDDEN, "%s may not call %s %s",
                                         call.role == SAMAPI_ROLE_ADMIN ? "an administrator"
                                                                        : "a signing service",
                                         req->method, req->path));
        goto out;
    }
    if (route->has_body && !json_media_type(req->content_type)) {
        sam_response_error(resp, 415, "unsupported_media_type",
                           "the request body must be application/json");
        goto out;
    }
    if ((rc = decode_segment(param)) != SAM_OK) {
        samapi_fail(&call, rc);
        goto out;
    }
    call.path_param = param;
    call.function = route->function;
    if (samapi_audit_ready(&call))
        route->handler(&call);
out:
    samapi_audit_request(&call); /* before the response leaves: 401s and 404s included */
    sam_op_facts_clear(&call.facts);
    sam_service_dynamic_release(svc, call.snap);
}
