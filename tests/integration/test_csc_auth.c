/*
 * /csc/v1 end to end, service authorization: info, auth/login (Basic and
 * refresh token), auth/revoke, Bearer checks, methods not implemented, and
 * HTTP/1.1 without a client certificate.
 */
#include <criterion/criterion.h>

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "csc_support.h"

#define MALFORMED                                                                                  \
    "The request is missing a required parameter, includes an invalid parameter value, "           \
    "includes a parameter more than once, or is otherwise malformed."

TestSuite(csc_auth, .timeout = API_TEST_TIMEOUT);

static char *basic(const char *user_colon_password)
{
    char *b64 = api_b64((const uint8_t *)user_colon_password, strlen(user_colon_password));
    char *auth = api_printf("Basic %s", b64);
    free(b64);
    return auth;
}

static void expect(samh_t *h, const char *method, const char *auth, const char *body, long status,
                   const char *error, const char *description)
{
    samh_response_t r;
    csc_call(h, method, auth, body, false, &r);
    csc_assert_error(&r, status, error, description);
    samh_response_free(&r);
}

static void expect_invalid_token(samh_t *h, const char *auth)
{
    samh_response_t r;
    csc_call(h, "credentials/list", auth, "{}", false, &r);
    api_assert_error(&r, 401, "invalid_token");
    cr_assert_str_eq(r.www_authenticate, "Bearer");
    samh_response_free(&r);
}

Test(csc_auth, info_and_http1_without_client_certificate)
{
    samh_t *h = csc_start();
    samh_response_t r;

    for (int http1 = 0; http1 <= 1; http1++) {
        csc_call(h, "info", NULL, http1 ? NULL : "{}", http1, &r);
        api_assert_status(&r, 200);
        cr_assert_eq(r.http_version, http1 ? CURL_HTTP_VERSION_1_1 : CURL_HTTP_VERSION_2_0);
        sam_json_t *j = api_json(&r);
        const sam_json_t *m = sam_json_get(j, "methods"), *a = sam_json_get(j, "authType");
        cr_assert_str_eq(sam_json_get(j, "specs")->u.str.ptr, "1.0.4.0");
        cr_assert_str_eq(sam_json_get(j, "name")->u.str.ptr, "OpenSAM test");
        cr_assert_str_eq(sam_json_get(j, "region")->u.str.ptr, "CH");
        cr_assert_str_eq(sam_json_get(j, "lang")->u.str.ptr, "en-US");
        cr_assert_null(sam_json_get(j, "oauth2"));
        cr_assert(a != NULL && a->type == SAM_JSON_ARRAY && a->u.arr.count == 1);
        cr_assert_str_eq(a->u.arr.items[0]->u.str.ptr, "basic");
        static const char *const want[] = {"auth/login",
                                           "auth/revoke",
                                           "credentials/list",
                                           "credentials/info",
                                           "credentials/authorize",
                                           "credentials/extendTransaction",
                                           "signatures/signHash"};
        cr_assert(m != NULL && m->type == SAM_JSON_ARRAY && m->u.arr.count == 7, "%s", r.body);
        for (size_t i = 0; i < 7; i++)
            cr_assert_str_eq(m->u.arr.items[i]->u.str.ptr, want[i]);
        sam_json_free(j);
        samh_response_free(&r);
    }
    /* Unknown fields are ignored; clientData must be a string; the body must be an object. */
    csc_call(h, "info", NULL, "{\"lang\": \"en\", \"profile\": 1, \"clientData\": \"x\"}", true,
             &r);
    api_assert_status(&r, 200);
    samh_response_free(&r);
    expect(h, "info", NULL, "{\"clientData\": 5}", 400, "invalid_request", MALFORMED);
    expect(h, "info", NULL, "[1]", 400, "invalid_request", MALFORMED);
    expect(h, "info", NULL, "{", 400, "invalid_request", MALFORMED);
    /* Not implemented yet: 501, and not in info.methods. */
    static const char *const later[] = {"credentials/sendOTP", "signatures/timestamp"};
    for (size_t i = 0; i < 2; i++) {
        csc_call(h, later[i], NULL, "{}", false, &r);
        cr_assert_eq(r.status, 501, "%s: %ld", later[i], r.status);
        samh_response_free(&r);
    }
    csc_call(h, "nothing/here", NULL, "{}", false, &r);
    cr_assert_eq(r.status, 404);
    samh_response_free(&r);
    samh_request_t get = {.method = "GET", .path = "/csc/v1/info", .client = SAMH_NO_CERT};
    cr_assert_eq(samh_request(h, &get, &r), 0);
    cr_assert_eq(r.status, 405);
    samh_response_free(&r);
    api_stop(h);
    samh_free(h);
}

Test(csc_auth, login_errors)
{
    samh_t *h = csc_start();
    char *a;

    csc_add_user(h, "alice", "alice secret");
    expect(h, "auth/login", NULL, "{}", 401, "invalid_request",
           "Malformed authentication parameter.");
    expect(h, "auth/login", "Bearer abc", "{}", 401, "invalid_request",
           "Malformed authentication parameter.");
    expect(h, "auth/login", "Basic !!!", "{}", 401, "invalid_request",
           "Malformed authentication parameter.");
    a = basic("alice-no-colon");
    expect(h, "auth/login", a, "{}", 400, "invalid_request", "Malformed username-password.");
    free(a);
    a = basic("alice:wrong");
    expect(h, "auth/login", a, "{}", 400, "authentication_error",
           "An error occurred during authentication process");
    free(a);
    a = basic("mallory:alice secret");
    expect(h, "auth/login", a, "{}", 400, "authentication_error",
           "An error occurred during authentication process");
    free(a);
    a = basic("alice:alice secret");
    expect(h, "auth/login", a, "{\"rememberMe\": \"yes\"}", 400, "invalid_request", MALFORMED);
    free(a);
    expect(h, "auth/login", NULL, "{\"refresh_token\": 5}", 400, "invalid_request",
           "Invalid string parameter: refresh_token");
    expect(h, "auth/login", NULL, "{\"refresh_token\": \"nope\"}", 400, "invalid_request",
           "Invalid refresh_token");
    api_stop(h);
    samh_free(h);
}

Test(csc_auth, tokens_refresh_and_revoke)
{
    samh_t *h = csc_start();
    samh_response_t r;
    char *refresh = NULL, *body, *bearer, *bearer2;

    csc_add_user(h, "alice", "alice secret");
    csc_add_user(h, "bob", "bob secret");
    char *access = csc_login(h, "alice", "alice secret", true, &refresh);
    bearer = csc_bearer(access);
    csc_call(h, "credentials/list", bearer, NULL, true, &r); /* empty body = {} */
    api_assert_status(&r, 200);
    cr_assert_str_eq(r.body, "{\"credentialIDs\":[]}");
    samh_response_free(&r);

    /* Bearer errors. */
    expect_invalid_token(h, NULL);
    expect_invalid_token(h, "Bearer ");
    expect_invalid_token(h, "Bearer not-a-token");
    expect_invalid_token(h, "Basic YWxpY2U6YWxpY2Ugc2VjcmV0");
    char *refresh_as_bearer = csc_bearer(refresh); /* a refresh token is no access token */
    expect_invalid_token(h, refresh_as_bearer);
    free(refresh_as_bearer);

    /* A new access token from the refresh token. */
    body = api_printf("{\"refresh_token\": \"%s\"}", refresh);
    csc_call(h, "auth/login", NULL, body, false, &r);
    api_assert_status(&r, 200);
    sam_json_t *j = api_json(&r);
    cr_assert_null(sam_json_get(j, "refresh_token"));
    bearer2 = csc_bearer(sam_json_get(j, "access_token")->u.str.ptr);
    sam_json_free(j);
    samh_response_free(&r);
    free(body);

    /* auth/revoke parameter errors. */
    expect(h, "auth/revoke", bearer, "{}", 400, "invalid_request",
           "Missing (or invalid type) string parameter token");
    expect(h, "auth/revoke", bearer, "{\"token\": 1}", 400, "invalid_request",
           "Missing (or invalid type) string parameter token");
    body = api_printf("{\"token\": \"%s\", \"token_type_hint\": \"id_token\"}", access);
    expect(h, "auth/revoke", bearer, body, 400, "invalid_request",
           "Invalid string parameter token_type_hint");
    free(body);
    expect(h, "auth/revoke", bearer, "{\"token\": \"unknown\"}", 400, "invalid_request",
           "Invalid string parameter token");
    /* Bob cannot revoke Alice's token. */
    char *bob = csc_login(h, "bob", "bob secret", false, NULL);
    char *bob_bearer = csc_bearer(bob);
    body = api_printf("{\"token\": \"%s\"}", access);
    expect(h, "auth/revoke", bob_bearer, body, 400, "invalid_request",
           "Invalid string parameter token");

    /* Revoking the access token: unusable at once; the refresh token lives on. */
    csc_call(h, "auth/revoke", bearer, body, false, &r);
    api_assert_status(&r, 204);
    cr_assert_eq(r.body_len, 0);
    samh_response_free(&r);
    free(body);
    expect_invalid_token(h, bearer);
    csc_call(h, "credentials/list", bearer2, "{}", false, &r);
    api_assert_status(&r, 200);
    samh_response_free(&r);

    /* Revoking the refresh token takes the access token made with it along. */
    body = api_printf("{\"token\": \"%s\", \"token_type_hint\": \"refresh_token\", "
                      "\"clientData\": \"12345678\"}",
                      refresh);
    csc_call(h, "auth/revoke", bearer2, body, false, &r);
    api_assert_status(&r, 204);
    samh_response_free(&r);
    free(body);
    expect_invalid_token(h, bearer2);
    body = api_printf("{\"refresh_token\": \"%s\"}", refresh);
    expect(h, "auth/login", NULL, body, 400, "invalid_request", "Invalid refresh_token");
    free(body);
    /* Bob's token is untouched. */
    csc_call(h, "credentials/list", bob_bearer, "{}", false, &r);
    api_assert_status(&r, 200);
    samh_response_free(&r);

    /* A disabled user can neither use a token nor log in. */
    csc_disable_user(h, "bob");
    expect_invalid_token(h, bob_bearer);
    char *bob_basic = basic("bob:bob secret");
    expect(h, "auth/login", bob_basic, "{}", 400, "authentication_error",
           "An error occurred during authentication process");
    free(bob_basic);
    /* No password or token in samd's log. */
    cr_assert(!samh_log_contains(h, "alice secret"));
    cr_assert(!samh_log_contains(h, "bob secret"));
    cr_assert(!samh_log_contains(h, access));
    cr_assert(!samh_log_contains(h, refresh));

    free(bob);
    free(bob_bearer);
    free(access);
    free(refresh);
    free(bearer);
    free(bearer2);
    api_stop(h);
    samh_free(h);
}
