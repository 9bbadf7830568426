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
 * On success *reservation (the caller's, for sam_store_reservation_free)
 * holds what was recorded, so that a signing failure after the reservation
 * can give it back (nothing spent on errors).
 */
typedef struct st_sam_store_reservation_t sam_store_reservation_t;
int sam_store_sad_reserve(sam_store_t *s, const char *issuer, const char *jti, int64_t expires,
                          const sam_bytes_t *authorized, size_t n_authorized,
                          uint32_t num_signatures, const sam_bytes_t *requested, size_t n_requested,
                          sam_store_reservation_t **reservation);
/* Undo a reservation whose signatures were not made: subtract what it
 * added, once (a second call changes nothing). */
int sam_store_sad_release(sam_store_t *s, sam_store_reservation_t *reservation);
void sam_store_reservation_free(sam_store_reservation_t *reservation);

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

/*
 * Key pair revisions (threat N12): the current revision of each key pair that
 * has changed since generation. Check, in one read: SAM_E_KEY_DELETED when
 * the key was deleted; else SAM_OK when the key has no recorded revision and
 * revision == 0, or the recorded one equals revision; else
 * SAM_E_INVALID_KEY_PAIR (an older copy). Advance: compare-and-set from → to
 * (from: the recorded revision, 0 when none; to > from), else
 * SAM_E_INVALID_KEY_PAIR and nothing changed. Two racing advances from the
 * same revision: exactly one wins.
 */
int sam_store_key_check(sam_store_t *s, const char *key_id, uint32_t revision);
int sam_store_key_revision_advance(sam_store_t *s, const char *key_id, uint32_t from, uint32_t to);

/* Remove SAD records whose expiry is before `now` (housekeeping). */
int sam_store_purge_expired(sam_store_t *s, int64_t now);

/*
 * CSC users, credentials and tokens (csc-v1.md). Identifiers are 1 to 256
 * bytes; password and PIN hashes come from password.h (never a secret in
 * clear); tokens are kept only as their SHA-256.
 */

/* Add a user: SAM_E_EXISTS when the id is taken. */
int sam_store_user_add(sam_store_t *s, const char *user_id, const char *password_hash);
/* Replace the password hash; SAM_E_NOT_FOUND for an unknown user. */
int sam_store_user_set_password(sam_store_t *s, const char *user_id, const char *password_hash);
/* Disable or enable a user; SAM_E_NOT_FOUND for an unknown user. */
int sam_store_user_set_disabled(sam_store_t *s, const char *user_id, bool disabled);
/* *password_hash malloc'd on SAM_OK (either output may be NULL); SAM_E_NOT_FOUND. */
int sam_store_user_get(sam_store_t *s, const char *user_id, char **password_hash, bool *disabled);

#define SAM_STORE_MAX_CERTIFICATES 10
#define SAM_STORE_MAX_KEY_PAIR_LEN (64u * 1024) /* key_pair JSON text, each certificate */

/* A CSC credential. As returned by sam_store_credential_get every pointer is
 * malloc'd and freed by sam_store_credential_free(); pin_hash, otp_secret
 * and description may be NULL. */
typedef struct st_sam_store_credential_t {
    char *id;
    char *user_id;
    char *key_pair;      /* the sealed key_pair object, JSON text */
    char **certificates; /* base64 DER, end-entity first */
    size_t certificate_count;
    char *auth_mode;  /* "explicit", "implicit", "oauth2code" */
    char *pin_hash;   /* password.h encoding, or NULL */
    char *otp_secret; /* the OTP record of totp.h (secret wrapped by the module), or NULL */
    uint32_t multisign;
    char *scal; /* "1" or "2" */
    char *description;
    int64_t created;       /* seconds since the epoch; set by the store on add */
    int64_t otp_last_step; /* the last OTP time step accepted (-1: none); set by the store */
} sam_store_credential_t;

/* Add c (c->created ignored): SAM_E_EXISTS when c->id is taken; SAM_E_NOT_FOUND
 * when c->user_id is no user. */
int sam_store_credential_add(sam_store_t *s, const sam_store_credential_t *c);
/* SAM_E_NOT_FOUND when there is no such credential. */
int sam_store_credential_delete(sam_store_t *s, const char *id);
int sam_store_credential_get(sam_store_t *s, const char *id, sam_store_credential_t **out);
void sam_store_credential_free(sam_store_credential_t *c);
/* The ids of user_id's credentials after `after` (NULL: from the first), in
 * id order, at most max (1..1000); *ids malloc'd, free with
 * sam_store_ids_free(). */
int sam_store_credential_list(sam_store_t *s, const char *user_id, const char *after, size_t max,
                              char ***ids, size_t *n);
void sam_store_ids_free(char **ids, size_t n);

/* Consecutive PIN or OTP failures of a credential: count one more (returns
 * the new count in *count) or reset to zero. SAM_E_NOT_FOUND. */
typedef enum { SAM_STORE_PIN_FAILURES = 0, SAM_STORE_OTP_FAILURES = 1 } sam_store_failure_kind;
int sam_store_credential_failure(sam_store_t *s, const char *id, sam_store_failure_kind kind,
                                 uint32_t *count);
int sam_store_credential_failure_reset(sam_store_t *s, const char *id, sam_store_failure_kind kind);
int sam_store_credential_failures(sam_store_t *s, const char *id, sam_store_failure_kind kind,
                                  uint32_t *count);

/* OTP replay guard: record step as the last accepted OTP time step of the
 * credential, only if it is newer than the recorded one (compare-and-set:
 * of two racing requests with the same code exactly one wins). SAM_OK when
 * recorded; SAM_E_EXISTS when it is not newer (a replay) or there is no such
 * credential. */
int sam_store_credential_otp_step(sam_store_t *s, const char *id, int64_t step);

typedef enum { SAM_STORE_TOKEN_ACCESS = 1, SAM_STORE_TOKEN_REFRESH = 2 } sam_store_token_kind;

/* A token as stored: hash = SHA-256 of the token string. parent_hash: the
 * refresh token an access token was issued with, or NULL. */
typedef struct st_sam_store_token_t {
    const uint8_t *hash; /* 32 bytes */
    sam_store_token_kind kind;
    const char *user_id;
    int64_t expires;
    const uint8_t *parent_hash; /* 32 bytes, or NULL */
} sam_store_token_t;

int sam_store_token_add(sam_store_t *s, const sam_store_token_t *t);
/* The user of an unrevoked token of that kind with expires > now: *user_id
 * malloc'd; SAM_E_NOT_FOUND otherwise (unknown, expired, revoked). */
int sam_store_token_get(sam_store_t *s, const uint8_t *hash, sam_store_token_kind kind,
                        int64_t now, char **user_id);
/* Revoke a token at once; a refresh token takes the access tokens issued
 * with it along. SAM_E_NOT_FOUND when no token has that hash. */
int sam_store_token_revoke(sam_store_t *s, const uint8_t *hash);

#endif
