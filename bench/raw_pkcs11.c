/*
 * Straight PKCS#11 calls, no OpenSAM code: the fastest a SAM on this module
 * could go. Initializes and finalizes the library itself, so it must not run
 * while the plugin has the library open.
 */
#include "raw_pkcs11.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "p11_common.h"





/* The token's secret key labelled label. */
static int find_key(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const char *label,
                    CK_OBJECT_HANDLE *key)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_LABEL, (void *)label, strlen(label)}};
    CK_ULONG n = 0;
    if (f->C_FindObjectsInit(s, tmpl, 2) != CKR_OK)
        return -1;
    CK_RV rv = f->C_FindObjects(s, key, 1, &n);
    f->C_FindObjectsFinal(s);
    return rv == CKR_OK && n == 1 ? 0 : -1;
}

/* One unwrap + sign + destroy; its own function so that callgrind can count it alone. */
__attribute__((noinline)) static CK_RV raw_unwrap_sign_once(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s,
                                                           CK_MECHANISM *wrap_mech,
                                                           CK_OBJECT_HANDLE wrap_key, CK_BYTE *blob,
                                                           CK_ULONG blob_len, CK_ATTRIBUTE *tmpl,
                                                           CK_MECHANISM *sign_mech, CK_BYTE *tbs,
                                                           CK_ULONG tbs_len)
{
    CK_OBJECT_HANDLE k;
    CK_BYTE sig[1024];
    CK_ULONG sig_len = sizeof(sig);
    CK_RV rv = f->C_UnwrapKey(s, wrap_mech, wrap_key, blob, blob_len, tmpl, 7, &k);
    if (rv != CKR_OK)
        return rv;
    rv = f->C_SignInit(s, sign_mech, k);
    if (rv == CKR_OK)
        rv = f->C_Sign(s, tbs, tbs_len, sig, &sig_len);
    CK_RV drv = f->C_DestroyObject(s, k);
    return rv != CKR_OK ? rv : drv;
}

int raw_pkcs11_measure(const char *library, const char *token_label, const char *pin,
                       const char *wrap_label, const sam_key_spec_t *spec, double seconds,
                       unsigned max_ops, raw_result_t *out)
{
    int ret = -1;
    void *lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    CK_FUNCTION_LIST_PTR f = NULL;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    CK_SLOT_ID slot;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_OBJECT_HANDLE wrap_key, pub, priv;
    CK_BYTE blob[8192], hash[32] = {1, 2, 3}, sig[1024], digest_info[19 + 32] = {
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
        0x01, 0x05, 0x00, 0x04, 0x20};
    CK_ULONG blob_len = sizeof(blob), sig_len;
    int initialized = 0;

    if (lib == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", library, dlerror());
        return -1;
    }
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    if (get == NULL || get(&f) != CKR_OK)
        goto out;
    CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
    CHECK(f->C_Initialize(&args));
    initialized = 1;
    if (bench_find_slot(f, token_label, &slot) != 0)
        goto out;
    CHECK(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
    CHECK(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)));

    CK_ULONG aes_len = 32;
    CK_ATTRIBUTE wrap_tmpl[] = {{CKA_TOKEN, &no, 1}, {CKA_VALUE_LEN, &aes_len, sizeof(aes_len)},
                                {CKA_WRAP, &yes, 1}, {CKA_UNWRAP, &yes, 1},
                                {CKA_EXTRACTABLE, &no, 1}};
    CK_MECHANISM aes_gen = {CKM_AES_KEY_GEN, NULL, 0};
    if (wrap_label != NULL) {
        if (find_key(f, s, wrap_label, &wrap_key) != 0) {
            fprintf(stderr, "no wrapping key \"%s\" on the token\n", wrap_label);
            goto out;
        }
    } else {
        CHECK(f->C_GenerateKey(s, &aes_gen, wrap_tmpl, 5, &wrap_key));
    }

    CK_ULONG bits = spec->rsa_bits;
    CK_BYTE e[] = {1, 0, 1};
    CK_KEY_TYPE kt = spec->type == SAM_KEY_RSA ? CKK_RSA : CKK_EC;
    CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE rsa_pub[] = {{CKA_TOKEN, &no, 1}, {CKA_MODULUS_BITS, &bits, sizeof(bits)},
                              {CKA_PUBLIC_EXPONENT, e, 3}, {CKA_VERIFY, &yes, 1}};
    CK_ATTRIBUTE ec_pub[] = {{CKA_TOKEN, &no, 1}, {CKA_EC_PARAMS, (void *)bench_p256_oid, sizeof(bench_p256_oid)},
                             {CKA_VERIFY, &yes, 1}};
    CK_ATTRIBUTE priv_tmpl[] = {{CKA_TOKEN, &no, 1}, {CKA_SIGN, &yes, 1}, {CKA_SENSITIVE, &yes, 1},
                                {CKA_EXTRACTABLE, &yes, 1}, {CKA_PRIVATE, &yes, 1}};
    CK_MECHANISM gen = {spec->type == SAM_KEY_RSA ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN,
                        NULL, 0};
    if (spec->type == SAM_KEY_RSA)
        CHECK(f->C_GenerateKeyPair(s, &gen, rsa_pub, 4, priv_tmpl, 5, &pub, &priv));
    else
        CHECK(f->C_GenerateKeyPair(s, &gen, ec_pub, 3, priv_tmpl, 5, &pub, &priv));
    CK_MECHANISM wrap_mech = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
    CHECK(f->C_WrapKey(s, &wrap_mech, wrap_key, priv, blob, &blob_len));

    CK_MECHANISM sign_mech = {spec->type == SAM_KEY_RSA ? CKM_RSA_PKCS : CKM_ECDSA, NULL, 0};
    CK_BYTE *tbs = spec->type == SAM_KEY_RSA ? digest_info : hash;
    CK_ULONG tbs_len = spec->type == SAM_KEY_RSA ? sizeof(digest_info) : sizeof(hash);

    /* (a) resident key */
    unsigned ops = 0;
    double t0 = bench_now(), t;
    do {
        sig_len = sizeof(sig);
        CHECK(f->C_SignInit(s, &sign_mech, priv));
        CHECK(f->C_Sign(s, tbs, tbs_len, sig, &sig_len));
        ops++;
        t = bench_now() - t0;
    } while (ops < max_ops && t < seconds);
    out->resident_per_s = ops / t;

    /* (b) unwrap + sign + destroy */
    CK_ATTRIBUTE unwrap_tmpl[] = {{CKA_CLASS, &priv_class, sizeof(priv_class)},
                                  {CKA_KEY_TYPE, &kt, sizeof(kt)}, {CKA_TOKEN, &no, 1},
                                  {CKA_SIGN, &yes, 1}, {CKA_SENSITIVE, &yes, 1},
                                  {CKA_EXTRACTABLE, &no, 1}, {CKA_PRIVATE, &yes, 1}};
    ops = 0;
    t0 = bench_now();
    do {
        CHECK(raw_unwrap_sign_once(f, s, &wrap_mech, wrap_key, blob, blob_len, unwrap_tmpl,
                                   &sign_mech, tbs, tbs_len));
        ops++;
        t = bench_now() - t0;
    } while (ops < max_ops && t < seconds);
    out->unwrap_per_s = ops / t;
    ret = 0;
out:
    if (s != CK_INVALID_HANDLE)
        f->C_CloseSession(s);
    if (initialized)
        f->C_Finalize(NULL);
    /* The library stays loaded: SoftHSMv2 does not survive being unloaded and loaded
     * again in one process, and the plugin phase loads it next. */
    return ret;
}
