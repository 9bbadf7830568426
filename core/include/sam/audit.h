/*
 * The audit log (sam-v1.md, "Audit"; docs/internals/audit.md): JSON lines,
 * one record per /sam/v1 request and per service event, each carrying the
 * SHA-256 of its predecessor's line ("prev") and an ECDSA P-256 signature by
 * the module-held audit key ("sig"). Two logs: the service log and the
 * administration log, each with its own sequence and chain.
 *
 * Writing is group-committed: one writer thread per log takes every queued
 * record, signs them in order, appends them with one write(), syncs once,
 * then releases all their callers. sam_audit_record() blocks its (worker)
 * thread until its record is on stable storage.
 *
 * Thread context: every function except open/close is thread-safe.
 */
#ifndef SAM_AUDIT_H
#define SAM_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sam/crypto_types.h"
#include "sam/module.h"

typedef struct st_sam_audit_t sam_audit_t;

typedef enum { SAM_AUDIT_SERVICE = 0, SAM_AUDIT_ADMIN = 1, SAM_AUDIT_LOG_COUNT = 2 } sam_audit_log;

/* Bounds: a record line, a string member, the hashes listed one by one. */
#define SAM_AUDIT_MAX_LINE 16384
#define SAM_AUDIT_MAX_FIELD 256
#define SAM_AUDIT_MAX_LISTED_HASHES 16

/*
 * What one record says. Every string may be NULL (written as null) except
 * event and outcome; strings are copied (the caller keeps ownership) and cut
 * at SAM_AUDIT_MAX_FIELD bytes. Never put a SAD, token, PIN or secret here.
 */
typedef struct st_sam_audit_event_t {
    const char *event;       /* the API function ("sign") or event ("start") */
    const char *caller_id;   /* administrator or SSA id */
    const char *caller_role; /* "administrator", "ssa", or NULL (unidentified) */
    const char *client_key;  /* hex SHA-256 of the client certificate's key, or NULL */
    const char *signer;
    const char *key_id;
    const char *sad_jti;
    const char *sad_iss;
    const char *hashes;    /* a JSON value from sam_audit_hashes_json(), or NULL */
    const char *algorithm; /* signature algorithm(s) requested */
    const char *outcome;   /* "success", "refused" or "error" */
    int status;            /* HTTP status; 0: none (written as null) */
    const char *error;     /* error code, e.g. "sad_exhausted" */
    const char *reason;    /* short detail (no secrets) */
    const char *request_id;
    const char *peer;
} sam_audit_event_t;

typedef struct st_sam_audit_options_t {
    const char *path[SAM_AUDIT_LOG_COUNT]; /* absolute paths */
    const char *node;
    const char *sam_id;
    sam_module_t *module; /* holds SAM_MODULE_KEY_AUDIT (bound); not owned */
    bool sync;            /* fdatasync each batch; false only for benchmarks */
    bool syslog;          /* also send a one-line summary of each record to syslog */
} sam_audit_options_t;

/*
 * Open both logs: recover each chain (seq, prev, time) from the last record
 * of the file, whose signature must verify, or, when the file is missing or
 * empty, from the state file "<path>.chain"; start the writer threads. A torn
 * last line (a crash in the middle of a write; never acknowledged) is cut
 * off with a warning. Errors: SAM_E_AUDIT_UNAVAILABLE (file or directory
 * unusable, tail does not verify), SAM_E_NOMEM, module errors.
 */
int sam_audit_open(const sam_audit_options_t *opts, sam_audit_t **out);
/* Finish queued records, write the state files, stop the threads. NULL: no-op. */
void sam_audit_close(sam_audit_t *a);

/*
 * Append one record to a log and wait until it is synced. SAM_OK, or
 * SAM_E_AUDIT_UNAVAILABLE (not written: the file cannot be opened, written
 * or synced, was removed, or the record cannot be signed).
 */
int sam_audit_record(sam_audit_t *a, sam_audit_log log, const sam_audit_event_t *ev);
/* false when the last batch of that log failed (a cheap check before costly work). */
bool sam_audit_usable(sam_audit_t *a, sam_audit_log log);
/*
 * Reopen both logs (SIGHUP after logrotate moved them): records queued
 * before go to the old file, the rest to a file opened anew at the path,
 * which begins with a "log_reopened" record chained to the old file's last.
 * Waits until that record is written.
 */
int sam_audit_reopen(sam_audit_t *a);

/*
 * The "hashes" value of a record: up to SAM_AUDIT_MAX_LISTED_HASHES hashes as
 * an array of base64 strings; more as {"count":N,"sha256":B64} where B64 is
 * the base64 SHA-256 over, for each hash in order, one length byte and the
 * hash bytes. *out is malloc'd.
 */
int sam_audit_hashes_json(const sam_bytes_t *hashes, size_t n, char **out);

/* ---- verification (sam-audit verify, tests) ------------------------------ */

typedef struct st_sam_audit_verify_t {
    /* Set by the caller: */
    void (*progress)(void *ctx, uint64_t bytes_done, uint64_t bytes_total);
    void *progress_ctx;
    /* Results: */
    bool ok;              /* every record verified */
    uint64_t records;     /* records read */
    uint64_t first_seq;   /* of the first record */
    uint64_t last_seq;    /* of the last good record */
    char first_time[32];  /* of the first record */
    char last_time[32];   /* of the last good record */
    bool anchored;        /* the first record is the first ever (seq 1, prev zero) */
    size_t bad_file;      /* index of the file with the first bad record */
    uint64_t bad_line;    /* its line number (1-based) */
    char why[256];        /* what is wrong with it */
} sam_audit_verify_t;

/*
 * Check files (chronological order: oldest rotated file first) against the
 * audit public key (DER SubjectPublicKeyInfo): every line a record, its
 * signature good, seq exactly one more than the previous record's, prev the
 * SHA-256 of the previous line, time not earlier. SAM_OK when the check ran
 * (v->ok says whether everything holds); SAM_E_IO / SAM_E_PARSE (key) when
 * it could not run.
 */
int sam_audit_verify_files(const uint8_t *spki, size_t spki_len, const char *const *files,
                           size_t n, sam_audit_verify_t *v);

#endif
