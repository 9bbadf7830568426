/*
 * The worker pool: a fixed set of threads and one bounded FIFO. Anything
 * that may block (the cryptographic module, the state store, the audit log)
 * runs here, never on an event loop. A finished job goes back to the loop
 * that owns its request through that loop's h2o multithread queue.
 *
 * A job whose request was cancelled while it waited is not run: a client
 * that opens and resets streams costs a queue slot, not a signature. A job
 * that waited longer than limits.request_timeout_seconds is answered 503
 * without running: its client has likely given up.
 */
#include "samd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sam/log.h"
#include "sam/rc.h"

struct st_samd_pool_t {
    samd_server_t *server;
    pthread_mutex_t lock;
    pthread_cond_t nonempty;
    pthread_cond_t exited;
    h2o_linklist_t queue;
    size_t queued;
    size_t max_pending;
    bool stopping;
    pthread_t *threads;
    size_t thread_count;
    size_t running_threads; /* threads that have not exited yet */
};

uint64_t samd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void run_job(samd_pool_t *pool, samd_job_t *job)
{
    uint64_t waited = samd_now_ms() - job->queued_at_ms;
    uint64_t limit = (uint64_t)pool->server->cfg->limits.request_timeout_seconds * 1000u;
    if (atomic_load(&job->cancelled))
        return; /* nobody waits for it: the loop drops it */
    if (waited > limit) {
        samd_response_error(&job->resp, 503, "backend_unavailable",
                            "server busy: the request waited too long to be served");
        return;
    }
    samd_route_run(pool->server, job);
}

static void *worker_main(void *arg)
{
    samd_pool_t *pool = arg;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (h2o_linklist_is_empty(&pool->queue) && !pool->stopping)
            pthread_cond_wait(&pool->nonempty, &pool->lock);
        if (h2o_linklist_is_empty(&pool->queue))
            break; /* stopping, and nothing left */
        samd_job_t *job = H2O_STRUCT_FROM_MEMBER(samd_job_t, qlink, pool->queue.next);
        h2o_linklist_unlink(&job->qlink);
        pool->queued--;
        pthread_mutex_unlock(&pool->lock);

        run_job(pool, job);
        /* From here on the job belongs to its loop again. */
        h2o_multithread_send_message(&job->loop->job_receiver, &job->msg);

        pthread_mutex_lock(&pool->lock);
    }
    pool->running_threads--;
    pthread_cond_broadcast(&pool->exited);
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

samd_pool_t *samd_pool_new(samd_server_t *server, uint32_t workers, uint32_t max_pending)
{
    samd_pool_t *pool = calloc(1, sizeof(*pool));
    if (pool == NULL)
        return NULL;
    pool->server = server;
    pool->max_pending = max_pending;
    h2o_linklist_init_anchor(&pool->queue);
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->nonempty, NULL);
    pthread_cond_init(&pool->exited, NULL);
    pool->threads = calloc(workers, sizeof(pthread_t));
    if (pool->threads == NULL)
        goto fail;
    for (uint32_t i = 0; i < workers; i++) {
        pthread_mutex_lock(&pool->lock);
        pool->running_threads++;
        pthread_mutex_unlock(&pool->lock);
        int err = pthread_create(&pool->threads[i], NULL, worker_main, pool);
        if (err != 0) {
            pthread_mutex_lock(&pool->lock);
            pool->running_threads--;
            pthread_mutex_unlock(&pool->lock);
            sam_log(SAM_LOG_ERROR, "samd: cannot start worker thread: %s", strerror(err));
            goto fail;
        }
        pool->thread_count++;
    }
    return pool;
fail:
    (void)samd_pool_stop(pool, 5);
    samd_pool_free(pool);
    return NULL;
}

int samd_pool_submit(samd_pool_t *pool, samd_job_t *job)
{
    int rc = SAM_OK;
    job->queued_at_ms = samd_now_ms();
    pthread_mutex_lock(&pool->lock);
    if (pool->stopping || pool->queued >= pool->max_pending) {
        rc = SAM_E_LIMIT;
    } else {
        h2o_linklist_insert(&pool->queue, &job->qlink);
        pool->queued++;
        pthread_cond_signal(&pool->nonempty);
    }
    pthread_mutex_unlock(&pool->lock);
    return rc;
}

bool samd_pool_stop(samd_pool_t *pool, unsigned timeout_seconds)
{
    struct timespec deadline;
    bool all = true;
    if (pool == NULL)
        return true;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += (time_t)timeout_seconds;

    pthread_mutex_lock(&pool->lock);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->nonempty);
    while (pool->running_threads > 0) {
        int err = pthread_cond_timedwait(&pool->exited, &pool->lock, &deadline);
        if (err == ETIMEDOUT)
            break;
    }
    all = pool->running_threads == 0;
    pthread_mutex_unlock(&pool->lock);

    if (!all) {
        sam_log(SAM_LOG_ERROR, "samd: %u s after stop, worker threads are still busy",
                timeout_seconds);
        return false;
    }
    for (size_t i = 0; i < pool->thread_count; i++)
        pthread_join(pool->threads[i], NULL);
    pool->thread_count = 0;
    return true;
}

void samd_pool_free(samd_pool_t *pool)
{
    if (pool == NULL)
        return;
    /* Only after a successful stop: a busy thread would still use the lock. */
    if (pool->thread_count == 0) {
        pthread_mutex_destroy(&pool->lock);
        pthread_cond_destroy(&pool->nonempty);
        pthread_cond_destroy(&pool->exited);
        free(pool->threads);
        free(pool);
    }
}
