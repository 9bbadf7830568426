/*
 * auth/revoke: make a token unusable at once (RFC 7009). A refresh token
 * takes the access tokens issued with it along; an access token does not
 * take its refresh token. Only the caller's own tokens can be revoked.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csc_internal.h"

void csc_auth_revoke(csc_call_t *call)
{
    sam_store_t *store = sam_service_store(call->svc);
    const char *token = NULL, *hint = NULL;
    sam_store_token_kind kinds[2] = {SAM_STORE_TOKEN_ACCESS, SAM_STORE_TOKEN_REFRESH};
    uint8_t hash[32];
    char *owner = NULL;
    size_t len;
    int rc = SAM_E_NOT_FOUND;

    if (csc_opt_string(call, "token", &token) != SAM_OK || token == NULL) {
        csc_invalid_request(call, "Missing (or invalid type) string parameter token");
        goto out;
    }
    if (csc_opt_string(call, "token_type_hint", &hint) != SAM_OK ||
        (hint != NULL && strcmp(hint, "access_token") != 0 && strcmp(hint, "refresh_token") != 0)) {
        csc_invalid_request(call, "Invalid string parameter token_type_hint");
        goto out;
    }
    len = strnlen(token, CSC_TOKEN_MAX_LEN + 1);
    if (len == 0 || len > CSC_TOKEN_MAX_LEN) {
        csc_invalid_request(call, "Invalid string parameter token");
        goto out;
    }
    if (hint != NULL && strcmp(hint, "refresh_token") == 0) {
        kinds[0] = SAM_STORE_TOKEN_REFRESH;
        kinds[1] = SAM_STORE_TOKEN_ACCESS;
    }
    csc_token_hash(token, len, hash);
    /* The hint orders the search; the token is looked for across both kinds. */
    for (size_t i = 0; i < 2 && rc == SAM_E_NOT_FOUND; i++)
        rc = sam_store_token_get(store, hash, kinds[i], (int64_t)time(NULL), &owner);
    if (rc == SAM_E_NOT_FOUND || (rc == SAM_OK && strcmp(owner, call->user_id) != 0)) {
        csc_invalid_request(call, "Invalid string parameter token");
        goto out;
    }
    if (rc == SAM_OK)
        rc = sam_store_token_revoke(store, hash);
    if (rc != SAM_OK) {
        csc_fail_internal(call, rc);
        goto out;
    }
    call->resp->status = 204;
out:
    free(owner);
}
