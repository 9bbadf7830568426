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

/* iat/exp/nbf against the policy's clock; overflow-safe for any int64 claim. */
static int check_time(const sam_sad_policy_t *policy, const sam_sad_t *sad)
{
    int64_t life, t;

    if (sad->exp < sad->iat)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: exp is before iat");
    if (__builtin_sub_overflow(sad->exp, sad->iat, &life) || life > policy->max_lifetime)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: lifetime above the maximum of %lld seconds",
                             (long long)policy->max_lifetime);
    if (!__builtin_add_overflow(sad->exp, policy->clock_skew, &t) && t < policy->now)
        return sam_error_set(SAM_E_SAD_EXPIRED, "SAD: expired");
    if (!__builtin_sub_overflow(sad->iat, policy->clock_skew, &t) && t > policy->now)
        return sam_error_set(SAM_E_SAD_EXPIRED, "SAD: not yet valid (iat in the future)");
    if (!__builtin_sub_overflow(sad->nbf, policy->clock_skew, &t) && t > policy->now)
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
static int check_claims(const sam_sad_policy_t *policy, const sam_sad_expect_t *expect,
                        const char *issuer_id, const sam_sad_t *sad)
{
    int rc;

    if (strcmp(sad->issuer, issuer_id) != 0)
        return sam_error_set(SAM_E_SAD_INVALID,
                             "SAD: iss is not the authorization server whose key signed it");
    if (sad->purpose != expect->purpose)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: purpose does not match this request");
    if (strcmp(sad->subject, expect->signer_id) != 0)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: sub is not the signer of this request");
    if (strcmp(sad->key_id, expect->key_id) != 0)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: key_id is not the key of this request");
    if ((rc = check_time(policy, sad)) != SAM_OK || (rc = check_loa(policy, sad->loa)) != SAM_OK)
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

int sam_sad_check(sam_verifier_t *v, const char *jws, size_t jws_len, const sam_issuer_key_t *keys,
                  size_t n_keys, const sam_sad_policy_t *policy, const sam_sad_expect_t *expect,
                  sam_sad_t **out)
{
    int rc;
    sam_outbuf_t payload = {NULL, SAM_SAD_MAX_PAYLOAD, 0};
    size_t key_index = SIZE_MAX;
    sam_json_t *root = NULL;
    sam_sad_t *sad = NULL;

    if ((rc = check_args(v, jws, keys, n_keys, policy, expect, out)) != SAM_OK)
        return rc;
    *out = NULL;
    if (jws_len > SAM_SAD_MAX_BYTES)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: longer than %d bytes", SAM_SAD_MAX_BYTES);
    if ((payload.ptr = malloc(payload.cap)) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    sam_error_clear();
    if ((rc = sam_verifier_verify(v, jws, jws_len, keys, n_keys, &key_index, &payload)) != SAM_OK) {
        if (rc > 0) /* not a sam_rc: the plugin broke its contract */
            rc = sam_error_set(SAM_E_PLUGIN, "SAD verifier returned %d", rc);
        goto out;
    }
    if (key_index >= n_keys || payload.len > payload.cap) {
        rc = sam_error_set(SAM_E_PLUGIN, "SAD verifier returned an impossible result");
        goto out;
    }
    /* Verified from here on. */
    if ((rc = sam_json_parse((const char *)payload.ptr, payload.len, &claim_limits, &root)) !=
        SAM_OK) {
        char detail[512]; /* sam_error_set may write where sam_error_message points */
        (void)snprintf(detail, sizeof(detail), "%s", sam_error_message());
        rc = sam_error_set(SAM_E_SAD_INVALID, "SAD: claims: %s", detail);
        goto out;
    }
    if ((sad = calloc(1, sizeof(*sad))) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = sam_sad_read_claims(root, policy->sam_id, sad)) != SAM_OK ||
        (rc = check_claims(policy, expect, keys[key_index].issuer_id, sad)) != SAM_OK)
        goto out;
    *out = sad;
    sad = NULL;
out:
    sam_sad_free(sad);
    sam_json_free(root);
    free(payload.ptr);
    return rc;
}
