/*
 * /csc/v1 end to end, credentials: made and deleted through /sam/v1
 * (POST /sam/v1/credentials, DELETE /sam/v1/credentials/{id}), listed and
 * described through credentials/list and credentials/info, each user
 * seeing only their own.
 */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csc_support.h"

#define EC_TEMPLATE "{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}"
#define RSA_TEMPLATE "{\"algorithm\":\"RSA\",\"size\":2048}"
#define MALFORMED                                                                                  \
    "The request is missing a required parameter, includes an invalid parameter value, "           \
    "includes a parameter more than once, or is otherwise malformed."

#define PIN "pin-7431-zq"

TestSuite(csc_credentials, .timeout = API_TEST_TIMEOUT);


static const char *str(const sam_json_t *o, const char *key)
{
    const sam_json_t *v = sam_json_get(o, key);
    cr_assert(v != NULL && v->type == SAM_JSON_STRING, "no string %s", key);
    return v->u.str.ptr;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(csc_credentials, create_errors)
{
    samh_t *h = csc_start();
    size_t cert_len = 0;

    csc_add_user(h, "alice", "pw-a");
    char *kp = api_generate(h, EC_TEMPLATE);
    char *assigned = api_assign(h, kp, "alice", "CN=alice");
    uint8_t *cert = api_issue_cert(assigned, -3600, 86400, &cert_len);
    char *b64 = api_b64(cert, cert_len);
    char *body;

    /* Not certified yet. */
    body = api_printf("{\"key_pair\": %s, \"user_id\": \"alice\", \"certificates\": [\"%s\"],"
                      " \"auth_mode\": \"implicit\"}",
                      assigned, b64);
    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/credentials", body, NULL, 409, "key_not_usable");
    free(body);
    char *ready = api_update_status(h, assigned, "alice", true, true, cert, cert_len);
    /* Unknown user; key assigned to someone else. */
    body = api_printf("{\"key_pair\": %s, \"user_id\": \"nobody\", \"certificates\": [\"%s\"],"
                      " \"auth_mode\": \"implicit\"}",
                      ready, b64);
    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/credentials", body, NULL, 400,
                     "invalid_request");
    free(body);
    csc_add_user(h, "bob", "pw-b");
    body = api_printf("{\"key_pair\": %s, \"user_id\": \"bob\", \"certificates\": [\"%s\"],"
                      " \"auth_mode\": \"implicit\"}",
                      ready, b64);
    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/credentials", body, NULL, 409, "key_not_usable");
    free(body);
    /* A certificate of another key. */
    char *other = api_generate(h, EC_TEMPLATE);
    size_t other_len = 0;
    uint8_t *other_cert = api_issue_cert(other, -3600, 86400, &other_len);
    char *other_b64 = api_b64(other_cert, other_len);
    body = api_printf("{\"key_pair\": %s, \"user_id\": \"alice\", \"certificates\": [\"%s\"],"
                      " \"auth_mode\": \"implicit\"}",
                      ready, other_b64);
    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/credentials", body, NULL, 400,
                     "invalid_request");
    free(body);
    /* Bad fields. */
    static const char *const bad[] = {
        "\"certificates\": [], \"auth_mode\": \"implicit\"",
        "\"certificates\": [\"%%%%\"], \"auth_mode\": \"implicit\"",
        "\"certificates\": [\"CERT\"], \"auth_mode\": \"sometimes\"",
        "\"certificates\": [\"CERT\"], \"auth_mode\": \"implicit\", \"multisign\": 0",
        "\"certificates\": [\"CERT\"], \"auth_mode\": \"implicit\", \"multisign\": \"2\"",
        "\"certificates\": [\"CERT\"], \"auth_mode\": \"implicit\", \"scal\": \"3\"",
        "\"certificates\": [\"CERT\"], \"auth_mode\": \"implicit\", \"pin\": \"1234\"",
        "\"certificates\": [\"CERT\"], \"auth_mode\": \"explicit\", \"pin\": 1234",
        "\"certificates\": [\"CERT\"], \"auth_mode\": \"implicit\", \"colour\": \"blue\"",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *members = api_subst(bad[i], "CERT", b64);
        body = api_printf("{\"key_pair\": %s, \"user_id\": \"alice\", %s}", ready, members);
        api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/credentials", body, NULL, 400,
                         "invalid_request");
        free(body);
        free(members);
    }
    /* Only an SSA may. */
    body = api_printf("{\"key_pair\": %s, \"user_id\": \"alice\", \"certificates\": [\"%s\"],"
                      " \"auth_mode\": \"implicit\"}",
                      ready, b64);
    api_expect_error(h, SAMH_ADMIN, "POST", "/sam/v1/credentials", body, NULL, 403, "forbidden");
    samh_response_t r;
    api_call(h, SAMH_SSA, "POST", "/sam/v1/credentials", body, NULL, &r);
    api_assert_status(&r, 201);
    samh_response_free(&r);
    free(body);
    api_expect_error(h, SAMH_SSA, "DELETE", "/sam/v1/credentials/unknown", NULL, NULL, 404,
                     "not_found");
    free(kp);
    free(assigned);
    free(cert);
    free(b64);
    free(ready);
    free(other);
    free(other_cert);
    free(other_b64);
    api_stop(h);
    samh_free(h);
}

Test(csc_credentials, list_info_isolation_delete)
{
    samh_t *h = csc_start();
    char *ids[3], *cert_b64 = NULL, *body;
    samh_response_t r;

    csc_add_user(h, "alice", "pw-a");
    csc_add_user(h, "bob", "pw-b");
    ids[0] = csc_add_credential(h, "alice", EC_TEMPLATE,
                                "\"auth_mode\": \"explicit\", \"pin\": \"" PIN "\", "
                                "\"multisign\": 5, \"scal\": \"2\", \"description\": \"EC key\"",
                                &cert_b64, NULL);
    ids[1] =
        csc_add_credential(h, "alice", RSA_TEMPLATE, "\"auth_mode\": \"implicit\"", NULL, NULL);
    ids[2] = csc_add_credential(h, "alice", EC_TEMPLATE, "\"auth_mode\": \"implicit\"", NULL, NULL);
    char *bob_kp = NULL;
    char *bob_id =
        csc_add_credential(h, "bob", EC_TEMPLATE, "\"auth_mode\": \"implicit\"", NULL, &bob_kp);
    char *a_tok = csc_login(h, "alice", "pw-a", false, NULL), *a = csc_bearer(a_tok);
    char *b_tok = csc_login(h, "bob", "pw-b", false, NULL), *b = csc_bearer(b_tok);

    /* The PIN is in the store only as a hash; the creation is in the audit log. */
    char *db = api_printf("%s/state.sqlite", h->dir), *wal = api_printf("%s-wal", db);
    cr_assert(!csc_file_contains(db, PIN));
    cr_assert(!csc_file_contains(wal, PIN));
    cr_assert(csc_file_contains(wal, "$scrypt$") || csc_file_contains(db, "$scrypt$"));
    cr_assert(csc_file_contains(h->service_log, "create_credential"));
    cr_assert(!csc_file_contains(h->service_log, PIN));
    cr_assert(!csc_file_contains(h->log_path, PIN));
    free(db);
    free(wal);

    /* Paging: 2 then 1, nextPageToken only before the last page. */
    sam_json_t *p1 = csc_ok(h, "credentials/list", a, "{\"maxResults\": 2}");
    const sam_json_t *l1 = sam_json_get(p1, "credentialIDs");
    cr_assert_eq(l1->u.arr.count, 2);
    body = api_printf("{\"maxResults\": 2, \"pageToken\": \"%s\"}", str(p1, "nextPageToken"));
    sam_json_t *p2 = csc_ok(h, "credentials/list", a, body);
    free(body);
    const sam_json_t *l2 = sam_json_get(p2, "credentialIDs");
    cr_assert_eq(l2->u.arr.count, 1);
    cr_assert_null(sam_json_get(p2, "nextPageToken"));
    char *got[3] = {l1->u.arr.items[0]->u.str.ptr, l1->u.arr.items[1]->u.str.ptr,
                    l2->u.arr.items[0]->u.str.ptr};
    qsort(got, 3, sizeof(char *), cmp);
    qsort(ids, 3, sizeof(char *), cmp);
    for (int i = 0; i < 3; i++)
        cr_assert_str_eq(got[i], ids[i]);
    sam_json_free(p1);
    sam_json_free(p2);
    sam_json_t *all = csc_ok(h, "credentials/list", a, "{\"clientData\": \"x\"}");
    cr_assert_eq(sam_json_get(all, "credentialIDs")->u.arr.count, 3);
    cr_assert_null(sam_json_get(all, "nextPageToken"));
    sam_json_free(all);

    /* Bob sees only his own. */
    sam_json_t *bl = csc_ok(h, "credentials/list", b, "{}");
    cr_assert_eq(sam_json_get(bl, "credentialIDs")->u.arr.count, 1);
    cr_assert_str_eq(sam_json_get(bl, "credentialIDs")->u.arr.items[0]->u.str.ptr, bob_id);
    sam_json_free(bl);

    /* list errors. */
    csc_expect(h, "credentials/list", a, "{\"userID\": \"alice\"}", 400, "invalid_request",
           "userID parameter MUST be null");
    csc_expect(h, "credentials/list", a, "{\"pageToken\": \"***\"}", 400, "invalid_request",
           "Invalid parameter pageToken");
    csc_expect(h, "credentials/list", a, "{\"pageToken\": 7}", 400, "invalid_request",
           "Invalid parameter pageToken");
    csc_expect(h, "credentials/list", a, "{\"maxResults\": \"2\"}", 400, "invalid_request", MALFORMED);

    /* info of the explicit EC credential, with the chain, certInfo and authInfo. */
    char *ec_id = NULL;
    for (int i = 0; i < 3; i++) {
        body = api_printf("{\"credentialID\": \"%s\"}", ids[i]);
        sam_json_t *j = csc_ok(h, "credentials/info", a, body);
        if (strcmp(str(j, "authMode"), "explicit") == 0)
            ec_id = ids[i];
        const sam_json_t *key = sam_json_get(j, "key");
        const sam_json_t *algo = sam_json_get(key, "algo");
        if (sam_json_get(key, "curve") != NULL) {
            cr_assert_str_eq(str(key, "curve"), "1.2.840.10045.3.1.7");
            cr_assert_eq(sam_json_get(key, "len")->u.num.integer, 256);
            cr_assert_eq(algo->u.arr.count, 3);
            cr_assert_str_eq(algo->u.arr.items[0]->u.str.ptr, "1.2.840.10045.4.3.2");
        } else {
            cr_assert_eq(sam_json_get(key, "len")->u.num.integer, 2048);
            cr_assert_eq(algo->u.arr.count, 5);
            cr_assert_str_eq(algo->u.arr.items[0]->u.str.ptr, "1.2.840.113549.1.1.1");
            cr_assert_str_eq(algo->u.arr.items[1]->u.str.ptr, "1.2.840.113549.1.1.10");
        }
        cr_assert_str_eq(str(key, "status"), "enabled");
        /* Default: single, no certInfo, no PIN/OTP. */
        cr_assert_eq(sam_json_get(sam_json_get(j, "cert"), "certificates")->u.arr.count, 1);
        cr_assert_null(sam_json_get(sam_json_get(j, "cert"), "issuerDN"));
        cr_assert_null(sam_json_get(j, "PIN"));
        sam_json_free(j);
        free(body);
    }
    cr_assert_not_null(ec_id);
    body = api_printf("{\"credentialID\": \"%s\", \"certificates\": \"chain\", \"certInfo\": true,"
                      " \"authInfo\": true, \"lang\": \"en-US\"}",
                      ec_id);
    sam_json_t *j = csc_ok(h, "credentials/info", a, body);
    free(body);
    const sam_json_t *cert = sam_json_get(j, "cert");
    cr_assert_str_eq(sam_json_get(cert, "certificates")->u.arr.items[0]->u.str.ptr, cert_b64);
    cr_assert(strstr(str(cert, "subjectDN"), "CN=") != NULL, "%s", str(cert, "subjectDN"));
    cr_assert(strlen(str(cert, "issuerDN")) > 0);
    cr_assert(strlen(str(cert, "serialNumber")) > 0);
    cr_assert_eq(strlen(str(cert, "validFrom")), 15);
    cr_assert_eq(str(cert, "validTo")[14], 'Z');
    cr_assert_str_eq(str(j, "SCAL"), "2");
    cr_assert_eq(sam_json_get(j, "multisign")->u.num.integer, 5);
    cr_assert_str_eq(str(j, "description"), "EC key");
    cr_assert_str_eq(str(sam_json_get(j, "PIN"), "presence"), "true");
    cr_assert_str_eq(str(sam_json_get(j, "OTP"), "presence"), "false");
    sam_json_free(j);
    body = api_printf("{\"credentialID\": \"%s\", \"certificates\": \"none\"}", ec_id);
    j = csc_ok(h, "credentials/info", a, body);
    free(body);
    cr_assert_null(sam_json_get(sam_json_get(j, "cert"), "certificates"));
    sam_json_free(j);

    /* info errors; Bob cannot see Alice's credential, nor Alice Bob's. */
    csc_expect(h, "credentials/info", a, "{}", 400, "invalid_request",
           "Missing (or invalid type) string parameter credentialID");
    csc_expect(h, "credentials/info", a, "{\"credentialID\": 5}", 400, "invalid_request",
           "Missing (or invalid type) string parameter credentialID");
    csc_expect(h, "credentials/info", a, "{\"credentialID\": \"nope\"}", 400, "invalid_request",
           "Invalid parameter credentialID");
    body = api_printf("{\"credentialID\": \"%s\"}", ec_id);
    csc_expect(h, "credentials/info", b, body, 400, "invalid_request",
           "Invalid parameter credentialID");
    free(body);
    body = api_printf("{\"credentialID\": \"%s\"}", bob_id);
    csc_expect(h, "credentials/info", a, body, 400, "invalid_request",
           "Invalid parameter credentialID");
    free(body);
    body = api_printf("{\"credentialID\": \"%s\", \"certificates\": \"all\"}", ec_id);
    csc_expect(h, "credentials/info", a, body, 400, "invalid_request",
           "Invalid parameter certificates");
    free(body);
    body = api_printf("{\"credentialID\": \"%s\", \"certInfo\": \"true\"}", ec_id);
    csc_expect(h, "credentials/info", a, body, 400, "invalid_request", MALFORMED);
    free(body);
    csc_call(h, "credentials/info", NULL, "{}", true, &r);
    api_assert_error(&r, 401, "invalid_token");
    cr_assert_str_eq(r.www_authenticate, "Bearer");
    samh_response_free(&r);

    /* DELETE: gone from list and info. */
    char *path = api_printf("/sam/v1/credentials/%s", ec_id);
    api_call(h, SAMH_SSA, "DELETE", path, NULL, NULL, &r);
    cr_assert_eq(r.status, 204, "%s", r.body);
    samh_response_free(&r);
    api_expect_error(h, SAMH_SSA, "DELETE", path, NULL, NULL, 404, "not_found");
    free(path);
    all = csc_ok(h, "credentials/list", a, "{}");
    cr_assert_eq(sam_json_get(all, "credentialIDs")->u.arr.count, 2);
    sam_json_free(all);
    body = api_printf("{\"credentialID\": \"%s\"}", ec_id);
    csc_expect(h, "credentials/info", a, body, 400, "invalid_request",
           "Invalid parameter credentialID");
    free(body);

    /* Bob's key pair deleted through /sam/v1: his credential's key is disabled. */
    char *kp_path = api_key_path(bob_kp);
    body = api_printf("{\"key_pair\": %s}", bob_kp);
    api_call(h, SAMH_SSA, "DELETE", kp_path, body, NULL, &r);
    cr_assert_eq(r.status, 204, "%s", r.body);
    samh_response_free(&r);
    free(body);
    free(kp_path);
    body = api_printf("{\"credentialID\": \"%s\"}", bob_id);
    j = csc_ok(h, "credentials/info", b, body);
    free(body);
    cr_assert_str_eq(str(sam_json_get(j, "key"), "status"), "disabled");
    sam_json_free(j);

    for (int i = 0; i < 3; i++)
        free(ids[i]);
    free(bob_id);
    free(bob_kp);
    free(cert_b64);
    free(a_tok);
    free(a);
    free(b_tok);
    free(b);
    api_stop(h);
    samh_free(h);
}
