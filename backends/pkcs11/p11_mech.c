/*
 * What the module can do, decided once from C_GetMechanismList. A pure
 * function over the list so that the decision can be tested without a
 * module that lacks mechanisms.
 */
#include <stdio.h>
#include <string.h>

#include "p11_internal.h"

typedef struct {
    CK_MECHANISM_TYPE mech;
    const char *name;
    unsigned bit;
} mech_entry_t;

#define M(m, bit)                                                                                  \
    {                                                                                              \
        m, #m, bit                                                                                 \
    }

static const mech_entry_t mech_table[] = {
    M(CKM_RSA_PKCS_KEY_PAIR_GEN, P11_HAVE_RSA_GEN),
    M(CKM_RSA_PKCS, P11_HAVE_RSA_PKCS),
    M(CKM_RSA_PKCS_PSS, P11_HAVE_RSA_PSS),
    M(CKM_EC_KEY_PAIR_GEN, P11_HAVE_EC_GEN),
    M(CKM_ECDSA, P11_HAVE_ECDSA),
    M(CKM_SHA256_HMAC, P11_HAVE_HMAC),
    M(CKM_GENERIC_SECRET_KEY_GEN, P11_HAVE_SECRET_GEN),
    M(CKM_AES_KEY_GEN, P11_HAVE_AES_GEN),
    M(CKM_AES_CMAC, P11_HAVE_CMAC),
    M(CKM_AES_KEY_WRAP_PAD, 0),
    M(CKM_AES_KEY_WRAP_KWP, 0),
    M(CKM_AES_KEY_WRAP, 0),
    M(CKM_SHA256, 0),
    M(CKM_SHA384, 0),
    M(CKM_SHA512, 0),
};

const char *p11_mech_name(CK_MECHANISM_TYPE m)
{
    for (size_t i = 0; i < sizeof(mech_table) / sizeof(mech_table[0]); i++) {
        if (mech_table[i].mech == m)
            return mech_table[i].name;
    }
    return NULL;
}

static int in_list(const CK_MECHANISM_TYPE *list, size_t n, CK_MECHANISM_TYPE m)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == m)
            return 1;
    }
    return 0;
}

/* Append "name" (comma-separated) to buf. */
static void append(char *buf, size_t cap, const char *name)
{
    size_t used = strlen(buf);
    if (used + 1 >= cap)
        return;
    snprintf(buf + used, cap - used, "%s%s", used > 0 ? ", " : "", name);
}

int p11_mech_probe(const CK_MECHANISM_TYPE *list, size_t n, const CK_MECHANISM_TYPE *wrap_prefs,
                   size_t n_prefs, p11_mechs_t *out, char *msg, size_t cap)
{
    char missing[256] = "";
    memset(out, 0, sizeof(*out));
    if (cap > 0)
        msg[0] = '\0';

    for (size_t i = 0; i < sizeof(mech_table) / sizeof(mech_table[0]); i++) {
        if (mech_table[i].bit != 0 && in_list(list, n, mech_table[i].mech))
            out->have |= mech_table[i].bit;
    }

    for (size_t i = 0; i < n_prefs && out->wrap == 0; i++) {
        if (in_list(list, n, wrap_prefs[i]))
            out->wrap = wrap_prefs[i];
    }
    if (out->wrap == 0) {
        char wanted[128] = "";
        for (size_t i = 0; i < n_prefs; i++) {
            const char *name = p11_mech_name(wrap_prefs[i]);
            append(wanted, sizeof(wanted), name != NULL ? name : "?");
        }
        snprintf(msg, cap, "module lacks a key wrapping mechanism: needs %s%s",
                 n_prefs > 1 ? "one of " : "", n_prefs > 0 ? wanted : "(none configured)");
        return SAM_E_MECHANISM;
    }
    if (!(out->have & P11_HAVE_AES_GEN))
        append(missing, sizeof(missing), "CKM_AES_KEY_GEN (the wrapping key)");

    /* The seal key: HMAC-SHA256 over a generic secret, else AES-CMAC. */
    if ((out->have & P11_HAVE_HMAC) && (out->have & P11_HAVE_SECRET_GEN))
        out->seal = CKM_SHA256_HMAC;
    else if ((out->have & P11_HAVE_CMAC) && (out->have & P11_HAVE_AES_GEN))
        out->seal = CKM_AES_CMAC;
    else
        append(missing, sizeof(missing),
               "a MAC for the seal key (CKM_SHA256_HMAC with CKM_GENERIC_SECRET_KEY_GEN, or "
               "CKM_AES_CMAC)");

    /* The audit and CSC keys are EC P-256 key pairs. */
    if (!(out->have & P11_HAVE_EC_GEN))
        append(missing, sizeof(missing), "CKM_EC_KEY_PAIR_GEN");
    if (!(out->have & P11_HAVE_ECDSA))
        append(missing, sizeof(missing), "CKM_ECDSA");

    if (missing[0] != '\0') {
        snprintf(msg, cap, "module lacks required mechanisms: %s", missing);
        return SAM_E_MECHANISM;
    }

    /* Optional: without them, the matching algorithms are refused at sign time. */
    if (!(out->have & P11_HAVE_RSA_GEN))
        append(missing, sizeof(missing), "CKM_RSA_PKCS_KEY_PAIR_GEN");
    if (!(out->have & P11_HAVE_RSA_PKCS))
        append(missing, sizeof(missing), "CKM_RSA_PKCS");
    if (!(out->have & P11_HAVE_RSA_PSS))
        append(missing, sizeof(missing), "CKM_RSA_PKCS_PSS");
    if (missing[0] != '\0')
        snprintf(msg, cap, "module lacks %s: the matching RSA algorithms are refused", missing);
    return SAM_OK;
}
