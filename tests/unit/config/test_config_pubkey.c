#define _GNU_SOURCE /* asprintf */
/* Public keys as the configuration reads them: base64 DER SPKI or PEM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "config_fixtures.h"
#include "sam/base64.h"
#include "sam/config.h"
#include "sam/rc.h"

/* The PEM of a fixture key with real newlines. */
static char *pem_of(fx_key k)
{
    const char *j = fx_key_pem_json(k);
    char *out = malloc(strlen(j) + 1);
    size_t n = 0;
    cr_assert_not_null(out);
    for (size_t i = 0; j[i] != '\0'; i++) {
        if (j[i] == '\\' && j[i + 1] == 'n') {
            out[n++] = '\n';
            i++;
        } else {
            out[n++] = j[i];
        }
    }
    out[n] = '\0';
    return out;
}

static int parse(const char *s, sam_public_key_t *k)
{
    return sam_public_key_parse(s, strlen(s), k);
}

Test(public_key, base64_der_of_each_accepted_type)
{
    const fx_key ok[] = {FX_EC256_A, FX_EC384, FX_RSA2048};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        sam_public_key_t k;
        cr_assert_eq(parse(fx_key_b64(ok[i]), &k), SAM_OK, "%s", sam_error_message());
        cr_assert_eq(memcmp(k.sha256, fx_key_sha256(ok[i]), 32), 0);
        cr_assert_gt(k.spki_len, 0);
        sam_public_key_clear(&k);
        cr_assert_null(k.spki);
    }
}

Test(public_key, pem_gives_the_same_canonical_der)
{
    char *pem = pem_of(FX_RSA2048);
    sam_public_key_t a, b;
    cr_assert_eq(parse(pem, &a), SAM_OK, "%s", sam_error_message());
    cr_assert_eq(parse(fx_key_b64(FX_RSA2048), &b), SAM_OK);
    cr_assert_eq(a.spki_len, b.spki_len);
    cr_assert_eq(memcmp(a.spki, b.spki, a.spki_len), 0);
    sam_public_key_clear(&a);
    sam_public_key_clear(&b);

    /* Whitespace around the block is fine. */
    char *padded = NULL;
    cr_assert_gt(asprintf(&padded, "\n  %s\n\n", pem), 0);
    cr_assert_eq(parse(padded, &a), SAM_OK, "%s", sam_error_message());
    sam_public_key_clear(&a);
    free(padded);
    free(pem);
}

Test(public_key, malformed_input_is_refused)
{
    sam_public_key_t k;
    char *pem = pem_of(FX_EC256_A), *s = NULL;

    cr_assert_eq(parse("", &k), SAM_E_PARSE);
    cr_assert_eq(parse("AAAA", &k), SAM_E_PARSE);
    cr_assert_eq(parse("not base64!", &k), SAM_E_PARSE);

    /* Text after the PEM block, or a second block. */
    cr_assert_gt(asprintf(&s, "%sextra\n", pem), 0);
    cr_assert_eq(parse(s, &k), SAM_E_PARSE);
    free(s);
    cr_assert_gt(asprintf(&s, "%s%s", pem, pem), 0);
    cr_assert_eq(parse(s, &k), SAM_E_PARSE);
    free(s);
    /* Text before it. */
    cr_assert_gt(asprintf(&s, "key: %s", pem), 0);
    cr_assert_eq(parse(s, &k), SAM_E_PARSE);
    free(s);
    /* PKCS#1 RSA PUBLIC KEY is not a SubjectPublicKeyInfo. */
    cr_assert_eq(parse("-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----\n", &k),
                 SAM_E_PARSE);

    /* Base64 with a line break inside (strict decoding). */
    const char *b64 = fx_key_b64(FX_EC256_A);
    cr_assert_gt(asprintf(&s, "%.20s\n%s", b64, b64 + 20), 0);
    cr_assert_eq(parse(s, &k), SAM_E_PARSE);
    free(s);

    /* DER followed by a stray byte. */
    uint8_t *der = NULL;
    size_t der_len = 0;
    cr_assert_eq(sam_base64_decode_alloc(b64, strlen(b64), &der, &der_len), SAM_OK);
    uint8_t *longer = malloc(der_len + 1);
    memcpy(longer, der, der_len);
    longer[der_len] = 0;
    char *enc = sam_base64_encode_alloc(longer, der_len + 1);
    cr_assert_eq(parse(enc, &k), SAM_E_PARSE);
    free(enc);
    free(longer);
    free(der);

    /* Far too long. */
    size_t big = 64 * 1024;
    char *huge = malloc(big + 1);
    memset(huge, 'A', big);
    huge[big] = '\0';
    cr_assert_eq(parse(huge, &k), SAM_E_PARSE);
    free(huge);
    free(pem);
}

Test(public_key, unaccepted_types_are_refused)
{
    sam_public_key_t k;
    cr_assert_eq(parse(fx_key_b64(FX_RSA1024), &k), SAM_E_UNSUPPORTED_ALG);
    cr_assert_not_null(strstr(sam_error_message(), "1024"));
    cr_assert_eq(parse(fx_key_b64(FX_ED25519), &k), SAM_E_UNSUPPORTED_ALG);
    char *pem = pem_of(FX_ED25519);
    cr_assert_eq(parse(pem, &k), SAM_E_UNSUPPORTED_ALG);
    free(pem);
}

Test(algorithm_names, names_and_aliases)
{
    cr_assert_eq(sam_keyalg_from_name("RSA-4096"), SAM_KEYALG_RSA_4096);
    cr_assert_eq(sam_keyalg_from_name("P-384"), SAM_KEYALG_P384);
    cr_assert_eq(sam_keyalg_from_name("prime256v1"), SAM_KEYALG_P256);
    cr_assert_eq(sam_keyalg_from_name("secp521r1"), SAM_KEYALG_P521);
    cr_assert_eq(sam_keyalg_from_name("RSA-1024"), 0);
    cr_assert_eq(sam_keyalg_from_name("rsa-2048"), 0);
    cr_assert_str_eq(sam_keyalg_name(SAM_KEYALG_P256), "secp256r1");
    cr_assert_eq(sam_sigalg_from_name("ES512"), SAM_SIGALG_ES512);
    cr_assert_eq(sam_sigalg_from_name("none"), 0);
    cr_assert_eq(sam_sigalg_from_name("HS256"), 0);
    cr_assert_str_eq(sam_sigalg_name(SAM_SIGALG_PS384), "PS384");
    cr_assert_null(sam_sigalg_name(3));
}
