/*
 * The cryptographic module going away under a running samd: the SoftHSMv2
 * token's directory disappears (as a network HSM or its partition would),
 * then comes back. While it is gone, a signature request is answered
 * 503 backend_unavailable, nothing is signed and the SAD is not spent.
 * The audit key is in that module too, so no record can be signed while it
 * is gone: samd says so on its own log, and the audit chain must come out
 * of the outage intact. Once the token is back, the same samd (no restart)
 * signs with that very SAD, and that signature is recorded.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_support.h"

static samh_t *h;
static char *tokens, *tokens_away;

static void teardown(void)
{
    /* Put the token back whatever happened, so that the harness can remove it. */
    if (tokens_away != NULL)
        (void)rename(tokens_away, tokens);
    free(tokens);
    free(tokens_away);
    tokens = tokens_away = NULL;
    samh_free(h);
    h = NULL;
}

/* Lines of the file at path holding every one of the needles. */
static int count_lines(const char *path, const char *n1, const char *n2)
{
    FILE *f = fopen(path, "r");
    char line[8192];
    int n = 0;

    cr_assert_not_null(f, "cannot open %s", path);
    while (fgets(line, sizeof(line), f) != NULL)
        if (strstr(line, n1) != NULL && (n2 == NULL || strstr(line, n2) != NULL))
            n++;
    fclose(f);
    return n;
}

#define EC_TEMPLATE "{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}"

Test(api_module_outage, unavailable_module_spends_nothing, .fini = teardown,
     .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_ready_key(h, EC_TEMPLATE, "alice");
    char *id = api_kp_string(kp, "id");
    api_hash_t a = api_hash(32);
    api_sad_t s = {.sub = "alice", .key_id = id, .hashes = &a, .n_hashes = 1};
    char *sad = api_sad(h, &s);
    api_req_t ra = {a.b, a.len, "ES256", NULL, 0};
    char *body = api_sign_body(kp, "alice", NULL, &ra, 1);

    tokens = api_printf("%s/tokens", h->token.dir);
    tokens_away = api_printf("%s/tokens.away", h->token.dir);
    cr_assert_eq(rename(tokens, tokens_away), 0, "cannot move the token away");

    /* Twice: the first failure makes the plugin re-initialize, which fails too. */
    for (int i = 0; i < 2; i++)
        api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/signatures", body, sad, 503,
                         "backend_unavailable");
    cr_assert(samh_running(h), "samd must keep running without its module");
    cr_assert_eq(count_lines(h->service_log, "\"event\":\"sign\"", NULL), 0,
                 "a signature record while the audit key was gone");
    cr_assert_geq(count_lines(h->log_path, "handle invalid", NULL), 1,
                  "samd's log does not name the module failure");

    cr_assert_eq(rename(tokens_away, tokens), 0);
    free(tokens_away);
    tokens_away = NULL;
    /* Back: the same samd, the same SAD, which the failures did not spend. The
     * plugin tries to re-initialize the module at most once a second, and the
     * audit log stays marked broken until a record is written again (the
     * refused request's own record re-opens it; docs/internals/audit.md,
     * "Fail closed"): a few requests may still be refused, for a bounded time. */
    samh_response_t r;
    int tries = 0;
    do {
        api_call(h, SAMH_SSA, "POST", "/sam/v1/signatures", body, sad, &r);
        tries++;
        if (r.status != 200) {
            cr_assert_eq(r.status, 503, "after the outage: status %ld", r.status);
            samh_response_free(&r);
            usleep(200 * 1000);
        }
    } while (r.status != 200 && tries < 25);
    cr_assert_eq(r.status, 200, "samd did not recover from the module outage");
    samh_response_free(&r);
    api_expect_error(h, SAMH_SSA, "POST", "/sam/v1/signatures", body, sad, 403, "sad_exhausted");
    cr_assert_eq(count_lines(h->service_log, "\"event\":\"sign\"", "\"outcome\":\"success\""), 1);
    char *verify = api_printf("%s/bin/sam-audit verify --infra %s/sam_infrastructure.json %s "
                              ">/dev/null 2>&1",
                              SAM_TEST_BINARY_DIR, h->config_dir, h->service_log);
    cr_assert_eq(system(verify), 0, "sam-audit verify fails after the outage");
    free(verify);
    free(body);
    free(sad);
    free(id);
    free(kp);
    api_stop(h);
}
