/*
 * The PKCS#11 backend plugin against a real SoftHSMv2 token, through the
 * core's sam_module_* calls (the plugin as the SAM loads it). Every test
 * makes its own token in a temporary directory; signatures are checked with
 * OpenSSL against the SPKI the plugin returned.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#include "sam/log.h"
#include "sam/module.h"
#include "sam/rc.h"
#include "softhsm_token.h"

#define TOKEN_LABEL "opensam-p11-test"

static sam_test_token_t token;
static sam_module_t *mod;

typedef struct {
    uint8_t spki[SAM_MAX_SPKI_LEN];
    size_t spki_len;
    uint8_t wrapped[SAM_MAX_WRAPPED_LEN];
    size_t wrapped_len;
    sam_key_spec_t spec;
} test_key_t;

static void make_token(void)
{
    cr_assert_eq(sam_test_token_create(&token, TOKEN_LABEL), 0, "token creation failed");
}

static void with_keys(void)
{
    make_token();
    cr_assert_eq(sam_test_module_open(&token, 1, &mod), SAM_OK, "open: %s", sam_error_message());
}

static void teardown(void)
{
    sam_module_close(mod);
    mod = NULL;
    sam_test_token_destroy(&token);
}

/* Open on the test token with base parameters, then extra ones (NULL-terminated pairs). */
static int open_with(sam_module_t **out, const char *library, const char *label, const char *pin,
                     const char *extra_name, const char *extra_value)
{
    sam_param_t params[8];
    size_t n = 0;
    params[n++] = (sam_param_t){"library", library != NULL ? library : SAM_TEST_SOFTHSM_LIBRARY};
    params[n++] = (sam_param_t){"token_label", label != NULL ? label : token.label};
    params[n++] = (sam_param_t){"pin", pin != NULL ? pin : token.pin_source};
    if (extra_name != NULL)
        params[n++] = (sam_param_t){extra_name, extra_value};
    params[n] = (sam_param_t){NULL, NULL};
    *out = NULL;
    return sam_module_open(SAM_TEST_PKCS11_PLUGIN, params, sam_test_labels, out);
}

static size_t temp_keys(sam_module_t *m)
{
    size_t n = 999;
    cr_assert_eq(sam_module_count_temporary_keys(m, &n), SAM_OK, "count: %s", sam_error_message());
    return n;
}

static void generate(sam_module_t *m, sam_key_type type, uint32_t bits, sam_curve curve,
                     test_key_t *k)
{
    memset(k, 0, sizeof(*k));
    k->spec = (sam_key_spec_t){type, bits, curve};
    sam_outbuf_t spki = {k->spki, sizeof(k->spki), 0};
    sam_outbuf_t wrapped = {k->wrapped, sizeof(k->wrapped), 0};
    cr_assert_eq(sam_module_generate(m, &k->spec, &spki, &wrapped), SAM_OK, "generate: %s",
                 sam_error_message());
    cr_assert_gt(spki.len, 0);
    cr_assert_gt(wrapped.len, 16);
    k->spki_len = spki.len;
    k->wrapped_len = wrapped.len;
    cr_assert_eq(temp_keys(m), 0, "nothing stays in the module after generate");
}

static const EVP_MD *md_of(sam_hash h)
{
    return h == SAM_HASH_SHA256 ? EVP_sha256() : h == SAM_HASH_SHA384 ? EVP_sha384() : EVP_sha512();
}

/* 1 when sig is a valid signature of hash under spki with params. */
static int verify(const uint8_t *spki, size_t spki_len, const sam_sig_params_t *p,
                  const uint8_t *hash, size_t hash_len, const uint8_t *sig, size_t sig_len)
{
    const unsigned char *q = spki;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &q, (long)spki_len);
    if (pkey == NULL)
        return 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
    int ok = ctx != NULL && EVP_PKEY_verify_init(ctx) == 1 &&
             EVP_PKEY_CTX_set_signature_md(ctx, md_of(p->hash)) == 1;
    if (ok && p->scheme == SAM_SCHEME_RSA_PKCS1)
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
    if (ok && p->scheme == SAM_SCHEME_RSA_PSS)
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(
                 ctx, md_of(p->mgf1_hash != SAM_HASH_NONE ? p->mgf1_hash : p->hash)) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, (int)p->salt_len) == 1;
    if (ok)
        ok = EVP_PKEY_verify(ctx, sig, sig_len, hash, hash_len) == 1;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return ok;
}

static void random_hash(sam_hash h, uint8_t *out)
{
    cr_assert_eq(RAND_bytes(out, (int)sam_hash_len(h)), 1);
}

/* Sign n random hashes in one call and verify each; nothing stays in the module. */
static void sign_and_verify_n(sam_module_t *m, const test_key_t *k, sam_sig_params_t p, size_t n)
{
    uint8_t hashes[4][64], sigbuf[4][SAM_MAX_SIGNATURE_LEN];
    sam_bytes_t hb[4];
    sam_outbuf_t sigs[4];
    cr_assert_leq(n, 4);
    for (size_t i = 0; i < n; i++) {
        random_hash(p.hash, hashes[i]);
        hb[i] = (sam_bytes_t){hashes[i], sam_hash_len(p.hash)};
        sigs[i] = (sam_outbuf_t){sigbuf[i], sizeof(sigbuf[i]), 0};
    }
    sam_bytes_t w = {k->wrapped, k->wrapped_len};
    cr_assert_eq(sam_module_sign(m, &k->spec, w, &p, hb, n, sigs), SAM_OK,
                 "sign scheme %d hash %d salt %u: %s", p.scheme, p.hash, p.salt_len,
                 sam_error_message());
    for (size_t i = 0; i < n; i++)
        cr_assert(verify(k->spki, k->spki_len, &p, hashes[i], hb[i].len, sigbuf[i], sigs[i].len),
                  "signature %zu (scheme %d hash %d salt %u) does not verify", i, p.scheme, p.hash,
                  p.salt_len);
    cr_assert_eq(temp_keys(m), 0, "nothing stays in the module after sign");
}

static void sign_and_verify(sam_module_t *m, const test_key_t *k, sam_sig_params_t p)
{
    sign_and_verify_n(m, k, p, 1);
}

static const sam_hash all_hashes[] = {SAM_HASH_SHA256, SAM_HASH_SHA384, SAM_HASH_SHA512};

static void rsa_all_schemes(uint32_t bits)
{
    test_key_t k;
    generate(mod, SAM_KEY_RSA, bits, SAM_CURVE_NONE, &k);
    for (size_t i = 0; i < 3; i++) {
        sam_hash h = all_hashes[i];
        uint32_t hl = (uint32_t)sam_hash_len(h);
        uint32_t max_salt = bits / 8 - hl - 2;
        sign_and_verify(mod, &k, (sam_sig_params_t){SAM_SCHEME_RSA_PKCS1, h, SAM_HASH_NONE, 0});
        sign_and_verify(mod, &k, (sam_sig_params_t){SAM_SCHEME_RSA_PSS, h, h, hl});
        sign_and_verify(mod, &k, (sam_sig_params_t){SAM_SCHEME_RSA_PSS, h, h, 0});
        sign_and_verify(mod, &k, (sam_sig_params_t){SAM_SCHEME_RSA_PSS, h, h, max_salt});
    }
    /* A salt one byte over the maximum is refused before the module sees it. */
    uint8_t hash[32], sig[SAM_MAX_SIGNATURE_LEN];
    random_hash(SAM_HASH_SHA256, hash);
    sam_bytes_t hb = {hash, 32};
    sam_outbuf_t so = {sig, sizeof(sig), 0};
    sam_sig_params_t over = {SAM_SCHEME_RSA_PSS, SAM_HASH_SHA256, SAM_HASH_SHA256,
                             bits / 8 - 32 - 1};
    cr_assert_eq(
        sam_module_sign(mod, &k.spec, (sam_bytes_t){k.wrapped, k.wrapped_len}, &over, &hb, 1, &so),
        SAM_E_INVALID_ARG);
    cr_assert_eq(so.len, 0);
    cr_assert(strstr(sam_error_message(), "salt") != NULL, "%s", sam_error_message());
}

Test(pkcs11_sign, rsa2048_all_schemes, .init = with_keys, .fini = teardown)
{
    rsa_all_schemes(2048);
}

Test(pkcs11_sign, rsa3072_all_schemes, .init = with_keys, .fini = teardown)
{
    rsa_all_schemes(3072);
}

Test(pkcs11_sign, rsa4096_few, .init = with_keys, .fini = teardown)
{
    test_key_t k;
    generate(mod, SAM_KEY_RSA, 4096, SAM_CURVE_NONE, &k);
    sign_and_verify(mod, &k,
                    (sam_sig_params_t){SAM_SCHEME_RSA_PKCS1, SAM_HASH_SHA512, SAM_HASH_NONE, 0});
    sign_and_verify(
        mod, &k,
        (sam_sig_params_t){SAM_SCHEME_RSA_PSS, SAM_HASH_SHA256, SAM_HASH_SHA256, 512 - 32 - 2});
    sign_and_verify(mod, &k,
                    (sam_sig_params_t){SAM_SCHEME_RSA_PSS, SAM_HASH_SHA384, SAM_HASH_SHA384, 0});
}

Test(pkcs11_sign, rsa_pss_mgf1_other_hash_refused_on_softhsm, .init = with_keys, .fini = teardown)
{
    test_key_t k;
    generate(mod, SAM_KEY_RSA, 2048, SAM_CURVE_NONE, &k);
    /* SoftHSM signs PSS only with MGF1 over the same hash: refused up front, clearly. */
    uint8_t hash[32], sig[SAM_MAX_SIGNATURE_LEN];
    random_hash(SAM_HASH_SHA256, hash);
    sam_bytes_t hb = {hash, 32};
    sam_outbuf_t so = {sig, sizeof(sig), 0};
    sam_sig_params_t p = {SAM_SCHEME_RSA_PSS, SAM_HASH_SHA256, SAM_HASH_SHA512, 20};
    cr_assert_eq(
        sam_module_sign(mod, &k.spec, (sam_bytes_t){k.wrapped, k.wrapped_len}, &p, &hb, 1, &so),
        SAM_E_UNSUPPORTED_ALG);
    cr_assert(strstr(sam_error_message(), "MGF1") != NULL, "%s", sam_error_message());
    cr_assert_eq(temp_keys(mod), 0);
    /* MGF1 left unset means the signature's hash */
    sign_and_verify(mod, &k,
                    (sam_sig_params_t){SAM_SCHEME_RSA_PSS, SAM_HASH_SHA384, SAM_HASH_NONE, 48});
}

static void ec_all_hashes(sam_curve c)
{
    test_key_t k;
    generate(mod, SAM_KEY_EC, 0, c, &k);
    for (size_t i = 0; i < 3; i++)
        sign_and_verify(mod, &k,
                        (sam_sig_params_t){SAM_SCHEME_ECDSA, all_hashes[i], SAM_HASH_NONE, 0});
}

Test(pkcs11_sign, p256_all_hashes, .init = with_keys, .fini = teardown)
{
    ec_all_hashes(SAM_CURVE_P256);
}

Test(pkcs11_sign, p384_all_hashes, .init = with_keys, .fini = teardown)
{
    ec_all_hashes(SAM_CURVE_P384);
}

Test(pkcs11_sign, p521_all_hashes, .init = with_keys, .fini = teardown)
{
    ec_all_hashes(SAM_CURVE_P521);
}

Test(pkcs11_sign, several_hashes_one_call, .init = with_keys, .fini = teardown)
{
    test_key_t r, e;
    generate(mod, SAM_KEY_RSA, 2048, SAM_CURVE_NONE, &r);
    generate(mod, SAM_KEY_EC, 0, SAM_CURVE_P521, &e);
    sign_and_verify_n(
        mod, &r, (sam_sig_params_t){SAM_SCHEME_RSA_PSS, SAM_HASH_SHA384, SAM_HASH_SHA384, 48}, 4);
    sign_and_verify_n(mod, &e,
                      (sam_sig_params_t){SAM_SCHEME_ECDSA, SAM_HASH_SHA512, SAM_HASH_NONE, 0}, 4);
}

Test(pkcs11_sign, wrapped_key_survives_reopen, .init = with_keys, .fini = teardown)
{
    test_key_t k;
    generate(mod, SAM_KEY_EC, 0, SAM_CURVE_P256, &k);
    sam_module_close(mod);
    mod = NULL;
    cr_assert_eq(sam_test_module_open(&token, 0, &mod), SAM_OK, "%s", sam_error_message());
    sign_and_verify(mod, &k,
                    (sam_sig_params_t){SAM_SCHEME_ECDSA, SAM_HASH_SHA256, SAM_HASH_NONE, 0});
}

/* ---- failures leave nothing behind ---------------------------------------- */

static int try_sign(const test_key_t *k, const uint8_t *wrapped, size_t wrapped_len,
                    const sam_key_spec_t *spec, sam_sig_params_t p, size_t hash_len)
{
    uint8_t hash[64] = {1}, sig[SAM_MAX_SIGNATURE_LEN];
    sam_bytes_t hb = {hash, hash_len};
    sam_outbuf_t so = {sig, sizeof(sig), 12345};
    (void)k;
    int rc = sam_module_sign(mod, spec, (sam_bytes_t){wrapped, wrapped_len}, &p, &hb, 1, &so);
    if (rc != SAM_OK)
        cr_assert_eq(so.len, 0, "no signature on failure");
    cr_assert_eq(temp_keys(mod), 0, "nothing stays in the module after a failed sign");
    return rc;
}

Test(pkcs11_fail, wrong_hash_length, .init = with_keys, .fini = teardown)
{
    test_key_t k;
    generate(mod, SAM_KEY_RSA, 2048, SAM_CURVE_NONE, &k);
    sam_sig_params_t p = {SAM_SCHEME_RSA_PKCS1, SAM_HASH_SHA256, SAM_HASH_NONE, 0};
    cr_assert_eq(try_sign(&k, k.wrapped, k.wrapped_len, &k.spec, p, 31), SAM_E_PARSE);
    cr_assert(strstr(sam_error_message(), "needs 32") != NULL, "%s", sam_error_message());
    cr_assert_eq(try_sign(&k, k.wrapped, k.wrapped_len, &k.spec, p, 48), SAM_E_PARSE);
    cr_assert_eq(try_sign(&k, k.wrapped, k.wrapped_len, &k.spec, p, 32), SAM_OK);
}

Test(pkcs11_fail, invalid_blobs, .init = with_keys, .fini = teardown)
{
    test_key_t k, other;
    generate(mod, SAM_KEY_EC, 0, SAM_CURVE_P256, &k);
    generate(mod, SAM_KEY_EC, 0, SAM_CURVE_P384, &other);
    sam_sig_params_t p = {SAM_SCHEME_ECDSA, SAM_HASH_SHA256, SAM_HASH_NONE, 0};
    /* truncated, empty, too long */
    cr_assert_eq(try_sign(&k, k.wrapped, k.wrapped_len - 1, &k.spec, p, 32),
                 SAM_E_INVALID_KEY_PAIR);
    cr_assert_eq(try_sign(&k, k.wrapped, 10, &k.spec, p, 32), SAM_E_INVALID_KEY_PAIR);
    uint8_t longer[SAM_MAX_WRAPPED_LEN];
    memcpy(longer, k.wrapped, k.wrapped_len);
    longer[k.wrapped_len] = 0;
    cr_assert_eq(try_sign(&k, longer, k.wrapped_len + 1, &k.spec, p, 32), SAM_E_INVALID_KEY_PAIR);
    /* the spec does not match the blob */
    sam_key_spec_t p384 = {SAM_KEY_EC, 0, SAM_CURVE_P384};
    cr_assert_eq(try_sign(&k, k.wrapped, k.wrapped_len, &p384, p, 32), SAM_E_INVALID_KEY_PAIR);
    cr_assert(strstr(sam_error_message(), "wrapped key") != NULL, "%s", sam_error_message());
    /* another key's wrapped bytes under this key's header: the unwrapped curve is checked */
    uint8_t mixed[SAM_MAX_WRAPPED_LEN];
    size_t body = other.wrapped_len - 16;
    memcpy(mixed, k.wrapped, 16);
    mixed[12] = (uint8_t)(body >> 8);
    mixed[13] = (uint8_t)body;
    memcpy(mixed + 16, other.wrapped + 16, body);
    cr_assert_eq(try_sign(&k, mixed, 16 + body, &k.spec, p, 32), SAM_E_INVALID_KEY_PAIR, "%s",
                 sam_error_message());
    /* scheme that does not suit the key */
    sam_sig_params_t pss = {SAM_SCHEME_RSA_PSS, SAM_HASH_SHA256, SAM_HASH_SHA256, 32};
    cr_assert_eq(try_sign(&k, k.wrapped, k.wrapped_len, &k.spec, pss, 32), SAM_E_UNSUPPORTED_ALG);
}

/* Another key's wrapped bytes under k's header (and so k's spec): refused. */
static void sign_with_foreign_body(const test_key_t *k, const test_key_t *other,
                                   sam_sig_params_t p)
{
    uint8_t mixed[SAM_MAX_WRAPPED_LEN];
    size_t body = other->wrapped_len - 16;
    memcpy(mixed, k->wrapped, 16);
    mixed[12] = (uint8_t)(body >> 8);
    mixed[13] = (uint8_t)body;
    memcpy(mixed + 16, other->wrapped + 16, body);
    cr_assert_eq(try_sign(k, mixed, 16 + body, &k->spec, p, sam_hash_len(p.hash)),
                 SAM_E_INVALID_KEY_PAIR, "%s", sam_error_message());
    cr_assert(strstr(sam_error_message(), "not the key pair's") != NULL, "%s",
              sam_error_message());
}

Test(pkcs11_fail, rsa_key_of_another_size, .init = with_keys, .fini = teardown)
{
    test_key_t rsa2048, rsa3072;
    generate(mod, SAM_KEY_RSA, 2048, SAM_CURVE_NONE, &rsa2048);
    generate(mod, SAM_KEY_RSA, 3072, SAM_CURVE_NONE, &rsa3072);
    sam_sig_params_t p = {SAM_SCHEME_RSA_PKCS1, SAM_HASH_SHA256, SAM_HASH_NONE, 0};
    sign_with_foreign_body(&rsa2048, &rsa3072, p); /* a bigger key than the header says */
    sign_with_foreign_body(&rsa3072, &rsa2048, p); /* a smaller one */
}

Test(pkcs11_fail, ec_key_of_another_curve, .init = with_keys, .fini = teardown)
{
    test_key_t k, p521;
    generate(mod, SAM_KEY_EC, 0, SAM_CURVE_P384, &k);
    generate(mod, SAM_KEY_EC, 0, SAM_CURVE_P521, &p521);
    sign_with_foreign_body(&k, &p521,
                           (sam_sig_params_t){SAM_SCHEME_ECDSA, SAM_HASH_SHA384, SAM_HASH_NONE, 0});
}

/* Every single-byte change of a blob makes sign fail, and leaves nothing behind. */
static void flip_every_byte(const test_key_t *k, sam_sig_params_t p, size_t step)
{
    uint8_t copy[SAM_MAX_WRAPPED_LEN];
    for (size_t i = 0; i < k->wrapped_len; i += (i < 16 ? 1 : step)) {
        memcpy(copy, k->wrapped, k->wrapped_len);
        copy[i] ^= 0x01;
        int rc = try_sign(k, copy, k->wrapped_len, &k->spec, p, sam_hash_len(p.hash));
        cr_assert_neq(rc, SAM_OK, "blob with byte %zu changed still signs", i);
    }
    cr_assert_eq(try_sign(k, k->wrapped, k->wrapped_len, &k->spec, p, sam_hash_len(p.hash)), SAM_OK,
                 "%s", sam_error_message());
}

Test(pkcs11_fail, changed_blob_byte_ec, .init = with_keys, .fini = teardown)
{
    test_key_t k;
    generate(mod, SAM_KEY_EC, 0, SAM_CURVE_P256, &k);
    flip_every_byte(&k, (sam_sig_params_t){SAM_SCHEME_ECDSA, SAM_HASH_SHA256, SAM_HASH_NONE, 0}, 1);
}

Test(pkcs11_fail, changed_blob_byte_rsa, .init = with_keys, .fini = teardown)
{
    test_key_t k;
    generate(mod, SAM_KEY_RSA, 2048, SAM_CURVE_NONE, &k);
    flip_every_byte(&k, (sam_sig_params_t){SAM_SCHEME_RSA_PKCS1, SAM_HASH_SHA256, SAM_HASH_NONE, 0},
                    37);
}

/* ---- configuration and login errors ---------------------------------------- */

Test(pkcs11_open, wrong_pin, .init = make_token, .fini = teardown)
{
    char path[PATH_MAX + 16], source[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/wrong-pin", token.dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("not-the-pin\n", f);
    fclose(f);
    snprintf(source, sizeof(source), "file:%s", path);
    sam_module_t *m = NULL;
    cr_assert_eq(open_with(&m, NULL, NULL, source, NULL, NULL), SAM_E_PIN);
    cr_assert_null(m);
    const char *msg = sam_error_message();
    cr_assert(strstr(msg, "C_Login") != NULL && strstr(msg, "CKR_PIN_INCORRECT") != NULL &&
                  strstr(msg, TOKEN_LABEL) != NULL,
              "%s", msg);
    cr_assert(strstr(msg, "not-the-pin") == NULL && strstr(msg, SAM_TEST_PIN) == NULL,
              "no PIN in messages: %s", msg);
}

Test(pkcs11_open, pin_literal_refused, .init = make_token, .fini = teardown)
{
    sam_module_t *m = NULL;
    cr_assert_eq(open_with(&m, NULL, NULL, SAM_TEST_PIN, NULL, NULL), SAM_E_CONFIG);
    cr_assert(strstr(sam_error_message(), SAM_TEST_PIN) == NULL, "%s", sam_error_message());
}

Test(pkcs11_open, missing_library, .init = make_token, .fini = teardown)
{
    sam_module_t *m = NULL;
    const char *lib = "/nonexistent/dir/libpkcs11-missing.so";
    cr_assert_neq(open_with(&m, lib, NULL, NULL, NULL, NULL), SAM_OK);
    cr_assert_null(m);
    cr_assert(strstr(sam_error_message(), lib) != NULL, "%s", sam_error_message());
}

Test(pkcs11_open, library_not_pkcs11, .init = make_token, .fini = teardown)
{
    sam_module_t *m = NULL;
    /* a real shared object without C_GetFunctionList: the plugin itself */
    cr_assert_eq(open_with(&m, SAM_TEST_PKCS11_PLUGIN, NULL, NULL, NULL, NULL), SAM_E_CONFIG);
    cr_assert(strstr(sam_error_message(), "C_GetFunctionList") != NULL, "%s", sam_error_message());
}

Test(pkcs11_open, wrong_token_label, .init = make_token, .fini = teardown)
{
    sam_module_t *m = NULL;
    cr_assert_eq(open_with(&m, NULL, "no-such-token", NULL, NULL, NULL), SAM_E_NOT_FOUND);
    cr_assert(strstr(sam_error_message(), "\"no-such-token\" not found") != NULL, "%s",
              sam_error_message());
}

Test(pkcs11_open, unknown_parameter, .init = make_token, .fini = teardown)
{
    sam_module_t *m = NULL;
    cr_assert_eq(open_with(&m, NULL, NULL, NULL, "slot", "0"), SAM_E_CONFIG);
    cr_assert(strstr(sam_error_message(), "slot") != NULL, "%s", sam_error_message());
    cr_assert_eq(open_with(&m, NULL, NULL, NULL, "profile", "thales-luna"), SAM_E_CONFIG);
    cr_assert(strstr(sam_error_message(), "thales-luna") != NULL, "%s", sam_error_message());
    cr_assert_eq(open_with(&m, NULL, NULL, NULL, "sessions", "0"), SAM_E_CONFIG);
    cr_assert_eq(open_with(&m, NULL, NULL, NULL, "reinit_after", "12x"), SAM_E_CONFIG);
}

Test(pkcs11_open, reopen_after_close, .init = make_token, .fini = teardown)
{
    /* C_Finalize on close lets the same process initialize the library again. */
    for (int i = 0; i < 3; i++) {
        sam_module_t *m = NULL;
        cr_assert_eq(open_with(&m, NULL, NULL, NULL, "profile", "softhsm"), SAM_OK, "%s",
                     sam_error_message());
        sam_module_close(m);
    }
}

/*
 * A second instance in the same process is refused (the core's loader refuses
 * a second plugin of the same name; the plugin refuses a library that is
 * already initialized), and the refusal leaves the first instance working.
 */
Test(pkcs11_open, second_instance_refused, .init = with_keys, .fini = teardown)
{
    sam_module_t *m2 = NULL;
    cr_assert_neq(open_with(&m2, NULL, NULL, NULL, NULL, NULL), SAM_OK);
    cr_assert_null(m2);
    test_key_t k;
    generate(mod, SAM_KEY_EC, 0, SAM_CURVE_P256, &k);
    sign_and_verify(mod, &k,
                    (sam_sig_params_t){SAM_SCHEME_ECDSA, SAM_HASH_SHA256, SAM_HASH_NONE, 0});
}

/* Someone else in the process initialized the library: refused, and left alone. */
Test(pkcs11_open, library_initialized_by_another_user, .init = make_token, .fini = teardown)
{
    void *dl = dlopen(SAM_TEST_SOFTHSM_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    cr_assert_not_null(dl);
    CK_C_GetFunctionList get_list = NULL;
    *(void **)&get_list = dlsym(dl, "C_GetFunctionList");
    CK_FUNCTION_LIST_PTR fl = NULL;
    cr_assert(get_list != NULL && get_list(&fl) == CKR_OK);
    cr_assert_eq(fl->C_Initialize(NULL), CKR_OK);
    cr_assert_eq(open_with(&mod, NULL, NULL, NULL, NULL, NULL), SAM_E_CONFIG);
    cr_assert(strstr(sam_error_message(), "already initialized") != NULL, "%s",
              sam_error_message());
    CK_INFO info;
    cr_assert_eq(fl->C_GetInfo(&info), CKR_OK, "the plugin did not finalize it");
    cr_assert_eq(fl->C_Finalize(NULL), CKR_OK);
    dlclose(dl);
}

/* ---- module keys ----------------------------------------------------------- */

Test(pkcs11_keys, create_twice_refused, .init = with_keys, .fini = teardown)
{
    cr_assert_eq(sam_module_create_keys(mod), SAM_E_EXISTS);
    cr_assert(strstr(sam_error_message(), sam_test_labels[0]) != NULL, "%s", sam_error_message());
    cr_assert_eq(sam_module_bind_keys(mod), SAM_OK, "%s", sam_error_message());
    cr_assert_eq(sam_module_health(mod), SAM_OK, "%s", sam_error_message());
}

Test(pkcs11_keys, bind_on_fresh_token, .init = make_token, .fini = teardown)
{
    cr_assert_eq(open_with(&mod, NULL, NULL, NULL, NULL, NULL), SAM_OK, "%s", sam_error_message());
    cr_assert_eq(sam_module_bind_keys(mod), SAM_E_NOT_FOUND);
    cr_assert(strstr(sam_error_message(), sam_test_labels[SAM_MODULE_KEY_WRAP]) != NULL, "%s",
              sam_error_message());
    cr_assert_neq(sam_module_health(mod), SAM_OK);
}

Test(pkcs11_keys, module_key_signatures, .init = with_keys, .fini = teardown)
{
    for (int which = SAM_MODULE_KEY_AUDIT; which <= SAM_MODULE_KEY_CSC; which++) {
        uint8_t spki[SAM_MAX_SPKI_LEN], hash[32], sig[SAM_MAX_SIGNATURE_LEN];
        sam_outbuf_t so = {spki, sizeof(spki), 0}, sigo = {sig, sizeof(sig), 0};
        cr_assert_eq(sam_module_public_key(mod, which, &so), SAM_OK, "%s", sam_error_message());
        random_hash(SAM_HASH_SHA256, hash);
        sam_sig_params_t p = {SAM_SCHEME_ECDSA, SAM_HASH_SHA256, SAM_HASH_NONE, 0};
        cr_assert_eq(sam_module_sign_with_key(mod, which, &p, (sam_bytes_t){hash, 32}, &sigo),
                     SAM_OK, "%s", sam_error_message());
        cr_assert(verify(spki, so.len, &p, hash, 32, sig, sigo.len), "module key %d signature",
                  which);
        hash[0] ^= 1;
        cr_assert(!verify(spki, so.len, &p, hash, 32, sig, sigo.len));
    }
    /* the two keys differ, and wrap/seal have no public key */
    uint8_t a[SAM_MAX_SPKI_LEN], c[SAM_MAX_SPKI_LEN];
    sam_outbuf_t ao = {a, sizeof(a), 0}, co = {c, sizeof(c), 0};
    cr_assert_eq(sam_module_public_key(mod, SAM_MODULE_KEY_AUDIT, &ao), SAM_OK);
    cr_assert_eq(sam_module_public_key(mod, SAM_MODULE_KEY_CSC, &co), SAM_OK);
    cr_assert(ao.len != co.len || memcmp(a, c, ao.len) != 0);
    cr_assert_eq(sam_module_public_key(mod, SAM_MODULE_KEY_WRAP, &ao), SAM_E_INVALID_ARG);
}

/* ---- seal ------------------------------------------------------------------ */

Test(pkcs11_seal, seal_and_verify, .init = with_keys, .fini = teardown)
{
    uint8_t data[200], mac[SAM_MAX_MAC_LEN];
    cr_assert_eq(RAND_bytes(data, sizeof(data)), 1);
    sam_outbuf_t mo = {mac, sizeof(mac), 0};
    cr_assert_eq(sam_module_seal(mod, (sam_bytes_t){data, sizeof(data)}, &mo), SAM_OK, "%s",
                 sam_error_message());
    cr_assert_eq(mo.len, 32, "HMAC-SHA256 on SoftHSM");
    cr_assert_eq(
        sam_module_seal_verify(mod, (sam_bytes_t){data, sizeof(data)}, (sam_bytes_t){mac, mo.len}),
        SAM_OK, "%s", sam_error_message());

    data[77] ^= 0x10;
    cr_assert_eq(
        sam_module_seal_verify(mod, (sam_bytes_t){data, sizeof(data)}, (sam_bytes_t){mac, mo.len}),
        SAM_E_INVALID_KEY_PAIR);
    data[77] ^= 0x10;
    mac[5] ^= 0x01;
    cr_assert_eq(
        sam_module_seal_verify(mod, (sam_bytes_t){data, sizeof(data)}, (sam_bytes_t){mac, mo.len}),
        SAM_E_INVALID_KEY_PAIR);
    mac[5] ^= 0x01;
    cr_assert_eq(sam_module_seal_verify(mod, (sam_bytes_t){data, sizeof(data)},
                                        (sam_bytes_t){mac, mo.len - 1}),
                 SAM_E_INVALID_KEY_PAIR);
    cr_assert_eq(sam_module_seal_verify(mod, (sam_bytes_t){data, sizeof(data) - 1},
                                        (sam_bytes_t){mac, mo.len}),
                 SAM_E_INVALID_KEY_PAIR);

    /* empty data seals too, and differently */
    uint8_t mac2[SAM_MAX_MAC_LEN];
    sam_outbuf_t mo2 = {mac2, sizeof(mac2), 0};
    cr_assert_eq(sam_module_seal(mod, (sam_bytes_t){NULL, 0}, &mo2), SAM_OK, "%s",
                 sam_error_message());
    cr_assert_eq(sam_module_seal_verify(mod, (sam_bytes_t){NULL, 0}, (sam_bytes_t){mac2, mo2.len}),
                 SAM_OK);
    cr_assert(memcmp(mac, mac2, 32) != 0);
}

/* ---- threads and re-initialization ----------------------------------------- */

typedef struct {
    const test_key_t *key;
    sam_sig_params_t params;
    int count;
    int ok;
} worker_t;

static void *worker(void *arg)
{
    worker_t *w = arg;
    for (int i = 0; i < w->count; i++) {
        uint8_t hash[64], sig[SAM_MAX_SIGNATURE_LEN];
        size_t hl = sam_hash_len(w->params.hash);
        if (RAND_bytes(hash, (int)hl) != 1)
            return NULL;
        sam_bytes_t hb = {hash, hl};
        sam_outbuf_t so = {sig, sizeof(sig), 0};
        if (sam_module_sign(mod, &w->key->spec, (sam_bytes_t){w->key->wrapped, w->key->wrapped_len},
                            &w->params, &hb, 1, &so) != SAM_OK) {
            fprintf(stderr, "worker sign: %s\n", sam_error_message());
            return NULL;
        }
        if (!verify(w->key->spki, w->key->spki_len, &w->params, hash, hl, sig, so.len))
            return NULL;
        w->ok++;
    }
    return NULL;
}

static void run_workers(const test_key_t *keys, size_t n_keys, const sam_sig_params_t *params,
                        int threads, int per_thread)
{
    pthread_t t[8];
    worker_t w[8];
    cr_assert_leq(threads, 8);
    for (int i = 0; i < threads; i++) {
        w[i] = (worker_t){&keys[i % n_keys], params[i % n_keys], per_thread, 0};
        cr_assert_eq(pthread_create(&t[i], NULL, worker, &w[i]), 0);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(w[i].ok, per_thread, "thread %d: %d of %d signatures verified", i, w[i].ok,
                     per_thread);
    }
    cr_assert_eq(temp_keys(mod), 0);
}

Test(pkcs11_threads, four_threads_fifty_signs, .init = with_keys, .fini = teardown)
{
    test_key_t keys[2];
    generate(mod, SAM_KEY_EC, 0, SAM_CURVE_P256, &keys[0]);
    generate(mod, SAM_KEY_RSA, 2048, SAM_CURVE_NONE, &keys[1]);
    sam_sig_params_t params[2] = {{SAM_SCHEME_ECDSA, SAM_HASH_SHA256, SAM_HASH_NONE, 0},
                                  {SAM_SCHEME_RSA_PSS, SAM_HASH_SHA256, SAM_HASH_SHA256, 32}};
    run_workers(keys, 2, params, 4, 50);
}

/* Count lines holding needle in the file at path. */
static int count_in_file(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int n = 0;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

Test(pkcs11_threads, reinit_every_twenty, .init = make_token, .fini = teardown)
{
    /* The periodic re-init is logged at debug level: capture stderr to count them. */
    char log_path[PATH_MAX + 16];
    snprintf(log_path, sizeof(log_path), "%s/stderr.log", token.dir);
    int saved = dup(STDERR_FILENO);
    int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(saved >= 0 && fd >= 0);
    sam_log_set_level(SAM_LOG_DEBUG);
    dup2(fd, STDERR_FILENO);
    close(fd);

    int rc = open_with(&mod, NULL, NULL, NULL, "reinit_after", "20");
    if (rc == SAM_OK)
        rc = sam_module_create_keys(mod);
    test_key_t keys[2];
    sam_sig_params_t params[2] = {{SAM_SCHEME_ECDSA, SAM_HASH_SHA384, SAM_HASH_NONE, 0},
                                  {SAM_SCHEME_RSA_PKCS1, SAM_HASH_SHA256, SAM_HASH_NONE, 0}};
    if (rc == SAM_OK) {
        generate(mod, SAM_KEY_EC, 0, SAM_CURVE_P384, &keys[0]);
        generate(mod, SAM_KEY_RSA, 2048, SAM_CURVE_NONE, &keys[1]);
        run_workers(keys, 2, params, 2, 50);
        rc = sam_module_health(mod);
    }
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    cr_assert_eq(rc, SAM_OK, "%s", sam_error_message());
    /* 104 temporary objects (2 key pairs, 100 unwraps) at 20 per re-init: 5 re-inits. */
    int reinits = count_in_file(log_path, "re-initialized (periodic)");
    cr_assert_geq(reinits, 4, "re-inits seen: %d", reinits);
    cr_assert_leq(reinits, 6, "re-inits seen: %d", reinits);
}

/*
 * The module goes away under the plugin: another user of the same library in
 * this process finalizes it. The next call fails with backend_unavailable,
 * the one after re-initializes and works: service resumes without a restart.
 */
Test(pkcs11_threads, recovers_after_module_loss, .init = with_keys, .fini = teardown)
{
    test_key_t k;
    generate(mod, SAM_KEY_EC, 0, SAM_CURVE_P256, &k);
    sam_sig_params_t p = {SAM_SCHEME_ECDSA, SAM_HASH_SHA256, SAM_HASH_NONE, 0};
    sign_and_verify(mod, &k, p);

    void *dl = dlopen(SAM_TEST_SOFTHSM_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    cr_assert_not_null(dl);
    CK_C_GetFunctionList get_list = NULL;
    *(void **)&get_list = dlsym(dl, "C_GetFunctionList");
    CK_FUNCTION_LIST_PTR fl = NULL;
    cr_assert(get_list != NULL && get_list(&fl) == CKR_OK);
    cr_assert_eq(fl->C_Finalize(NULL), CKR_OK);

    uint8_t hash[32] = {0}, sig[SAM_MAX_SIGNATURE_LEN];
    sam_bytes_t hb = {hash, 32};
    sam_outbuf_t so = {sig, sizeof(sig), 0};
    cr_assert_eq(
        sam_module_sign(mod, &k.spec, (sam_bytes_t){k.wrapped, k.wrapped_len}, &p, &hb, 1, &so),
        SAM_E_BACKEND_UNAVAILABLE);
    cr_assert(strstr(sam_error_message(), "CKR_CRYPTOKI_NOT_INITIALIZED") != NULL, "%s",
              sam_error_message());
    cr_assert_eq(sam_module_health(mod), SAM_OK, "%s", sam_error_message());
    sign_and_verify(mod, &k, p);
    cr_assert_eq(temp_keys(mod), 0);
    dlclose(dl);
}
