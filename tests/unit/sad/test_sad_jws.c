/*
 * The JWS side of the SAD check, through sam_sad_check() and the real
 * sam_verifier_jws.so: signatures (N1), keys and kids (N2), algorithm
 * confusion (N3), malformed tokens (N11), and every allowed algorithm.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sad_fixture.h"
#include "sam/rc.h"

TestSuite(sad_jws, .init = fx_setup, .fini = fx_teardown);

#define HDR_ES256 "{\"alg\":\"ES256\",\"kid\":\"k1\"}"

/* A token for the default claims, signed with key as sign_alg under header. */
static char *signed_by(EVP_PKEY *key, const char *sign_alg, const char *header)
{
    char *claims = fx_claims(NULL);
    char *jws = mint_jws(key, sign_alg, header, claims);
    free(claims);
    return jws;
}

/* ---- success paths, one per algorithm family and size ---- */

static void accepted_with(EVP_PKEY *key, const char *alg)
{
    char header[64];
    snprintf(header, sizeof(header), "{\"alg\":\"%s\"}", alg);
    fx.n_keys = 0;
    fx_add_key("as1", NULL, key);
    char *jws = signed_by(key, alg, header);
    sam_sad_t *sad = fx_ok(jws);
    cr_assert_str_eq(sad->issuer, "as1");
    cr_assert_str_eq(sad->jti, "jti-0001");
    sam_sad_free(sad);
    free(jws);
}

Test(sad_jws, accepts_rs256)
{
    EVP_PKEY *k = mint_rsa_key(2048);
    accepted_with(k, "RS256");
    EVP_PKEY_free(k);
}

Test(sad_jws, accepts_ps384)
{
    EVP_PKEY *k = mint_rsa_key(2048);
    accepted_with(k, "PS384");
    EVP_PKEY_free(k);
}

Test(sad_jws, accepts_es256_es384_es512)
{
    EVP_PKEY *k256 = mint_ec_key("P-256"), *k384 = mint_ec_key("P-384"),
             *k521 = mint_ec_key("P-521");
    accepted_with(k256, "ES256");
    accepted_with(k384, "ES384");
    accepted_with(k521, "ES512");
    EVP_PKEY_free(k256);
    EVP_PKEY_free(k384);
    EVP_PKEY_free(k521);
}

Test(sad_jws, picks_the_key_that_verified)
{
    EVP_PKEY *other = mint_ec_key("P-256");
    fx.n_keys = 0;
    fx_add_key("as0", NULL, other);
    fx_add_key("as1", NULL, fx.as1);
    char *jws = signed_by(fx.as1, "ES256", "{\"alg\":\"ES256\"}");
    sam_sad_t *sad = fx_ok(jws);
    cr_assert_str_eq(sad->issuer, "as1");
    sam_sad_free(sad);
    free(jws);
    EVP_PKEY_free(other);
}

Test(sad_jws, key_without_kid_accepts_any_header_kid)
{
    fx.keys[0].kid = NULL; /* config.h: an AS without a kid does not check the header's */
    char *jws = signed_by(fx.as1, "ES256", "{\"alg\":\"ES256\",\"kid\":\"whatever\"}");
    sam_sad_free(fx_ok(jws));
    free(jws);
}

/* ---- N1: a flipped bit ---- */

Test(sad_jws, refuses_bit_flipped_in_payload)
{
    char *claims = fx_claims(NULL);
    size_t sig_len = 0;
    uint8_t *sig = mint_sign(fx.as1, "ES256", HDR_ES256, claims, &sig_len);
    char *p = strstr(claims, "signer-1");
    p[7] ^= 0x01; /* signer-1 -> signer-0 */
    char *jws = mint_join(HDR_ES256, claims, strlen(claims), sig, sig_len);
    fx_refused(jws, SAM_E_SAD_INVALID, "signature does not verify");
    free(jws);
    free(sig);
    free(claims);
}

static void flip_signature_bit(EVP_PKEY *key, const char *alg, const char *header)
{
    char *claims = fx_claims(NULL);
    size_t sig_len = 0;
    uint8_t *sig = mint_sign(key, alg, header, claims, &sig_len);
    sig[sig_len / 2] ^= 0x08;
    char *jws = mint_join(header, claims, strlen(claims), sig, sig_len);
    fx_refused(jws, SAM_E_SAD_INVALID, "signature does not verify");
    free(jws);
    free(sig);
    free(claims);
}

Test(sad_jws, refuses_bit_flipped_in_signature)
{
    flip_signature_bit(fx.as1, "ES256", HDR_ES256);
    EVP_PKEY *rsa = mint_rsa_key(2048);
    fx_add_key("as1", "r1", rsa);
    flip_signature_bit(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"r1\"}");
    flip_signature_bit(rsa, "PS256", "{\"alg\":\"PS256\",\"kid\":\"r1\"}");
    EVP_PKEY_free(rsa);
}

/* ---- N2: keys ---- */

Test(sad_jws, refuses_unregistered_key)
{
    EVP_PKEY *stranger = mint_ec_key("P-256");
    char *jws = signed_by(stranger, "ES256", "{\"alg\":\"ES256\"}");
    fx_refused(jws, SAM_E_SAD_INVALID, "signature does not verify");
    free(jws);
    EVP_PKEY_free(stranger);
}

Test(sad_jws, refuses_unknown_kid)
{
    char *jws = signed_by(fx.as1, "ES256", "{\"alg\":\"ES256\",\"kid\":\"k2\"}");
    fx_refused(jws, SAM_E_SAD_INVALID, "kid names no key");
    free(jws);
}

Test(sad_jws, refuses_self_made_key_under_registered_name)
{
    /* iss "as1", kid "k1", alg of as1's key: everything but the key itself. */
    EVP_PKEY *forger = mint_ec_key("P-256");
    char *jws = signed_by(forger, "ES256", HDR_ES256);
    fx_refused(jws, SAM_E_SAD_INVALID, "signature does not verify");
    free(jws);
    EVP_PKEY_free(forger);
}

Test(sad_jws, refuses_when_no_issuer_is_trusted)
{
    char *jws = signed_by(fx.as1, "ES256", HDR_ES256);
    fx.n_keys = 0;
    fx_refused(jws, SAM_E_SAD_INVALID, "no key of a trusted authorization server");
    free(jws);
}

Test(sad_jws, refuses_iss_of_another_trusted_issuer)
{
    /* Signed by as1's key, claiming to come from as2 (also trusted). */
    EVP_PKEY *as2 = mint_ec_key("P-256");
    fx_add_key("as2", "k2", as2);
    char *jws = fx_token(fx_claims("iss", "\"as2\"", NULL));
    fx_refused(jws, SAM_E_SAD_INVALID, "iss is not the authorization server");
    free(jws);
    EVP_PKEY_free(as2);
}

/* ---- N3: algorithm confusion ---- */

Test(sad_jws, refuses_alg_none)
{
    char *jws = signed_by(NULL, "none", "{\"alg\":\"none\"}");
    cr_assert(jws[strlen(jws) - 1] == '.', "empty signature");
    fx_refused(jws, SAM_E_SAD_INVALID, "alg \"none\" is not allowed");
    free(jws);
}

Test(sad_jws, refuses_hs256_keyed_with_the_as_public_key)
{
    char *claims = fx_claims(NULL);
    size_t n = 0;
    const char *h = "{\"alg\":\"HS256\",\"kid\":\"k1\"}";
    uint8_t *mac = mint_hs256(fx.as1_spki, fx.as1_spki_len, h, claims, &n);
    char *jws = mint_join(h, claims, strlen(claims), mac, n);
    fx_refused(jws, SAM_E_SAD_INVALID, "alg \"HS256\" is not allowed");
    free(jws);
    free(mac);
    free(claims);
}

Test(sad_jws, refuses_unknown_alg_without_echoing_odd_text)
{
    char *jws = signed_by(fx.as1, "ES256", "{\"alg\":\"EdDSA\"}");
    fx_refused(jws, SAM_E_SAD_INVALID, "alg \"EdDSA\" is not allowed");
    free(jws);
    jws = signed_by(fx.as1, "ES256", "{\"alg\":\"ES256\\n<b>x</b>\"}");
    fx_refused(jws, SAM_E_SAD_INVALID, "SAD: alg is not allowed");
    free(jws);
}

Test(sad_jws, refuses_es256_with_rsa_key)
{
    EVP_PKEY *rsa = mint_rsa_key(2048), *ec = mint_ec_key("P-256");
    fx.n_keys = 0;
    fx_add_key("as1", NULL, rsa);
    char *jws = signed_by(ec, "ES256", "{\"alg\":\"ES256\"}");
    fx_refused(jws, SAM_E_SAD_INVALID, "alg \"ES256\" does not fit");
    free(jws);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
}

Test(sad_jws, refuses_es384_with_p256_key)
{
    EVP_PKEY *p384 = mint_ec_key("P-384");
    char *jws = signed_by(p384, "ES384", "{\"alg\":\"ES384\",\"kid\":\"k1\"}");
    fx_refused(jws, SAM_E_SAD_INVALID, "alg \"ES384\" does not fit");
    free(jws);
    EVP_PKEY_free(p384);
}

Test(sad_jws, refuses_rs256_with_ec_key)
{
    EVP_PKEY *rsa = mint_rsa_key(2048);
    char *jws = signed_by(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"k1\"}");
    fx_refused(jws, SAM_E_SAD_INVALID, "alg \"RS256\" does not fit");
    free(jws);
    EVP_PKEY_free(rsa);
}

Test(sad_jws, refuses_rsa_key_below_2048_bits)
{
    EVP_PKEY *rsa = mint_rsa_key(1024);
    fx.n_keys = 0;
    fx_add_key("as1", NULL, rsa);
    char *jws = signed_by(rsa, "RS256", "{\"alg\":\"RS256\"}");
    fx_refused(jws, SAM_E_SAD_INVALID, "alg \"RS256\" does not fit");
    free(jws);
    EVP_PKEY_free(rsa);
}

Test(sad_jws, refuses_pkcs1_signature_under_ps256_header)
{
    EVP_PKEY *rsa = mint_rsa_key(2048);
    fx.n_keys = 0;
    fx_add_key("as1", NULL, rsa);
    char *claims = fx_claims(NULL);
    const char *h = "{\"alg\":\"PS256\"}";
    size_t n = 0;
    uint8_t *sig = mint_sign(rsa, "RS256", h, claims, &n);
    char *jws = mint_join(h, claims, strlen(claims), sig, n);
    fx_refused(jws, SAM_E_SAD_INVALID, "signature does not verify");
    free(jws);
    free(sig);
    free(claims);
    EVP_PKEY_free(rsa);
}

Test(sad_jws, refuses_crit_and_b64_false)
{
    char *jws = signed_by(fx.as1, "ES256", "{\"alg\":\"ES256\",\"crit\":[\"exp\"],\"exp\":1}");
    fx_refused(jws, SAM_E_SAD_INVALID, "\"crit\"");
    free(jws);
    jws = signed_by(fx.as1, "ES256", "{\"alg\":\"ES256\",\"b64\":false}");
    fx_refused(jws, SAM_E_SAD_INVALID, "b64");
    free(jws);
}

Test(sad_jws, refuses_bad_headers)
{
    static const struct {
        const char *header, *why;
    } cases[] = {
        {"[\"ES256\"]", "header is not a JSON object"},
        {"\"ES256\"", "header is not a JSON object"},
        {"{\"alg\":\"ES256\",\"alg\":\"ES256\"}", "duplicate member"},
        {"{\"alg\":\"ES256\",\"kid\":\"k\\u00001\"}", "\\u0000"},
        {"{\"alg\":\"ES256\",\"x\\u0000\":1}", "\\u0000"},
        {"{\"alg\":\"ES256\",\"kid\":7}", "kid must be a string"},
        {"{\"alg\":[\"ES256\"]}", "alg must be a string"},
        {"{\"kid\":\"k1\"}", "header has no alg"},
        {"{\"alg\":\"ES256\"", "header is not valid JSON"},
        {"{\"alg\":\"ES256\"}{}", "header is not valid JSON"},
        {"{\"alg\":\"ES256\",\"k\":\"\xc0\xaf\"}", "not valid UTF-8"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *jws = signed_by(fx.as1, "ES256", cases[i].header);
        fx_refused(jws, SAM_E_SAD_INVALID, cases[i].why);
        free(jws);
    }
}

/* ---- N11: malformed tokens ---- */

Test(sad_jws, refuses_truncated)
{
    char *jws = fx_token(fx_claims(NULL));
    size_t len = strlen(jws);
    /* 86 characters of signature less 2: 63 whole bytes. */
    jws[len - 2] = '\0';
    fx_refused(jws, SAM_E_SAD_INVALID, "ES256 signature must be 64 bytes");
    *(strrchr(jws, '.') + 1) = '\0';
    fx_refused(jws, SAM_E_SAD_INVALID, "SAD: empty signature");
    jws[len / 3] = '\0';
    fx_refused(jws, SAM_E_SAD_INVALID, "not a compact JWS");
    jws[0] = '\0';
    fx_refused(jws, SAM_E_SAD_INVALID, "SAD: empty");
    free(jws);
}

static char *with_char(const char *jws, size_t at, char c)
{
    char *copy = strdup(jws);
    cr_assert_not_null(copy);
    copy[at] = c;
    return copy;
}

Test(sad_jws, refuses_bad_base64url)
{
    char *jws = fx_token(fx_claims(NULL));
    char *dot1 = strchr(jws, '.'), *dot2 = strchr(dot1 + 1, '.');
    char *bad = with_char(jws, 2, '+');
    fx_refused(bad, SAM_E_SAD_INVALID, "header is not base64url");
    free(bad);
    bad = with_char(jws, (size_t)(dot1 - jws) + 3, '/');
    fx_refused(bad, SAM_E_SAD_INVALID, "payload is not base64url");
    free(bad);
    bad = with_char(jws, strlen(jws) - 1, '=');
    fx_refused(bad, SAM_E_SAD_INVALID, "signature is not base64url");
    free(bad);
    bad = with_char(jws, (size_t)(dot2 - jws) + 1, ' ');
    fx_refused(bad, SAM_E_SAD_INVALID, "signature is not base64url");
    free(bad);
    free(jws);
}

Test(sad_jws, refuses_four_parts)
{
    char *jws = fx_token(fx_claims(NULL));
    size_t n = strlen(jws) + 8;
    char *four = malloc(n);
    cr_assert_not_null(four);
    snprintf(four, n, "%s.AAAA", jws);
    fx_refused(four, SAM_E_SAD_INVALID, "not a compact JWS (4 parts");
    free(four);
    free(jws);
}

Test(sad_jws, refuses_huge_token)
{
    /* A well-signed token whose claims carry padding beyond SAM_SAD_MAX_BYTES. */
    size_t pad = SAM_SAD_MAX_BYTES;
    char *big = malloc(pad + 3);
    cr_assert_not_null(big);
    big[0] = '"';
    memset(big + 1, 'x', pad);
    big[pad + 1] = '"';
    big[pad + 2] = '\0';
    char *jws = fx_token(fx_claims("note", big, NULL));
    cr_assert_gt(strlen(jws), SAM_SAD_MAX_BYTES);
    fx_refused(jws, SAM_E_SAD_INVALID, "longer than 16384 bytes");
    free(jws);
    free(big);
}

Test(sad_jws, refuses_payload_that_is_not_json)
{
    char *jws = mint_jws(fx.as1, "ES256", HDR_ES256, "not json");
    fx_refused(jws, SAM_E_SAD_INVALID, "SAD: claims:");
    free(jws);
    jws = mint_jws(fx.as1, "ES256", HDR_ES256, "[1,2]");
    fx_refused(jws, SAM_E_SAD_INVALID, "claims are not a JSON object");
    free(jws);
}

Test(sad_jws, refuses_duplicate_claim)
{
    char *jws = fx_token(fx_claims("sub", "\"signer-1\",\"sub\":\"signer-2\"", NULL));
    fx_refused(jws, SAM_E_SAD_INVALID, "duplicate key \"sub\"");
    free(jws);
}

Test(sad_jws, refuses_nul_in_a_claim)
{
    char *jws = fx_token(fx_claims("sub", "\"signer-1\\u0000evil\"", NULL));
    fx_refused(jws, SAM_E_SAD_INVALID, "\\u0000");
    free(jws);
}

Test(sad_jws, refuses_integer_beyond_64_bits)
{
    char *jws = fx_token(fx_claims("exp", "92233720368547758070", NULL));
    fx_refused(jws, SAM_E_SAD_INVALID, "SAD: claims:");
    free(jws);
}
