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
    /* 1 → 2: CSC users, credentials and tokens (csc-v1.md). */
    "CREATE TABLE csc_user ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " password_hash TEXT NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0,"
    " created INTEGER NOT NULL) WITHOUT ROWID, STRICT;"
    /* certificates: base64 DER joined by ','; end-entity first. */
    "CREATE TABLE csc_credential ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " user_id TEXT NOT NULL REFERENCES csc_user (id),"
    " key_pair TEXT NOT NULL,"
    " certificates TEXT NOT NULL,"
    " auth_mode TEXT NOT NULL,"
    " pin_hash TEXT,"
    " otp_secret TEXT,"
    " multisign INTEGER NOT NULL CHECK (multisign >= 1),"
    " scal TEXT NOT NULL,"
    " description TEXT,"
    " created INTEGER NOT NULL,"
    " pin_failures INTEGER NOT NULL DEFAULT 0,"
    " otp_failures INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID, STRICT;"
    "CREATE INDEX csc_credential_user ON csc_credential (user_id, id);"
    /* Only the SHA-256 of a token; parent: the refresh token it came from. */
    "CREATE TABLE csc_token ("
    " hash BLOB PRIMARY KEY NOT NULL,"
    " kind INTEGER NOT NULL,"
    " user_id TEXT NOT NULL,"
    " expires INTEGER NOT NULL,"
    " revoked INTEGER NOT NULL DEFAULT 0,"
    " parent BLOB) WITHOUT ROWID, STRICT;"
    "CREATE INDEX csc_token_parent ON csc_token (parent);"
    "CREATE INDEX csc_token_expires ON csc_token (expires);",
    /* 2 → 3: the current revision of each key pair changed since generation
     * (no row: revision 0), so that an older copy is refused (threat N12). */
    "CREATE TABLE key_revision ("
    " key_id TEXT PRIMARY KEY NOT NULL,"
    " revision INTEGER NOT NULL CHECK (revision >= 1)) WITHOUT ROWID, STRICT;",
    /* 3 → 4: the last OTP time step accepted per credential (-1: none), so
     * that an OTP is accepted once only. */
    "ALTER TABLE csc_credential ADD COLUMN otp_last_step INTEGER NOT NULL DEFAULT -1;",
    /* 4 → 5: a reservation is given back from what its caller holds (store.c),
     * so the store keeps no row per reservation. One started before the
     * upgrade cannot be pending: reservations live within one request. */
    "DROP TABLE IF EXISTS reservation_hash;"
    "DROP TABLE IF EXISTS reservation;",
};

const int sam_sqlite_schema_version =
    (int)(sizeof(sam_sqlite_migrations) / sizeof(sam_sqlite_migrations[0]));

#define NOW_SECONDS "CAST(strftime('%s', 'now') AS INTEGER)"

const char *const sam_sqlite_sql[SAM_SQ_COUNT] = {
    [SAM_SQ_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [SAM_SQ_BEGIN] = "BEGIN",
    [SAM_SQ_COMMIT] = "COMMIT",
    [SAM_SQ_ROLLBACK] = "ROLLBACK",
    [SAM_SQ_SAVEPOINT] = "SAVEPOINT group_item",
    [SAM_SQ_RELEASE] = "RELEASE group_item",
    [SAM_SQ_ROLLBACK_TO] = "ROLLBACK TO group_item",

    [SAM_SQ_SAD_GET] = "SELECT id, used_total FROM sad WHERE issuer = ?1 AND jti = ?2",
    /* A SAD seen for the first time is recorded with its first use in one
     * step; a known one yields no row (then SAD_GET). */
    [SAM_SQ_SAD_CLAIM] = "INSERT INTO sad (issuer, jti, expires, used_total)"
                         " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (issuer, jti) DO NOTHING"
                         " RETURNING id",
    [SAM_SQ_SAD_ADD] = "UPDATE sad SET used_total = used_total + ?2, expires = max(expires, ?3)"
                       " WHERE id = ?1",
    [SAM_SQ_HASH_USED] = "SELECT used FROM sad_hash WHERE sad_id = ?1 AND hash = ?2",
    [SAM_SQ_HASH_ADD] = "INSERT INTO sad_hash (sad_id, hash, used) VALUES (?1, ?2, ?3)"
                        " ON CONFLICT (sad_id, hash) DO UPDATE SET used = used + excluded.used",
    [SAM_SQ_SAD_SUB] = "UPDATE sad SET used_total = used_total - ?2 WHERE id = ?1",
    [SAM_SQ_HASH_SUB] = "UPDATE sad_hash SET used = used - ?3 WHERE sad_id = ?1 AND hash = ?2",
    [SAM_SQ_PURGE_HASH] = "DELETE FROM sad_hash WHERE sad_id IN"
                          " (SELECT id FROM sad WHERE expires < ?1)",
    [SAM_SQ_PURGE_SAD] = "DELETE FROM sad WHERE expires < ?1",
    [SAM_SQ_ASSIGN_GET] = "SELECT signer_id FROM key_assignment WHERE key_id = ?1",
    [SAM_SQ_ASSIGN_INSERT] = "INSERT INTO key_assignment (key_id, signer_id, assigned_at)"
                             " VALUES (?1, ?2, " NOW_SECONDS ")",
    [SAM_SQ_DELETED_GET] = "SELECT 1 FROM deleted_key WHERE key_id = ?1",
    [SAM_SQ_DELETED_INSERT] = "INSERT INTO deleted_key (key_id, deleted_at)"
                              " VALUES (?1, " NOW_SECONDS ") ON CONFLICT (key_id) DO NOTHING",

    [SAM_SQ_REVISION_GET] = "SELECT revision FROM key_revision WHERE key_id = ?1",
    [SAM_SQ_REVISION_SET] = "INSERT INTO key_revision (key_id, revision) VALUES (?1, ?2)"
                            " ON CONFLICT (key_id) DO UPDATE SET revision = excluded.revision",

    [SAM_SQ_USER_INSERT] = "INSERT INTO csc_user (id, password_hash, created)"
                           " VALUES (?1, ?2, " NOW_SECONDS ") ON CONFLICT (id) DO NOTHING",
    [SAM_SQ_USER_SET_PASSWORD] = "UPDATE csc_user SET password_hash = ?2 WHERE id = ?1",
    [SAM_SQ_USER_SET_DISABLED] = "UPDATE csc_user SET disabled = ?2 WHERE id = ?1",
    [SAM_SQ_USER_GET] = "SELECT password_hash, disabled FROM csc_user WHERE id = ?1",
    [SAM_SQ_CRED_INSERT] = "INSERT INTO csc_credential (id, user_id, key_pair, certificates,"
                           " auth_mode, pin_hash, otp_secret, multisign, scal, description, created)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, " NOW_SECONDS ")"
                           " ON CONFLICT (id) DO NOTHING",
    [SAM_SQ_CRED_DELETE] = "DELETE FROM csc_credential WHERE id = ?1",
    [SAM_SQ_CRED_GET] = "SELECT id, user_id, key_pair, certificates, auth_mode, pin_hash,"
                        " otp_secret, multisign, scal, description, created, otp_last_step"
                        " FROM csc_credential WHERE id = ?1",
    [SAM_SQ_CRED_LIST] = "SELECT id FROM csc_credential WHERE user_id = ?1 AND id > ?2"
                         " ORDER BY id LIMIT ?3",
    [SAM_SQ_CRED_FAIL] = "UPDATE csc_credential SET"
                         " pin_failures = pin_failures + (?2 = 0) * ?3,"
                         " otp_failures = otp_failures + (?2 = 1) * ?3"
                         " WHERE id = ?1 RETURNING CASE ?2 WHEN 0 THEN pin_failures"
                         " ELSE otp_failures END",
    [SAM_SQ_CRED_RESET] = "UPDATE csc_credential SET"
                          " pin_failures = CASE ?2 WHEN 0 THEN 0 ELSE pin_failures END,"
                          " otp_failures = CASE ?2 WHEN 1 THEN 0 ELSE otp_failures END"
                          " WHERE id = ?1 RETURNING 0",
    [SAM_SQ_CRED_OTP_STEP] = "UPDATE csc_credential SET otp_last_step = ?2"
                             " WHERE id = ?1 AND otp_last_step < ?2",
    [SAM_SQ_TOKEN_INSERT] = "INSERT INTO csc_token (hash, kind, user_id, expires, parent)"
                            " VALUES (?1, ?2, ?3, ?4, ?5)",
    [SAM_SQ_TOKEN_GET] = "SELECT user_id FROM csc_token WHERE hash = ?1 AND kind = ?2"
                         " AND revoked = 0 AND expires > ?3",
    [SAM_SQ_TOKEN_REVOKE] = "UPDATE csc_token SET revoked = 1 WHERE hash = ?1",
    [SAM_SQ_TOKEN_REVOKE_CHILDREN] = "UPDATE csc_token SET revoked = 1 WHERE parent = ?1",
    [SAM_SQ_TOKEN_PURGE] = "DELETE FROM csc_token WHERE expires < ?1",
};
