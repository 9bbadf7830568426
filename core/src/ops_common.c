#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops_internal.h"

void sam_op_facts_clear(sam_op_facts_t *f)
{
    free(f->signer_id);
    free(f->sad_jti);
    free(f->sad_issuer);
    free(f->hashes);
    free(f->algorithm);
    sam_store_reservation_free(f->sad_reservation);
    memset(f, 0, sizeof(*f));
}

int ops_strdup(char **dst, const char *s)
{
    char *c = strdup(s);
    if (c == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    free(*dst);
    *dst = c;
    return SAM_OK;
}

const char *sam_op_key_pair_id(const sam_json_t *key_pair)
{
    const sam_json_t *id = sam_json_get(key_pair, "id");
    return id != NULL && id->type == SAM_JSON_STRING ? id->u.str.ptr : NULL;
}

int ops_open_key_pair(sam_service_t *svc, const sam_json_t *json, sam_key_pair_t **out,
                      sam_op_facts_t *facts)
{
    int rc;
    sam_key_pair_t *kp = NULL;

    *out = NULL;
    if ((rc = sam_key_pair_open(sam_service_module(svc), sam_service_sam_id(svc), json, &kp)) !=
        SAM_OK)
        return rc;
    memcpy(facts->key_id, kp->id, sizeof(facts->key_id));
    if (kp->signer_id != NULL && (rc = ops_strdup(&facts->signer_id, kp->signer_id)) != SAM_OK)
        goto out;
    /* Not deleted, and only the newest copy: one from before a change is
     * refused (N12). One read of the store. */
    if ((rc = sam_store_key_check(sam_service_store(svc), kp->id, kp->revision)) != SAM_OK)
        goto out;
    *out = kp;
    kp = NULL;
out:
    sam_key_pair_free(kp);
    return rc;
}

int ops_write_changed_key_pair(sam_service_t *svc, sam_key_pair_t *kp, sam_strbuf_t *out)
{
    int rc;
    uint32_t from = kp->revision;

    if (from >= SAM_KEY_PAIR_MAX_REVISION)
        return sam_error_set(SAM_E_INVALID_KEY_PAIR, "key_pair: no further change possible");
    /* Seal first, so that a failure leaves the store (and the caller's copy) as they were;
     * then advance, compare-and-set: of two changes from one copy, one wins. */
    kp->revision = from + 1;
    if ((rc = ops_write_key_pair(svc, kp, out)) != SAM_OK)
        return rc;
    return sam_store_key_revision_advance(sam_service_store(svc), kp->id, from, from + 1);
}

int ops_write_key_pair(sam_service_t *svc, const sam_key_pair_t *kp, sam_strbuf_t *out)
{
    return sam_key_pair_write(sam_service_module(svc), sam_service_sam_id(svc), kp, out);
}

int ops_check_sad(sam_service_t *svc, const sam_op_caller_t *caller, const char *sad,
                  size_t sad_len, const sam_sad_expect_t *expect, sam_sad_t **out,
                  sam_op_facts_t *facts)
{
    const sam_static_config_t *sc = sam_service_static(svc);
    const sam_dynamic_config_t *dyn = caller->dyn;
    const sam_ssa_t *ssa = caller->ssa;
    sam_issuer_key_t *keys = NULL;
    const char **levels = NULL;
    size_t n_keys;
    int rc;

    *out = NULL;
    if (sad == NULL || sad_len == 0)
        return sam_error_set(SAM_E_SAD_INVALID, "the SAD header is required");
    if (ssa == NULL) {
        /* Not an SSA (the CSC layer): exactly the issuer keys the caller names. */
        n_keys = caller->issuer_key_count;
        if (caller->issuer_keys == NULL || n_keys == 0)
            return sam_error_set(SAM_E_SAD_INVALID,
                                 "no authorization server is trusted for this SSA");
    } else {
        n_keys = ssa->allowed_count;
        if (n_keys == 0)
            return sam_error_set(SAM_E_SAD_INVALID,
                                 "no authorization server is trusted for this SSA");
    }
    keys = calloc(n_keys, sizeof(*keys));
    levels = calloc(sc->sad.loa_level_count + 1, sizeof(*levels));
    if (keys == NULL || levels == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n_keys; i++) {
        if (ssa == NULL) {
            keys[i] = caller->issuer_keys[i];
        } else {
            const sam_auth_server_t *as = &dyn->authorization_servers[ssa->allowed[i]];
            keys[i] = (sam_issuer_key_t){as->id, as->kid, as->key.spki, as->key.spki_len};
        }
    }
    for (size_t i = 0; i < sc->sad.loa_level_count; i++)
        levels[i] = sc->sad.loa_levels[i];
    sam_sad_policy_t policy = {
        .sam_id = sam_service_sam_id(svc),
        .now = (int64_t)time(NULL),
        .max_lifetime = sc->sad.max_lifetime_seconds,
        .clock_skew = sc->sad.clock_skew_seconds,
        .min_loa = sc->sad.min_loa,
        .loa_levels = sc->sad.loa_level_count > 0 ? levels : NULL,
        .issuer_rules = ssa == NULL ? caller->issuer_rules : NULL,
    };
    sam_sad_t *seen = NULL;
    rc = sam_sad_check_ex(sam_service_verifier(svc), sad, sad_len, keys, n_keys, &policy, expect,
                          out, &seen);
    /* The audit record names the SAD: the accepted one, or a refused one whose
     * signature verified (its jti and iss are a trusted server's words). */
    const sam_sad_t *named = *out != NULL ? *out : seen;
    if (named != NULL) {
        int r2 = SAM_OK;
        if ((named->jti != NULL && (r2 = ops_strdup(&facts->sad_jti, named->jti)) != SAM_OK) ||
            (named->issuer != NULL &&
             (r2 = ops_strdup(&facts->sad_issuer, named->issuer)) != SAM_OK)) {
            sam_sad_free(*out);
            *out = NULL;
            rc = r2;
        }
    }
    sam_sad_free(seen);
out:
    free(keys);
    free(levels);
    return rc;
}
