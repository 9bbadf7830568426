/*
 * Audit records of /sam/v1 requests through a real samd: exactly one per
 * request (401, 403, 404 and refused SADs included), in the right log, with
 * the right fields and no SAD text; and fail-closed when the log cannot be
 * written (threat N19).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_support.h"
#include "audit_support.h"
#include "sam/fileio.h"

#define EC_TEMPLATE "{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}"
#define SIGN "/sam/v1/signatures"

static samh_t *h;

static void teardown(void)
{
    samh_free(h);
    h = NULL;
}

/* One request; its id, copied into rid. */
static long call(samh_client_t who, const char *method, const char *path, const char *body,
                 const char *sad, char rid[64])
{
    samh_response_t r;
    api_call(h, who, method, path, body, sad, &r);
    long status = r.status;
    cr_assert_neq(r.request_id[0], '\0', "no X-Request-Id");
    memcpy(rid, r.request_id, 64);
    samh_response_free(&r);
    return status;
}

static void has(const char *line, const char *part)
{
    cr_assert(line != NULL && strstr(line, part) != NULL, "%s not in %s", part,
              line != NULL ? line : "(no record)");
}

Test(audit_api, one_record_per_request, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_ready_key(h, EC_TEMPLATE, "alice");
    char *kid = api_kp_string(kp, "id");
    uint8_t hash[32];
    api_random(hash, sizeof(hash));
    char *sad = aud_sad(h, kp, hash, sizeof(hash));
    char *body = aud_sign_body(kp, "ES256", hash, sizeof(hash));
    char rid[8][64];

    cr_assert_eq(call(SAMH_SSA, "GET", "/sam/v1/info", NULL, NULL, rid[0]), 200);
    cr_assert_eq(call(SAMH_UNREGISTERED, "GET", "/sam/v1/info", NULL, NULL, rid[1]), 401);
    cr_assert_eq(call(SAMH_SSA, "GET", "/sam/v1/nothing", NULL, NULL, rid[2]), 404);
    cr_assert_eq(call(SAMH_SSA, "GET", "/sam/v1/configurations/dynamic", NULL, NULL, rid[3]), 403);
    cr_assert_eq(call(SAMH_ADMIN, "GET", "/sam/v1/configurations/dynamic", NULL, NULL, rid[4]),
                 200);
    cr_assert_eq(call(SAMH_SSA, "POST", SIGN, body, sad, rid[5]), 200);
    cr_assert_eq(call(SAMH_SSA, "POST", SIGN, body, sad, rid[6]), 403); /* SAD spent */
    cr_assert_eq(call(SAMH_UNREGISTERED, "POST", SIGN, body, sad, rid[7]), 401);
    api_stop(h);

    const char *svc[] = {h->service_log}, *adm[] = {h->admin_log};
    for (int i = 0; i < 8; i++) {
        int admin = i == 3 || i == 4;
        cr_assert_eq(aud_count_rid(admin ? adm : svc, 1, rid[i]), 1, "request %d in its log", i);
        cr_assert_eq(aud_count_rid(admin ? svc : adm, 1, rid[i]), 0, "request %d elsewhere", i);
    }
    char *l = aud_line_of(h->service_log, rid[1]);
    has(l, "\"caller\":{\"id\":null,\"role\":null,\"key\":\"");
    has(l, "\"outcome\":\"refused\",\"status\":401,\"error\":\"unauthorized\"");
    free(l);
    l = aud_line_of(h->service_log, rid[5]);
    char want[128];
    has(l, "\"event\":\"sign\",\"caller\":{\"id\":\"it-ssa\",\"role\":\"ssa\"");
    has(l, "\"signer\":\"alice\"");
    snprintf(want, sizeof(want), "\"key_id\":\"%s\"", kid);
    has(l, want);
    has(l, "\"sad\":{\"jti\":\"");
    char *hb64 = api_b64(hash, sizeof(hash));
    snprintf(want, sizeof(want), "\"hashes\":[\"%s\"],\"algorithm\":\"ES256\"", hb64);
    has(l, want);
    has(l, "\"outcome\":\"success\",\"status\":200,\"error\":null");
    has(l, "\"peer\":\"127.0.0.1:");
    free(l);
    l = aud_line_of(h->service_log, rid[6]);
    has(l, "\"outcome\":\"refused\",\"status\":403,\"error\":\"sad_exhausted\"");
    free(l);
    l = aud_line_of(h->admin_log, rid[4]);
    has(l, "\"event\":\"get_dynamic_configuration\",\"caller\":{\"id\":\"it-admin\","
           "\"role\":\"administrator\"");
    free(l);
    /* Never the SAD itself, not even a part of it. */
    char *text = NULL;
    size_t len;
    cr_assert_eq(sam_file_read(h->service_log, 64u << 20, &text, &len), 0);
    char *dot = strchr(sad, '.');
    cr_assert_not_null(dot);
    cr_assert_null(strstr(text, dot + 1 < sad + strlen(sad) ? dot + 1 : sad));
    cr_assert(strstr(text, "\"event\":\"start\"") != NULL && strstr(text, "\"event\":\"stop\""));
    free(text);
    cr_assert_eq(aud_verify(h, svc, 1), 0);
    cr_assert_eq(aud_verify(h, adm, 1), 0);
    free(hb64);
    free(body);
    free(sad);
    free(kid);
    free(kp);
}

/*
 * A refused SAD is named in its record when a trusted server signed it (its
 * jti and iss are that server's words), and not when its signature fails.
 */
Test(audit_api, refused_sads_are_named_when_signed, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_ready_key(h, EC_TEMPLATE, "alice");
    char *kid = api_kp_string(kp, "id");
    api_hash_t hash = api_hash(32);
    char *body = aud_sign_body(kp, "ES256", hash.b, hash.len);
    char rid[2][64], want[160];

    /* Signed by the registered server, but for bob: refused by a claim. */
    api_sad_t other = {.sub = "bob", .key_id = kid, .jti = "audit-jti-bob", .hashes = &hash,
                       .n_hashes = 1};
    char *for_bob = api_sad(h, &other);
    cr_assert_eq(call(SAMH_SSA, "POST", SIGN, body, for_bob, rid[0]), 403);
    /* The same claims with a signature that does not verify. */
    api_sad_t forged = other;
    forged.jti = "audit-jti-forged";
    forged.sub = "alice";
    char *good = api_sad(h, &forged);
    char *bad = api_replace(good, ".", ".e30."); /* payload {} spliced in: signature fails */
    char *cut = strrchr(bad, '.');
    cr_assert_not_null(cut);
    cr_assert_eq(call(SAMH_SSA, "POST", SIGN, body, bad, rid[1]), 403);
    api_stop(h);

    char *l = aud_line_of(h->service_log, rid[0]);
    snprintf(want, sizeof(want), "\"sad\":{\"jti\":\"audit-jti-bob\",\"iss\":\"%s\"}",
             h->as_id);
    has(l, want);
    has(l, "\"outcome\":\"refused\",\"status\":403,\"error\":\"invalid_sad\"");
    free(l);
    l = aud_line_of(h->service_log, rid[1]);
    has(l, "\"sad\":null");
    cr_assert_null(strstr(l, "audit-jti-forged"), "an unverified jti was recorded: %s", l);
    free(l);
    free(bad);
    free(good);
    free(for_bob);
    free(body);
    free(kid);
    free(kp);
}

Test(audit_api, fails_closed_while_the_log_cannot_be_written, .fini = teardown,
     .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_ready_key(h, EC_TEMPLATE, "alice");
    uint8_t hash[32];
    api_random(hash, sizeof(hash));
    char *sad = aud_sad(h, kp, hash, sizeof(hash)); /* good for one signature */
    char *body = aud_sign_body(kp, "ES256", hash, sizeof(hash));
    char rid[64];

    /* The file replaced by a directory: nothing can be appended. */
    cr_assert_eq(unlink(h->service_log), 0);
    cr_assert_eq(mkdir(h->service_log, 0700), 0);
    for (int i = 0; i < 3; i++) {
        samh_response_t r;
        api_call(h, SAMH_SSA, "POST", SIGN, body, sad, &r);
        api_assert_error(&r, 503, "backend_unavailable");
        cr_assert_null(strstr(r.body, "signature\""), "%s", r.body);
        samh_response_free(&r);
    }
    cr_assert_eq(rmdir(h->service_log), 0);
    /* Writable again: service resumes (the first request may still find it marked broken),
     * and the SAD was never spent. */
    long status = 0;
    for (int i = 0; i < 5 && status != 200; i++)
        status = call(SAMH_SSA, "POST", SIGN, body, sad, rid);
    cr_assert_eq(status, 200);
    cr_assert_eq(call(SAMH_SSA, "POST", SIGN, body, sad, rid), 403);
    api_stop(h);
    const char *svc[] = {h->service_log};
    cr_assert_eq(aud_verify(h, svc, 1), 0);
    free(body);
    free(sad);
    free(kp);
}
