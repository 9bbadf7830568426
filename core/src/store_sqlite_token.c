/*
 * CSC access and refresh tokens in SQLite (store.h): only the SHA-256 of a
 * token is kept. Revocation is one committed UPDATE, so every node sharing
 * the store refuses the token from the next request on.
 */
#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"
#include "store_sqlite_internal.h"

#define TOKEN_HASH_LEN 32

typedef struct {
    const sam_store_token_t *in;
    const uint8_t *hash;
    int64_t kind, now;
    char *user_id;
} token_ctx_t;

static int add_txn(sam_sqlite_conn_t *c, void *arg)
{
    token_ctx_t *x = arg;
    const sam_store_token_t *t = x->in;
    sam_bytes_t h = {(uint8_t *)t->hash, TOKEN_HASH_LEN};
    sam_bytes_t p = {(uint8_t *)t->parent_hash, TOKEN_HASH_LEN};

    if (t->parent_hash == NULL) {
        static const uint8_t none[1] = {0};
        /* An empty blob never equals a 32-byte hash: no parent. */
        p.ptr = (uint8_t *)none;
        p.len = 0;
    }
    return sam_sqlite_exec(c, SAM_SQ_TOKEN_INSERT, "bitib", &h, (int64_t)t->kind, t->user_id,
                           t->expires, &p);
}

int sam_sqlite_token_add(void *impl, const sam_store_token_t *t)
{
    token_ctx_t x = {.in = t};
    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, add_txn, &x);
}

static int get_txn(sam_sqlite_conn_t *c, void *arg)
{
    token_ctx_t *x = arg;
    sam_bytes_t h = {(uint8_t *)x->hash, TOKEN_HASH_LEN};
    const unsigned char *text;
    bool row;
    int rc;

    free(x->user_id);
    x->user_id = NULL;
    if ((rc = sam_sqlite_query(c, SAM_SQ_TOKEN_GET, &row, "bii", &h, x->kind, x->now)) != SAM_OK)
        return rc;
    if (!row)
        return sam_error_set(SAM_E_NOT_FOUND, "no such token, or expired or revoked");
    text = sqlite3_column_text(c->stmt[SAM_SQ_TOKEN_GET], 0);
    if (text == NULL)
        rc = sam_sqlite_fail(c, sqlite3_errcode(c->db), "reading a token");
    else if ((x->user_id = strndup((const char *)text, SAM_STORE_MAX_ID_LEN)) == NULL)
        rc = sam_error_set(SAM_E_NOMEM, "out of memory reading a token");
    sam_sqlite_reset(c, SAM_SQ_TOKEN_GET);
    return rc;
}

int sam_sqlite_token_get(void *impl, const uint8_t *hash, sam_store_token_kind kind, int64_t now,
                         char **user_id)
{
    token_ctx_t x = {.hash = hash, .kind = (int64_t)kind, .now = now};
    int rc = sam_sqlite_run(impl, SAM_SQLITE_READ, get_txn, &x);

    if (rc != SAM_OK) {
        free(x.user_id);
        return rc;
    }
    *user_id = x.user_id;
    return SAM_OK;
}

static int revoke_txn(sam_sqlite_conn_t *c, void *arg)
{
    token_ctx_t *x = arg;
    sam_bytes_t h = {(uint8_t *)x->hash, TOKEN_HASH_LEN};
    int rc = sam_sqlite_exec(c, SAM_SQ_TOKEN_REVOKE, "b", &h);

    if (rc == SAM_OK && sqlite3_changes(c->db) == 0)
        return sam_error_set(SAM_E_NOT_FOUND, "no such token");
    if (rc == SAM_OK)
        rc = sam_sqlite_exec(c, SAM_SQ_TOKEN_REVOKE_CHILDREN, "b", &h);
    return rc;
}

int sam_sqlite_token_revoke(void *impl, const uint8_t *hash)
{
    token_ctx_t x = {.hash = hash};
    return sam_sqlite_run(impl, SAM_SQLITE_WRITE, revoke_txn, &x);
}
