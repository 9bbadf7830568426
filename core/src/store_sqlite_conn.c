/*
 * One SQLite connection of the state store: its settings, the schema
 * migration, prepared statements, binding and stepping with every result
 * checked, and the transaction runner that retries on SQLITE_BUSY.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sam/rc.h"
#include "store_sqlite_internal.h"

static bool is_busy(int src)
{
    return (src & 0xff) == SQLITE_BUSY || (src & 0xff) == SQLITE_LOCKED;
}

int sam_sqlite_fail(sam_sqlite_conn_t *c, int src, const char *what)
{
    /* sqlite3_errmsg names tables and constraints, never bound values. */
    const char *msg = c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(src);

    c->busy = is_busy(src);
    return sam_error_set(SAM_E_STORE_UNAVAILABLE, "state store %s: %s: %s", c->path, what,
                         msg != NULL ? msg : "unknown error");
}

static int bind_args(sam_sqlite_conn_t *c, sqlite3_stmt *st, const char *fmt, va_list ap)
{
    int src = SQLITE_OK, i;

    for (i = 0; fmt[i] != '\0' && src == SQLITE_OK; i++) {
        switch (fmt[i]) {
        case 't': {
            const char *s = va_arg(ap, const char *);
            /* Lengths were bounded by store.c (SAM_STORE_MAX_ID_LEN). */
            src = sqlite3_bind_text(st, i + 1, s, (int)strlen(s), SQLITE_STATIC);
            break;
        }
        case 'n': { /* text or NULL */
            const char *s = va_arg(ap, const char *);
            src = s == NULL ? sqlite3_bind_null(st, i + 1)
                            : sqlite3_bind_text(st, i + 1, s, (int)strlen(s), SQLITE_STATIC);
            break;
        }
        case 'b': {
            const sam_bytes_t *b = va_arg(ap, const sam_bytes_t *);
            src = sqlite3_bind_blob(st, i + 1, b->ptr, (int)b->len, SQLITE_STATIC);
            break;
        }
        case 'i':
            src = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
            break;
        default:
            return sam_error_set(SAM_E_INTERNAL, "state store: bad bind format");
        }
    }
    if (src != SQLITE_OK)
        return sam_sqlite_fail(c, src, "binding a parameter");
    return SAM_OK;
}

void sam_sqlite_reset(sam_sqlite_conn_t *c, sam_sq_id id)
{
    /* sqlite3_reset repeats the error of the last step, which the caller has
     * already seen and reported; sqlite3_clear_bindings always succeeds. */
    (void)sqlite3_reset(c->stmt[id]);
    (void)sqlite3_clear_bindings(c->stmt[id]);
}

int sam_sqlite_exec(sam_sqlite_conn_t *c, sam_sq_id id, const char *fmt, ...)
{
    sqlite3_stmt *st = c->stmt[id];
    va_list ap;
    int rc, src;

    va_start(ap, fmt);
    rc = bind_args(c, st, fmt, ap);
    va_end(ap);
    if (rc != SAM_OK)
        goto out;
    while ((src = sqlite3_step(st)) == SQLITE_ROW)
        ;
    if (src != SQLITE_DONE)
        rc = sam_sqlite_fail(c, src, "writing");
out:
    sam_sqlite_reset(c, id);
    return rc;
}

int sam_sqlite_query(sam_sqlite_conn_t *c, sam_sq_id id, bool *row, const char *fmt, ...)
{
    sqlite3_stmt *st = c->stmt[id];
    va_list ap;
    int rc, src;

    *row = false;
    va_start(ap, fmt);
    rc = bind_args(c, st, fmt, ap);
    va_end(ap);
    if (rc != SAM_OK)
        goto out;
    src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        *row = true;
        return SAM_OK; /* the caller reads the row, then resets */
    }
    if (src != SQLITE_DONE)
        rc = sam_sqlite_fail(c, src, "reading");
out:
    sam_sqlite_reset(c, id);
    return rc;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    /* CLOCK_MONOTONIC cannot fail on Linux; a zero clock would only end
     * the retries early, never make them wait longer. */
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return INT64_MAX / 2;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    /* Interrupted: resume the rest of the pause. */
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Roll back whatever is open; on failure the connection is not trusted again. */
static void rollback(sam_sqlite_conn_t *c)
{
    int src;

    if (sqlite3_get_autocommit(c->db))
        return;
    src = sqlite3_step(c->stmt[SAM_SQ_ROLLBACK]);
    sam_sqlite_reset(c, SAM_SQ_ROLLBACK);
    if (src != SQLITE_DONE || !sqlite3_get_autocommit(c->db))
        c->broken = true;
}

int sam_sqlite_retry(sam_sqlite_conn_t *c, sam_sqlite_txn mode, sam_sqlite_fn fn, void *arg)
{
    int64_t deadline = now_ms() + SAM_SQLITE_BUSY_MS;
    long wait = 1;
    int rc;

    for (;;) {
        c->busy = false;
        rc = SAM_OK;
        if (mode == SAM_SQLITE_WRITE)
            rc = sam_sqlite_exec(c, SAM_SQ_BEGIN_IMMEDIATE, "");
        else if (mode == SAM_SQLITE_READ)
            rc = sam_sqlite_exec(c, SAM_SQ_BEGIN, "");
        if (rc == SAM_OK)
            rc = fn(c, arg);
        if (rc == SAM_OK && mode != SAM_SQLITE_NO_TXN)
            rc = sam_sqlite_exec(c, SAM_SQ_COMMIT, "");
        if (rc == SAM_OK)
            break;
        rollback(c);
        if (!c->busy || c->broken)
            break;
        if (now_ms() >= deadline) {
            rc = sam_error_set(SAM_E_STORE_UNAVAILABLE,
                               "state store %s: still locked by another writer after %d ms",
                               c->path, SAM_SQLITE_BUSY_MS);
            break;
        }
        /* Busy without SQLite's own wait (e.g. a snapshot conflict): back off. */
        pause_ms(wait);
        wait = wait < 50 ? wait * 2 : 50;
    }
    return rc;
}
