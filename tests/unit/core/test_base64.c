/* sam/base64.h: RFC 4648 vectors, round trips, strict refusals. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "sam/base64.h"
#include "sam/rc.h"

static const struct {
    const char *plain, *std, *url;
} rfc4648[] = {
    /* RFC 4648 §10 */
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

Test(base64, rfc4648_vectors)
{
    for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        const char *p = rfc4648[i].plain;
        size_t n = strlen(p), got_len = 99;
        char enc[16];
        uint8_t dec[16];

        sam_base64_encode((const uint8_t *)p, n, enc);
        cr_assert_str_eq(enc, rfc4648[i].std);
        cr_assert_eq(sam_base64_encoded_size(n), strlen(rfc4648[i].std) + 1);
        sam_base64url_encode((const uint8_t *)p, n, enc);
        cr_assert_str_eq(enc, rfc4648[i].url);

        cr_assert_eq(sam_base64_decode(rfc4648[i].std, strlen(rfc4648[i].std), dec, &got_len),
                     SAM_OK, "%s: %s", rfc4648[i].std, sam_error_message());
        cr_assert_eq(got_len, n);
        cr_assert_arr_eq(dec, p, n);
        got_len = 99;
        cr_assert_eq(sam_base64url_decode(rfc4648[i].url, strlen(rfc4648[i].url), dec, &got_len),
                     SAM_OK, "%s: %s", rfc4648[i].url, sam_error_message());
        cr_assert_eq(got_len, n);
        cr_assert_arr_eq(dec, p, n);
    }
}

Test(base64, url_alphabet_differs_only_in_62_and_63)
{
    const uint8_t d[] = {0xfb, 0xff, 0xbf};
    char enc[8];
    uint8_t dec[8];
    size_t n;

    sam_base64_encode(d, 3, enc);
    cr_assert_str_eq(enc, "+/+/");
    sam_base64url_encode(d, 3, enc);
    cr_assert_str_eq(enc, "-_-_");
    cr_assert_eq(sam_base64url_decode("-_-_", 4, dec, &n), SAM_OK);
    cr_assert_arr_eq(dec, d, 3);
    cr_assert_eq(sam_base64_decode("-_-_", 4, dec, &n), SAM_E_PARSE);
    cr_assert_eq(sam_base64url_decode("+/+/", 4, dec, &n), SAM_E_PARSE);
}

Test(base64, round_trips_0_to_64)
{
    uint8_t data[64];
    uint32_t x = 0x12345678;

    for (size_t i = 0; i < sizeof(data); i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (uint8_t)(x >> 16);
    }
    data[0] = 0xff; /* make sure the top of the alphabet is used */
    for (size_t len = 0; len <= 64; len++) {
        char enc[128];
        uint8_t dec[128];
        size_t n = 999, cap = sam_base64_decoded_cap(4 * ((len + 2) / 3));

        cr_assert(cap <= sizeof(dec));
        sam_base64_encode(data, len, enc);
        cr_assert_eq(strlen(enc) + 1, sam_base64_encoded_size(len));
        cr_assert_eq(strlen(enc) % 4, 0);
        cr_assert_eq(sam_base64_decode(enc, strlen(enc), dec, &n), SAM_OK, "len %zu: %s", len,
                     sam_error_message());
        cr_assert_eq(n, len);
        cr_assert_arr_eq(dec, data, len);

        sam_base64url_encode(data, len, enc);
        cr_assert_null(strchr(enc, '='));
        cr_assert_null(strchr(enc, '+'));
        cr_assert_null(strchr(enc, '/'));
        n = 999;
        cr_assert_eq(sam_base64url_decode(enc, strlen(enc), dec, &n), SAM_OK, "len %zu: %s", len,
                     sam_error_message());
        cr_assert_eq(n, len);
        cr_assert_arr_eq(dec, data, len);

        char *a = sam_base64_encode_alloc(data, len);
        uint8_t *b = NULL;
        cr_assert_not_null(a);
        cr_assert_eq(sam_base64_decode_alloc(a, strlen(a), &b, &n), SAM_OK);
        cr_assert_not_null(b);
        cr_assert_eq(n, len);
        cr_assert_arr_eq(b, data, len);
        free(a);
        free(b);
    }
}

Test(base64, sizes)
{
    cr_assert_eq(sam_base64_encoded_size(0), 1);
    cr_assert_eq(sam_base64_encoded_size(1), 5);
    cr_assert_eq(sam_base64_encoded_size(3), 5);
    cr_assert_eq(sam_base64_encoded_size(4), 9);
    cr_assert_eq(sam_base64_encoded_size(SIZE_MAX), SIZE_MAX, "overflow saturates");
    cr_assert_eq(sam_base64_decoded_cap(0), 3);
    cr_assert_eq(sam_base64_decoded_cap(8), 9);
    cr_assert_null(sam_base64_encode_alloc((const uint8_t *)"", SIZE_MAX));
}

static void refused(int url, const char *in, const char *msg)
{
    uint8_t out[64];
    size_t n = 7;
    int rc;

    sam_error_clear();
    rc = url ? sam_base64url_decode(in, strlen(in), out, &n)
             : sam_base64_decode(in, strlen(in), out, &n);
    cr_assert_eq(rc, SAM_E_PARSE, "%s accepted", in);
    cr_assert_eq(n, 0);
    if (msg != NULL)
        cr_assert_str_eq(sam_error_message(), msg);
}

Test(base64, strict_standard)
{
    refused(0, "Zg=", "invalid base64: length 3 is not a multiple of 4");
    refused(0, "Zg", "invalid base64: length 2 is not a multiple of 4");
    refused(0, "Zh==", "invalid base64: unused bits of the last character are not zero");
    refused(0, "Zm9=", "invalid base64: unused bits of the last character are not zero");
    refused(0, "Zm-v", "invalid base64: character 3 is not in the alphabet");
    refused(0, "Zm 9", "invalid base64: character 3 is not in the alphabet");
    refused(0, "Zm9v\nZm9v", "invalid base64: length 9 is not a multiple of 4");
    refused(0, "Zm9v\r\nZm", "invalid base64: character 5 is not in the alphabet");
    refused(0, "Z=9v", "invalid base64: character 2 is misplaced padding");
    refused(0, "Zg==Zg==", "invalid base64: character 3 is misplaced padding");
    refused(0, "Zm9v====", "invalid base64: character 5 is misplaced padding");
    refused(0, "====", "invalid base64: character 1 is misplaced padding");
    uint8_t out[8];
    size_t n;
    cr_assert_eq(sam_base64_decode("Zm9v\0\0\0\0", 8, out, &n), SAM_E_PARSE);
    cr_assert_str_eq(sam_error_message(), "invalid base64: character 5 is not in the alphabet");
}

Test(base64, strict_url)
{
    refused(1, "Zg==", "invalid base64url: character 3 is padding, which base64url must not have");
    refused(1, "Zg=", "invalid base64url: character 3 is padding, which base64url must not have");
    refused(1, "Zm9vY", "invalid base64url: length 5 is impossible");
    refused(1, "Zh", "invalid base64url: unused bits of the last character are not zero");
    refused(1, "Zm9", "invalid base64url: unused bits of the last character are not zero");
    refused(1, "Zm+v", "invalid base64url: character 3 is not in the alphabet");
    refused(1, "Zm9v Zm9", "invalid base64url: character 5 is not in the alphabet");
}

Test(base64, every_byte_value_classified)
{
    static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    for (int c = 0; c < 256; c++) {
        char in[4] = {(char)c, 'A', 'A', 'A'};
        uint8_t out[8];
        size_t n;
        const char *ps = c != 0 ? memchr(std, c, 64) : NULL;
        const char *pu = c != 0 ? memchr(url, c, 64) : NULL;
        int rs = sam_base64_decode(in, 4, out, &n);
        int ru = sam_base64url_decode(in, 4, out, &n);

        cr_assert_eq(rs, ps != NULL ? SAM_OK : SAM_E_PARSE, "std byte %d", c);
        cr_assert_eq(ru, pu != NULL ? SAM_OK : SAM_E_PARSE, "url byte %d", c);
        if (ps != NULL) {
            sam_base64_decode(in, 4, out, &n);
            cr_assert_eq(out[0] >> 2, ps - std, "value of %c", c);
        }
    }
}

Test(base64, decode_alloc_failure_leaves_nothing)
{
    uint8_t *out = (uint8_t *)0x1;
    size_t n = 5;

    cr_assert_eq(sam_base64_decode_alloc("Zm9v!", 5, &out, &n), SAM_E_PARSE);
    cr_assert_null(out);
    cr_assert_eq(n, 0);
}
