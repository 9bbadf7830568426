/*
 * The PKCS#11 backend plugin: the one exported table, open/close/health, and
 * the availability lock every operation passes through.
 *
 * Operations hold ctx->rw shared; re-initialization (p11_reinit.c), create
 * and bind hold it exclusive, so a re-init waits for the calls in flight and
 * no call sees a half-initialized library. The lock prefers writers, so a
 * steady stream of signatures cannot starve a due re-init.
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */

#include <stdio.h>
#include <string.h>

#include "p11_internal.h"

#define P11_RETRY_INTERVAL_MS 1000 /* between failed recovery attempts */

static long ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static int reinit_due(p11_ctx_t *ctx)
{
    return !ctx->ready || atomic_load(&ctx->need_reinit) ||
           (ctx->reinit_after > 0 && atomic_load(&ctx->temp_objects) >= ctx->reinit_after);
}

/* Under the exclusive lock: re-initialize when due (at most once a second while failing). */
static void maybe_reinit(p11_ctx_t *ctx)
{
    if (!reinit_due(ctx))
        return;
    int recovering = !ctx->ready || atomic_load(&ctx->need_reinit);
    if (recovering && ctx->last_failed_reinit.tv_sec != 0 &&
        ms_since(&ctx->last_failed_reinit) < P11_RETRY_INTERVAL_MS)
        return;
    int rc = p11_reinit_locked(ctx);
    if (rc == SAM_OK) {
        ctx->ready = 1;
        atomic_store(&ctx->need_reinit, 0);
        ctx->last_failed_reinit.tv_sec = 0;
        if (ctx->host->log != NULL)
            ctx->host->log(recovering ? SAM_LOG_WARNING : SAM_LOG_DEBUG,
                           "pkcs11 backend: token \"%s\" re-initialized (%s)", ctx->token_label,
                           recovering ? "recovered" : "periodic");
        return;
    }
    ctx->ready = 0;
    clock_gettime(CLOCK_MONOTONIC, &ctx->last_failed_reinit);
    if (ctx->last_failed_reinit.tv_sec == 0)
        ctx->last_failed_reinit.tv_sec = 1;
    snprintf(ctx->unavailable_msg, sizeof(ctx->unavailable_msg),
             "pkcs11 backend: token \"%s\" unavailable: %s", ctx->token_label, p11_last_error());
    if (ctx->host->log != NULL)
        ctx->host->log(SAM_LOG_ERROR, "%s", ctx->unavailable_msg);
}

static int unavailable(p11_ctx_t *ctx)
{
    return p11_err(ctx, SAM_E_BACKEND_UNAVAILABLE, "%s",
                   ctx->unavailable_msg[0] != '\0' ? ctx->unavailable_msg
                                                   : "pkcs11 backend: module unavailable");
}

/* Take the lock shared for an operation, re-initializing first when due. */
static int op_enter(p11_ctx_t *ctx)
{
    if (!ctx->rw_ready)
        return p11_err(ctx, SAM_E_INTERNAL, "pkcs11 backend: not open");
    pthread_rwlock_rdlock(&ctx->rw);
    if (!reinit_due(ctx))
        return SAM_OK;
    pthread_rwlock_unlock(&ctx->rw);

    pthread_rwlock_wrlock(&ctx->rw);
    maybe_reinit(ctx);
    pthread_rwlock_unlock(&ctx->rw);

    pthread_rwlock_rdlock(&ctx->rw);
    if (ctx->ready)
        return SAM_OK; /* another failure may be pending: that call's re-init comes next */
    int rc = unavailable(ctx);
    pthread_rwlock_unlock(&ctx->rw);
    return rc;
}

/* Take the lock exclusive (create, bind). */
static int op_enter_exclusive(p11_ctx_t *ctx)
{
    if (!ctx->rw_ready)
        return p11_err(ctx, SAM_E_INTERNAL, "pkcs11 backend: not open");
    pthread_rwlock_wrlock(&ctx->rw);
    maybe_reinit(ctx);
    if (ctx->ready)
        return SAM_OK;
    int rc = unavailable(ctx);
    pthread_rwlock_unlock(&ctx->rw);
    return rc;
}

static int op_leave(p11_ctx_t *ctx, int rc)
{
    if (rc == SAM_E_BACKEND_UNAVAILABLE)
        atomic_store(&ctx->need_reinit, 1);
    pthread_rwlock_unlock(&ctx->rw);
    return rc;
}

static void p11_close(void *state)
{
    p11_ctx_t *ctx = state;
    if (ctx == NULL || ctx->host == NULL)
        return;
    p11_module_stop(ctx);
    p11_module_unload(ctx);
    p11_pool_free(ctx);
    if (ctx->rw_ready)
        pthread_rwlock_destroy(&ctx->rw);
    ctx->rw_ready = 0;
    p11_config_free(ctx);
    memset(ctx, 0, sizeof(*ctx));
}

static int init_rwlock(p11_ctx_t *ctx)
{
    pthread_rwlockattr_t attr;
    if (pthread_rwlockattr_init(&attr) != 0)
        return p11_err(ctx, SAM_E_INTERNAL, "pkcs11 backend: pthread_rwlockattr_init failed");
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    int err = pthread_rwlock_init(&ctx->rw, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (err != 0)
        return p11_err(ctx, SAM_E_INTERNAL, "pkcs11 backend: pthread_rwlock_init failed");
    ctx->rw_ready = 1;
    return SAM_OK;
}

static int p11_open(void *state, const sam_host_v1_t *host, const sam_param_t *params,
                    const char *const labels[SAM_MODULE_KEY_COUNT])
{
    p11_ctx_t *ctx = state;
    int rc;

    if (ctx == NULL || host == NULL)
        return SAM_E_INVALID_ARG;
    /* Everything up to read_secret is what this plugin calls. */
    if (host->abi_version != SAM_HOST_ABI_VERSION ||
        host->struct_size < offsetof(sam_host_v1_t, read_secret) + sizeof(host->read_secret) ||
        host->set_error == NULL || host->secure_free == NULL || host->wipe == NULL ||
        host->ct_equal == NULL || host->read_secret == NULL) {
        if (host->set_error != NULL)
            host->set_error(SAM_E_PLUGIN, "pkcs11 backend: host services table %u/%u not usable",
                            host->abi_version, host->struct_size);
        return SAM_E_PLUGIN;
    }
    memset(ctx, 0, sizeof(*ctx));
    ctx->host = host;

    if ((rc = p11_config_parse(ctx, params, labels)) != SAM_OK ||
        (rc = p11_module_load(ctx)) != SAM_OK || (rc = p11_pool_init(ctx)) != SAM_OK ||
        (rc = init_rwlock(ctx)) != SAM_OK || (rc = p11_module_start(ctx)) != SAM_OK) {
        p11_close(ctx);
        return rc;
    }
    ctx->ready = 1;
    if (host->log != NULL)
        host->log(SAM_LOG_INFO,
                  "pkcs11 backend: token \"%s\" in %s, profile %s, wrapping with %s, %u sessions, "
                  "re-init after %lu temporary objects",
                  ctx->token_label, ctx->library, ctx->profile->name,
                  p11_mech_name(ctx->mechs.wrap), ctx->max_sessions, ctx->reinit_after);
    return SAM_OK;
}

static int p11_health(void *state)
{
    p11_ctx_t *ctx = state;
    CK_SESSION_HANDLE s;
    CK_SESSION_INFO info;
    CK_ULONG type = 0;
    int rc = op_enter(ctx);
    if (rc != SAM_OK)
        return rc;
    if (!ctx->keys_bound) {
        rc = p11_err(ctx, SAM_E_NOT_FOUND, "pkcs11 backend: module keys are not bound");
        goto out;
    }
    if ((rc = p11_session_get(ctx, &s)) != SAM_OK)
        goto out;
    CK_RV rv = ctx->fl->C_GetSessionInfo(s, &info);
    if (rv != CKR_OK)
        rc = p11_fail(ctx, rv, "token \"%s\": C_GetSessionInfo", ctx->token_label);
    else if (info.state != CKS_RW_USER_FUNCTIONS && info.state != CKS_RO_USER_FUNCTIONS)
        rc = p11_err(ctx, SAM_E_BACKEND_UNAVAILABLE, "token \"%s\": no longer logged in",
                     ctx->token_label);
    else /* the wrapping key still answers */
        rc = p11_get_ulong(ctx, s, ctx->key[SAM_MODULE_KEY_WRAP], CKA_KEY_TYPE, &type);
    p11_session_put(ctx, s, rc == SAM_E_BACKEND_UNAVAILABLE);
out:
    return op_leave(ctx, rc);
}

static int p11_create_module_keys(void *state)
{
    p11_ctx_t *ctx = state;
    int rc = op_enter_exclusive(ctx);
    if (rc != SAM_OK)
        return rc;
    rc = p11_keys_create(ctx);
    if (rc == SAM_OK)
        ctx->keys_wanted = 1;
    return op_leave(ctx, rc);
}

static int p11_bind_module_keys(void *state)
{
    p11_ctx_t *ctx = state;
    int rc = op_enter_exclusive(ctx);
    if (rc != SAM_OK)
        return rc;
    rc = p11_keys_bind(ctx);
    if (rc == SAM_OK)
        ctx->keys_wanted = 1;
    return op_leave(ctx, rc);
}

static int p11_generate_key_pair(void *state, const sam_key_spec_t *spec, sam_outbuf_t *spki,
                                 sam_outbuf_t *wrapped)
{
    p11_ctx_t *ctx = state;
    if (spki == NULL || wrapped == NULL || spki->ptr == NULL || wrapped->ptr == NULL)
        return p11_err(ctx, SAM_E_INVALID_ARG, "generate: no output buffers");
    int rc = op_enter(ctx);
    if (rc != SAM_OK)
        return rc;
    return op_leave(ctx, p11_generate(ctx, spec, spki, wrapped));
}

static int p11_sign_op(void *state, const sam_key_spec_t *spec, sam_bytes_t wrapped,
                       const sam_sig_params_t *params, const sam_bytes_t *hashes, size_t n,
                       sam_outbuf_t *sigs)
{
    p11_ctx_t *ctx = state;
    int rc = op_enter(ctx);
    if (rc != SAM_OK)
        return rc;
    return op_leave(ctx, p11_sign(ctx, spec, wrapped, params, hashes, n, sigs));
}

static int p11_seal_op(void *state, sam_bytes_t data, sam_outbuf_t *mac)
{
    p11_ctx_t *ctx = state;
    int rc = op_enter(ctx);
    if (rc != SAM_OK)
        return rc;
    return op_leave(ctx, p11_seal(ctx, data, mac));
}

static int p11_seal_verify_op(void *state, sam_bytes_t data, sam_bytes_t mac)
{
    p11_ctx_t *ctx = state;
    int rc = op_enter(ctx);
    if (rc != SAM_OK)
        return rc;
    return op_leave(ctx, p11_seal_verify(ctx, data, mac));
}

static int p11_sign_with_module_key(void *state, sam_module_key which,
                                    const sam_sig_params_t *params, sam_bytes_t hash,
                                    sam_outbuf_t *sig)
{
    p11_ctx_t *ctx = state;
    int rc = op_enter(ctx);
    if (rc != SAM_OK)
        return rc;
    return op_leave(ctx, p11_sign_module(ctx, which, params, hash, sig));
}

static int p11_module_public_key(void *state, sam_module_key which, sam_outbuf_t *spki)
{
    p11_ctx_t *ctx = state;
    if (spki == NULL || spki->ptr == NULL)
        return p11_err(ctx, SAM_E_INVALID_ARG, "module_public_key: no output buffer");
    int rc = op_enter(ctx);
    if (rc != SAM_OK)
        return rc;
    return op_leave(ctx, p11_keys_public(ctx, which, spki));
}

static int p11_count_temporary_keys(void *state, size_t *count)
{
    p11_ctx_t *ctx = state;
    if (count == NULL)
        return p11_err(ctx, SAM_E_INVALID_ARG, "count_temporary_keys: no output");
    int rc = op_enter(ctx);
    if (rc != SAM_OK)
        return rc;
    return op_leave(ctx, p11_count_temporary(ctx, count));
}

static int p11_otp_protect_op(void *state, sam_bytes_t secret, sam_outbuf_t *blob)
{
    p11_ctx_t *ctx = state;
    int rc = op_enter(ctx);
    if (rc != SAM_OK)
        return rc;
    return op_leave(ctx, p11_otp_protect(ctx, secret, blob));
}

static int p11_otp_hmac_op(void *state, sam_bytes_t blob, uint32_t hmac, const sam_bytes_t *msgs,
                           size_t n, sam_outbuf_t *macs)
{
    p11_ctx_t *ctx = state;
    int rc = op_enter(ctx);
    if (rc != SAM_OK)
        return rc;
    return op_leave(ctx, p11_otp_hmac(ctx, blob, hmac, msgs, n, macs));
}

__attribute__((visibility("default"))) const sam_backend_v1_t sam_backend_v1 = {
    .abi_version = SAM_BACKEND_ABI_VERSION,
    .struct_size = sizeof(sam_backend_v1_t),
    .name = "pkcs11",
    .description = "PKCS#11 modules (SoftHSMv2, nShield) through their Cryptoki library",
    .capabilities = SAM_BACKEND_CAP_RSA | SAM_BACKEND_CAP_EC | SAM_BACKEND_CAP_PSS,
    .state_size = sizeof(p11_ctx_t),
    .open = p11_open,
    .close = p11_close,
    .health = p11_health,
    .create_module_keys = p11_create_module_keys,
    .bind_module_keys = p11_bind_module_keys,
    .generate_key_pair = p11_generate_key_pair,
    .sign = p11_sign_op,
    .seal = p11_seal_op,
    .seal_verify = p11_seal_verify_op,
    .sign_with_module_key = p11_sign_with_module_key,
    .module_public_key = p11_module_public_key,
    .count_temporary_keys = p11_count_temporary_keys,
    .otp_protect = p11_otp_protect_op,
    .otp_hmac = p11_otp_hmac_op,
};
