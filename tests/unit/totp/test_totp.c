/*
 * TOTP (totp.h) against the test vectors of RFC 6238, appendix B, with
 * OpenSSL's HMAC in place of the module; base32 decoding; the window, replay
 * refusal and code shapes of sam_totp_verify.
 */
#include <criterion/criterion.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "sam/rc.h"
#include "sam/totp.h"

#define OK(expr) cr_assert_eq((expr), SAM_OK, "%s: %s", #expr, sam_error_message())

static const char seed20[] = "12345678901234567890";
static const char seed32[] = "12345678901234567890123456789012";
static const char seed64[] = "1234567890123456789012345678901234567890123456789012345678901234";

typedef struct {
    const uint8_t *key;
    size_t key_len;
    int calls;
} test_hmac_t;

static int openssl_hmac(void *ctx, uint32_t hmac, const sam_bytes_t *msgs, size_t n,
                        sam_outbuf_t *macs)
{
    test_hmac_t *t = ctx;
    const EVP_MD *md = hmac == SAM_OTP_HMAC_SHA1     ? EVP_sha1()
                       : hmac == SAM_OTP_HMAC_SHA256 ? EVP_sha256()
                                                     : EVP_sha512();
    t->calls++;
    for (size_t i = 0; i < n; i++) {
        unsigned len = 0;
        if (HMAC(md, t->key, (int)t->key_len, msgs[i].ptr, msgs[i].len, macs[i].ptr, &len) == NULL)
            return SAM_E_INTERNAL;
        macs[i].len = len;
    }
    return SAM_OK;
}

/* The HOTP value of one time with the vectors' parameters (8 digits, 30 s). */
static void code_at(uint32_t hmac, const char *seed, int64_t t, char out[SAM_TOTP_MAX_DIGITS + 1])
{
    test_hmac_t h = {(const uint8_t *)seed, strlen(seed), 0};
    uint8_t msg[8], mac[SAM_MAX_MAC_LEN];
    sam_bytes_t m = {msg, 8};
    sam_outbuf_t o = {mac, sizeof(mac), 0};

    sam_totp_counter((uint64_t)sam_totp_step(t, 30), msg);
    OK(openssl_hmac(&h, hmac, &m, 1, &o));
    OK(sam_totp_truncate(mac, o.len, 8, out));
}

Test(totp, rfc6238_vectors)
{
    static const struct {
        int64_t t;
        const char *sha1, *sha256, *sha512;
    } v[] = {
        {59, "94287082", "46119246", "90693936"},
        {1111111109, "07081804", "68084774", "25091201"},
        {1111111111, "14050471", "67062674", "99943326"},
        {1234567890, "89005924", "91819424", "93441116"},
        {2000000000, "69279037", "90698825", "38618901"},
        {20000000000, "65353130", "77737706", "47863826"},
    };
    char c[SAM_TOTP_MAX_DIGITS + 1];

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        code_at(SAM_OTP_HMAC_SHA1, seed20, v[i].t, c);
        cr_assert_str_eq(c, v[i].sha1, "SHA-1 at %lld", (long long)v[i].t);
        code_at(SAM_OTP_HMAC_SHA256, seed32, v[i].t, c);
        cr_assert_str_eq(c, v[i].sha256, "SHA-256 at %lld", (long long)v[i].t);
        code_at(SAM_OTP_HMAC_SHA512, seed64, v[i].t, c);
        cr_assert_str_eq(c, v[i].sha512, "SHA-512 at %lld", (long long)v[i].t);
    }
}

Test(totp, six_digits_are_the_low_digits)
{
    char c[SAM_TOTP_MAX_DIGITS + 1];
    uint8_t mac[20];

    /* RFC 4226 appendix D, count 0: HMAC-SHA-1 of the 20-byte seed; truncated 1284755224. */
    test_hmac_t h = {(const uint8_t *)seed20, 20, 0};
    uint8_t msg[8];
    sam_bytes_t m = {msg, 8};
    sam_outbuf_t o = {mac, sizeof(mac), 0};
    sam_totp_counter(0, msg);
    OK(openssl_hmac(&h, SAM_OTP_HMAC_SHA1, &m, 1, &o));
    OK(sam_totp_truncate(mac, 20, 6, c));
    cr_assert_str_eq(c, "755224");
    cr_assert_eq(sam_totp_truncate(mac, 19, 6, c), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_totp_truncate(mac, 20, 9, c), SAM_E_INVALID_ARG);
}

static void verify_at(const sam_totp_params_t *p, int64_t now, int64_t last, const char *code,
                      bool *match, int64_t *step, test_hmac_t *h)
{
    OK(sam_totp_verify(p, openssl_hmac, h, now, last, code, strlen(code), match, step));
}

Test(totp, window_and_replay)
{
    sam_totp_params_t p = {SAM_OTP_HMAC_SHA1, 8, 30};
    test_hmac_t h = {(const uint8_t *)seed20, 20, 0};
    bool match = false;
    int64_t step = -1;

    /* 94287082 is step 1 (t = 30..59). */
    verify_at(&p, 59, -1, "94287082", &match, &step, &h);
    cr_assert(match);
    cr_assert_eq(step, 1);
    verify_at(&p, 89, -1, "94287082", &match, &step, &h); /* one step later: in the window */
    cr_assert(match);
    verify_at(&p, 5, -1, "94287082", &match, &step, &h); /* one step earlier: in the window */
    cr_assert(match);
    step = -1;
    verify_at(&p, 90, -1, "94287082", &match, &step, &h); /* two steps later: out */
    cr_assert(!match);
    cr_assert_eq(step, -1);
    verify_at(&p, 59, 1, "94287082", &match, &step, &h); /* step 1 accepted before: replay */
    cr_assert(!match);
    verify_at(&p, 59, 0, "94287082", &match, &step, &h);
    cr_assert(match);
}

Test(totp, wrong_shapes_need_no_mac)
{
    sam_totp_params_t p = {SAM_OTP_HMAC_SHA1, 8, 30};
    test_hmac_t h = {(const uint8_t *)seed20, 20, 0};
    bool match = true;
    int64_t step = -1;

    verify_at(&p, 59, -1, "9428708", &match, &step, &h);
    cr_assert(!match);
    verify_at(&p, 59, -1, "942870822", &match, &step, &h);
    cr_assert(!match);
    verify_at(&p, 59, -1, "9428708a", &match, &step, &h);
    cr_assert(!match);
    verify_at(&p, 59, -1, "94287083", &match, &step, &h); /* right shape, wrong code */
    cr_assert(!match);
    cr_assert_eq(h.calls, 1);
    p.digits = 7;
    cr_assert_eq(sam_totp_verify(&p, openssl_hmac, &h, 59, -1, "1234567", 7, &match, &step),
                 SAM_E_PARSE);
}

Test(totp, base32)
{
    uint8_t out[64];
    size_t n = 0;

    OK(sam_base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 32, out, sizeof(out), &n));
    cr_assert_eq(n, 20);
    cr_assert(memcmp(out, seed20, 20) == 0);
    OK(sam_base32_decode("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", 32, out, sizeof(out), &n));
    cr_assert_eq(n, 20);
    /* RFC 4648 section 10 */
    OK(sam_base32_decode("MZXW6YQ=", 8, out, sizeof(out), &n));
    cr_assert_eq(n, 4);
    cr_assert(memcmp(out, "foob", 4) == 0);
    OK(sam_base32_decode("MZXW6YQ", 7, out, sizeof(out), &n));
    cr_assert_eq(n, 4);
    OK(sam_base32_decode("MZXW6YTBOI======", 16, out, sizeof(out), &n));
    cr_assert_eq(n, 6);
    cr_assert(memcmp(out, "foobar", 6) == 0);
    cr_assert_eq(sam_base32_decode("MZXW6YQ1", 8, out, sizeof(out), &n), SAM_E_PARSE);
    cr_assert_eq(sam_base32_decode("MZXW6YR=", 8, out, sizeof(out), &n), SAM_E_PARSE);
    cr_assert_eq(sam_base32_decode("MZX", 3, out, sizeof(out), &n), SAM_E_PARSE);
    cr_assert_eq(sam_base32_decode("MZXW6YQ==", 9, out, sizeof(out), &n), SAM_E_PARSE);
    cr_assert_eq(sam_base32_decode("MZ XW6YQ", 8, out, sizeof(out), &n), SAM_E_PARSE);
    cr_assert_eq(sam_base32_decode("", 0, out, sizeof(out), &n), SAM_E_PARSE);
    cr_assert_eq(sam_base32_decode("MZXW6YTBOI", 10, out, 5, &n), SAM_E_LIMIT);
}

Test(totp, record_params)
{
    sam_totp_params_t p;

    OK(sam_totp_record_params("totp:1:SHA256:8:60:AAAA", &p));
    cr_assert_eq(p.hmac, SAM_OTP_HMAC_SHA256);
    cr_assert_eq(p.digits, 8);
    cr_assert_eq(p.period, 60);
    cr_assert_eq(sam_totp_record_params("totp:1:MD5:6:30:AAAA", &p), SAM_E_PARSE);
    cr_assert_eq(sam_totp_record_params("totp:1:SHA1:7:30:AAAA", &p), SAM_E_PARSE);
    cr_assert_eq(sam_totp_record_params("totp:1:SHA1:6:0:AAAA", &p), SAM_E_PARSE);
    cr_assert_eq(sam_totp_record_params("totp:2:SHA1:6:30:AAAA", &p), SAM_E_PARSE);
    cr_assert_eq(sam_totp_record_params("hotp", &p), SAM_E_PARSE);
}
