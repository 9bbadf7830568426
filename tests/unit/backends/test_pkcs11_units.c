/*
 * The pure parts of the PKCS#11 backend, compiled in from its sources: the
 * mechanism probe (over lists a real module would never give us), the CK_RV
 * table, the DER helpers (checked against OpenSSL) and the blob header.
 */
#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <string.h>

#include "p11_internal.h"

static const CK_MECHANISM_TYPE softhsm_like[] = {CKM_RSA_PKCS_KEY_PAIR_GEN,
                                                 CKM_RSA_PKCS,
                                                 CKM_RSA_PKCS_PSS,
                                                 CKM_EC_KEY_PAIR_GEN,
                                                 CKM_ECDSA,
                                                 CKM_SHA256_HMAC,
                                                 CKM_GENERIC_SECRET_KEY_GEN,
                                                 CKM_AES_KEY_GEN,
                                                 CKM_AES_CMAC,
                                                 CKM_AES_KEY_WRAP,
                                                 CKM_AES_KEY_WRAP_PAD,
                                                 CKM_SHA256};
#define N_SOFTHSM (sizeof(softhsm_like) / sizeof(softhsm_like[0]))

static const CK_MECHANISM_TYPE prefs[] = {CKM_AES_KEY_WRAP_PAD, CKM_AES_KEY_WRAP_KWP};

/* The list without the mechanisms in drop[]. */
static size_t without(CK_MECHANISM_TYPE *out, const CK_MECHANISM_TYPE *drop, size_t n_drop)
{
    size_t n = 0;
    for (size_t i = 0; i < N_SOFTHSM; i++) {
        int keep = 1;
        for (size_t j = 0; j < n_drop; j++)
            keep &= softhsm_like[i] != drop[j];
        if (keep)
            out[n++] = softhsm_like[i];
    }
    return n;
}

Test(pkcs11_probe, full_list)
{
    p11_mechs_t m;
    char msg[512];
    cr_assert_eq(p11_mech_probe(softhsm_like, N_SOFTHSM, prefs, 2, &m, msg, sizeof(msg)), SAM_OK);
    cr_assert_eq(m.wrap, CKM_AES_KEY_WRAP_PAD);
    cr_assert_eq(m.seal, CKM_SHA256_HMAC);
    cr_assert_str_empty(msg);
    cr_assert(m.have & P11_HAVE_RSA_PSS);
}

Test(pkcs11_probe, no_wrap_mechanism)
{
    CK_MECHANISM_TYPE list[32];
    const CK_MECHANISM_TYPE drop[] = {CKM_AES_KEY_WRAP_PAD};
    size_t n = without(list, drop, 1); /* plain CKM_AES_KEY_WRAP stays: it cannot wrap RSA keys */
    p11_mechs_t m;
    char msg[512];
    cr_assert_eq(p11_mech_probe(list, n, prefs, 2, &m, msg, sizeof(msg)), SAM_E_MECHANISM);
    cr_assert(strstr(msg, "key wrapping mechanism") != NULL, "%s", msg);
    cr_assert(strstr(msg, "CKM_AES_KEY_WRAP_PAD") != NULL, "%s", msg);
    cr_assert(strstr(msg, "CKM_AES_KEY_WRAP_KWP") != NULL, "%s", msg);
    cr_assert_eq(p11_mech_probe(NULL, 0, prefs, 2, &m, msg, sizeof(msg)), SAM_E_MECHANISM);
}

Test(pkcs11_probe, kwp_when_no_pad)
{
    CK_MECHANISM_TYPE list[32];
    const CK_MECHANISM_TYPE drop[] = {CKM_AES_KEY_WRAP_PAD};
    size_t n = without(list, drop, 1);
    list[n++] = CKM_AES_KEY_WRAP_KWP;
    p11_mechs_t m;
    char msg[512];
    cr_assert_eq(p11_mech_probe(list, n, prefs, 2, &m, msg, sizeof(msg)), SAM_OK, "%s", msg);
    cr_assert_eq(m.wrap, CKM_AES_KEY_WRAP_KWP);
    /* and PAD is preferred when both exist */
    list[n++] = CKM_AES_KEY_WRAP_PAD;
    cr_assert_eq(p11_mech_probe(list, n, prefs, 2, &m, msg, sizeof(msg)), SAM_OK);
    cr_assert_eq(m.wrap, CKM_AES_KEY_WRAP_PAD);
}

Test(pkcs11_probe, cmac_when_no_hmac)
{
    CK_MECHANISM_TYPE list[32];
    const CK_MECHANISM_TYPE drop[] = {CKM_SHA256_HMAC};
    size_t n = without(list, drop, 1);
    p11_mechs_t m;
    char msg[512];
    cr_assert_eq(p11_mech_probe(list, n, prefs, 2, &m, msg, sizeof(msg)), SAM_OK, "%s", msg);
    cr_assert_eq(m.seal, CKM_AES_CMAC);
}

Test(pkcs11_probe, no_mac_at_all)
{
    CK_MECHANISM_TYPE list[32];
    const CK_MECHANISM_TYPE drop[] = {CKM_SHA256_HMAC, CKM_AES_CMAC};
    size_t n = without(list, drop, 2);
    p11_mechs_t m;
    char msg[512];
    cr_assert_eq(p11_mech_probe(list, n, prefs, 2, &m, msg, sizeof(msg)), SAM_E_MECHANISM);
    cr_assert(strstr(msg, "CKM_SHA256_HMAC") != NULL, "%s", msg);
}

Test(pkcs11_probe, no_ecdsa)
{
    CK_MECHANISM_TYPE list[32];
    const CK_MECHANISM_TYPE drop[] = {CKM_ECDSA, CKM_EC_KEY_PAIR_GEN};
    size_t n = without(list, drop, 2);
    p11_mechs_t m;
    char msg[512];
    cr_assert_eq(p11_mech_probe(list, n, prefs, 2, &m, msg, sizeof(msg)), SAM_E_MECHANISM);
    cr_assert(strstr(msg, "CKM_ECDSA") != NULL && strstr(msg, "CKM_EC_KEY_PAIR_GEN") != NULL, "%s",
              msg);
}

Test(pkcs11_probe, no_pss_is_a_warning)
{
    CK_MECHANISM_TYPE list[32];
    const CK_MECHANISM_TYPE drop[] = {CKM_RSA_PKCS_PSS};
    size_t n = without(list, drop, 1);
    p11_mechs_t m;
    char msg[512];
    cr_assert_eq(p11_mech_probe(list, n, prefs, 2, &m, msg, sizeof(msg)), SAM_OK);
    cr_assert(!(m.have & P11_HAVE_RSA_PSS));
    cr_assert(m.have & P11_HAVE_RSA_PKCS);
    cr_assert(strstr(msg, "CKM_RSA_PKCS_PSS") != NULL, "%s", msg);
}

Test(pkcs11_rv, table)
{
    cr_assert_eq(p11_rv_rc(CKR_OK), SAM_OK);
    cr_assert_eq(p11_rv_rc(CKR_PIN_INCORRECT), SAM_E_PIN);
    cr_assert_eq(p11_rv_rc(CKR_PIN_LOCKED), SAM_E_PIN);
    cr_assert_str_eq(p11_rv_name(CKR_PIN_INCORRECT), "CKR_PIN_INCORRECT");
    const CK_RV gone[] = {CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT,
                          CKR_DEVICE_ERROR,   CKR_SESSION_HANDLE_INVALID,
                          CKR_SESSION_CLOSED, CKR_CRYPTOKI_NOT_INITIALIZED};
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
        cr_assert_eq(p11_rv_rc(gone[i]), SAM_E_BACKEND_UNAVAILABLE, "%s", p11_rv_name(gone[i]));
    cr_assert_eq(p11_rv_rc(CKR_MECHANISM_INVALID), SAM_E_MECHANISM);
    cr_assert_eq(p11_rv_rc(CKR_WRAPPED_KEY_INVALID), SAM_E_INVALID_KEY_PAIR);
    cr_assert_eq(p11_rv_rc(0x7fff1234UL), SAM_E_BACKEND);
    cr_assert_null(p11_rv_name(0x7fff1234UL));
    cr_assert_not_null(p11_rv_text(0x7fff1234UL));
}

/* Our DER of r||s equals OpenSSL's i2d_ECDSA_SIG of the same r, s. */
static void check_ecdsa_der(const uint8_t *raw, size_t raw_len)
{
    uint8_t ours[200], *theirs = NULL;
    size_t ours_len = 0;
    cr_assert_eq(p11_ecdsa_raw_to_der(raw, raw_len, ours, sizeof(ours), &ours_len), SAM_OK);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)raw_len / 2, NULL),
           *s = BN_bin2bn(raw + raw_len / 2, (int)raw_len / 2, NULL);
    cr_assert(sig != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(sig, r, s) == 1);
    int len = i2d_ECDSA_SIG(sig, &theirs);
    cr_assert_eq((size_t)len, ours_len, "raw %zu: ours %zu theirs %d", raw_len, ours_len, len);
    cr_assert_eq(memcmp(ours, theirs, ours_len), 0);
    OPENSSL_free(theirs);
    ECDSA_SIG_free(sig);
}

Test(pkcs11_der, ecdsa_matches_openssl)
{
    const size_t halves[] = {32, 48, 66};
    uint8_t raw[132];
    for (size_t h = 0; h < 3; h++) {
        size_t len = 2 * halves[h];
        for (int i = 0; i < 50; i++) {
            cr_assert_eq(RAND_bytes(raw, (int)len), 1);
            if (i % 5 == 1)
                raw[0] |= 0x80; /* r needs a 0x00 pad */
            if (i % 5 == 2)
                memset(raw, 0, 3); /* r has leading zeros */
            if (i % 5 == 3)
                memset(raw + halves[h], 0, halves[h] - 1); /* s is tiny */
            if (h == 2)
                raw[0] &= 0x01, raw[halves[h]] &= 0x01; /* P-521: 521 bits */
            check_ecdsa_der(raw, len);
        }
    }
    uint8_t out[8];
    size_t out_len;
    memset(raw, 0xff, sizeof(raw));
    cr_assert_eq(p11_ecdsa_raw_to_der(raw, 64, out, sizeof(out), &out_len), SAM_E_LIMIT);
    cr_assert_eq(p11_ecdsa_raw_to_der(raw, 63, out, sizeof(out), &out_len), SAM_E_PARSE);
    cr_assert_eq(p11_ecdsa_raw_to_der(raw, 0, out, sizeof(out), &out_len), SAM_E_PARSE);
}

Test(pkcs11_der, digest_info)
{
    uint8_t hash[64] = {0}, out[P11_MAX_DIGEST_INFO];
    size_t len = 0;
    cr_assert_eq(p11_digest_info(SAM_HASH_SHA256, hash, 32, out, sizeof(out), &len), SAM_OK);
    cr_assert_eq(len, 51);
    cr_assert_eq(out[0], 0x30);
    cr_assert_eq(out[1], len - 2);
    cr_assert_eq(p11_digest_info(SAM_HASH_SHA384, hash, 48, out, sizeof(out), &len), SAM_OK);
    cr_assert_eq(len, 67);
    cr_assert_eq(p11_digest_info(SAM_HASH_SHA512, hash, 64, out, sizeof(out), &len), SAM_OK);
    cr_assert_eq(len, 83);
    cr_assert_eq(out[14], 0x03, "SHA-512 OID ends in 3");
    cr_assert_eq(p11_digest_info(SAM_HASH_SHA256, hash, 33, out, sizeof(out), &len), SAM_E_PARSE);
    cr_assert_eq(p11_digest_info(SAM_HASH_NONE, hash, 0, out, sizeof(out), &len),
                 SAM_E_UNSUPPORTED_ALG);
    cr_assert_eq(p11_digest_info(SAM_HASH_SHA512, hash, 64, out, 82, &len), SAM_E_LIMIT);
}

Test(pkcs11_der, ec_point)
{
    uint8_t raw[65], der[67];
    const uint8_t *pt;
    size_t pt_len;
    memset(raw, 7, sizeof(raw));
    raw[0] = 0x04;
    der[0] = 0x04;
    der[1] = 65;
    memcpy(der + 2, raw, 65);
    cr_assert_eq(p11_ec_point_unwrap(raw, 65, 32, &pt, &pt_len), SAM_OK);
    cr_assert(pt == raw && pt_len == 65);
    cr_assert_eq(p11_ec_point_unwrap(der, 67, 32, &pt, &pt_len), SAM_OK);
    cr_assert(pt == der + 2 && pt_len == 65);
    cr_assert_eq(p11_ec_point_unwrap(der, 66, 32, &pt, &pt_len), SAM_E_PARSE);
    cr_assert_eq(p11_ec_point_unwrap(der, 67, 48, &pt, &pt_len), SAM_E_PARSE);
    /* P-521: long-form length */
    uint8_t big[136];
    memset(big, 1, sizeof(big));
    big[0] = 0x04, big[1] = 0x81, big[2] = 133, big[3] = 0x04;
    cr_assert_eq(p11_ec_point_unwrap(big, 136, 66, &pt, &pt_len), SAM_OK);
    cr_assert(pt == big + 3 && pt_len == 133);
    const p11_curve_t *c = p11_curve_by_id(SAM_CURVE_P384);
    cr_assert_eq(p11_curve_by_params(c->oid_der, c->oid_der_len), c);
    cr_assert_null(p11_curve_by_params(c->oid_der, c->oid_der_len - 1));
}

Test(pkcs11_blob, round_trip_and_every_header_change)
{
    sam_key_spec_t spec = {SAM_KEY_RSA, 3072, SAM_CURVE_NONE};
    uint8_t blob[16 + 40];
    memset(blob + 16, 0xab, 40);
    cr_assert_eq(p11_blob_write_header(blob, sizeof(blob), &spec, CKM_AES_KEY_WRAP_PAD, 40),
                 SAM_OK);
    p11_blob_t b;
    char msg[256];
    cr_assert_eq(p11_blob_parse((sam_bytes_t){blob, sizeof(blob)}, &spec, &b, msg, sizeof(msg)),
                 SAM_OK, "%s", msg);
    cr_assert_eq(b.mech, CKM_AES_KEY_WRAP_PAD);
    cr_assert_eq(b.wrapped, blob + 16);
    cr_assert_eq(b.wrapped_len, 40);
    for (size_t i = 0; i < 16; i++) {
        for (int bit = 0; bit < 8; bit++) {
            blob[i] ^= (uint8_t)(1u << bit);
            if (i == 11 && bit == 0) { /* 0x210a -> 0x210b: the other wrapping mechanism */
                cr_assert_eq(
                    p11_blob_parse((sam_bytes_t){blob, sizeof(blob)}, &spec, &b, msg, sizeof(msg)),
                    SAM_OK);
                cr_assert_eq(b.mech, CKM_AES_KEY_WRAP_KWP);
                blob[i] ^= 1;
                continue;
            }
            cr_assert_eq(
                p11_blob_parse((sam_bytes_t){blob, sizeof(blob)}, &spec, &b, msg, sizeof(msg)),
                SAM_E_INVALID_KEY_PAIR, "byte %zu bit %d", i, bit);
            cr_assert_str_not_empty(msg);
            blob[i] ^= (uint8_t)(1u << bit);
        }
    }
    sam_key_spec_t other = {SAM_KEY_RSA, 2048, SAM_CURVE_NONE};
    cr_assert_eq(p11_blob_parse((sam_bytes_t){blob, sizeof(blob)}, &other, &b, msg, sizeof(msg)),
                 SAM_E_INVALID_KEY_PAIR);
    cr_assert_eq(p11_blob_parse((sam_bytes_t){blob, 15}, &spec, &b, msg, sizeof(msg)),
                 SAM_E_INVALID_KEY_PAIR);
    cr_assert_eq(p11_blob_parse((sam_bytes_t){NULL, 0}, &spec, &b, msg, sizeof(msg)),
                 SAM_E_INVALID_KEY_PAIR);
    cr_assert_eq(p11_blob_write_header(blob, sizeof(blob), &spec, CKM_AES_KEY_WRAP_PAD, 0),
                 SAM_E_LIMIT);
    cr_assert_eq(p11_blob_write_header(blob, sizeof(blob), &spec, CKM_AES_KEY_WRAP_PAD,
                                       P11_MAX_WRAPPED_BYTES + 1),
                 SAM_E_LIMIT);
}
