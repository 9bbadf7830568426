/*
 * Group commit for the SQLite store's hot writes (SAD reservations). Every
 * write transaction ends with a WAL append and an fsync, and SQLite lets
 * one writer in at a time, so under load the callers queue on the write
 * lock anyway. Here they queue on a list instead: the first caller that
 * finds nobody leading takes everything queued (at most GROUP_MAX items),
 * runs it in ONE transaction, each item inside its own savepoint, and
 * wakes the others with their results. An item that fails is rolled back
 * to its savepoint alone; the items after it see the store as if it had
 * never run. If the transaction itself cannot commit, every item of the
 * batch fails: none of them was acknowledged, none is on disk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"
#include "store_sqlite_internal.h"

#define GROUP_MAX 64 /* items per transaction: bounds a leader's extra work */

struct st_sam_sqlite_group_item_t {
    sam_sqlite_fn fn;
    void *arg;
    int rc;
    bool done;
    char message[512]; /* the failure's detail, for the caller's thread */
    /* Its own: a leader wakes the callers of its batch, then the next
     * queued one to lead, and nobody else. */
    pthread_cond_t settled;
    struct st_sam_sqlite_group_item_t *next;
};

/* pthread failures on our own objects mean memory corruption. */
static void must(int r)
{
    if (r != 0)
        abort();
}

int sam_sqlite_group_init(sam_sqlite_group_t *g)
{
    memset(g, 0, sizeof(*g));
    g->tail = &g->head;
    if (pthread_mutex_init(&g->lock, NULL) != 0)
        return sam_error_set(SAM_E_NOMEM, "cannot create a mutex for the state store");
    g->ready = true;
    return SAM_OK;
}

void sam_sqlite_group_destroy(sam_sqlite_group_t *g)
{
    if (!g->ready)
        return;
    /* Only EBUSY is possible, for a call still in flight: a caller's defect. */
    (void)pthread_mutex_destroy(&g->lock);
    g->ready = false;
}

static void fail_item(sam_sqlite_group_item_t *it, int rc)
{
    it->rc = rc;
    snprintf(it->message, sizeof(it->message), "%s", sam_error_message());
}

static int exec_sql(sam_sqlite_conn_t *c, sam_sq_id id)
{
    return sam_sqlite_exec(c, id, "");
}

/* The batch as one transaction; run again from the start after SQLITE_BUSY. */
static int batch_txn(sam_sqlite_conn_t *c, void *arg)
{
    sam_sqlite_group_item_t *batch = arg;
    int rc;

    for (sam_sqlite_group_item_t *it = batch; it != NULL; it = it->next) {
        it->rc = SAM_OK;
        if ((rc = exec_sql(c, SAM_SQ_SAVEPOINT)) != SAM_OK)
            return rc;
        rc = it->fn(c, it->arg);
        if (rc == SAM_OK) {
            if ((rc = exec_sql(c, SAM_SQ_RELEASE)) != SAM_OK)
                return rc;
            continue;
        }
        /* Busy or broken: the whole transaction is retried or fails. */
        if (c->busy || c->broken)
            return rc;
        fail_item(it, rc);
        if ((rc = exec_sql(c, SAM_SQ_ROLLBACK_TO)) != SAM_OK ||
            (rc = exec_sql(c, SAM_SQ_RELEASE)) != SAM_OK)
            return rc;
    }
    return SAM_OK;
}

static void run_batch(sam_sqlite_t *st, sam_sqlite_group_item_t *batch)
{
    int rc = sam_sqlite_run(st, SAM_SQLITE_WRITE, batch_txn, batch);

    if (rc == SAM_OK)
        return;
    for (sam_sqlite_group_item_t *it = batch; it != NULL; it = it->next)
        fail_item(it, rc);
}

/* Take up to GROUP_MAX queued items, in order. Called with g->lock held. */
static sam_sqlite_group_item_t *take_batch(sam_sqlite_group_t *g)
{
    sam_sqlite_group_item_t *batch = g->head, *last = batch;
    size_t n = 1;

    while (last->next != NULL && n < GROUP_MAX) {
        last = last->next;
        n++;
    }
    g->head = last->next;
    if (g->head == NULL)
        g->tail = &g->head;
    last->next = NULL;
    return batch;
}

int sam_sqlite_run_grouped(sam_sqlite_t *st, sam_sqlite_fn fn, void *arg)
{
    sam_sqlite_group_t *g = sam_sqlite_group(st);
    sam_sqlite_group_item_t item = {.fn = fn, .arg = arg};

    if (pthread_cond_init(&item.settled, NULL) != 0)
        return sam_error_set(SAM_E_STORE_UNAVAILABLE, "state store: no condition variable");
    must(pthread_mutex_lock(&g->lock));
    *g->tail = &item;
    g->tail = &item.next;
    while (!item.done) {
        if (g->leading) {
            must(pthread_cond_wait(&item.settled, &g->lock));
            continue;
        }
        g->leading = true;
        sam_sqlite_group_item_t *batch = take_batch(g);
        must(pthread_mutex_unlock(&g->lock));
        run_batch(st, batch);
        must(pthread_mutex_lock(&g->lock));
        for (sam_sqlite_group_item_t *it = batch; it != NULL;) {
            sam_sqlite_group_item_t *next = it->next; /* it is its caller's once done */
            it->done = true;
            /* Under the lock: its caller cannot return and destroy it before this. */
            if (it != &item)
                must(pthread_cond_signal(&it->settled));
            it = next;
        }
        g->leading = false;
        if (g->head != NULL) /* queued meanwhile: the first one leads the next batch */
            must(pthread_cond_signal(&g->head->settled));
    }
    must(pthread_mutex_unlock(&g->lock));
    must(pthread_cond_destroy(&item.settled));
    if (item.rc != SAM_OK)
        sam_error_set(item.rc, "%s", item.message);
    return item.rc;
}
