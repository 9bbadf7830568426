/*
 * The audit log under load: rotation (rename + SIGHUP, repeatedly) loses and
 * duplicates nothing and the chain runs through every file; kill -9 loses no
 * record of an answered request and leaves a log that verifies.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_support.h"
#include "audit_support.h"

#define EC_TEMPLATE "{\"algorithm\":\"ECDSA\",\"named_curve\":\"P-256\"}"
#define SIGN "/sam/v1/signatures"
#define N 120

static samh_t *h;
static char *bodies[N], *sads[N];

static void teardown(void)
{
    for (int i = 0; i < N; i++) {
        free(bodies[i]);
        free(sads[i]);
    }
    samh_free(h);
    h = NULL;
}

/* N signature requests, each with a SAD of its own, queued in a batch. */
static samh_batch_t *load(const char *kp)
{
    samh_batch_t *b = samh_batch_new(h, false);
    cr_assert_not_null(b);
    for (int i = 0; i < N; i++) {
        uint8_t hash[32];
        api_random(hash, sizeof(hash));
        sads[i] = aud_sad(h, kp, hash, sizeof(hash));
        bodies[i] = aud_sign_body(kp, "ES256", hash, sizeof(hash));
        samh_request_t r = {.method = "POST", .path = SIGN, .body = bodies[i],
                            .body_len = strlen(bodies[i]), .sad = sads[i], .client = SAMH_SSA,
                            .timeout_ms = 60000};
        cr_assert_geq(samh_batch_add(b, &r), 0);
    }
    return b;
}

Test(audit_load, rotation_under_load, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_ready_key(h, EC_TEMPLATE, "alice");
    samh_batch_t *b = load(kp);
    char rotated[3][PATH_MAX + 8];

    for (int k = 0; k < 3; k++) {
        snprintf(rotated[k], sizeof(rotated[k]), "%s.r%d", h->service_log, k);
        (void)samh_batch_pump(b, 250);
        int renamed = -1;
        for (int tries = 0; tries < 20 && renamed != 0; tries++) {
            renamed = rename(h->service_log, rotated[k]);
            if (renamed != 0)
                (void)samh_batch_pump(b, 50); /* the previous reopen has not created it yet */
        }
        cr_assert_eq(renamed, 0);
        cr_assert_eq(samh_signal(h, SIGHUP), 0);
    }
    cr_assert_eq(samh_batch_wait(b, 120000), 0);
    api_stop(h);
    const char *files[] = {rotated[0], rotated[1], rotated[2], h->service_log};
    cr_assert_eq(aud_verify(h, files, 4), 0);
    size_t ok = 0;
    for (size_t i = 0; i < N; i++) {
        const samh_response_t *r = samh_batch_response(b, i);
        if (r->request_id[0] == '\0')
            continue;
        ok += r->status == 200;
        cr_assert_eq(aud_count_rid(files, 4, r->request_id), 1, "request %zu (%ld)", i,
                     r->status);
    }
    cr_assert_gt(ok, N / 2, "%zu of %d signed", ok, N);
    samh_batch_free(b);
    free(kp);
}

Test(audit_load, kill_9_under_load, .fini = teardown, .timeout = API_TEST_TIMEOUT)
{
    h = api_start(NULL);
    char *kp = api_ready_key(h, EC_TEMPLATE, "alice");
    samh_batch_t *b = load(kp);
    int running = N;
    for (int i = 0; i < 400 && running > N - 40; i++)
        running = samh_batch_pump(b, 10);
    cr_assert_eq(kill(h->pid, SIGKILL), 0);
    (void)samh_batch_wait(b, 30000);
    for (int i = 0; i < 250 && samh_running(h); i++)
        usleep(20000);
    cr_assert(!samh_running(h));
    api_restart(h); /* cuts a torn last line, continues the chain */
    api_stop(h);
    const char *files[] = {h->service_log};
    cr_assert_eq(aud_verify(h, files, 1), 0);
    size_t ok = 0;
    for (size_t i = 0; i < N; i++) {
        const samh_response_t *r = samh_batch_response(b, i);
        if (r->status != 200)
            continue;
        ok++;
        cr_assert_eq(aud_count_rid(files, 1, r->request_id), 1, "answered request %zu", i);
    }
    cr_assert_gt(ok, 0);
    samh_batch_free(b);
    free(kp);
}
