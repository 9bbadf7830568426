#include <criterion/criterion.h>

#include "sam/algorithms.h"
#include "sam/rc.h"

Test(algorithms, curve_names_and_aliases)
{
    cr_assert_eq(sam_curve_from_name("secp256r1"), SAM_CURVE_P256);
    cr_assert_eq(sam_curve_from_name("prime256v1"), SAM_CURVE_P256);
    cr_assert_eq(sam_curve_from_name("P-256"), SAM_CURVE_P256);
    cr_assert_eq(sam_curve_from_name("prime384v1"), SAM_CURVE_P384);
    cr_assert_eq(sam_curve_from_name("P-521"), SAM_CURVE_P521);
    cr_assert_eq(sam_curve_from_name("p-256"), SAM_CURVE_NONE);
    cr_assert_eq(sam_curve_from_name("secp256k1"), SAM_CURVE_NONE);
    cr_assert_str_eq(sam_curve_name(SAM_CURVE_P521), "secp521r1");
    cr_assert_str_eq(sam_curve_oid(SAM_CURVE_P256), "1.2.840.10045.3.1.7");
}

Test(algorithms, key_specs)
{
    sam_key_spec_t ok[] = {{SAM_KEY_RSA, 2048, 0}, {SAM_KEY_RSA, 3072, 0}, {SAM_KEY_RSA, 4096, 0},
                           {SAM_KEY_EC, 0, SAM_CURVE_P256}, {SAM_KEY_EC, 0, SAM_CURVE_P384},
                           {SAM_KEY_EC, 0, SAM_CURVE_P521}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        cr_assert_eq(sam_key_spec_check(&ok[i]), SAM_OK);
    sam_key_spec_t bad[] = {{SAM_KEY_RSA, 1024, 0}, {SAM_KEY_RSA, 2047, 0}, {SAM_KEY_EC, 0, 0},
                            {SAM_KEY_NONE, 0, 0}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(sam_key_spec_check(&bad[i]), SAM_E_UNSUPPORTED_ALG);
}

Test(algorithms, signature_names_and_oids)
{
    sam_sig_params_t p;
    cr_assert_eq(sam_sig_params_from_name("RS384", &p), SAM_OK);
    cr_assert_eq(p.scheme, SAM_SCHEME_RSA_PKCS1);
    cr_assert_eq(p.hash, SAM_HASH_SHA384);
    cr_assert_eq(sam_sig_params_from_name("1.2.840.113549.1.1.11", &p), SAM_OK);
    cr_assert_eq(p.hash, SAM_HASH_SHA256);
    cr_assert_eq(sam_sig_params_from_name("PS512", &p), SAM_OK);
    cr_assert_eq(p.scheme, SAM_SCHEME_RSA_PSS);
    cr_assert_eq(p.mgf1_hash, SAM_HASH_SHA512);
    cr_assert_eq(p.salt_len, 64);
    cr_assert_eq(sam_sig_params_from_name("1.2.840.10045.4.3.4", &p), SAM_OK);
    cr_assert_eq(p.scheme, SAM_SCHEME_ECDSA);
    cr_assert_eq(p.hash, SAM_HASH_SHA512);
    cr_assert_eq(sam_sig_params_from_name("HS256", &p), SAM_E_UNSUPPORTED_ALG);
    cr_assert_eq(sam_sig_params_from_name("none", &p), SAM_E_UNSUPPORTED_ALG);
    cr_assert_eq(sam_sig_params_from_name("rs256", &p), SAM_E_UNSUPPORTED_ALG);
}

Test(algorithms, pss_oid_takes_hash_from_dtbs_length)
{
    sam_sig_params_t p;
    cr_assert_eq(sam_sig_params_from_name("1.2.840.113549.1.1.10", &p), SAM_OK);
    cr_assert_eq(p.hash, SAM_HASH_NONE);
    cr_assert_eq(sam_sig_params_fix_hash(&p, 48), SAM_OK);
    cr_assert_eq(p.hash, SAM_HASH_SHA384);
    cr_assert_eq(p.mgf1_hash, SAM_HASH_SHA384);
    cr_assert_eq(p.salt_len, 48);
    cr_assert_eq(sam_sig_params_from_name("1.2.840.113549.1.1.10", &p), SAM_OK);
    cr_assert_eq(sam_sig_params_fix_hash(&p, 33), SAM_E_PARSE);
    cr_assert_eq(sam_sig_params_from_name("RS256", &p), SAM_OK);
    cr_assert_eq(sam_sig_params_fix_hash(&p, 64), SAM_E_PARSE);
    cr_assert_eq(sam_sig_params_fix_hash(&p, 32), SAM_OK);
}

Test(algorithms, fit_key_and_pss_salt_bounds)
{
    sam_key_spec_t rsa = {SAM_KEY_RSA, 2048, 0}, ec = {SAM_KEY_EC, 0, SAM_CURVE_P256};
    sam_sig_params_t p;
    sam_sig_params_from_name("ES256", &p);
    cr_assert_eq(sam_sig_params_fit_key(&p, &rsa), SAM_E_UNSUPPORTED_ALG);
    cr_assert_eq(sam_sig_params_fit_key(&p, &ec), SAM_OK);
    sam_sig_params_from_name("PS256", &p);
    cr_assert_eq(sam_sig_params_fit_key(&p, &ec), SAM_E_UNSUPPORTED_ALG);
    p.salt_len = 222; /* the maximum for RSA-2048 with SHA-256, as pyHanko asks */
    cr_assert_eq(sam_sig_params_fit_key(&p, &rsa), SAM_OK);
    p.salt_len = 223;
    cr_assert_eq(sam_sig_params_fit_key(&p, &rsa), SAM_E_UNSUPPORTED_ALG);
    p.salt_len = 0;
    cr_assert_eq(sam_sig_params_fit_key(&p, &rsa), SAM_OK);
}
