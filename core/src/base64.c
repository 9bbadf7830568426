/*
 * Base64 (RFC 4648 §4) and base64url (§5). Decoding is strict, so that each
 * byte string has exactly one accepted encoding: signatures and key blobs
 * travel in these, and a lenient decoder would let two different texts mean
 * the same bytes.
 *
 * Characters are mapped to values with arithmetic instead of a table or
 * branches, so that decoding secret material does not leak it through the
 * cache or the branch predictor. Error reporting (rare, and about malformed
 * input rather than secrets) is allowed to branch.
 */
#include "sam/base64.h"

#include <stdlib.h>

#include "sam/rc.h"

static const char alphabet_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char alphabet_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t sam_base64_encoded_size(size_t len)
{
    /* 4 characters per started group of 3, plus the NUL; SIZE_MAX if that does not fit. */
    if (len / 3 >= (SIZE_MAX - 1) / 4 - 1)
        return SIZE_MAX;
    return (len + 2) / 3 * 4 + 1;
}

size_t sam_base64_decoded_cap(size_t len)
{
    return (len / 4 + 1) * 3;
}

static void encode(const uint8_t *in, size_t len, char *out, const char *alphabet, int pad)
{
    size_t i = 0, o = 0;

    for (; len - i >= 3; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 0x3F];
        out[o++] = alphabet[(v >> 6) & 0x3F];
        out[o++] = alphabet[v & 0x3F];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 0x3F];
        if (pad) {
            out[o++] = '=';
            out[o++] = '=';
        }
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 0x3F];
        out[o++] = alphabet[(v >> 6) & 0x3F];
        if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
}

void sam_base64_encode(const uint8_t *in, size_t len, char *out)
{
    encode(in, len, out, alphabet_std, 1);
}

void sam_base64url_encode(const uint8_t *in, size_t len, char *out)
{
    encode(in, len, out, alphabet_url, 0);
}

/* 0xFF when lo <= c <= hi, else 0; c, lo, hi < 256; no branch. */
static unsigned ct_range(unsigned c, unsigned lo, unsigned hi)
{
    unsigned below = c - lo; /* wraps (top bit set) when c < lo */
    unsigned above = hi - c; /* wraps when c > hi */
    return (((below | above) >> 31) - 1u) & 0xFF;
}

/*
 * Value of character c (0..63), or a value with bit 8 set when c is not in
 * the alphabet. c62 and c63 are '+' '/' or '-' '_'.
 */
static unsigned ct_value(unsigned char ch, unsigned c62, unsigned c63)
{
    unsigned c = ch;
    unsigned upper = ct_range(c, 'A', 'Z');
    unsigned lower = ct_range(c, 'a', 'z');
    unsigned digit = ct_range(c, '0', '9');
    unsigned s62 = ct_range(c, c62, c62);
    unsigned s63 = ct_range(c, c63, c63);
    unsigned valid = upper | lower | digit | s62 | s63;
    unsigned v = (upper & (c - 'A')) | (lower & (c - 'a' + 26)) | (digit & (c - '0' + 52)) |
                 (s62 & 62u) | (s63 & 63u);
    return (v & 0x3F) | ((valid ^ 0xFF) << 1 & 0x100);
}

/* Explain why in[0..data_len) was refused: find the first bad character. */
static int report_bad_char(const char *in, size_t data_len, const char *name, unsigned c62,
                           unsigned c63, int url)
{
    size_t i;

    for (i = 0; i < data_len; i++) {
        if (ct_value((unsigned char)in[i], c62, c63) & 0x100)
            break;
    }
    if (i < data_len && in[i] == '=') {
        if (url)
            return sam_error_set(SAM_E_PARSE, "invalid %s: character %zu is padding, %s", name,
                                 i + 1, "which base64url must not have");
        return sam_error_set(SAM_E_PARSE, "invalid %s: character %zu is misplaced padding", name,
                             i + 1);
    }
    return sam_error_set(SAM_E_PARSE, "invalid %s: character %zu is not in the alphabet", name,
                         i + 1);
}

static int decode(const char *in, size_t len, uint8_t *out, size_t *out_len, int url)
{
    const char *name = url ? "base64url" : "base64";
    unsigned c62 = url ? '-' : '+', c63 = url ? '_' : '/';
    size_t data_len = len, i, o = 0, rem;
    unsigned bad = 0;
    int rc = SAM_E_PARSE;

    *out_len = 0;
    if (url) {
        if (len % 4 == 1) {
            rc = sam_error_set(SAM_E_PARSE, "invalid %s: length %zu is impossible", name, len);
            goto out;
        }
    } else {
        if (len % 4 != 0) {
            rc = sam_error_set(SAM_E_PARSE, "invalid %s: length %zu is not a multiple of 4", name,
                               len);
            goto out;
        }
        /* Padding is a function of the (public) length of the data. */
        if (len != 0 && in[len - 1] == '=')
            data_len--;
        if (len != 0 && in[len - 2] == '=')
            data_len--;
    }
    rem = data_len % 4; /* 0, 2 or 3 here */

    for (i = 0; data_len - i >= 4; i += 4) {
        unsigned a = ct_value((unsigned char)in[i], c62, c63);
        unsigned b = ct_value((unsigned char)in[i + 1], c62, c63);
        unsigned c = ct_value((unsigned char)in[i + 2], c62, c63);
        unsigned d = ct_value((unsigned char)in[i + 3], c62, c63);
        uint32_t v = (uint32_t)(a & 0x3F) << 18 | (uint32_t)(b & 0x3F) << 12 |
                     (uint32_t)(c & 0x3F) << 6 | (d & 0x3F);
        bad |= a | b | c | d;
        out[o++] = (uint8_t)(v >> 16);
        out[o++] = (uint8_t)(v >> 8);
        out[o++] = (uint8_t)v;
    }
    if (rem >= 2) {
        unsigned a = ct_value((unsigned char)in[i], c62, c63);
        unsigned b = ct_value((unsigned char)in[i + 1], c62, c63);
        unsigned c = rem == 3 ? ct_value((unsigned char)in[i + 2], c62, c63) : 0;
        uint32_t v =
            (uint32_t)(a & 0x3F) << 18 | (uint32_t)(b & 0x3F) << 12 | (uint32_t)(c & 0x3F) << 6;
        bad |= a | b | c;
        out[o++] = (uint8_t)(v >> 16);
        if (rem == 3)
            out[o++] = (uint8_t)(v >> 8);
        /* Bits of the last character that no output byte uses must be zero. */
        bad |= (rem == 2 ? (v & 0xFFFF) : (v & 0xFF)) != 0 ? 0x200 : 0;
    }
    if (bad & 0x100) {
        rc = report_bad_char(in, data_len, name, c62, c63, url);
        goto out;
    }
    if (bad & 0x200) {
        rc = sam_error_set(SAM_E_PARSE, "invalid %s: %s", name,
                           "unused bits of the last character are not zero");
        goto out;
    }
    *out_len = o;
    rc = SAM_OK;
out:
    return rc;
}

int sam_base64_decode(const char *in, size_t len, uint8_t *out, size_t *out_len)
{
    return decode(in, len, out, out_len, 0);
}

int sam_base64url_decode(const char *in, size_t len, uint8_t *out, size_t *out_len)
{
    return decode(in, len, out, out_len, 1);
}

int sam_base64_decode_alloc(const char *in, size_t len, uint8_t **out, size_t *out_len)
{
    uint8_t *buf = NULL;
    int rc;

    *out = NULL;
    *out_len = 0;
    buf = malloc(sam_base64_decoded_cap(len));
    if (buf == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory decoding base64");
        goto out;
    }
    rc = decode(in, len, buf, out_len, 0);
    if (rc != SAM_OK)
        goto out;
    *out = buf;
    buf = NULL;
out:
    free(buf);
    return rc;
}

char *sam_base64_encode_alloc(const uint8_t *in, size_t len)
{
    size_t n = sam_base64_encoded_size(len);
    char *out;

    if (n == SIZE_MAX)
        return NULL;
    out = malloc(n);
    if (out != NULL)
        sam_base64_encode(in, len, out);
    return out;
}
