/*
 * Signature Activation Data over real HTTP/2 and mutual TLS: every way a
 * SAD is refused (threats N1-N4, N7-N11, N15) on POST /sam/v1/signatures,
 * assignment consent, the minimum level of assurance, and which
 * authorization servers an SSA trusts. A refused SAD spends nothing: each
 * test ends by signing with the genuine SAD. See api_support.h.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>

#include "api_support.h"
#include "jws_mint.h"
#include "sam/base64.h"

static samh_t *h;

static void teardown(void)
{
    samh_free(h);
    h = NULL;
}

#define EC_TEMPLATE "{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}"
#define SIGN "/sam/v1/signatures"

static const char *g_kp;
static api_hash_t g_hash;

/* Sign g_hash with g_kp as alice under sad: refused with status/code. */
static void refused(const char *sad, long status, const char *code, const char *what)
{
    api_req_t req = {g_hash.b, g_hash.len, "ES256", NULL, 0};
    char *body = api_sign_body(g_kp, "alice", NULL, &req, 1);
    samh_response_t r;
    api_call(h, SAMH_SSA, "POST", SIGN, body, sad, &r);
    if (r.status != status)
        cr_log_error("case: %s", what);
    api_assert_error(&r, status, code);
    samh_response_free(&r);
    free(body);
}

/* The good SAD's fields for g_kp, changed by the caller. */
static api_sad_t base(const char *key_id)
{
    return (api_sad_t){.sub = "alice", .key_id = key_id, .hashes = &g_hash, .n_hashes = 1};
}

static char *b64url(const void *data, size_t len)
{
    char *out = malloc(sam_base64_encoded_size(len));
    cr_assert_not_null(out);
    sam_base64url_encode(data, len, out);
    return out;
}

/* The JWS jws with bit `bit` of byte `byte` of decoded part `part` (0 header, 1 payload,
 * 2 signature) flipped. */
static char *flip(const char *jws, int part, size_t byte, int bit)
{
    const char *p[3];
    size_t len[3];
    const char *d1 = strchr(jws, '.'), *d2 = d1 != NULL ? strchr(d1 + 1, '.') : NULL;
    cr_assert(d1 != NULL && d2 != NULL);
    p[0] = jws;
    len[0] = (size_t)(d1 - jws);
    p[1] = d1 + 1;
    len[1] = (size_t)(d2 - d1 - 1);
    p[2] = d2 + 1;
    len[2] = strlen(d2 + 1);
    uint8_t buf[4096];
    size_t n = 0;
    cr_assert_eq(sam_base64url_decode(p[part], len[part], buf, &n), 0);
    cr_assert_lt(byte, n);
    buf[byte] ^= (uint8_t)(1u << bit);
    char *changed = b64url(buf, n);
    p[part] = changed;
    len[part] = strlen(changed);
    char *out = api_printf("%.*s.%.*s.%.*s", (int)len[0], p[0], (int)len[1], p[1], (int)len[2],
                           p[2]);
    free(changed);
    return out;
}

Test(api_sad, every_refusal_spends_nothing, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    /* Headers above the default 16 KiB, so that a huge SAD reaches the SAD check. */
    samh_options_t opts = {.limits = "\"max_header_bytes\": 65536"};
    h = api_start(&opts);
    char *kp = api_ready_key(h, EC_TEMPLATE, "alice");
    char *other_kp = api_ready_key(h, EC_TEMPLATE, "alice");
    char *id = api_kp_string(kp, "id"), *other_id = api_kp_string(other_kp, "id");
    g_kp = kp;
    g_hash = api_hash(32);
    api_sad_t s;
    char *sad;

    /* Missing, and not a JWS at all. */
    refused(NULL, 403, "invalid_sad", "no SAD");
    static const char *const junk[] = {"x", "a.b", "a.b.c", "a.b.c.d", "...", "eyJ.eyJ.",
                                       "!!!.###.$$$"};
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
        refused(junk[i], 403, "invalid_sad", junk[i]);

    /* The genuine SAD, tampered with (N1). */
    s = base(id);
    char *good = api_sad(h, &s);
    for (int part = 0; part <= 2; part++) {
        size_t bytes[] = {0, 5, 20};
        for (size_t i = 0; i < 3; i++) {
            char *bad = flip(good, part, bytes[i], (int)(i + 1) % 8);
            refused(bad, 403, "invalid_sad", "bit flip");
            free(bad);
        }
    }
    /* Truncated signature. */
    char *trunc = strdup(good);
    trunc[strlen(trunc) - 4] = '\0';
    refused(trunc, 403, "invalid_sad", "truncated");
    free(trunc);

    /* Algorithm confusion (N3). */
    char *payload = api_sad_payload(h, &s);
    char *none = mint_jws(NULL, "none", "{\"alg\":\"none\"}", payload);
    refused(none, 403, "invalid_sad", "alg none");
    free(none);
    char *none_sig = mint_jws(api_as_key(h), "ES256", "{\"alg\":\"none\"}", payload);
    refused(none_sig, 403, "invalid_sad", "alg none with a signature");
    free(none_sig);
    /* HS256 keyed with the AS public key: its DER and its PEM text. */
    size_t spki_len = 0, sig_len = 0;
    uint8_t *spki = api_unb64(h->as_spki_b64, &spki_len);
    uint8_t *mac = mint_hs256(spki, spki_len, "{\"alg\":\"HS256\"}", payload, &sig_len);
    char *hs = mint_join("{\"alg\":\"HS256\"}", payload, strlen(payload), mac, sig_len);
    refused(hs, 403, "invalid_sad", "HS256 over the SPKI");
    free(hs);
    free(mac);
    EVP_PKEY *as = api_as_key(h);
    BIO *bio = BIO_new(BIO_s_mem());
    cr_assert_eq(PEM_write_bio_PUBKEY(bio, as), 1);
    char *pem = NULL;
    long pem_len = BIO_get_mem_data(bio, &pem);
    mac = mint_hs256((const uint8_t *)pem, (size_t)pem_len, "{\"alg\":\"HS256\"}", payload,
                     &sig_len);
    hs = mint_join("{\"alg\":\"HS256\"}", payload, strlen(payload), mac, sig_len);
    refused(hs, 403, "invalid_sad", "HS256 over the PEM");
    free(hs);
    free(mac);
    BIO_free(bio);
    free(spki);
    /* An alg that does not fit the AS key (P-256): ES384, RS256 by an RSA key. */
    char *es384 = mint_jws(as, "ES384", "{\"alg\":\"ES384\"}", payload);
    refused(es384, 403, "invalid_sad", "ES384 with a P-256 key");
    free(es384);
    EVP_PKEY *rsa = mint_rsa_key(2048);
    char *rs = mint_jws(rsa, "RS256", "{\"alg\":\"RS256\"}", payload);
    refused(rs, 403, "invalid_sad", "RS256 by an unregistered RSA key");
    free(rs);
    free(payload);

    /* Unknown issuer, and a self-made key under the registered issuer's name (N2). */
    EVP_PKEY *mine = mint_ec_key("P-256");
    s = base(id);
    s.key = mine;
    sad = api_sad(h, &s);
    refused(sad, 403, "invalid_sad", "self-made key, registered iss");
    free(sad);
    s.iss = "unknown-as";
    sad = api_sad(h, &s);
    refused(sad, 403, "invalid_sad", "unknown issuer");
    free(sad);
    s = base(id);
    s.iss = "unknown-as";
    sad = api_sad(h, &s);
    refused(sad, 403, "invalid_sad", "registered key, other iss");
    free(sad);

    /* Audience, signer, key, purpose (N7, N9). */
    struct {
        const char *what;
        api_sad_t s;
    } claims[] = {
        {"aud other", {.aud = "\"other-sam\""}},
        {"aud array without us", {.aud = "[\"other-sam\",\"x\"]"}},
        {"aud number", {.aud = "7"}},
        {"sub bob", {.sub = "bob"}},
        {"key_id other", {.key_id = other_id}},
        {"purpose key_assignment", {.purpose = "key_assignment"}},
        {"purpose key_deletion", {.purpose = "key_deletion"}},
        {"purpose unknown", {.purpose = "sign"}},
        {"lifetime 301 s", {.iat = -1, .exp = 300}},
        {"lifetime 1 day", {.iat = -10, .exp = 86400}},
        {"exp before iat", {.iat = 10, .exp = -10}},
        {"jti empty", {.jti = ""}},
        {"extra duplicate sub", {.extra = "\"sub\":\"bob\""}},
        {"num_signatures 2 for one hash", {.num_signatures = 2}},
        {"num_signatures 0", {.extra = "\"num_signatures\":0"}},
    };
    for (size_t i = 0; i < sizeof(claims) / sizeof(claims[0]); i++) {
        api_sad_t c = base(id);
        const api_sad_t *o = &claims[i].s;
        if (o->aud != NULL)
            c.aud = o->aud;
        if (o->sub != NULL)
            c.sub = o->sub;
        if (o->key_id != NULL)
            c.key_id = o->key_id;
        if (o->purpose != NULL)
            c.purpose = o->purpose;
        if (o->iat != 0 || o->exp != 0) {
            c.iat = o->iat;
            c.exp = o->exp;
        }
        if (o->jti != NULL)
            c.jti = o->jti;
        if (o->extra != NULL)
            c.extra = o->extra;
        if (o->num_signatures != 0)
            c.num_signatures = o->num_signatures;
        sad = api_sad(h, &c);
        refused(sad, 403, "invalid_sad", claims[i].what);
        free(sad);
    }
    /* Required claims missing or ill-typed. */
    const char *payloads[] = {
        "{\"aud\":\"it-sam\",\"sub\":\"alice\",\"key_id\":\"@ID@\",\"purpose\":\"signature\","
        "\"iat\":@IAT@,\"exp\":@EXP@,\"jti\":\"j1\",\"hashes\":[\"@H@\"]}", /* no iss */
        "{\"iss\":\"it-as\",\"sub\":\"alice\",\"key_id\":\"@ID@\",\"purpose\":\"signature\","
        "\"iat\":@IAT@,\"exp\":@EXP@,\"jti\":\"j2\",\"hashes\":[\"@H@\"]}", /* no aud */
        "{\"iss\":\"it-as\",\"aud\":\"it-sam\",\"key_id\":\"@ID@\",\"purpose\":\"signature\","
        "\"iat\":@IAT@,\"exp\":@EXP@,\"jti\":\"j3\",\"hashes\":[\"@H@\"]}", /* no sub */
        "{\"iss\":\"it-as\",\"aud\":\"it-sam\",\"sub\":\"alice\",\"purpose\":\"signature\","
        "\"iat\":@IAT@,\"exp\":@EXP@,\"jti\":\"j4\",\"hashes\":[\"@H@\"]}", /* no key_id */
        "{\"iss\":\"it-as\",\"aud\":\"it-sam\",\"sub\":\"alice\",\"key_id\":\"@ID@\","
        "\"iat\":@IAT@,\"exp\":@EXP@,\"jti\":\"j5\",\"hashes\":[\"@H@\"]}", /* no purpose */
        "{\"iss\":\"it-as\",\"aud\":\"it-sam\",\"sub\":\"alice\",\"key_id\":\"@ID@\","
        "\"purpose\":\"signature\",\"exp\":@EXP@,\"jti\":\"j6\",\"hashes\":[\"@H@\"]}", /* no iat */
        "{\"iss\":\"it-as\",\"aud\":\"it-sam\",\"sub\":\"alice\",\"key_id\":\"@ID@\","
        "\"purpose\":\"signature\",\"iat\":@IAT@,\"jti\":\"j7\",\"hashes\":[\"@H@\"]}", /* no exp */
        "{\"iss\":\"it-as\",\"aud\":\"it-sam\",\"sub\":\"alice\",\"key_id\":\"@ID@\","
        "\"purpose\":\"signature\",\"iat\":@IAT@,\"exp\":@EXP@,\"hashes\":[\"@H@\"]}", /* no jti */
        "{\"iss\":\"it-as\",\"aud\":\"it-sam\",\"sub\":\"alice\",\"key_id\":\"@ID@\","
        "\"purpose\":\"signature\",\"iat\":@IAT@,\"exp\":@EXP@,\"jti\":\"j9\"}", /* no hashes */
        "{\"iss\":\"it-as\",\"aud\":\"it-sam\",\"sub\":\"alice\",\"key_id\":\"@ID@\","
        "\"purpose\":\"signature\",\"iat\":\"@IAT@\",\"exp\":@EXP@,\"jti\":\"j10\","
        "\"hashes\":[\"@H@\"]}", /* iat a string */
        "{\"iss\":\"it-as\",\"aud\":\"it-sam\",\"sub\":\"alice\",\"key_id\":\"@ID@\","
        "\"purpose\":\"signature\",\"iat\":@IAT@,\"exp\":@EXP@,\"jti\":\"j11\","
        "\"hashes\":\"@H@\"}", /* hashes a string */
        "{\"iss\":\"it-as\",\"aud\":\"it-sam\",\"sub\":\"alice\",\"key_id\":\"@ID@\","
        "\"purpose\":\"signature\",\"iat\":@IAT@,\"exp\":@EXP@,\"jti\":\"j12\","
        "\"hashes\":[\"@H@\"],\"sub\":\"alice\"}", /* duplicate claim */
        "[\"@ID@\",@IAT@,@EXP@,\"@H@\"]", /* not an object */
    };
    char *hb64 = api_b64(g_hash.b, g_hash.len), iat[32], exp[32];
    snprintf(iat, sizeof(iat), "%ld", (long)time(NULL));
    snprintf(exp, sizeof(exp), "%ld", (long)time(NULL) + 60);
    for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        char *p1 = api_subst(payloads[i], "@ID@", id);
        char *p2 = api_subst(p1, "@IAT@", iat);
        char *p3 = api_subst(p2, "@EXP@", exp);
        char *p4 = api_subst(p3, "@H@", hb64);
        sad = mint_jws(as, "ES256", "{\"alg\":\"ES256\"}", p4);
        refused(sad, 403, "invalid_sad", p4);
        free(sad);
        free(p1);
        free(p2);
        free(p3);
        free(p4);
    }

    /* Hashes (N8): another hash, the same hash truncated, an extra hash in the request. */
    api_hash_t other = api_hash(32);
    s = base(id);
    s.hashes = &other;
    sad = api_sad(h, &s);
    refused(sad, 403, "invalid_sad", "other hash");
    free(sad);
    api_hash_t longer = g_hash;
    longer.len = 48;
    s.hashes = &longer;
    sad = api_sad(h, &s);
    refused(sad, 403, "invalid_sad", "hash of another length");
    free(sad);
    s = base(id);
    sad = api_sad(h, &s);
    api_req_t two[] = {{g_hash.b, g_hash.len, "ES256", NULL, 0},
                       {other.b, other.len, "ES256", NULL, 0}};
    char *body = api_sign_body(kp, "alice", NULL, two, 2);
    api_expect_error(h, SAMH_SSA, "POST", SIGN, body, sad, 403, "invalid_sad");
    free(body);
    free(sad);
    /* Signer A's SAD with B's key pair (N7). */
    s = base(id);
    sad = api_sad(h, &s);
    api_req_t one = {g_hash.b, g_hash.len, "ES256", NULL, 0};
    body = api_sign_body(other_kp, "alice", NULL, &one, 1);
    api_expect_error(h, SAMH_SSA, "POST", SIGN, body, sad, 403, "invalid_sad");
    free(body);
    free(sad);

    /* Time (N4). */
    s = base(id);
    s.iat = -400;
    s.exp = -100;
    sad = api_sad(h, &s);
    refused(sad, 403, "sad_expired", "expired");
    free(sad);
    s.iat = 120;
    s.exp = 240;
    sad = api_sad(h, &s);
    refused(sad, 403, "sad_expired", "iat in the future");
    free(sad);
    s.iat = -10;
    s.exp = 200;
    s.has_nbf = true;
    s.nbf = 120;
    sad = api_sad(h, &s);
    refused(sad, 403, "sad_expired", "nbf in the future");
    free(sad);

    /* Huge (N11): over the SAD's bound of 16384 bytes (the harness sends up to ~20000). */
    for (size_t pad = 12000; pad <= 14000; pad += 2000) {
        char *filler = malloc(pad + 16);
        memcpy(filler, "\"pad\":\"", 7);
        memset(filler + 7, 'p', pad);
        strcpy(filler + 7 + pad, "\"");
        s = base(id);
        s.extra = filler;
        sad = api_sad(h, &s);
        cr_assert_gt(strlen(sad), 16384);
        refused(sad, 403, "invalid_sad", "huge");
        free(sad);
        free(filler);
    }

    /* A SAD that is fine when the claims are: within the clock skew, aud in an array, nbf
     * past, an unknown claim, a kid (the AS is registered without one). Spends g_hash. */
    s = base(id);
    s.iat = 20;
    s.exp = 200;
    s.has_nbf = true;
    s.nbf = -5;
    s.aud = api_printf("[\"other-sam\",\"%s\"]", h->sam_id);
    s.extra = "\"x\":{\"y\":1}";
    s.kid = "any";
    sad = api_sad(h, &s);
    /* The genuine SAD from the start: still unspent after all the refusals. */
    api_sign_one_ok(h, kp, "alice", good, "ES256", &g_hash);
    refused(good, 403, "sad_exhausted", "good SAD replayed");
    /* The variant SAD has its own jti, so it signs once too. */
    api_sign_one_ok(h, kp, "alice", sad, "ES256", &g_hash);
    free((char *)s.aud);
    free(sad);

    free(hb64);
    free(good);
    EVP_PKEY_free(mine);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(as);
    free(id);
    free(other_id);
    free(other_kp);
    free(kp);
    api_stop(h);
}

/* The dynamic configuration decides which authorization servers an SSA trusts. */
static void put_dynamic(samh_t *sam, int version, const char *as2_spki, const char *allowed)
{
    char *doc = api_printf(
        "{\"version\":%d,\"authorization_servers\":[{\"id\":\"%s\",\"public_key\":\"%s\"},"
        "{\"id\":\"it-as2\",\"public_key\":\"%s\"}],\"signing_service_privileged_users\":["
        "{\"id\":\"%s\",\"public_key\":\"%s\",\"allowed_authorization_servers\":[%s]}]}",
        version, sam->as_id, sam->as_spki_b64, as2_spki, sam->ssa_id,
        sam->clients[SAMH_SSA].spki_b64, allowed);
    samh_response_t r;
    api_call(sam, SAMH_ADMIN, "PUT", "/sam/v1/configurations/dynamic", doc, NULL, &r);
    api_assert_status(&r, 204);
    samh_response_free(&r);
    free(doc);
}

Test(api_sad, trusted_authorization_servers, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_ready_key(h, EC_TEMPLATE, "alice");
    char *id = api_kp_string(kp, "id");
    g_kp = kp;
    g_hash = api_hash(32);
    EVP_PKEY *as2 = mint_ec_key("P-256");
    size_t len = 0;
    uint8_t *der = mint_spki(as2, &len);
    char *as2_spki = api_b64(der, len);
    free(der);

    /* as2 registered, but not allowed for this SSA. */
    put_dynamic(h, 2, as2_spki, "\"it-as\"");
    api_sad_t s = base(id);
    s.iss = "it-as2";
    s.key = as2;
    char *by_as2 = api_sad(h, &s);
    refused(by_as2, 403, "invalid_sad", "AS not allowed for this SSA");
    s.iss = NULL; /* as2's key under it-as's name */
    char *mixed = api_sad(h, &s);
    refused(mixed, 403, "invalid_sad", "as2's key as it-as");
    s = base(id);
    s.iss = "it-as2"; /* it-as's key under as2's name */
    char *mixed2 = api_sad(h, &s);
    refused(mixed2, 403, "invalid_sad", "it-as's key as as2");

    /* Allowed from the next request on. */
    put_dynamic(h, 3, as2_spki, "\"it-as2\"");
    s = base(id);
    char *by_as1 = api_sad(h, &s);
    refused(by_as1, 403, "invalid_sad", "it-as no longer allowed");
    refused(mixed, 403, "invalid_sad", "as2's key as it-as");
    refused(mixed2, 403, "invalid_sad", "it-as's key as as2");
    api_sign_one_ok(h, kp, "alice", by_as2, "ES256", &g_hash);
    /* Both allowed: it-as's SAD, refused so far, spends now. */
    put_dynamic(h, 4, as2_spki, "\"it-as\",\"it-as2\"");
    api_sign_one_ok(h, kp, "alice", by_as1, "ES256", &g_hash);
    refused(by_as2, 403, "sad_exhausted", "as2 replayed");

    free(by_as1);
    free(by_as2);
    free(mixed);
    free(mixed2);
    free(as2_spki);
    EVP_PKEY_free(as2);
    free(id);
    free(kp);
    api_stop(h);
}

/* Assignment consent (the SKAD) and a minimum level of assurance (N10). */
Test(api_sad, assignment_consent_and_loa, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    samh_options_t o = {.static_extra = "\"sad\": {\"min_loa\": \"substantial\", "
                                        "\"require_assignment_consent\": true}"};
    h = api_start(&o);
    char *kp = api_generate(h, EC_TEMPLATE);
    char *id = api_kp_string(kp, "id");
    const char *path = "/sam/v1/signers/alice/key_pairs";
    char *body = api_assign_body(kp, "alice", NULL);
    api_sad_t s = {.sub = "alice", .key_id = id, .purpose = "key_assignment",
                   .extra = "\"loa\":\"high\""};
    char *sad;

    api_expect_error(h, SAMH_SSA, "POST", path, body, NULL, 403, "invalid_sad");
    struct {
        const char *sub, *key_id, *purpose, *extra;
    } bad[] = {
        {"bob", id, "key_assignment", "\"loa\":\"high\""},
        {"alice", "0123456789abcdef0123456789abcdef", "key_assignment", "\"loa\":\"high\""},
        {"alice", id, "key_deletion", "\"loa\":\"high\""},
        {"alice", id, "key_assignment", NULL},               /* no loa */
        {"alice", id, "key_assignment", "\"loa\":\"low\""},  /* below the minimum */
        {"alice", id, "key_assignment", "\"loa\":\"max\""},  /* unknown level */
        {"alice", id, "key_assignment", "\"loa\":3"},        /* ill-typed */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        api_sad_t b = {.sub = bad[i].sub, .key_id = bad[i].key_id, .purpose = bad[i].purpose,
                       .extra = bad[i].extra};
        sad = api_sad(h, &b);
        api_expect_error(h, SAMH_SSA, "POST", path, body, sad, 403, "invalid_sad");
        free(sad);
    }
    /* Bob may still get the key: nothing was assigned. */
    char *bob_body = api_assign_body(kp, "bob", NULL);
    api_sad_t bs = {.sub = "bob", .key_id = id, .purpose = "key_assignment",
                    .extra = "\"loa\":\"substantial\""};
    sad = api_sad(h, &bs);
    samh_response_t r;
    api_call(h, SAMH_SSA, "POST", "/sam/v1/signers/bob/key_pairs", bob_body, sad, &r);
    api_assert_status(&r, 200);
    sam_json_t *v;
    v = api_json(&r);
    sam_strbuf_t ab = SAM_STRBUF_INIT;
    sam_json_write_canonical(&ab, sam_json_get(v, "key_pair"));
    char *bobs = sam_strbuf_take(&ab, NULL);
    sam_json_free(v);
    samh_response_free(&r);
    free(sad);
    /* Alice with her consent now: the key is bob's; her unassigned copy is an older copy (N12). */
    sad = api_sad(h, &s);
    api_expect_error(h, SAMH_SSA, "POST", path, body, sad, 400, "invalid_key_pair");
    free(sad);
    char *alice_bobs = api_assign_body(bobs, "alice", NULL);
    sad = api_sad(h, &s);
    api_expect_error(h, SAMH_SSA, "POST", path, alice_bobs, sad, 409, "key_already_assigned");
    free(sad);
    free(alice_bobs);
    /* Repeating bob's assignment with the assigned object needs his consent too. */
    char *bob_again = api_assign_body(bobs, "bob", NULL);
    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/signers/bob/key_pairs", bob_again, NULL, 403,
                     "invalid_sad");
    sad = api_sad(h, &bs);
    api_call(h, SAMH_SSA, "POST", "/sam/v1/signers/bob/key_pairs", bob_again, sad, &r);
    api_assert_status(&r, 200);
    samh_response_free(&r);
    free(sad);
    free(bob_again);
    free(bobs);

    /* Signing needs the level too. */
    char *kp2 = api_generate(h, EC_TEMPLATE), *id2 = api_kp_string(kp2, "id");
    api_sad_t s2 = {.sub = "alice", .key_id = id2, .purpose = "key_assignment",
                    .extra = "\"loa\":\"high\""};
    sad = api_sad(h, &s2);
    char *body2 = api_assign_body(kp2, "alice", NULL);
    api_call(h, SAMH_SSA, "POST", path, body2, sad, &r);
    api_assert_status(&r, 200);
    v = api_json(&r);
    sam_strbuf_t b = SAM_STRBUF_INIT;
    sam_json_write_canonical(&b, sam_json_get(v, "key_pair"));
    char *assigned = sam_strbuf_take(&b, NULL);
    sam_json_free(v);
    samh_response_free(&r);
    free(sad);
    size_t cert_len = 0;
    uint8_t *cert = api_issue_cert(assigned, -60, 86400, &cert_len);
    char *ready = api_update_status(h, assigned, "alice", true, true, cert, cert_len);
    api_hash_t x = api_hash(32);
    api_sad_t sig = {.sub = "alice", .key_id = id2, .hashes = &x, .n_hashes = 1};
    sad = api_sad(h, &sig);
    g_kp = ready;
    g_hash = x;
    refused(sad, 403, "invalid_sad", "signature SAD without loa");
    free(sad);
    sig.extra = "\"loa\":\"low\"";
    sad = api_sad(h, &sig);
    refused(sad, 403, "invalid_sad", "signature SAD with loa low");
    free(sad);
    sig.extra = "\"loa\":\"substantial\"";
    sad = api_sad(h, &sig);
    api_sign_one_ok(h, ready, "alice", sad, "ES256", &x);
    free(sad);

    free(ready);
    free(cert);
    free(assigned);
    free(body2);
    free(kp2);
    free(id2);
    free(bob_body);
    free(body);
    free(id);
    free(kp);
    api_stop(h);
}

/* Without require_assignment_consent a SAD sent anyway is checked all the same. */
Test(api_sad, unrequested_assignment_sad_is_checked, .fini = teardown,
     .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_generate(h, EC_TEMPLATE);
    char *id = api_kp_string(kp, "id");
    char *body = api_assign_body(kp, "alice", NULL);
    const char *path = "/sam/v1/signers/alice/key_pairs";
    api_sad_t bad = {.sub = "bob", .key_id = id, .purpose = "key_assignment"};
    char *sad = api_sad(h, &bad);
    api_expect_error(h, SAMH_SSA, "POST", path, body, sad, 403, "invalid_sad");
    free(sad);
    api_expect_error(h, SAMH_SSA, "POST", path, body, "not.a.jws", 403, "invalid_sad");
    api_sad_t good = {.sub = "alice", .key_id = id, .purpose = "key_assignment"};
    sad = api_sad(h, &good);
    samh_response_t r;
    api_call(h, SAMH_SSA, "POST", path, body, sad, &r);
    api_assert_status(&r, 200);
    sam_json_t *v = api_json(&r);
    sam_strbuf_t b = SAM_STRBUF_INIT;
    sam_json_write_canonical(&b, sam_json_get(v, "key_pair"));
    char *assigned = sam_strbuf_take(&b, NULL);
    sam_json_free(v);
    samh_response_free(&r);
    free(sad);
    free(body);
    /* Repeating the assignment with the assigned object: a bad SAD is still refused. */
    body = api_assign_body(assigned, "alice", NULL);
    sad = api_sad(h, &bad);
    api_expect_error(h, SAMH_SSA, "POST", path, body, sad, 403, "invalid_sad");
    free(sad);
    api_expect_error(h, SAMH_SSA, "POST", path, body, "not.a.jws", 403, "invalid_sad");
    /* Without a SAD, or with a good one, the same result. */
    api_call(h, SAMH_SSA, "POST", path, body, NULL, &r);
    api_assert_status(&r, 200);
    samh_response_free(&r);
    free(body);
    free(assigned);
    free(id);
    free(kp);
    api_stop(h);
}
