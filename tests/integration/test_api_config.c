/*
 * GET and PUT /sam/v1/configurations/dynamic over real HTTP/2 and mutual
 * TLS: 204, in force for the next request without a restart, durable across
 * a restart, and a refused document (invalid, version conflict) changes
 * nothing. See api_support.h.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_support.h"

static samh_t *h;

static void teardown(void)
{
    samh_free(h);
    h = NULL;
}

#define DYN "/sam/v1/configurations/dynamic"
#define EC_GEN "{\"key_template\":{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}}"

/* A document of version v: it-as, it-ssa and, with second_key, SSA "it-ssa2" with that key. */
static char *doc(long v, const char *second_key)
{
    if (second_key == NULL)
        return api_printf(
            "{\"version\":%ld,\"authorization_servers\":[{\"id\":\"%s\",\"public_key\":\"%s\"}],"
            "\"signing_service_privileged_users\":[{\"id\":\"%s\",\"public_key\":\"%s\","
            "\"allowed_authorization_servers\":[\"%s\"]}]}",
            v, h->as_id, h->as_spki_b64, h->ssa_id, h->clients[SAMH_SSA].spki_b64, h->as_id);
    return api_printf(
        "{\"version\":%ld,\"authorization_servers\":[{\"id\":\"%s\",\"public_key\":\"%s\"}],"
        "\"signing_service_privileged_users\":[{\"id\":\"%s\",\"public_key\":\"%s\","
        "\"allowed_authorization_servers\":[\"%s\"]},{\"id\":\"it-ssa2\",\"public_key\":\"%s\","
        "\"allowed_authorization_servers\":[\"%s\"]}]}",
        v, h->as_id, h->as_spki_b64, h->ssa_id, h->clients[SAMH_SSA].spki_b64, h->as_id,
        second_key, h->as_id);
}

static void put_ok(const char *text)
{
    samh_response_t r;
    api_call(h, SAMH_ADMIN, "PUT", DYN, text, NULL, &r);
    api_assert_status(&r, 204);
    samh_response_free(&r);
}

/* GET as the administrator; checks the shape and returns the body. */
static char *get_doc(long version, size_t ssas)
{
    samh_response_t r;
    api_call(h, SAMH_ADMIN, "GET", DYN, NULL, NULL, &r);
    api_assert_status(&r, 200);
    sam_json_t *v = api_json(&r);
    cr_assert(v->type == SAM_JSON_OBJECT && v->u.obj.count == 3, "%s", r.body);
    const sam_json_t *ver = sam_json_get(v, "version"),
                     *as = sam_json_get(v, "authorization_servers"),
                     *users = sam_json_get(v, "signing_service_privileged_users");
    cr_assert(ver != NULL && ver->type == SAM_JSON_INTEGER && ver->u.num.integer == version,
              "version %ld expected: %s", version, r.body);
    cr_assert(as != NULL && as->type == SAM_JSON_ARRAY && as->u.arr.count == 1, "%s", r.body);
    const sam_json_t *as0 = as->u.arr.items[0];
    const sam_json_t *as_id = sam_json_get(as0, "id"), *as_key = sam_json_get(as0, "public_key");
    cr_assert(as_id != NULL && as_id->type == SAM_JSON_STRING &&
                  strcmp(as_id->u.str.ptr, h->as_id) == 0,
              "%s", r.body);
    cr_assert(as_key != NULL && as_key->type == SAM_JSON_STRING &&
                  strcmp(as_key->u.str.ptr, h->as_spki_b64) == 0,
              "%s", r.body);
    cr_assert(users != NULL && users->type == SAM_JSON_ARRAY && users->u.arr.count == ssas,
              "%zu SSAs expected: %s", ssas, r.body);
    sam_json_free(v);
    char *body = strdup(r.body);
    samh_response_free(&r);
    return body;
}

/* Can client call as an SSA? */
static void ssa_works(samh_client_t who, bool works)
{
    samh_response_t r;
    api_call(h, who, "POST", "/sam/v1/key_pairs", EC_GEN, NULL, &r);
    if (works)
        api_assert_status(&r, 201);
    else
        api_assert_error(&r, 401, "unauthorized");
    samh_response_free(&r);
}

Test(api_config, put_get_next_request_and_restart, .fini = teardown,
     .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    const char *second = h->clients[SAMH_UNREGISTERED].spki_b64;
    free(get_doc(1, 1));
    ssa_works(SAMH_UNREGISTERED, false);

    /* Version 2 registers a second SSA: it may call from the next request on. */
    char *v2 = doc(2, second);
    put_ok(v2);
    char *got = get_doc(2, 2);
    cr_assert(strstr(got, "\"it-ssa2\"") != NULL && strstr(got, second) != NULL, "%s", got);
    free(got);
    ssa_works(SAMH_UNREGISTERED, true);
    ssa_works(SAMH_SSA, true);
    /* It is an SSA, not an administrator. */
    api_expect_error(h, SAMH_UNREGISTERED, "GET", DYN, NULL, NULL, 403, "forbidden");

    /* Refused documents change nothing. */
    api_expect_error(h, SAMH_ADMIN, "PUT", DYN, v2, NULL, 409, "version_conflict");
    char *v1 = doc(1, NULL);
    api_expect_error(h, SAMH_ADMIN, "PUT", DYN, v1, NULL, 409, "version_conflict");
    free(v1);
    char *v10 = doc(10, NULL);
    const char *const invalid[] = {
        "",
        "{",
        "[]",
        "{}",
        "{\"version\":10}",
        "@V10@ trailing",
    };
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        char *text = api_subst(invalid[i], "@V10@", v10);
        api_expect_error(h, SAMH_ADMIN, "PUT", DYN, text, NULL, 400, "invalid_request");
        free(text);
    }
    /* Valid JSON, invalid documents, all of version 10. */
    const char *changes[][2] = {
        {"\"version\":10", "\"version\":\"10\""},
        {"\"version\":10", "\"version\":10.5"},
        {"\"version\":10", "\"version\":-10"},
        {"\"version\":10", "\"version\":10,\"extra\":true"},
        {"\"authorization_servers\":[", "\"authorization_servers\":[7,"},
        {"\"public_key\":\"", "\"public_key\":\"AAAA"},
        {"\"allowed_authorization_servers\":[\"", "\"allowed_authorization_servers\":[\"nope\",\""},
        {"\"id\":\"it-ssa\"", "\"id\":\"it-as\",\"id2\":\"x\""},
        {"}]}", "},{\"id\":\"it-ssa\",\"public_key\":\"@ADMIN@\","
                "\"allowed_authorization_servers\":[]}]}"}, /* duplicate id */
    };
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        char *t = api_replace(v10, changes[i][0], changes[i][1]);
        char *text = api_subst(t, "@ADMIN@", h->clients[SAMH_UNREGISTERED].spki_b64);
        api_expect_error(h, SAMH_ADMIN, "PUT", DYN, text, NULL, 400, "invalid_request");
        free(text);
        free(t);
    }
    /* An SSA with an administrator's key: roles never mix. */
    char *mixed = doc(10, h->clients[SAMH_ADMIN].spki_b64);
    api_expect_error(h, SAMH_ADMIN, "PUT", DYN, mixed, NULL, 400, "invalid_request");
    free(mixed);
    free(v10);
    /* Still version 2: both SSAs work, the administrator is still one. */
    free(get_doc(2, 2));
    ssa_works(SAMH_UNREGISTERED, true);
    ssa_works(SAMH_SSA, true);
    /* The refused version 10 was not taken: 3 is greater than the version in force. */
    char *v3 = doc(3, NULL);
    put_ok(v3);
    free(get_doc(3, 1));
    ssa_works(SAMH_UNREGISTERED, false);

    /* Durable: after a restart, version 3 is in force. */
    api_stop(h);
    api_restart(h);
    got = get_doc(3, 1);
    ssa_works(SAMH_UNREGISTERED, false);
    ssa_works(SAMH_SSA, true);
    /* GET's document goes back in with a greater version. */
    char *v4 = api_replace(got, "\"version\": 3", "\"version\": 4");
    put_ok(v4);
    free(get_doc(4, 1));
    free(v4);
    free(got);

    /* A PEM public key is accepted and given back as base64 DER. */
    char pem[512];
    size_t n = strlen(second), w = 0;
    w += (size_t)snprintf(pem, sizeof(pem), "-----BEGIN PUBLIC KEY-----\\n");
    for (size_t i = 0; i < n; i += 64)
        w += (size_t)snprintf(pem + w, sizeof(pem) - w, "%.64s\\n", second + i);
    snprintf(pem + w, sizeof(pem) - w, "-----END PUBLIC KEY-----\\n");
    char *v5 = doc(5, pem);
    put_ok(v5);
    got = get_doc(5, 2);
    cr_assert(strstr(got, second) != NULL && strstr(got, "BEGIN") == NULL, "%s", got);
    free(got);
    ssa_works(SAMH_UNREGISTERED, true);
    free(v5);

    free(v3);
    free(v2);
    api_stop(h);
}

/* A SAM started without dynamic_config.json: version 0, nobody is an SSA until a PUT. */
Test(api_config, start_without_dynamic_configuration, .fini = teardown,
     .timeout = API_TEST_TIMEOUT)
{
    cr_assert_eq(samh_setup(&h, NULL), 0);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/dynamic_config.json", h->config_dir);
    cr_assert_eq(unlink(path), 0);
    api_restart(h);
    ssa_works(SAMH_SSA, false);
    samh_response_t r;
    api_call(h, SAMH_ADMIN, "GET", DYN, NULL, NULL, &r);
    api_assert_status(&r, 200);
    sam_json_t *v = api_json(&r);
    const sam_json_t *ver = sam_json_get(v, "version");
    cr_assert(ver != NULL && ver->type == SAM_JSON_INTEGER && ver->u.num.integer == 0, "%s",
              r.body);
    sam_json_free(v);
    samh_response_free(&r);
    char *v1 = doc(1, NULL);
    put_ok(v1);
    free(v1);
    ssa_works(SAMH_SSA, true);
    free(get_doc(1, 1));
    api_stop(h);
}
