/*
 * The SQLite state store's schema, by version, and the SQL of every prepared
 * statement. docs/internals/state-store.md explains the tables.
 *
 * Migrations only ever append: migration i takes version i to i + 1, runs
 * inside the same BEGIN IMMEDIATE transaction that reads and bumps
 * schema_version, so two processes opening a new file at once cannot both
 * apply it. Never edit a migration that has shipped; add the next one.
 */
#include "store_sqlite_internal.h"

/* Created on every open if missing; row 1 holds the version (0: empty). */
const char sam_sqlite_version_table[] =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " version INTEGER NOT NULL) STRICT;"
    "INSERT OR IGNORE INTO schema_version (id, version) VALUES (1, 0);";

const char *const sam_sqlite_migrations[] = {
    /* 0 → 1 */
    /* One row per SAD (issuer, jti) that has been used: signatures spent in total. */
    "CREATE TABLE sad ("
    " id INTEGER PRIMARY KEY,"
    " issuer TEXT NOT NULL,"
    " jti TEXT NOT NULL,"
    " expires INTEGER NOT NULL,"
    " used_total INTEGER NOT NULL CHECK (used_total >= 0),"
    " UNIQUE (issuer, jti)) STRICT;"
    "CREATE INDEX sad_expires ON sad (expires);"
    /* Signatures spent per hash of a SAD. */
    "CREATE TABLE sad_hash ("
    " sad_id INTEGER NOT NULL,"
    " hash BLOB NOT NULL,"
    " used INTEGER NOT NULL CHECK (used >= 0),"
    " PRIMARY KEY (sad_id, hash)) WITHOUT ROWID, STRICT;"
    /* What each reservation added, so that a release subtracts exactly that.
     * AUTOINCREMENT: an id is never handed out twice, even after a purge. */
    "CREATE TABLE reservation ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " sad_id INTEGER NOT NULL,"
    " total INTEGER NOT NULL,"
    " released INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE INDEX reservation_sad ON reservation (sad_id);"
    "CREATE TABLE reservation_hash ("
    " reservation_id INTEGER NOT NULL,"
    " hash BLOB NOT NULL,"
    " n INTEGER NOT NULL,"
    " PRIMARY KEY (reservation_id, hash)) WITHOUT ROWID, STRICT;"
    /* A key id is assigned once, ever: the primary key is the guarantee. */
    "CREATE TABLE key_assignment ("
    " key_id TEXT PRIMARY KEY NOT NULL,"
    " signer_id TEXT NOT NULL,"
    " assigned_at INTEGER NOT NULL) WITHOUT ROWID, STRICT;"
    "CREATE TABLE deleted_key ("
    " key_id TEXT PRIMARY KEY NOT NULL,"
    " deleted_at INTEGER NOT NULL) WITHOUT ROWID, STRICT;",
};

const int sam_sqlite_schema_version =
    (int)(sizeof(sam_sqlite_migrations) / sizeof(sam_sqlite_migrations[0]));

#define NOW_SECONDS "CAST(strftime('%s', 'now') AS INTEGER)"

const char *const sam_sqlite_sql[SAM_SQ_COUNT] = {
    [SAM_SQ_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [SAM_SQ_BEGIN] = "BEGIN",
    [SAM_SQ_COMMIT] = "COMMIT",
    [SAM_SQ_ROLLBACK] = "ROLLBACK",

    [SAM_SQ_SAD_GET] = "SELECT id, used_total FROM sad WHERE issuer = ?1 AND jti = ?2",
    [SAM_SQ_SAD_INSERT] = "INSERT INTO sad (issuer, jti, expires, used_total)"
                          " VALUES (?1, ?2, ?3, 0) RETURNING id",
    [SAM_SQ_SAD_ADD] = "UPDATE sad SET used_total = used_total + ?2, expires = max(expires, ?3)"
                       " WHERE id = ?1",
    [SAM_SQ_HASH_USED] = "SELECT used FROM sad_hash WHERE sad_id = ?1 AND hash = ?2",
    [SAM_SQ_HASH_ADD] = "INSERT INTO sad_hash (sad_id, hash, used) VALUES (?1, ?2, ?3)"
                        " ON CONFLICT (sad_id, hash) DO UPDATE SET used = used + excluded.used",
    [SAM_SQ_RES_INSERT] = "INSERT INTO reservation (sad_id, total) VALUES (?1, ?2) RETURNING id",
    [SAM_SQ_RES_HASH_INSERT] = "INSERT INTO reservation_hash (reservation_id, hash, n)"
                               " VALUES (?1, ?2, ?3)",
    [SAM_SQ_RES_GET] = "SELECT sad_id, total, released FROM reservation WHERE id = ?1",
    [SAM_SQ_SAD_SUB] = "UPDATE sad SET used_total = used_total - ?2 WHERE id = ?1",
    [SAM_SQ_HASH_SUB] = "UPDATE sad_hash SET used = used - (SELECT r.n FROM reservation_hash r"
                        "  WHERE r.reservation_id = ?1 AND r.hash = sad_hash.hash)"
                        " WHERE sad_id = ?2 AND hash IN (SELECT hash FROM reservation_hash"
                        "  WHERE reservation_id = ?1)",
    [SAM_SQ_RES_MARK] = "UPDATE reservation SET released = 1 WHERE id = ?1",
    [SAM_SQ_PURGE_RES_HASH] = "DELETE FROM reservation_hash WHERE reservation_id IN"
                              " (SELECT r.id FROM reservation r JOIN sad s ON s.id = r.sad_id"
                              "  WHERE s.expires < ?1)",
    [SAM_SQ_PURGE_RES] = "DELETE FROM reservation WHERE sad_id IN"
                         " (SELECT id FROM sad WHERE expires < ?1)",
    [SAM_SQ_PURGE_HASH] = "DELETE FROM sad_hash WHERE sad_id IN"
                          " (SELECT id FROM sad WHERE expires < ?1)",
    [SAM_SQ_PURGE_SAD] = "DELETE FROM sad WHERE expires < ?1",
    [SAM_SQ_ASSIGN_GET] = "SELECT signer_id FROM key_assignment WHERE key_id = ?1",
    [SAM_SQ_ASSIGN_INSERT] = "INSERT INTO key_assignment (key_id, signer_id, assigned_at)"
                             " VALUES (?1, ?2, " NOW_SECONDS ")",
    [SAM_SQ_DELETED_GET] = "SELECT 1 FROM deleted_key WHERE key_id = ?1",
    [SAM_SQ_DELETED_INSERT] = "INSERT INTO deleted_key (key_id, deleted_at)"
                              " VALUES (?1, " NOW_SECONDS ") ON CONFLICT (key_id) DO NOTHING",
};
