/*
 * /sam/v1 over real HTTP/2 and mutual TLS: GET info, key generation, and
 * what every /sam/v1 call is judged by before its handler runs (401, 403,
 * 404, 405, 413, 415), plus an algorithm policy narrowed by the static
 * configuration. See api_support.h.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "api_support.h"

static samh_t *h;

static void teardown(void)
{
    samh_free(h);
    h = NULL;
}

static bool array_has(const sam_json_t *arr, const char *s)
{
    for (size_t i = 0; i < arr->u.arr.count; i++)
        if (arr->u.arr.items[i]->type == SAM_JSON_STRING &&
            strcmp(arr->u.arr.items[i]->u.str.ptr, s) == 0)
            return true;
    return false;
}

static void check_info(samh_client_t who)
{
    static const char *const keys[] = {"RSA-2048", "RSA-3072", "RSA-4096",
                                       "secp256r1", "secp384r1", "secp521r1"};
    static const char *const sigs[] = {"RS256", "RS384", "RS512", "PS256", "PS384",
                                       "PS512", "ES256", "ES384", "ES512"};
    samh_response_t r;
    api_call(h, who, "GET", "/sam/v1/info", NULL, NULL, &r);
    api_assert_status(&r, 200);
    cr_assert_eq(r.http_version, CURL_HTTP_VERSION_2_0);
    sam_json_t *v = api_json(&r);
    /* Exactly: sam_id, software, version, key_algorithms, signature_algorithms, apis. */
    cr_assert(v->type == SAM_JSON_OBJECT && v->u.obj.count == 6, "%s", r.body);
    const sam_json_t *sw = sam_json_get(v, "software");
    cr_assert(sw != NULL && sw->type == SAM_JSON_STRING && strcmp(sw->u.str.ptr, "OpenSAM") == 0,
              "%s", r.body);
    const sam_json_t *id = sam_json_get(v, "sam_id"), *ver = sam_json_get(v, "version");
    const sam_json_t *ka = sam_json_get(v, "key_algorithms"),
                     *sa = sam_json_get(v, "signature_algorithms"), *apis = sam_json_get(v, "apis");
    cr_assert(id != NULL && id->type == SAM_JSON_STRING && strcmp(id->u.str.ptr, h->sam_id) == 0,
              "%s", r.body);
    cr_assert(ver != NULL && ver->type == SAM_JSON_STRING && ver->u.str.len > 0, "%s", r.body);
    cr_assert(ka != NULL && ka->type == SAM_JSON_ARRAY, "%s", r.body);
    cr_assert(sa != NULL && sa->type == SAM_JSON_ARRAY, "%s", r.body);
    cr_assert(apis != NULL && apis->type == SAM_JSON_ARRAY && array_has(apis, "sam/v1"), "%s",
              r.body);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        cr_assert(array_has(ka, keys[i]), "%s missing: %s", keys[i], r.body);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        cr_assert(array_has(sa, sigs[i]), "%s missing: %s", sigs[i], r.body);
    sam_json_free(v);
    samh_response_free(&r);
}

Test(api_keys, info_for_both_roles_and_no_one_else, .fini = teardown,
     .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    check_info(SAMH_SSA);
    check_info(SAMH_ADMIN);
    /* 401 before anything else, also for unknown paths and wrong methods. */
    const samh_client_t nobody[] = {SAMH_NO_CERT, SAMH_UNREGISTERED};
    for (size_t i = 0; i < 2; i++) {
        api_expect_error(h, nobody[i], "GET", "/sam/v1/info", NULL, NULL, 401, "unauthorized");
        api_expect_error(h, nobody[i], "POST", "/sam/v1/key_pairs",
                         "{\"key_template\":{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}}",
                         NULL, 401, "unauthorized");
        api_expect_error(h, nobody[i], "GET", "/sam/v1/nope", NULL, NULL, 401, "unauthorized");
        api_expect_error(h, nobody[i], "DELETE", "/sam/v1/info", NULL, NULL, 401,
                         "unauthorized");
        api_expect_error(h, nobody[i], "PUT", "/sam/v1/configurations/dynamic", "{}", NULL, 401,
                         "unauthorized");
    }
    /* HTTP/1.1 answers the same. */
    samh_request_t req = {.path = "/sam/v1/info", .client = SAMH_SSA, .http1 = true};
    samh_response_t r;
    cr_assert_eq(samh_request(h, &req, &r), 0, "%s", r.error);
    api_assert_status(&r, 200);
    cr_assert_eq(r.http_version, CURL_HTTP_VERSION_1_1);
    samh_response_free(&r);
    api_stop(h);
}

static void check_generated(const char *kp, const char *alg, const char *member,
                            const char *value, int key_type, int bits)
{
    api_assert_key_pair(kp, alg, false, false, false, NULL);
    if (member != NULL) {
        char *v = api_kp_string(kp, member);
        cr_assert(v != NULL && strcmp(v, value) == 0, "%s is not %s: %s", member, value, kp);
        free(v);
    } else {
        char size[32];
        snprintf(size, sizeof(size), "\"size\":%d", bits);
        cr_assert(strstr(kp, size) != NULL, "size: %s", kp);
    }
    EVP_PKEY *pub = api_kp_pkey(kp);
    cr_assert_eq(EVP_PKEY_get_base_id(pub), key_type);
    cr_assert_eq(EVP_PKEY_get_bits(pub), bits);
    EVP_PKEY_free(pub);
    char *sam_id = api_kp_string(kp, "sam_id");
    cr_assert_str_eq(sam_id, h->sam_id);
    free(sam_id);
}

Test(api_keys, generation_of_every_supported_kind, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_generate(h, "{\"algorithm\":\"RSA\",\"size\":2048}");
    check_generated(kp, "RSA", NULL, NULL, EVP_PKEY_RSA, 2048);
    char *again = api_generate(h, "{\"algorithm\":\"RSA\",\"size\":2048}");
    char *id1 = api_kp_string(kp, "id"), *id2 = api_kp_string(again, "id");
    cr_assert_str_neq(id1, id2, "two key pairs with one id");
    free(id1);
    free(id2);
    free(again);
    free(kp);
    kp = api_generate(h, "{\"algorithm\":\"RSA\",\"size\":3072}");
    check_generated(kp, "RSA", NULL, NULL, EVP_PKEY_RSA, 3072);
    free(kp);

    static const struct {
        const char *name, *canonical;
        int bits;
    } curves[] = {
        {"P-256", "secp256r1", 256},     {"secp256r1", "secp256r1", 256},
        {"prime256v1", "secp256r1", 256}, {"P-384", "secp384r1", 384},
        {"secp384r1", "secp384r1", 384}, {"prime384v1", "secp384r1", 384},
        {"P-521", "secp521r1", 521},     {"prime521v1", "secp521r1", 521},
    };
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
        char *t = api_printf("{\"algorithm\":\"ECDSA\",\"named_curve\":\"%s\"}", curves[i].name);
        kp = api_generate(h, t);
        check_generated(kp, "ECDSA", "named_curve", curves[i].canonical, EVP_PKEY_EC,
                        curves[i].bits);
        free(kp);
        free(t);
    }

    /* "application/json; charset=utf-8" is JSON too (media types ignore case). */
    static const char *const json_types[] = {"application/json; charset=utf-8",
                                             "application/json;charset=UTF-8",
                                             "Application/JSON"};
    for (size_t i = 0; i < sizeof(json_types) / sizeof(json_types[0]); i++) {
        samh_request_t req = {.method = "POST",
                              .path = "/sam/v1/key_pairs",
                              .body = "{\"key_template\":{\"algorithm\":\"ECDSA\","
                                      "\"named_curve\":\"P-256\"}}",
                              .content_type = json_types[i],
                              .client = SAMH_SSA};
        req.body_len = strlen(req.body);
        samh_response_t r;
        cr_assert_eq(samh_request(h, &req, &r), 0, "%s", r.error);
        api_assert_status(&r, 201);
        samh_response_free(&r);
    }
    api_stop(h);
}

Test(api_keys, generation_refusals, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    const char *P = "/sam/v1/key_pairs";
    static const char *const unsupported[] = {
        "{\"key_template\":{\"algorithm\":\"RSA\",\"size\":1024}}",
        "{\"key_template\":{\"algorithm\":\"RSA\",\"size\":2047}}",
        "{\"key_template\":{\"algorithm\":\"RSA\",\"size\":8192}}",
        "{\"key_template\":{\"algorithm\":\"ECDSA\",\"named_curve\":\"secp256k1\"}}",
        "{\"key_template\":{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-224\"}}",
        "{\"key_template\":{\"algorithm\":\"DSA\",\"size\":2048}}",
        "{\"key_template\":{\"algorithm\":\"EdDSA\",\"named_curve\":\"Ed25519\"}}",
    };
    for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
        api_expect_error(h, SAMH_SSA, "POST", P, unsupported[i], NULL, 400,
                         "unsupported_algorithm");
    static const char *const invalid[] = {
        "",                                                           /* empty body */
        "{",                                                          /* malformed */
        "{\"key_template\":{\"algorithm\":\"RSA\",\"size\":2048}",    /* unterminated */
        "[]",                                                         /* not an object */
        "{}",                                                         /* missing */
        "{\"key_template\":null}",                                    /* ill-typed */
        "{\"key_template\":\"RSA\"}",                                 /* ill-typed */
        "{\"key_template\":{\"size\":2048}}",                         /* no algorithm */
        "{\"key_template\":{\"algorithm\":7}}",                       /* ill-typed */
        "{\"key_template\":{\"algorithm\":\"RSA\"}}",                 /* no size */
        "{\"key_template\":{\"algorithm\":\"RSA\",\"size\":\"2048\"}}", /* ill-typed */
        "{\"key_template\":{\"algorithm\":\"RSA\",\"size\":2048.5}}", /* ill-typed */
        "{\"key_template\":{\"algorithm\":\"ECDSA\"}}",               /* no curve */
        "{\"key_template\":{\"algorithm\":\"ECDSA\",\"named_curve\":256}}",
        "{\"key_template\":{\"algorithm\":\"RSA\",\"size\":2048,\"exponent\":3}}", /* unknown */
        "{\"key_template\":{\"algorithm\":\"RSA\",\"size\":2048},\"extra\":1}",  /* unknown */
    };
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
        api_expect_error(h, SAMH_SSA, "POST", P, invalid[i], NULL, 400, "invalid_request");
    /* Still fine. */
    free(api_generate(h, "{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}"));
    api_stop(h);
}

Test(api_keys, roles_paths_methods_media_types_and_size, .fini = teardown,
     .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    const char *gen = "{\"key_template\":{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}}";
    /* An administrator may call no service function. */
    api_expect_error(h, SAMH_ADMIN, "POST", "/sam/v1/key_pairs", gen, NULL, 403, "forbidden");
    api_expect_error(h, SAMH_ADMIN, "POST", "/sam/v1/signers/alice/key_pairs", "{}", NULL, 403,
                     "forbidden");
    api_expect_error(h, SAMH_ADMIN, "POST", "/sam/v1/proofs_of_possession", "{}", NULL, 403,
                     "forbidden");
    api_expect_error(h, SAMH_ADMIN, "PUT", "/sam/v1/key_pairs/0123", "{}", NULL, 403,
                     "forbidden");
    api_expect_error(h, SAMH_ADMIN, "DELETE", "/sam/v1/key_pairs/0123", "{}", NULL, 403,
                     "forbidden");
    api_expect_error(h, SAMH_ADMIN, "POST", "/sam/v1/signatures", "{}", "x.y.z", 403,
                     "forbidden");
    /* An SSA may not touch the configuration. */
    api_expect_error(h, SAMH_SSA, "GET", "/sam/v1/configurations/dynamic", NULL, NULL, 403,
                     "forbidden");
    api_expect_error(h, SAMH_SSA, "PUT", "/sam/v1/configurations/dynamic", "{\"version\":99}",
                     NULL, 403, "forbidden");

    static const char *const unknown[] = {"/sam/v1/nope", "/sam/v1/", "/sam/v1/key_pairs/a/b",
                                          "/sam/v1/signers/alice", "/sam/v1/infos",
                                          "/sam/v2/info", "/sam/v1/configurations"};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        api_expect_error(h, SAMH_SSA, "GET", unknown[i], NULL, NULL, 404, "not_found");
        api_expect_error(h, SAMH_SSA, "POST", unknown[i], "{}", NULL, 404, "not_found");
    }
    static const struct {
        const char *method, *path;
    } wrong[] = {
        {"GET", "/sam/v1/key_pairs"},          {"DELETE", "/sam/v1/info"},
        {"POST", "/sam/v1/info"},              {"POST", "/sam/v1/configurations/dynamic"},
        {"GET", "/sam/v1/signatures"},         {"PUT", "/sam/v1/signatures"},
        {"GET", "/sam/v1/proofs_of_possession"}, {"GET", "/sam/v1/key_pairs/0123"},
        {"POST", "/sam/v1/key_pairs/0123"},    {"GET", "/sam/v1/signers/alice/key_pairs"},
    };
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
        api_expect_error(h, SAMH_SSA, wrong[i].method, wrong[i].path,
                         strcmp(wrong[i].method, "GET") == 0 ? NULL : "{}", NULL, 405,
                         "method_not_allowed");

    /* Media types. */
    static const char *const not_json[] = {"text/plain", "application/x-www-form-urlencoded",
                                           "application/jsonp", "text/json",
                                           "" /* curl sends none */};
    for (size_t i = 0; i < sizeof(not_json) / sizeof(not_json[0]); i++) {
        samh_request_t req = {.method = "POST",
                              .path = "/sam/v1/key_pairs",
                              .body = gen,
                              .body_len = strlen(gen),
                              .content_type = not_json[i],
                              .client = SAMH_SSA};
        samh_response_t r;
        cr_assert_eq(samh_request(h, &req, &r), 0, "%s", r.error);
        api_assert_error(&r, 415, "unsupported_media_type");
        samh_response_free(&r);
    }
    {
        samh_request_t req = {.method = "PUT",
                              .path = "/sam/v1/configurations/dynamic",
                              .body = "{}",
                              .body_len = 2,
                              .content_type = "text/plain",
                              .client = SAMH_ADMIN};
        samh_response_t r;
        cr_assert_eq(samh_request(h, &req, &r), 0, "%s", r.error);
        api_assert_error(&r, 415, "unsupported_media_type");
        samh_response_free(&r);
    }

    /* The order of checks: 404/405 before 403 before 415 (docs/api-sam.md). */
    static const struct {
        samh_client_t who;
        const char *method, *path;
        long status;
        const char *code;
    } order[] = {
        {SAMH_SSA, "POST", "/sam/v1/nope", 404, "not_found"},
        {SAMH_SSA, "PATCH", "/sam/v1/key_pairs", 405, "method_not_allowed"},
        {SAMH_ADMIN, "POST", "/sam/v1/key_pairs", 403, "forbidden"},
        {SAMH_SSA, "PUT", "/sam/v1/configurations/dynamic", 403, "forbidden"},
        {SAMH_SSA, "POST", "/sam/v1/key_pairs", 415, "unsupported_media_type"},
    };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        samh_request_t req = {.method = order[i].method,
                              .path = order[i].path,
                              .body = "not json",
                              .body_len = 8,
                              .content_type = "text/plain",
                              .client = order[i].who};
        samh_response_t r;
        cr_assert_eq(samh_request(h, &req, &r), 0, "%s", r.error);
        api_assert_error(&r, order[i].status, order[i].code);
        samh_response_free(&r);
    }

    /* Over the default limit of 1 MiB: 413, on either protocol. */
    size_t big = 1024 * 1024 + 512;
    char *body = malloc(big + 1);
    cr_assert_not_null(body);
    memset(body, ' ', big);
    memcpy(body, gen, strlen(gen));
    body[big] = '\0';
    for (int http1 = 0; http1 <= 1; http1++) {
        samh_request_t req = {.method = "POST",
                              .path = "/sam/v1/key_pairs",
                              .body = body,
                              .body_len = big,
                              .client = SAMH_SSA,
                              .http1 = http1};
        samh_response_t r;
        cr_assert_eq(samh_request(h, &req, &r), 0, "%s", r.error);
        api_assert_error(&r, 413, "payload_too_large");
        samh_response_free(&r);
    }
    /* Just under the limit it is an ordinary (white-space padded) request. */
    body[1024 * 1024 - 16] = '\0';
    samh_response_t ok;
    api_call(h, SAMH_SSA, "POST", "/sam/v1/key_pairs", body, NULL, &ok);
    api_assert_status(&ok, 201);
    samh_response_free(&ok);
    free(body);
    api_stop(h);
}

/* A static configuration that narrows the algorithms (e.g. ETSI TS 119 312). */
Test(api_keys, static_policy_narrows_the_algorithms, .fini = teardown,
     .timeout = API_TEST_TIMEOUT)
{
    samh_options_t o = {.static_extra = "\"algorithms\": {\"key_algorithms\": [\"RSA-3072\", "
                                        "\"secp256r1\"], \"signature_algorithms\": [\"ES256\", "
                                        "\"PS256\"]}"};
    h = api_start(&o);
    samh_response_t r;
    api_call(h, SAMH_SSA, "GET", "/sam/v1/info", NULL, NULL, &r);
    api_assert_status(&r, 200);
    sam_json_t *v = api_json(&r);
    const sam_json_t *ka = sam_json_get(v, "key_algorithms"),
                     *sa = sam_json_get(v, "signature_algorithms");
    cr_assert(ka != NULL && ka->type == SAM_JSON_ARRAY && ka->u.arr.count == 2, "%s", r.body);
    cr_assert(array_has(ka, "RSA-3072") && array_has(ka, "secp256r1"), "%s", r.body);
    cr_assert(sa != NULL && sa->type == SAM_JSON_ARRAY && sa->u.arr.count == 2, "%s", r.body);
    cr_assert(array_has(sa, "ES256") && array_has(sa, "PS256"), "%s", r.body);
    sam_json_free(v);
    samh_response_free(&r);

    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/key_pairs",
                     "{\"key_template\":{\"algorithm\":\"RSA\",\"size\":2048}}", NULL, 400,
                     "unsupported_algorithm");
    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/key_pairs",
                     "{\"key_template\":{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-384\"}}",
                     NULL, 400, "unsupported_algorithm");

    /* A P-256 key signs ES256 only: ES384 (of a 48-byte hash) is excluded. */
    char *kp = api_ready_key(h, "{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}", "alice");
    char *id = api_kp_string(kp, "id");
    api_hash_t h256 = api_hash(32), h384 = api_hash(48);
    api_hash_t both[] = {h256, h384};
    api_sad_t s = {.sub = "alice", .key_id = id, .hashes = both, .n_hashes = 2};
    char *sad = api_sad(h, &s);
    api_req_t excluded = {h384.b, h384.len, "ES384", NULL, 0};
    char *body = api_sign_body(kp, "alice", NULL, &excluded, 1);
    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/signatures", body, sad, 400,
                     "unsupported_algorithm");
    free(body);
    /* By OID too. */
    api_req_t by_oid = {h384.b, h384.len, "1.2.840.10045.4.3.3", NULL, 0};
    body = api_sign_body(kp, "alice", NULL, &by_oid, 1);
    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/signatures", body, sad, 400,
                     "unsupported_algorithm");
    free(body);
    /* Proof of possession with an excluded algorithm. */
    size_t cri_len = 0;
    uint8_t *cri = api_cri(kp, "alice", &cri_len);
    body = api_pop_body(kp, cri, cri_len, "ES384");
    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/proofs_of_possession", body, NULL, 400,
                     "unsupported_algorithm");
    free(body);
    free(cri);
    /* The refusals spent nothing: the SAD still signs what is allowed. */
    api_sign_one_ok(h, kp, "alice", sad, "ES256", &h256);
    free(sad);
    free(id);
    free(kp);
    api_stop(h);
}
