/*
 * The SAM's own keys in the module: made once by create (refusing to touch
 * a label that exists), found by label on every start and after every
 * re-init (handles do not survive C_Finalize).
 */
#include <string.h>

#include "p11_internal.h"

static const char *const key_role[SAM_MODULE_KEY_COUNT] = {"wrap", "seal", "audit", "csc"};

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

/* CKA_LABEL takes the label without its NUL. */
#define LABEL_ATTR(l)                                                                              \
    {                                                                                              \
        CKA_LABEL, (void *)(l), (CK_ULONG)strlen(l)                                                \
    }

static int count_label(p11_ctx_t *ctx, CK_SESSION_HANDLE s, const char *label, CK_OBJECT_CLASS cls,
                       int any_class, CK_OBJECT_HANDLE *h, size_t *found)
{
    CK_OBJECT_HANDLE hs[2];
    CK_ATTRIBUTE tmpl[] = {
        {CKA_TOKEN, &yes, sizeof(yes)}, LABEL_ATTR(label), {CKA_CLASS, &cls, sizeof(cls)}};
    int rc = p11_find(ctx, s, tmpl, any_class ? 2 : 3, hs, 2, found);
    if (rc == SAM_OK && *found > 0 && h != NULL)
        *h = hs[0];
    return rc;
}

/* Exactly one object of class cls labelled label. */
static int find_one(p11_ctx_t *ctx, CK_SESSION_HANDLE s, int which, CK_OBJECT_CLASS cls,
                    CK_OBJECT_HANDLE *h)
{
    size_t found = 0;
    int rc = count_label(ctx, s, ctx->labels[which], cls, 0, h, &found);
    if (rc != SAM_OK)
        return rc;
    const char *half = cls == CKO_PUBLIC_KEY    ? "public key"
                       : cls == CKO_PRIVATE_KEY ? "private key"
                                                : "key";
    if (found == 0)
        return p11_err(ctx, SAM_E_NOT_FOUND, "module %s key \"%s\" (%s) not found on token \"%s\"",
                       key_role[which], ctx->labels[which], half, ctx->token_label);
    if (found > 1)
        return p11_err(ctx, SAM_E_CONFIG,
                       "module %s key label \"%s\" names several %s objects on token \"%s\"",
                       key_role[which], ctx->labels[which], half, ctx->token_label);
    return SAM_OK;
}

/* The key must be what create made: sensitive and never extractable. */
static int check_secret(p11_ctx_t *ctx, CK_SESSION_HANDLE s, int which, CK_OBJECT_HANDLE h,
                        CK_ATTRIBUTE_TYPE use)
{
    int sensitive = 0, extractable = 1, usable = 0, rc;
    if ((rc = p11_get_bool(ctx, s, h, CKA_SENSITIVE, &sensitive)) != SAM_OK ||
        (rc = p11_get_bool(ctx, s, h, CKA_EXTRACTABLE, &extractable)) != SAM_OK ||
        (rc = p11_get_bool(ctx, s, h, use, &usable)) != SAM_OK)
        return rc;
    if (!sensitive || extractable || !usable)
        return p11_err(ctx, SAM_E_CONFIG, "module %s key \"%s\" is %s: refusing to use it",
                       key_role[which], ctx->labels[which],
                       !sensitive    ? "not sensitive"
                       : extractable ? "extractable"
                                     : "not usable for its role");
    return SAM_OK;
}

/* Destroy the copies of an earlier bind in this same initialization. */
static void drop_copies(p11_ctx_t *ctx)
{
    for (int w = 0; w < SAM_MODULE_KEY_COUNT; w++) {
        if (ctx->copy[w] != 0 && ctx->have_anchor)
            (void)ctx->fl->C_DestroyObject(ctx->anchor, ctx->copy[w]);
        ctx->copy[w] = 0;
    }
    ctx->n_copies = 0;
}

/*
 * With the profile's session_copies, the seal, audit and CSC keys are used
 * through session copies made on the anchor session, which lives as long as
 * the login: SoftHSMv2 re-reads a token object's file on every use. A copy
 * keeps CKA_SENSITIVE and CKA_EXTRACTABLE (C_CopyObject cannot relax them;
 * checked anyway) and goes with the anchor session or C_Finalize. The
 * wrapping key stays the token object, so that a token gone from under the
 * module still fails every signature and the health check. A copy the
 * module refuses leaves that key on its token object.
 */
static void use_session_copies(p11_ctx_t *ctx, CK_OBJECT_HANDLE key[SAM_MODULE_KEY_COUNT])
{
    /* Keys that sign (a MAC or a signature); the wrapping key is not copied. */
    static const int roles[] = {SAM_MODULE_KEY_SEAL, SAM_MODULE_KEY_AUDIT, SAM_MODULE_KEY_CSC};
    CK_ATTRIBUTE tmpl[] = {{CKA_TOKEN, &no, sizeof(no)}};

    drop_copies(ctx);
    if (!ctx->profile->session_copies || !ctx->have_anchor)
        return;
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
        int w = roles[i];
        CK_OBJECT_HANDLE h = 0;
        if (ctx->fl->C_CopyObject(ctx->anchor, key[w], tmpl, 1, &h) != CKR_OK || h == 0)
            continue;
        if (check_secret(ctx, ctx->anchor, w, h, CKA_SIGN) != SAM_OK) {
            (void)ctx->fl->C_DestroyObject(ctx->anchor, h);
            continue;
        }
        ctx->copy[w] = h;
        ctx->n_copies++;
        key[w] = h;
    }
}

static int bind_with(p11_ctx_t *ctx, CK_SESSION_HANDLE s)
{
    CK_OBJECT_HANDLE key[SAM_MODULE_KEY_COUNT] = {0}, pub[SAM_MODULE_KEY_COUNT] = {0};
    CK_ULONG type = 0;
    CK_MECHANISM_TYPE seal_mech;
    size_t seal_len;
    int rc;

    if ((rc = find_one(ctx, s, SAM_MODULE_KEY_WRAP, CKO_SECRET_KEY, &key[SAM_MODULE_KEY_WRAP])) !=
            SAM_OK ||
        (rc = find_one(ctx, s, SAM_MODULE_KEY_SEAL, CKO_SECRET_KEY, &key[SAM_MODULE_KEY_SEAL])) !=
            SAM_OK ||
        (rc = find_one(ctx, s, SAM_MODULE_KEY_AUDIT, CKO_PRIVATE_KEY,
                       &key[SAM_MODULE_KEY_AUDIT])) != SAM_OK ||
        (rc = find_one(ctx, s, SAM_MODULE_KEY_AUDIT, CKO_PUBLIC_KEY, &pub[SAM_MODULE_KEY_AUDIT])) !=
            SAM_OK ||
        (rc = find_one(ctx, s, SAM_MODULE_KEY_CSC, CKO_PRIVATE_KEY, &key[SAM_MODULE_KEY_CSC])) !=
            SAM_OK ||
        (rc = find_one(ctx, s, SAM_MODULE_KEY_CSC, CKO_PUBLIC_KEY, &pub[SAM_MODULE_KEY_CSC])) !=
            SAM_OK)
        return rc;

    if ((rc = p11_get_ulong(ctx, s, key[SAM_MODULE_KEY_WRAP], CKA_KEY_TYPE, &type)) != SAM_OK)
        return rc;
    if (type != CKK_AES)
        return p11_err(ctx, SAM_E_CONFIG, "module wrap key \"%s\" is not an AES key",
                       ctx->labels[SAM_MODULE_KEY_WRAP]);
    if ((rc = check_secret(ctx, s, SAM_MODULE_KEY_WRAP, key[SAM_MODULE_KEY_WRAP], CKA_UNWRAP)) !=
        SAM_OK)
        return rc;

    /* The seal key's type decides the MAC, whatever create would pick today. */
    if ((rc = p11_get_ulong(ctx, s, key[SAM_MODULE_KEY_SEAL], CKA_KEY_TYPE, &type)) != SAM_OK)
        return rc;
    if (type == CKK_GENERIC_SECRET && (ctx->mechs.have & P11_HAVE_HMAC)) {
        seal_mech = CKM_SHA256_HMAC;
        seal_len = 32;
    } else if (type == CKK_AES && (ctx->mechs.have & P11_HAVE_CMAC)) {
        seal_mech = CKM_AES_CMAC;
        seal_len = 16;
    } else {
        return p11_err(ctx, SAM_E_MECHANISM,
                       "module seal key \"%s\": key type 0x%lx and no matching MAC in the module "
                       "(CKM_SHA256_HMAC for generic secrets, CKM_AES_CMAC for AES)",
                       ctx->labels[SAM_MODULE_KEY_SEAL], (unsigned long)type);
    }
    if ((rc = check_secret(ctx, s, SAM_MODULE_KEY_SEAL, key[SAM_MODULE_KEY_SEAL], CKA_SIGN)) !=
        SAM_OK)
        return rc;

    for (int w = SAM_MODULE_KEY_AUDIT; w <= SAM_MODULE_KEY_CSC; w++) {
        if ((rc = p11_get_ulong(ctx, s, key[w], CKA_KEY_TYPE, &type)) != SAM_OK)
            return rc;
        if (type != CKK_EC)
            return p11_err(ctx, SAM_E_CONFIG, "module %s key \"%s\" is not an EC key", key_role[w],
                           ctx->labels[w]);
    }

    use_session_copies(ctx, key);
    memcpy(ctx->key, key, sizeof(key));
    memcpy(ctx->pub, pub, sizeof(pub));
    ctx->seal_mech = seal_mech;
    ctx->seal_len = seal_len;
    ctx->keys_bound = 1;
    return SAM_OK;
}

int p11_keys_bind(p11_ctx_t *ctx)
{
    CK_SESSION_HANDLE s;
    int rc = p11_session_get(ctx, &s);
    if (rc != SAM_OK)
        return rc;
    ctx->keys_bound = 0;
    rc = bind_with(ctx, s);
    p11_session_put(ctx, s, rc == SAM_E_BACKEND_UNAVAILABLE);
    return rc;
}

static int make_secret(p11_ctx_t *ctx, CK_SESSION_HANDLE s, int which, CK_OBJECT_HANDLE *h)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_ULONG len = 32;
    CK_KEY_TYPE type;
    CK_MECHANISM mech = {0, NULL, 0};
    const char *label = ctx->labels[which];
    int wrap = which == SAM_MODULE_KEY_WRAP;

    if (wrap || ctx->mechs.seal == CKM_AES_CMAC) {
        type = CKK_AES;
        mech.mechanism = CKM_AES_KEY_GEN;
    } else {
        type = CKK_GENERIC_SECRET;
        mech.mechanism = CKM_GENERIC_SECRET_KEY_GEN;
    }
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_KEY_TYPE, &type, sizeof(type)},
        {CKA_VALUE_LEN, &len, sizeof(len)},
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)},
        {CKA_EXTRACTABLE, &no, sizeof(no)},
        LABEL_ATTR(label),
        {CKA_WRAP, wrap ? &yes : &no, sizeof(yes)},
        {CKA_UNWRAP, wrap ? &yes : &no, sizeof(yes)},
        {CKA_SIGN, wrap ? &no : &yes, sizeof(yes)},
        {CKA_VERIFY, wrap ? &no : &yes, sizeof(yes)},
    };
    CK_RV rv = ctx->fl->C_GenerateKey(s, &mech, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), h);
    if (rv != CKR_OK)
        return p11_fail(ctx, rv, "C_GenerateKey of module %s key \"%s\"", key_role[which], label);
    return SAM_OK;
}

static int make_ec_pair(p11_ctx_t *ctx, CK_SESSION_HANDLE s, int which, CK_OBJECT_HANDLE *pub,
                        CK_OBJECT_HANDLE *priv)
{
    const p11_curve_t *curve = p11_curve_by_id(SAM_CURVE_P256);
    const char *label = ctx->labels[which];
    CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pub_tmpl[] = {
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_PRIVATE, &no, sizeof(no)},
        {CKA_VERIFY, &yes, sizeof(yes)},
        {CKA_EC_PARAMS, (void *)curve->oid_der, (CK_ULONG)curve->oid_der_len},
        LABEL_ATTR(label),
    };
    CK_ATTRIBUTE priv_tmpl[] = {
        {CKA_TOKEN, &yes, sizeof(yes)},     {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)}, {CKA_EXTRACTABLE, &no, sizeof(no)},
        {CKA_SIGN, &yes, sizeof(yes)},      LABEL_ATTR(label),
    };
    CK_RV rv =
        ctx->fl->C_GenerateKeyPair(s, &mech, pub_tmpl, sizeof(pub_tmpl) / sizeof(pub_tmpl[0]),
                                   priv_tmpl, sizeof(priv_tmpl) / sizeof(priv_tmpl[0]), pub, priv);
    if (rv != CKR_OK)
        return p11_fail(ctx, rv, "C_GenerateKeyPair of module %s key \"%s\"", key_role[which],
                        label);
    return SAM_OK;
}

static int create_with(p11_ctx_t *ctx, CK_SESSION_HANDLE s)
{
    CK_OBJECT_HANDLE made[6];
    size_t n_made = 0;
    int rc = SAM_OK;

    for (int w = 0; w < SAM_MODULE_KEY_COUNT; w++) {
        size_t found = 0;
        if ((rc = count_label(ctx, s, ctx->labels[w], 0, 1, NULL, &found)) != SAM_OK)
            return rc;
        if (found > 0)
            return p11_err(ctx, SAM_E_EXISTS,
                           "module %s key label \"%s\" already exists on token \"%s\"", key_role[w],
                           ctx->labels[w], ctx->token_label);
    }
    for (int w = SAM_MODULE_KEY_WRAP; w <= SAM_MODULE_KEY_SEAL && rc == SAM_OK; w++) {
        if ((rc = make_secret(ctx, s, w, &made[n_made])) == SAM_OK)
            n_made++;
    }
    for (int w = SAM_MODULE_KEY_AUDIT; w <= SAM_MODULE_KEY_CSC && rc == SAM_OK; w++) {
        if ((rc = make_ec_pair(ctx, s, w, &made[n_made], &made[n_made + 1])) == SAM_OK)
            n_made += 2;
    }
    if (rc != SAM_OK) {
        /* Leave the token as it was, so that create can be run again. */
        for (size_t i = 0; i < n_made; i++)
            ctx->fl->C_DestroyObject(s, made[i]);
    }
    return rc;
}

int p11_keys_create(p11_ctx_t *ctx)
{
    CK_SESSION_HANDLE s;
    int rc = p11_session_get(ctx, &s);
    if (rc != SAM_OK)
        return rc;
    rc = create_with(ctx, s);
    if (rc == SAM_OK) {
        ctx->keys_bound = 0;
        rc = bind_with(ctx, s);
    }
    p11_session_put(ctx, s, rc == SAM_E_BACKEND_UNAVAILABLE);
    return rc;
}

int p11_keys_public(p11_ctx_t *ctx, sam_module_key which, sam_outbuf_t *spki)
{
    CK_SESSION_HANDLE s;
    spki->len = 0;
    if (which != SAM_MODULE_KEY_AUDIT && which != SAM_MODULE_KEY_CSC)
        return p11_err(ctx, SAM_E_INVALID_ARG, "module key %d has no public key", (int)which);
    if (!ctx->keys_bound)
        return p11_err(ctx, SAM_E_INVALID_ARG, "pkcs11 backend: module keys are not bound");
    int rc = p11_session_get(ctx, &s);
    if (rc != SAM_OK)
        return rc;
    rc = p11_spki_of_object(ctx, s, ctx->pub[which], spki);
    p11_session_put(ctx, s, rc == SAM_E_BACKEND_UNAVAILABLE);
    return rc;
}

/* Add the session objects of class cls to *total. */
static int count_class(p11_ctx_t *ctx, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, size_t *total)
{
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_TOKEN, &no, sizeof(no)}};
    CK_OBJECT_HANDLE batch[64];
    CK_ULONG got = 0;
    CK_RV rv = ctx->fl->C_FindObjectsInit(s, tmpl, 2);
    if (rv != CKR_OK)
        return p11_fail(ctx, rv, "C_FindObjectsInit");
    /* Bounded, in case a module keeps answering: no SAM holds a million temporary keys. */
    for (unsigned batches = 0; batches < (1u << 14); batches++) {
        rv = ctx->fl->C_FindObjects(s, batch, 64, &got);
        if (rv != CKR_OK || got == 0)
            break;
        *total += got > 64 ? 64 : got;
    }
    CK_RV rv_final = ctx->fl->C_FindObjectsFinal(s);
    if (rv != CKR_OK)
        return p11_fail(ctx, rv, "C_FindObjects");
    if (rv_final != CKR_OK)
        return p11_fail(ctx, rv_final, "C_FindObjectsFinal");
    return SAM_OK;
}

/* Temporary signer keys and OTP secrets: private and secret keys that are session objects. */
int p11_count_temporary(p11_ctx_t *ctx, size_t *count)
{
    CK_SESSION_HANDLE s;
    size_t total = 0;
    int rc = p11_session_get(ctx, &s);
    if (rc != SAM_OK)
        return rc;
    if ((rc = count_class(ctx, s, CKO_PRIVATE_KEY, &total)) == SAM_OK &&
        (rc = count_class(ctx, s, CKO_SECRET_KEY, &total)) == SAM_OK)
        *count = total >= ctx->n_copies ? total - ctx->n_copies : 0; /* not the module keys' copies */
    p11_session_put(ctx, s, rc == SAM_E_BACKEND_UNAVAILABLE);
    return rc;
}
