/*
 * /csc/v1 end to end, signing: credentials/authorize (PIN, lockout, counts),
 * signatures/signHash through the SAD-gated core path (RSA PKCS#1 v1.5, PSS,
 * ECDSA, verified with OpenSSL), the SAD's usage bound across calls and a
 * samd restart, hash binding, other users' credentials, and
 * credentials/extendTransaction with its bound.
 */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csc_support.h"

#define EC_TEMPLATE "{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}"
#define RSA_TEMPLATE "{\"algorithm\":\"RSA\",\"size\":2048}"
#define PIN "pin-7431-zq"
#define SHA256_OID "2.16.840.1.101.3.4.2.1"
#define EXPLICIT                                                                                   \
    "\"auth_mode\": \"explicit\", \"pin\": \"" PIN "\", \"multisign\": 5, \"scal\": \"2\""
#define IMPLICIT "\"auth_mode\": \"implicit\", \"multisign\": 2, \"scal\": \"2\""

TestSuite(csc_sign, .timeout = API_TEST_TIMEOUT);


/* ["<b64>", ...] of n hashes */
static char *hash_array(const api_hash_t *hs, size_t n)
{
    char *out = strdup("[");
    for (size_t i = 0; i < n; i++) {
        char *b = api_b64(hs[i].b, hs[i].len);
        char *next = api_printf("%s%s\"%s\"", out, i > 0 ? "," : "", b);
        free(out);
        free(b);
        out = next;
    }
    char *next = api_printf("%s]", out);
    free(out);
    return next;
}

/* credentials/authorize, expecting a SAD. pin NULL: none. */
static char *authorize(samh_t *h, const char *auth, const char *cred, int num, const api_hash_t *hs,
                       size_t n, const char *pin)
{
    char *arr = hash_array(hs, n);
    char *pin_m = pin != NULL ? api_printf(", \"PIN\": \"%s\"", pin) : strdup("");
    char *body = api_printf("{\"credentialID\": \"%s\", \"numSignatures\": %d, \"hash\": %s%s}",
                            cred, num, arr, pin_m);
    sam_json_t *j = csc_ok(h, "credentials/authorize", auth, body);
    const sam_json_t *sad = sam_json_get(j, "SAD"), *ei = sam_json_get(j, "expiresIn");
    cr_assert(sad != NULL && sad->type == SAM_JSON_STRING);
    cr_assert(ei != NULL && ei->type == SAM_JSON_INTEGER && ei->u.num.integer > 0 &&
              ei->u.num.integer <= 300);
    char *out = strdup(sad->u.str.ptr);
    sam_json_free(j);
    free(body);
    free(pin_m);
    free(arr);
    return out;
}

static char *sign_body(const char *cred, const char *sad, const api_hash_t *hs, size_t n,
                       const char *sign_algo, const char *extra)
{
    char *arr = hash_array(hs, n);
    char *body = api_printf("{\"credentialID\": \"%s\", \"SAD\": \"%s\", \"hash\": %s, "
                            "\"signAlgo\": \"%s\"%s%s}",
                            cred, sad, arr, sign_algo, extra != NULL ? ", " : "",
                            extra != NULL ? extra : "");
    free(arr);
    return body;
}

/* signatures/signHash expecting n signatures, each verified (scheme/md/salt as api_verify). */
static void sign_ok(samh_t *h, const char *auth, const char *cred, const char *kp, const char *sad,
                    const api_hash_t *hs, size_t n, const char *sign_algo, const char *extra,
                    const char *scheme, int salt)
{
    char *body = sign_body(cred, sad, hs, n, sign_algo, extra);
    sam_json_t *j = csc_ok(h, "signatures/signHash", auth, body);
    const sam_json_t *sigs = sam_json_get(j, "signatures");
    cr_assert(sigs != NULL && sigs->type == SAM_JSON_ARRAY && sigs->u.arr.count == n);
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        uint8_t *sig = api_unb64(sigs->u.arr.items[i]->u.str.ptr, &len);
        cr_assert(api_verify(kp, scheme, "sha256", salt, hs[i].b, hs[i].len, sig, len),
                  "signature %zu does not verify", i);
        free(sig);
    }
    sam_json_free(j);
    free(body);
}

static void sign_refused(samh_t *h, const char *auth, const char *cred, const char *sad,
                         const api_hash_t *hs, size_t n, const char *description)
{
    char *body = sign_body(cred, sad, hs, n, "1.2.840.10045.4.3.2", NULL);
    csc_expect(h, "signatures/signHash", auth, body, 400, "invalid_request", description);
    free(body);
}

Test(csc_sign, rsa_pss_and_ec)
{
    samh_t *h = csc_start();
    char *rsa_kp = NULL, *ec_kp = NULL;

    csc_add_user(h, "alice", "pw-a");
    char *rsa = csc_add_credential(h, "alice", RSA_TEMPLATE, IMPLICIT, NULL, &rsa_kp);
    char *ec = csc_add_credential(h, "alice", EC_TEMPLATE, EXPLICIT, NULL, &ec_kp);
    char *tok = csc_login(h, "alice", "pw-a", false, NULL);
    char *auth = csc_bearer(tok);

    /* RSA PKCS#1 v1.5 by signAlgo rsaEncryption + hashAlgo; then sha256WithRSA. */
    api_hash_t hs[2] = {api_hash(32), api_hash(32)};
    char *sad = authorize(h, auth, rsa, 2, hs, 2, NULL);
    sign_ok(h, auth, rsa, rsa_kp, sad, hs, 1, "1.2.840.113549.1.1.1",
            "\"hashAlgo\": \"" SHA256_OID "\"", "RS", 0);
    sign_ok(h, auth, rsa, rsa_kp, sad, &hs[1], 1, "1.2.840.113549.1.1.11", NULL, "RS", 0);
    free(sad);
    /* hashAlgo is required with rsaEncryption and must be consistent otherwise. */
    sad = authorize(h, auth, rsa, 1, hs, 1, NULL);
    char *body = sign_body(rsa, sad, hs, 1, "1.2.840.113549.1.1.1", NULL);
    csc_expect(h, "signatures/signHash", auth, body, 400, "invalid_request",
           "Missing (or invalid type) string parameter hashAlgo");
    free(body);
    body = sign_body(rsa, sad, hs, 1, "1.2.840.113549.1.1.11",
                     "\"hashAlgo\": \"2.16.840.1.101.3.4.2.3\"");
    csc_expect(h, "signatures/signHash", auth, body, 400, "invalid_request",
           "Invalid parameter hashAlgo");
    free(body);
    /* An EC algorithm for an RSA key is not in key.algo. */
    body = sign_body(rsa, sad, hs, 1, "1.2.840.10045.4.3.2", NULL);
    csc_expect(h, "signatures/signHash", auth, body, 400, "invalid_request",
           "Invalid parameter signAlgo");
    free(body);
    /* RSASSA-PSS with the parameters given (salt 222, as PDF signers ask). */
    uint8_t pss[128];
    size_t pss_len = api_pss_params("sha256", 222, pss);
    char *pss_b64 = api_b64(pss, pss_len);
    char *extra = api_printf("\"signAlgoParams\": \"%s\"", pss_b64);
    sign_ok(h, auth, rsa, rsa_kp, sad, hs, 1, "1.2.840.113549.1.1.10", extra, "PS", 222);
    free(extra);
    free(pss_b64);
    free(sad);

    /* ECDSA with the PIN; signatures DER, in input order. */
    api_hash_t eh[3] = {api_hash(32), api_hash(32), api_hash(32)};
    sad = authorize(h, auth, ec, 3, eh, 3, PIN);
    sign_ok(h, auth, ec, ec_kp, sad, eh, 3, "1.2.840.10045.4.3.2", NULL, "ES", 0);
    /* The count is spent. */
    sign_refused(h, auth, ec, sad, eh, 1, "Invalid parameter SAD");
    /* Wrong digest length for the algorithm. */
    api_hash_t h48 = api_hash(48);
    sign_refused(h, auth, ec, sad, &h48, 1, "Invalid digest value length");
    free(sad);

    /* signHash is in the service audit log; the PIN is in no log. */
    cr_assert(csc_file_contains(h->service_log, "csc_sign_hash"));
    cr_assert(!csc_file_contains(h->service_log, PIN));
    cr_assert(!csc_file_contains(h->log_path, PIN));

    free(auth);
    free(tok);
    free(rsa);
    free(ec);
    free(rsa_kp);
    free(ec_kp);
    api_stop(h);
    samh_free(h);
}

Test(csc_sign, authorize_errors_and_pin_lockout)
{
    samh_t *h = csc_start();

    csc_add_user(h, "alice", "pw-a");
    csc_add_user(h, "bob", "pw-b");
    char *ec = csc_add_credential(h, "alice", EC_TEMPLATE, EXPLICIT, NULL, NULL);
    char *ec2 = csc_add_credential(h, "alice", EC_TEMPLATE, EXPLICIT, NULL, NULL);
    char *bobs = csc_add_credential(h, "bob", EC_TEMPLATE, IMPLICIT, NULL, NULL);
    char *tok = csc_login(h, "alice", "pw-a", false, NULL);
    char *auth = csc_bearer(tok);
    api_hash_t hs[1] = {api_hash(32)};
    char *arr = hash_array(hs, 1);
    char *body;

#define AUTHZ(fmt, ...) (body = api_printf(fmt, __VA_ARGS__))
    AUTHZ("{\"credentialID\": \"%s\", \"numSignatures\": \"1\", \"hash\": %s, \"PIN\": \"" PIN
          "\"}",
          ec, arr);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request",
           "Missing (or invalid type) integer parameter numSignatures");
    free(body);
    AUTHZ("{\"credentialID\": \"%s\", \"numSignatures\": 0, \"hash\": %s}", ec, arr);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request",
           "Invalid value for parameter numSignatures");
    free(body);
    AUTHZ("{\"credentialID\": \"%s\", \"numSignatures\": 6, \"hash\": %s}", ec, arr);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request",
           "Numbers of signatures is too high");
    free(body);
    AUTHZ("{\"credentialID\": \"%s\", \"numSignatures\": 1, \"hash\": %s}", bobs, arr);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request",
           "Invalid parameter credentialID");
    free(body);
    AUTHZ("{\"credentialID\": %d, \"numSignatures\": 1, \"hash\": %s}", 5, arr);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request",
           "Missing (or invalid type) string parameter credentialID");
    free(body);
    AUTHZ("{\"credentialID\": \"%s\", \"numSignatures\": 1, \"PIN\": \"%s\"}", ec, PIN);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request",
           "Missing (or invalid type) array parameter hash");
    free(body);
    AUTHZ("{\"credentialID\": \"%s\", \"numSignatures\": 2, \"hash\": %s, \"PIN\": \"%s\"}", ec,
          arr, PIN);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request",
           "The number of hash values must equal numSignatures");
    free(body);
    AUTHZ("{\"credentialID\": \"%s\", \"numSignatures\": 1, \"hash\": [\"%%%%\"]}", ec);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request",
           "Invalid Base64 hash string parameter");
    free(body);
    csc_expect(h, "credentials/authorize", NULL, "{}", 401, "invalid_token",
           "The access token is missing, invalid, expired or revoked");

    /* A wrong PIN, then the right one resets the counter. */
    char *wrong = api_printf("{\"credentialID\": \"%s\", \"numSignatures\": 1, \"hash\": %s, "
                             "\"PIN\": \"nope\"}",
                             ec, arr);
    char *wrong2 = api_printf("{\"credentialID\": \"%s\", \"numSignatures\": 1, \"hash\": %s, "
                              "\"PIN\": \"nope\"}",
                              ec2, arr);
    for (int i = 0; i < 4; i++)
        csc_expect(h, "credentials/authorize", auth, wrong, 400, "invalid_pin", "The PIN is invalid");
    free(authorize(h, auth, ec, 1, hs, 1, PIN));
    for (int i = 0; i < 4; i++)
        csc_expect(h, "credentials/authorize", auth, wrong, 400, "invalid_pin", "The PIN is invalid");
    /* The fifth consecutive failure locks (pin_max_failures 5); the right PIN is then refused. */
    csc_expect(h, "credentials/authorize", auth, wrong, 400, "invalid_request", "PIN locked");
    AUTHZ("{\"credentialID\": \"%s\", \"numSignatures\": 1, \"hash\": %s, \"PIN\": \"%s\"}", ec,
          arr, PIN);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request", "PIN locked");
    free(body);
    /* The lock is the credential's: another one of the same user still works. */
    csc_expect(h, "credentials/authorize", auth, wrong2, 400, "invalid_pin", "The PIN is invalid");
    free(authorize(h, auth, ec2, 1, hs, 1, PIN));
    /* ... and it holds across a restart. */
    api_stop(h);
    api_restart(h);
    AUTHZ("{\"credentialID\": \"%s\", \"numSignatures\": 1, \"hash\": %s, \"PIN\": \"%s\"}", ec,
          arr, PIN);
    csc_expect(h, "credentials/authorize", auth, body, 400, "invalid_request", "PIN locked");
    free(body);
#undef AUTHZ
    free(wrong);
    free(wrong2);
    free(arr);
    free(auth);
    free(tok);
    free(ec);
    free(ec2);
    free(bobs);
    api_stop(h);
    samh_free(h);
}

Test(csc_sign, replay_binding_and_restart)
{
    samh_t *h = csc_start();
    char *kp = NULL, *bob_kp = NULL;

    csc_add_user(h, "alice", "pw-a");
    csc_add_user(h, "bob", "pw-b");
    char *ec = csc_add_credential(h, "alice", EC_TEMPLATE, IMPLICIT, NULL, &kp);
    char *bobs = csc_add_credential(h, "bob", EC_TEMPLATE, IMPLICIT, NULL, &bob_kp);
    char *tok = csc_login(h, "alice", "pw-a", false, NULL);
    char *bob_tok = csc_login(h, "bob", "pw-b", false, NULL);
    char *auth = csc_bearer(tok), *bob_auth = csc_bearer(bob_tok);
    api_hash_t hs[2] = {api_hash(32), api_hash(32)}, other = api_hash(32);

    char *sad = authorize(h, auth, ec, 2, hs, 2, NULL);
    /* A hash the SAD does not list. */
    sign_refused(h, auth, ec, sad, &other, 1, "Hash is not authorized by the SAD.");
    /* Another user's credential, and another user presenting alice's SAD. */
    sign_refused(h, auth, bobs, sad, hs, 1, "Invalid parameter credentialID");
    sign_refused(h, bob_auth, bobs, sad, hs, 1, "Invalid parameter SAD");
    sign_refused(h, auth, ec, "not.a.sad", hs, 1, "Invalid parameter SAD");
    sign_ok(h, auth, ec, kp, sad, hs, 1, "1.2.840.10045.4.3.2", NULL, "ES", 0);
    sign_refused(h, auth, ec, sad, hs, 1, "Invalid parameter SAD");
    /* The usage is in the state store: still spent after a restart. */
    api_stop(h);
    api_restart(h);
    sign_refused(h, auth, ec, sad, hs, 1, "Invalid parameter SAD");
    sign_ok(h, auth, ec, kp, sad, &hs[1], 1, "1.2.840.10045.4.3.2", NULL, "ES", 0);
    sign_refused(h, auth, ec, sad, &hs[1], 1, "Invalid parameter SAD");
    free(sad);

    free(auth);
    free(bob_auth);
    free(tok);
    free(bob_tok);
    free(ec);
    free(bobs);
    free(kp);
    free(bob_kp);
    api_stop(h);
    samh_free(h);
}

Test(csc_sign, extend_transaction)
{
    samh_t *h = csc_start();
    char *kp = NULL;

    csc_add_user(h, "alice", "pw-a");
    char *ec = csc_add_credential(h, "alice", EC_TEMPLATE, IMPLICIT, NULL, &kp);
    char *tok = csc_login(h, "alice", "pw-a", false, NULL);
    char *auth = csc_bearer(tok);
    api_hash_t hs[2] = {api_hash(32), api_hash(32)}, h3 = api_hash(32), h4 = api_hash(32);

    char *sad = authorize(h, auth, ec, 2, hs, 2, NULL);
    sign_ok(h, auth, ec, kp, sad, hs, 1, "1.2.840.10045.4.3.2", NULL, "ES", 0);
    char *arr = hash_array(&h3, 1);
    char *body =
        api_printf("{\"credentialID\": \"%s\", \"SAD\": \"%s\", \"hash\": %s}", ec, sad, arr);
    sam_json_t *j = csc_ok(h, "credentials/extendTransaction", auth, body);
    const sam_json_t *s2 = sam_json_get(j, "SAD");
    cr_assert(s2 != NULL && s2->type == SAM_JSON_STRING);
    cr_assert(sam_json_get(j, "expiresIn") != NULL);
    char *sad2 = strdup(s2->u.str.ptr);
    sam_json_free(j);
    free(body);
    free(arr);
    /* The new SAD signs the new hash: the second of the two authorized signatures. */
    sign_ok(h, auth, ec, kp, sad2, &h3, 1, "1.2.840.10045.4.3.2", NULL, "ES", 0);
    /* The count of the transaction is spent, through either SAD. */
    sign_refused(h, auth, ec, sad2, &hs[1], 1, "Invalid parameter SAD");
    sign_refused(h, auth, ec, sad, &hs[1], 1, "Invalid parameter SAD");
    /* A hash of neither SAD; an extension of a SAD that is not ours. */
    sign_refused(h, auth, ec, sad2, &h4, 1, "Hash is not authorized by the SAD.");
    arr = hash_array(&h4, 1);
    body = api_printf("{\"credentialID\": \"%s\", \"SAD\": \"x.y.z\", \"hash\": %s}", ec, arr);
    csc_expect(h, "credentials/extendTransaction", auth, body, 400, "invalid_request",
           "Invalid parameter SAD");
    free(body);
    body = api_printf("{\"credentialID\": \"%s\", \"hash\": %s}", ec, arr);
    csc_expect(h, "credentials/extendTransaction", auth, body, 400, "invalid_request",
           "Missing (or invalid type) string parameter SAD");
    free(body);
    free(arr);

    free(sad);
    free(sad2);
    free(auth);
    free(tok);
    free(ec);
    free(kp);
    api_stop(h);
    samh_free(h);
}
