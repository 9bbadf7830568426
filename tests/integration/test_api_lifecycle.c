/*
 * /sam/v1 key pair life cycle over real HTTP/2 and mutual TLS: assignment,
 * proof of possession, status update, the key pair object's integrity
 * (fields changed, another SAM's object), deletion. See api_support.h.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_support.h"

static samh_t *h, *other;

static void teardown(void)
{
    samh_free(h);
    samh_free(other);
    h = other = NULL;
}

#define EC_TEMPLATE "{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}"
#define RSA_TEMPLATE "{\"algorithm\":\"RSA\",\"size\":2048}"

/* tpl with @KP@ replaced by kp and @B64@ by b64. */
static char *fill(const char *tpl, const char *kp, const char *b64)
{
    char *s = api_replace(tpl, "@KP@", kp);
    if (b64 != NULL && strstr(s, "@B64@") != NULL) {
        char *t = api_replace(s, "@B64@", b64);
        free(s);
        s = t;
    }
    return s;
}

/* POST /sam/v1/signers/{signer}/key_pairs with body, expecting an error. */
static void assign_error(const char *signer_path, const char *body, long status, const char *code)
{
    char *path = api_printf("/sam/v1/signers/%s/key_pairs", signer_path);
    api_expect_error(h, SAMH_SSA, "POST", path, body, NULL, status, code);
    free(path);
}

Test(api_lifecycle, assignment, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    samh_response_t r;
    h = api_start(NULL);
    char *kp = api_generate(h, EC_TEMPLATE);

    /* Refusals first: none of them assigns anything. */
    char *body = api_assign_body(kp, "bob", NULL);
    assign_error("alice", body, 400, "invalid_request"); /* signer.id is not the path's */
    free(body);
    body = api_printf("{\"key_pair\":%s}", kp);
    assign_error("alice", body, 400, "invalid_request"); /* no signer */
    free(body);
    body = api_printf("{\"key_pair\":%s,\"signer\":\"alice\"}", kp);
    assign_error("alice", body, 400, "invalid_request"); /* ill-typed signer */
    free(body);
    body = api_printf("{\"key_pair\":%s,\"signer\":{\"name\":\"alice\"}}", kp);
    assign_error("alice", body, 400, "invalid_request"); /* signer without id */
    free(body);
    body = api_printf("{\"key_pair\":%s,\"signer\":{\"id\":7}}", kp);
    assign_error("alice", body, 400, "invalid_request"); /* ill-typed signer.id */
    free(body);
    body = api_printf("{\"key_pair\":%s,\"signer\":{\"id\":\"alice\"},\"subject\":42}", kp);
    assign_error("alice", body, 400, "invalid_request"); /* ill-typed subject */
    free(body);
    body = api_printf("{\"key_pair\":%s,\"signer\":{\"id\":\"alice\"},\"color\":\"red\"}", kp);
    assign_error("alice", body, 400, "invalid_request"); /* unknown member */
    free(body);
    assign_error("alice", "{\"signer\":{\"id\":\"alice\"}}", 400, "invalid_request");
    assign_error("alice", "{\"key_pair\":[],\"signer\":{\"id\":\"alice\"}}", 400,
                 "invalid_request");
    assign_error("alice", "{\"key_pair\":", 400, "invalid_request");
    assign_error("%zz", "{}", 400, "invalid_request"); /* malformed escape in the path */

    /* Success: 200 with the assigned key pair, signer object and subject kept. */
    char *named = api_generate(h, EC_TEMPLATE);
    body = api_printf("{\"key_pair\":%s,\"signer\":{\"id\":\"alice\",\"name\":\"Alice A.\"},"
                      "\"subject\":\"CN=Alice A.,O=Example\"}",
                      named);
    free(named);
    api_call(h, SAMH_SSA, "POST", "/sam/v1/signers/alice/key_pairs", body, NULL, &r);
    api_assert_status(&r, 200);
    sam_json_t *v = api_json(&r);
    const sam_json_t *akp = sam_json_get(v, "key_pair");
    cr_assert(v->u.obj.count == 1 && akp != NULL && akp->type == SAM_JSON_OBJECT, "%s", r.body);
    const sam_json_t *signer = sam_json_get(akp, "signer"), *subject = sam_json_get(akp, "subject");
    cr_assert(signer != NULL && signer->type == SAM_JSON_OBJECT, "%s", r.body);
    const sam_json_t *name = sam_json_get(signer, "name");
    cr_assert(name != NULL && name->type == SAM_JSON_STRING &&
                  strcmp(name->u.str.ptr, "Alice A.") == 0,
              "%s", r.body);
    cr_assert(subject != NULL && subject->type == SAM_JSON_STRING &&
                  strcmp(subject->u.str.ptr, "CN=Alice A.,O=Example") == 0,
              "%s", r.body);
    sam_json_free(v);
    samh_response_free(&r);
    free(body);

    char *assigned = api_assign(h, kp, "alice", NULL);
    api_assert_key_pair(assigned, "ECDSA", true, false, false, "alice");
    /* The same assignment again from the assigned copy: the same result. */
    char *again = api_assign(h, assigned, "alice", NULL);
    cr_assert_str_eq(again, assigned);
    free(again);
    /* The unassigned copy is an older copy now, for any signer (N12). */
    body = api_assign_body(kp, "alice", NULL);
    assign_error("alice", body, 400, "invalid_key_pair");
    free(body);
    body = api_assign_body(kp, "bob", NULL);
    assign_error("bob", body, 400, "invalid_key_pair");
    free(body);
    /* Another signer from the assigned copy. */
    body = api_assign_body(assigned, "bob", NULL);
    assign_error("bob", body, 409, "key_already_assigned");
    free(body);
    /* ... also after a restart: the store decides. */
    api_stop(h);
    api_restart(h);
    body = api_assign_body(kp, "bob", NULL);
    assign_error("bob", body, 400, "invalid_key_pair");
    free(body);
    body = api_assign_body(assigned, "bob", NULL);
    assign_error("bob", body, 409, "key_already_assigned");
    free(body);

    /* Two assignments of one key to different signers racing: exactly one wins (N14). */
    for (int round = 0; round < 3; round++) {
        char *k = api_generate(h, EC_TEMPLATE);
        samh_batch_t *b = samh_batch_new(h, round != 1);
        cr_assert_not_null(b);
        char *bodies[6], *paths[6];
        for (int i = 0; i < 6; i++) {
            char racer[16];
            snprintf(racer, sizeof(racer), "racer%d", i);
            bodies[i] = api_assign_body(k, racer, NULL);
            paths[i] = api_printf("/sam/v1/signers/%s/key_pairs", racer);
            samh_request_t req = {.method = "POST",
                                  .path = paths[i],
                                  .body = bodies[i],
                                  .body_len = strlen(bodies[i]),
                                  .client = SAMH_SSA,
                                  .timeout_ms = 60000};
            cr_assert_geq(samh_batch_add(b, &req), 0);
        }
        cr_assert_eq(samh_batch_wait(b, 90000), 0);
        int won = 0;
        for (size_t i = 0; i < 6; i++) {
            const samh_response_t *rr = samh_batch_response(b, i);
            if (rr->status == 200)
                won++;
            else if (rr->status == 400) /* came after the winner: an older copy (N12) */
                api_assert_error(rr, 400, "invalid_key_pair");
            else
                api_assert_error(rr, 409, "key_already_assigned");
        }
        cr_assert_eq(won, 1, "%d of 6 racing assignments won", won);
        samh_batch_free(b);
        for (int i = 0; i < 6; i++) {
            free(bodies[i]);
            free(paths[i]);
        }
        free(k);
    }

    /* Percent-encoded signer ids are decoded. */
    char *kp2 = api_generate(h, EC_TEMPLATE);
    body = api_assign_body(kp2, "carol smith", NULL);
    api_call(h, SAMH_SSA, "POST", "/sam/v1/signers/carol%20smith/key_pairs", body, NULL, &r);
    api_assert_status(&r, 200);
    samh_response_free(&r);
    free(body);

    free(kp2);
    free(assigned);
    free(kp);
    api_stop(h);
}

static void pop_ok(const char *kp, const char *alg, const char *scheme, const char *md)
{
    size_t cri_len = 0, sig_len = 0;
    samh_response_t r;
    uint8_t *cri = api_cri(kp, "Proof Of Possession", &cri_len);
    char *body = api_pop_body(kp, cri, cri_len, alg);
    api_call(h, SAMH_SSA, "POST", "/sam/v1/proofs_of_possession", body, NULL, &r);
    api_assert_status(&r, 200);
    sam_json_t *v = api_json(&r);
    const sam_json_t *sig = sam_json_get(v, "signature");
    cr_assert(v->u.obj.count == 1 && sig != NULL && sig->type == SAM_JSON_STRING, "%s", r.body);
    uint8_t *raw = api_unb64(sig->u.str.ptr, &sig_len);
    cr_assert(api_verify_data(kp, scheme, md, cri, cri_len, raw, sig_len),
              "%s proof of possession does not verify over the CRI", alg);
    free(raw);
    sam_json_free(v);
    samh_response_free(&r);
    free(body);
    free(cri);
}

Test(api_lifecycle, proof_of_possession, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *rsa = api_generate(h, RSA_TEMPLATE), *ec = api_generate(h, EC_TEMPLATE);
    /* Before assignment, and after: the key signs its own certification request. */
    pop_ok(rsa, "RS256", "RS", "sha256");
    pop_ok(rsa, "PS256", "PS", "sha256");
    pop_ok(rsa, "RS512", "RS", "sha512");
    pop_ok(ec, "ES256", "ES", "sha256");
    pop_ok(ec, "1.2.840.10045.4.3.3", "ES", "sha384");
    char *ec_assigned = api_assign(h, ec, "alice", NULL);
    pop_ok(ec_assigned, "ES256", "ES", "sha256");

    const char *P = "/sam/v1/proofs_of_possession";
    size_t cri_len = 0, other_len = 0;
    uint8_t *cri = api_cri(rsa, "x", &cri_len), *other_cri = api_cri(ec, "x", &other_len);
    char *body;
    /* Another key's certification request: never signed (threat N21). */
    body = api_pop_body(rsa, other_cri, other_len, "RS256");
    api_expect_error(h, SAMH_SSA, "POST", P, body, NULL, 400, "invalid_request");
    free(body);
    /* Not a certification request at all: a hash; a DER SPKI; the CRI with trailing bytes. */
    api_hash_t hash = api_hash(32);
    body = api_pop_body(rsa, hash.b, hash.len, "RS256");
    api_expect_error(h, SAMH_SSA, "POST", P, body, NULL, 400, "invalid_request");
    free(body);
    uint8_t *longer = malloc(cri_len + 2);
    memcpy(longer, cri, cri_len);
    longer[cri_len] = 0x05;
    longer[cri_len + 1] = 0x00;
    body = api_pop_body(rsa, longer, cri_len + 2, "RS256");
    api_expect_error(h, SAMH_SSA, "POST", P, body, NULL, 400, "invalid_request");
    free(body);
    free(longer);
    /* Algorithms: not fitting the key, unknown, the bare PSS OID (no hash). */
    body = api_pop_body(rsa, cri, cri_len, "ES256");
    api_expect_error(h, SAMH_SSA, "POST", P, body, NULL, 400, "unsupported_algorithm");
    free(body);
    body = api_pop_body(ec_assigned, other_cri, other_len, "RS256");
    api_expect_error(h, SAMH_SSA, "POST", P, body, NULL, 400, "unsupported_algorithm");
    free(body);
    body = api_pop_body(rsa, cri, cri_len, "RS1");
    api_expect_error(h, SAMH_SSA, "POST", P, body, NULL, 400, "unsupported_algorithm");
    free(body);
    body = api_pop_body(rsa, cri, cri_len, "1.2.840.113549.1.1.10");
    api_expect_error(h, SAMH_SSA, "POST", P, body, NULL, 400, "unsupported_algorithm");
    free(body);
    /* Request shape. */
    char *b64 = api_b64(cri, cri_len);
    static const char *const bad[] = {
        "{\"key_pair\":@KP@,\"request\":{\"dtbs\":\"@B64@\"}}",
        "{\"key_pair\":@KP@,\"request\":{\"dtbs\":\"@B64@!\",\"signature_algorithm\":\"RS256\"}}",
        "{\"key_pair\":@KP@,\"request\":{\"dtbs\":\"@B64@\",\"signature_algorithm\":256}}",
        "{\"key_pair\":@KP@,\"request\":{\"dtbs\":\"@B64@\",\"signature_algorithm\":\"RS256\","
        "\"x\":1}}",
        "{\"key_pair\":@KP@,\"request\":[\"@B64@\"]}",
        "{\"key_pair\":@KP@,\"dtbs\":\"@B64@\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        body = fill(bad[i], rsa, b64);
        api_expect_error(h, SAMH_SSA, "POST", P, body, NULL, 400, "invalid_request");
        free(body);
    }
    body = api_printf("{\"key_pair\":%s,\"request\":{\"dtbs\":\"\",\"signature_algorithm\":"
                      "\"RS256\"}}",
                      rsa);
    api_expect_error(h, SAMH_SSA, "POST", P, body, NULL, 400, "invalid_request");
    free(body);
    body = api_printf("{\"request\":{\"dtbs\":\"%s\",\"signature_algorithm\":\"RS256\"}}", b64);
    api_expect_error(h, SAMH_SSA, "POST", P, body, NULL, 400, "invalid_request");
    free(body);
    free(b64);
    free(cri);
    free(other_cri);
    free(ec_assigned);
    free(rsa);
    free(ec);
    api_stop(h);
}

Test(api_lifecycle, status_update, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    size_t cert_len = 0, other_len = 0;
    h = api_start(NULL);
    char *kp = api_generate(h, EC_TEMPLATE), *path = api_key_path(kp);
    char *other_kp = api_generate(h, EC_TEMPLATE);
    uint8_t *cert = api_issue_cert(kp, -60, 86400, &cert_len);
    uint8_t *other_cert = api_issue_cert(other_kp, -60, 86400, &other_len);
    char *body;

    /* Not assigned: not usable by anyone. */
    body = api_status_body(kp, "alice", true, true, cert, cert_len);
    api_expect_error(h, SAMH_SSA, "PUT", path, body, NULL, 409, "key_not_usable");
    free(body);
    char *assigned = api_assign(h, kp, "alice", "CN=Alice");
    /* Another signer. */
    body = api_status_body(assigned, "bob", true, true, cert, cert_len);
    api_expect_error(h, SAMH_SSA, "PUT", path, body, NULL, 409, "key_not_usable");
    free(body);
    /* The path names another key. */
    char *other_path = api_key_path(other_kp);
    body = api_status_body(assigned, "alice", true, true, cert, cert_len);
    api_expect_error(h, SAMH_SSA, "PUT", other_path, body, NULL, 400, "invalid_request");
    free(body);
    /* A certificate for another key, and one that is no certificate. */
    body = api_status_body(assigned, "alice", true, true, other_cert, other_len);
    api_expect_error(h, SAMH_SSA, "PUT", path, body, NULL, 400, "invalid_request");
    free(body);
    body = api_status_body(assigned, "alice", true, true, cert, cert_len - 1);
    api_expect_error(h, SAMH_SSA, "PUT", path, body, NULL, 400, "invalid_request");
    free(body);
    /* Shape. */
    static const char *const bad[] = {
        "{\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"}}",
        "{\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"},\"status\":{\"certified\":true}}",
        "{\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"},\"status\":{\"certified\":1,"
        "\"enabled\":true}}",
        "{\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"},\"status\":{\"certified\":true,"
        "\"enabled\":\"yes\"}}",
        "{\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"},\"status\":{\"certified\":true,"
        "\"enabled\":true,\"assigned\":true}}",
        "{\"key_pair\":@KP@,\"status\":{\"certified\":true,\"enabled\":true}}",
        "{\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"},\"status\":{\"certified\":true,"
        "\"enabled\":true},\"certificate\":\"not base64!\"}",
        "{\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"},\"status\":{\"certified\":true,"
        "\"enabled\":true},\"certificate\":17}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        body = fill(bad[i], assigned, NULL);
        api_expect_error(h, SAMH_SSA, "PUT", path, body, NULL, 400, "invalid_request");
        free(body);
    }

    /* Success: certified with the certificate, not yet enabled. */
    char *certified = api_update_status(h, assigned, "alice", true, false, cert, cert_len);
    api_assert_key_pair(certified, "ECDSA", true, true, false, "alice");
    char *cert_b64 = api_b64(cert, cert_len);
    char *got = api_kp_string(certified, "certificate");
    cr_assert_str_eq(got, cert_b64);
    free(got);
    /* The copy before the change is an older copy now (N12). */
    body = api_status_body(assigned, "alice", true, false, cert, cert_len);
    api_expect_error(h, SAMH_SSA, "PUT", path, body, NULL, 400, "invalid_key_pair");
    free(body);
    /* Enable without repeating the certificate: it stays. */
    char *enabled = api_update_status(h, certified, "alice", true, true, NULL, 0);
    api_assert_key_pair(enabled, "ECDSA", true, true, true, "alice");
    char *kept = api_kp_string(enabled, "certificate");
    cr_assert_str_eq(kept, cert_b64);
    free(kept);
    /* certified never goes back to false. */
    body = api_status_body(enabled, "alice", false, true, NULL, 0);
    api_expect_error(h, SAMH_SSA, "PUT", path, body, NULL, 400, "invalid_request");
    free(body);
    /* Disable again. */
    char *disabled = api_update_status(h, enabled, "alice", true, false, NULL, 0);
    api_assert_key_pair(disabled, "ECDSA", true, true, false, "alice");

    free(disabled);
    free(enabled);
    free(certified);
    free(cert_b64);
    free(other_path);
    free(assigned);
    free(cert);
    free(other_cert);
    free(other_kp);
    free(path);
    free(kp);
    api_stop(h);
}

/* Every function that takes a key pair, with kp: each must answer status/code. */
static void every_function_refuses(samh_t *sam, const char *kp, long status, const char *code)
{
    char *id = api_kp_string(kp, "id");
    char *path = api_printf("/sam/v1/key_pairs/%s", id != NULL ? id : "x");
    api_hash_t hash = api_hash(32);
    api_sad_t s = {.sub = "alice", .key_id = id, .hashes = &hash, .n_hashes = 1};
    char *sad = api_sad(sam, &s);
    api_req_t req = {hash.b, hash.len, "ES256", NULL, 0};

    char *body = api_sign_body(kp, "alice", NULL, &req, 1);
    api_expect_error(sam, SAMH_SSA, "POST", "/sam/v1/signatures", body, sad, status, code);
    free(body);
    body = api_assign_body(kp, "alice", NULL);
    api_expect_error(sam, SAMH_SSA, "POST", "/sam/v1/signers/alice/key_pairs", body, NULL, status,
                     code);
    free(body);
    body = api_assign_body(kp, "bob", NULL);
    api_expect_error(sam, SAMH_SSA, "POST", "/sam/v1/signers/bob/key_pairs", body, NULL, status,
                     code);
    free(body);
    /* The key pair is judged before the request's content. */
    body = api_pop_body(kp, hash.b, hash.len, "ES256");
    api_expect_error(sam, SAMH_SSA, "POST", "/sam/v1/proofs_of_possession", body, NULL, status,
                     code);
    free(body);
    body = api_status_body(kp, "alice", true, true, NULL, 0);
    api_expect_error(sam, SAMH_SSA, "PUT", path, body, NULL, status, code);
    free(body);
    body = api_printf("{\"key_pair\":%s}", kp);
    api_expect_error(sam, SAMH_SSA, "DELETE", path, body, NULL, status, code);
    free(body);
    free(sad);
    free(path);
    free(id);
}

Test(api_lifecycle, key_pair_integrity, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_ready_key(h, EC_TEMPLATE, "alice");
    char *unassigned = api_generate(h, EC_TEMPLATE);

    /* Any field changed. */
    const char *changes[][2] = {
        {"\"enabled\":true", "\"enabled\":false"},
        {"\"certified\":true", "\"certified\":false"},
        {"\"signer\":{\"id\":\"alice\"}", "\"signer\":{\"id\":\"alicf\"}"},
        {"\"signer\":{\"id\":\"alice\"}", "\"signer\":{\"id\":\"alice\",\"x\":1}"},
        {"\"subject\":\"CN=API test signer\"", "\"subject\":\"CN=API test signeR\""},
        {"\"subject\":\"CN=API test signer\"", "\"subject\":null"},
        {"\"named_curve\":\"secp256r1\"", "\"named_curve\":\"secp384r1\""},
        {"\"format\":1", "\"format\":2"},
        {"\"sam_id\":\"", "\"sam_id\":\"x"},
        {"\"algorithm\":\"ECDSA\"", "\"algorithm\":\"RSA\""},
        {"{", "{\"extra\":true,"},
    };
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        char *bad = api_replace(kp, changes[i][0], changes[i][1]);
        every_function_refuses(h, bad, 400, "invalid_key_pair");
        free(bad);
    }
    /* A flipped character in each base64 member. */
    const char *b64_members[] = {"\"id\":\"", "\"public_key\":\"", "\"private_key\":\"",
                                 "\"seal\":\"", "\"certificate\":\""};
    for (size_t i = 0; i < sizeof(b64_members) / sizeof(b64_members[0]); i++) {
        char *bad = strdup(kp);
        char *at = strstr(bad, b64_members[i]);
        cr_assert_not_null(at);
        at += strlen(b64_members[i]) + 5;
        *at = *at == 'A' ? 'B' : 'A';
        every_function_refuses(h, bad, 400, "invalid_key_pair");
        free(bad);
    }
    /* The unassigned object claiming to be assigned. */
    char *claimed = api_replace(unassigned, "\"assigned\":false", "\"assigned\":true");
    every_function_refuses(h, claimed, 400, "invalid_key_pair");
    free(claimed);

    /* Another SAM's object (its own token, module keys and seal key). */
    other = api_start(NULL);
    char *foreign = api_ready_key(other, EC_TEMPLATE, "alice");
    /* It is good on its own SAM ... */
    char *foreign_id = api_kp_string(foreign, "id");
    api_hash_t fh = api_hash(32);
    api_sad_t fs = {.sub = "alice", .key_id = foreign_id, .hashes = &fh, .n_hashes = 1};
    char *fsad = api_sad(other, &fs);
    api_sign_one_ok(other, foreign, "alice", fsad, "ES256", &fh);
    free(fsad);
    free(foreign_id);
    /* ... and nothing here. */
    every_function_refuses(h, foreign, 400, "invalid_key_pair");
    char *foreign_new = api_generate(other, EC_TEMPLATE);
    every_function_refuses(h, foreign_new, 400, "invalid_key_pair");
    api_stop(other);

    /* The genuine objects still work. */
    char *id = api_kp_string(kp, "id");
    api_hash_t hash = api_hash(32);
    api_sad_t s = {.sub = "alice", .key_id = id, .hashes = &hash, .n_hashes = 1};
    char *sad = api_sad(h, &s);
    api_sign_one_ok(h, kp, "alice", sad, "ES256", &hash);
    free(sad);
    free(id);
    free(foreign);
    free(foreign_new);
    free(unassigned);
    free(kp);
    api_stop(h);
}

Test(api_lifecycle, deletion, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    samh_response_t r;
    h = api_start(NULL);
    size_t cert_len = 0;
    char *generated = api_generate(h, EC_TEMPLATE);
    char *assigned = api_assign(h, generated, "alice", NULL);
    uint8_t *cert = api_issue_cert(assigned, -60, 86400, &cert_len);
    char *ready = api_update_status(h, assigned, "alice", true, true, cert, cert_len);
    free(cert);
    char *fresh = api_generate(h, EC_TEMPLATE);
    char *path = api_key_path(ready), *fresh_path = api_key_path(fresh);
    char *body;

    /* Shape: path id must be the body's; a key_pair is needed. */
    body = api_printf("{\"key_pair\":%s}", ready);
    api_expect_error(h, SAMH_SSA, "DELETE", fresh_path, body, NULL, 400, "invalid_request");
    api_expect_error(h, SAMH_SSA, "DELETE", path, "{}", NULL, 400, "invalid_request");
    api_expect_error(h, SAMH_SSA, "DELETE", path, "{\"key_pair\":{}", NULL, 400,
                     "invalid_request");
    char *extra = api_printf("{\"key_pair\":%s,\"reason\":\"x\"}", ready);
    api_expect_error(h, SAMH_SSA, "DELETE", path, extra, NULL, 400, "invalid_request");
    free(extra);
    /* A deletion SAD must be right when given. */
    char *id = api_kp_string(ready, "id");
    api_sad_t wrong = {.sub = "bob", .key_id = id, .purpose = "key_deletion"};
    char *bad_sad = api_sad(h, &wrong);
    api_expect_error(h, SAMH_SSA, "DELETE", path, body, bad_sad, 403, "invalid_sad");
    free(bad_sad);
    api_sad_t sig_purpose = {.sub = "alice", .key_id = id, .purpose = "signature",
                             .hashes = (api_hash_t[]){api_hash(32)}, .n_hashes = 1};
    bad_sad = api_sad(h, &sig_purpose);
    api_expect_error(h, SAMH_SSA, "DELETE", path, body, bad_sad, 403, "invalid_sad");
    free(bad_sad);

    /* Deleted with the signer's SAD: 204, no body. */
    api_sad_t del = {.sub = "alice", .key_id = id, .purpose = "key_deletion"};
    char *sad = api_sad(h, &del);
    api_call(h, SAMH_SSA, "DELETE", path, body, sad, &r);
    api_assert_status(&r, 204);
    samh_response_free(&r);
    free(sad);
    free(body);
    /* From then on every call with it is 410, deletion included. */
    every_function_refuses(h, ready, 410, "key_deleted");
    /* Any copy of it: the unassigned and the assigned ones too. */
    every_function_refuses(h, generated, 410, "key_deleted");
    every_function_refuses(h, assigned, 410, "key_deleted");

    /* An unassigned key without a SAD. */
    body = api_printf("{\"key_pair\":%s}", fresh);
    api_call(h, SAMH_SSA, "DELETE", fresh_path, body, NULL, &r);
    api_assert_status(&r, 204);
    samh_response_free(&r);
    free(body);
    every_function_refuses(h, fresh, 410, "key_deleted");

    /* After a restart still deleted. */
    api_stop(h);
    api_restart(h);
    every_function_refuses(h, ready, 410, "key_deleted");
    every_function_refuses(h, fresh, 410, "key_deleted");
    every_function_refuses(h, generated, 410, "key_deleted");

    free(generated);
    free(assigned);
    free(id);
    free(path);
    free(fresh_path);
    free(ready);
    free(fresh);
    api_stop(h);
}

/* An older genuine copy after a change is refused by every function (N12). */
Test(api_lifecycle, older_copy_after_a_change, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *generated = api_generate(h, EC_TEMPLATE);
    char *assigned = api_assign(h, generated, "alice", NULL);
    /* The copy from before the assignment. */
    every_function_refuses(h, generated, 400, "invalid_key_pair");
    size_t cert_len = 0;
    uint8_t *cert = api_issue_cert(assigned, -60, 86400, &cert_len);
    char *enabled = api_update_status(h, assigned, "alice", true, true, cert, cert_len);
    every_function_refuses(h, assigned, 400, "invalid_key_pair");
    /* Disabled by a status update: the enabled copy from before no longer signs. */
    char *disabled = api_update_status(h, enabled, "alice", true, false, NULL, 0);
    every_function_refuses(h, enabled, 400, "invalid_key_pair");
    char *id = api_kp_string(disabled, "id");
    api_hash_t x = api_hash(32);
    api_sad_t s = {.sub = "alice", .key_id = id, .hashes = &x, .n_hashes = 1};
    char *sad = api_sad(h, &s);
    api_req_t req = {x.b, x.len, "ES256", NULL, 0};
    char *body = api_sign_body(enabled, "alice", NULL, &req, 1);
    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/signatures", body, sad, 400,
                     "invalid_key_pair");
    free(body);
    /* ... also after a restart: the store keeps the revision. */
    api_stop(h);
    api_restart(h);
    every_function_refuses(h, enabled, 400, "invalid_key_pair");
    every_function_refuses(h, generated, 400, "invalid_key_pair");
    /* The newest copy works; the SAD was not spent by the refusals: nothing was signed. */
    char *again = api_update_status(h, disabled, "alice", true, true, NULL, 0);
    api_sign_one_ok(h, again, "alice", sad, "ES256", &x);
    every_function_refuses(h, disabled, 400, "invalid_key_pair");

    free(again);
    free(sad);
    free(id);
    free(disabled);
    free(enabled);
    free(cert);
    free(assigned);
    free(generated);
    api_stop(h);
}
