/*
 * Reading the claims of a verified SAD into a sam_sad_t. Types are strict
 * (an "exp" of "123" is refused, not converted) and every claim the SAM
 * acts on is checked for form here, before sad.c compares it with what the
 * request needs. Only called on a payload whose signature has verified.
 */
#include <stdlib.h>
#include <string.h>

#include "sad_internal.h"
#include "sam/base64.h"
#include "sam/rc.h"

#define MAX_JTI 256
#define MAX_HASH_B64 88 /* base64 of 64 bytes */

static int claim(const sam_json_t *root, const char *name, sam_json_type type, int required,
                 const sam_json_t **out)
{
    static const char *const article[] = {
        [SAM_JSON_INTEGER] = "an integer",
        [SAM_JSON_STRING] = "a string",
        [SAM_JSON_ARRAY] = "an array",
        [SAM_JSON_OBJECT] = "an object",
    };
    const sam_json_t *v = sam_json_get(root, name);

    *out = NULL;
    if (v == NULL)
        return required ? sam_error_set(SAM_E_SAD_INVALID, "SAD: claim \"%s\" is required", name)
                        : SAM_OK;
    if (v->type != type)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: claim \"%s\" must be %s", name,
                             article[type] != NULL ? article[type] : "of another type");
    *out = v;
    return SAM_OK;
}

/* A required string claim, copied into *out (malloc'd). */
int sam_claim_string(const sam_json_t *root, const char *name, char **out)
{
    const sam_json_t *v;
    int rc;

    if ((rc = claim(root, name, SAM_JSON_STRING, 1, &v)) != SAM_OK)
        return rc;
    if ((*out = strdup(v->u.str.ptr)) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    return SAM_OK;
}

int sam_claim_int(const sam_json_t *root, const char *name, int required, int64_t *out)
{
    const sam_json_t *v;
    int rc;

    if ((rc = claim(root, name, SAM_JSON_INTEGER, required, &v)) != SAM_OK)
        return rc;
    if (v != NULL)
        *out = v->u.num.integer;
    return SAM_OK;
}

/* aud: our id, as the string or as one string of an array of strings. */
int sam_claim_audience(const sam_json_t *root, const char *sam_id)
{
    const sam_json_t *aud = sam_json_get(root, "aud");
    int found = 0;

    if (aud == NULL)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: claim \"aud\" is required");
    if (aud->type == SAM_JSON_STRING) {
        found = strcmp(aud->u.str.ptr, sam_id) == 0;
    } else if (aud->type == SAM_JSON_ARRAY) {
        for (size_t i = 0; i < aud->u.arr.count; i++) {
            const sam_json_t *a = aud->u.arr.items[i];
            if (a->type != SAM_JSON_STRING)
                return sam_error_set(SAM_E_SAD_INVALID,
                                     "SAD: claim \"aud\" must be a string or an array of strings");
            found |= strcmp(a->u.str.ptr, sam_id) == 0;
        }
    } else {
        return sam_error_set(SAM_E_SAD_INVALID,
                             "SAD: claim \"aud\" must be a string or an array of strings");
    }
    if (!found)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: audience (aud) is not this SAM");
    return SAM_OK;
}

static int read_purpose(const sam_json_t *root, sam_sad_purpose *out)
{
    static const struct {
        const char *name;
        sam_sad_purpose purpose;
    } purposes[] = {
        {"signature", SAM_SAD_PURPOSE_SIGNATURE},
        {"key_assignment", SAM_SAD_PURPOSE_KEY_ASSIGNMENT},
        {"key_deletion", SAM_SAD_PURPOSE_KEY_DELETION},
    };
    const sam_json_t *v;
    int rc;

    if ((rc = claim(root, "purpose", SAM_JSON_STRING, 1, &v)) != SAM_OK)
        return rc;
    for (size_t i = 0; i < sizeof(purposes) / sizeof(purposes[0]); i++) {
        if (strcmp(v->u.str.ptr, purposes[i].name) == 0) {
            *out = purposes[i].purpose;
            return SAM_OK;
        }
    }
    return sam_error_set(SAM_E_SAD_INVALID, "SAD: purpose is not one of signature, "
                                            "key_assignment, key_deletion");
}

int sam_claim_scope(const sam_json_t *root, const char *want)
{
    const sam_json_t *v;
    size_t wlen = strlen(want);
    int rc;

    if ((rc = claim(root, "scope", SAM_JSON_STRING, 1, &v)) != SAM_OK)
        return rc;
    for (const char *p = v->u.str.ptr; *p != '\0';) {
        size_t n = strcspn(p, " ");
        if (n == wlen && strncmp(p, want, n) == 0)
            return SAM_OK;
        p += n;
        p += strspn(p, " ");
    }
    return sam_error_set(SAM_E_SAD_INVALID, "SAD: scope does not hold \"%s\"", want);
}

/* Where a profile keeps the hashes and their count. */
typedef struct {
    const char *hashes;  /* array of standard base64 hashes */
    const char *count;   /* integer */
    bool count_required; /* even with hashes */
} hash_claims_t;

static const hash_claims_t native_names = {"hashes", "num_signatures", false};
static const hash_claims_t oauth2_names = {"hash", "numSignatures", true};

/* The count of a SAD: 1..max; default (when absent and allowed) the number of hashes. */
static int read_count(const sam_json_t *root, const hash_claims_t *names, bool required, size_t max,
                      sam_sad_t *sad)
{
    const sam_json_t *num;
    int rc;

    sad->num_signatures = (uint32_t)sad->n_hashes;
    if ((rc = claim(root, names->count, SAM_JSON_INTEGER, required, &num)) != SAM_OK || num == NULL)
        return rc;
    if (num->u.num.integer < 1 || (uint64_t)num->u.num.integer > max)
        return sad->n_hashes > 0 ? sam_error_set(SAM_E_SAD_INVALID,
                                                 "SAD: %s must be 1 to the number of hashes (%zu)",
                                                 names->count, max)
                                 : sam_error_set(SAM_E_SAD_INVALID, "SAD: %s must be 1 to %zu",
                                                 names->count, max);
    sad->num_signatures = (uint32_t)num->u.num.integer;
    return SAM_OK;
}

/*
 * The hashes (standard base64 of 32, 48 or 64 bytes, duplicates kept) and
 * the count (1..number of hashes, default all). One allocation holds the
 * sam_bytes_t array followed by the bytes, so sad->hashes frees both.
 * Without the hashes claim, where hashless_ok, the SAD authorizes any hashes
 * up to its count, which is then required (1..SAM_SAD_MAX_HASHES).
 */
static int read_hashes(const sam_json_t *root, const hash_claims_t *names, bool hashless_ok,
                       sam_sad_t *sad)
{
    const sam_json_t *arr;
    uint8_t *data;
    size_t n;
    int rc;

    if ((rc = claim(root, names->hashes, SAM_JSON_ARRAY, !hashless_ok, &arr)) != SAM_OK)
        return rc;
    if (arr == NULL) /* hashless: the count is all there is */
        return read_count(root, names, true, SAM_SAD_MAX_HASHES, sad);
    n = arr->u.arr.count;
    if (n == 0 || n > SAM_SAD_MAX_HASHES)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: claim \"%s\" must list 1 to %d hashes",
                             names->hashes, SAM_SAD_MAX_HASHES);
    if ((sad->hashes = malloc(n * (sizeof(sam_bytes_t) + 64))) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    data = (uint8_t *)(sad->hashes + n);
    for (size_t i = 0; i < n; i++) {
        const sam_json_t *h = arr->u.arr.items[i];
        uint8_t tmp[MAX_HASH_B64 / 4 * 3 + 3];
        size_t len = 0;

        if (h->type != SAM_JSON_STRING)
            return sam_error_set(SAM_E_SAD_INVALID, "SAD: %s[%zu] must be a string", names->hashes,
                                 i);
        if (h->u.str.len > MAX_HASH_B64 ||
            sam_base64_decode(h->u.str.ptr, h->u.str.len, tmp, &len) != SAM_OK)
            return sam_error_set(SAM_E_SAD_INVALID,
                                 "SAD: %s[%zu] is not base64 of a 32, 48 or 64 byte hash",
                                 names->hashes, i);
        if (len != 32 && len != 48 && len != 64)
            return sam_error_set(SAM_E_SAD_INVALID,
                                 "SAD: %s[%zu] must be 32, 48 or 64 bytes, not %zu", names->hashes,
                                 i, len);
        memcpy(data + i * 64, tmp, len);
        sad->hashes[i].ptr = data + i * 64;
        sad->hashes[i].len = len;
        sad->n_hashes = i + 1;
    }
    return read_count(root, names, names->count_required, n, sad);
}

/* The claims every profile shares: iss, aud, sub, iat, exp, nbf, jti, loa. */
static int read_common(const sam_json_t *root, const char *audience, sam_sad_t *sad)
{
    const sam_json_t *v;
    int rc;

    if ((rc = sam_claim_string(root, "iss", &sad->issuer)) != SAM_OK ||
        (rc = sam_claim_audience(root, audience)) != SAM_OK ||
        (rc = sam_claim_string(root, "sub", &sad->subject)) != SAM_OK ||
        (rc = sam_claim_int(root, "iat", 1, &sad->iat)) != SAM_OK ||
        (rc = sam_claim_int(root, "exp", 1, &sad->exp)) != SAM_OK ||
        (rc = sam_claim_int(root, "nbf", 0, &sad->nbf)) != SAM_OK ||
        (rc = sam_claim_string(root, "jti", &sad->jti)) != SAM_OK)
        return rc;
    if (sad->jti[0] == '\0' || strlen(sad->jti) > MAX_JTI)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: jti must be 1 to %d bytes", MAX_JTI);
    if ((rc = claim(root, "loa", SAM_JSON_STRING, 0, &v)) != SAM_OK)
        return rc;
    if (v != NULL && (sad->loa = strdup(v->u.str.ptr)) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    return SAM_OK;
}

int sam_sad_read_claims(const sam_json_t *root, const char *audience,
                        const sam_sad_issuer_rules_t *rules, sam_sad_t *sad)
{
    int rc;

    if (root->type != SAM_JSON_OBJECT)
        return sam_error_set(SAM_E_SAD_INVALID, "SAD: claims are not a JSON object");
    if ((rc = read_common(root, audience, sad)) != SAM_OK)
        return rc;
    if (rules->profile == SAM_SAD_PROFILE_CSC_OAUTH2) {
        /* An access token with scope "credential" is a signature SAD for one credential. */
        sad->purpose = SAM_SAD_PURPOSE_SIGNATURE;
        if ((rc = sam_claim_scope(root, "credential")) != SAM_OK ||
            (rc = sam_claim_string(root, "credentialID", &sad->credential_id)) != SAM_OK)
            return rc;
        return read_hashes(root, &oauth2_names, rules->hashless_ok, sad);
    }
    if ((rc = sam_claim_string(root, "key_id", &sad->key_id)) != SAM_OK ||
        (rc = read_purpose(root, &sad->purpose)) != SAM_OK)
        return rc;
    /* Hashes matter only to a signature SAD; the others authorize no hash. */
    if (sad->purpose == SAM_SAD_PURPOSE_SIGNATURE)
        return read_hashes(root, &native_names, rules->hashless_ok, sad);
    return SAM_OK;
}
