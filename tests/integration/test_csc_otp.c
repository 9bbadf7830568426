/*
 * /csc/v1 end to end, authorization factors: offline OTP (TOTP) credentials
 * made through POST /sam/v1/credentials, credentials/info's OTP object,
 * credentials/authorize with the OTP (success, wrong, replayed, missing,
 * lockout "OTP locked" also for the right code), PIN and OTP together,
 * other TOTP parameters; SCAL "1" without hash; and the service audit
 * records of authorize and extendTransaction, which never hold a PIN, an
 * OTP or a SAD.
 */
#define _GNU_SOURCE /* strstr on the log */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csc_support_otp.h"

#define EC_TEMPLATE "{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}"
#define PIN "pin-5519-otp"
#define ECDSA_SHA256 "1.2.840.10045.4.3.2"
#define OTP_MEMBER "\"otp\": {\"type\": \"totp\", \"secret\": \"" OTP_SECRET_B32 "\"}"
#define OTP_ONLY "\"auth_mode\": \"explicit\", \"multisign\": 2, \"scal\": \"2\", " OTP_MEMBER
#define MAX_FAILURES 3
#define MALFORMED                                                                                  \
    "The request is missing a required parameter, includes an invalid parameter value, "           \
    "includes a parameter more than once, or is otherwise malformed."

TestSuite(csc_otp, .timeout = API_TEST_TIMEOUT);

/* samd with the CSC layer and a lockout after MAX_FAILURES failures of either factor. */
static samh_t *start(void)
{
    samh_options_t o = {
        .static_extra =
            "\"csc\": {\"name\": \"OpenSAM test\", \"logo\": \"https://example.org/logo.png\", "
            "\"region\": \"CH\", \"lang\": \"en-US\", \"description\": \"OTP tests\", "
            "\"access_token_lifetime_seconds\": 600, \"pin_max_failures\": 3, "
            "\"otp_max_failures\": 3}"};
    return api_start(&o);
}

static char *login(samh_t *h)
{
    csc_add_user(h, "olga", "pw-o");
    char *tok = csc_login(h, "olga", "pw-o", false, NULL);
    char *auth = csc_bearer(tok);
    free(tok);
    return auth;
}

/* signatures/signHash of one hash with sad: expect 200 and one signature, or an error. */
static void sign_one(samh_t *h, const char *auth, const char *cred, const char *sad,
                     const char *hash_b64, long status, const char *description)
{
    char *body = api_printf("{\"credentialID\": \"%s\", \"SAD\": \"%s\", \"hash\": [\"%s\"], "
                            "\"signAlgo\": \"" ECDSA_SHA256 "\"}",
                            cred, sad, hash_b64);
    if (status == 200) {
        sam_json_t *j = csc_ok(h, "signatures/signHash", auth, body);
        const sam_json_t *sigs = sam_json_get(j, "signatures");
        cr_assert(sigs != NULL && sigs->type == SAM_JSON_ARRAY && sigs->u.arr.count == 1);
        sam_json_free(j);
    } else {
        csc_expect(h, "signatures/signHash", auth, body, status, "invalid_request", description);
    }
    free(body);
}

/* sam-admin credential unlock ID [flag] on h's configuration, expecting exit status want. */
static void unlock(samh_t *h, const char *id, const char *flag, int want)
{
    char *cmd = api_printf("'%s/bin/sam-admin' credential unlock '%s' --config-dir '%s' %s "
                           ">/dev/null 2>&1",
                           SAM_TEST_BINARY_DIR, id, h->config_dir, flag != NULL ? flag : "");
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == want, "%s: status %d", cmd, st);
    free(cmd);
}

static char *random_hash_b64(void)
{
    api_hash_t hs = api_hash(32);
    return api_b64(hs.b, hs.len);
}

/* POST /sam/v1/credentials with extra members, expecting 400. */
static void create_refused(samh_t *h, const char *extra)
{
    char *kp = api_ready_key(h, EC_TEMPLATE, "olga");
    uint8_t *cert;
    size_t cert_len = 0;
    cert = api_issue_cert(kp, -3600, 86400, &cert_len);
    char *b64 = api_b64(cert, cert_len);
    char *body = api_printf("{\"key_pair\": %s, \"user_id\": \"olga\", \"certificates\": "
                            "[\"%s\"], %s}",
                            kp, b64, extra);
    samh_response_t r;
    api_call(h, SAMH_SSA, "POST", "/sam/v1/credentials", body, NULL, &r);
    api_assert_status(&r, 400);
    samh_response_free(&r);
    free(body);
    free(b64);
    free(cert);
    free(kp);
}

Test(csc_otp, creation_info_success_replay_wrong_lockout)
{
    samh_t *h = start();
    char *auth = login(h);
    char code[9], next[9];

    /* Bad OTP members are refused at creation. */
    create_refused(h, "\"auth_mode\": \"explicit\", \"otp\": {\"type\": \"totp\", \"secret\": "
                      "\"GEZDGNBVGY3TQOJ1\"}"); /* not base32 */
    create_refused(h, "\"auth_mode\": \"explicit\", \"otp\": {\"type\": \"totp\", \"secret\": "
                      "\"GEZDGNBVGY3TQOI\"}"); /* 9 bytes: too short */
    create_refused(h, "\"auth_mode\": \"explicit\", \"otp\": {\"type\": \"hotp\", \"secret\": "
                      "\"" OTP_SECRET_B32 "\"}");
    create_refused(h, "\"auth_mode\": \"explicit\", \"otp\": {\"type\": \"totp\", \"secret\": "
                      "\"" OTP_SECRET_B32 "\", \"digits\": 7}");
    create_refused(h, "\"auth_mode\": \"implicit\", " OTP_MEMBER);

    char *cred = csc_add_credential(h, "olga", EC_TEMPLATE, OTP_ONLY, NULL, NULL);
    char *locked = csc_add_credential(h, "olga", EC_TEMPLATE, OTP_ONLY, NULL, NULL);

    /* credentials/info: the OTP object of an offline TOTP; no PIN. */
    char *ib = api_printf("{\"credentialID\": \"%s\", \"authInfo\": true}", cred);
    sam_json_t *info = csc_ok(h, "credentials/info", auth, ib);
    const sam_json_t *otp = sam_json_get(info, "OTP"), *pin = sam_json_get(info, "PIN");
    cr_assert(otp != NULL && otp->type == SAM_JSON_OBJECT);
    cr_assert_str_eq(sam_json_get(otp, "presence")->u.str.ptr, "true");
    cr_assert_str_eq(sam_json_get(otp, "type")->u.str.ptr, "offline");
    cr_assert_str_eq(sam_json_get(otp, "format")->u.str.ptr, "N");
    cr_assert_str_eq(sam_json_get(otp, "ID")->u.str.ptr, cred);
    cr_assert_str_eq(sam_json_get(otp, "provider")->u.str.ptr, "totp");
    cr_assert_not_null(sam_json_get(otp, "label"));
    cr_assert_not_null(strstr(sam_json_get(otp, "description")->u.str.ptr, "6-digit"));
    cr_assert_str_eq(sam_json_get(pin, "presence")->u.str.ptr, "false");
    cr_assert_str_eq(sam_json_get(info, "authMode")->u.str.ptr, "explicit");
    sam_json_free(info);
    free(ib);

    /* The right code: a SAD that signs. */
    char *hash = random_hash_b64();
    otp_code("SHA1", 6, 30, 0, code);
    char *body = otp_authorize_body(cred, 1, hash, NULL, code);
    char *sad = otp_expect_sad(h, auth, body);
    sign_one(h, auth, cred, sad, hash, 200, NULL);
    /* The same code again: a replay. */
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_otp", "The OTP is invalid");
    free(body);
    /* The next step's code is still in the window, once. */
    otp_code("SHA1", 6, 30, 30, next);
    body = otp_authorize_body(cred, 1, hash, NULL, next);
    free(otp_expect_sad(h, auth, body));
    free(body);
    /* Missing, of the wrong type, wrong. */
    body = otp_authorize_body(cred, 1, hash, NULL, NULL);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request",
               "Missing (or invalid type) string parameter OTP");
    free(body);
    body = api_printf("{\"credentialID\": \"%s\", \"numSignatures\": 1, \"hash\": [\"%s\"], "
                      "\"OTP\": 123456}",
                      cred, hash);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request", MALFORMED);
    free(body);
    body = otp_authorize_body(cred, 1, hash, NULL, "12345");
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_otp", "The OTP is invalid");
    free(body);

    /* Lockout of another credential: MAX_FAILURES - 1 wrong codes, the next one locks, and then
     * the right code is refused too. A wrong code is one that no step in the window has. */
    otp_code("SHA1", 6, 30, 0, code);
    char wrong[9];
    snprintf(wrong, sizeof(wrong), "%06ld", (strtol(code, NULL, 10) + 500000) % 1000000);
    body = otp_authorize_body(locked, 1, hash, NULL, wrong);
    for (int i = 0; i < MAX_FAILURES - 1; i++)
        csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_otp",
                   "The OTP is invalid");
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request", "OTP locked");
    free(body);
    body = otp_authorize_body(locked, 1, hash, NULL, code);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request", "OTP locked");
    /* The lock holds across a restart. */
    api_stop(h);
    api_restart(h);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request", "OTP locked");
    free(body);
    /* An operator unlocks it (the PIN only: still locked; then the OTP): the right code works. */
    unlock(h, locked, "--pin", 0);
    otp_code("SHA1", 6, 30, 0, code);
    body = otp_authorize_body(locked, 1, hash, NULL, code);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request", "OTP locked");
    unlock(h, locked, "--otp", 0);
    free(otp_expect_sad(h, auth, body));
    free(body);
    unlock(h, "no-such-credential", NULL, 1);
    unlock(h, locked, "--bogus", 2);

    free(sad);
    free(hash);
    free(locked);
    free(cred);
    free(auth);
    api_stop(h);
    samh_free(h);
}

Test(csc_otp, pin_and_otp_both_required)
{
    samh_t *h = start();
    char *auth = login(h);
    char code[9];
    char *cred = csc_add_credential(h, "olga", EC_TEMPLATE,
                                    "\"auth_mode\": \"explicit\", \"pin\": \"" PIN
                                    "\", \"multisign\": 1, \"scal\": \"2\", " OTP_MEMBER,
                                    NULL, NULL);
    char *hash = random_hash_b64();

    char *ib = api_printf("{\"credentialID\": \"%s\", \"authInfo\": true}", cred);
    sam_json_t *info = csc_ok(h, "credentials/info", auth, ib);
    cr_assert_str_eq(sam_json_get(sam_json_get(info, "PIN"), "presence")->u.str.ptr, "true");
    cr_assert_str_eq(sam_json_get(sam_json_get(info, "OTP"), "presence")->u.str.ptr, "true");
    sam_json_free(info);
    free(ib);

    otp_code("SHA1", 6, 30, 0, code);
    char *body = otp_authorize_body(cred, 1, hash, PIN, NULL);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request",
               "Missing (or invalid type) string parameter OTP");
    free(body);
    body = otp_authorize_body(cred, 1, hash, NULL, code);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request",
               "Missing (or invalid type) string parameter PIN");
    free(body);
    /* A wrong PIN does not spend the OTP: the same code works with the right PIN. */
    body = otp_authorize_body(cred, 1, hash, "wrong-pin", code);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_pin", "The PIN is invalid");
    free(body);
    body = otp_authorize_body(cred, 1, hash, PIN, code);
    char *sad = otp_expect_sad(h, auth, body);
    free(body);
    sign_one(h, auth, cred, sad, hash, 200, NULL);
    free(sad);

    /* Other TOTP parameters: SHA-256, 8 digits, 60 s. */
    char *cred8 = csc_add_credential(
        h, "olga", EC_TEMPLATE,
        "\"auth_mode\": \"explicit\", \"multisign\": 1, \"scal\": \"2\", \"otp\": {\"type\": "
        "\"totp\", \"secret\": \"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA\", "
        "\"algorithm\": \"SHA256\", \"digits\": 8, \"period\": 60}",
        NULL, NULL);
    otp_code("SHA1", 8, 60, 0, code); /* the wrong HMAC */
    body = otp_authorize_body(cred8, 1, hash, NULL, code);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_otp", "The OTP is invalid");
    free(body);
    otp_code("SHA256", 8, 60, 0, code);
    body = otp_authorize_body(cred8, 1, hash, NULL, code);
    free(otp_expect_sad(h, auth, body));
    free(body);

    /* While the audit log cannot be written, no SAD is handed out; then service resumes. */
    char *implicit = csc_add_credential(
        h, "olga", EC_TEMPLATE, "\"auth_mode\": \"implicit\", \"multisign\": 1, \"scal\": \"1\"",
        NULL, NULL);
    body = otp_authorize_body(implicit, 1, NULL, NULL, NULL);
    cr_assert_eq(unlink(h->service_log), 0);
    cr_assert_eq(mkdir(h->service_log, 0700), 0);
    csc_expect(h, "credentials/authorize", auth, body, 503, "temporarily_unavailable",
               "The service is temporarily unavailable");
    cr_assert_eq(rmdir(h->service_log), 0);
    samh_response_t r = {0};
    for (int i = 0; i < 5 && r.status != 200; i++) {
        samh_response_free(&r);
        csc_call(h, "credentials/authorize", auth, body, false, &r);
    }
    cr_assert_eq(r.status, 200, "%s", r.body);
    samh_response_free(&r);
    free(body);

    free(implicit);
    free(cred8);
    free(hash);
    free(cred);
    free(auth);
    api_stop(h);
    samh_free(h);
}

Test(csc_otp, scal1_without_hash_and_audit)
{
    samh_t *h = start();
    char *auth = login(h);
    char *pin_cred = csc_add_credential(h, "olga", EC_TEMPLATE,
                                        "\"auth_mode\": \"explicit\", \"pin\": \"" PIN
                                        "\", \"multisign\": 2, \"scal\": \"1\"",
                                        NULL, NULL);
    char *h1 = random_hash_b64(), *h2 = random_hash_b64(), *h3 = random_hash_b64();

    /* SCAL 1 without hash: a SAD for two signatures of any hashes. */
    char *body = otp_authorize_body(pin_cred, 2, NULL, PIN, NULL);
    char *sad = otp_expect_sad(h, auth, body);
    free(body);
    /* extendTransaction keeps it hashless (and its count). */
    body = api_printf("{\"credentialID\": \"%s\", \"SAD\": \"%s\"}", pin_cred, sad);
    sam_json_t *j = csc_ok(h, "credentials/extendTransaction", auth, body);
    cr_assert_not_null(sam_json_get(j, "SAD"));
    sam_json_free(j);
    free(body);
    sign_one(h, auth, pin_cred, sad, h1, 200, NULL);
    sign_one(h, auth, pin_cred, sad, h2, 200, NULL);
    sign_one(h, auth, pin_cred, sad, h3, 400, "Invalid parameter SAD");

    /* A wrong PIN is audited too. */
    body = otp_authorize_body(pin_cred, 1, NULL, "not-the-pin", NULL);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_pin", "The PIN is invalid");
    free(body);

    api_stop(h); /* the log is complete */
    char *log = otp_read_file(h->service_log);
    cr_assert_not_null(strstr(log, "\"event\":\"csc_authorize\""), "no csc_authorize record");
    cr_assert_not_null(strstr(log, "\"event\":\"csc_extend_transaction\""));
    cr_assert_not_null(strstr(log, "\"error\":\"invalid_pin\""));
    const char *rec = strstr(log, "\"event\":\"csc_authorize\"");
    cr_assert_not_null(strstr(log, "\"caller\":{\"id\":\"olga\",\"role\":\"csc_user\""),
                       "caller not recorded: %.400s", rec);
    cr_assert_null(strstr(log, PIN), "the PIN is in the audit log");
    cr_assert_null(strstr(log, "not-the-pin"), "a wrong PIN is in the audit log");
    /* The SAD's signature part is never recorded (the jti is). */
    const char *sig = strrchr(sad, '.');
    cr_assert_not_null(sig);
    cr_assert_null(strstr(log, sig + 1), "the SAD is in the audit log");
    free(log);

    free(sad);
    free(h1);
    free(h2);
    free(h3);
    free(pin_cred);
    free(auth);
    samh_free(h);
}
