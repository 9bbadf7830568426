/*
 * Housekeeping: one thread that, every SAMD_PURGE_INTERVAL_SECONDS, removes
 * from the state store what can no longer matter: usage records of SADs
 * past their expiry (plus the clock skew, already in the stored expiry) and
 * expired CSC tokens. Without it those tables only grow, and every
 * reservation walks deeper B-trees. A failed purge is logged and tried
 * again next time; it never affects a request.
 */
#include "samd.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "sam/log.h"
#include "sam/rc.h"
#include "sam/store.h"

struct st_samd_housekeeping_t {
    samd_server_t *server;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};

static void purge_once(samd_server_t *server)
{
    int rc = sam_store_purge_expired(sam_service_store(server->svc), (int64_t)time(NULL));
    if (rc != SAM_OK)
        sam_log(SAM_LOG_WARNING, "samd: purging expired SAD records and tokens: %s",
                sam_error_message());
}

static void *housekeeping_main(void *arg)
{
    samd_housekeeping_t *hk = arg;
    pthread_mutex_lock(&hk->lock);
    while (!hk->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += SAMD_PURGE_INTERVAL_SECONDS;
        while (!hk->stopping && pthread_cond_timedwait(&hk->wake, &hk->lock, &until) != ETIMEDOUT)
            ;
        if (hk->stopping)
            break;
        pthread_mutex_unlock(&hk->lock);
        purge_once(hk->server);
        pthread_mutex_lock(&hk->lock);
    }
    pthread_mutex_unlock(&hk->lock);
    return NULL;
}

samd_housekeeping_t *samd_housekeeping_start(samd_server_t *server)
{
    samd_housekeeping_t *hk = calloc(1, sizeof(*hk));
    if (hk == NULL)
        return NULL;
    hk->server = server;
    pthread_mutex_init(&hk->lock, NULL);
    pthread_cond_init(&hk->wake, NULL);
    /* Once at start: a node that was down for a while begins clean. */
    purge_once(server);
    if (pthread_create(&hk->thread, NULL, housekeeping_main, hk) != 0) {
        sam_log(SAM_LOG_ERROR, "samd: cannot start the housekeeping thread");
        pthread_cond_destroy(&hk->wake);
        pthread_mutex_destroy(&hk->lock);
        free(hk);
        return NULL;
    }
    return hk;
}

void samd_housekeeping_stop(samd_housekeeping_t *hk)
{
    if (hk == NULL)
        return;
    pthread_mutex_lock(&hk->lock);
    hk->stopping = true;
    pthread_cond_signal(&hk->wake);
    pthread_mutex_unlock(&hk->lock);
    pthread_join(hk->thread, NULL);
    pthread_cond_destroy(&hk->wake);
    pthread_mutex_destroy(&hk->lock);
    free(hk);
}
