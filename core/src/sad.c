/*
 * The SAD check (sad.h): the verifier plugin first, so that nothing from an
 * unverified payload is parsed, trusted or quoted; then the claims against
 * the policy and the request.
 *
 * Hashes are DTBS/R digests, not secrets: comparing them with memcmp is fine.
 * Expected hashes are matched with multiplicity: each SAD entry authorizes
 * one use within the request, so a hash requested twice must be listed
 * twice. A request with a hash not listed at all is SAM_E_SAD_INVALID; one
 * whose hashes are all listed, but one more often requested than listed, is
 * SAM_E_SAD_EXHAUSTED (sam-v1.md). Messages number the request's hashes from
 * 0, as its array.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sad_internal.h"
#include "sam/base64.h"
#include "sam/config.h"
#include "sam/rc.h"

#define MAX_LOA_LEVELS 64

/* Small: a SAD is a few hundred bytes, and "aud" is the only nesting it needs. */
static const sam_json_limits_t claim_limits = {
    .max_bytes = SAM_SAD_MAX_PAYLOAD,
    .max_depth = 4,
    .max_string = 4096,
    .max_items = SAM_SAD_MAX_HASHES,
    .max_nodes = SAM_SAD_MAX_HASHES + 64,
};

static const char *const default_loa_levels[] = {"low", "substantial", "high", NULL};

void sam_sad_free(sam_sad_t *sad)
{
    if (sad == NULL)
        return;
    free(sad->issuer);
    free(sad->jti);
    free(sad->subject);
    free(sad->key_id);
    free(sad->credential_id);
    free(sad->hashes); /* one block with the hash bytes */
    free(sad->loa);
    free(sad);
}

static int loa_rank(const char *const *levels, const char *loa)
{
    for (int i = 0; i < MAX_LOA_LEVELS && levels[i] != NULL; i++) {
        if (strcmp(levels[i], loa) == 0)
            return i;
    }
    return -1;
}

static int check_loa(const sam_sad_policy_t *policy, const char *loa)
{
    const char *const *levels = policy->loa_levels ? policy->loa_levels : default_loa_levels;
    int min, have;

    if (policy->min_loa == NULL)
        return SAM_OK;
    if ((min = loa_rank(levels, policy->min_loa)) < 0)
        return sam_error_set(SAM_E_INVALID_ARG, "SAD policy: min_loa is not a known level");
    if (loa == NULL)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: claim \"loa\" is required (minimum \"%s\")",
                             policy->min_loa);
    if ((have = loa_rank(levels, loa)) < 0)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: loa is not a known level of assurance");
    if (have < min)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: loa \"%s\" is below the minimum \"%s\"",
                             levels[have], policy->min_loa);
    return SAM_OK;
}

/* Overflow-safe for any int64 claim. */
int sam_sad_check_time(int64_t now, int64_t skew, int64_t max_lifetime, int64_t iat, int64_t exp,
                       int64_t nbf)
{
    int64_t life, t;

    if (exp < iat)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: exp is before iat");
    if (__builtin_sub_overflow(exp, iat, &life) || life > max_lifetime)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: lifetime above the maximum of %lld seconds",
                             (long long)max_lifetime);
    if (!__builtin_add_overflow(exp, skew, &t) && t < now)
        return sam_error_set(SAM_E_SAD_EXPIRED, "SAD: expired");
    if (!__builtin_sub_overflow(iat, skew, &t) && t > now)
        return sam_error_set(SAM_E_SAD_EXPIRED, "SAD: not yet valid (iat in the future)");
    if (!__builtin_sub_overflow(nbf, skew, &t) && t > now)
        return sam_error_set(SAM_E_SAD_EXPIRED, "SAD: not yet valid (nbf in the future)");
    return SAM_OK;
}

/* Is want among the SAD's hashes at all? */
static bool listed(const sam_sad_t *sad, const sam_bytes_t *want)
{
    for (size_t j = 0; j < sad->n_hashes; j++) {
        if (sad->hashes[j].len == want->len &&
            memcmp(sad->hashes[j].ptr, want->ptr, want->len) == 0)
            return true;
    }
    return false;
}

static int check_hashes(const sam_sad_expect_t *expect, const sam_sad_t *sad)
{
    int rc = SAM_OK;
    bool *used = NULL;
    size_t over = SIZE_MAX; /* first hash requested more often than listed */

    if (expect->n_hashes == 0)
        return SAM_OK;
    if (sad->n_hashes == 0) /* hashless (its issuer's rules allowed it): any hash, counted */
        return expect->n_hashes > sad->num_signatures
                   ? sam_error_set(SAM_E_SAD_EXHAUSTED,
                                   "SAD: %zu hashes requested, the SAD allows %u signatures",
                                   expect->n_hashes, sad->num_signatures)
                   : SAM_OK;
    if (expect->hashes == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "SAD check: expected hashes missing");
    if ((used = calloc(sad->n_hashes ? sad->n_hashes : 1, sizeof(*used))) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    for (size_t i = 0; i < expect->n_hashes; i++) {
        const sam_bytes_t *want = &expect->hashes[i];
        size_t j;

        for (j = 0; j < sad->n_hashes; j++) {
            if (!used[j] && sad->hashes[j].len == want->len &&
                memcmp(sad->hashes[j].ptr, want->ptr, want->len) == 0)
                break;
        }
        if (j < sad->n_hashes) {
            used[j] = true;
            continue;
        }
        if (!listed(sad, want)) {
            rc = sam_error_set(SAM_E_SAD_INVALID, "SAD: hash %zu is not authorized by the SAD", i);
            goto out;
        }
        if (over == SIZE_MAX)
            over = i;
    }
    /* Every hash is listed, one more often than listed: that is usage (sam-v1.md). */
    if (over != SIZE_MAX)
        rc = sam_error_set(SAM_E_SAD_EXHAUSTED,
                           "SAD: hash %zu is requested more often than the SAD lists it", over);
out:
    free(used);
    return rc;
}

/* What the verified claims say, against what the request is about to do. */
static int check_claims(const sam_sad_policy_t *policy, const sam_sad_issuer_rules_t *rules,
                        const sam_sad_expect_t *expect, const char *issuer_id, const sam_sad_t *sad)
{
    int rc;

    if (strcmp(sad->issuer, issuer_id) != 0)
        return sam_error_set(SAM_E_SAD_INVALID,
                             "SAD: iss is not the authorization server whose key signed it");
    if (sad->purpose != expect->purpose)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: purpose does not match this request");
    if (strcmp(sad->subject, expect->signer_id) != 0)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: sub is not the signer of this request");
    if (rules->profile == SAM_SAD_PROFILE_CSC_OAUTH2) {
        /* The caller resolved the credential to the key it signs with. */
        if (rules->credential_id == NULL || strcmp(sad->credential_id, rules->credential_id) != 0)
            return sam_error_set(SAM_E_SAD_INVALID,
                                 "SAD: credentialID is not the credential of this request");
    } else if (strcmp(sad->key_id, expect->key_id) != 0) {
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: key_id is not the key of this request");
    }
    if ((rc = sam_sad_check_time(policy->now, policy->clock_skew, policy->max_lifetime, sad->iat,
                                 sad->exp, sad->nbf)) != SAM_OK ||
        (rc = check_loa(policy, sad->loa)) != SAM_OK)
        return rc;
    if (expect->purpose == SAM_SAD_PURPOSE_SIGNATURE)
        return check_hashes(expect, sad);
    return SAM_OK;
}

static int check_args(const sam_verifier_t *v, const char *jws, const sam_issuer_key_t *keys,
                      size_t n_keys, const sam_sad_policy_t *policy, const sam_sad_expect_t *expect,
                      sam_sad_t **out)
{
    if (v == NULL || jws == NULL || (keys == NULL && n_keys > 0) || policy == NULL ||
        expect == NULL || out == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "SAD check: missing argument");
    if (policy->sam_id == NULL || policy->max_lifetime < 0 || policy->clock_skew < 0)
        return sam_error_set(SAM_E_INVALID_ARG, "SAD check: incomplete policy");
    if (expect->signer_id == NULL || expect->key_id == NULL ||
        expect->purpose < SAM_SAD_PURPOSE_SIGNATURE ||
        expect->purpose > SAM_SAD_PURPOSE_KEY_DELETION)
        return sam_error_set(SAM_E_INVALID_ARG, "SAD check: incomplete expectation");
    for (size_t i = 0; i < n_keys; i++) {
        if (keys[i].issuer_id == NULL)
            return sam_error_set(SAM_E_INVALID_ARG, "SAD check: key %zu has no issuer", i);
    }
    return SAM_OK;
}

/* The alg of a verified JWS's protected header among the allowed SAM_SIGALG_* bits. */
static int check_alg(const char *jws, size_t jws_len, uint32_t algorithms)
{
    const char *dot = memchr(jws, '.', jws_len);
    uint8_t header[1024];
    size_t len = 0;
    sam_json_t *root = NULL;
    const sam_json_t *alg;
    int rc = SAM_OK;

    if (algorithms == 0)
        return SAM_OK;
    /* The plugin has parsed this header already: a failure here is a broken contract. */
    if (dot == NULL || (size_t)(dot - jws) > (sizeof(header) - 3) / 3 * 4 ||
        sam_base64url_decode(jws, (size_t)(dot - jws), header, &len) != SAM_OK ||
        sam_json_parse((const char *)header, len, &sam_json_default_limits, &root) != SAM_OK ||
        (alg = sam_json_get(root, "alg")) == NULL || alg->type != SAM_JSON_STRING)
        rc = sam_error_set(SAM_E_SAD_INVALID, "SAD: unreadable protected header");
    else if ((sam_sigalg_from_name(alg->u.str.ptr) & algorithms) == 0)
        rc = sam_error_set(SAM_E_SAD_INVALID, "SAD: alg is not one this issuer may use");
    sam_json_free(root);
    return rc;
}

int sam_jws_verify_claims(sam_verifier_t *v, const char *jws, size_t jws_len,
                          const sam_issuer_key_t *keys, size_t n_keys, uint32_t algorithms,
                          size_t *key_index, sam_json_t **root)
{
    int rc;
    sam_outbuf_t payload = {NULL, SAM_SAD_MAX_PAYLOAD, 0};

    *root = NULL;
    *key_index = SIZE_MAX;
    if (jws_len > SAM_SAD_MAX_BYTES)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: longer than %d bytes", SAM_SAD_MAX_BYTES);
    if ((payload.ptr = malloc(payload.cap)) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    sam_error_clear();
    if ((rc = sam_verifier_verify(v, jws, jws_len, keys, n_keys, key_index, &payload)) != SAM_OK) {
        if (rc > 0) /* not a sam_rc: the plugin broke its contract */
            rc = sam_error_set(SAM_E_PLUGIN, "SAD verifier returned %d", rc);
        goto out;
    }
    if (*key_index >= n_keys || payload.len > payload.cap) {
        rc = sam_error_set(SAM_E_PLUGIN, "SAD verifier returned an impossible result");
        goto out;
    }
    /* Verified from here on. */
    if ((rc = check_alg(jws, jws_len, algorithms)) != SAM_OK)
        goto out;
    if ((rc = sam_json_parse((const char *)payload.ptr, payload.len, &claim_limits, root)) !=
        SAM_OK) {
        char detail[512]; /* sam_error_set may write where sam_error_message points */
        (void)snprintf(detail, sizeof(detail), "%s", sam_error_message());
        rc = sam_error_set(SAM_E_SAD_INVALID, "SAD: claims: %s", detail);
    }
out:
    free(payload.ptr);
    return rc;
}

int sam_sad_check_ex(sam_verifier_t *v, const char *jws, size_t jws_len,
                     const sam_issuer_key_t *keys, size_t n_keys, const sam_sad_policy_t *policy,
                     const sam_sad_expect_t *expect, sam_sad_t **out, sam_sad_t **seen)
{
    static const sam_sad_issuer_rules_t native = {SAM_SAD_PROFILE_NATIVE, false, NULL, NULL, 0};
    const sam_sad_issuer_rules_t *rules = &native;
    int rc;
    size_t key_index = SIZE_MAX;
    sam_json_t *root = NULL;
    sam_sad_t *sad = NULL;

    if ((rc = check_args(v, jws, keys, n_keys, policy, expect, out)) != SAM_OK)
        return rc;
    *out = NULL;
    if (seen != NULL)
        *seen = NULL;
    if ((rc = sam_jws_verify_claims(v, jws, jws_len, keys, n_keys, 0, &key_index, &root)) != SAM_OK)
        goto out;
    if (policy->issuer_rules != NULL) {
        /* The rules of the key that verified, its algorithms included. */
        rules = &policy->issuer_rules[key_index];
        if ((rc = check_alg(jws, jws_len, rules->algorithms)) != SAM_OK)
            goto out;
    }
    if ((sad = calloc(1, sizeof(*sad))) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = sam_sad_read_claims(root, rules->audience ? rules->audience : policy->sam_id, rules,
                                  sad)) != SAM_OK ||
        (rc = check_claims(policy, rules, expect, keys[key_index].issuer_id, sad)) != SAM_OK)
        goto out;
    *out = sad;
    sad = NULL;
out:
    /* Signed by a trusted key, refused by a claim: what it said is worth recording. */
    if (rc != SAM_OK && seen != NULL && sad != NULL) {
        *seen = sad;
        sad = NULL;
    }
    sam_sad_free(sad);
    sam_json_free(root);
    return rc;
}

int sam_sad_check(sam_verifier_t *v, const char *jws, size_t jws_len, const sam_issuer_key_t *keys,
                  size_t n_keys, const sam_sad_policy_t *policy, const sam_sad_expect_t *expect,
                  sam_sad_t **out)
{
    return sam_sad_check_ex(v, jws, jws_len, keys, n_keys, policy, expect, out, NULL);
}
