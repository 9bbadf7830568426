/*
 * SAD usage counting in SQLite: reserve, release, purge. Each runs in one
 * BEGIN IMMEDIATE transaction: the write lock is taken before the counts are
 * read, so no other connection (thread or process) can read the same counts
 * and commit a reservation in between. Check and update are one step.
 */
#include "sam/rc.h"
#include "store_sqlite_internal.h"

typedef struct {
    const sam_store_sad_request_t *req;
    int64_t reservation;
} reserve_ctx_t;

/* The SAD's row id and total spent, creating the row (total 0) if new. The
 * row of a refused reservation goes away with the rollback. */
static int sad_row(sam_sqlite_conn_t *c, const sam_store_sad_request_t *req, int64_t *id,
                   int64_t *total)
{
    bool row;
    int rc;

    rc = sam_sqlite_query(c, SAM_SQ_SAD_GET, &row, "tt", req->issuer, req->jti);
    if (rc != SAM_OK)
        return rc;
    if (row) {
        *id = sqlite3_column_int64(c->stmt[SAM_SQ_SAD_GET], 0);
        *total = sqlite3_column_int64(c->stmt[SAM_SQ_SAD_GET], 1);
        sam_sqlite_reset(c, SAM_SQ_SAD_GET);
        return SAM_OK;
    }
    rc = sam_sqlite_query(c, SAM_SQ_SAD_INSERT, &row, "tti", req->issuer, req->jti, req->expires);
    if (rc != SAM_OK)
        return rc;
    if (!row)
        return sam_sqlite_fail(c, SQLITE_ERROR, "recording a SAD");
    *id = sqlite3_column_int64(c->stmt[SAM_SQ_SAD_INSERT], 0);
    *total = 0;
    sam_sqlite_reset(c, SAM_SQ_SAD_INSERT);
    return SAM_OK;
}

static int hash_used(sam_sqlite_conn_t *c, int64_t sad_id, const sam_bytes_t *hash, int64_t *used)
{
    bool row;
    int rc = sam_sqlite_query(c, SAM_SQ_HASH_USED, &row, "ib", sad_id, hash);

    *used = 0;
    if (rc == SAM_OK && row) {
        *used = sqlite3_column_int64(c->stmt[SAM_SQ_HASH_USED], 0);
        sam_sqlite_reset(c, SAM_SQ_HASH_USED);
    }
    return rc;
}

static int reserve_txn(sam_sqlite_conn_t *c, void *arg)
{
    reserve_ctx_t *x = arg;
    const sam_store_sad_request_t *req = x->req;
    int64_t sad_id = 0, total = 0, used = 0, res_id = 0;
    bool row;
    int rc;

    if ((rc = sad_row(c, req, &sad_id, &total)) != SAM_OK)
        return rc;
    if (total < 0 || total + req->n_requested > (int64_t)req->num_signatures)
        return sam_error_set(SAM_E_SAD_EXHAUSTED,
                             "the SAD allows %u signatures; %lld made or reserved, %u more asked",
                             req->num_signatures, (long long)total, req->n_requested);
    for (size_t i = 0; i < req->n_hashes; i++) {
        const sam_store_hash_tally_t *h = &req->hashes[i];

        if ((rc = hash_used(c, sad_id, &h->hash, &used)) != SAM_OK)
            return rc;
        if (used < 0 || used + h->requested > (int64_t)h->authorized)
            return sam_error_set(SAM_E_SAD_EXHAUSTED,
                                 "a hash the SAD lists %u times was already signed %lld times",
                                 h->authorized, (long long)used);
    }
    rc = sam_sqlite_exec(c, SAM_SQ_SAD_ADD, "iii", sad_id, (int64_t)req->n_requested, req->expires);
    if (rc != SAM_OK)
        return rc;
    rc = sam_sqlite_query(c, SAM_SQ_RES_INSERT, &row, "ii", sad_id, (int64_t)req->n_requested);
    if (rc != SAM_OK)
        return rc;
    if (!row)
        return sam_sqlite_fail(c, SQLITE_ERROR, "recording a reservation");
    res_id = sqlite3_column_int64(c->stmt[SAM_SQ_RES_INSERT], 0);
    sam_sqlite_reset(c, SAM_SQ_RES_INSERT);
    for (size_t i = 0; i < req->n_hashes; i++) {
        const sam_store_hash_tally_t *h = &req->hashes[i];

        rc = sam_sqlite_exec(c, SAM_SQ_HASH_ADD, "ibi", sad_id, &h->hash, (int64_t)h->requested);
        if (rc == SAM_OK)
            rc = sam_sqlite_exec(c, SAM_SQ_RES_HASH_INSERT, "ibi", res_id, &h->hash,
                                 (int64_t)h->requested);
        if (rc != SAM_OK)
            return rc;
    }
    x->reservation = res_id;
    return SAM_OK;
}

int sam_sqlite_sad_reserve(void *impl, const sam_store_sad_request_t *req, int64_t *reservation)
{
    reserve_ctx_t x = {.req = req, .reservation = 0};
    int rc = sam_sqlite_run_grouped(impl, reserve_txn, &x);

    if (rc == SAM_OK)
        *reservation = x.reservation;
    return rc;
}

static int release_txn(sam_sqlite_conn_t *c, void *arg)
{
    int64_t id = *(const int64_t *)arg, sad_id = 0, total = 0, released = 0;
    sqlite3_stmt *st = c->stmt[SAM_SQ_RES_GET];
    bool row;
    int rc;

    if ((rc = sam_sqlite_query(c, SAM_SQ_RES_GET, &row, "i", id)) != SAM_OK)
        return rc;
    if (!row)
        return sam_error_set(
            SAM_E_NOT_FOUND,
            "no SAD reservation %lld (never made, or its SAD expired and was purged)",
            (long long)id);
    sad_id = sqlite3_column_int64(st, 0);
    total = sqlite3_column_int64(st, 1);
    released = sqlite3_column_int64(st, 2);
    sam_sqlite_reset(c, SAM_SQ_RES_GET);
    if (released != 0)
        return SAM_OK; /* given back before: nothing more */
    if ((rc = sam_sqlite_exec(c, SAM_SQ_HASH_SUB, "ii", id, sad_id)) != SAM_OK ||
        (rc = sam_sqlite_exec(c, SAM_SQ_SAD_SUB, "ii", sad_id, total)) != SAM_OK)
        return rc;
    return sam_sqlite_exec(c, SAM_SQ_RES_MARK, "i", id);
}

int sam_sqlite_sad_release(void *impl, int64_t reservation)
{
    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, release_txn, &reservation);
}

static int purge_txn(sam_sqlite_conn_t *c, void *arg)
{
    int64_t now = *(const int64_t *)arg;
    /* Children first: each statement finds its rows through sad.expires. */
    static const sam_sq_id order[] = {SAM_SQ_PURGE_RES_HASH, SAM_SQ_PURGE_RES, SAM_SQ_PURGE_HASH,
                                      SAM_SQ_PURGE_SAD, SAM_SQ_TOKEN_PURGE};
    int rc = SAM_OK;

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && rc == SAM_OK; i++)
        rc = sam_sqlite_exec(c, order[i], "i", now);
    return rc;
}

int sam_sqlite_purge_expired(void *impl, int64_t now)
{
    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, purge_txn, &now);
}
