/*
 * POST /sam/v1/signatures over real HTTP/2 and mutual TLS: every signature
 * algorithm, verified with OpenSSL in request order; request validation;
 * keys that may not sign; SAD usage (replay one after another, in parallel,
 * after a restart); and that a refused request changes nothing. SAD
 * refusals are in test_api_sad.c. See api_support.h.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "api_support.h"

static samh_t *h;

static void teardown(void)
{
    samh_free(h);
    h = NULL;
}

#define EC_TEMPLATE "{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}"
#define RSA_TEMPLATE "{\"algorithm\":\"RSA\",\"size\":2048}"
#define SIGN "/sam/v1/signatures"

/* A signature SAD of alice for key kp over hashes. */
static char *sad_for(const char *kp, const api_hash_t *hashes, size_t n, int num)
{
    char *id = api_kp_string(kp, "id");
    api_sad_t s = {.sub = "alice", .key_id = id, .hashes = hashes, .n_hashes = n,
                   .num_signatures = num};
    char *sad = api_sad(h, &s);
    free(id);
    return sad;
}

static void sign_error(const char *kp, const char *sad, const api_req_t *reqs, size_t n,
                       const char *top_alg, long status, const char *code)
{
    char *body = api_sign_body(kp, "alice", top_alg, reqs, n);
    api_expect_error(h, SAMH_SSA, "POST", SIGN, body, sad, status, code);
    free(body);
}

Test(api_signatures, rsa_pkcs1_and_pss, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_ready_key(h, RSA_TEMPLATE, "alice");
    api_hash_t h1 = api_hash(32), h2 = api_hash(48), h3 = api_hash(64), h4 = api_hash(32),
               h5 = api_hash(32), h6 = api_hash(32), h7 = api_hash(32), h8 = api_hash(48);
    uint8_t p222[128], p0[128], p384[128], p256_32[128];
    size_t l222 = api_pss_params("sha256", 222, p222), l0 = api_pss_params("sha256", 0, p0);
    size_t l384 = api_pss_params("sha384", 48, p384);
    size_t l256_32 = api_pss_params("sha256", 32, p256_32);
    const char *PSS = "1.2.840.113549.1.1.10";

    /* One call: a top-level RS256, overridden per request; every kind of RSA signature. */
    api_req_t reqs[] = {
        {h1.b, h1.len, NULL, NULL, 0},                      /* RS256 from the top level */
        {h2.b, h2.len, "RS384", NULL, 0},                   /* override */
        {h3.b, h3.len, "RS512", NULL, 0},
        {h4.b, h4.len, "PS256", NULL, 0},
        {h5.b, h5.len, PSS, NULL, 0},                       /* PSS OID, hash from the length */
        {h6.b, h6.len, PSS, p222, l222},                    /* maximum salt for RSA-2048 */
        {h7.b, h7.len, PSS, p0, l0},                        /* no salt */
        {h8.b, h8.len, PSS, p384, l384},                    /* SHA-384 parameters */
        {h1.b, h1.len, "1.2.840.113549.1.1.11", NULL, 0},   /* RS256 by OID, same hash again */
    };
    api_hash_t listed[] = {h1, h2, h3, h4, h5, h6, h7, h8, h1};
    size_t n = sizeof(reqs) / sizeof(reqs[0]);
    char *sad = sad_for(kp, listed, n, 0);
    uint8_t *sigs[9];
    size_t lens[9];
    api_sign_ok(h, kp, "alice", sad, "RS256", reqs, n, sigs, lens);
    struct {
        const char *scheme, *md;
        int salt;
    } expect[] = {{"RS", "sha256", 0},  {"RS", "sha384", 0}, {"RS", "sha512", 0},
                  {"PS", "sha256", 32}, {"PS", "sha256", 32}, {"PS", "sha256", 222},
                  {"PS", "sha256", 0},  {"PS", "sha384", 48}, {"RS", "sha256", 0}};
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(lens[i], 256, "signature %zu has %zu bytes", i, lens[i]);
        cr_assert(api_verify(kp, expect[i].scheme, expect[i].md, expect[i].salt, reqs[i].dtbs,
                             reqs[i].len, sigs[i], lens[i]),
                  "signature %zu does not verify as %s %s salt %d", i, expect[i].scheme,
                  expect[i].md, expect[i].salt);
    }
    /* In request order: signature 0 is not over hash 3. */
    cr_assert_not(api_verify(kp, "RS", "sha256", 0, h4.b, h4.len, sigs[0], lens[0]));
    /* PKCS#1 v1.5 is deterministic: the same hash twice, the same signature. */
    cr_assert_eq(memcmp(sigs[0], sigs[8], 256), 0);
    for (size_t i = 0; i < n; i++)
        free(sigs[i]);
    free(sad);

    /*
     * PSS parameters with an MGF1 hash of their own: signed with exactly those where the
     * module can (SoftHSMv2 cannot: it ties MGF1 to the hash, and the SAM then answers 400
     * unsupported_algorithm, spending nothing).
     */
    {
        api_hash_t y = api_hash(32);
        uint8_t pm[128];
        size_t lm = api_pss_params_mgf("sha256", "sha512", 20, pm);
        char *sad_m = sad_for(kp, &y, 1, 0);
        api_req_t rm = {y.b, y.len, PSS, pm, lm};
        char *bm = api_sign_body(kp, "alice", NULL, &rm, 1);
        samh_response_t r;
        api_call(h, SAMH_SSA, "POST", SIGN, bm, sad_m, &r);
        if (r.status == 200) {
            uint8_t *sm = NULL;
            size_t sml = 0;
            sam_json_t *v = api_json(&r);
            const sam_json_t *arr = sam_json_get(v, "signatures");
            cr_assert(arr != NULL && arr->type == SAM_JSON_ARRAY && arr->u.arr.count == 1);
            sm = api_unb64(sam_json_get(arr->u.arr.items[0], "signature")->u.str.ptr, &sml);
            cr_assert(api_verify_pss(kp, "sha256", "sha512", 20, y.b, y.len, sm, sml),
                      "PSS with MGF1-SHA-512 does not verify");
            free(sm);
            sam_json_free(v);
        } else {
            api_assert_error(&r, 400, "unsupported_algorithm");
            api_sign_one_ok(h, kp, "alice", sad_m, "PS256", &y);
        }
        samh_response_free(&r);
        free(bm);
        free(sad_m);
    }

    /* PSS parameters that do not fit: salt over the maximum, hash not the dtbs length. */
    api_hash_t x = api_hash(32);
    char *sad2 = sad_for(kp, &x, 1, 0);
    uint8_t p223[128];
    size_t l223 = api_pss_params("sha256", 223, p223);
    api_req_t too_salty = {x.b, x.len, PSS, p223, l223};
    sign_error(kp, sad2, &too_salty, 1, NULL, 400, "unsupported_algorithm");
    api_req_t wrong_hash = {x.b, x.len, PSS, p384, l384};
    sign_error(kp, sad2, &wrong_hash, 1, NULL, 400, "invalid_request");
    api_req_t not_der = {x.b, x.len, PSS, (const uint8_t *)"\x30\x03\x02\x01", 4};
    sign_error(kp, sad2, &not_der, 1, NULL, 400, "invalid_request");
    api_req_t params_with_ps256 = {x.b, x.len, "PS256", p256_32, l256_32};
    sign_error(kp, sad2, &params_with_ps256, 1, NULL, 400, "invalid_request");
    /* ECDSA on an RSA key. */
    api_req_t es = {x.b, x.len, "ES256", NULL, 0};
    sign_error(kp, sad2, &es, 1, NULL, 400, "unsupported_algorithm");
    /* None of it spent the SAD. */
    api_sign_one_ok(h, kp, "alice", sad2, "PS256", &x);
    free(sad2);
    free(kp);
    api_stop(h);
}

Test(api_signatures, ecdsa_and_request_validation, .fini = teardown,
     .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_ready_key(h, EC_TEMPLATE, "alice");
    api_hash_t h1 = api_hash(32), h2 = api_hash(32), h3 = api_hash(48), h4 = api_hash(64);
    api_hash_t listed[] = {h1, h2, h3, h4};
    char *sad = sad_for(kp, listed, 4, 0);

    /* Refusals before the success, with the same SAD: none of them spends it. */
    api_req_t rs = {h1.b, h1.len, "RS256", NULL, 0};
    sign_error(kp, sad, &rs, 1, NULL, 400, "unsupported_algorithm"); /* RSA alg on an EC key */
    api_req_t unknown = {h1.b, h1.len, "ES255", NULL, 0};
    sign_error(kp, sad, &unknown, 1, NULL, 400, "unsupported_algorithm");
    api_req_t pss_params = {h1.b, h1.len, "ES256", (const uint8_t *)"\x30\x00", 2};
    sign_error(kp, sad, &pss_params, 1, NULL, 400, "invalid_request");
    api_req_t short_hash = {h1.b, 31, "ES256", NULL, 0};
    sign_error(kp, sad, &short_hash, 1, NULL, 400, "invalid_request");
    api_req_t mismatch = {h3.b, h3.len, "ES256", NULL, 0}; /* 48 bytes for ES256 */
    sign_error(kp, sad, &mismatch, 1, NULL, 400, "invalid_request");
    api_req_t no_alg = {h1.b, h1.len, NULL, NULL, 0};
    sign_error(kp, sad, &no_alg, 1, NULL, 400, "invalid_request");
    /* One bad request fails the whole call. */
    api_req_t mixed[] = {{h1.b, h1.len, "ES256", NULL, 0}, {h2.b, 33, "ES256", NULL, 0}};
    sign_error(kp, sad, mixed, 2, NULL, 400, "invalid_request");

    /* Shapes. */
    char *b1 = api_b64(h1.b, h1.len);
    static const char *const bad[] = {
        "{\"requests\":[{\"dtbs\":\"@H@\",\"signature_algorithm\":\"ES256\"}],"
        "\"key_pair\":@KP@}", /* no signer */
        "{\"requests\":[{\"dtbs\":\"@H@\",\"signature_algorithm\":\"ES256\"}],"
        "\"key_pair\":@KP@,\"signer\":{}}", /* no signer.id */
        "{\"requests\":[{\"dtbs\":\"@H@\",\"signature_algorithm\":\"ES256\"}],"
        "\"key_pair\":@KP@,\"signer\":\"alice\"}", /* ill-typed signer */
        "{\"requests\":[{\"dtbs\":\"@H@\",\"signature_algorithm\":\"ES256\"}],"
        "\"signer\":{\"id\":\"alice\"}}", /* no key_pair */
        "{\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"}}", /* no requests */
        "{\"requests\":[],\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"}}",
        "{\"requests\":{\"dtbs\":\"@H@\"},\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"}}",
        "{\"requests\":[\"@H@\"],\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"}}",
        "{\"requests\":[{\"signature_algorithm\":\"ES256\"}],\"key_pair\":@KP@,"
        "\"signer\":{\"id\":\"alice\"}}", /* no dtbs */
        "{\"requests\":[{\"dtbs\":7,\"signature_algorithm\":\"ES256\"}],\"key_pair\":@KP@,"
        "\"signer\":{\"id\":\"alice\"}}",
        "{\"requests\":[{\"dtbs\":\"@H@\",\"signature_algorithm\":256}],\"key_pair\":@KP@,"
        "\"signer\":{\"id\":\"alice\"}}",
        "{\"signature_algorithm\":[\"ES256\"],\"requests\":[{\"dtbs\":\"@H@\"}],"
        "\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"}}",
        "{\"requests\":[{\"dtbs\":\"@H@\",\"signature_algorithm\":\"ES256\",\"x\":1}],"
        "\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"}}", /* unknown member */
        "{\"requests\":[{\"dtbs\":\"@H@\",\"signature_algorithm\":\"ES256\"}],"
        "\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"},\"hashes\":[]}", /* unknown member */
        "{\"requests\":[{\"dtbs\":\"%%@H@\",\"signature_algorithm\":\"ES256\"}],"
        "\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"}}", /* bad base64 */
        "{\"requests\":[{\"dtbs\":\"@H@\",\"signature_algorithm\":\"ES256\"}],"
        "\"key_pair\":@KP@,\"signer\":{\"id\":\"alice\"}", /* truncated */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *t = api_subst(bad[i], "@KP@", kp);
        char *body = api_subst(t, "@H@", b1);
        api_expect_error(h, SAMH_SSA, "POST", SIGN, body, sad, 400, "invalid_request");
        free(body);
        free(t);
    }
    /* More requests than limits.max_hashes_per_request (1000). */
    {
        sam_strbuf_t many = SAM_STRBUF_INIT;
        sam_strbuf_puts(&many, "{\"signature_algorithm\":\"ES256\",\"requests\":[");
        for (int i = 0; i < 1001; i++)
            sam_strbuf_printf(&many, "%s{\"dtbs\":\"%s\"}", i ? "," : "", b1);
        sam_strbuf_printf(&many, "],\"key_pair\":%s,\"signer\":{\"id\":\"alice\"}}", kp);
        cr_assert_eq(sam_strbuf_finish(&many), 0);
        api_expect_error(h, SAMH_SSA, "POST", SIGN, many.ptr, sad, 400, "invalid_request");
        sam_strbuf_free(&many);
    }
    /* Bad base64: not padded, URL alphabet. */
    char *unpadded = strdup(b1);
    unpadded[strlen(unpadded) - 1] = '\0';
    char *body = api_printf("{\"requests\":[{\"dtbs\":\"%s\",\"signature_algorithm\":\"ES256\"}],"
                            "\"key_pair\":%s,\"signer\":{\"id\":\"alice\"}}",
                            unpadded, kp);
    api_expect_error(h, SAMH_SSA, "POST", SIGN, body, sad, 400, "invalid_request");
    free(body);
    free(unpadded);
    uint8_t ones[32];
    memset(ones, 0xff, sizeof(ones));
    char *url = api_b64(ones, sizeof(ones)); /* "////...": in base64url "____..." */
    for (char *c = url; *c != '\0'; c++)
        *c = *c == '/' ? '_' : *c == '+' ? '-' : *c;
    body = api_printf("{\"requests\":[{\"dtbs\":\"%s\",\"signature_algorithm\":\"ES256\"}],"
                      "\"key_pair\":%s,\"signer\":{\"id\":\"alice\"}}",
                      url, kp);
    api_expect_error(h, SAMH_SSA, "POST", SIGN, body, sad, 400, "invalid_request");
    free(body);
    free(url);

    /* ES256, ES384 and ES512 (not tied to the curve) in one call, a top-level ES256. */
    api_req_t reqs[] = {{h1.b, h1.len, NULL, NULL, 0},
                        {h2.b, h2.len, "1.2.840.10045.4.3.2", NULL, 0},
                        {h3.b, h3.len, "ES384", NULL, 0},
                        {h4.b, h4.len, "ES512", NULL, 0}};
    uint8_t *sigs[4];
    size_t lens[4];
    api_sign_ok(h, kp, "alice", sad, "ES256", reqs, 4, sigs, lens);
    const char *mds[] = {"sha256", "sha256", "sha384", "sha512"};
    for (size_t i = 0; i < 4; i++) {
        /* DER Ecdsa-Sig-Value */
        cr_assert(lens[i] >= 8 && sigs[i][0] == 0x30, "signature %zu is not DER", i);
        cr_assert(api_verify(kp, "ES", mds[i], -1, reqs[i].dtbs, reqs[i].len, sigs[i], lens[i]),
                  "signature %zu does not verify", i);
        if (i > 0)
            cr_assert_not(api_verify(kp, "ES", mds[i - 1], -1, reqs[i - 1].dtbs, reqs[i - 1].len,
                                     sigs[i], lens[i]),
                          "signature %zu verifies over hash %zu", i, i - 1);
        free(sigs[i]);
    }
    /* The SAD is spent now. */
    api_req_t again = {h1.b, h1.len, "ES256", NULL, 0};
    sign_error(kp, sad, &again, 1, NULL, 403, "sad_exhausted");

    /* P-384 and P-521 keys, ES384 and ES512; over HTTP/1.1 too. */
    const char *curves[] = {"P-384", "P-521"}, *algs[] = {"ES384", "ES512"};
    size_t hlen[] = {48, 64};
    for (size_t i = 0; i < 2; i++) {
        char *t = api_printf("{\"algorithm\":\"ECDSA\",\"named_curve\":\"%s\"}", curves[i]);
        char *k = api_ready_key(h, t, "alice");
        api_hash_t y = api_hash(hlen[i]);
        char *s = sad_for(k, &y, 1, 0);
        api_req_t ry = {y.b, y.len, algs[i], NULL, 0};
        char *by = api_sign_body(k, "alice", NULL, &ry, 1);
        samh_request_t req = {.method = "POST",
                              .path = SIGN,
                              .body = by,
                              .body_len = strlen(by),
                              .sad = s,
                              .client = SAMH_SSA,
                              .http1 = true};
        samh_response_t r;
        cr_assert_eq(samh_request(h, &req, &r), 0, "%s", r.error);
        api_assert_status(&r, 200);
        cr_assert_eq(r.http_version, CURL_HTTP_VERSION_1_1);
        sam_json_t *v = api_json(&r);
        const sam_json_t *arr = sam_json_get(v, "signatures");
        cr_assert(arr != NULL && arr->type == SAM_JSON_ARRAY && arr->u.arr.count == 1, "%s",
                  r.body);
        size_t sl = 0;
        uint8_t *sg = api_unb64(sam_json_get(arr->u.arr.items[0], "signature")->u.str.ptr, &sl);
        cr_assert(api_verify(k, "ES", hlen[i] == 48 ? "sha384" : "sha512", -1, y.b, y.len, sg,
                             sl),
                  "%s with %s does not verify", algs[i], curves[i]);
        free(sg);
        sam_json_free(v);
        samh_response_free(&r);
        free(by);
        free(s);
        free(k);
        free(t);
    }
    free(b1);
    free(sad);
    free(kp);
    api_stop(h);
}

Test(api_signatures, keys_that_may_not_sign, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    size_t cert_len = 0, old_len = 0;
    h = api_start(NULL);
    api_hash_t x = api_hash(32);
    api_req_t req = {x.b, x.len, "ES256", NULL, 0};

    char *generated = api_generate(h, EC_TEMPLATE);
    char *sad = sad_for(generated, &x, 1, 0);
    /* Not assigned. */
    sign_error(generated, sad, &req, 1, NULL, 409, "key_not_usable");
    /* Assigned, not certified. */
    char *assigned = api_assign(h, generated, "alice", NULL);
    sign_error(assigned, sad, &req, 1, NULL, 409, "key_not_usable");
    /* Certified, disabled. */
    uint8_t *cert = api_issue_cert(assigned, -60, 86400, &cert_len);
    char *disabled = api_update_status(h, assigned, "alice", true, false, cert, cert_len);
    sign_error(disabled, sad, &req, 1, NULL, 409, "key_not_usable");
    /* Enabled, but another signer asks (with a SAD for that signer). */
    char *ready = api_update_status(h, disabled, "alice", true, true, NULL, 0);
    char *id = api_kp_string(ready, "id");
    api_sad_t bob = {.sub = "bob", .key_id = id, .hashes = &x, .n_hashes = 1};
    char *bob_sad = api_sad(h, &bob);
    char *body = api_sign_body(ready, "bob", NULL, &req, 1);
    api_expect_error(h, SAMH_SSA, "POST", SIGN, body, bob_sad, 409, "key_not_usable");
    free(body);
    free(bob_sad);
    /* An older copy of the object: refused as such, whatever it says (N12). */
    sign_error(disabled, sad, &req, 1, NULL, 400, "invalid_key_pair");
    /* With a certificate out of its validity period. */
    uint8_t *old = api_issue_cert(assigned, -7200, -3600, &old_len);
    char *expired = api_update_status(h, ready, "alice", true, true, old, old_len);
    sign_error(expired, sad, &req, 1, NULL, 409, "key_not_usable");
    uint8_t *future = api_issue_cert(assigned, 3600, 7200, &old_len);
    char *not_yet = api_update_status(h, expired, "alice", true, true, future, old_len);
    sign_error(not_yet, sad, &req, 1, NULL, 409, "key_not_usable");
    char *valid = api_update_status(h, not_yet, "alice", true, true, cert, cert_len);
    /* The enabled copy from before those changes: an older copy, nothing signed (N12). */
    sign_error(ready, sad, &req, 1, NULL, 400, "invalid_key_pair");
    /* Disabled by a status update: the enabled copy before it no longer signs (N12). */
    char *off = api_update_status(h, valid, "alice", true, false, NULL, 0);
    sign_error(valid, sad, &req, 1, NULL, 400, "invalid_key_pair");
    sign_error(off, sad, &req, 1, NULL, 409, "key_not_usable");
    char *on = api_update_status(h, off, "alice", true, true, NULL, 0);

    /* None of it spent the SAD: the newest copy signs with it once. */
    api_sign_one_ok(h, on, "alice", sad, "ES256", &x);
    sign_error(on, sad, &req, 1, NULL, 403, "sad_exhausted");

    free(on);
    free(off);
    free(valid);
    free(not_yet);
    free(future);
    free(expired);
    free(old);
    free(id);
    free(ready);
    free(disabled);
    free(cert);
    free(assigned);
    free(sad);
    free(generated);
    api_stop(h);
}

Test(api_signatures, sad_usage_is_counted, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_ready_key(h, EC_TEMPLATE, "alice");
    char *id = api_kp_string(kp, "id");
    api_hash_t a = api_hash(32), b = api_hash(32), c = api_hash(32), d = api_hash(32);

    /* Replay one after another: one signature per listed hash. */
    char *sad = sad_for(kp, &a, 1, 0);
    api_sign_one_ok(h, kp, "alice", sad, "ES256", &a);
    api_req_t ra = {a.b, a.len, "ES256", NULL, 0}, rb = {b.b, b.len, "ES256", NULL, 0},
              rc = {c.b, c.len, "ES256", NULL, 0}, rd = {d.b, d.len, "ES256", NULL, 0};
    sign_error(kp, sad, &ra, 1, NULL, 403, "sad_exhausted");
    /* ... also after a restart. */
    api_stop(h);
    api_restart(h);
    sign_error(kp, sad, &ra, 1, NULL, 403, "sad_exhausted");
    free(sad);

    /* Spent over several calls; a hash listed once cannot be signed twice. */
    api_hash_t two[] = {a, b};
    sad = sad_for(kp, two, 2, 0);
    api_sign_one_ok(h, kp, "alice", sad, "ES256", &a);
    sign_error(kp, sad, &ra, 1, NULL, 403, "sad_exhausted");
    /* Hash not authorized: refused, and nothing spent ... */
    sign_error(kp, sad, &rc, 1, NULL, 403, "invalid_sad");
    api_req_t bc[] = {rb, rc};
    sign_error(kp, sad, bc, 2, NULL, 403, "invalid_sad");
    /* ... so b still signs. */
    api_sign_one_ok(h, kp, "alice", sad, "ES256", &b);
    sign_error(kp, sad, &rb, 1, NULL, 403, "sad_exhausted");
    free(sad);

    /* A hash listed once, requested twice in one call: more often than listed. */
    sad = sad_for(kp, &a, 1, 0);
    api_req_t twice[] = {ra, ra};
    sign_error(kp, sad, twice, 2, NULL, 403, "sad_exhausted");
    api_req_t twice_and_other[] = {ra, ra, rb};
    sign_error(kp, sad, twice_and_other, 3, NULL, 403, "invalid_sad");
    api_sign_one_ok(h, kp, "alice", sad, "ES256", &a);
    free(sad);

    /* A hash listed twice: two signatures, in one call or two. */
    api_hash_t aab[] = {a, a, b};
    sad = sad_for(kp, aab, 3, 0);
    api_req_t aa[] = {ra, ra};
    uint8_t *sigs[3];
    size_t lens[3];
    api_sign_ok(h, kp, "alice", sad, NULL, aa, 2, sigs, lens);
    free(sigs[0]);
    free(sigs[1]);
    sign_error(kp, sad, &ra, 1, NULL, 403, "sad_exhausted");
    api_sign_one_ok(h, kp, "alice", sad, "ES256", &b);
    free(sad);

    /* num_signatures below the number of hashes. */
    api_hash_t abcd[] = {a, b, c, d};
    sad = sad_for(kp, abcd, 4, 2);
    api_req_t abc[] = {ra, rb, rc};
    sign_error(kp, sad, abc, 3, NULL, 403, "sad_exhausted"); /* 3 > 2 at once */
    api_sign_one_ok(h, kp, "alice", sad, "ES256", &a);
    api_sign_one_ok(h, kp, "alice", sad, "ES256", &b);
    sign_error(kp, sad, &rc, 1, NULL, 403, "sad_exhausted");
    sign_error(kp, sad, &rd, 1, NULL, 403, "sad_exhausted");
    free(sad);

    /* Usage is recorded per jti: another SAD under a spent jti signs nothing more. */
    api_sad_t first = {.sub = "alice", .key_id = id, .hashes = &a, .n_hashes = 1,
                       .jti = "shared-jti"};
    sad = api_sad(h, &first);
    api_sign_one_ok(h, kp, "alice", sad, "ES256", &a);
    free(sad);
    api_sad_t second = {.sub = "alice", .key_id = id, .hashes = &b, .n_hashes = 1,
                        .jti = "shared-jti"};
    sad = api_sad(h, &second);
    sign_error(kp, sad, &rb, 1, NULL, 403, "sad_exhausted");
    free(sad);

    /* A refused key does not spend: a disabled copy first, then the real one. */
    sad = sad_for(kp, &c, 1, 0);
    char *disabled = api_update_status(h, kp, "alice", true, false, NULL, 0);
    sign_error(disabled, sad, &rc, 1, NULL, 409, "key_not_usable");
    char *enabled = api_update_status(h, disabled, "alice", true, true, NULL, 0);
    api_sign_one_ok(h, enabled, "alice", sad, "ES256", &c);
    free(sad);
    free(disabled);
    free(enabled);
    free(id);
    free(kp);
    api_stop(h);
}

/* 8 parallel requests with a SAD for one signature: exactly one is signed (threat N5). */
static void race(const char *kp, bool one_connection)
{
    api_hash_t x = api_hash(32);
    char *sad = sad_for(kp, &x, 1, 0);
    api_req_t req = {x.b, x.len, "ES256", NULL, 0};
    char *body = api_sign_body(kp, "alice", NULL, &req, 1);
    samh_batch_t *b = samh_batch_new(h, one_connection);
    cr_assert_not_null(b);
    for (int i = 0; i < 8; i++) {
        samh_request_t r = {.method = "POST",
                            .path = SIGN,
                            .body = body,
                            .body_len = strlen(body),
                            .sad = sad,
                            .client = SAMH_SSA,
                            .timeout_ms = 60000};
        cr_assert_geq(samh_batch_add(b, &r), 0);
    }
    cr_assert_eq(samh_batch_wait(b, 90000), 0, "not all requests were answered");
    int ok = 0;
    for (size_t i = 0; i < 8; i++) {
        const samh_response_t *r = samh_batch_response(b, i);
        if (r->status == 200) {
            ok++;
            api_assert_status(r, 200);
        } else {
            api_assert_error(r, 403, "sad_exhausted");
        }
    }
    cr_assert_eq(ok, 1, "%d of 8 parallel requests were signed", ok);
    if (one_connection)
        cr_assert_eq(samh_batch_connections(b), 1);
    samh_batch_free(b);
    free(body);
    free(sad);
}

Test(api_signatures, concurrent_replay, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    samh_options_t o = {.workers = 4, .threads = 2};
    h = api_start(&o);
    long objects = api_token_objects(h);
    cr_assert_gt(objects, 0, "cannot count the token's objects");
    char *kp = api_ready_key(h, EC_TEMPLATE, "alice");
    char *rsa = api_ready_key(h, RSA_TEMPLATE, "alice");
    race(kp, true);  /* 8 HTTP/2 streams on one connection */
    race(kp, false); /* 8 connections */
    /* A batch of many hashes in one call, ES and RS. */
    api_hash_t many[40];
    api_req_t reqs[40];
    for (size_t i = 0; i < 40; i++) {
        many[i] = api_hash(32);
        reqs[i] = (api_req_t){many[i].b, 32, i % 2 ? "RS256" : "PS256", NULL, 0};
    }
    char *sad = sad_for(rsa, many, 40, 0);
    uint8_t *sigs[40];
    size_t lens[40];
    api_sign_ok(h, rsa, "alice", sad, NULL, reqs, 40, sigs, lens);
    for (size_t i = 0; i < 40; i++) {
        cr_assert(api_verify(rsa, i % 2 ? "RS" : "PS", "sha256", -1, many[i].b, 32, sigs[i],
                             lens[i]),
                  "signature %zu", i);
        free(sigs[i]);
    }
    free(sad);
    /*
     * No signer key was left behind as a token object (threat N20). samd's session
     * objects are invisible from another process; that part is not observable here.
     */
    cr_assert_eq(api_token_objects(h), objects, "the token gained objects while signing");
    free(rsa);
    free(kp);
    api_stop(h);
}

/* One integer from SQL run on samd's store file while samd is stopped. */
static long long store_int(const char *sql)
{
    char *path = api_printf("%s/state.sqlite", h->dir);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long v = -1;

    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    int step = sqlite3_step(st);
    cr_assert(step == SQLITE_ROW || step == SQLITE_DONE, "%s: %s", sql, sqlite3_errmsg(db));
    if (step == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(path);
    return v;
}

Test(api_signatures, expired_sad_records_are_purged, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_ready_key(h, EC_TEMPLATE, "alice");
    api_hash_t a = api_hash(32), b = api_hash(32);
    char *old = sad_for(kp, &a, 1, 0), *live = sad_for(kp, &b, 1, 0);

    api_sign_one_ok(h, kp, "alice", old, "ES256", &a);
    api_sign_one_ok(h, kp, "alice", live, "ES256", &b);
    api_stop(h);
    cr_assert_eq(store_int("SELECT count(*) FROM sad"), 2);
    /* The first SAD's record as it would be once its expiry (plus skew) has passed. */
    cr_assert_eq(store_int("UPDATE sad SET expires = 1 WHERE id = (SELECT min(id) FROM sad) "
                           "RETURNING id"),
                 store_int("SELECT min(id) FROM sad"));
    api_restart(h); /* samd purges at start, then every minute */
    api_stop(h);
    cr_assert_eq(store_int("SELECT count(*) FROM sad"), 1);
    cr_assert_eq(store_int("SELECT count(*) FROM sad WHERE expires = 1"), 0);
    cr_assert_eq(store_int("SELECT count(*) FROM sad_hash WHERE sad_id NOT IN "
                           "(SELECT id FROM sad)"), 0);
    /* The live SAD's record stayed: it is still spent. */
    api_restart(h);
    api_req_t rb = {b.b, b.len, "ES256", NULL, 0};
    sign_error(kp, live, &rb, 1, NULL, 403, "sad_exhausted");
    free(old);
    free(live);
    free(kp);
    api_stop(h);
}
