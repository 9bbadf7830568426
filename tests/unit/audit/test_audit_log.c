/*
 * The writer: chain continuity across restarts and rotation, group commit
 * under concurrency, torn tails, tampered tails, fail-closed and recovery.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_fixture.h"
#include "sam/rc.h"

TestSuite(audit_log, .init = ax_setup, .fini = ax_teardown, .timeout = 120);

static void expect_ok(const char *const *files, size_t n, uint64_t records)
{
    sam_audit_verify_t v = ax_verify(files, n);
    cr_assert(v.ok, "file %zu line %llu: %s", v.bad_file, (unsigned long long)v.bad_line, v.why);
    cr_assert_eq(v.records, records, "%llu records", (unsigned long long)v.records);
}

Test(audit_log, record_fields_and_no_unknown_text)
{
    sam_audit_t *a = ax_open();
    char *hashes = NULL;
    uint8_t h1[32] = {1}, h2[32] = {2};
    sam_bytes_t hs[2] = {{h1, 32}, {h2, 32}};
    cr_assert_eq(sam_audit_hashes_json(hs, 2, &hashes), SAM_OK);
    sam_audit_event_t ev = {.event = "sign", .caller_id = "ssa-1", .caller_role = "ssa",
                            .signer = "bob", .key_id = "k1", .sad_jti = "j1", .sad_iss = "as",
                            .hashes = hashes, .algorithm = "RS256", .outcome = "success",
                            .status = 200, .request_id = "abc", .peer = "127.0.0.1:5"};
    cr_assert_eq(sam_audit_record(a, SAM_AUDIT_SERVICE, &ev), SAM_OK);
    sam_audit_close(a);
    free(hashes);
    size_t len;
    char *t = ax_read(ax_service, &len);
    cr_assert(strncmp(t, "{\"seq\":1,\"time\":\"", 17) == 0, "%s", t);
    cr_assert(strstr(t, "\"log\":\"service\",\"node\":\"node-1\",\"sam_id\":\"sam-test\","
                        "\"event\":\"sign\",\"caller\":{\"id\":\"ssa-1\",\"role\":\"ssa\","
                        "\"key\":null},\"signer\":\"bob\",\"key_id\":\"k1\",\"sad\":{\"jti\":"
                        "\"j1\",\"iss\":\"as\"},\"hashes\":[\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                        "AAAAAAAAAAA=\",\"AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"],"
                        "\"algorithm\":\"RS256\",\"outcome\":\"success\",\"status\":200,"
                        "\"error\":null,\"reason\":null,\"request_id\":\"abc\",\"peer\":"
                        "\"127.0.0.1:5\",\"prev\":\"0000000000000000000000000000000000000000000"
                        "000000000000000000000\",\"sig\":\"") != NULL, "%s", t);
    free(t);
    const char *f[] = {ax_service};
    expect_ok(f, 1, 1);
}

Test(audit_log, many_hashes_are_digested)
{
    uint8_t h[32] = {0};
    sam_bytes_t hs[SAM_AUDIT_MAX_LISTED_HASHES + 1];
    char *json = NULL;
    for (size_t i = 0; i < SAM_AUDIT_MAX_LISTED_HASHES + 1; i++)
        hs[i] = (sam_bytes_t){h, sizeof(h)};
    cr_assert_eq(sam_audit_hashes_json(hs, SAM_AUDIT_MAX_LISTED_HASHES + 1, &json), SAM_OK);
    cr_assert(strncmp(json, "{\"count\":17,\"sha256\":\"", 22) == 0, "%s", json);
    free(json);
}

Test(audit_log, chain_continues_across_restarts)
{
    for (int round = 0; round < 3; round++) {
        sam_audit_t *a = ax_open();
        ax_write(a, SAM_AUDIT_SERVICE, round * 4, 4);
        sam_audit_close(a);
    }
    const char *f[] = {ax_service};
    expect_ok(f, 1, 12);
}

Test(audit_log, chain_continues_across_rotation_and_restart)
{
    char r1[PATH_MAX + 32], r2[PATH_MAX + 32];
    snprintf(r1, sizeof(r1), "%s.1", ax_service);
    snprintf(r2, sizeof(r2), "%s.2", ax_service);
    sam_audit_t *a = ax_open();
    ax_write(a, SAM_AUDIT_SERVICE, 0, 3);
    cr_assert_eq(rename(ax_service, r2), 0);
    ax_write(a, SAM_AUDIT_SERVICE, 3, 2); /* still into the renamed file, as logrotate expects */
    cr_assert_eq(sam_audit_reopen(a), SAM_OK);
    ax_write(a, SAM_AUDIT_SERVICE, 5, 3);
    /* Rotated again, then samd stops and starts before writing anything. */
    cr_assert_eq(rename(ax_service, r1), 0);
    sam_audit_close(a);
    a = ax_open(); /* the path is missing: the chain comes from the state file */
    ax_write(a, SAM_AUDIT_SERVICE, 8, 2);
    sam_audit_close(a);
    const char *all[] = {r2, r1, ax_service};
    expect_ok(all, 3, 3 + 2 + 1 + 3 + 2);
    /* The newest file alone verifies too, but says it continues an earlier one. */
    sam_audit_verify_t v = ax_verify1(ax_service);
    cr_assert(v.ok && !v.anchored);
    /* A rotated file left out breaks the chain at the next file's first line. */
    const char *gap[] = {r2, ax_service};
    v = ax_verify(gap, 2);
    cr_assert(!v.ok);
    cr_assert_eq(v.bad_file, 1);
    cr_assert_eq(v.bad_line, 1);
}

typedef struct {
    sam_audit_t *a;
    int id;
} worker_t;

static void *worker(void *arg)
{
    worker_t *w = arg;
    for (int i = 0; i < 50; i++) {
        char rid[32];
        snprintf(rid, sizeof(rid), "w%d-%d", w->id, i);
        sam_audit_event_t ev = {.event = "test", .outcome = "success", .request_id = rid};
        if (sam_audit_record(w->a, SAM_AUDIT_SERVICE, &ev) != SAM_OK)
            return (void *)1;
    }
    return NULL;
}

Test(audit_log, concurrent_records_share_syncs)
{
    sam_audit_t *a = ax_open();
    pthread_t t[8];
    worker_t w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker_t){a, i};
        cr_assert_eq(pthread_create(&t[i], NULL, worker, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        void *ret;
        cr_assert_eq(pthread_join(t[i], &ret), 0);
        cr_assert_null(ret);
    }
    sam_audit_close(a);
    const char *f[] = {ax_service};
    expect_ok(f, 1, 400);
}

Test(audit_log, torn_tail_is_cut_at_open)
{
    sam_audit_t *a = ax_open();
    ax_write(a, SAM_AUDIT_SERVICE, 0, 3);
    sam_audit_close(a);
    FILE *f = fopen(ax_service, "a");
    cr_assert_not_null(f);
    fputs("{\"seq\":4,\"time\":\"2025-", f);
    cr_assert_eq(fclose(f), 0);
    a = ax_open();
    ax_write(a, SAM_AUDIT_SERVICE, 3, 2);
    sam_audit_close(a);
    const char *files[] = {ax_service};
    expect_ok(files, 1, 5);
}

Test(audit_log, tampered_tail_refuses_to_open)
{
    sam_audit_t *a = ax_open();
    ax_write(a, SAM_AUDIT_SERVICE, 0, 3);
    sam_audit_close(a);
    size_t len;
    char *t = ax_read(ax_service, &len);
    char *p = strstr(t + len - 300, "\"status\":200");
    cr_assert_not_null(p);
    p[10] = '1';
    FILE *f = fopen(ax_service, "w");
    cr_assert_eq(fwrite(t, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
    free(t);
    sam_audit_options_t o = {.path = {ax_service, ax_admin}, .node = "n", .sam_id = "s",
                             .module = ax_module, .sync = true};
    cr_assert_eq(sam_audit_open(&o, &a), SAM_E_AUDIT_UNAVAILABLE);
    cr_assert(strstr(sam_error_message(), "does not verify") != NULL, "%s", sam_error_message());
}

Test(audit_log, fails_closed_and_recovers)
{
    char sub[PATH_MAX + 16], svc[PATH_MAX + 40], adm[PATH_MAX + 40];
    snprintf(sub, sizeof(sub), "%s/logs", ax_dir);
    snprintf(svc, sizeof(svc), "%s/service.log", sub);
    snprintf(adm, sizeof(adm), "%s/admin.log", sub);
    cr_assert_eq(mkdir(sub, 0700), 0);
    sam_audit_t *a = NULL;
    sam_audit_options_t o = {.path = {svc, adm}, .node = "n", .sam_id = "s",
                             .module = ax_module, .sync = true};
    cr_assert_eq(sam_audit_open(&o, &a), SAM_OK);
    sam_audit_event_t ev = {.event = "test", .outcome = "success"};
    cr_assert_eq(sam_audit_record(a, SAM_AUDIT_SERVICE, &ev), SAM_OK);
    /* The file removed: what was written to it is lost, so the batch fails. */
    cr_assert_eq(unlink(svc), 0);
    cr_assert_eq(rmdir(sub) == 0 || unlink(adm) == 0, 1);
    (void)unlink(adm);
    (void)rmdir(sub);
    cr_assert_eq(sam_audit_record(a, SAM_AUDIT_SERVICE, &ev), SAM_E_AUDIT_UNAVAILABLE);
    cr_assert(!sam_audit_usable(a, SAM_AUDIT_SERVICE));
    cr_assert_eq(sam_audit_record(a, SAM_AUDIT_SERVICE, &ev), SAM_E_AUDIT_UNAVAILABLE);
    /* Writable again: the next record opens the path anew. */
    cr_assert_eq(mkdir(sub, 0700), 0);
    cr_assert_eq(sam_audit_record(a, SAM_AUDIT_SERVICE, &ev), SAM_OK);
    cr_assert(sam_audit_usable(a, SAM_AUDIT_SERVICE));
    cr_assert_eq(sam_audit_record(a, SAM_AUDIT_SERVICE, &ev), SAM_OK);
    sam_audit_close(a);
    /* The new file continues the chain of the lost one (seq 2 onwards). */
    sam_audit_verify_t v = ax_verify1(svc);
    cr_assert(v.ok, "%s", v.why);
    cr_assert_eq(v.first_seq, 2);
    cr_assert_eq(v.records, 2);
}
