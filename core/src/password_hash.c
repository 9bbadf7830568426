/*
 * Salted, slow password and PIN hashes (password.h): scrypt through OpenSSL 3.
 * The parameters are written into the encoding so that they can grow later
 * without making existing hashes unreadable; verification accepts only
 * parameters within fixed bounds, so a planted hash cannot make us spend
 * unbounded memory.
 */
#include "sam/password.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sam/base64.h"
#include "sam/rc.h"
#include "sam/secmem.h"

#define SCRYPT_N 32768u
#define SCRYPT_R 8u
#define SCRYPT_P 1u
#define SALT_LEN 16
#define HASH_LEN 32
#define MAX_N (1u << 20)
#define MAX_R 32u
#define MAX_P 4u
/* scrypt needs 128 * N * r bytes, plus a little; allow that for the bounds above. */
#define MAX_MEM ((uint64_t)128 * MAX_N * MAX_R + (1u << 20))

static int derive(const char *secret, size_t len, const uint8_t *salt, uint64_t n, uint64_t r,
                  uint64_t p, uint8_t *out)
{
    if (EVP_PBE_scrypt(secret, len, salt, SALT_LEN, n, r, p, MAX_MEM, out, HASH_LEN) != 1)
        return sam_error_set(SAM_E_INTERNAL, "scrypt failed");
    return SAM_OK;
}

static int check_secret(const char *secret, size_t len)
{
    if (secret == NULL || len == 0 || len > SAM_PASSWORD_MAX_LEN)
        return sam_error_set(SAM_E_INVALID_ARG, "a password or PIN must be 1 to %d bytes",
                             SAM_PASSWORD_MAX_LEN);
    return SAM_OK;
}

int sam_password_hash(const char *secret, size_t len, char **encoded)
{
    uint8_t salt[SALT_LEN], hash[HASH_LEN];
    char salt64[32], hash64[64];
    char *s = NULL;
    int rc;

    if (encoded != NULL)
        *encoded = NULL;
    if (encoded == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "password hash: output missing");
    if ((rc = check_secret(secret, len)) != SAM_OK)
        return rc;
    if (RAND_bytes(salt, sizeof(salt)) != 1) {
        rc = sam_error_set(SAM_E_INTERNAL, "no random bytes for a salt");
        goto out;
    }
    if ((rc = derive(secret, len, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, hash)) != SAM_OK)
        goto out;
    sam_base64_encode(salt, sizeof(salt), salt64);
    sam_base64_encode(hash, sizeof(hash), hash64);
    s = malloc(SAM_PASSWORD_HASH_MAX_LEN);
    if (s == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory hashing a password");
        goto out;
    }
    snprintf(s, SAM_PASSWORD_HASH_MAX_LEN, "$scrypt$%u$%u$%u$%s$%s", SCRYPT_N, SCRYPT_R, SCRYPT_P,
             salt64, hash64);
    *encoded = s;
    rc = SAM_OK;
out:
    sam_wipe(hash, sizeof(hash));
    return rc;
}

/* Read a decimal field ending at '$' within [1, max]; advance *p past the '$'. */
static int field_u64(const char **p, uint64_t max, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    size_t n = 0;

    while (s[n] >= '0' && s[n] <= '9' && n < 8) {
        v = v * 10 + (uint64_t)(s[n] - '0');
        n++;
    }
    if (n == 0 || s[n] != '$' || v == 0 || v > max)
        return sam_error_set(SAM_E_PARSE, "not a password hash");
    *p = s + n + 1;
    *out = v;
    return SAM_OK;
}

/* Decode a base64 field of exactly want bytes ending at '$' or at the end. */
static int field_b64(const char **p, char end, uint8_t *out, size_t want)
{
    const char *s = *p;
    const char *e = end == '\0' ? s + strlen(s) : strchr(s, end);
    uint8_t buf[64];
    size_t got = 0;

    if (e == NULL || (size_t)(e - s) > 64 || sam_base64_decoded_cap((size_t)(e - s)) > sizeof(buf))
        return sam_error_set(SAM_E_PARSE, "not a password hash");
    if (sam_base64_decode(s, (size_t)(e - s), buf, &got) != SAM_OK || got != want)
        return sam_error_set(SAM_E_PARSE, "not a password hash");
    memcpy(out, buf, want);
    *p = *e == '\0' ? e : e + 1;
    return SAM_OK;
}

int sam_password_verify(const char *secret, size_t len, const char *encoded, bool *match)
{
    static const char prefix[] = "$scrypt$";
    uint8_t salt[SALT_LEN], want[HASH_LEN], got[HASH_LEN];
    uint64_t n = 0, r = 0, p = 0;
    const char *c = encoded;
    int rc;

    if (match != NULL)
        *match = false;
    if (match == NULL || encoded == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "password verify: argument missing");
    if ((rc = check_secret(secret, len)) != SAM_OK)
        return rc;
    if (strnlen(encoded, SAM_PASSWORD_HASH_MAX_LEN) >= SAM_PASSWORD_HASH_MAX_LEN ||
        strncmp(c, prefix, sizeof(prefix) - 1) != 0)
        return sam_error_set(SAM_E_PARSE, "not a password hash");
    c += sizeof(prefix) - 1;
    if ((rc = field_u64(&c, MAX_N, &n)) != SAM_OK || (rc = field_u64(&c, MAX_R, &r)) != SAM_OK ||
        (rc = field_u64(&c, MAX_P, &p)) != SAM_OK ||
        (rc = field_b64(&c, '$', salt, sizeof(salt))) != SAM_OK ||
        (rc = field_b64(&c, '\0', want, sizeof(want))) != SAM_OK)
        goto out;
    if ((n & (n - 1)) != 0 || n < 2) {
        rc = sam_error_set(SAM_E_PARSE, "not a password hash");
        goto out;
    }
    if ((rc = derive(secret, len, salt, n, r, p, got)) != SAM_OK)
        goto out;
    *match = sam_ct_equal(got, want, sizeof(got)) != 0;
out:
    sam_wipe(got, sizeof(got));
    sam_wipe(want, sizeof(want));
    return rc;
}
