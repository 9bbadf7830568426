/*
 * TOTP (RFC 6238) for CSC credentials: the secret's base32 form, the stored
 * record, the time steps, HOTP's dynamic truncation and the check of a code
 * against the window of steps. The HMAC itself is the module's (totp.h).
 */
#include "sam/totp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam/base64.h"
#include "sam/rc.h"
#include "sam/secmem.h"

#define RECORD_PREFIX "totp:1:"
#define MAX_RECORD_BLOB SAM_MAX_WRAPPED_LEN

const sam_totp_params_t sam_totp_defaults = {SAM_OTP_HMAC_SHA1, 6, 30};

static const struct {
    uint32_t hmac;
    const char *name;
    size_t mac_len;
} algorithms[] = {
    {SAM_OTP_HMAC_SHA1, "SHA1", 20},
    {SAM_OTP_HMAC_SHA256, "SHA256", 32},
    {SAM_OTP_HMAC_SHA512, "SHA512", 64},
};

int sam_totp_algorithm(const char *name, uint32_t *hmac)
{
    for (size_t i = 0; name != NULL && i < sizeof(algorithms) / sizeof(algorithms[0]); i++) {
        if (strcmp(name, algorithms[i].name) == 0) {
            *hmac = algorithms[i].hmac;
            return SAM_OK;
        }
    }
    return sam_error_set(SAM_E_PARSE, "otp algorithm must be \"SHA1\", \"SHA256\" or \"SHA512\"");
}

const char *sam_totp_algorithm_name(uint32_t hmac)
{
    for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
        if (algorithms[i].hmac == hmac)
            return algorithms[i].name;
    return NULL;
}

int sam_totp_params_check(const sam_totp_params_t *p)
{
    if (sam_totp_algorithm_name(p->hmac) == NULL)
        return sam_error_set(SAM_E_PARSE, "otp algorithm must be SHA1, SHA256 or SHA512");
    if (p->digits != 6 && p->digits != 8)
        return sam_error_set(SAM_E_PARSE, "otp digits must be 6 or 8");
    if (p->period < 1 || p->period > SAM_TOTP_MAX_PERIOD)
        return sam_error_set(SAM_E_PARSE, "otp period must be 1 to %d seconds",
                             SAM_TOTP_MAX_PERIOD);
    return SAM_OK;
}

static int base32_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

int sam_base32_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0, data = len;

    *out_len = 0;
    /* Padding, when present, completes the last group of 8 characters. */
    while (data > 0 && in[data - 1] == '=')
        data--;
    if (data != len && len % 8 != 0)
        return sam_error_set(SAM_E_PARSE, "base32: padding does not complete a group");
    /* A group's last character carries 5 bits; these data lengths leave whole bytes. */
    static const bool whole[8] = {true, false, true, false, true, true, false, true};
    if (data == 0 || !whole[data % 8] || len - data > 6)
        return sam_error_set(SAM_E_PARSE, "base32: wrong length");
    for (size_t i = 0; i < data; i++) {
        int v = base32_value(in[i]);
        if (v < 0)
            return sam_error_set(SAM_E_PARSE, "base32: character %zu is not in the alphabet", i);
        acc = (acc << 5) | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (n >= cap)
                return sam_error_set(SAM_E_LIMIT, "base32: more than %zu bytes", cap);
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0)
        return sam_error_set(SAM_E_PARSE, "base32: unused bits are not zero");
    *out_len = n;
    return SAM_OK;
}

int64_t sam_totp_step(int64_t now, unsigned period)
{
    return now < 0 || period == 0 ? 0 : now / (int64_t)period;
}

void sam_totp_counter(uint64_t counter, uint8_t out[8])
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)counter;
        counter >>= 8;
    }
}

int sam_totp_truncate(const uint8_t *mac, size_t len, unsigned digits,
                      char out[SAM_TOTP_MAX_DIGITS + 1])
{
    static const uint32_t mod[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

    if (mac == NULL || len < 20 || len > SAM_MAX_MAC_LEN || digits < 1 ||
        digits > SAM_TOTP_MAX_DIGITS)
        return sam_error_set(SAM_E_INVALID_ARG, "totp: bad MAC or digit count");
    size_t off = mac[len - 1] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
    uint32_t code = bin % mod[digits];
    for (int i = (int)digits - 1; i >= 0; i--) {
        out[i] = (char)('0' + code % 10);
        code /= 10;
    }
    out[digits] = '\0';
    return SAM_OK;
}

static bool all_digits(const char *code, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (code[i] < '0' || code[i] > '9')
            return false;
    return true;
}

int sam_totp_verify(const sam_totp_params_t *p, sam_totp_hmac_fn hmac, void *ctx, int64_t now,
                    int64_t last_step, const char *code, size_t code_len, bool *match,
                    int64_t *step)
{
    enum { N = 2 * SAM_TOTP_WINDOW + 1 };
    uint8_t msg[N][8], mac[N][SAM_MAX_MAC_LEN];
    char want[SAM_TOTP_MAX_DIGITS + 1];
    sam_bytes_t msgs[N];
    sam_outbuf_t macs[N];
    int64_t steps[N];
    size_t n = 0;
    int found = 0, rc;

    *match = false;
    if ((rc = sam_totp_params_check(p)) != SAM_OK)
        return rc;
    /* The shape is public (credentials/info says N and the digit count): no MAC needed to refuse.
     */
    if (code == NULL || code_len != p->digits || !all_digits(code, code_len))
        return SAM_OK;
    int64_t current = sam_totp_step(now, p->period);
    for (int64_t s = current - SAM_TOTP_WINDOW; s <= current + SAM_TOTP_WINDOW; s++) {
        if (s < 0 || s <= last_step)
            continue; /* accepted before: a replay */
        steps[n] = s;
        sam_totp_counter((uint64_t)s, msg[n]);
        msgs[n] = (sam_bytes_t){msg[n], 8};
        macs[n] = (sam_outbuf_t){mac[n], sizeof(mac[n]), 0};
        n++;
    }
    if (n == 0)
        return SAM_OK;
    if ((rc = hmac(ctx, p->hmac, msgs, n, macs)) != SAM_OK)
        goto out;
    /* Compare with every candidate, whatever matched before: the time says nothing. */
    for (size_t i = 0; i < n; i++) {
        if ((rc = sam_totp_truncate(mac[i], macs[i].len, p->digits, want)) != SAM_OK)
            goto out;
        int eq = sam_ct_equal(want, code, p->digits);
        if (eq && !found) {
            found = 1;
            *step = steps[i];
        }
    }
    *match = found != 0;
    rc = SAM_OK;
out:
    sam_wipe(mac, sizeof(mac));
    sam_wipe(want, sizeof(want));
    return rc;
}

int sam_totp_record_params(const char *record, sam_totp_params_t *p)
{
    char alg[8];
    unsigned digits = 0, period = 0;
    int used = 0;

    if (record == NULL || strncmp(record, RECORD_PREFIX, strlen(RECORD_PREFIX)) != 0 ||
        sscanf(record + strlen(RECORD_PREFIX), "%7[A-Z0-9]:%u:%u:%n", alg, &digits, &period,
               &used) != 3 ||
        used == 0)
        return sam_error_set(SAM_E_PARSE, "stored OTP: not a TOTP record of ours");
    if (sam_totp_algorithm(alg, &p->hmac) != SAM_OK)
        return sam_error_set(SAM_E_PARSE, "stored OTP: unknown algorithm");
    p->digits = digits;
    p->period = period;
    if (sam_totp_params_check(p) != SAM_OK)
        return sam_error_set(SAM_E_PARSE, "stored OTP: bad parameters");
    return SAM_OK;
}

/* The base64 blob of a record (after the fifth ':'). */
static const char *record_blob(const char *record)
{
    const char *q = record;
    for (int i = 0; i < 5 && q != NULL; i++)
        if ((q = strchr(q, ':')) != NULL)
            q++;
    return q;
}

int sam_totp_protect(sam_module_t *m, const char *base32, size_t len, const sam_totp_params_t *p,
                     char **record)
{
    uint8_t *secret = NULL, blob[SAM_MAX_WRAPPED_LEN];
    sam_outbuf_t out = {blob, sizeof(blob), 0};
    char *b64 = NULL, *text = NULL;
    size_t secret_len = 0;
    int rc;

    *record = NULL;
    if ((rc = sam_totp_params_check(p)) != SAM_OK)
        goto out;
    if (base32 == NULL || len == 0 || len > SAM_TOTP_MAX_BASE32) {
        rc = sam_error_set(SAM_E_PARSE, "otp secret must be base32 of %d to %d bytes",
                           SAM_TOTP_MIN_SECRET, SAM_TOTP_MAX_SECRET);
        goto out;
    }
    if ((secret = sam_secure_alloc(SAM_TOTP_MAX_BASE32)) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "no secure memory for an OTP secret");
        goto out;
    }
    rc = sam_base32_decode(base32, len, secret, SAM_TOTP_MAX_BASE32, &secret_len);
    if (rc != SAM_OK || secret_len < SAM_TOTP_MIN_SECRET || secret_len > SAM_TOTP_MAX_SECRET) {
        rc = sam_error_set(SAM_E_PARSE, "otp secret must be base32 of %d to %d bytes",
                           SAM_TOTP_MIN_SECRET, SAM_TOTP_MAX_SECRET);
        goto out;
    }
    if ((rc = sam_module_otp_protect(m, (sam_bytes_t){secret, secret_len}, &out)) != SAM_OK)
        goto out;
    if ((b64 = sam_base64_encode_alloc(blob, out.len)) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    size_t cap = strlen(RECORD_PREFIX) + 32 + strlen(b64);
    if ((text = malloc(cap)) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    snprintf(text, cap, RECORD_PREFIX "%s:%u:%u:%s", sam_totp_algorithm_name(p->hmac), p->digits,
             p->period, b64);
    *record = text;
    text = NULL;
    rc = SAM_OK;
out:
    sam_secure_free(secret);
    free(b64);
    free(text);
    return rc;
}

typedef struct {
    sam_module_t *m;
    sam_bytes_t blob;
} module_hmac_t;

static int module_hmac(void *ctx, uint32_t hmac, const sam_bytes_t *msgs, size_t n,
                       sam_outbuf_t *macs)
{
    module_hmac_t *x = ctx;
    return sam_module_otp_hmac(x->m, x->blob, hmac, msgs, n, macs);
}

int sam_totp_check(sam_module_t *m, const char *record, int64_t now, int64_t last_step,
                   const char *code, size_t code_len, bool *match, int64_t *step)
{
    sam_totp_params_t p;
    uint8_t *blob = NULL;
    size_t blob_len = 0;
    const char *b64;
    int rc;

    *match = false;
    if ((rc = sam_totp_record_params(record, &p)) != SAM_OK)
        return rc;
    b64 = record_blob(record);
    if (b64 == NULL || strlen(b64) > sam_base64_encoded_size(MAX_RECORD_BLOB) ||
        sam_base64_decode_alloc(b64, strlen(b64), &blob, &blob_len) != SAM_OK) {
        rc = sam_error_set(SAM_E_PARSE, "stored OTP: the protected secret is not base64");
        goto out;
    }
    module_hmac_t x = {m, {blob, blob_len}};
    rc = sam_totp_verify(&p, module_hmac, &x, now, last_step, code, code_len, match, step);
out:
    free(blob);
    return rc;
}
