/* Shared set-up for the SAD tests; see sad_fixture.h. */
#include "sad_fixture.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"
#include "sam/strbuf.h"

fx_t fx;
const uint8_t FX_H32[32] = {[0 ... 31] = 0x11};
const uint8_t FX_H48[48] = {[0 ... 47] = 0x22};
const uint8_t FX_H64[64] = {[0 ... 63] = 0x33};

static uint8_t *spkis[4];

void fx_add_key(const char *issuer, const char *kid, EVP_PKEY *key)
{
    cr_assert_lt(fx.n_keys, 4);
    sam_issuer_key_t *k = &fx.keys[fx.n_keys];
    free(spkis[fx.n_keys]); /* a test that starts the list again reuses the slot */
    if (fx.n_keys == 0)
        fx.as1_spki = NULL;
    k->issuer_id = issuer;
    k->kid = kid;
    k->spki = spkis[fx.n_keys] = mint_spki(key, &k->spki_len);
    fx.n_keys++;
}

void fx_setup(void)
{
    memset(&fx, 0, sizeof(fx));
    cr_assert_eq(sam_verifier_open(FX_PLUGIN, NULL, &fx.verifier), SAM_OK, "%s",
                 sam_error_message());
    fx.as1 = mint_ec_key("P-256");
    fx_add_key("as1", "k1", fx.as1);
    fx.as1_spki = spkis[0];
    fx.as1_spki_len = fx.keys[0].spki_len;
    fx.policy.sam_id = FX_SAM_ID;
    fx.policy.now = FX_NOW;
    fx.policy.max_lifetime = 300;
    fx.policy.clock_skew = 30;
    fx.want[0] = (sam_bytes_t){FX_H32, sizeof(FX_H32)};
    fx.expect.purpose = SAM_SAD_PURPOSE_SIGNATURE;
    fx.expect.signer_id = "signer-1";
    fx.expect.key_id = "key-1";
    fx.expect.hashes = fx.want;
    fx.expect.n_hashes = 1;
}

void fx_teardown(void)
{
    for (size_t i = 0; i < 4; i++) {
        free(spkis[i]);
        spkis[i] = NULL;
    }
    EVP_PKEY_free(fx.as1);
    sam_verifier_close(fx.verifier);
}

static const char *const defaults[][2] = {
    {"iss", "\"as1\""},      {"aud", "\"" FX_SAM_ID "\""}, {"sub", "\"signer-1\""},
    {"key_id", "\"key-1\""}, {"purpose", "\"signature\""}, {"iat", "1700000000"},
    {"exp", "1700000060"},   {"jti", "\"jti-0001\""},      {"hashes", "[\"" FX_H32_B64 "\"]"},
};
#define N_DEFAULTS (sizeof(defaults) / sizeof(defaults[0]))

static void member(sam_strbuf_t *b, int *first, const char *name, const char *value)
{
    if (value == NULL)
        return;
    sam_strbuf_printf(b, "%s\"%s\":%s", *first ? "" : ",", name, value);
    *first = 0;
}

static char *claims_v(const char *const (*defs)[2], size_t n_defs, const char *name, va_list ap)
{
    const char *over_name[32], *over_value[32];
    size_t n_over = 0;
    int used[32] = {0}, first = 1;
    sam_strbuf_t b = SAM_STRBUF_INIT;

    for (const char *n = name; n != NULL; n = va_arg(ap, const char *)) {
        cr_assert_lt(n_over, 32);
        over_name[n_over] = n;
        over_value[n_over++] = va_arg(ap, const char *);
    }
    sam_strbuf_puts(&b, "{");
    for (size_t d = 0; d < n_defs; d++) {
        const char *value = defs[d][1];
        for (size_t o = 0; o < n_over; o++) {
            if (strcmp(over_name[o], defs[d][0]) == 0) {
                value = over_value[o];
                used[o] = 1;
            }
        }
        member(&b, &first, defs[d][0], value);
    }
    for (size_t o = 0; o < n_over; o++) {
        if (!used[o])
            member(&b, &first, over_name[o], over_value[o]);
    }
    sam_strbuf_puts(&b, "}");
    cr_assert_eq(sam_strbuf_finish(&b), SAM_OK);
    return sam_strbuf_take(&b, NULL);
}

char *fx_claims(const char *name, ...)
{
    va_list ap;
    va_start(ap, name);
    char *claims = claims_v(defaults, N_DEFAULTS, name, ap);
    va_end(ap);
    return claims;
}

char *fx_claims_with(const char *const (*defs)[2], size_t n_defs, const char *name, ...)
{
    va_list ap;
    va_start(ap, name);
    char *claims = claims_v(defs, n_defs, name, ap);
    va_end(ap);
    return claims;
}

char *fx_token(char *claims)
{
    char *jws =
        mint_jws(fx.as1, "ES256", "{\"alg\":\"ES256\",\"kid\":\"k1\",\"typ\":\"JWT\"}", claims);
    free(claims);
    return jws;
}

static int check(const char *jws, sam_sad_t **out)
{
    /* An exact-length copy, so that a read past the end shows under valgrind. */
    size_t len = strlen(jws);
    char *copy = malloc(len ? len : 1);
    cr_assert_not_null(copy);
    memcpy(copy, jws, len);
    int rc = sam_sad_check(fx.verifier, copy, len, fx.keys, fx.n_keys, &fx.policy, &fx.expect, out);
    free(copy);
    return rc;
}

sam_sad_t *fx_ok(const char *jws)
{
    sam_sad_t *sad = NULL;
    int rc = check(jws, &sad);
    cr_assert_eq(rc, SAM_OK, "refused (%d): %s", rc, sam_error_message());
    cr_assert_not_null(sad);
    return sad;
}

void fx_refused(const char *jws, int rc, const char *fragment)
{
    sam_sad_t *sad = (sam_sad_t *)0x1;
    int got = check(jws, &sad);
    const char *msg = sam_error_message();

    cr_assert_eq(got, rc, "rc %d, want %d: %s", got, rc, msg);
    cr_assert_null(sad);
    cr_assert(strstr(msg, fragment) != NULL, "message \"%s\" lacks \"%s\"", msg, fragment);
    /* Never a piece of the token: check every 12-character window of each part. */
    size_t len = strlen(jws);
    for (size_t i = 0; i + 12 <= len; i++) {
        if (memchr(jws + i, '.', 12) != NULL)
            continue;
        char window[13];
        memcpy(window, jws + i, 12);
        window[12] = '\0';
        cr_assert(strstr(msg, window) == NULL, "message \"%s\" quotes the token", msg);
    }
}
