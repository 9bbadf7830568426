/*
 * The issuer rules of sam_sad_check() (sad.h): hashless SADs only where the
 * caller's rules allow them (CSC SCAL 1; never by default, as on /sam/v1),
 * the CSC_OAUTH2 claim profile (scope "credential", credentialID, hash,
 * numSignatures), a per-issuer audience and algorithm list; and
 * sam_access_token_check(), the service tokens of an external OAuth2 server
 * on the same JWS path.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sad_fixture.h"
#include "sam/config.h"
#include "sam/rc.h"

static sam_sad_issuer_rules_t rules[4];

static void setup(void)
{
    fx_setup();
    memset(rules, 0, sizeof(rules));
}

TestSuite(sad_profiles, .init = setup, .fini = fx_teardown);

/* Claims with overrides, signed by as1; checked against the fixture's request. */
#define REFUSED(rc, fragment, ...)                                                                 \
    do {                                                                                           \
        char *jws_ = fx_token(fx_claims(__VA_ARGS__, NULL));                                       \
        fx_refused(jws_, rc, fragment);                                                            \
        free(jws_);                                                                                \
    } while (0)

static sam_sad_t *accepted(char *claims)
{
    char *jws = fx_token(claims);
    sam_sad_t *sad = fx_ok(jws);
    free(jws);
    return sad;
}

/* Three distinct hashes to ask for. */
static const uint8_t H_A[32] = {[0 ... 31] = 0xa1}, H_B[32] = {[0 ... 31] = 0xb2},
                     H_C[32] = {[0 ... 31] = 0xc3};

static void expect_abc(size_t n)
{
    fx.want[0] = (sam_bytes_t){H_A, 32};
    fx.want[1] = (sam_bytes_t){H_B, 32};
    fx.want[2] = (sam_bytes_t){H_C, 32};
    fx.expect.n_hashes = n;
}

/* ---- hashless SADs ---- */

Test(sad_profiles, hashless_refused_without_rules)
{
    /* /sam/v1 passes no rules: a native SAD must list its hashes (sam-v1.md). */
    REFUSED(SAM_E_SAD_INVALID, "claim \"hashes\" is required", "hashes", NULL, "num_signatures",
            "3");
    rules[0] = (sam_sad_issuer_rules_t){SAM_SAD_PROFILE_NATIVE, false, NULL, NULL, 0};
    fx.policy.issuer_rules = rules;
    REFUSED(SAM_E_SAD_INVALID, "claim \"hashes\" is required", "hashes", NULL, "num_signatures",
            "3");
}

Test(sad_profiles, hashless_accepted_for_any_hashes_up_to_the_count)
{
    rules[0].hashless_ok = true;
    fx.policy.issuer_rules = rules;
    expect_abc(3);
    sam_sad_t *sad = accepted(fx_claims("hashes", NULL, "num_signatures", "3", NULL));
    cr_assert_eq(sad->n_hashes, 0);
    cr_assert_null(sad->hashes);
    cr_assert_eq(sad->num_signatures, 3);
    sam_sad_free(sad);
    /* More hashes in one request than the count: usage, refused before the store. */
    REFUSED(SAM_E_SAD_EXHAUSTED, "the SAD allows 2 signatures", "hashes", NULL, "num_signatures",
            "2");
}

Test(sad_profiles, hashless_needs_its_count)
{
    rules[0].hashless_ok = true;
    fx.policy.issuer_rules = rules;
    REFUSED(SAM_E_SAD_INVALID, "claim \"num_signatures\" is required", "hashes", NULL);
    REFUSED(SAM_E_SAD_INVALID, "num_signatures must be 1 to 1000", "hashes", NULL, "num_signatures",
            "0");
    REFUSED(SAM_E_SAD_INVALID, "num_signatures must be 1 to 1000", "hashes", NULL, "num_signatures",
            "1001");
    REFUSED(SAM_E_SAD_INVALID, "\"num_signatures\" must be an integer", "hashes", NULL,
            "num_signatures", "\"3\"");
}

Test(sad_profiles, hashless_rules_keep_listed_hashes_binding)
{
    /* A SAD that does list hashes is held to them even where hashless ones are allowed. */
    rules[0].hashless_ok = true;
    fx.policy.issuer_rules = rules;
    expect_abc(1);
    REFUSED(SAM_E_SAD_INVALID, "hash 0 is not authorized", "hashes", "[\"" FX_H32_B64 "\"]");
}

Test(sad_profiles, rules_follow_the_key_that_verified)
{
    /* as2 may issue hashless SADs, as1 may not: as1's hashless SAD stays refused. */
    EVP_PKEY *as2 = mint_ec_key("P-256");
    fx_add_key("as2", "k2", as2);
    rules[1].hashless_ok = true;
    fx.policy.issuer_rules = rules;
    REFUSED(SAM_E_SAD_INVALID, "claim \"hashes\" is required", "hashes", NULL, "num_signatures",
            "1");
    char *claims = fx_claims("iss", "\"as2\"", "hashes", NULL, "num_signatures", "1", NULL);
    char *jws = mint_jws(as2, "ES256", "{\"alg\":\"ES256\",\"kid\":\"k2\"}", claims);
    sam_sad_t *sad = fx_ok(jws);
    cr_assert_eq(sad->n_hashes, 0);
    sam_sad_free(sad);
    free(jws);
    free(claims);
    EVP_PKEY_free(as2);
}

/* ---- the CSC_OAUTH2 profile ---- */

static void oauth2_rules(bool hashless)
{
    rules[0] = (sam_sad_issuer_rules_t){SAM_SAD_PROFILE_CSC_OAUTH2, hashless, "cred-1",
                                        "https://sam.example", 0};
    fx.policy.issuer_rules = rules;
}

/* An access token of the credential profile (docs/api-csc.md, "oauth2code"). */
static const char *const oauth2_defaults[][2] = {
    {"iss", "\"as1\""},
    {"aud", "\"https://sam.example\""},
    {"sub", "\"signer-1\""},
    {"scope", "\"openid credential\""},
    {"credentialID", "\"cred-1\""},
    {"hash", "[\"" FX_H32_B64 "\"]"},
    {"numSignatures", "1"},
    {"iat", "1700000000"},
    {"exp", "1700000060"},
    {"jti", "\"jti-0001\""},
};
#define OAUTH2(...)                                                                                \
    fx_claims_with(oauth2_defaults, sizeof(oauth2_defaults) / sizeof(oauth2_defaults[0]),          \
                   __VA_ARGS__)

Test(sad_profiles, oauth2_credential_token_yields_its_claims)
{
    oauth2_rules(false);
    sam_sad_t *sad = accepted(OAUTH2(NULL));
    cr_assert_eq(sad->purpose, SAM_SAD_PURPOSE_SIGNATURE);
    cr_assert_str_eq(sad->credential_id, "cred-1");
    cr_assert_null(sad->key_id);
    cr_assert_eq(sad->n_hashes, 1);
    cr_assert_eq(memcmp(sad->hashes[0].ptr, FX_H32, 32), 0);
    cr_assert_eq(sad->num_signatures, 1);
    cr_assert_str_eq(sad->subject, "signer-1");
    cr_assert_str_eq(sad->jti, "jti-0001");
    sam_sad_free(sad);
}

static void oauth2_refused(char *claims, int rc, const char *fragment)
{
    char *jws = fx_token(claims);
    fx_refused(jws, rc, fragment);
    free(jws);
}

Test(sad_profiles, oauth2_refusals)
{
    oauth2_rules(false);
    oauth2_refused(OAUTH2("scope", "\"service\"", NULL), SAM_E_SAD_INVALID,
                   "scope does not hold \"credential\"");
    oauth2_refused(OAUTH2("scope", NULL, NULL), SAM_E_SAD_INVALID, "claim \"scope\" is required");
    oauth2_refused(OAUTH2("scope", "\"credentials\"", NULL), SAM_E_SAD_INVALID,
                   "scope does not hold");
    oauth2_refused(OAUTH2("credentialID", "\"cred-2\"", NULL), SAM_E_SAD_INVALID,
                   "credentialID is not the credential of this request");
    oauth2_refused(OAUTH2("credentialID", NULL, NULL), SAM_E_SAD_INVALID,
                   "claim \"credentialID\" is required");
    oauth2_refused(OAUTH2("numSignatures", NULL, NULL), SAM_E_SAD_INVALID,
                   "claim \"numSignatures\" is required");
    oauth2_refused(OAUTH2("numSignatures", "2", NULL), SAM_E_SAD_INVALID,
                   "numSignatures must be 1 to the number of hashes (1)");
    oauth2_refused(OAUTH2("hash", NULL, NULL), SAM_E_SAD_INVALID, "claim \"hash\" is required");
    oauth2_refused(OAUTH2("hash", "[\"" FX_H48_B64 "\"]", NULL), SAM_E_SAD_INVALID,
                   "hash 0 is not authorized by the SAD");
    oauth2_refused(OAUTH2("aud", "\"" FX_SAM_ID "\"", NULL), SAM_E_SAD_INVALID,
                   "audience (aud) is not this SAM");
    oauth2_refused(OAUTH2("sub", "\"signer-2\"", NULL), SAM_E_SAD_INVALID, "sub is not the signer");
    oauth2_refused(OAUTH2("iat", "1699990000", "exp", "1699990060", NULL), SAM_E_SAD_EXPIRED,
                   "SAD: expired");
    oauth2_refused(OAUTH2("jti", NULL, NULL), SAM_E_SAD_INVALID, "claim \"jti\" is required");
}

Test(sad_profiles, oauth2_scal1_token_may_list_no_hash)
{
    oauth2_rules(false);
    oauth2_refused(OAUTH2("hash", NULL, "numSignatures", "2", NULL), SAM_E_SAD_INVALID,
                   "claim \"hash\" is required");
    oauth2_rules(true);
    expect_abc(2);
    sam_sad_t *sad = accepted(OAUTH2("hash", NULL, "numSignatures", "2", NULL));
    cr_assert_eq(sad->n_hashes, 0);
    cr_assert_eq(sad->num_signatures, 2);
    sam_sad_free(sad);
}

Test(sad_profiles, native_sad_is_no_oauth2_token)
{
    /* The fixture's native SAD has no scope or credentialID. */
    oauth2_rules(false);
    REFUSED(SAM_E_SAD_INVALID, "audience (aud) is not this SAM", "jti", "\"j\"");
    REFUSED(SAM_E_SAD_INVALID, "claim \"scope\" is required", "aud", "\"https://sam.example\"");
}

Test(sad_profiles, algorithms_of_the_issuer)
{
    rules[0].algorithms = SAM_SIGALG_RS256 | SAM_SIGALG_PS256;
    fx.policy.issuer_rules = rules;
    REFUSED(SAM_E_SAD_INVALID, "alg is not one this issuer may use", "jti", "\"j\"");
    rules[0].algorithms = SAM_SIGALG_ES256;
    sam_sad_free(accepted(fx_claims(NULL, NULL)));
}

/* ---- service tokens ---- */

static const char *const service_defaults[][2] = {
    {"iss", "\"as1\""},      {"aud", "\"https://sam.example\""},
    {"sub", "\"signer-1\""}, {"scope", "\"service\""},
    {"iat", "1699990000"},   {"exp", "1700003600"},
};

static int service(const char *name, const char *value, char **sub)
{
    char *claims =
        fx_claims_with(service_defaults, sizeof(service_defaults) / sizeof(service_defaults[0]),
                       name, value, NULL);
    char *jws = fx_token(claims);
    int rc = sam_access_token_check(fx.verifier, jws, strlen(jws), fx.keys, fx.n_keys, &fx.policy,
                                    "https://sam.example", 0, "service", sub);
    free(jws);
    return rc;
}

Test(sad_profiles, service_token_accepted_without_lifetime_cap)
{
    char *sub = NULL;
    int rc = service(NULL, NULL, &sub);
    cr_assert_eq(rc, SAM_OK, "%s", sam_error_message());
    cr_assert_str_eq(sub, "signer-1");
    free(sub);
}

Test(sad_profiles, service_token_refusals)
{
    char *sub = (char *)0x1;
    cr_assert_eq(service("scope", "\"credential\"", &sub), SAM_E_SAD_INVALID);
    cr_assert_null(sub);
    cr_assert(strstr(sam_error_message(), "scope does not hold \"service\"") != NULL);
    cr_assert_eq(service("aud", "\"other\"", &sub), SAM_E_SAD_INVALID);
    cr_assert_eq(service("iss", "\"as2\"", &sub), SAM_E_SAD_INVALID);
    cr_assert(strstr(sam_error_message(), "iss is not the authorization server") != NULL);
    cr_assert_eq(service("exp", "1699999960", &sub), SAM_E_SAD_EXPIRED);
    cr_assert_eq(service("nbf", "1700000100", &sub), SAM_E_SAD_EXPIRED);
    cr_assert_eq(service("sub", NULL, &sub), SAM_E_SAD_INVALID);
    cr_assert_eq(service("sub", "\"\"", &sub), SAM_E_SAD_INVALID);
    cr_assert_eq(service("iat", "\"1700000000\"", &sub), SAM_E_SAD_INVALID);
    cr_assert_null(sub);
}

Test(sad_profiles, service_token_alg_none_and_hs256_refused)
{
    const char *claims = "{\"iss\":\"as1\",\"aud\":\"a\",\"sub\":\"u\",\"scope\":\"service\","
                         "\"iat\":1700000000,\"exp\":1700000060}";
    const char *hh = "{\"alg\":\"HS256\",\"kid\":\"k1\"}";
    size_t n = 0;
    uint8_t *mac = mint_hs256(fx.as1_spki, fx.as1_spki_len, hh, claims, &n);
    char *hs = mint_join(hh, claims, strlen(claims), mac, n);
    char *none = mint_join("{\"alg\":\"none\"}", claims, strlen(claims), NULL, 0);
    char *sub = NULL;

    cr_assert_eq(sam_access_token_check(fx.verifier, hs, strlen(hs), fx.keys, fx.n_keys, &fx.policy,
                                        "a", 0, "service", &sub),
                 SAM_E_SAD_INVALID);
    cr_assert(strstr(sam_error_message(), "HS256") != NULL, "%s", sam_error_message());
    cr_assert_eq(sam_access_token_check(fx.verifier, none, strlen(none), fx.keys, fx.n_keys,
                                        &fx.policy, "a", 0, "service", &sub),
                 SAM_E_SAD_INVALID);
    cr_assert(strstr(sam_error_message(), "none") != NULL, "%s", sam_error_message());
    cr_assert_null(sub);
    free(mac);
    free(hs);
    free(none);
}
