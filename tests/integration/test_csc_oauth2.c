/*
 * /csc/v1 with an external OAuth2 authorization server (authType
 * "oauth2code", docs/api-csc.md) and SCAL 1 SADs without hashes, end to end:
 * the csc_oauth2 member installed and removed at run time through PUT
 * /sam/v1/configurations/dynamic; its JWT access tokens, minted here with
 * OpenSSL, as service Bearer tokens (scope "service") and as SADs of
 * oauth2code credentials (scope "credential"), with every refusal; the
 * count of a SAD bound across calls, a samd restart and concurrent calls;
 * a hashless SAD refused on /sam/v1.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csc_support_oauth2.h"
#include "jws_mint.h"

#define EC_TEMPLATE "{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}"
#define ES256_OID "1.2.840.10045.4.3.2"
#define BAD_TOKEN "The access token is missing, invalid, expired or revoked"
#define BAD_SAD "Invalid parameter SAD"
#define OAUTH2CODE(scal) "\"auth_mode\": \"oauth2code\", \"multisign\": 5, \"scal\": \"" scal "\""
#define PIN "pin-5520-qa"
#define SCAL1_PIN                                                                                  \
    "\"auth_mode\": \"explicit\", \"pin\": \"" PIN "\", \"multisign\": 5, \"scal\": \"1\""

TestSuite(csc_oauth2, .timeout = API_TEST_TIMEOUT);

/* info's authType and oauth2: with_oauth2 says which. */
static void info_says(samh_t *h, bool with_oauth2)
{
    sam_json_t *j = csc_ok(h, "info", NULL, NULL);
    const sam_json_t *at = sam_json_get(j, "authType"), *o = sam_json_get(j, "oauth2");
    cr_assert(at != NULL && at->type == SAM_JSON_ARRAY);
    cr_assert_eq(at->u.arr.count, with_oauth2 ? 2u : 1u);
    cr_assert_str_eq(at->u.arr.items[0]->u.str.ptr, "basic");
    if (with_oauth2) {
        cr_assert_str_eq(at->u.arr.items[1]->u.str.ptr, "oauth2code");
        cr_assert(o != NULL && o->type == SAM_JSON_STRING);
        cr_assert_str_eq(o->u.str.ptr, OA_BASE_URI);
    } else {
        cr_assert_null(o);
    }
    sam_json_free(j);
}

/* credentials/list with this Bearer token must answer 401 invalid_token. */
static void list_refused(samh_t *h, const char *token)
{
    char *auth = csc_bearer(token);
    csc_expect(h, "credentials/list", auth, "{}", 401, "invalid_token", BAD_TOKEN);
    free(auth);
}

static void list_refused_claims(samh_t *h, const oa_server_t *oa, const oa_claims_t *c)
{
    char *t = oa_token(oa, c);
    list_refused(h, t);
    free(t);
}

/* credentials/list with this token lists exactly cred. */
static void list_has(samh_t *h, const char *token, const char *cred)
{
    char *auth = csc_bearer(token);
    sam_json_t *j = csc_ok(h, "credentials/list", auth, "{}");
    const sam_json_t *ids = sam_json_get(j, "credentialIDs");
    cr_assert(ids != NULL && ids->type == SAM_JSON_ARRAY && ids->u.arr.count == 1);
    cr_assert_str_eq(ids->u.arr.items[0]->u.str.ptr, cred);
    sam_json_free(j);
    free(auth);
}

Test(csc_oauth2, info_and_service_tokens)
{
    samh_t *h = csc_start();
    oa_server_t oa, other;
    oa_server_init(&oa);
    oa_server_init(&other);
    csc_add_user(h, "alice", "pw-a");
    csc_add_user(h, "carol", "pw-c");
    char *cred = csc_add_credential(h, "alice", EC_TEMPLATE, OAUTH2CODE("2"), NULL, NULL);
    oa_claims_t alice = {.sub = "\"alice\""};
    char *tok = oa_token(&oa, &alice);

    /* Not configured: basic only, and a JWT is no token of ours. */
    info_says(h, false);
    list_refused(h, tok);

    /* Configured at run time (a new dynamic version): oauth2code, and its tokens work. */
    oa_install(h, &oa, 2);
    info_says(h, true);
    list_has(h, tok, cred);
    oa_claims_t two_scopes = {.sub = "\"alice\"", .scope = "\"openid service profile\""};
    char *t2 = oa_token(&oa, &two_scopes);
    list_has(h, t2, cred);
    free(t2);
    /* GET gives the member back in a form PUT takes again. */
    samh_response_t r;
    api_call(h, SAMH_ADMIN, "GET", "/sam/v1/configurations/dynamic", NULL, NULL, &r);
    api_assert_status(&r, 200);
    cr_assert(strstr(r.body, "\"csc_oauth2\"") != NULL && strstr(r.body, OA_ISSUER) != NULL &&
                  strstr(r.body, OA_AUDIENCE) != NULL && strstr(r.body, "\"oa1\"") != NULL,
              "%s", r.body);
    char *again = api_replace(r.body, "\"version\": 2,", "\"version\": 3,");
    samh_response_free(&r);
    api_call(h, SAMH_ADMIN, "PUT", "/sam/v1/configurations/dynamic", again, NULL, &r);
    api_assert_status(&r, 204);
    samh_response_free(&r);
    free(again);
    list_has(h, tok, cred);

    /* Every wrong claim, algorithm or key: 401 invalid_token. */
    oa_claims_t c;
    c = (oa_claims_t){.sub = "\"alice\"", .iat = -400, .exp = -60};
    list_refused_claims(h, &oa, &c); /* expired beyond the skew */
    c = (oa_claims_t){.sub = "\"alice\"", .iat = 0, .exp = 120, .extra = "\"nbf\":9999999999"};
    list_refused_claims(h, &oa, &c); /* not yet valid */
    c = (oa_claims_t){.sub = "\"alice\"", .iss = "\"https://evil.example.org\""};
    list_refused_claims(h, &oa, &c);
    c = (oa_claims_t){.sub = "\"alice\"", .aud = "\"https://other.example.org\""};
    list_refused_claims(h, &oa, &c);
    c = (oa_claims_t){.sub = "\"alice\"", .aud = "\"" OA_AUDIENCE "x\""};
    list_refused_claims(h, &oa, &c);
    c = (oa_claims_t){.sub = "\"alice\"", .scope = "\"credential\""};
    list_refused_claims(h, &oa, &c); /* a credential token is no service token */
    c = (oa_claims_t){.sub = "\"alice\"", .scope = "\"services\""};
    list_refused_claims(h, &oa, &c);
    c = (oa_claims_t){.sub = "\"alice\"", .scope = OA_OMIT};
    list_refused_claims(h, &oa, &c);
    c = (oa_claims_t){.sub = "\"mallory\""};
    list_refused_claims(h, &oa, &c); /* no such user */
    c = (oa_claims_t){.sub = OA_OMIT};
    list_refused_claims(h, &oa, &c);
    c = (oa_claims_t){.sub = "\"alice\"", .iss = OA_OMIT};
    list_refused_claims(h, &oa, &c);
    list_refused_claims(h, &other, &alice); /* signed by a key not registered */

    /* alg none, and HS256 keyed with the server's public key (key confusion). */
    char *payload = oa_payload(&alice);
    char *none = mint_join("{\"alg\":\"none\"}", payload, strlen(payload), NULL, 0);
    list_refused(h, none);
    size_t spki_len = 0, mac_len = 0;
    uint8_t *spki = mint_spki(oa.key, &spki_len);
    const char *hs_header = "{\"alg\":\"HS256\",\"kid\":\"oa1\"}";
    uint8_t *mac = mint_hs256(spki, spki_len, hs_header, payload, &mac_len);
    char *hs = mint_join(hs_header, payload, strlen(payload), mac, mac_len);
    list_refused(h, hs);
    /* A tampered payload under a real signature. */
    char *tampered = api_replace(tok, ".", ".e30");
    list_refused(h, tampered);

    /* A disabled user loses access at once. */
    oa_claims_t carol = {.sub = "\"carol\""};
    char *ctok = oa_token(&oa, &carol);
    char *cauth = csc_bearer(ctok);
    sam_json_free(csc_ok(h, "credentials/list", cauth, "{}"));
    csc_disable_user(h, "carol");
    list_refused(h, ctok);

    /* Opaque tokens of auth/login keep working beside it. */
    char *own = csc_login(h, "alice", "pw-a", false, NULL);
    list_has(h, own, cred);

    /* An algorithm list narrows what the server may use. */
    char *rs_only = api_printf("{\"issuer\":\"" OA_ISSUER "\",\"base_uri\":\"" OA_BASE_URI
                               "\",\"audience\":\"" OA_AUDIENCE "\",\"public_key\":\"%s\","
                               "\"algorithms\":[\"RS256\"]}",
                               oa.spki_b64);
    oa_put(h, 4, rs_only, 204);
    list_refused(h, tok);

    /* Invalid members are refused; the configuration in force stays. */
    char *reserved = api_printf("{\"issuer\":\"opensam-csc:x\",\"base_uri\":\"https://a\","
                                "\"public_key\":\"%s\"}",
                                oa.spki_b64);
    oa_put(h, 5, reserved, 400);
    oa_put(h, 5, "{\"issuer\":\"a\",\"base_uri\":\"https://a\",\"keys\":[]}", 400);
    char *bad_alg = api_printf("{\"issuer\":\"a\",\"base_uri\":\"https://a\",\"public_key\":\"%s\","
                               "\"algorithms\":[\"HS256\"]}",
                               oa.spki_b64);
    oa_put(h, 5, bad_alg, 400);
    char *both = api_printf("{\"issuer\":\"a\",\"base_uri\":\"https://a\",\"public_key\":\"%s\","
                            "\"keys\":[{\"public_key\":\"%s\"}]}",
                            oa.spki_b64, oa.spki_b64);
    oa_put(h, 5, both, 400);
    char *ftp = api_printf("{\"issuer\":\"a\",\"base_uri\":\"ftp://a\",\"public_key\":\"%s\"}",
                           oa.spki_b64);
    oa_put(h, 5, ftp, 400);
    info_says(h, true);

    /* Removed again: basic only, its tokens refused. */
    oa_install(h, &oa, 6);
    list_has(h, tok, cred);
    oa_put(h, 7, NULL, 204);
    info_says(h, false);
    list_refused(h, tok);

    /* No token ever reaches a log. */
    cr_assert(!csc_file_contains(h->log_path, tok));
    cr_assert(!csc_file_contains(h->service_log, tok));

    free(both);
    free(ftp);
    free(reserved);
    free(bad_alg);
    free(rs_only);
    free(own);
    free(cauth);
    free(ctok);
    free(tampered);
    free(hs);
    free(mac);
    free(spki);
    free(none);
    free(payload);
    free(tok);
    free(cred);
    oa_server_free(&other);
    oa_server_free(&oa);
    api_stop(h);
    samh_free(h);
}

/* signatures/signHash body: ECDSA P-256 over hs. */
static char *sign_body(const char *cred, const char *sad, const api_hash_t *hs, size_t n)
{
    char *arr = oa_hash_array(hs, n);
    char *body = api_printf(
        "{\"credentialID\": \"%s\", \"SAD\": \"%s\", \"hash\": %s, \"signAlgo\": \"" ES256_OID
        "\"}",
        cred, sad, arr);
    free(arr);
    return body;
}

/* signHash answering n signatures, each verified with OpenSSL against kp. */
static void sign_ok(samh_t *h, const char *auth, const char *cred, const char *kp, const char *sad,
                    const api_hash_t *hs, size_t n)
{
    char *body = sign_body(cred, sad, hs, n);
    sam_json_t *j = csc_ok(h, "signatures/signHash", auth, body);
    const sam_json_t *sigs = sam_json_get(j, "signatures");
    cr_assert(sigs != NULL && sigs->type == SAM_JSON_ARRAY && sigs->u.arr.count == n);
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        uint8_t *sig = api_unb64(sigs->u.arr.items[i]->u.str.ptr, &len);
        cr_assert(api_verify(kp, "ES", "sha256", 0, hs[i].b, hs[i].len, sig, len),
                  "signature %zu does not verify", i);
        free(sig);
    }
    sam_json_free(j);
    free(body);
}

static void sign_refused(samh_t *h, const char *auth, const char *cred, const char *sad,
                         const api_hash_t *hs, size_t n, const char *description)
{
    char *body = sign_body(cred, sad, hs, n);
    csc_expect(h, "signatures/signHash", auth, body, 400, "invalid_request", description);
    free(body);
}

/* A credential token of oa (scope "credential") for cred; n 0: no "hash" claim. */
static char *cred_token(const oa_server_t *oa, const char *sub, const char *cred,
                        const api_hash_t *hs, size_t n, int num)
{
    char *s = api_printf("\"%s\"", sub), *c = api_printf("\"%s\"", cred);
    oa_claims_t claims = {.sub = s,
                          .scope = "\"credential\"",
                          .credential_id = c,
                          .hashes = hs,
                          .n_hashes = n,
                          .num_signatures = num};
    char *t = oa_token(oa, &claims);
    free(s);
    free(c);
    return t;
}

Test(csc_oauth2, credential_tokens_as_sad)
{
    samh_t *h = csc_start();
    oa_server_t oa, other;
    char *kp = NULL, *kp1 = NULL;
    oa_server_init(&oa);
    oa_server_init(&other);
    csc_add_user(h, "alice", "pw-a");
    csc_add_user(h, "bob", "pw-b");
    char *cred = csc_add_credential(h, "alice", EC_TEMPLATE, OAUTH2CODE("2"), NULL, &kp);
    char *cred2 = csc_add_credential(h, "alice", EC_TEMPLATE, OAUTH2CODE("2"), NULL, NULL);
    char *scal1 = csc_add_credential(h, "alice", EC_TEMPLATE, OAUTH2CODE("1"), NULL, &kp1);
    char *pinned = csc_add_credential(h, "alice", EC_TEMPLATE, SCAL1_PIN, NULL, NULL);
    char *bobs = csc_add_credential(h, "bob", EC_TEMPLATE, OAUTH2CODE("2"), NULL, NULL);
    oa_install(h, &oa, 2);
    oa_claims_t svc = {.sub = "\"alice\""};
    char *stok = oa_token(&oa, &svc);
    char *auth = csc_bearer(stok);
    api_hash_t hs[3] = {api_hash(32), api_hash(32), api_hash(32)};

    /* Not authorized through credentials/authorize. */
    char *authz = api_printf("{\"credentialID\": \"%s\", \"numSignatures\": 1, \"hash\": "
                             "[\"%s\"]}",
                             cred, "ERERERERERERERERERERERERERERERERERERERERERE=");
    csc_expect(h, "credentials/authorize", auth, authz, 400, "invalid_request",
               "The credential is authorized with OAuth 2.0, not with credentials/authorize");

    /* The token's hashes, up to its count, over several calls. */
    char *sad = cred_token(&oa, "alice", cred, hs, 3, 2);
    sign_ok(h, auth, cred, kp, sad, &hs[0], 1);
    sign_refused(h, auth, cred, sad, &hs[0], 1, BAD_SAD); /* listed once, signed once */
    /* Across a restart the count holds: one more, then none. */
    api_stop(h);
    api_restart(h);
    sign_ok(h, auth, cred, kp, sad, &hs[2], 1);
    sign_refused(h, auth, cred, sad, &hs[1], 1, BAD_SAD);
    free(sad);

    /* Refusals, each with the CSC error of docs/api-csc.md. */
    api_hash_t stray = api_hash(32);
    sad = cred_token(&oa, "alice", cred, hs, 1, 1);
    sign_refused(h, auth, cred, sad, &stray, 1, "Hash is not authorized by the SAD.");
    sign_refused(h, auth, cred2, sad, hs, 1, BAD_SAD); /* another credential of hers */
    sign_refused(h, auth, bobs, sad, hs, 1, "Invalid parameter credentialID"); /* not hers */
    free(sad);
    sad = cred_token(&oa, "bob", bobs, hs, 1, 1);
    sign_refused(h, auth, bobs, sad, hs, 1, "Invalid parameter credentialID");
    free(sad);
    sad = cred_token(&oa, "bob", cred, hs, 1, 1); /* sub is not the credential's user */
    sign_refused(h, auth, cred, sad, hs, 1, BAD_SAD);
    free(sad);
    sad = cred_token(&oa, "alice", pinned, hs, 1, 1); /* not an oauth2code credential */
    sign_refused(h, auth, pinned, sad, hs, 1, BAD_SAD);
    free(sad);
    sad = cred_token(&other, "alice", cred, hs, 1, 1); /* a key not registered */
    sign_refused(h, auth, cred, sad, hs, 1, BAD_SAD);
    free(sad);
    sign_refused(h, auth, cred, stok, hs, 1, BAD_SAD); /* a service token is no SAD */

    char *s_hash = oa_hash_array(hs, 1);
    char *c_id = api_printf("\"%s\"", cred);
    oa_claims_t bad[] = {
        {.sub = "\"alice\"",
         .scope = "\"credential\"",
         .credential_id = c_id,
         .hashes = hs,
         .n_hashes = 1,
         .num_signatures = 1,
         .iat = -200,
         .exp = -60},
        {.sub = "\"alice\"",
         .scope = "\"credential\"",
         .credential_id = c_id,
         .hashes = hs,
         .n_hashes = 1,
         .num_signatures = 1,
         .iss = "\"https://evil.example.org\""},
        {.sub = "\"alice\"",
         .scope = "\"credential\"",
         .credential_id = c_id,
         .hashes = hs,
         .n_hashes = 1,
         .num_signatures = 1,
         .aud = "\"https://other.example.org\""},
        {.sub = "\"alice\"",
         .scope = "\"credential\"",
         .credential_id = c_id,
         .hashes = hs,
         .n_hashes = 1}, /* no numSignatures */
        {.sub = "\"alice\"",
         .scope = "\"credential\"",
         .credential_id = c_id,
         .num_signatures = 1}, /* SCAL 2: hash required */
        {.sub = "\"alice\"",
         .scope = "\"credential\"",
         .credential_id = c_id,
         .hashes = hs,
         .n_hashes = 1,
         .num_signatures = 1,
         .jti = OA_OMIT},
    };
    const char *why[] = {"SAD expired", BAD_SAD, BAD_SAD, BAD_SAD, BAD_SAD, BAD_SAD};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *t = oa_token(&oa, &bad[i]);
        sign_refused(h, auth, cred, t, hs, 1, why[i]);
        free(t);
    }
    /* alg none and HS256 keyed with the server's public key. */
    char *payload = oa_payload(&bad[5]);
    char *ok_payload = api_replace(payload, "}", ",\"jti\":\"j-hs\"}");
    char *none = mint_join("{\"alg\":\"none\"}", ok_payload, strlen(ok_payload), NULL, 0);
    sign_refused(h, auth, cred, none, hs, 1, BAD_SAD);
    size_t spki_len = 0, mac_len = 0;
    uint8_t *spki = mint_spki(oa.key, &spki_len);
    const char *hs_header = "{\"alg\":\"HS256\",\"kid\":\"oa1\"}";
    uint8_t *mac = mint_hs256(spki, spki_len, hs_header, ok_payload, &mac_len);
    char *hs256 = mint_join(hs_header, ok_payload, strlen(ok_payload), mac, mac_len);
    sign_refused(h, auth, cred, hs256, hs, 1, BAD_SAD);

    /* SCAL 1: a token without hash signs any hashes up to its count. */
    sad = cred_token(&oa, "alice", scal1, NULL, 0, 2);
    sign_ok(h, auth, scal1, kp1, sad, &hs[0], 1);
    sign_ok(h, auth, scal1, kp1, sad, &hs[1], 1);
    sign_refused(h, auth, scal1, sad, &hs[2], 1, BAD_SAD);
    free(sad);
    /* ... and with hashes it is held to them. */
    sad = cred_token(&oa, "alice", scal1, hs, 1, 1);
    sign_refused(h, auth, scal1, sad, &stray, 1, "Hash is not authorized by the SAD.");
    free(sad);

    /* Credential tokens are in the audit log under the server's issuer; no token in a log. */
    cr_assert(csc_file_contains(h->service_log, OA_ISSUER));
    cr_assert(!csc_file_contains(h->service_log, stok));
    cr_assert(!csc_file_contains(h->log_path, stok));

    free(hs256);
    free(mac);
    free(spki);
    free(none);
    free(ok_payload);
    free(payload);
    free(c_id);
    free(s_hash);
    free(authz);
    free(auth);
    free(stok);
    free(bobs);
    free(pinned);
    free(scal1);
    free(cred2);
    free(cred);
    free(kp1);
    free(kp);
    oa_server_free(&other);
    oa_server_free(&oa);
    api_stop(h);
    samh_free(h);
}

/* credentials/authorize of a SCAL 1 credential without "hash": a SAD for num signatures. */
static char *authorize_hashless(samh_t *h, const char *auth, const char *cred, int num)
{
    char *body = api_printf(
        "{\"credentialID\": \"%s\", \"numSignatures\": %d, \"PIN\": \"" PIN "\"}", cred, num);
    sam_json_t *j = csc_ok(h, "credentials/authorize", auth, body);
    const sam_json_t *sad = sam_json_get(j, "SAD");
    cr_assert(sad != NULL && sad->type == SAM_JSON_STRING);
    char *out = strdup(sad->u.str.ptr);
    sam_json_free(j);
    free(body);
    return out;
}

/* n signHash calls at once, one fresh hash each; returns how many signed (the rest: BAD_SAD). */
static size_t sign_race(samh_t *h, const char *auth, const char *cred, const char *sad, size_t n)
{
    samh_batch_t *b = samh_batch_new(h, false);
    char *bodies[16];
    size_t signed_ = 0;

    cr_assert_not_null(b);
    cr_assert_leq(n, 16);
    for (size_t i = 0; i < n; i++) {
        api_hash_t x = api_hash(32);
        bodies[i] = sign_body(cred, sad, &x, 1);
        samh_request_t r = {.method = "POST",
                            .path = "/csc/v1/signatures/signHash",
                            .body = bodies[i],
                            .body_len = strlen(bodies[i]),
                            .content_type = "application/json",
                            .authorization = auth,
                            .client = SAMH_NO_CERT,
                            .timeout_ms = 60000};
        cr_assert_geq(samh_batch_add(b, &r), 0);
    }
    cr_assert_eq(samh_batch_wait(b, 90000), 0);
    for (size_t i = 0; i < n; i++) {
        const samh_response_t *r = samh_batch_response(b, i);
        if (r->status == 200)
            signed_++;
        else
            csc_assert_error(r, 400, "invalid_request", BAD_SAD);
        free(bodies[i]);
    }
    samh_batch_free(b);
    return signed_;
}

Test(csc_oauth2, scal1_hashless_sad)
{
    samh_t *h = csc_start();
    char *kp = NULL;
    csc_add_user(h, "alice", "pw-a");
    char *cert = NULL;
    char *cred = csc_add_credential(h, "alice", EC_TEMPLATE, SCAL1_PIN, &cert, &kp);
    char *tok = csc_login(h, "alice", "pw-a", false, NULL);
    char *auth = csc_bearer(tok);
    api_hash_t hs[4] = {api_hash(32), api_hash(32), api_hash(32), api_hash(32)};

    /* Any hashes up to the count, over several calls; never one more. */
    char *sad = authorize_hashless(h, auth, cred, 3);
    sign_ok(h, auth, cred, kp, sad, hs, 2);
    sign_refused(h, auth, cred, sad, &hs[2], 2, BAD_SAD); /* 2 more of 1 left */
    sign_ok(h, auth, cred, kp, sad, &hs[0], 1);           /* the same hash again is fine */
    sign_refused(h, auth, cred, sad, &hs[3], 1, BAD_SAD);

    /* Racing calls: exactly the count is signed. */
    char *raced = authorize_hashless(h, auth, cred, 3);
    cr_assert_eq(sign_race(h, auth, cred, raced, 8), 3);
    sign_refused(h, auth, cred, raced, &hs[3], 1, BAD_SAD);

    /* A SCAL 2 credential on the same key pair takes no hashless SAD. */
    char *body2 = api_printf("{\"key_pair\": %s, \"user_id\": \"alice\", \"certificates\": "
                             "[\"%s\"], \"auth_mode\": \"implicit\", \"multisign\": 5, "
                             "\"scal\": \"2\"}",
                             kp, cert);
    samh_response_t r;
    api_call(h, SAMH_SSA, "POST", "/sam/v1/credentials", body2, NULL, &r);
    api_assert_status(&r, 201);
    sam_json_t *j = api_json(&r);
    char *scal2 = strdup(sam_json_get(j, "credential_id")->u.str.ptr);
    sam_json_free(j);
    samh_response_free(&r);
    char *shared = authorize_hashless(h, auth, cred, 2);
    sign_refused(h, auth, scal2, shared, &hs[0], 1, BAD_SAD);
    sign_ok(h, auth, cred, kp, shared, &hs[0], 1);

    /* Never on /sam/v1: not our CSC SAD (its issuer is no SSA's) ... */
    char *fresh = authorize_hashless(h, auth, cred, 3);
    api_req_t req = {hs[0].b, hs[0].len, "ES256", NULL, 0};
    char *body = api_sign_body(kp, "alice", NULL, &req, 1);
    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/signatures", body, fresh, 403, "invalid_sad");
    /* ... nor a hashless SAD of the SSA's own authorization server, which it trusts: the same
     * SAD with the hash signs. */
    char *key_id = api_kp_string(kp, "id");
    api_sad_t hashless = {.sub = "alice", .key_id = key_id, .num_signatures = 1};
    char *native = api_sad(h, &hashless);
    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/signatures", body, native, 403, "invalid_sad");
    api_sad_t hashed = {.sub = "alice", .key_id = key_id, .hashes = hs, .n_hashes = 1};
    char *with_hash = api_sad(h, &hashed);
    api_sign_one_ok(h, kp, "alice", with_hash, "ES256", &hs[0]);

    free(shared);
    free(scal2);
    free(body2);
    free(cert);
    free(with_hash);
    free(native);
    free(key_id);
    free(body);
    free(fresh);
    free(raced);
    free(sad);
    free(auth);
    free(tok);
    free(cred);
    free(kp);
    api_stop(h);
    samh_free(h);
}
