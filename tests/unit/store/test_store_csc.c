/* CSC users, credentials, failure counters and tokens in the state store. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"
#include "sam/store.h"
#include "store_fixture.h"

TestSuite(store_csc, .init = fx_setup, .fini = fx_teardown);

#define OK(expr) cr_assert_eq((expr), SAM_OK, "%s: %s", #expr, sam_error_message())

static sam_store_credential_t cred(const char *id, const char *user)
{
    static char *certs[] = {"QUFB", "QkJC"};
    sam_store_credential_t c = {.id = (char *)id,
                                .user_id = (char *)user,
                                .key_pair = "{\"key_id\":\"k\"}",
                                .certificates = certs,
                                .certificate_count = 2,
                                .auth_mode = "explicit",
                                .pin_hash = "$scrypt$x",
                                .multisign = 3,
                                .scal = "2"};
    return c;
}

Test(store_csc, users)
{
    sam_store_t *s = fx_open();
    char *h = NULL;
    bool disabled = false;

    cr_assert_eq(sam_store_user_get(s, "alice", &h, &disabled), SAM_E_NOT_FOUND);
    cr_assert(disabled); /* fail closed */
    OK(sam_store_user_add(s, "alice", "$scrypt$h1"));
    cr_assert_eq(sam_store_user_add(s, "alice", "$scrypt$h2"), SAM_E_EXISTS);
    OK(sam_store_user_get(s, "alice", &h, &disabled));
    cr_assert_str_eq(h, "$scrypt$h1");
    cr_assert(!disabled);
    free(h);
    OK(sam_store_user_set_password(s, "alice", "$scrypt$h3"));
    OK(sam_store_user_set_disabled(s, "alice", true));
    OK(sam_store_user_get(s, "alice", &h, &disabled));
    cr_assert_str_eq(h, "$scrypt$h3");
    cr_assert(disabled);
    free(h);
    cr_assert_eq(sam_store_user_set_password(s, "bob", "$scrypt$h"), SAM_E_NOT_FOUND);
    cr_assert_eq(sam_store_user_set_disabled(s, "bob", true), SAM_E_NOT_FOUND);
    cr_assert_eq(sam_store_user_add(s, "", "$scrypt$h"), SAM_E_INVALID_ARG);
    sam_store_close(s);
}

Test(store_csc, credentials)
{
    sam_store_t *s = fx_open();
    sam_store_credential_t c = cred("c1", "alice"), *got = NULL;

    cr_assert_eq(sam_store_credential_add(s, &c), SAM_E_NOT_FOUND); /* no such user */
    OK(sam_store_user_add(s, "alice", "$scrypt$h"));
    OK(sam_store_credential_add(s, &c));
    cr_assert_eq(sam_store_credential_add(s, &c), SAM_E_EXISTS);
    OK(sam_store_credential_get(s, "c1", &got));
    cr_assert_str_eq(got->user_id, "alice");
    cr_assert_str_eq(got->key_pair, "{\"key_id\":\"k\"}");
    cr_assert_eq(got->certificate_count, 2);
    cr_assert_str_eq(got->certificates[0], "QUFB");
    cr_assert_str_eq(got->certificates[1], "QkJC");
    cr_assert_str_eq(got->pin_hash, "$scrypt$x");
    cr_assert_null(got->otp_secret);
    cr_assert_null(got->description);
    cr_assert_eq(got->multisign, 3);
    cr_assert_str_eq(got->scal, "2");
    cr_assert_gt(got->created, 0);
    sam_store_credential_free(got);
    OK(sam_store_credential_delete(s, "c1"));
    cr_assert_eq(sam_store_credential_delete(s, "c1"), SAM_E_NOT_FOUND);
    cr_assert_eq(sam_store_credential_get(s, "c1", &got), SAM_E_NOT_FOUND);
    cr_assert_null(got);
    sam_store_credential_free(NULL);
    sam_store_close(s);
}

Test(store_csc, list_pages_and_isolation)
{
    sam_store_t *s = fx_open();
    const char *names[] = {"a3", "a1", "a2", "b1"};
    char **ids = NULL;
    size_t n = 0;

    OK(sam_store_user_add(s, "alice", "$scrypt$h"));
    OK(sam_store_user_add(s, "bob", "$scrypt$h"));
    for (size_t i = 0; i < 4; i++) {
        sam_store_credential_t c = cred(names[i], names[i][0] == 'a' ? "alice" : "bob");
        OK(sam_store_credential_add(s, &c));
    }
    OK(sam_store_credential_list(s, "alice", NULL, 2, &ids, &n));
    cr_assert_eq(n, 2);
    cr_assert_str_eq(ids[0], "a1");
    cr_assert_str_eq(ids[1], "a2");
    sam_store_ids_free(ids, n);
    OK(sam_store_credential_list(s, "alice", "a2", 2, &ids, &n));
    cr_assert_eq(n, 1);
    cr_assert_str_eq(ids[0], "a3");
    sam_store_ids_free(ids, n);
    OK(sam_store_credential_list(s, "bob", NULL, 10, &ids, &n));
    cr_assert_eq(n, 1);
    cr_assert_str_eq(ids[0], "b1");
    sam_store_ids_free(ids, n);
    OK(sam_store_credential_list(s, "carol", NULL, 10, &ids, &n));
    cr_assert_eq(n, 0);
    sam_store_ids_free(ids, n);
    cr_assert_eq(sam_store_credential_list(s, "alice", NULL, 0, &ids, &n), SAM_E_INVALID_ARG);
    sam_store_close(s);
}

Test(store_csc, failure_counters)
{
    sam_store_t *s = fx_open();
    sam_store_credential_t c = cred("c1", "alice");
    uint32_t n = 99;

    OK(sam_store_user_add(s, "alice", "$scrypt$h"));
    OK(sam_store_credential_add(s, &c));
    OK(sam_store_credential_failures(s, "c1", SAM_STORE_PIN_FAILURES, &n));
    cr_assert_eq(n, 0);
    OK(sam_store_credential_failure(s, "c1", SAM_STORE_PIN_FAILURES, &n));
    OK(sam_store_credential_failure(s, "c1", SAM_STORE_PIN_FAILURES, &n));
    cr_assert_eq(n, 2);
    OK(sam_store_credential_failure(s, "c1", SAM_STORE_OTP_FAILURES, &n));
    cr_assert_eq(n, 1);
    OK(sam_store_credential_failure_reset(s, "c1", SAM_STORE_PIN_FAILURES));
    OK(sam_store_credential_failures(s, "c1", SAM_STORE_PIN_FAILURES, &n));
    cr_assert_eq(n, 0);
    OK(sam_store_credential_failures(s, "c1", SAM_STORE_OTP_FAILURES, &n));
    cr_assert_eq(n, 1);
    cr_assert_eq(sam_store_credential_failure(s, "zz", SAM_STORE_PIN_FAILURES, &n),
                 SAM_E_NOT_FOUND);
    sam_store_close(s);
}

Test(store_csc, otp_step_only_grows)
{
    sam_store_t *s = fx_open();
    sam_store_credential_t c = cred("c1", "alice");
    sam_store_credential_t *got = NULL;

    OK(sam_store_user_add(s, "alice", "$scrypt$h"));
    OK(sam_store_credential_add(s, &c));
    OK(sam_store_credential_get(s, "c1", &got));
    cr_assert_eq(got->otp_last_step, -1);
    sam_store_credential_free(got);
    OK(sam_store_credential_otp_step(s, "c1", 0));
    OK(sam_store_credential_otp_step(s, "c1", 1000));
    cr_assert_eq(sam_store_credential_otp_step(s, "c1", 1000), SAM_E_EXISTS);
    cr_assert_eq(sam_store_credential_otp_step(s, "c1", 999), SAM_E_EXISTS);
    OK(sam_store_credential_otp_step(s, "c1", 1001));
    OK(sam_store_credential_get(s, "c1", &got));
    cr_assert_eq(got->otp_last_step, 1001);
    sam_store_credential_free(got);
    cr_assert_eq(sam_store_credential_otp_step(s, "zz", 5), SAM_E_EXISTS);
    cr_assert_eq(sam_store_credential_otp_step(s, "c1", -1), SAM_E_INVALID_ARG);
    sam_store_close(s);
}

Test(store_csc, migrates_a_version_3_store)
{
    sam_store_t *s = fx_open();
    sam_store_credential_t c = cred("c1", "alice");
    sam_store_credential_t *got = NULL;

    OK(sam_store_user_add(s, "alice", "$scrypt$h"));
    OK(sam_store_credential_add(s, &c));
    sam_store_close(s);
    /* A version 3 store had no otp_last_step column. */
    fx_sql_exec(fx_path, "ALTER TABLE csc_credential DROP COLUMN otp_last_step;"
                         "UPDATE schema_version SET version = 3");
    s = fx_open();
    cr_assert_eq(fx_sql_int(fx_path, "SELECT version FROM schema_version"), 5);
    OK(sam_store_credential_get(s, "c1", &got));
    cr_assert_eq(got->otp_last_step, -1);
    sam_store_credential_free(got);
    OK(sam_store_credential_otp_step(s, "c1", 7));
    sam_store_close(s);
}

Test(store_csc, tokens)
{
    sam_store_t *s = fx_open();
    uint8_t refresh[32], access1[32], access2[32];
    char *user = NULL;

    memset(refresh, 1, 32);
    memset(access1, 2, 32);
    memset(access2, 3, 32);
    sam_store_token_t r = {refresh, SAM_STORE_TOKEN_REFRESH, "alice", 2000, NULL};
    sam_store_token_t a1 = {access1, SAM_STORE_TOKEN_ACCESS, "alice", 2000, refresh};
    sam_store_token_t a2 = {access2, SAM_STORE_TOKEN_ACCESS, "alice", 2000, NULL};
    OK(sam_store_token_add(s, &r));
    OK(sam_store_token_add(s, &a1));
    OK(sam_store_token_add(s, &a2));
    OK(sam_store_token_get(s, access1, SAM_STORE_TOKEN_ACCESS, 1000, &user));
    cr_assert_str_eq(user, "alice");
    free(user);
    /* Kind and expiry count. */
    cr_assert_eq(sam_store_token_get(s, access1, SAM_STORE_TOKEN_REFRESH, 1000, &user),
                 SAM_E_NOT_FOUND);
    cr_assert_eq(sam_store_token_get(s, access1, SAM_STORE_TOKEN_ACCESS, 2000, &user),
                 SAM_E_NOT_FOUND);
    /* Revoking an access token leaves the refresh token. */
    OK(sam_store_token_revoke(s, access2));
    cr_assert_eq(sam_store_token_get(s, access2, SAM_STORE_TOKEN_ACCESS, 1000, &user),
                 SAM_E_NOT_FOUND);
    OK(sam_store_token_get(s, refresh, SAM_STORE_TOKEN_REFRESH, 1000, &user));
    free(user);
    /* Revoking the refresh token takes its access tokens along. */
    OK(sam_store_token_revoke(s, refresh));
    cr_assert_eq(sam_store_token_get(s, refresh, SAM_STORE_TOKEN_REFRESH, 1000, &user),
                 SAM_E_NOT_FOUND);
    cr_assert_eq(sam_store_token_get(s, access1, SAM_STORE_TOKEN_ACCESS, 1000, &user),
                 SAM_E_NOT_FOUND);
    uint8_t unknown[32] = {0};
    cr_assert_eq(sam_store_token_revoke(s, unknown), SAM_E_NOT_FOUND);
    /* Only the hash is stored. */
    cr_assert_eq(fx_sql_int(fx_path, "SELECT count(*) FROM csc_token WHERE length(hash) = 32"), 3);
    sam_store_close(s);
}

Test(store_csc, migrates_a_version_1_store)
{
    sam_store_t *s = fx_open();
    uint32_t n = 0;

    OK(sam_store_assign_key(s, "k1", "alice"));
    sam_store_close(s);
    /* What a store made before the CSC tables looked like. */
    fx_sql_exec(fx_path, "DROP TABLE csc_user; DROP TABLE csc_credential; DROP TABLE csc_token;"
                         "DROP TABLE key_revision; UPDATE schema_version SET version = 1");
    s = fx_open();
    cr_assert_eq(fx_sql_int(fx_path, "SELECT version FROM schema_version"), 5);
    OK(sam_store_key_check(s, "k1", 0)); /* key_revision came with version 3 */
    OK(sam_store_user_add(s, "alice", "$scrypt$h"));
    sam_store_credential_t c = cred("c1", "alice");
    OK(sam_store_credential_add(s, &c));
    OK(sam_store_credential_failures(s, "c1", SAM_STORE_PIN_FAILURES, &n));
    cr_assert_eq(sam_store_assign_key(s, "k1", "bob"), SAM_E_KEY_ALREADY_ASSIGNED); /* kept */
    sam_store_close(s);
}
