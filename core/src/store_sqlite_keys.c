/*
 * Key assignment (once ever) and the deleted-keys deny-list in SQLite.
 * Assignment reads and inserts under BEGIN IMMEDIATE; the primary key on
 * key_assignment.key_id would refuse a second row even if it did not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"
#include "store_sqlite_internal.h"

typedef struct {
    const char *key_id;
    const char *signer_id;
    char *found;  /* key_assignee: malloc'd signer id */
    bool deleted; /* key_deleted */
} key_ctx_t;

static int is_deleted(sam_sqlite_conn_t *c, const char *key_id, bool *deleted)
{
    int rc = sam_sqlite_query(c, SAM_SQ_DELETED_GET, deleted, "t", key_id);

    if (rc == SAM_OK && *deleted)
        sam_sqlite_reset(c, SAM_SQ_DELETED_GET);
    return rc;
}

/* The signer key_id is assigned to, malloc'd into *signer, or NULL. */
static int assignee(sam_sqlite_conn_t *c, const char *key_id, char **signer)
{
    sqlite3_stmt *st = c->stmt[SAM_SQ_ASSIGN_GET];
    const unsigned char *text;
    bool row;
    int rc;

    *signer = NULL;
    if ((rc = sam_sqlite_query(c, SAM_SQ_ASSIGN_GET, &row, "t", key_id)) != SAM_OK || !row)
        return rc;
    text = sqlite3_column_text(st, 0);
    if (text == NULL)
        rc = sam_sqlite_fail(c, sqlite3_errcode(c->db), "reading an assignment");
    else if ((*signer = strndup((const char *)text, SAM_STORE_MAX_ID_LEN)) == NULL)
        rc = sam_error_set(SAM_E_NOMEM, "out of memory reading an assignment");
    sam_sqlite_reset(c, SAM_SQ_ASSIGN_GET);
    return rc;
}

static int assign_txn(sam_sqlite_conn_t *c, void *arg)
{
    key_ctx_t *x = arg;
    char *current = NULL;
    bool deleted;
    int rc;

    if ((rc = is_deleted(c, x->key_id, &deleted)) != SAM_OK)
        goto out;
    if (deleted) {
        rc = sam_error_set(SAM_E_KEY_DELETED, "key %s was deleted", x->key_id);
        goto out;
    }
    if ((rc = assignee(c, x->key_id, &current)) != SAM_OK)
        goto out;
    if (current == NULL)
        rc = sam_sqlite_exec(c, SAM_SQ_ASSIGN_INSERT, "tt", x->key_id, x->signer_id);
    else if (strcmp(current, x->signer_id) != 0)
        rc = sam_error_set(SAM_E_KEY_ALREADY_ASSIGNED, "key %s is assigned to another signer",
                           x->key_id);
out:
    free(current);
    return rc;
}

int sam_sqlite_assign_key(void *impl, const char *key_id, const char *signer_id)
{
    key_ctx_t x = {.key_id = key_id, .signer_id = signer_id};

    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, assign_txn, &x);
}

static int assignee_txn(sam_sqlite_conn_t *c, void *arg)
{
    key_ctx_t *x = arg;

    free(x->found); /* from an attempt that was retried */
    return assignee(c, x->key_id, &x->found);
}

int sam_sqlite_key_assignee(void *impl, const char *key_id, char **signer_id)
{
    key_ctx_t x = {.key_id = key_id};
    int rc = sam_sqlite_run(impl, SAM_SQLITE_READ, assignee_txn, &x);

    if (rc == SAM_OK && x.found == NULL)
        rc = sam_error_set(SAM_E_NOT_FOUND, "key %s is not assigned", key_id);
    if (rc != SAM_OK) {
        free(x.found);
        return rc;
    }
    *signer_id = x.found;
    return SAM_OK;
}

static int delete_txn(sam_sqlite_conn_t *c, void *arg)
{
    return sam_sqlite_exec(c, SAM_SQ_DELETED_INSERT, "t", ((key_ctx_t *)arg)->key_id);
}

int sam_sqlite_delete_key(void *impl, const char *key_id)
{
    key_ctx_t x = {.key_id = key_id};

    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, delete_txn, &x);
}

static int deleted_txn(sam_sqlite_conn_t *c, void *arg)
{
    key_ctx_t *x = arg;

    return is_deleted(c, x->key_id, &x->deleted);
}

int sam_sqlite_key_deleted(void *impl, const char *key_id, bool *deleted)
{
    key_ctx_t x = {.key_id = key_id};
    int rc = sam_sqlite_run(impl, SAM_SQLITE_READ, deleted_txn, &x);

    if (rc == SAM_OK)
        *deleted = x.deleted;
    return rc;
}

/* Key pair revisions (threat N12): no row means revision 0. */
typedef struct {
    const char *key_id;
    uint32_t from, to;
    bool deleted, found;
    uint32_t revision;
} revision_ctx_t;

static int revision_get(sam_sqlite_conn_t *c, const char *key_id, bool *found, uint32_t *revision)
{
    int rc = sam_sqlite_query(c, SAM_SQ_REVISION_GET, found, "t", key_id);
    sqlite3_int64 v;

    *revision = 0;
    if (rc != SAM_OK || !*found)
        return rc;
    v = sqlite3_column_int64(c->stmt[SAM_SQ_REVISION_GET], 0);
    sam_sqlite_reset(c, SAM_SQ_REVISION_GET);
    if (v < 1 || v > UINT32_MAX)
        return sam_error_set(SAM_E_STORE_UNAVAILABLE, "key %s has an impossible revision", key_id);
    *revision = (uint32_t)v;
    return SAM_OK;
}

static int state_txn(sam_sqlite_conn_t *c, void *arg)
{
    revision_ctx_t *x = arg;
    int rc = is_deleted(c, x->key_id, &x->deleted);

    return rc != SAM_OK ? rc : revision_get(c, x->key_id, &x->found, &x->revision);
}

int sam_sqlite_key_state(void *impl, const char *key_id, bool *deleted, bool *found,
                         uint32_t *revision)
{
    revision_ctx_t x = {.key_id = key_id};
    int rc = sam_sqlite_run(impl, SAM_SQLITE_READ, state_txn, &x);

    if (rc == SAM_OK) {
        *deleted = x.deleted;
        *found = x.found;
        *revision = x.revision;
    }
    return rc;
}

/* Under BEGIN IMMEDIATE: read, compare, write; a racing advance waits and then sees ours. */
static int advance_txn(sam_sqlite_conn_t *c, void *arg)
{
    revision_ctx_t *x = arg;
    int rc;

    if ((rc = revision_get(c, x->key_id, &x->found, &x->revision)) != SAM_OK)
        return rc;
    if (x->revision != x->from)
        return sam_error_set(SAM_E_INVALID_KEY_PAIR,
                             "key_pair: an older copy; the key pair has changed since");
    return sam_sqlite_exec(c, SAM_SQ_REVISION_SET, "ti", x->key_id, (int64_t)x->to);
}

int sam_sqlite_key_revision_advance(void *impl, const char *key_id, uint32_t from, uint32_t to)
{
    revision_ctx_t x = {.key_id = key_id, .from = from, .to = to};

    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, advance_txn, &x);
}
