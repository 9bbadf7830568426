/*
 * Routing for /csc/v1: every method is POST with a JSON object body (an
 * empty body counts as {}). Methods other than info and auth/login need a
 * Bearer token of a CSC user; the token is looked up by its SHA-256 in the
 * state store, so a revocation holds at once on every node.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "csc_internal.h"
#include "sam/log.h"

#define PREFIX "/csc/v1/"

typedef struct {
    const char *name;
    bool needs_token;
    csc_handler_fn handler; /* NULL: not implemented (501) */
} route_t;

static const route_t routes[] = {
    {"info", false, csc_info},
    {"auth/login", false, csc_auth_login},
    {"auth/revoke", true, csc_auth_revoke},
    {"credentials/list", true, csc_credentials_list},
    {"credentials/info", true, csc_credentials_info},
    {"credentials/authorize", true, csc_credentials_authorize},
    {"credentials/extendTransaction", true, csc_credentials_extend},
    {"credentials/sendOTP", true, NULL},
    {"signatures/signHash", true, csc_signatures_sign_hash},
    {"signatures/timestamp", true, NULL},
};

const char *const csc_implemented_methods[] = {"auth/login",
                                               "auth/revoke",
                                               "credentials/list",
                                               "credentials/info",
                                               "credentials/authorize",
                                               "credentials/extendTransaction",
                                               "signatures/signHash",
                                               NULL};

static const route_t *find_route(const char *path)
{
    if (strncmp(path, PREFIX, sizeof(PREFIX) - 1) != 0)
        return NULL;
    path += sizeof(PREFIX) - 1;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if (strcmp(routes[i].name, path) == 0)
            return &routes[i];
    return NULL;
}

static int parse_body(csc_call_t *call)
{
    const sam_request_t *req = call->req;
    const char *text = req->body_len > 0 ? req->body : "{}";
    size_t len = req->body_len > 0 ? req->body_len : 2;
    const sam_json_t *cd;
    int rc;

    if ((rc = sam_json_parse(text, len, &sam_json_default_limits, &call->body)) != SAM_OK)
        return rc;
    if (call->body->type != SAM_JSON_OBJECT)
        return sam_error_set(SAM_E_PARSE, "the body is not a JSON object");
    cd = sam_json_get(call->body, "clientData");
    if (cd != NULL && cd->type != SAM_JSON_STRING)
        return sam_error_set(SAM_E_PARSE, "clientData is not a string");
    return SAM_OK;
}

/* The user of one of our opaque tokens, looked up by its hash. */
static int opaque_token_user(csc_call_t *call, const char *token, size_t len)
{
    uint8_t hash[32];
    int rc;

    if (len > CSC_TOKEN_MAX_LEN)
        return sam_error_set(SAM_E_UNAUTHORIZED, "malformed Bearer token");
    csc_token_hash(token, len, hash);
    rc = sam_store_token_get(sam_service_store(call->svc), hash, SAM_STORE_TOKEN_ACCESS,
                             (int64_t)time(NULL), &call->user_id);
    if (rc == SAM_E_NOT_FOUND)
        return sam_error_set(SAM_E_UNAUTHORIZED, "unknown, expired or revoked token");
    return rc;
}

/*
 * The user of the request's Bearer token, or an error (answered by the
 * caller). Our own tokens are opaque (no '.'); a JWS compact serialization
 * can only be an access token of the csc_oauth2 server (scope "service").
 */
static int bearer_user(csc_call_t *call)
{
    static const char scheme[] = "Bearer ";
    const char *auth = call->req->authorization;
    size_t len;
    int rc;

    if (auth == NULL || strncasecmp(auth, scheme, sizeof(scheme) - 1) != 0)
        return sam_error_set(SAM_E_UNAUTHORIZED, "no Bearer token");
    auth += sizeof(scheme) - 1;
    len = strnlen(auth, SAM_SAD_MAX_BYTES + 1);
    if (len == 0 || len > SAM_SAD_MAX_BYTES)
        return sam_error_set(SAM_E_UNAUTHORIZED, "malformed Bearer token");
    if (memchr(auth, '.', len) != NULL)
        rc = csc_oauth2_service_user(call->svc, auth, len, &call->user_id);
    else
        rc = opaque_token_user(call, auth, len);
    if (rc != SAM_OK)
        return rc;
    /* A user disabled after login loses access at once; an OAuth2 sub must be a user of ours. */
    bool disabled = true;
    rc = sam_store_user_get(sam_service_store(call->svc), call->user_id, NULL, &disabled);
    if (rc == SAM_E_NOT_FOUND || (rc == SAM_OK && disabled))
        return sam_error_set(SAM_E_UNAUTHORIZED, "the token's user is disabled or gone");
    return rc;
}

void csc_handle(sam_service_t *svc, const sam_request_t *req, sam_response_t *resp)
{
    csc_call_t call = {.svc = svc, .req = req, .resp = resp};
    const route_t *route;
    int rc;

    call.cfg = &sam_service_static(svc)->csc;
    if (!call.cfg->enabled) {
        sam_response_error(resp, 404, "not_found", "the CSC API is not enabled");
        goto out;
    }
    if ((route = find_route(req->path)) == NULL) {
        sam_response_error(resp, 404, "not_found", "no such method in /csc/v1");
        goto out;
    }
    if (strcmp(req->method, "POST") != 0) {
        sam_response_error(resp, 405, "method_not_allowed", "CSC methods are called with POST");
        goto out;
    }
    if (route->handler == NULL) {
        sam_response_error(resp, 501, "not_implemented", "this method is not implemented");
        goto out;
    }
    if ((rc = parse_body(&call)) != SAM_OK) {
        if (rc == SAM_E_NOMEM)
            csc_fail_internal(&call, rc);
        else
            csc_invalid_request(&call, CSC_MALFORMED);
        goto out;
    }
    if (route->needs_token && (rc = bearer_user(&call)) != SAM_OK) {
        if (rc == SAM_E_UNAUTHORIZED)
            csc_invalid_token(&call);
        else
            csc_fail_internal(&call, rc);
        goto out;
    }
    route->handler(&call);
out:
    sam_json_free(call.body);
    free(call.user_id);
}
