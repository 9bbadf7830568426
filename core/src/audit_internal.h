/* Shared by audit_record.c, audit_line.c, audit_tail.c, audit_writer.c, audit_verify.c. */
#ifndef SAM_AUDIT_INTERNAL_H
#define SAM_AUDIT_INTERNAL_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

#include "sam/audit.h"
#include "sam/strbuf.h"

#define AUDIT_SIG_MARK ",\"sig\":\""
#define AUDIT_ZERO_PREV "0000000000000000000000000000000000000000000000000000000000000000"
#define AUDIT_TIME_LEN 24 /* "2024-01-02T03:04:05.678Z" */

/* Where a chain stands: the last record written (seq 0: none yet). */
typedef struct st_audit_chain_t {
    uint64_t seq;
    char prev[65];                   /* hex SHA-256 of the last line, or AUDIT_ZERO_PREV */
    char time[AUDIT_TIME_LEN + 1];   /* its time, "" when none */
} audit_chain_t;

/* The members of a record from "event" to "peer", as JSON text (no braces). */
int audit_body_format(const sam_audit_event_t *ev, sam_strbuf_t *out);
/* Now, UTC, milliseconds, never earlier than not_before ("" : no bound). */
void audit_time_now(const char *not_before, char out[AUDIT_TIME_LEN + 1]);

/*
 * Append one complete line ("...}\n") to out: seq, time, log, node, sam_id,
 * body, prev from *chain; sign; advance *chain to this line.
 */
int audit_line_build(sam_module_t *m, const char *log_name, const char *node, const char *sam_id,
                     const char *body, size_t body_len, audit_chain_t *chain, sam_strbuf_t *out);

/* What a line says, after audit_line_check(). */
typedef struct st_audit_line_t {
    uint64_t seq;
    char time[AUDIT_TIME_LEN + 1];
    char prev[65];
    char hash[65]; /* hex SHA-256 of the whole line (what the next prev must be) */
} audit_line_t;

/*
 * Check that line[0..len) (no newline) is one well-formed, signed record:
 * JSON object, seq a positive integer, time in the record format, prev 64
 * hex digits, ending with ,"sig":"B64"} and the signature good under key.
 * SAM_OK, or SAM_E_PARSE with a reason in the detail message.
 */
int audit_line_check(EVP_PKEY *key, const char *line, size_t len, audit_line_t *out);
/* The audit public key as an EVP_PKEY from DER SPKI (P-256 only). */
int audit_key_from_spki(const uint8_t *spki, size_t len, EVP_PKEY **out);
void audit_sha256_hex(const void *data, size_t len, char out[65]);

/*
 * Recover the chain of the log at path: the last line of the file (a torn
 * last line is cut off), checked with key; when the file is missing or
 * empty, the state file. *created says the file did not exist.
 */
int audit_tail_recover(const char *path, EVP_PKEY *key, audit_chain_t *chain);
/* Write the state file "<path>.chain" (atomic, durable). */
int audit_state_write(const char *path, const audit_chain_t *chain);

#endif
