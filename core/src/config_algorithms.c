/* The "algorithms" section: which key and signature algorithms the SAM offers. */
#include "config_internal.h"

#include <string.h>

#include "sam/algorithms.h"
#include "sam/rc.h"

typedef struct {
    const char *name;
    uint32_t bit;
} alg_name_t;

static const alg_name_t rsa_names[] = {
    {"RSA-2048", SAM_KEYALG_RSA_2048},
    {"RSA-3072", SAM_KEYALG_RSA_3072},
    {"RSA-4096", SAM_KEYALG_RSA_4096},
};

static const alg_name_t sig_names[] = {
    {"RS256", SAM_SIGALG_RS256}, {"RS384", SAM_SIGALG_RS384}, {"RS512", SAM_SIGALG_RS512},
    {"PS256", SAM_SIGALG_PS256}, {"PS384", SAM_SIGALG_PS384}, {"PS512", SAM_SIGALG_PS512},
    {"ES256", SAM_SIGALG_ES256}, {"ES384", SAM_SIGALG_ES384}, {"ES512", SAM_SIGALG_ES512},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t curve_bit(sam_curve c)
{
    switch (c) {
    case SAM_CURVE_P256:
        return SAM_KEYALG_P256;
    case SAM_CURVE_P384:
        return SAM_KEYALG_P384;
    case SAM_CURVE_P521:
        return SAM_KEYALG_P521;
    default:
        return 0;
    }
}

uint32_t sam_keyalg_from_name(const char *name)
{
    for (size_t i = 0; i < COUNT(rsa_names); i++)
        if (strcmp(rsa_names[i].name, name) == 0)
            return rsa_names[i].bit;
    return curve_bit(sam_curve_from_name(name));
}

uint32_t sam_sigalg_from_name(const char *name)
{
    for (size_t i = 0; i < COUNT(sig_names); i++)
        if (strcmp(sig_names[i].name, name) == 0)
            return sig_names[i].bit;
    return 0;
}

const char *sam_keyalg_name(uint32_t bit)
{
    for (size_t i = 0; i < COUNT(rsa_names); i++)
        if (rsa_names[i].bit == bit)
            return rsa_names[i].name;
    switch (bit) {
    case SAM_KEYALG_P256:
        return sam_curve_name(SAM_CURVE_P256);
    case SAM_KEYALG_P384:
        return sam_curve_name(SAM_CURVE_P384);
    case SAM_KEYALG_P521:
        return sam_curve_name(SAM_CURVE_P521);
    default:
        return NULL;
    }
}

const char *sam_sigalg_name(uint32_t bit)
{
    for (size_t i = 0; i < COUNT(sig_names); i++)
        if (sig_names[i].bit == bit)
            return sig_names[i].name;
    return NULL;
}

static uint32_t key_bit(const sam_key_spec_t *spec)
{
    if (spec->type == SAM_KEY_RSA) {
        switch (spec->rsa_bits) {
        case 2048:
            return SAM_KEYALG_RSA_2048;
        case 3072:
            return SAM_KEYALG_RSA_3072;
        case 4096:
            return SAM_KEYALG_RSA_4096;
        default:
            return 0;
        }
    }
    if (spec->type == SAM_KEY_EC)
        return curve_bit(spec->curve);
    return 0;
}

static uint32_t sig_bit(const sam_sig_params_t *p)
{
    unsigned h;
    switch (p->hash) {
    case SAM_HASH_SHA256:
        h = 0;
        break;
    case SAM_HASH_SHA384:
        h = 1;
        break;
    case SAM_HASH_SHA512:
        h = 2;
        break;
    default:
        return 0;
    }
    switch (p->scheme) {
    case SAM_SCHEME_RSA_PKCS1:
        return SAM_SIGALG_RS256 << h;
    case SAM_SCHEME_RSA_PSS:
        return SAM_SIGALG_PS256 << h;
    case SAM_SCHEME_ECDSA:
        return SAM_SIGALG_ES256 << h;
    default:
        return 0;
    }
}

int sam_alg_policy_check_key(const sam_alg_policy_t *p, const sam_key_spec_t *spec)
{
    uint32_t bit = key_bit(spec);
    if (bit == 0)
        return sam_error_set(SAM_E_UNSUPPORTED_ALG, "key algorithm, size or curve not supported");
    if ((p->key_algorithms & bit) == 0)
        return sam_error_set(SAM_E_UNSUPPORTED_ALG,
                             "key algorithm %s is not allowed by the configuration",
                             sam_keyalg_name(bit));
    return SAM_OK;
}

int sam_alg_policy_check_sig(const sam_alg_policy_t *p, const sam_sig_params_t *params)
{
    uint32_t bit = sig_bit(params);
    if (bit == 0)
        return sam_error_set(SAM_E_UNSUPPORTED_ALG, "signature algorithm not supported");
    if ((p->signature_algorithms & bit) == 0)
        return sam_error_set(SAM_E_UNSUPPORTED_ALG,
                             "signature algorithm %s is not allowed by the configuration",
                             sam_sigalg_name(bit));
    return SAM_OK;
}

/* One list of names into a bit set; refuses unknown names, duplicates and an empty list. */
static int parse_list(const sam_json_t *section, const char *key, const char *path,
                      uint32_t (*from_name)(const char *), const char *known, uint32_t *out)
{
    const sam_json_t *arr = NULL;
    char ipath[SAM_CFG_PATH_MAX];
    int rc = sam_cfg_array(section, key, path, false, 32, &arr);
    if (rc != SAM_OK || arr == NULL)
        return rc;
    if (arr->u.arr.count == 0)
        return sam_cfg_fail(arr, path, "must name at least one algorithm");
    uint32_t set = 0;
    for (size_t i = 0; i < arr->u.arr.count; i++) {
        const sam_json_t *v = arr->u.arr.items[i];
        sam_cfg_path_index(ipath, sizeof(ipath), path, i);
        if (v->type != SAM_JSON_STRING)
            return sam_cfg_fail(v, ipath, "must be a string");
        uint32_t bit = from_name(v->u.str.ptr);
        if (bit == 0)
            return sam_cfg_fail(v, ipath, "names an unknown algorithm \"%.64s\" (known: %s)",
                                v->u.str.ptr, known);
        if (set & bit)
            return sam_cfg_fail(v, ipath, "repeats an algorithm");
        set |= bit;
    }
    *out = set;
    return SAM_OK;
}

int sam_cfg_parse_algorithms(const sam_json_t *root, sam_alg_policy_t *p)
{
    static const char *const keys[] = {"key_algorithms", "signature_algorithms", NULL};
    const sam_json_t *section = NULL;
    p->key_algorithms = SAM_KEYALG_ALL;
    p->signature_algorithms = SAM_SIGALG_ALL;
    int rc = sam_cfg_opt_object(root, "algorithms", "algorithms", keys, &section);
    if (rc != SAM_OK || section == NULL)
        return rc;
    rc = parse_list(section, "key_algorithms", "algorithms.key_algorithms", sam_keyalg_from_name,
                    "RSA-2048, RSA-3072, RSA-4096, secp256r1, secp384r1, secp521r1",
                    &p->key_algorithms);
    if (rc != SAM_OK)
        return rc;
    rc = parse_list(section, "signature_algorithms", "algorithms.signature_algorithms",
                    sam_sigalg_from_name,
                    "RS256, RS384, RS512, PS256, PS384, PS512, ES256, "
                    "ES384, ES512",
                    &p->signature_algorithms);
    if (rc != SAM_OK)
        return rc;
    /* A policy that leaves some key type with no signature algorithm is a mistake. */
    bool rsa_keys = (p->key_algorithms &
                     (SAM_KEYALG_RSA_2048 | SAM_KEYALG_RSA_3072 | SAM_KEYALG_RSA_4096)) != 0;
    bool ec_keys = (p->key_algorithms & (SAM_KEYALG_P256 | SAM_KEYALG_P384 | SAM_KEYALG_P521)) != 0;
    uint32_t rsa_sigs = SAM_SIGALG_RS256 | SAM_SIGALG_RS384 | SAM_SIGALG_RS512 | SAM_SIGALG_PS256 |
                        SAM_SIGALG_PS384 | SAM_SIGALG_PS512;
    uint32_t ec_sigs = SAM_SIGALG_ES256 | SAM_SIGALG_ES384 | SAM_SIGALG_ES512;
    if ((rsa_keys && (p->signature_algorithms & rsa_sigs) == 0) ||
        (ec_keys && (p->signature_algorithms & ec_sigs) == 0))
        return sam_cfg_fail(section, "algorithms",
                            "allows a key type (%s) with none of its signature algorithms",
                            rsa_keys && (p->signature_algorithms & rsa_sigs) == 0 ? "RSA" : "EC");
    return SAM_OK;
}
