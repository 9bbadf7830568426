/*
 * Inside the SQLite state store: connections, prepared statements and the
 * transaction runner shared by store_sqlite*.c. Not for other files.
 *
 * A connection is used by one thread at a time (the pool in store_sqlite.c
 * hands it out); SQLite is opened with SQLITE_OPEN_NOMUTEX accordingly.
 */
#ifndef SAM_STORE_SQLITE_INTERNAL_H
#define SAM_STORE_SQLITE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store_internal.h"

/* How long a call waits for another writer before SAM_E_STORE_UNAVAILABLE. */
#define SAM_SQLITE_BUSY_MS 5000
/* Connections per store (threads beyond wait for one to come back). */
#define SAM_SQLITE_POOL_MAX 32
/* Oldest SQLite with STRICT tables and RETURNING. */
#define SAM_SQLITE_MIN_VERSION 3037000

/* Prepared statements; their SQL is in store_sqlite_schema.c. The first
 * SAM_SQ_FIRST_TABLE ones touch no table and are prepared before migrating. */
typedef enum {
    SAM_SQ_BEGIN_IMMEDIATE,
    SAM_SQ_BEGIN,
    SAM_SQ_COMMIT,
    SAM_SQ_ROLLBACK,
    SAM_SQ_SAVEPOINT, /* one item of a group commit (store_sqlite_group.c) */
    SAM_SQ_RELEASE,
    SAM_SQ_ROLLBACK_TO,
    SAM_SQ_FIRST_TABLE,
    SAM_SQ_SAD_GET = SAM_SQ_FIRST_TABLE,
    SAM_SQ_SAD_CLAIM,
    SAM_SQ_SAD_ADD,
    SAM_SQ_HASH_USED,
    SAM_SQ_HASH_ADD,
    SAM_SQ_SAD_SUB,
    SAM_SQ_HASH_SUB,
    SAM_SQ_PURGE_HASH,
    SAM_SQ_PURGE_SAD,
    SAM_SQ_ASSIGN_GET,
    SAM_SQ_ASSIGN_INSERT,
    SAM_SQ_DELETED_GET,
    SAM_SQ_DELETED_INSERT,
    SAM_SQ_REVISION_GET,
    SAM_SQ_REVISION_SET,
    SAM_SQ_USER_INSERT,
    SAM_SQ_USER_SET_PASSWORD,
    SAM_SQ_USER_SET_DISABLED,
    SAM_SQ_USER_GET,
    SAM_SQ_CRED_INSERT,
    SAM_SQ_CRED_DELETE,
    SAM_SQ_CRED_GET,
    SAM_SQ_CRED_LIST,
    SAM_SQ_CRED_FAIL,
    SAM_SQ_CRED_RESET,
    SAM_SQ_CRED_OTP_STEP,
    SAM_SQ_TOKEN_INSERT,
    SAM_SQ_TOKEN_GET,
    SAM_SQ_TOKEN_REVOKE,
    SAM_SQ_TOKEN_REVOKE_CHILDREN,
    SAM_SQ_TOKEN_PURGE,
    SAM_SQ_COUNT
} sam_sq_id;

extern const char *const sam_sqlite_sql[SAM_SQ_COUNT];

/* Schema: migrations[i] takes the schema from version i to i + 1. */
extern const char *const sam_sqlite_migrations[];
extern const int sam_sqlite_schema_version;
extern const char sam_sqlite_version_table[];

typedef struct st_sam_sqlite_conn_t {
    sqlite3 *db;
    const char *path; /* the store's, for messages */
    bool busy;        /* the last failure was SQLITE_BUSY/LOCKED: worth retrying */
    bool broken;      /* state unknown (a rollback failed): close, do not reuse */
    sqlite3_stmt *stmt[SAM_SQ_COUNT];
    struct st_sam_sqlite_conn_t *next; /* in the pool's idle list */
} sam_sqlite_conn_t;

/* Open, configure (WAL, synchronous=FULL, busy timeout, defensive), bring the
 * schema to the current version and prepare every statement. */
int sam_sqlite_conn_open(const char *path, sam_sqlite_conn_t **out);
void sam_sqlite_conn_close(sam_sqlite_conn_t *c);

/* Record an SQLite failure of c as SAM_E_STORE_UNAVAILABLE, naming the store
 * and what was being done; sets c->busy. Returns SAM_E_STORE_UNAVAILABLE. */
int sam_sqlite_fail(sam_sqlite_conn_t *c, int sqlite_rc, const char *what);

/*
 * Bind arguments by format, one character each: 't' const char * (text),
 * 'n' const char * (text, or NULL), 'b' const sam_bytes_t * (blob), 'i' int64_t. Parameters are numbered from 1.
 * sam_sqlite_exec runs the statement to its end and resets it.
 * sam_sqlite_query steps once: with *row true the statement is on a row and
 * the caller reads its columns, then calls sam_sqlite_reset; otherwise it is
 * already reset.
 */
int sam_sqlite_exec(sam_sqlite_conn_t *c, sam_sq_id id, const char *fmt, ...);
int sam_sqlite_query(sam_sqlite_conn_t *c, sam_sq_id id, bool *row, const char *fmt, ...);
void sam_sqlite_reset(sam_sqlite_conn_t *c, sam_sq_id id);

typedef enum { SAM_SQLITE_NO_TXN, SAM_SQLITE_READ, SAM_SQLITE_WRITE } sam_sqlite_txn;
typedef int (*sam_sqlite_fn)(sam_sqlite_conn_t *c, void *arg);

/*
 * Run fn inside a transaction (WRITE: BEGIN IMMEDIATE, READ: BEGIN) and
 * commit when it returns SAM_OK; otherwise roll back and return its result.
 * While the failure is SQLITE_BUSY/LOCKED, roll back and run fn again, until
 * SAM_SQLITE_BUSY_MS have passed. fn must be safe to run again from the start.
 */
int sam_sqlite_retry(sam_sqlite_conn_t *c, sam_sqlite_txn mode, sam_sqlite_fn fn, void *arg);

/* The pool: take a connection of the store, run as above, give it back. */
typedef struct st_sam_sqlite_t sam_sqlite_t;
int sam_sqlite_run(sam_sqlite_t *st, sam_sqlite_txn mode, sam_sqlite_fn fn, void *arg);

/*
 * Group commit (store_sqlite_group.c): run fn in a write transaction shared
 * with other callers' fns, each in its own savepoint. Same result as
 * sam_sqlite_run(st, SAM_SQLITE_WRITE, fn, arg) for the caller, with one
 * commit (one fsync) per batch instead of one per call. fn must be safe to
 * run again from the start, and must leave the connection in the
 * transaction (no BEGIN, COMMIT or ROLLBACK of its own).
 */
typedef struct st_sam_sqlite_group_item_t sam_sqlite_group_item_t;
typedef struct st_sam_sqlite_group_t {
    pthread_mutex_t lock;
    sam_sqlite_group_item_t *head, **tail;
    bool leading; /* a caller is running a batch */
    bool ready;
} sam_sqlite_group_t;
int sam_sqlite_group_init(sam_sqlite_group_t *g);
void sam_sqlite_group_destroy(sam_sqlite_group_t *g);
sam_sqlite_group_t *sam_sqlite_group(sam_sqlite_t *st);
int sam_sqlite_run_grouped(sam_sqlite_t *st, sam_sqlite_fn fn, void *arg);

/* The operations (store_sqlite_sad.c, store_sqlite_keys.c); impl is a sam_sqlite_t. */
int sam_sqlite_sad_reserve(void *impl, const sam_store_sad_request_t *req);
int sam_sqlite_sad_release(void *impl, const sam_store_sad_request_t *req);
int sam_sqlite_purge_expired(void *impl, int64_t now);
int sam_sqlite_assign_key(void *impl, const char *key_id, const char *signer_id);
int sam_sqlite_key_assignee(void *impl, const char *key_id, char **signer_id);
int sam_sqlite_delete_key(void *impl, const char *key_id);
int sam_sqlite_key_deleted(void *impl, const char *key_id, bool *deleted);
int sam_sqlite_key_state(void *impl, const char *key_id, bool *deleted, bool *found,
                         uint32_t *revision);
int sam_sqlite_key_revision_advance(void *impl, const char *key_id, uint32_t from, uint32_t to);
/* CSC users, credentials and tokens (store_sqlite_csc*.c). */
int sam_sqlite_user_add(void *impl, const char *user_id, const char *password_hash);
int sam_sqlite_user_set_password(void *impl, const char *user_id, const char *password_hash);
int sam_sqlite_user_set_disabled(void *impl, const char *user_id, bool disabled);
int sam_sqlite_user_get(void *impl, const char *user_id, char **password_hash, bool *disabled);
int sam_sqlite_credential_add(void *impl, const sam_store_credential_t *c);
int sam_sqlite_credential_delete(void *impl, const char *id);
int sam_sqlite_credential_get(void *impl, const char *id, sam_store_credential_t **out);
int sam_sqlite_credential_list(void *impl, const char *user_id, const char *after, size_t max,
                               char ***ids, size_t *n);
int sam_sqlite_credential_failure(void *impl, const char *id, sam_store_failure_kind kind,
                                  sam_store_failure_op op, uint32_t *count);
int sam_sqlite_credential_otp_step(void *impl, const char *id, int64_t step);
int sam_sqlite_token_add(void *impl, const sam_store_token_t *t);
int sam_sqlite_token_get(void *impl, const uint8_t *hash, sam_store_token_kind kind, int64_t now,
                         char **user_id);
int sam_sqlite_token_revoke(void *impl, const uint8_t *hash);

#endif
