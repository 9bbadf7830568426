/* SAD usage counting: the reservation rules, release, persistence, purge, bounds. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"
#include "sam/store.h"
#include "store_fixture.h"

TestSuite(store_sad, .init = fx_setup, .fini = fx_teardown);

#define OK(expr) cr_assert_eq((expr), SAM_OK, "%s: %s", #expr, sam_error_message())
#define EXHAUSTED(expr) cr_assert_eq((expr), SAM_E_SAD_EXHAUSTED, "%s", #expr)

Test(store_sad, exactly_num_signatures_in_total)
{
    sam_store_t *s = fx_open();

    /* Eight hashes listed, three signatures allowed. */
    EXHAUSTED(fx_reserve(s, "as", "j", 3, "ABCDEFGH", "ABCD", NULL));
    OK(fx_reserve(s, "as", "j", 3, "ABCDEFGH", "A", NULL));
    OK(fx_reserve(s, "as", "j", 3, "ABCDEFGH", "BC", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j", 3, "ABCDEFGH", "D", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j", 3, "ABCDEFGH", "DE", NULL));
    cr_assert_eq(fx_sql_int(fx_path, "SELECT used_total FROM sad"), 3);
    sam_store_close(s);
}

Test(store_sad, num_signatures_zero_allows_nothing)
{
    sam_store_t *s = fx_open();

    EXHAUSTED(fx_reserve(s, "as", "j", 0, "A", "A", NULL));
    sam_store_close(s);
}

Test(store_sad, hash_listed_once_signed_twice_refused)
{
    sam_store_t *s = fx_open();

    EXHAUSTED(fx_reserve(s, "as", "j", 5, "AB", "AA", NULL)); /* in one call */
    OK(fx_reserve(s, "as", "j", 5, "AB", "A", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j", 5, "AB", "A", NULL)); /* in two calls */
    OK(fx_reserve(s, "as", "j", 5, "AB", "B", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j", 5, "AB", "C", NULL)); /* never listed */
    sam_store_close(s);
}

Test(store_sad, hash_listed_twice_signs_twice)
{
    sam_store_t *s = fx_open();

    OK(fx_reserve(s, "as", "j", 5, "ABA", "A", NULL));
    OK(fx_reserve(s, "as", "j", 5, "ABA", "A", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j", 5, "ABA", "A", NULL));
    OK(fx_reserve(s, "as", "j2", 5, "AAB", "BAA", NULL)); /* both at once, any order */
    EXHAUSTED(fx_reserve(s, "as", "j2", 5, "AAB", "A", NULL));
    sam_store_close(s);
}

Test(store_sad, refused_reservation_records_nothing)
{
    sam_store_t *s = fx_open();

    /* Refused on the store's counts (A is spent): B must not be recorded. */
    OK(fx_reserve(s, "as", "j", 3, "ABC", "A", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j", 3, "ABC", "BA", NULL));
    cr_assert_eq(fx_sql_int(fx_path, "SELECT used_total FROM sad"), 1);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT count(*) FROM sad_hash"), 1);
    OK(fx_reserve(s, "as", "j", 3, "ABC", "BC", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j", 3, "ABC", "C", NULL));

    /* Refused on a SAD never seen before: no row for it is left behind. */
    EXHAUSTED(fx_reserve(s, "as", "new", 1, "AB", "AB", NULL));
    EXHAUSTED(fx_reserve(s, "as", "new", 3, "AB", "C", NULL));
    cr_assert_eq(fx_sql_int(fx_path, "SELECT count(*) FROM sad"), 1);
    OK(fx_reserve(s, "as", "new", 1, "AB", "B", NULL));
    sam_store_close(s);
}

Test(store_sad, release_gives_back_exactly)
{
    sam_store_t *s = fx_open();
    sam_store_reservation_t *r1 = NULL, *r2 = NULL;

    OK(fx_reserve(s, "as", "j", 3, "AABC", "AB", &r1));
    OK(fx_reserve(s, "as", "j", 3, "AABC", "A", &r2));
    cr_assert(r1 != NULL && r2 != NULL && r1 != r2);
    EXHAUSTED(fx_reserve(s, "as", "j", 3, "AABC", "C", NULL));   /* total spent */
    OK(sam_store_sad_release(s, r1));                            /* gives back A and B */
    EXHAUSTED(fx_reserve(s, "as", "j", 3, "AABC", "AAB", NULL)); /* A: one left, not two */
    OK(fx_reserve(s, "as", "j", 3, "AABC", "AB", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j", 3, "AABC", "C", NULL));
    /* r2 untouched by releasing r1. */
    OK(sam_store_sad_release(s, r2));
    OK(fx_reserve(s, "as", "j", 3, "AABC", "C", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j", 3, "AABC", "A", NULL)); /* A twice again */
    sam_store_reservation_free(r1);
    sam_store_reservation_free(r2);
    sam_store_close(s);
}

Test(store_sad, release_twice_credits_once)
{
    sam_store_t *s = fx_open();
    sam_store_reservation_t *r1 = NULL;

    OK(fx_reserve(s, "as", "j", 4, "AAAA", "AA", &r1));
    OK(fx_reserve(s, "as", "j", 4, "AAAA", "A", NULL));
    OK(sam_store_sad_release(s, r1));
    OK(sam_store_sad_release(s, r1));
    cr_assert_eq(fx_sql_int(fx_path, "SELECT used_total FROM sad"), 1);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT used FROM sad_hash"), 1);
    EXHAUSTED(fx_reserve(s, "as", "j", 4, "AAAA", "AAAA", NULL));
    OK(fx_reserve(s, "as", "j", 4, "AAAA", "AAA", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j", 4, "AAAA", "A", NULL));

    cr_assert_eq(sam_store_sad_release(s, NULL), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_sad_release(NULL, r1), SAM_E_INVALID_ARG);
    sam_store_reservation_free(r1);
    sam_store_close(s);
}

Test(store_sad, different_jti_independent)
{
    sam_store_t *s = fx_open();

    OK(fx_reserve(s, "as", "j1", 1, "A", "A", NULL));
    OK(fx_reserve(s, "as", "j2", 1, "A", "A", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j1", 1, "A", "A", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j2", 1, "A", "A", NULL));
    sam_store_close(s);
}

Test(store_sad, same_jti_different_issuer_independent)
{
    sam_store_t *s = fx_open();

    OK(fx_reserve(s, "as-1", "j", 1, "A", "A", NULL));
    OK(fx_reserve(s, "as-2", "j", 1, "A", "A", NULL));
    EXHAUSTED(fx_reserve(s, "as-1", "j", 1, "A", "A", NULL));
    EXHAUSTED(fx_reserve(s, "as-2", "j", 1, "A", "A", NULL));
    /* No confusion from concatenation: ("ab", "c") is not ("a", "bc"). */
    OK(fx_reserve(s, "ab", "c", 1, "A", "A", NULL));
    OK(fx_reserve(s, "a", "bc", 1, "A", "A", NULL));
    sam_store_close(s);
}

Test(store_sad, counts_survive_reopen)
{
    sam_store_t *s = fx_open();
    sam_store_reservation_t *r = NULL;

    OK(fx_reserve(s, "as", "j", 3, "ABC", "A", NULL));
    OK(fx_reserve(s, "as", "j", 3, "ABC", "B", &r));
    sam_store_close(s);

    s = fx_open();
    EXHAUSTED(fx_reserve(s, "as", "j", 3, "ABC", "A", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j", 3, "ABC", "B", NULL));
    OK(sam_store_sad_release(s, r)); /* what it holds names the SAD: any connection gives it back */
    sam_store_reservation_free(r);
    sam_store_close(s);

    s = fx_open();
    OK(fx_reserve(s, "as", "j", 3, "ABC", "BC", NULL));
    EXHAUSTED(fx_reserve(s, "as", "j", 3, "ABC", "C", NULL));
    sam_store_close(s);
}

Test(store_sad, purge_removes_only_expired)
{
    sam_store_t *s = fx_open();
    sam_store_reservation_t *r_old = NULL, *r_edge = NULL;

    OK(fx_reserve_exp(s, "as", "old", 100, 1, "A", "A", &r_old));
    OK(fx_reserve_exp(s, "as", "edge", 150, 1, "A", "A", &r_edge));
    OK(fx_reserve_exp(s, "as", "new", 200, 1, "A", "A", NULL));
    OK(sam_store_purge_expired(s, 150));

    cr_assert_eq(fx_sql_int(fx_path, "SELECT count(*) FROM sad"), 2);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT count(*) FROM sad_hash"), 2);
    /* expires == now: still presentable, kept. */
    EXHAUSTED(fx_reserve_exp(s, "as", "edge", 150, 1, "A", "A", NULL));
    EXHAUSTED(fx_reserve_exp(s, "as", "new", 200, 1, "A", "A", NULL));
    /* A purged SAD has nothing to give back: no row comes back, no count
     * goes below zero. */
    OK(sam_store_sad_release(s, r_old));
    cr_assert_eq(fx_sql_int(fx_path, "SELECT count(*) FROM sad WHERE jti = 'old'"), 0);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT min(used) FROM sad_hash"), 1);
    OK(sam_store_sad_release(s, r_edge));
    OK(fx_reserve_exp(s, "as", "edge", 150, 1, "A", "A", NULL));
    OK(sam_store_purge_expired(s, 10000));
    cr_assert_eq(fx_sql_int(fx_path, "SELECT count(*) FROM sad"), 0);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT count(*) FROM sad_hash"), 0);
    sam_store_reservation_free(r_old);
    sam_store_reservation_free(r_edge);
    sam_store_close(s);
}

Test(store_sad, expiry_only_grows)
{
    sam_store_t *s = fx_open();

    OK(fx_reserve_exp(s, "as", "j", 500, 3, "ABC", "A", NULL));
    OK(fx_reserve_exp(s, "as", "j", 100, 3, "ABC", "B", NULL));
    cr_assert_eq(fx_sql_int(fx_path, "SELECT expires FROM sad"), 500);
    OK(fx_reserve_exp(s, "as", "j", 900, 3, "ABC", "C", NULL));
    cr_assert_eq(fx_sql_int(fx_path, "SELECT expires FROM sad"), 900);
    sam_store_close(s);
}

Test(store_sad, bounds)
{
    sam_store_t *s = fx_open();
    static uint8_t big[1001][32], longer[65];
    sam_bytes_t *many = calloc(1001, sizeof(*many));
    sam_bytes_t ok = {big[0], 32}, empty = {big[0], 0}, toolong = {longer, 65}, null = {NULL, 32};
    sam_bytes_t max = {longer, 64}, one = {longer, 1};
    char id[258];
    static char marker;
    sam_store_reservation_t *r = (sam_store_reservation_t *)&marker;

    cr_assert_not_null(many);
    for (int i = 0; i < 1001; i++) {
        memcpy(big[i], &i, sizeof(i));
        many[i].ptr = big[i];
        many[i].len = 32;
    }
    cr_assert_eq(sam_store_sad_reserve(s, "as", "j", 1, many, 1001, 1, &ok, 1, &r),
                 SAM_E_INVALID_ARG);
    cr_assert_null(r, "reservation cleared on failure");
    cr_assert_eq(sam_store_sad_reserve(s, "as", "j", 1, &ok, 1, 2000, many, 1001, &r),
                 SAM_E_INVALID_ARG);
    OK(sam_store_sad_reserve(s, "as", "big", 1, many, 1000, 1000, many, 1000, &r));
    sam_store_reservation_free(r);
    cr_assert_eq(sam_store_sad_reserve(s, "as", "j", 1, &ok, 1, 1, &ok, 0, &r), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_sad_reserve(s, "as", "j", 1, &ok, 1, 1, NULL, 1, &r), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_sad_reserve(s, "as", "j", 1, &ok, 1, 1, &empty, 1, &r),
                 SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_sad_reserve(s, "as", "j", 1, &toolong, 1, 1, &ok, 1, &r),
                 SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_sad_reserve(s, "as", "j", 1, &null, 1, 1, &ok, 1, &r),
                 SAM_E_INVALID_ARG);
    OK(sam_store_sad_reserve(s, "as", "j", 1, &max, 1, 2, &max, 1, &r));
    sam_store_reservation_free(r);
    OK(sam_store_sad_reserve(s, "as", "j", 1, &one, 1, 2, &one, 1, &r));
    sam_store_reservation_free(r);
    cr_assert_eq(sam_store_sad_reserve(s, "as", "j", 1, &ok, 1, 1, &ok, 1, NULL),
                 SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_sad_reserve(NULL, "as", "j", 1, &ok, 1, 1, &ok, 1, &r),
                 SAM_E_INVALID_ARG);

    memset(id, 'x', sizeof(id));
    id[257] = '\0'; /* 257 bytes */
    cr_assert_eq(sam_store_sad_reserve(s, id, "j", 1, &ok, 1, 1, &ok, 1, &r), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_sad_reserve(s, "as", id, 1, &ok, 1, 1, &ok, 1, &r), SAM_E_INVALID_ARG);
    id[256] = '\0'; /* 256 bytes: allowed */
    OK(sam_store_sad_reserve(s, id, id, 1, &ok, 1, 1, &ok, 1, &r));
    sam_store_reservation_free(r);
    cr_assert_eq(sam_store_sad_reserve(s, "", "j", 1, &ok, 1, 1, &ok, 1, &r), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_sad_reserve(s, "as", NULL, 1, &ok, 1, 1, &ok, 1, &r), SAM_E_INVALID_ARG);
    EXHAUSTED(sam_store_sad_reserve(s, "as", "j", 1, &max, 1, 2, &max, 1, &r));
    free(many);
    sam_store_close(s);
}

Test(store_sad, migrates_a_version_4_store)
{
    sam_store_t *s = fx_open();

    OK(fx_reserve(s, "as", "j", 2, "AB", "A", NULL));
    sam_store_close(s);
    /* Version 4 kept a row per reservation; version 5 keeps none. */
    fx_sql_exec(fx_path, "CREATE TABLE reservation (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                         " sad_id INTEGER NOT NULL, total INTEGER NOT NULL,"
                         " released INTEGER NOT NULL DEFAULT 0) STRICT;"
                         "CREATE TABLE reservation_hash (reservation_id INTEGER NOT NULL,"
                         " hash BLOB NOT NULL, n INTEGER NOT NULL,"
                         " PRIMARY KEY (reservation_id, hash)) WITHOUT ROWID, STRICT;"
                         "INSERT INTO reservation (sad_id, total) VALUES (1, 1);"
                         "UPDATE schema_version SET version = 4");
    s = fx_open();
    cr_assert_eq(fx_sql_int(fx_path, "SELECT version FROM schema_version"), 5);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT count(*) FROM sqlite_master"
                                     " WHERE name LIKE 'reservation%'"), 0);
    /* The counts made before the upgrade still hold. */
    EXHAUSTED(fx_reserve(s, "as", "j", 2, "AB", "A", NULL));
    OK(fx_reserve(s, "as", "j", 2, "AB", "B", NULL));
    sam_store_close(s);
}
