/*
 * The claims side of sam_sad_check(): time (N4), key substitution (N7),
 * hash substitution (N8), audience and purpose (N9), level of assurance
 * (N10), strict claim types (N11), and what a valid SAD yields.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sad_fixture.h"
#include "sam/module.h"
#include "sam/plugin_loader.h"
#include "sam/rc.h"

TestSuite(sad_claims, .init = fx_setup, .fini = fx_teardown);

/* Claims with the given overrides, signed by as1; must be refused with rc and fragment. */
#define REFUSED(rc, fragment, ...)                                                                 \
    do {                                                                                           \
        char *jws_ = fx_token(fx_claims(__VA_ARGS__, NULL));                                       \
        fx_refused(jws_, rc, fragment);                                                            \
        free(jws_);                                                                                \
    } while (0)

#define ACCEPTED(...)                                                                              \
    do {                                                                                           \
        char *jws_ = fx_token(fx_claims(__VA_ARGS__, NULL));                                       \
        sam_sad_free(fx_ok(jws_));                                                                 \
        free(jws_);                                                                                \
    } while (0)

Test(sad_claims, valid_sad_yields_its_claims)
{
    char *jws =
        fx_token(fx_claims("hashes", "[\"" FX_H32_B64 "\",\"" FX_H48_B64 "\",\"" FX_H32_B64 "\"]",
                           "nbf", "1699999990", "loa", "\"high\"", NULL));
    sam_sad_t *sad = fx_ok(jws);
    cr_assert_str_eq(sad->issuer, "as1");
    cr_assert_str_eq(sad->jti, "jti-0001");
    cr_assert_str_eq(sad->subject, "signer-1");
    cr_assert_str_eq(sad->key_id, "key-1");
    cr_assert_eq(sad->purpose, SAM_SAD_PURPOSE_SIGNATURE);
    cr_assert_eq(sad->iat, FX_NOW);
    cr_assert_eq(sad->exp, FX_NOW + 60);
    cr_assert_eq(sad->nbf, FX_NOW - 10);
    cr_assert_eq(sad->n_hashes, 3);
    cr_assert_eq(sad->hashes[1].len, 48);
    cr_assert_eq(memcmp(sad->hashes[1].ptr, FX_H48, 48), 0);
    cr_assert_eq(sad->hashes[2].len, 32);
    cr_assert_eq(sad->num_signatures, 3, "default: the number of hashes");
    cr_assert_str_eq(sad->loa, "high");
    sam_sad_free(sad);
    free(jws);
}

Test(sad_claims, other_purposes_need_no_hashes)
{
    fx.expect.purpose = SAM_SAD_PURPOSE_KEY_ASSIGNMENT;
    ACCEPTED("purpose", "\"key_assignment\"", "hashes", NULL);
    fx.expect.purpose = SAM_SAD_PURPOSE_KEY_DELETION;
    ACCEPTED("purpose", "\"key_deletion\"", "hashes", NULL);
}

/* ---- N4: time ---- */

Test(sad_claims, refuses_expired_beyond_skew)
{
    REFUSED(SAM_E_SAD_EXPIRED, "SAD: expired", "iat", "1699999800", "exp", "1699999969");
    ACCEPTED("iat", "1699999800", "exp", "1699999970"); /* exp + skew == now */
}

Test(sad_claims, refuses_iat_in_the_future_beyond_skew)
{
    REFUSED(SAM_E_SAD_EXPIRED, "not yet valid (iat", "iat", "1700000031", "exp", "1700000090");
    ACCEPTED("iat", "1700000030", "exp", "1700000090");
}

Test(sad_claims, refuses_nbf_in_the_future_beyond_skew)
{
    REFUSED(SAM_E_SAD_EXPIRED, "not yet valid (nbf", "nbf", "1700000031");
    ACCEPTED("nbf", "1700000030");
}

Test(sad_claims, refuses_lifetime_above_maximum)
{
    REFUSED(SAM_E_SAD_INVALID, "lifetime above the maximum", "exp", "1700000301");
    ACCEPTED("exp", "1700000300");
    REFUSED(SAM_E_SAD_INVALID, "exp is before iat", "exp", "1699999999");
    /* Extremes do not overflow into acceptance. */
    REFUSED(SAM_E_SAD_INVALID, "lifetime above the maximum", "iat", "-9223372036854775808", "exp",
            "9223372036854775807");
    REFUSED(SAM_E_SAD_EXPIRED, "SAD: expired", "iat", "-9223372036854775808", "exp",
            "-9223372036854775800");
    REFUSED(SAM_E_SAD_EXPIRED, "not yet valid", "iat", "9223372036854775800", "exp",
            "9223372036854775807");
}

Test(sad_claims, requires_iat_exp_and_jti)
{
    REFUSED(SAM_E_SAD_INVALID, "claim \"iat\" is required", "iat", NULL);
    REFUSED(SAM_E_SAD_INVALID, "claim \"exp\" is required", "exp", NULL);
    REFUSED(SAM_E_SAD_INVALID, "claim \"jti\" is required", "jti", NULL);
    REFUSED(SAM_E_SAD_INVALID, "jti must be 1 to 256 bytes", "jti", "\"\"");
    char jti[300];
    memset(jti, 'j', sizeof(jti));
    jti[0] = '"';
    jti[258] = '"';
    jti[259] = '\0'; /* 257 bytes */
    REFUSED(SAM_E_SAD_INVALID, "jti must be 1 to 256 bytes", "jti", jti);
    jti[257] = '"';
    jti[258] = '\0'; /* 256 bytes */
    ACCEPTED("jti", jti);
}

/* ---- N7: key substitution ---- */

Test(sad_claims, refuses_other_signer_or_key)
{
    REFUSED(SAM_E_SAD_INVALID, "sub is not the signer", "sub", "\"signer-2\"");
    REFUSED(SAM_E_SAD_INVALID, "key_id is not the key", "key_id", "\"key-2\"");
    fx.expect.key_id = "key-1x"; /* a prefix is not a match, either way */
    REFUSED(SAM_E_SAD_INVALID, "key_id is not the key", "key_id", "\"key-1\"");
}

/* ---- N8: hash substitution ---- */

Test(sad_claims, refuses_hash_not_authorized)
{
    uint8_t changed[32];
    memcpy(changed, FX_H32, 32);
    changed[31] ^= 1;
    fx.want[0] = (sam_bytes_t){changed, 32};
    REFUSED(SAM_E_SAD_INVALID, "hash 0 is not authorized by the SAD", "iss", "\"as1\"");
}

Test(sad_claims, refuses_added_hash)
{
    fx.want[1] = (sam_bytes_t){FX_H64, 64};
    fx.expect.n_hashes = 2;
    REFUSED(SAM_E_SAD_INVALID, "hash 1 is not authorized by the SAD", "iss", "\"as1\"");
}

Test(sad_claims, counts_multiplicity_within_a_request)
{
    fx.want[1] = fx.want[0];
    fx.expect.n_hashes = 2;
    /* Listed once, requested twice: more often than listed (sam-v1.md: sad_exhausted). */
    REFUSED(SAM_E_SAD_EXHAUSTED, "hash 1 is requested more often than the SAD lists it", "iss",
            "\"as1\"");
    ACCEPTED("hashes", "[\"" FX_H32_B64 "\",\"" FX_H32_B64 "\"]");
    fx.want[2] = fx.want[0];
    fx.expect.n_hashes = 3;
    REFUSED(SAM_E_SAD_EXHAUSTED, "hash 2 is requested more often than the SAD lists it",
            "hashes", "[\"" FX_H32_B64 "\",\"" FX_H32_B64 "\"]");
    /* A hash not listed at all makes the SAD invalid, whatever comes before it. */
    fx.want[3] = (sam_bytes_t){FX_H64, 64};
    fx.expect.n_hashes = 4;
    REFUSED(SAM_E_SAD_INVALID, "hash 3 is not authorized by the SAD", "iss", "\"as1\"");
}

Test(sad_claims, refuses_other_length_hash)
{
    /* In the SAD: 20 bytes (SHA-1) is no allowed hash length. */
    REFUSED(SAM_E_SAD_INVALID, "hashes[1] must be 32, 48 or 64 bytes", "hashes",
            "[\"" FX_H32_B64 "\",\"AAAAAAAAAAAAAAAAAAAAAAAAAAA=\"]");
    /* In the request: a prefix of a listed hash is not that hash. */
    fx.want[0] = (sam_bytes_t){FX_H48, 32};
    REFUSED(SAM_E_SAD_INVALID, "hash 0 is not authorized", "hashes", "[\"" FX_H48_B64 "\"]");
}

Test(sad_claims, refuses_malformed_hashes)
{
    REFUSED(SAM_E_SAD_INVALID, "claim \"hashes\" is required", "hashes", NULL);
    REFUSED(SAM_E_SAD_INVALID, "must list 1 to 1000 hashes", "hashes", "[]");
    REFUSED(SAM_E_SAD_INVALID, "claim \"hashes\" must be an array", "hashes", "\"" FX_H32_B64 "\"");
    REFUSED(SAM_E_SAD_INVALID, "hashes[0] must be a string", "hashes", "[32]");
    REFUSED(SAM_E_SAD_INVALID, "hashes[0] is not base64", "hashes",
            "[\"ERERERERERERERERERERERERERERERERERERERERERE\"]"); /* no padding */
    REFUSED(SAM_E_SAD_INVALID, "hashes[0] is not base64", "hashes",
            "[\"ERERERERERERERERERERERERERERERERERERERERER-_\"]"); /* base64url */
}

Test(sad_claims, checks_num_signatures)
{
    const char *two = "[\"" FX_H32_B64 "\",\"" FX_H48_B64 "\"]";
    REFUSED(SAM_E_SAD_INVALID, "num_signatures must be 1 to the number of hashes (2)", "hashes",
            two, "num_signatures", "0");
    REFUSED(SAM_E_SAD_INVALID, "num_signatures must be 1", "hashes", two, "num_signatures", "3");
    REFUSED(SAM_E_SAD_INVALID, "claim \"num_signatures\" must be an integer", "hashes", two,
            "num_signatures", "\"1\"");
    char *jws = fx_token(fx_claims("hashes", two, "num_signatures", "1", NULL));
    sam_sad_t *sad = fx_ok(jws);
    cr_assert_eq(sad->num_signatures, 1);
    cr_assert_eq(sad->n_hashes, 2);
    sam_sad_free(sad);
    free(jws);
}

/* ---- N9: audience and purpose ---- */

Test(sad_claims, refuses_other_audience)
{
    REFUSED(SAM_E_SAD_INVALID, "audience (aud) is not this SAM", "aud", "\"sam-other\"");
    REFUSED(SAM_E_SAD_INVALID, "audience (aud) is not this SAM", "aud", "[\"a\",\"sam-test2\"]");
    REFUSED(SAM_E_SAD_INVALID, "audience (aud) is not this SAM", "aud", "[]");
    REFUSED(SAM_E_SAD_INVALID, "claim \"aud\" is required", "aud", NULL);
    REFUSED(SAM_E_SAD_INVALID, "\"aud\" must be a string or an array of strings", "aud", "7");
    REFUSED(SAM_E_SAD_INVALID, "\"aud\" must be a string or an array of strings", "aud",
            "[\"" FX_SAM_ID "\",1]");
    ACCEPTED("aud", "[\"other\",\"" FX_SAM_ID "\"]");
}

Test(sad_claims, refuses_other_purpose)
{
    REFUSED(SAM_E_SAD_INVALID, "purpose does not match this request", "purpose",
            "\"key_deletion\"");
    REFUSED(SAM_E_SAD_INVALID, "purpose is not one of", "purpose", "\"sign\"");
    fx.expect.purpose = SAM_SAD_PURPOSE_KEY_DELETION;
    REFUSED(SAM_E_SAD_INVALID, "purpose does not match this request", "iss", "\"as1\"");
}

/* ---- N10: level of assurance ---- */

Test(sad_claims, refuses_loa_below_minimum_missing_or_unknown)
{
    fx.policy.min_loa = "substantial";
    REFUSED(SAM_E_SAD_INVALID, "loa \"low\" is below the minimum \"substantial\"", "loa",
            "\"low\"");
    REFUSED(SAM_E_SAD_INVALID, "claim \"loa\" is required", "loa", NULL);
    REFUSED(SAM_E_SAD_INVALID, "loa is not a known level", "loa", "\"LOW\"");
    REFUSED(SAM_E_SAD_INVALID, "claim \"loa\" must be a string", "loa", "2");
    ACCEPTED("loa", "\"substantial\"");
    ACCEPTED("loa", "\"high\"");
}

Test(sad_claims, uses_configured_loa_levels)
{
    static const char *const levels[] = {"loa1", "loa2", "loa3", NULL};
    fx.policy.loa_levels = levels;
    fx.policy.min_loa = "loa2";
    REFUSED(SAM_E_SAD_INVALID, "below the minimum", "loa", "\"loa1\"");
    REFUSED(SAM_E_SAD_INVALID, "not a known level", "loa", "\"high\"");
    ACCEPTED("loa", "\"loa3\"");
}

Test(sad_claims, no_minimum_needs_no_loa)
{
    ACCEPTED("loa", NULL);
    ACCEPTED("loa", "\"anything\"");
}

/* ---- N11: strict types ---- */

Test(sad_claims, refuses_wrong_types)
{
    REFUSED(SAM_E_SAD_INVALID, "claim \"exp\" must be an integer", "exp", "\"1700000060\"");
    REFUSED(SAM_E_SAD_INVALID, "claim \"exp\" must be an integer", "exp", "1700000060.0");
    REFUSED(SAM_E_SAD_INVALID, "claim \"iat\" must be an integer", "iat", "null");
    REFUSED(SAM_E_SAD_INVALID, "claim \"nbf\" must be an integer", "nbf", "true");
    REFUSED(SAM_E_SAD_INVALID, "claim \"iss\" must be a string", "iss", "[\"as1\"]");
    REFUSED(SAM_E_SAD_INVALID, "claim \"sub\" must be a string", "sub", "{\"id\":\"signer-1\"}");
    REFUSED(SAM_E_SAD_INVALID, "claim \"purpose\" must be a string", "purpose", "1");
    REFUSED(SAM_E_SAD_INVALID, "claim \"key_id\" is required", "key_id", NULL);
    REFUSED(SAM_E_SAD_INVALID, "claim \"jti\" must be a string", "jti", "42");
}

Test(sad_claims, refuses_deep_nesting)
{
    REFUSED(SAM_E_SAD_INVALID, "SAD: claims:", "x", "[[[[[1]]]]]");
}

/* ---- the verifier plugin itself ---- */

Test(sad_claims, verifier_refuses_parameters)
{
    static const sam_param_t params[] = {{"cache", "1"}, {NULL, NULL}};
    sam_verifier_t *v = (sam_verifier_t *)0x1;
    sam_verifier_close(fx.verifier); /* one plugin of a name at a time */
    fx.verifier = NULL;
    cr_assert_eq(sam_verifier_open(FX_PLUGIN, params, &v), SAM_E_CONFIG, "%s", sam_error_message());
    cr_assert_null(v);
    cr_assert(strstr(sam_error_message(), "unknown parameter \"cache\"") != NULL, "%s",
              sam_error_message());
    cr_assert(strstr(sam_error_message(), FX_PLUGIN) != NULL, "%s", sam_error_message());
}

Test(sad_claims, plugin_bounds_the_payload_by_the_callers_buffer)
{
    sam_plugin_t *p = NULL;
    /* fx_setup holds the plugin already: unload it to load it bare. */
    sam_verifier_close(fx.verifier);
    fx.verifier = NULL;
    cr_assert_eq(sam_plugin_load(FX_PLUGIN, &sam_verifier_kind, &p), SAM_OK, "%s",
                 sam_error_message());
    const sam_verifier_v1_t *vt = sam_plugin_table(p);
    cr_assert_str_eq(vt->name, "jws");
    void *state = calloc(1, vt->state_size);
    cr_assert_not_null(state);
    cr_assert_eq(vt->open(state, sam_host(), NULL), SAM_OK);

    char *jws = fx_token(fx_claims(NULL));
    uint8_t small[64], big[SAM_SAD_MAX_PAYLOAD];
    sam_outbuf_t out = {small, sizeof(small), 99};
    size_t idx = 99;
    cr_assert_eq(vt->verify(state, jws, strlen(jws), fx.keys, fx.n_keys, &idx, &out),
                 SAM_E_SAD_INVALID);
    cr_assert(strstr(sam_error_message(), "payload longer than 64 bytes") != NULL, "%s",
              sam_error_message());
    cr_assert_eq(out.len, 0);
    out = (sam_outbuf_t){big, sizeof(big), 0};
    cr_assert_eq(vt->verify(state, jws, strlen(jws), fx.keys, fx.n_keys, &idx, &out), SAM_OK, "%s",
                 sam_error_message());
    cr_assert_eq(idx, 0);
    char *claims = fx_claims(NULL);
    cr_assert_eq(out.len, strlen(claims));
    cr_assert_eq(memcmp(big, claims, out.len), 0);
    free(claims);
    free(jws);
    vt->close(state);
    free(state);
    sam_plugin_unload(p);
}
