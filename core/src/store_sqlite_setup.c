/*
 * Opening one connection of the SQLite state store: settings for durability
 * and concurrency, the schema migration, and the prepared statements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"
#include "store_sqlite_internal.h"

static int exec_sql(sam_sqlite_conn_t *c, const char *sql, const char *what)
{
    int src = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

    if (src != SQLITE_OK)
        return sam_sqlite_fail(c, src, what);
    return SAM_OK;
}

/* Run sql, which yields one row, and hand back its first column as text
 * (copied into buf) or as an integer. */
static int one_value(sam_sqlite_conn_t *c, const char *sql, const char *what, char *buf, size_t cap,
                     int64_t *num)
{
    sqlite3_stmt *st = NULL;
    const unsigned char *text;
    int rc = SAM_OK, src;

    src = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (src != SQLITE_OK) {
        rc = sam_sqlite_fail(c, src, what);
        goto out;
    }
    src = sqlite3_step(st);
    if (src != SQLITE_ROW) {
        rc = src == SQLITE_DONE ? sam_error_set(SAM_E_STORE_UNAVAILABLE,
                                                "state store %s: %s: no result", c->path, what)
                                : sam_sqlite_fail(c, src, what);
        goto out;
    }
    if (num != NULL)
        *num = sqlite3_column_int64(st, 0);
    if (buf != NULL) {
        text = sqlite3_column_text(st, 0);
        if (text == NULL) {
            rc = sam_sqlite_fail(c, sqlite3_errcode(c->db), what);
            goto out;
        }
        snprintf(buf, cap, "%s", (const char *)text);
    }
out:
    /* sqlite3_finalize repeats the step's error, already reported above. */
    (void)sqlite3_finalize(st);
    return rc;
}

/* WAL: readers never block the writer and one file serves many processes.
 * The mode is stored in the file; setting it again is a no-op. */
static int set_wal(sam_sqlite_conn_t *c, void *arg)
{
    char mode[16];
    int rc;

    (void)arg;
    rc = one_value(c, "PRAGMA journal_mode = WAL", "setting WAL mode", mode, sizeof(mode), NULL);
    if (rc == SAM_OK && strcmp(mode, "wal") != 0)
        rc = sam_error_set(SAM_E_STORE_UNAVAILABLE,
                           "state store %s: cannot use WAL mode (journal mode is %s)", c->path,
                           mode);
    return rc;
}

/* Runs inside BEGIN IMMEDIATE: one process at a time migrates. */
static int migrate(sam_sqlite_conn_t *c, void *arg)
{
    char sql[128];
    int64_t version = 0;
    int rc;

    (void)arg;
    if ((rc = exec_sql(c, sam_sqlite_version_table, "creating the version table")) != SAM_OK)
        return rc;
    rc = one_value(c, "SELECT version FROM schema_version WHERE id = 1", "reading the version",
                   NULL, 0, &version);
    if (rc != SAM_OK)
        return rc;
    if (version < 0 || version > sam_sqlite_schema_version)
        return sam_error_set(SAM_E_STORE_UNAVAILABLE,
                             "state store %s has schema version %lld; this build knows up to %d",
                             c->path, (long long)version, sam_sqlite_schema_version);
    if (version == sam_sqlite_schema_version)
        return SAM_OK;
    for (int64_t v = version; v < sam_sqlite_schema_version; v++) {
        if ((rc = exec_sql(c, sam_sqlite_migrations[v], "migrating the schema")) != SAM_OK)
            return rc;
    }
    snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d WHERE id = 1",
             sam_sqlite_schema_version);
    return exec_sql(c, sql, "recording the schema version");
}

static int prepare(sam_sqlite_conn_t *c, int from, int to)
{
    for (int i = from; i < to; i++) {
        int src = sqlite3_prepare_v3(c->db, sam_sqlite_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                     &c->stmt[i], NULL);
        if (src != SQLITE_OK)
            return sam_sqlite_fail(c, src, "preparing a statement");
    }
    return SAM_OK;
}

static int configure(sam_sqlite_conn_t *c)
{
    int src, rc;

    if (sqlite3_db_readonly(c->db, "main") != 0)
        return sam_error_set(SAM_E_STORE_UNAVAILABLE,
                             "state store %s cannot be written (read-only file or directory)",
                             c->path);
    if ((src = sqlite3_busy_timeout(c->db, SAM_SQLITE_BUSY_MS)) != SQLITE_OK)
        return sam_sqlite_fail(c, src, "setting the busy timeout");
    /* Defensive: no writable_schema or other ways to corrupt the file by SQL. */
    if ((src = sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL)) != SQLITE_OK ||
        (src = sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL)) != SQLITE_OK)
        return sam_sqlite_fail(c, src, "configuring the connection");
    /* synchronous=FULL: in WAL mode every commit syncs the WAL before it
     * returns, so nothing acknowledged is lost to a power cut. */
    rc = exec_sql(c, "PRAGMA foreign_keys = OFF; PRAGMA synchronous = FULL;",
                  "configuring the connection");
    if (rc != SAM_OK)
        return rc;
    if ((rc = prepare(c, 0, SAM_SQ_FIRST_TABLE)) != SAM_OK)
        return rc;
    if ((rc = sam_sqlite_retry(c, SAM_SQLITE_NO_TXN, set_wal, NULL)) != SAM_OK)
        return rc;
    if ((rc = sam_sqlite_retry(c, SAM_SQLITE_WRITE, migrate, NULL)) != SAM_OK)
        return rc;
    return prepare(c, SAM_SQ_FIRST_TABLE, SAM_SQ_COUNT);
}

int sam_sqlite_conn_open(const char *path, sam_sqlite_conn_t **out)
{
    sam_sqlite_conn_t *c = calloc(1, sizeof(*c));
    int rc, src;

    *out = NULL;
    if (c == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory opening state store %s", path);
    c->path = path;
    /* NOMUTEX: the pool gives a connection to one thread at a time. The
     * file exists (store_sqlite.c made it with mode 0600): no CREATE. */
    src = sqlite3_open_v2(
        path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
    if (src != SQLITE_OK) {
        rc = sam_sqlite_fail(c, src, "opening");
        goto out;
    }
    rc = configure(c);
out:
    if (rc != SAM_OK) {
        sam_sqlite_conn_close(c);
        return rc;
    }
    *out = c;
    return SAM_OK;
}

void sam_sqlite_conn_close(sam_sqlite_conn_t *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < SAM_SQ_COUNT; i++) {
        /* Repeats the statement's last error, reported when it happened. */
        (void)sqlite3_finalize(c->stmt[i]);
    }
    /* With every statement finalized, close_v2 returns SQLITE_OK unless
     * handed a bad handle, and there is no one left to tell. The last
     * connection to the file checkpoints the WAL into it here. */
    (void)sqlite3_close_v2(c->db);
    free(c);
}
