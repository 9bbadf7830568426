/*
 * The state store: what must hold across requests, restarts and nodes
 * (ARCHITECTURE.md, "Trust and state"). One interface, two implementations:
 * SQLite (one node, WAL, one file) and PostgreSQL (cluster, later).
 *
 * Every function is atomic and safe to call from several threads and
 * processes at once. Errors: SAM_E_STORE_UNAVAILABLE when the store cannot be
 * read or written (the caller answers 503 and changes nothing).
 */
#ifndef SAM_STORE_H
#define SAM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sam/crypto_types.h"

typedef struct st_sam_store_t sam_store_t;

/* Open (creating if needed) the SQLite store at path. */
int sam_store_open_sqlite(const char *path, sam_store_t **out);
void sam_store_close(sam_store_t *s);

/*
 * SAD consumption. The SAD (issuer, jti) authorizes each hash of `authorized`
 * once per occurrence and at most num_signatures signatures in total. Reserve
 * the `requested` hashes atomically: if, together with everything already
 * recorded under (issuer, jti), some hash would be signed more often than
 * listed or the total would exceed num_signatures, nothing is recorded and
 * the result is SAM_E_SAD_EXHAUSTED. Two racing calls can never together
 * exceed the allowance. `expires` (the SAD's exp, seconds) lets the store
 * forget the record once the SAD can no longer be presented.
 * On success *reservation identifies what was recorded, so that a signing
 * failure after the reservation can give it back (nothing spent on errors).
 */
int sam_store_sad_reserve(sam_store_t *s, const char *issuer, const char *jti, int64_t expires,
                          const sam_bytes_t *authorized, size_t n_authorized,
                          uint32_t num_signatures, const sam_bytes_t *requested, size_t n_requested,
                          int64_t *reservation);
/* Undo a reservation whose signatures were not made. */
int sam_store_sad_release(sam_store_t *s, int64_t reservation);

/*
 * Key assignment, once ever: record key_id → signer_id. SAM_OK when the key
 * was unassigned or already assigned to the same signer (idempotent);
 * SAM_E_KEY_ALREADY_ASSIGNED when assigned to another signer; SAM_E_KEY_DELETED
 * when the key was deleted. Two racing assignments: exactly one wins.
 */
int sam_store_assign_key(sam_store_t *s, const char *key_id, const char *signer_id);
/* The signer a key is assigned to: SAM_OK with *signer_id malloc'd, or SAM_E_NOT_FOUND. */
int sam_store_key_assignee(sam_store_t *s, const char *key_id, char **signer_id);

/* Deleted keys: a deny-list checked on every use. Deleting twice is SAM_OK. */
int sam_store_delete_key(sam_store_t *s, const char *key_id);
int sam_store_key_deleted(sam_store_t *s, const char *key_id, bool *deleted);

/* Remove SAD records whose expiry is before `now` (housekeeping). */
int sam_store_purge_expired(sam_store_t *s, int64_t now);

#endif
