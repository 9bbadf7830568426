/*
 * SAD usage counting in SQLite: reserve, release, purge. Each runs in one
 * BEGIN IMMEDIATE transaction: the write lock is taken before the counts are
 * read, so no other connection (thread or process) can read the same counts
 * and commit a reservation in between. Check and update are one step.
 */
#include "sam/rc.h"
#include "store_sqlite_internal.h"

/*
 * Record the SAD's first use in one step: a SAD never seen before gets its
 * row with used_total = n_requested (within num_signatures, checked by
 * store.c) and *fresh = true. A known SAD yields its row id and total.
 */
static int sad_row(sam_sqlite_conn_t *c, const sam_store_sad_request_t *req, int64_t *id,
                   int64_t *total, bool *fresh)
{
    bool row;
    int rc;

    rc = sam_sqlite_query(c, SAM_SQ_SAD_CLAIM, &row, "ttii", req->issuer, req->jti, req->expires,
                          (int64_t)req->n_requested);
    if (rc != SAM_OK)
        return rc;
    if (row) {
        *id = sqlite3_column_int64(c->stmt[SAM_SQ_SAD_CLAIM], 0);
        *total = 0;
        *fresh = true;
        sam_sqlite_reset(c, SAM_SQ_SAD_CLAIM);
        return SAM_OK;
    }
    *fresh = false;
    rc = sam_sqlite_query(c, SAM_SQ_SAD_GET, &row, "tt", req->issuer, req->jti);
    if (rc != SAM_OK)
        return rc;
    if (!row)
        return sam_sqlite_fail(c, SQLITE_ERROR, "reading a SAD's record");
    *id = sqlite3_column_int64(c->stmt[SAM_SQ_SAD_GET], 0);
    *total = sqlite3_column_int64(c->stmt[SAM_SQ_SAD_GET], 1);
    sam_sqlite_reset(c, SAM_SQ_SAD_GET);
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

/* A known SAD: check its counts, then add the request to its total. */
static int check_and_add(sam_sqlite_conn_t *c, const sam_store_sad_request_t *req, int64_t sad_id,
                         int64_t total)
{
    int64_t used = 0;
    int rc;

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
    return sam_sqlite_exec(c, SAM_SQ_SAD_ADD, "iii", sad_id, (int64_t)req->n_requested,
                           req->expires);
}

/* A refused reservation leaves nothing: the group commit rolls its savepoint back. */
static int reserve_txn(sam_sqlite_conn_t *c, void *arg)
{
    const sam_store_sad_request_t *req = arg;
    int64_t sad_id = 0, total = 0;
    bool fresh = false;
    int rc;

    if ((rc = sad_row(c, req, &sad_id, &total, &fresh)) != SAM_OK)
        return rc;
    /* A fresh SAD has no hash counts yet, and store.c checked each tally
     * against the SAD's list. */
    if (!fresh && (rc = check_and_add(c, req, sad_id, total)) != SAM_OK)
        return rc;
    for (size_t i = 0; i < req->n_hashes; i++) {
        const sam_store_hash_tally_t *h = &req->hashes[i];

        rc = sam_sqlite_exec(c, SAM_SQ_HASH_ADD, "ibi", sad_id, &h->hash, (int64_t)h->requested);
        if (rc != SAM_OK)
            return rc;
    }
    return SAM_OK;
}

int sam_sqlite_sad_reserve(void *impl, const sam_store_sad_request_t *req)
{
    return sam_sqlite_run_grouped(impl, reserve_txn, (void *)req);
}

static int release_txn(sam_sqlite_conn_t *c, void *arg)
{
    const sam_store_sad_request_t *req = arg;
    int64_t sad_id = 0;
    bool row;
    int rc;

    if ((rc = sam_sqlite_query(c, SAM_SQ_SAD_GET, &row, "tt", req->issuer, req->jti)) != SAM_OK)
        return rc;
    if (!row)
        return SAM_OK; /* purged since: the SAD expired, nothing to give back */
    sad_id = sqlite3_column_int64(c->stmt[SAM_SQ_SAD_GET], 0);
    sam_sqlite_reset(c, SAM_SQ_SAD_GET);
    for (size_t i = 0; i < req->n_hashes; i++) {
        const sam_store_hash_tally_t *h = &req->hashes[i];

        rc = sam_sqlite_exec(c, SAM_SQ_HASH_SUB, "ibi", sad_id, &h->hash, (int64_t)h->requested);
        if (rc != SAM_OK)
            return rc;
    }
    return sam_sqlite_exec(c, SAM_SQ_SAD_SUB, "ii", sad_id, (int64_t)req->n_requested);
}

int sam_sqlite_sad_release(void *impl, const sam_store_sad_request_t *req)
{
    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, release_txn, (void *)req);
}

static int purge_txn(sam_sqlite_conn_t *c, void *arg)
{
    int64_t now = *(const int64_t *)arg;
    /* Children first: each statement finds its rows through sad.expires. */
    static const sam_sq_id order[] = {SAM_SQ_PURGE_HASH, SAM_SQ_PURGE_SAD, SAM_SQ_TOKEN_PURGE};
    int rc = SAM_OK;

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && rc == SAM_OK; i++)
        rc = sam_sqlite_exec(c, order[i], "i", now);
    return rc;
}

int sam_sqlite_purge_expired(void *impl, int64_t now)
{
    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, purge_txn, &now);
}
