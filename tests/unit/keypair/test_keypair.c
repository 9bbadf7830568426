/* Key pair objects against a real SoftHSMv2 token: generate, seal, open, tamper, sign. */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "sam/algorithms.h"
#include "sam/json.h"
#include "sam/keypair.h"
#include "sam/rc.h"
#include "softhsm_token.h"

#define SAM_ID "sam-test-1"

static sam_test_token_t token;
static sam_module_t *module;

static void setup(void)
{
    cr_assert_eq(sam_test_token_create(&token, "kp-test"), 0);
    cr_assert_eq(sam_test_module_open(&token, 1, &module), SAM_OK);
}

static void teardown(void)
{
    sam_module_close(module);
    sam_test_token_destroy(&token);
}

TestSuite(keypair, .init = setup, .fini = teardown);

static char *generate_json(const sam_key_spec_t *spec, sam_key_pair_t **kp_out)
{
    sam_key_pair_t *kp = NULL;
    cr_assert_eq(sam_key_pair_generate(module, spec, &kp), SAM_OK, "%s", sam_error_message());
    sam_strbuf_t b = SAM_STRBUF_INIT;
    cr_assert_eq(sam_key_pair_write(module, SAM_ID, kp, &b), SAM_OK, "%s", sam_error_message());
    if (kp_out != NULL)
        *kp_out = kp;
    else
        sam_key_pair_free(kp);
    return sam_strbuf_take(&b, NULL);
}

/* Parse and open: the sam_rc of the first step that fails. */
static int open_text(const char *text, const char *sam_id, sam_key_pair_t **out)
{
    sam_json_t *doc = NULL;
    int rc = sam_json_parse(text, strlen(text), &sam_json_default_limits, &doc);
    if (rc == SAM_OK)
        rc = sam_key_pair_open(module, sam_id, doc, out);
    sam_json_free(doc);
    return rc;
}

static void verify_signature(const sam_key_pair_t *kp, const sam_sig_params_t *p,
                             const uint8_t *hash, size_t hlen, const uint8_t *sig, size_t slen)
{
    const uint8_t *q = kp->spki;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &q, (long)kp->spki_len);
    cr_assert_not_null(pkey);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
    cr_assert_eq(EVP_PKEY_verify_init(ctx), 1);
    const EVP_MD *md = p->hash == SAM_HASH_SHA256   ? EVP_sha256()
                       : p->hash == SAM_HASH_SHA384 ? EVP_sha384()
                                                    : EVP_sha512();
    cr_assert_eq(EVP_PKEY_CTX_set_signature_md(ctx, md), 1);
    if (p->scheme == SAM_SCHEME_RSA_PSS) {
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING), 1);
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, (int)p->salt_len), 1);
    } else if (p->scheme == SAM_SCHEME_RSA_PKCS1) {
        cr_assert_eq(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
    }
    cr_assert_eq(EVP_PKEY_verify(ctx, sig, slen, hash, hlen), 1, "signature verifies");
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
}

static void sign_and_verify(const char *text, const char *alg)
{
    sam_key_pair_t *kp = NULL;
    cr_assert_eq(open_text(text, SAM_ID, &kp), SAM_OK, "%s", sam_error_message());
    sam_sig_params_t p;
    cr_assert_eq(sam_sig_params_from_name(alg, &p), SAM_OK);
    uint8_t hash[2][64], sig[2][SAM_MAX_SIGNATURE_LEN];
    size_t hlen = sam_hash_len(p.hash);
    RAND_bytes(hash[0], sizeof(hash[0]));
    RAND_bytes(hash[1], sizeof(hash[1]));
    sam_bytes_t hashes[2] = {{hash[0], hlen}, {hash[1], hlen}};
    sam_outbuf_t sigs[2] = {{sig[0], sizeof(sig[0]), 0}, {sig[1], sizeof(sig[1]), 0}};
    cr_assert_eq(sam_key_pair_sign(module, kp, &p, hashes, 2, sigs), SAM_OK, "%s",
                 sam_error_message());
    verify_signature(kp, &p, hash[0], hlen, sig[0], sigs[0].len);
    verify_signature(kp, &p, hash[1], hlen, sig[1], sigs[1].len);
    size_t left = 99;
    cr_assert_eq(sam_module_count_temporary_keys(module, &left), SAM_OK);
    cr_assert_eq(left, 0, "no signer key stays in the module");
    sam_key_pair_free(kp);
}

Test(keypair, rsa_round_trip_and_sign)
{
    sam_key_spec_t spec = {SAM_KEY_RSA, 2048, SAM_CURVE_NONE};
    char *text = generate_json(&spec, NULL);
    cr_assert(strstr(text, "\"algorithm\":\"RSA\",\"size\":2048") != NULL, "%s", text);
    cr_assert(strstr(text, "\"status\":{\"assigned\":false,\"certified\":false,\"enabled\":false}"));
    sign_and_verify(text, "RS256");
    sign_and_verify(text, "PS384");
    sign_and_verify(text, "1.2.840.113549.1.1.13");
    free(text);
}

Test(keypair, ec_round_trip_and_sign)
{
    sam_key_spec_t spec = {SAM_KEY_EC, 0, SAM_CURVE_P256};
    char *text = generate_json(&spec, NULL);
    cr_assert(strstr(text, "\"algorithm\":\"ECDSA\",\"named_curve\":\"secp256r1\"") != NULL);
    sign_and_verify(text, "ES256");
    sign_and_verify(text, "1.2.840.10045.4.3.3");
    free(text);
}

Test(keypair, algorithm_must_fit_the_key)
{
    sam_key_spec_t spec = {SAM_KEY_EC, 0, SAM_CURVE_P384};
    sam_key_pair_t *kp = NULL;
    char *text = generate_json(&spec, &kp);
    sam_sig_params_t p;
    cr_assert_eq(sam_sig_params_from_name("RS256", &p), SAM_OK);
    uint8_t hash[32] = {0}, sig[SAM_MAX_SIGNATURE_LEN];
    sam_bytes_t h = {hash, sizeof(hash)};
    sam_outbuf_t s = {sig, sizeof(sig), 0};
    cr_assert_eq(sam_key_pair_sign(module, kp, &p, &h, 1, &s), SAM_E_UNSUPPORTED_ALG);
    cr_assert_eq(sam_sig_params_from_name("ES384", &p), SAM_OK);
    cr_assert_eq(sam_key_pair_sign(module, kp, &p, &h, 1, &s), SAM_E_PARSE, "32-byte hash for ES384");
    cr_assert_eq(s.len, 0);
    sam_key_pair_free(kp);
    free(text);
}

static char next_in_class(char c)
{
    if (c >= '0' && c <= '9')
        return c == '9' ? '0' : c + 1;
    if (c >= 'a' && c <= 'z')
        return c == 'z' ? 'a' : c + 1;
    if (c >= 'A' && c <= 'Z')
        return c == 'Z' ? 'A' : c + 1;
    if (c == '+')
        return '/';
    if (c == '/')
        return '+';
    if (c == '-')
        return '_';
    return 0; /* structural: { } [ ] : , " = */
}

/* Every one-character change anywhere in the object is refused. */
static void every_change_refused(const sam_key_spec_t *spec, const char *signer_json)
{
    sam_key_pair_t *kp = NULL;
    char *text = generate_json(spec, &kp);
    if (signer_json != NULL) {
        sam_json_t *signer = NULL;
        cr_assert_eq(sam_json_parse(signer_json, strlen(signer_json), &sam_json_default_limits,
                                    &signer), SAM_OK);
        cr_assert_eq(sam_key_pair_set_signer(kp, signer), SAM_OK);
        kp->assigned = true;
        kp->subject = strdup("CN=Alice Example");
        sam_json_free(signer);
        sam_strbuf_t b = SAM_STRBUF_INIT;
        cr_assert_eq(sam_key_pair_write(module, SAM_ID, kp, &b), SAM_OK);
        free(text);
        text = sam_strbuf_take(&b, NULL);
    }
    sam_key_pair_t *ok = NULL;
    cr_assert_eq(open_text(text, SAM_ID, &ok), SAM_OK, "%s", sam_error_message());
    sam_key_pair_free(ok);
    size_t n = strlen(text), tried = 0;
    for (size_t i = 0; i < n; i++) {
        char c = text[i], r = next_in_class(c);
        if (r == 0)
            continue;
        text[i] = r;
        sam_key_pair_t *out = NULL;
        int rc = open_text(text, SAM_ID, &out);
        cr_assert_neq(rc, SAM_OK, "change at %zu (%c -> %c) accepted: %s", i, c, r, text);
        cr_assert(rc == SAM_E_INVALID_KEY_PAIR || rc == SAM_E_PARSE, "rc %d at %zu", rc, i);
        cr_assert_null(out);
        text[i] = c;
        tried++;
    }
    cr_assert_gt(tried, 100);
    sam_key_pair_free(kp);
    free(text);
}

Test(keypair, every_one_character_change_is_refused_ec)
{
    sam_key_spec_t spec = {SAM_KEY_EC, 0, SAM_CURVE_P256};
    every_change_refused(&spec, "{\"id\":\"alice\",\"name\":\"Alice\",\"level\":2}");
}

Test(keypair, every_one_character_change_is_refused_rsa, .timeout = 120)
{
    sam_key_spec_t spec = {SAM_KEY_RSA, 2048, SAM_CURVE_NONE};
    every_change_refused(&spec, NULL);
}

static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    cr_assert_not_null(at, "%s not in %s", from, text);
    size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return out;
}

Test(keypair, refuses_other_sam_added_and_removed_fields)
{
    sam_key_spec_t spec = {SAM_KEY_EC, 0, SAM_CURVE_P256};
    char *text = generate_json(&spec, NULL);
    sam_key_pair_t *kp = NULL;

    cr_assert_eq(open_text(text, "sam-test-2", &kp), SAM_E_INVALID_KEY_PAIR);
    cr_assert(strstr(sam_error_message(), "another SAM") != NULL, "%s", sam_error_message());

    char *t = replace(text, "\"status\":", "\"extra\":1,\"status\":");
    cr_assert_eq(open_text(t, SAM_ID, &kp), SAM_E_INVALID_KEY_PAIR);
    cr_assert(strstr(sam_error_message(), "unknown field \"extra\"") != NULL, "%s",
              sam_error_message());
    free(t);

    t = replace(text, "\"subject\":null,", "");
    cr_assert_eq(open_text(t, SAM_ID, &kp), SAM_E_INVALID_KEY_PAIR);
    free(t);

    t = replace(text, "\"subject\":null", "\"subject\":\"\"");
    cr_assert_eq(open_text(t, SAM_ID, &kp), SAM_E_INVALID_KEY_PAIR, "null and \"\" differ");
    free(t);

    t = replace(text, "\"format\":1", "\"format\":2");
    cr_assert_eq(open_text(t, SAM_ID, &kp), SAM_E_INVALID_KEY_PAIR);
    free(t);
    cr_assert_null(kp);
    free(text);
}

Test(keypair, signer_member_order_does_not_matter)
{
    sam_key_spec_t spec = {SAM_KEY_EC, 0, SAM_CURVE_P256};
    sam_key_pair_t *kp = NULL;
    char *text = generate_json(&spec, &kp);
    sam_json_t *signer = NULL;
    const char *sj = "{\"id\":\"bob\",\"email\":\"bob@example.org\"}";
    cr_assert_eq(sam_json_parse(sj, strlen(sj), &sam_json_default_limits, &signer), SAM_OK);
    cr_assert_eq(sam_key_pair_set_signer(kp, signer), SAM_OK);
    sam_json_free(signer);
    cr_assert_str_eq(kp->signer_id, "bob");
    sam_strbuf_t b = SAM_STRBUF_INIT;
    cr_assert_eq(sam_key_pair_write(module, SAM_ID, kp, &b), SAM_OK);
    char *sealed = sam_strbuf_take(&b, NULL);
    char *reordered = replace(sealed, "{\"email\":\"bob@example.org\",\"id\":\"bob\"}",
                              "{\"id\":\"bob\",\"email\":\"bob@example.org\"}");
    sam_key_pair_t *opened = NULL;
    cr_assert_eq(open_text(reordered, SAM_ID, &opened), SAM_OK, "%s", sam_error_message());
    cr_assert_str_eq(opened->signer_id, "bob");
    sam_key_pair_free(opened);
    free(reordered);
    free(sealed);
    free(text);
    sam_key_pair_free(kp);
}

/* An object sealed by another SAM's module (same id, other seal key) is refused. */
Test(keypair, refuses_object_sealed_by_another_module)
{
    sam_key_spec_t spec = {SAM_KEY_EC, 0, SAM_CURVE_P256};
    char *text = generate_json(&spec, NULL);
    sam_module_close(module);
    module = NULL;
    sam_test_token_destroy(&token);
    cr_assert_eq(sam_test_token_create(&token, "kp-test-other"), 0);
    cr_assert_eq(sam_test_module_open(&token, 1, &module), SAM_OK);
    sam_key_pair_t *kp = NULL;
    cr_assert_eq(open_text(text, SAM_ID, &kp), SAM_E_INVALID_KEY_PAIR);
    cr_assert(strstr(sam_error_message(), "seal") != NULL, "%s", sam_error_message());
    free(text);
}

Test(keypair, generation_refuses_unsupported_specs)
{
    sam_key_pair_t *kp = NULL;
    sam_key_spec_t rsa1024 = {SAM_KEY_RSA, 1024, SAM_CURVE_NONE};
    sam_key_spec_t nocurve = {SAM_KEY_EC, 0, SAM_CURVE_NONE};
    cr_assert_eq(sam_key_pair_generate(module, &rsa1024, &kp), SAM_E_UNSUPPORTED_ALG);
    cr_assert_eq(sam_key_pair_generate(module, &nocurve, &kp), SAM_E_UNSUPPORTED_ALG);
    cr_assert_null(kp);
}

/* The revision (N12): 0 at generation, sealed, required, in range. */
Test(keypair, revision_is_sealed)
{
    sam_key_spec_t spec = {SAM_KEY_EC, 0, SAM_CURVE_P256};
    sam_key_pair_t *gen = NULL, *kp = NULL;
    char *text = generate_json(&spec, &gen);

    cr_assert_eq(gen->revision, 0);
    cr_assert(strstr(text, "\"revision\":0,") != NULL, "%s", text);
    cr_assert_eq(open_text(text, SAM_ID, &kp), SAM_OK, "%s", sam_error_message());
    cr_assert_eq(kp->revision, 0);
    sam_key_pair_free(kp);
    kp = NULL;

    /* A later revision round-trips. */
    gen->revision = 7;
    sam_strbuf_t b = SAM_STRBUF_INIT;
    cr_assert_eq(sam_key_pair_write(module, SAM_ID, gen, &b), SAM_OK, "%s", sam_error_message());
    char *seven = sam_strbuf_take(&b, NULL);
    cr_assert_eq(open_text(seven, SAM_ID, &kp), SAM_OK, "%s", sam_error_message());
    cr_assert_eq(kp->revision, 7);
    sam_key_pair_free(kp);
    kp = NULL;

    /* Changed, missing, ill-typed, out of range: refused. */
    static const char *const bad[] = {
        "\"revision\":8",          "\"revision\":6",    "\"revision\":\"7\"", "\"revision\":-1",
        "\"revision\":4294967303", "\"revision\":null", "\"x_revision\":7"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *t = replace(seven, "\"revision\":7", bad[i]);
        cr_assert_eq(open_text(t, SAM_ID, &kp), SAM_E_INVALID_KEY_PAIR, "%s", bad[i]);
        cr_assert_null(kp);
        free(t);
    }
    char *t = replace(seven, "\"revision\":7,", "");
    cr_assert_eq(open_text(t, SAM_ID, &kp), SAM_E_INVALID_KEY_PAIR);
    cr_assert(strstr(sam_error_message(), "revision") != NULL, "%s", sam_error_message());
    free(t);

    free(seven);
    sam_key_pair_free(gen);
    free(text);
}
