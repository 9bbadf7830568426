/*
 * base64url for the plugin's own use: the plugin links no core symbol, so it
 * cannot share the core's decoder. Strict like the core's, so that one JWS
 * has exactly one accepted spelling (no padding, no whitespace, zero unused
 * bits). Nothing decoded here is secret, so plain branches are fine.
 */
#include "jws_internal.h"

static int value_of(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

size_t jws_b64url_decoded_len(size_t len)
{
    return len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
}

int jws_b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;

    *out_len = 0;
    if (len % 4 == 1 || jws_b64url_decoded_len(len) > cap)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v = value_of((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Leftover bits (2 or 4) must be zero, or two texts would mean the same bytes. */
    if (acc != 0)
        return -1;
    *out_len = o;
    return 0;
}
