/*
 * The external OAuth2 authorization server of /csc/v1 ("csc_oauth2" in the
 * dynamic configuration, csc-v1.md "oauth2code"): its JWT access tokens with
 * scope "service" are Bearer tokens, checked by the core on the same JWS
 * path as SADs (sam_access_token_check). The snapshot in force is held only
 * while a token is checked; a new configuration applies to the next request.
 */
#include <stdlib.h>
#include <string.h>

#include "csc_internal.h"
#include "sam/log.h"

int csc_oauth2_service_user(sam_service_t *svc, const char *token, size_t len, char **user_id)
{
    const sam_static_config_t *sc = sam_service_static(svc);
    const sam_dynamic_snapshot_t *snap = sam_service_dynamic_acquire(svc);
    const sam_csc_oauth2_t *oa = sam_dynamic_snapshot_config(snap)->csc_oauth2;
    sam_issuer_key_t keys[SAM_CONFIG_MAX_OAUTH2_KEYS];
    const char **levels = NULL;
    sam_sad_policy_t policy;
    size_t n = 0;
    int rc;

    *user_id = NULL;
    if (oa == NULL) {
        rc = sam_error_set(SAM_E_UNAUTHORIZED, "a JWT Bearer token, but no csc_oauth2 server");
        goto out;
    }
    for (; n < oa->key_count && n < SAM_CONFIG_MAX_OAUTH2_KEYS; n++)
        keys[n] = (sam_issuer_key_t){oa->issuer, oa->keys[n].kid, oa->keys[n].key.spki,
                                     oa->keys[n].key.spki_len};
    if ((levels = calloc(sc->sad.loa_level_count + 1, sizeof(*levels))) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    csc_sad_policy(svc, levels, &policy);
    rc = sam_access_token_check(sam_service_verifier(svc), token, len, keys, n, &policy,
                                oa->audience != NULL ? oa->audience : sam_service_sam_id(svc),
                                oa->algorithms, "service", user_id);
    if (rc == SAM_E_SAD_INVALID || rc == SAM_E_SAD_EXPIRED) {
        /* The detail quotes no part of the token (verifier.h, sad.h). */
        sam_log(SAM_LOG_INFO, "csc: OAuth2 service token refused: %s", sam_error_message());
        rc = sam_error_set(SAM_E_UNAUTHORIZED, "OAuth2 service token refused");
    }
out:
    free(levels);
    sam_service_dynamic_release(svc, snap);
    return rc;
}

int csc_oauth2_base_uri(sam_service_t *svc, char **out)
{
    const sam_dynamic_snapshot_t *snap = sam_service_dynamic_acquire(svc);
    const sam_csc_oauth2_t *oa = sam_dynamic_snapshot_config(snap)->csc_oauth2;
    int rc = SAM_OK;

    *out = NULL;
    if (oa != NULL && (*out = strdup(oa->base_uri)) == NULL)
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
    sam_service_dynamic_release(svc, snap);
    return rc;
}
