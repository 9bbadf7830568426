/* Test fixture of the state store tests (store_fixture.h). */
#define _GNU_SOURCE /* nftw */
#include "store_fixture.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sam/rc.h"

char fx_dir[256];
char fx_path[300];

/* Hash A is 32 bytes of 'A', and so on; filled before any thread starts. */
static uint8_t hash_bytes[26][32];

void fx_setup(void)
{
    const char *tmp = getenv("TMPDIR");

    for (int k = 0; k < 26; k++)
        memset(hash_bytes[k], 'A' + k, sizeof(hash_bytes[k]));
    snprintf(fx_dir, sizeof(fx_dir), "%s/samstore-XXXXXX", tmp != NULL ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(fx_dir), "mkdtemp %s", fx_dir);
    snprintf(fx_path, sizeof(fx_path), "%s/state.db", fx_dir);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)f;
    return flag == FTW_DP ? rmdir(p) : unlink(p);
}

void fx_rmtree(const char *dir)
{
    cr_assert_eq(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0, "cannot remove %s", dir);
}

void fx_teardown(void)
{
    if (fx_dir[0] != '\0')
        fx_rmtree(fx_dir);
}

sam_store_t *fx_open(void)
{
    sam_store_t *s = NULL;

    cr_assert_eq(sam_store_open_sqlite(fx_path, &s), SAM_OK, "open: %s", sam_error_message());
    cr_assert_not_null(s);
    return s;
}

static sam_bytes_t *hashes(const char *names, size_t *n)
{
    size_t len = strlen(names);
    sam_bytes_t *h = calloc(len + 1, sizeof(*h));

    cr_assert_not_null(h);
    for (size_t i = 0; i < len; i++) {
        int k = names[i] - 'A';

        cr_assert(k >= 0 && k < 26, "hash names are A..Z");
        h[i].ptr = hash_bytes[k];
        h[i].len = sizeof(hash_bytes[k]);
    }
    *n = len;
    return h;
}

int fx_reserve_exp(sam_store_t *s, const char *iss, const char *jti, int64_t expires,
                   uint32_t num_signatures, const char *authorized, const char *requested,
                   sam_store_reservation_t **reservation)
{
    size_t na, nr;
    sam_bytes_t *a = hashes(authorized, &na), *r = hashes(requested, &nr);
    sam_store_reservation_t *kept = NULL;
    int rc = sam_store_sad_reserve(s, iss, jti, expires, a, na, num_signatures, r, nr, &kept);

    if (reservation != NULL)
        *reservation = kept;
    else
        sam_store_reservation_free(kept);
    free(a);
    free(r);
    return rc;
}

int fx_reserve(sam_store_t *s, const char *iss, const char *jti, uint32_t num_signatures,
               const char *authorized, const char *requested,
               sam_store_reservation_t **reservation)
{
    return fx_reserve_exp(s, iss, jti, FX_EXPIRES, num_signatures, authorized, requested,
                          reservation);
}

int64_t fx_sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v;

    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(db));
    v = sqlite3_column_int64(st, 0);
    cr_assert_eq(sqlite3_finalize(st), SQLITE_OK);
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);
    return v;
}

void fx_sql_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;

    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);
}
