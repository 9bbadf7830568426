/*
 * Between the public state store functions (store.c) and its
 * implementations (store_sqlite*.c now, PostgreSQL later).
 *
 * store.c checks every argument against the bounds below and turns the SAD
 * arguments into a tally of distinct requested hashes before it calls an
 * implementation, so that every implementation gets the same, already
 * bounded and normalized input and refuses the same things.
 */
#ifndef SAM_STORE_INTERNAL_H
#define SAM_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sam/crypto_types.h"
#include "sam/store.h"

#define SAM_STORE_MAX_HASHES 1000 /* n_authorized, n_requested */
#define SAM_STORE_MAX_ID_LEN 256  /* issuer, jti, key id, signer id (bytes) */
#define SAM_STORE_MAX_HASH_LEN 64
#define SAM_STORE_MAX_PATH_LEN 4096

/* One distinct hash of a reservation: how often the SAD lists it, how often
 * this call asks to sign it (requested >= 1, requested <= authorized). */
typedef struct st_sam_store_hash_tally_t {
    sam_bytes_t hash;
    uint32_t authorized;
    uint32_t requested;
} sam_store_hash_tally_t;

/* A checked reservation request. The strings and hashes point into the
 * caller's arguments and live for the duration of the call. */
typedef struct st_sam_store_sad_request_t {
    const char *issuer;
    const char *jti;
    int64_t expires;
    uint32_t num_signatures;
    uint32_t n_requested;                 /* total signatures asked for, 1..num_signatures */
    const sam_store_hash_tally_t *hashes; /* distinct requested hashes */
    size_t n_hashes;
} sam_store_sad_request_t;

/* What credential_failure does with the counter. */
typedef enum {
    SAM_STORE_FAILURE_READ,
    SAM_STORE_FAILURE_ADD,
    SAM_STORE_FAILURE_RESET
} sam_store_failure_op;

/*
 * One implementation. Every slot is required; each is atomic on its own,
 * safe to call from several threads at once, and returns a sam_rc with a
 * detail message set on failure (SAM_E_STORE_UNAVAILABLE when the store
 * cannot be read or written; the detail names no secret).
 */
typedef struct st_sam_store_ops_t {
    const char *name; /* "sqlite", "postgresql" */
    /* Free everything the implementation holds; impl is never NULL. */
    void (*close)(void *impl);
    /* Record req if, together with what (issuer, jti) already has, no hash
     * exceeds its authorized count and the total stays within
     * num_signatures; else SAM_E_SAD_EXHAUSTED and nothing recorded. */
    int (*sad_reserve)(void *impl, const sam_store_sad_request_t *req);
    /* Subtract req, which sad_reserve recorded (the caller makes sure it is
     * given back once). A SAD whose record was purged meanwhile has nothing
     * left to give back: SAM_OK. */
    int (*sad_release)(void *impl, const sam_store_sad_request_t *req);
    int (*assign_key)(void *impl, const char *key_id, const char *signer_id);
    /* *signer_id malloc'd on SAM_OK; SAM_E_NOT_FOUND when unassigned. */
    int (*key_assignee)(void *impl, const char *key_id, char **signer_id);
    int (*delete_key)(void *impl, const char *key_id);
    int (*key_deleted)(void *impl, const char *key_id, bool *deleted);
    int (*purge_expired)(void *impl, int64_t now);
    /* In one read: whether key_id was deleted, and its recorded revision
     * (*found false when none). */
    int (*key_state)(void *impl, const char *key_id, bool *deleted, bool *found,
                     uint32_t *revision);
    /* Compare-and-set (store.h); SAM_E_INVALID_KEY_PAIR when current != from. */
    int (*key_revision_advance)(void *impl, const char *key_id, uint32_t from, uint32_t to);
    /* CSC (store.h); arguments checked by store_csc.c. */
    int (*user_add)(void *impl, const char *user_id, const char *password_hash);
    int (*user_set_password)(void *impl, const char *user_id, const char *password_hash);
    int (*user_set_disabled)(void *impl, const char *user_id, bool disabled);
    int (*user_get)(void *impl, const char *user_id, char **password_hash, bool *disabled);
    int (*credential_add)(void *impl, const sam_store_credential_t *c);
    int (*credential_delete)(void *impl, const char *id);
    int (*credential_get)(void *impl, const char *id, sam_store_credential_t **out);
    int (*credential_list)(void *impl, const char *user_id, const char *after, size_t max,
                           char ***ids, size_t *n);
    int (*credential_failure)(void *impl, const char *id, sam_store_failure_kind kind,
                              sam_store_failure_op op, uint32_t *count);
    int (*credential_otp_step)(void *impl, const char *id, int64_t step);
    int (*token_add)(void *impl, const sam_store_token_t *t);
    int (*token_get)(void *impl, const uint8_t *hash, sam_store_token_kind kind, int64_t now,
                     char **user_id);
    int (*token_revoke)(void *impl, const uint8_t *hash);
} sam_store_ops_t;

/* The store's ops table (store.c), for store_csc.c. */
const sam_store_ops_t *sam_store_ops_of(sam_store_t *s, void **impl);

/* Wrap an opened implementation (each sam_store_open_* ends with this);
 * on failure calls ops->close(impl). */
int sam_store_wrap(const sam_store_ops_t *ops, void *impl, sam_store_t **out);

#endif
