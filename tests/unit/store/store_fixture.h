/*
 * Shared by the state store tests: a fresh temporary directory per test,
 * hashes named by letters, and a look into the SQLite file itself.
 */
#ifndef SAM_TEST_STORE_FIXTURE_H
#define SAM_TEST_STORE_FIXTURE_H

#include <stdint.h>

#include "sam/store.h"

#define FX_EXPIRES 4000000000LL /* far in the future */

/* The test's directory and the store file inside it (state.db). */
extern char fx_dir[256];
extern char fx_path[300];

/* .init / .fini: make and remove fx_dir (with everything in it). */
void fx_setup(void);
void fx_teardown(void);

/* Open fx_path, asserting success. */
sam_store_t *fx_open(void);

/*
 * Reserve under (iss, jti): `authorized` and `requested` name hashes by
 * letter ("AAB" is hash A twice, then B); each letter is a 32-byte hash.
 * reservation may be NULL (then the reservation is freed at once).
 */
int fx_reserve_exp(sam_store_t *s, const char *iss, const char *jti, int64_t expires,
                   uint32_t num_signatures, const char *authorized, const char *requested,
                   sam_store_reservation_t **reservation);
int fx_reserve(sam_store_t *s, const char *iss, const char *jti, uint32_t num_signatures,
               const char *authorized, const char *requested,
               sam_store_reservation_t **reservation);

/* Run a query yielding one integer directly on the SQLite file at path. */
int64_t fx_sql_int(const char *path, const char *sql);
/* Run SQL statements directly on the SQLite file at path. */
void fx_sql_exec(const char *path, const char *sql);

/* Remove a directory tree (files and subdirectories). */
void fx_rmtree(const char *dir);

#endif
