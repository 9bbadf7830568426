/*
 * The PKCS#11 backend's session pool (p11_session.c), compiled in: who waits
 * and who is served when every session is lent. The pool only opens and
 * closes sessions, so a function list with just those two stands in for
 * the module here; the signing paths that use the pool are tested against
 * SoftHSMv2 in test_pkcs11_backend.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "p11_internal.h"

static atomic_ulong next_handle, n_opened, n_closed;

static CK_RV open_session(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
                          CK_SESSION_HANDLE_PTR s)
{
    (void)slot, (void)flags, (void)app, (void)notify;
    *s = atomic_fetch_add(&next_handle, 1) + 1;
    atomic_fetch_add(&n_opened, 1);
    return CKR_OK;
}

static CK_RV close_session(CK_SESSION_HANDLE s)
{
    (void)s;
    atomic_fetch_add(&n_closed, 1);
    return CKR_OK;
}

static CK_FUNCTION_LIST fl;
static p11_ctx_t ctx;

static void setup_pool(unsigned max_sessions)
{
    memset(&fl, 0, sizeof(fl));
    fl.C_OpenSession = open_session;
    fl.C_CloseSession = close_session;
    memset(&ctx, 0, sizeof(ctx));
    ctx.fl = &fl;
    ctx.token_label = "pool-test";
    ctx.max_sessions = max_sessions;
    atomic_store(&next_handle, 0);
    atomic_store(&n_opened, 0);
    atomic_store(&n_closed, 0);
    cr_assert_eq(p11_pool_init(&ctx), SAM_OK);
}

static void teardown_pool(void)
{
    p11_pool_free(&ctx);
}

typedef struct {
    int urgent;
    CK_SESSION_HANDLE s;
    atomic_int done;
} taker_t;

static void *take(void *arg)
{
    taker_t *t = arg;
    int rc = t->urgent ? p11_session_get_urgent(&ctx, &t->s) : p11_session_get(&ctx, &t->s);
    atomic_store(&t->done, rc == SAM_OK ? 1 : -1);
    return NULL;
}

static void start(pthread_t *tid, taker_t *t, int urgent)
{
    *t = (taker_t){.urgent = urgent};
    cr_assert_eq(pthread_create(tid, NULL, take, t), 0);
}

/* Whether the taker got its session within ms milliseconds. A failed test
 * leaves takers blocked; its .timeout ends it. */
static int served_within(taker_t *t, int ms)
{
    for (int i = 0; i < ms && atomic_load(&t->done) == 0; i++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    return atomic_load(&t->done) == 1;
}

Test(pkcs11_pool, urgent_caller_served_while_others_wait, .fini = teardown_pool, .timeout = 20)
{
    setup_pool(3);
    CK_SESSION_HANDLE a, b;
    cr_assert_eq(p11_session_get(&ctx, &a), SAM_OK);
    cr_assert_eq(p11_session_get(&ctx, &b), SAM_OK);

    /* Two of three lent: an ordinary caller waits, the kept one is for urgent callers. */
    pthread_t t1, t2;
    taker_t ordinary, urgent;
    start(&t1, &ordinary, 0);
    cr_assert_not(served_within(&ordinary, 100), "an ordinary caller took the kept session");
    start(&t2, &urgent, 1);
    cr_assert(served_within(&urgent, 2000), "the urgent caller waited behind ordinary ones");
    cr_assert_not(served_within(&ordinary, 50));

    /* With b and the urgent caller's session lent, the one given back is the last
     * free one, kept for urgent callers... */
    p11_session_put(&ctx, a, 0);
    cr_assert_not(served_within(&ordinary, 100), "the session kept for urgent callers was lent");
    /* ...and the urgent caller's session, once back, goes to the caller that waits. */
    p11_session_put(&ctx, urgent.s, 0);
    cr_assert(served_within(&ordinary, 2000), "the waiting caller was not woken");
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    cr_assert(ordinary.s == a || ordinary.s == urgent.s, "an idle session was not reused");
    cr_assert_eq(atomic_load(&n_opened), 3);

    p11_session_put(&ctx, b, 0);
    p11_session_put(&ctx, ordinary.s, 0);
    cr_assert_eq(ctx.n_idle, 3);
    cr_assert_eq(ctx.n_open, 3);
}

Test(pkcs11_pool, urgent_caller_waits_when_all_are_lent, .fini = teardown_pool, .timeout = 20)
{
    setup_pool(2);
    CK_SESSION_HANDLE a, k;
    cr_assert_eq(p11_session_get(&ctx, &a), SAM_OK);
    cr_assert_eq(p11_session_get_urgent(&ctx, &k), SAM_OK);

    pthread_t t1, t2;
    taker_t ordinary, urgent;
    start(&t1, &ordinary, 0);
    start(&t2, &urgent, 1);
    cr_assert_not(served_within(&urgent, 100), "a session was lent twice");

    /* The ordinary session comes back: the urgent caller has it first. */
    p11_session_put(&ctx, a, 0);
    cr_assert(served_within(&urgent, 2000), "the urgent caller was not woken");
    cr_assert_not(served_within(&ordinary, 50), "both callers hold the one session given back");

    /* The broken one is closed, not pooled; the ordinary caller still leaves one free. */
    p11_session_put(&ctx, k, 1);
    cr_assert_eq(atomic_load(&n_closed), 1);
    cr_assert_not(served_within(&ordinary, 100), "the session kept for urgent callers was lent");
    p11_session_put(&ctx, urgent.s, 0);
    cr_assert(served_within(&ordinary, 2000), "the ordinary caller was not woken");
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    cr_assert_eq(ordinary.s, a, "the idle session was not reused");
    cr_assert_eq(atomic_load(&n_opened), 2);
    p11_session_put(&ctx, ordinary.s, 0);
    cr_assert_eq(ctx.n_open, 1);
}

Test(pkcs11_pool, one_session_is_shared_by_both_kinds, .fini = teardown_pool, .timeout = 20)
{
    setup_pool(1);
    CK_SESSION_HANDLE a;
    cr_assert_eq(p11_session_get(&ctx, &a), SAM_OK, "with one session, ordinary callers use it");

    pthread_t t;
    taker_t urgent;
    start(&t, &urgent, 1);
    cr_assert_not(served_within(&urgent, 100));
    p11_session_put(&ctx, a, 0);
    cr_assert(served_within(&urgent, 2000));
    pthread_join(t, NULL);
    cr_assert_eq(urgent.s, a);
    p11_session_put(&ctx, urgent.s, 0);
    cr_assert_eq(atomic_load(&n_opened), 1);
}
