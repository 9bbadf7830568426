/*
 * audit_bench: RS256 signatures per second through the module (unwrap + sign
 * + destroy, as the signing path does) with one audit record per signature,
 * with the audit log synced (group commit) versus audit.sync false, in one
 * run, on a throwaway SoftHSMv2 token. The synced rate should stay >= 0.85
 * of the unsynced one.
 *   audit_bench [threads (default 8)] [seconds per phase (default 5)]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sam/audit.h"
#include "sam/rc.h"
#include "softhsm_token.h"

static sam_module_t *mod;
static sam_audit_t *audit;
static sam_key_spec_t spec = {SAM_KEY_RSA, 2048, SAM_CURVE_NONE};
static uint8_t wrapped[SAM_MAX_WRAPPED_LEN];
static size_t wrapped_len;
static atomic_bool stop;
static atomic_ulong done, failed;

static void *worker(void *arg)
{
    (void)arg;
    uint8_t hash[32] = {7}, sig[SAM_MAX_SIGNATURE_LEN];
    sam_sig_params_t p = {SAM_SCHEME_RSA_PKCS1, SAM_HASH_SHA256, SAM_HASH_NONE, 0};
    sam_bytes_t h = {hash, sizeof(hash)};
    while (!atomic_load(&stop)) {
        sam_outbuf_t o = {sig, sizeof(sig), 0};
        sam_audit_event_t ev = {.event = "sign", .signer = "bench", .algorithm = "RS256",
                                .outcome = "success", .status = 200};
        if (sam_module_sign(mod, &spec, (sam_bytes_t){wrapped, wrapped_len}, &p, &h, 1, &o) !=
                SAM_OK ||
            sam_audit_record(audit, SAM_AUDIT_SERVICE, &ev) != SAM_OK)
            atomic_fetch_add(&failed, 1);
        else
            atomic_fetch_add(&done, 1);
    }
    return NULL;
}

static double phase(const char *dir, bool sync, int threads, int seconds)
{
    char svc[600], adm[600];
    pthread_t t[64];
    snprintf(svc, sizeof(svc), "%s/%s-service.log", dir, sync ? "sync" : "nosync");
    snprintf(adm, sizeof(adm), "%s/%s-admin.log", dir, sync ? "sync" : "nosync");
    sam_audit_options_t o = {.path = {svc, adm}, .node = "bench", .sam_id = "bench",
                             .module = mod, .sync = sync};
    if (sam_audit_open(&o, &audit) != SAM_OK) {
        fprintf(stderr, "audit_bench: %s\n", sam_error_message());
        exit(1);
    }
    atomic_store(&stop, false);
    atomic_store(&done, 0);
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    sleep((unsigned)seconds);
    atomic_store(&stop, true);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    sam_audit_close(audit);
    return (double)atomic_load(&done) / seconds;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 8, seconds = argc > 2 ? atoi(argv[2]) : 5;
    sam_test_token_t tok;
    uint8_t spki[SAM_MAX_SPKI_LEN];
    sam_outbuf_t so = {spki, sizeof(spki), 0}, wo = {wrapped, sizeof(wrapped), 0};
    char dir[] = "/tmp/sam-audit-bench-XXXXXX";

    if (threads < 1 || threads > 64 || seconds < 1 || seconds > 600 || mkdtemp(dir) == NULL ||
        sam_test_token_create(&tok, "audit-bench") != 0 ||
        sam_test_module_open(&tok, 1, &mod) != SAM_OK ||
        sam_module_generate(mod, &spec, &so, &wo) != SAM_OK) {
        fprintf(stderr, "audit_bench: setup failed: %s\n", sam_error_message());
        return 1;
    }
    wrapped_len = wo.len;
    double nosync = phase(dir, false, threads, seconds);
    double synced = phase(dir, true, threads, seconds);
    printf("RS256 + audit record, %d threads, %d s per phase:\n"
           "  audit.sync false: %.0f signatures/s\n  audit.sync true:  %.0f signatures/s\n"
           "  ratio %.3f (target >= 0.85); failures %lu\n",
           threads, seconds, nosync, synced, synced / nosync, atomic_load(&failed));
    sam_module_close(mod);
    sam_test_token_destroy(&tok);
    char *rm[] = {"rm", "-rf", dir, NULL};
    (void)sam_test_run(rm);
    return synced / nosync >= 0.85 ? 0 : 1;
}
