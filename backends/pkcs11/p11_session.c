/*
 * The session pool: one session per concurrent operation (PKCS#11 sessions
 * are not for concurrent use), at most max_sessions open, opened lazily and
 * kept. All sessions share the login made on the anchor session.
 */
#include <stdlib.h>

#include "p11_internal.h"

int p11_pool_init(p11_ctx_t *ctx)
{
    ctx->idle = calloc(ctx->max_sessions, sizeof(*ctx->idle));
    if (ctx->idle == NULL)
        return p11_err(ctx, SAM_E_NOMEM, "out of memory");
    if (pthread_mutex_init(&ctx->pool_lock, NULL) != 0) {
        free(ctx->idle);
        ctx->idle = NULL;
        return p11_err(ctx, SAM_E_INTERNAL, "pkcs11 backend: pthread_mutex_init failed");
    }
    if (pthread_cond_init(&ctx->pool_cond, NULL) != 0) {
        pthread_mutex_destroy(&ctx->pool_lock);
        free(ctx->idle);
        ctx->idle = NULL;
        return p11_err(ctx, SAM_E_INTERNAL, "pkcs11 backend: pthread_cond_init failed");
    }
    ctx->n_idle = ctx->n_open = 0;
    ctx->pool_ready = 1;
    return SAM_OK;
}

void p11_pool_reset(p11_ctx_t *ctx)
{
    if (!ctx->pool_ready)
        return;
    pthread_mutex_lock(&ctx->pool_lock);
    ctx->n_idle = 0;
    ctx->n_open = 0;
    pthread_cond_broadcast(&ctx->pool_cond);
    pthread_mutex_unlock(&ctx->pool_lock);
}

void p11_pool_free(p11_ctx_t *ctx)
{
    if (!ctx->pool_ready)
        return;
    pthread_cond_destroy(&ctx->pool_cond);
    pthread_mutex_destroy(&ctx->pool_lock);
    free(ctx->idle);
    ctx->idle = NULL;
    ctx->pool_ready = 0;
}

int p11_session_get(p11_ctx_t *ctx, CK_SESSION_HANDLE *s)
{
    pthread_mutex_lock(&ctx->pool_lock);
    for (;;) {
        if (ctx->n_idle > 0) {
            *s = ctx->idle[--ctx->n_idle];
            pthread_mutex_unlock(&ctx->pool_lock);
            return SAM_OK;
        }
        if (ctx->n_open < ctx->max_sessions)
            break;
        pthread_cond_wait(&ctx->pool_cond, &ctx->pool_lock);
    }
    ctx->n_open++;
    pthread_mutex_unlock(&ctx->pool_lock);

    CK_RV rv =
        ctx->fl->C_OpenSession(ctx->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
    if (rv == CKR_OK)
        return SAM_OK;
    pthread_mutex_lock(&ctx->pool_lock);
    ctx->n_open--;
    pthread_cond_signal(&ctx->pool_cond);
    pthread_mutex_unlock(&ctx->pool_lock);
    return p11_fail(ctx, rv, "token \"%s\": C_OpenSession", ctx->token_label);
}

void p11_session_put(p11_ctx_t *ctx, CK_SESSION_HANDLE s, int broken)
{
    if (broken)
        ctx->fl->C_CloseSession(s); /* takes its session objects with it */
    pthread_mutex_lock(&ctx->pool_lock);
    if (broken || ctx->n_idle >= ctx->max_sessions) {
        if (ctx->n_open > 0)
            ctx->n_open--;
    } else {
        ctx->idle[ctx->n_idle++] = s;
    }
    pthread_cond_signal(&ctx->pool_cond);
    pthread_mutex_unlock(&ctx->pool_lock);
}

int p11_rv_session_broken(CK_RV rv)
{
    return p11_rv_rc(rv) == SAM_E_BACKEND_UNAVAILABLE;
}
