#include "sam/algorithms.h"

#include <string.h>

#include "sam/rc.h"

sam_hash sam_hash_from_len(size_t len)
{
    switch (len) {
    case 32:
        return SAM_HASH_SHA256;
    case 48:
        return SAM_HASH_SHA384;
    case 64:
        return SAM_HASH_SHA512;
    default:
        return SAM_HASH_NONE;
    }
}

static const struct {
    sam_curve curve;
    const char *names[3]; /* canonical first */
    const char *oid;
} curves[] = {
    {SAM_CURVE_P256, {"secp256r1", "prime256v1", "P-256"}, "1.2.840.10045.3.1.7"},
    {SAM_CURVE_P384, {"secp384r1", "prime384v1", "P-384"}, "1.3.132.0.34"},
    {SAM_CURVE_P521, {"secp521r1", "prime521v1", "P-521"}, "1.3.132.0.35"},
};

sam_curve sam_curve_from_name(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof(curves) / sizeof(curves[0]); i++) {
        for (size_t j = 0; j < 3; j++) {
            if (strcmp(name, curves[i].names[j]) == 0)
                return curves[i].curve;
        }
    }
    return SAM_CURVE_NONE;
}

const char *sam_curve_name(sam_curve c)
{
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
        if (curves[i].curve == c)
            return curves[i].names[0];
    }
    return NULL;
}

const char *sam_curve_oid(sam_curve c)
{
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
        if (curves[i].curve == c)
            return curves[i].oid;
    }
    return NULL;
}

int sam_key_spec_check(const sam_key_spec_t *spec)
{
    switch (spec->type) {
    case SAM_KEY_RSA:
        if (spec->rsa_bits == 2048 || spec->rsa_bits == 3072 || spec->rsa_bits == 4096)
            return SAM_OK;
        return sam_error_set(SAM_E_UNSUPPORTED_ALG, "RSA key size %u is not supported (2048, 3072, 4096)",
                             spec->rsa_bits);
    case SAM_KEY_EC:
        if (sam_curve_name(spec->curve) != NULL)
            return SAM_OK;
        return sam_error_set(SAM_E_UNSUPPORTED_ALG,
                             "curve not supported (secp256r1, secp384r1, secp521r1)");
    default:
        return sam_error_set(SAM_E_UNSUPPORTED_ALG, "key algorithm not supported (RSA, ECDSA)");
    }
}

static const struct {
    const char *jose;
    const char *oid; /* NULL where the OID names a family, not this exact algorithm */
    sam_sig_scheme scheme;
    sam_hash hash;
} sig_algs[] = {
    {"RS256", "1.2.840.113549.1.1.11", SAM_SCHEME_RSA_PKCS1, SAM_HASH_SHA256},
    {"RS384", "1.2.840.113549.1.1.12", SAM_SCHEME_RSA_PKCS1, SAM_HASH_SHA384},
    {"RS512", "1.2.840.113549.1.1.13", SAM_SCHEME_RSA_PKCS1, SAM_HASH_SHA512},
    {"PS256", NULL, SAM_SCHEME_RSA_PSS, SAM_HASH_SHA256},
    {"PS384", NULL, SAM_SCHEME_RSA_PSS, SAM_HASH_SHA384},
    {"PS512", NULL, SAM_SCHEME_RSA_PSS, SAM_HASH_SHA512},
    {NULL, "1.2.840.113549.1.1.10", SAM_SCHEME_RSA_PSS, SAM_HASH_NONE},
    {"ES256", "1.2.840.10045.4.3.2", SAM_SCHEME_ECDSA, SAM_HASH_SHA256},
    {"ES384", "1.2.840.10045.4.3.3", SAM_SCHEME_ECDSA, SAM_HASH_SHA384},
    {"ES512", "1.2.840.10045.4.3.4", SAM_SCHEME_ECDSA, SAM_HASH_SHA512},
};

int sam_sig_params_from_name(const char *name, sam_sig_params_t *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; name != NULL && i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++) {
        if ((sig_algs[i].jose != NULL && strcmp(name, sig_algs[i].jose) == 0) ||
            (sig_algs[i].oid != NULL && strcmp(name, sig_algs[i].oid) == 0)) {
            out->scheme = sig_algs[i].scheme;
            out->hash = sig_algs[i].hash;
            if (out->scheme == SAM_SCHEME_RSA_PSS) {
                out->mgf1_hash = out->hash;
                out->salt_len = (uint32_t)sam_hash_len(out->hash);
            }
            return SAM_OK;
        }
    }
    return sam_error_set(SAM_E_UNSUPPORTED_ALG, "signature algorithm \"%.64s\" is not supported",
                         name != NULL ? name : "");
}

int sam_sig_params_fix_hash(sam_sig_params_t *p, size_t dtbs_len)
{
    if (p->hash == SAM_HASH_NONE) {
        p->hash = sam_hash_from_len(dtbs_len);
        if (p->hash == SAM_HASH_NONE)
            return sam_error_set(SAM_E_PARSE, "dtbs of %zu bytes is not a SHA-256/384/512 hash",
                                 dtbs_len);
        if (p->scheme == SAM_SCHEME_RSA_PSS && p->mgf1_hash == SAM_HASH_NONE) {
            p->mgf1_hash = p->hash;
            p->salt_len = (uint32_t)sam_hash_len(p->hash);
        }
        return SAM_OK;
    }
    if (sam_hash_len(p->hash) != dtbs_len)
        return sam_error_set(SAM_E_PARSE, "dtbs of %zu bytes does not fit the algorithm's %zu-byte hash",
                             dtbs_len, sam_hash_len(p->hash));
    return SAM_OK;
}

int sam_sig_params_fit_key(const sam_sig_params_t *p, const sam_key_spec_t *spec)
{
    switch (p->scheme) {
    case SAM_SCHEME_RSA_PKCS1:
    case SAM_SCHEME_RSA_PSS:
        if (spec->type != SAM_KEY_RSA)
            return sam_error_set(SAM_E_UNSUPPORTED_ALG, "an RSA signature algorithm needs an RSA key");
        if (p->scheme == SAM_SCHEME_RSA_PSS) {
            /* RFC 8017 9.1.1: emLen >= hLen + sLen + 2, emLen = ceil((modBits - 1) / 8). */
            size_t em_len = (spec->rsa_bits - 1 + 7) / 8;
            size_t h_len = sam_hash_len(p->hash);
            if (sam_hash_len(p->mgf1_hash) == 0)
                return sam_error_set(SAM_E_UNSUPPORTED_ALG, "RSASSA-PSS needs an MGF1 hash");
            if (h_len == 0 || em_len < h_len + 2 || p->salt_len > em_len - h_len - 2)
                return sam_error_set(SAM_E_UNSUPPORTED_ALG,
                                     "RSASSA-PSS salt of %u bytes is too long for RSA-%u (at most %zu)",
                                     p->salt_len, spec->rsa_bits,
                                     em_len >= h_len + 2 ? em_len - h_len - 2 : 0);
        }
        return SAM_OK;
    case SAM_SCHEME_ECDSA:
        if (spec->type != SAM_KEY_EC)
            return sam_error_set(SAM_E_UNSUPPORTED_ALG, "an ECDSA signature algorithm needs an EC key");
        return SAM_OK;
    default:
        return sam_error_set(SAM_E_UNSUPPORTED_ALG, "no signature algorithm given");
    }
}
