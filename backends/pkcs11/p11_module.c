/*
 * The PKCS#11 library: load it, initialize it for threads, find our token by
 * its label (slot numbers change when tokens are added), check what it can
 * do, and log in once. The login belongs to the application, so an anchor
 * session stays open for as long as we want to stay logged in.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "p11_internal.h"

#define P11_MAX_SLOTS 1024
#define P11_MAX_MECHS 4096

int p11_module_load(p11_ctx_t *ctx)
{
    struct stat st;
    if (stat(ctx->library, &st) != 0)
        return p11_err(ctx, errno == ENOENT ? SAM_E_NOT_FOUND : SAM_E_IO, "PKCS#11 library %s: %s",
                       ctx->library, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return p11_err(ctx, SAM_E_CONFIG, "PKCS#11 library %s: not a regular file", ctx->library);

    dlerror();
    ctx->dl = dlopen(ctx->library, RTLD_NOW | RTLD_LOCAL);
    if (ctx->dl == NULL) {
        const char *why = dlerror();
        return p11_err(ctx, SAM_E_CONFIG, "PKCS#11 library %s: cannot load: %s", ctx->library,
                       why != NULL ? why : "unknown error");
    }
    CK_C_GetFunctionList get_list = NULL;
    /* POSIX blesses converting dlsym's result to a function pointer this way. */
    *(void **)&get_list = dlsym(ctx->dl, "C_GetFunctionList");
    if (get_list == NULL)
        return p11_err(ctx, SAM_E_CONFIG,
                       "PKCS#11 library %s: no C_GetFunctionList: not a PKCS#11 module",
                       ctx->library);
    CK_FUNCTION_LIST_PTR fl = NULL;
    CK_RV rv = get_list(&fl);
    if (rv != CKR_OK || fl == NULL)
        return p11_fail(ctx, rv != CKR_OK ? rv : CKR_GENERAL_ERROR,
                        "PKCS#11 library %s: C_GetFunctionList", ctx->library);
    if (fl->version.major < 2)
        return p11_err(ctx, SAM_E_CONFIG, "PKCS#11 library %s: Cryptoki %u.%u, need 2.20 or later",
                       ctx->library, fl->version.major, fl->version.minor);
    ctx->fl = fl;
    return SAM_OK;
}

void p11_module_unload(p11_ctx_t *ctx)
{
    ctx->fl = NULL;
    if (ctx->dl != NULL)
        dlclose(ctx->dl);
    ctx->dl = NULL;
}

/* PKCS#11 labels are 32 bytes padded with blanks. */
static int label_is(const unsigned char label[32], const char *want)
{
    size_t n = strlen(want);
    if (n > 32 || memcmp(label, want, n) != 0)
        return 0;
    for (size_t i = n; i < 32; i++) {
        if (label[i] != ' ')
            return 0;
    }
    return 1;
}

static void append_label(char *buf, size_t cap, const unsigned char label[32])
{
    size_t n = 32;
    while (n > 0 && label[n - 1] == ' ')
        n--;
    size_t used = strlen(buf);
    if (used + 1 < cap)
        snprintf(buf + used, cap - used, "%s\"%.*s\"", used > 0 ? ", " : "", (int)n,
                 (const char *)label);
}

static int find_slot(p11_ctx_t *ctx)
{
    CK_SLOT_ID *slots = NULL;
    CK_ULONG n = 0;
    size_t matches = 0;
    char present[256] = "";
    int rc;

    CK_RV rv = ctx->fl->C_GetSlotList(CK_TRUE, NULL, &n);
    if (rv != CKR_OK) {
        rc = p11_fail(ctx, rv, "PKCS#11 library %s: C_GetSlotList", ctx->library);
        goto out;
    }
    if (n > P11_MAX_SLOTS)
        n = P11_MAX_SLOTS;
    slots = calloc(n > 0 ? n : 1, sizeof(*slots));
    if (slots == NULL) {
        rc = p11_err(ctx, SAM_E_NOMEM, "out of memory");
        goto out;
    }
    rv = ctx->fl->C_GetSlotList(CK_TRUE, slots, &n);
    if (rv != CKR_OK) {
        rc = p11_fail(ctx, rv, "PKCS#11 library %s: C_GetSlotList", ctx->library);
        goto out;
    }
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO info;
        if (ctx->fl->C_GetTokenInfo(slots[i], &info) != CKR_OK)
            continue; /* a token that went away meanwhile is not ours */
        if (!(info.flags & CKF_TOKEN_INITIALIZED))
            continue;
        append_label(present, sizeof(present), info.label);
        if (!label_is(info.label, ctx->token_label))
            continue;
        if (++matches > 1)
            break;
        ctx->slot = slots[i];
        if (info.flags & CKF_USER_PIN_LOCKED) {
            rc = p11_err(ctx, SAM_E_PIN, "token \"%s\": the user PIN is locked", ctx->token_label);
            goto out;
        }
        if (!(info.flags & CKF_USER_PIN_INITIALIZED)) {
            rc = p11_err(ctx, SAM_E_PIN, "token \"%s\": the user PIN is not initialized",
                         ctx->token_label);
            goto out;
        }
    }
    if (matches == 0) {
        rc = p11_err(ctx, SAM_E_NOT_FOUND, "token \"%s\" not found in %s (tokens present: %s)",
                     ctx->token_label, ctx->library, present[0] != '\0' ? present : "none");
        goto out;
    }
    if (matches > 1) {
        rc = p11_err(ctx, SAM_E_CONFIG, "token label \"%s\" is not unique in %s", ctx->token_label,
                     ctx->library);
        goto out;
    }
    rc = SAM_OK;
out:
    free(slots);
    return rc;
}

static int probe_mechanisms(p11_ctx_t *ctx)
{
    CK_MECHANISM_TYPE *list = NULL;
    CK_ULONG n = 0;
    char msg[512];
    int rc;

    CK_RV rv = ctx->fl->C_GetMechanismList(ctx->slot, NULL, &n);
    if (rv != CKR_OK) {
        rc = p11_fail(ctx, rv, "token \"%s\": C_GetMechanismList", ctx->token_label);
        goto out;
    }
    if (n > P11_MAX_MECHS)
        n = P11_MAX_MECHS;
    list = calloc(n > 0 ? n : 1, sizeof(*list));
    if (list == NULL) {
        rc = p11_err(ctx, SAM_E_NOMEM, "out of memory");
        goto out;
    }
    rv = ctx->fl->C_GetMechanismList(ctx->slot, list, &n);
    if (rv != CKR_OK) {
        rc = p11_fail(ctx, rv, "token \"%s\": C_GetMechanismList", ctx->token_label);
        goto out;
    }
    rc = p11_mech_probe(list, n, ctx->profile->wrap_prefs, ctx->profile->n_wrap_prefs, &ctx->mechs,
                        msg, sizeof(msg));
    if (rc != SAM_OK) {
        rc = p11_err(ctx, rc, "token \"%s\": %s", ctx->token_label, msg);
        goto out;
    }
    if (msg[0] != '\0' && ctx->host->log != NULL)
        ctx->host->log(SAM_LOG_WARNING, "pkcs11 backend: token \"%s\": %s", ctx->token_label, msg);
out:
    free(list);
    return rc;
}

int p11_module_start(p11_ctx_t *ctx)
{
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof(args));
    args.flags = CKF_OS_LOCKING_OK; /* threads call us concurrently */

    CK_RV rv = ctx->fl->C_Initialize(&args);
    if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED)
        return p11_err(ctx, SAM_E_CONFIG,
                       "PKCS#11 library %s is already initialized in this process: one pkcs11 "
                       "backend instance per library",
                       ctx->library);
    if (rv != CKR_OK)
        return p11_fail(ctx, rv, "PKCS#11 library %s: C_Initialize", ctx->library);
    ctx->initialized = 1;

    int rc = find_slot(ctx);
    if (rc != SAM_OK)
        return rc;
    if ((rc = probe_mechanisms(ctx)) != SAM_OK)
        return rc;

    rv = ctx->fl->C_OpenSession(ctx->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
                                &ctx->anchor);
    if (rv != CKR_OK)
        return p11_fail(ctx, rv, "token \"%s\": C_OpenSession", ctx->token_label);
    ctx->have_anchor = 1;

    rv = ctx->fl->C_Login(ctx->anchor, CKU_USER, (CK_UTF8CHAR_PTR)ctx->pin, (CK_ULONG)ctx->pin_len);
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
        return p11_fail(ctx, rv, "C_Login on token \"%s\"", ctx->token_label);
    return SAM_OK;
}

void p11_module_stop(p11_ctx_t *ctx)
{
    if (ctx->fl == NULL)
        return;
    if (ctx->have_anchor) {
        ctx->fl->C_Logout(ctx->anchor);
        ctx->fl->C_CloseAllSessions(ctx->slot);
    }
    ctx->have_anchor = 0;
    /* The module keys' session copies went with the sessions. */
    memset(ctx->copy, 0, sizeof(ctx->copy));
    ctx->n_copies = 0;
    p11_pool_reset(ctx);
    if (ctx->initialized)
        ctx->fl->C_Finalize(NULL);
    ctx->initialized = 0;
}
