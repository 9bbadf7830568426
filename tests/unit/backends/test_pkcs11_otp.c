/*
 * OTP secrets in the PKCS#11 backend against a real SoftHSMv2 token: the
 * secret goes in once and comes back only as a wrapped blob; the module's
 * HMACs reproduce RFC 6238's test vectors and OpenSSL's HMAC for short
 * (zero-padded) secrets; nothing stays in the module; damaged blobs fail.
 */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "sam/module.h"
#include "sam/rc.h"
#include "sam/totp.h"
#include "softhsm_token.h"

#define OK(expr) cr_assert_eq((expr), SAM_OK, "%s: %s", #expr, sam_error_message())

static sam_test_token_t token;
static sam_module_t *mod;

static void with_keys(void)
{
    cr_assert_eq(sam_test_token_create(&token, "opensam-otp-test"), 0, "token creation failed");
    cr_assert_eq(sam_test_module_open(&token, 1, &mod), SAM_OK, "open: %s", sam_error_message());
}

static void teardown(void)
{
    sam_module_close(mod);
    mod = NULL;
    sam_test_token_destroy(&token);
}

typedef struct {
    uint8_t blob[SAM_MAX_WRAPPED_LEN];
    size_t len;
} blob_t;

static void protect(const char *secret, size_t len, blob_t *b)
{
    sam_outbuf_t out = {b->blob, sizeof(b->blob), 0};
    OK(sam_module_otp_protect(mod, (sam_bytes_t){(const uint8_t *)secret, len}, &out));
    cr_assert(out.len > 0);
    /* The secret is not in the blob in clear. */
    cr_assert_null(memmem(out.ptr, out.len, secret, len));
    b->len = out.len;
}

static void module_code(const blob_t *b, uint32_t hmac, int64_t t, char out[9])
{
    uint8_t msg[8], mac[SAM_MAX_MAC_LEN];
    sam_bytes_t m = {msg, 8};
    sam_outbuf_t o = {mac, sizeof(mac), 0};

    sam_totp_counter((uint64_t)sam_totp_step(t, 30), msg);
    OK(sam_module_otp_hmac(mod, (sam_bytes_t){b->blob, b->len}, hmac, &m, 1, &o));
    OK(sam_totp_truncate(mac, o.len, 8, out));
}

Test(pkcs11_otp, rfc6238_vectors_in_the_module, .init = with_keys, .fini = teardown)
{
    static const char *seeds[] = {
        "12345678901234567890", "12345678901234567890123456789012",
        "1234567890123456789012345678901234567890123456789012345678901234"};
    static const uint32_t hmacs[] = {SAM_OTP_HMAC_SHA1, SAM_OTP_HMAC_SHA256, SAM_OTP_HMAC_SHA512};
    static const struct {
        int64_t t;
        const char *code[3];
    } v[] = {
        {59, {"94287082", "46119246", "90693936"}},
        {1111111109, {"07081804", "68084774", "25091201"}},
        {1234567890, {"89005924", "91819424", "93441116"}},
        {20000000000, {"65353130", "77737706", "47863826"}},
    };
    char c[9];
    size_t temp = 99;

    cr_assert(sam_module_has_otp(mod));
    for (size_t a = 0; a < 3; a++) {
        blob_t b;
        protect(seeds[a], strlen(seeds[a]), &b);
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
            module_code(&b, hmacs[a], v[i].t, c);
            cr_assert_str_eq(c, v[i].code[a], "hmac %u at %lld", hmacs[a], (long long)v[i].t);
        }
    }
    OK(sam_module_count_temporary_keys(mod, &temp));
    cr_assert_eq(temp, 0);
}

Test(pkcs11_otp, short_secret_matches_openssl, .init = with_keys, .fini = teardown)
{
    const char secret[] = "0123456789"; /* 10 bytes: shorter than any HMAC's output */
    uint8_t msgs_raw[3][8], mac[3][SAM_MAX_MAC_LEN], want[SAM_MAX_MAC_LEN];
    sam_bytes_t msgs[3];
    sam_outbuf_t macs[3];
    blob_t b;

    protect(secret, 10, &b);
    for (size_t i = 0; i < 3; i++) {
        sam_totp_counter(1000 + i, msgs_raw[i]);
        msgs[i] = (sam_bytes_t){msgs_raw[i], 8};
        macs[i] = (sam_outbuf_t){mac[i], sizeof(mac[i]), 0};
    }
    OK(sam_module_otp_hmac(mod, (sam_bytes_t){b.blob, b.len}, SAM_OTP_HMAC_SHA256, msgs, 3, macs));
    for (size_t i = 0; i < 3; i++) {
        unsigned len = 0;
        HMAC(EVP_sha256(), secret, 10, msgs_raw[i], 8, want, &len);
        cr_assert_eq(macs[i].len, len);
        cr_assert(memcmp(mac[i], want, len) == 0, "message %zu", i);
    }
}

Test(pkcs11_otp, totp_check_through_the_module, .init = with_keys, .fini = teardown)
{
    sam_totp_params_t p = {SAM_OTP_HMAC_SHA1, 8, 30};
    char *record = NULL;
    bool match = false;
    int64_t step = -1;

    OK(sam_totp_protect(mod, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 32, &p, &record));
    cr_assert(strncmp(record, "totp:1:SHA1:8:30:", 17) == 0, "%s", record);
    OK(sam_totp_check(mod, record, 59, -1, "94287082", 8, &match, &step));
    cr_assert(match);
    cr_assert_eq(step, 1);
    OK(sam_totp_check(mod, record, 59, 1, "94287082", 8, &match, &step));
    cr_assert(!match, "a code accepted once is refused");
    OK(sam_totp_check(mod, record, 59, -1, "94287081", 8, &match, &step));
    cr_assert(!match);
    free(record);
    record = NULL;
    /* 9 bytes decoded: too short; bad base32 */
    cr_assert_eq(sam_totp_protect(mod, "GEZDGNBVGY3TQOI", 15, &p, &record), SAM_E_PARSE);
    cr_assert_eq(sam_totp_protect(mod, "GEZDGNBVGY3TQOJQGEZ1", 20, &p, &record), SAM_E_PARSE);
    cr_assert_null(record);
}

Test(pkcs11_otp, damaged_blob_fails, .init = with_keys, .fini = teardown)
{
    uint8_t msg[8] = {0}, mac[SAM_MAX_MAC_LEN];
    sam_bytes_t m = {msg, 8};
    sam_outbuf_t o = {mac, sizeof(mac), 0};
    size_t temp = 99;
    blob_t b;

    protect("12345678901234567890", 20, &b);
    b.blob[b.len - 1] ^= 1;
    cr_assert_neq(
        sam_module_otp_hmac(mod, (sam_bytes_t){b.blob, b.len}, SAM_OTP_HMAC_SHA1, &m, 1, &o),
        SAM_OK);
    cr_assert_eq(o.len, 0);
    b.blob[b.len - 1] ^= 1;
    b.blob[5] = 1; /* the header says an RSA key */
    cr_assert_eq(
        sam_module_otp_hmac(mod, (sam_bytes_t){b.blob, b.len}, SAM_OTP_HMAC_SHA1, &m, 1, &o),
        SAM_E_INVALID_KEY_PAIR);
    b.blob[5] = 0x80;
    cr_assert_eq(sam_module_otp_hmac(mod, (sam_bytes_t){b.blob, b.len}, 9, &m, 1, &o),
                 SAM_E_UNSUPPORTED_ALG);
    OK(sam_module_otp_hmac(mod, (sam_bytes_t){b.blob, b.len}, SAM_OTP_HMAC_SHA1, &m, 1, &o));
    OK(sam_module_count_temporary_keys(mod, &temp));
    cr_assert_eq(temp, 0);
}
