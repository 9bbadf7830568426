/*
 * The session pool: one session per concurrent operation (PKCS#11 sessions
 * are not for concurrent use), at most max_sessions open, opened lazily and
 * kept. All sessions share the login made on the anchor session.
 *
 * One session is kept for urgent callers (signatures by the module's own
 * keys, which the audit writer makes for every record): the workers waiting
 * for that writer would otherwise wait behind other workers' signer-key
 * operations for a session, and the CPUs go idle meanwhile.
 */
#include <stdlib.h>

#include "p11_internal.h"

int p11_pool_init(p11_ctx_t *ctx)
{
    int have_lock = 0, have_cond = 0;

    ctx->idle = calloc(ctx->max_sessions, sizeof(*ctx->idle));
    if (ctx->idle == NULL)
        return p11_err(ctx, SAM_E_NOMEM, "out of memory");
    if ((have_lock = pthread_mutex_init(&ctx->pool_lock, NULL) == 0) &&
        (have_cond = pthread_cond_init(&ctx->pool_cond, NULL) == 0) &&
        pthread_cond_init(&ctx->urgent_cond, NULL) == 0) {
        ctx->n_idle = ctx->n_open = ctx->n_urgent_waiting = 0;
        ctx->pool_ready = 1;
        return SAM_OK;
    }
    if (have_cond)
        pthread_cond_destroy(&ctx->pool_cond);
    if (have_lock)
        pthread_mutex_destroy(&ctx->pool_lock);
    free(ctx->idle);
    ctx->idle = NULL;
    return p11_err(ctx, SAM_E_INTERNAL, "pkcs11 backend: cannot make the session pool's lock");
}

void p11_pool_reset(p11_ctx_t *ctx)
{
    if (!ctx->pool_ready)
        return;
    pthread_mutex_lock(&ctx->pool_lock);
    ctx->n_idle = 0;
    ctx->n_open = 0;
    pthread_cond_broadcast(&ctx->pool_cond);
    pthread_cond_broadcast(&ctx->urgent_cond);
    pthread_mutex_unlock(&ctx->pool_lock);
}

void p11_pool_free(p11_ctx_t *ctx)
{
    if (!ctx->pool_ready)
        return;
    pthread_cond_destroy(&ctx->urgent_cond);
    pthread_cond_destroy(&ctx->pool_cond);
    pthread_mutex_destroy(&ctx->pool_lock);
    free(ctx->idle);
    ctx->idle = NULL;
    ctx->pool_ready = 0;
}

/* Sessions lent out now. Under pool_lock. */
static unsigned n_lent(const p11_ctx_t *ctx)
{
    return ctx->n_open > ctx->n_idle ? ctx->n_open - ctx->n_idle : 0;
}

/* Most sessions a caller of this kind may hold lent at once. Under pool_lock. */
static unsigned lend_limit(const p11_ctx_t *ctx, int urgent)
{
    return urgent || ctx->max_sessions < 2 ? ctx->max_sessions : ctx->max_sessions - 1;
}

/* A session came back or was never opened: wake who can use it. Under pool_lock. */
static void wake_waiters(p11_ctx_t *ctx)
{
    if (ctx->n_urgent_waiting > 0)
        pthread_cond_signal(&ctx->urgent_cond);
    if (n_lent(ctx) < lend_limit(ctx, 0))
        pthread_cond_signal(&ctx->pool_cond);
}

static int session_get(p11_ctx_t *ctx, CK_SESSION_HANDLE *s, int urgent)
{
    pthread_mutex_lock(&ctx->pool_lock);
    for (;;) {
        int may_lend = n_lent(ctx) < lend_limit(ctx, urgent);
        if (may_lend && ctx->n_idle > 0) {
            *s = ctx->idle[--ctx->n_idle];
            pthread_mutex_unlock(&ctx->pool_lock);
            return SAM_OK;
        }
        if (may_lend && ctx->n_open < ctx->max_sessions)
            break;
        if (urgent) {
            ctx->n_urgent_waiting++;
            pthread_cond_wait(&ctx->urgent_cond, &ctx->pool_lock);
            ctx->n_urgent_waiting--;
        } else {
            pthread_cond_wait(&ctx->pool_cond, &ctx->pool_lock);
        }
    }
    ctx->n_open++;
    pthread_mutex_unlock(&ctx->pool_lock);

    CK_RV rv =
        ctx->fl->C_OpenSession(ctx->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
    if (rv == CKR_OK)
        return SAM_OK;
    pthread_mutex_lock(&ctx->pool_lock);
    ctx->n_open--;
    wake_waiters(ctx);
    pthread_mutex_unlock(&ctx->pool_lock);
    return p11_fail(ctx, rv, "token \"%s\": C_OpenSession", ctx->token_label);
}

int p11_session_get(p11_ctx_t *ctx, CK_SESSION_HANDLE *s)
{
    return session_get(ctx, s, 0);
}

int p11_session_get_urgent(p11_ctx_t *ctx, CK_SESSION_HANDLE *s)
{
    return session_get(ctx, s, 1);
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
    wake_waiters(ctx);
    pthread_mutex_unlock(&ctx->pool_lock);
}

int p11_rv_session_broken(CK_RV rv)
{
    return p11_rv_rc(rv) == SAM_E_BACKEND_UNAVAILABLE;
}
