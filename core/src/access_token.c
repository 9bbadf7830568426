/*
 * Service tokens of an external OAuth2 authorization server (csc-v1.md,
 * "oauth2code"): JWT access tokens checked on the SAD's one JWS path
 * (sam_jws_verify_claims, the same verifier plugin) and with the same claim
 * readers; only the scope and the absence of a lifetime cap differ.
 */
#include <stdlib.h>
#include <string.h>

#include "sad_internal.h"
#include "sam/rc.h"

int sam_access_token_check(sam_verifier_t *v, const char *jws, size_t jws_len,
                           const sam_issuer_key_t *keys, size_t n_keys,
                           const sam_sad_policy_t *policy, const char *audience,
                           uint32_t algorithms, const char *scope, char **subject)
{
    sam_json_t *root = NULL;
    char *iss = NULL, *sub = NULL;
    int64_t iat = 0, exp = 0, nbf = 0;
    size_t key_index = SIZE_MAX;
    int rc;

    if (subject != NULL)
        *subject = NULL;
    if (v == NULL || jws == NULL || keys == NULL || n_keys == 0 || policy == NULL ||
        audience == NULL || scope == NULL || subject == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "access token check: missing argument");
    if ((rc = sam_jws_verify_claims(v, jws, jws_len, keys, n_keys, algorithms, &key_index,
                                    &root)) != SAM_OK)
        goto out;
    if (root->type != SAM_JSON_OBJECT) {
        rc = sam_error_set(SAM_E_SAD_INVALID, "token: claims are not a JSON object");
        goto out;
    }
    if ((rc = sam_claim_string(root, "iss", &iss)) != SAM_OK ||
        (rc = sam_claim_audience(root, audience)) != SAM_OK ||
        (rc = sam_claim_string(root, "sub", &sub)) != SAM_OK ||
        (rc = sam_claim_int(root, "iat", 1, &iat)) != SAM_OK ||
        (rc = sam_claim_int(root, "exp", 1, &exp)) != SAM_OK ||
        (rc = sam_claim_int(root, "nbf", 0, &nbf)) != SAM_OK ||
        (rc = sam_claim_scope(root, scope)) != SAM_OK)
        goto out;
    if (strcmp(iss, keys[key_index].issuer_id) != 0) {
        rc = sam_error_set(SAM_E_SAD_INVALID,
                           "token: iss is not the authorization server whose key signed it");
        goto out;
    }
    if (sub[0] == '\0') {
        rc = sam_error_set(SAM_E_SAD_INVALID, "token: sub is empty");
        goto out;
    }
    if ((rc = sam_sad_check_time(policy->now, policy->clock_skew, INT64_MAX, iat, exp, nbf)) !=
        SAM_OK)
        goto out;
    *subject = sub;
    sub = NULL;
out:
    free(iss);
    free(sub);
    sam_json_free(root);
    return rc;
}
