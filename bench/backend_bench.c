/*
 * make bench-backend: signatures per second on SoftHSMv2, one thread, for
 * RSA-2048 and P-256:
 *   (a) raw PKCS#11 sign with a resident key,
 *   (b) raw PKCS#11 unwrap + sign + destroy,
 *   (c) OpenSAM: parse the key_pair JSON, check its seal, sign through the
 *       backend plugin (unwrap + sign + destroy).
 * The phases alternate over several rounds in one run and each figure is the
 * median, so that a noisy neighbour hurts all of them alike. Reported: the
 * ratio (c)/(b), which must reach 0.9.
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "raw_pkcs11.h"
#include "sam/algorithms.h"
#include "sam/json.h"
#include "sam/keypair.h"
#include "sam/rc.h"
#include "softhsm_token.h"

#define SAM_ID "sam-bench"
#define ROUNDS 3

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return v[n / 2];
}

/* One signature as samd makes it from a key_pair text; its own function for callgrind. */
__attribute__((noinline)) static int plugin_sign_once(sam_module_t *m, const sam_strbuf_t *text,
                                                      const sam_sig_params_t *params,
                                                      const uint8_t *hash, uint8_t *sig)
{
    sam_json_t *doc = NULL;
    sam_key_pair_t *opened = NULL;
    sam_bytes_t h = {hash, 32};
    sam_outbuf_t s = {sig, SAM_MAX_SIGNATURE_LEN, 0};
    int r = sam_json_parse(text->ptr, text->len, &sam_json_default_limits, &doc);
    if (r == SAM_OK)
        r = sam_key_pair_open(m, SAM_ID, doc, &opened);
    if (r == SAM_OK)
        r = sam_key_pair_sign(m, opened, params, &h, 1, &s);
    sam_key_pair_free(opened);
    sam_json_free(doc);
    return r;
}

/* (c): a key_pair JSON text opened and used for one signature, as samd will do per request. */
static int plugin_measure(const sam_test_token_t *t, const sam_key_spec_t *spec, const char *alg,
                          double seconds, unsigned max_ops, double *per_s)
{
    int rc = -1;
    sam_module_t *m = NULL;
    sam_key_pair_t *kp = NULL;
    sam_strbuf_t text = SAM_STRBUF_INIT;
    sam_sig_params_t params;
    uint8_t hash[32], sig[SAM_MAX_SIGNATURE_LEN];

    RAND_bytes(hash, sizeof(hash));
    if (sam_test_module_open(t, 0, &m) != SAM_OK || sam_key_pair_generate(m, spec, &kp) != SAM_OK ||
        sam_key_pair_write(m, SAM_ID, kp, &text) != SAM_OK ||
        sam_sig_params_from_name(alg, &params) != SAM_OK) {
        fprintf(stderr, "plugin setup: %s\n", sam_error_message());
        goto out;
    }
    unsigned ops = 0;
    double t0 = now(), el;
    do {
        int r = plugin_sign_once(m, &text, &params, hash, sig);
        if (r != SAM_OK) {
            fprintf(stderr, "plugin sign: %s\n", sam_error_message());
            goto out;
        }
        ops++;
        el = now() - t0;
    } while (ops < max_ops && el < seconds);
    *per_s = ops / el;
    rc = 0;
out:
    sam_strbuf_free(&text);
    sam_key_pair_free(kp);
    sam_module_close(m);
    return rc;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? strtod(argv[1], NULL) : 2.0;
    /* SAM_BENCH_MAX_OPS bounds each phase by count (e.g. small, under callgrind). */
    const char *max_env = getenv("SAM_BENCH_MAX_OPS");
    unsigned max_ops = max_env != NULL ? (unsigned)strtoul(max_env, NULL, 10) : 20000;
    sam_test_token_t token;
    int failed = 0;

    if (seconds <= 0 || seconds > 30)
        seconds = 2.0;
    if (sam_test_token_create(&token, "bench") != 0)
        return 1;
    sam_module_t *m = NULL;
    if (sam_test_module_open(&token, 1, &m) != SAM_OK)
        return 1;
    sam_module_close(m);

    static const struct {
        const char *name, *alg;
        sam_key_spec_t spec;
    } cases[] = {
        {"RSA-2048 RS256", "RS256", {SAM_KEY_RSA, 2048, SAM_CURVE_NONE}},
        {"P-256 ES256", "ES256", {SAM_KEY_EC, 0, SAM_CURVE_P256}},
    };
    printf("OpenSAM backend benchmark: SoftHSMv2, 1 thread, %d rounds of %.1f s per phase "
           "(median)\n\n", ROUNDS, seconds);
    printf("%-16s %14s %16s %16s %8s\n", "key", "(a) resident/s", "(b) unwrap+sign/s",
           "(c) samcore/s", "(c)/(b)");
    const char *only = getenv("SAM_BENCH_ONLY"); /* e.g. "RSA" or "P-256": one case */
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double a[ROUNDS], b[ROUNDS], c[ROUNDS];
        if (only != NULL && strstr(cases[i].name, only) == NULL)
            continue;
        for (int r = 0; r < ROUNDS; r++) {
            raw_result_t raw;
            if (raw_pkcs11_measure(SAM_TEST_SOFTHSM_LIBRARY, token.label, SAM_TEST_PIN,
                                   sam_test_labels[SAM_MODULE_KEY_WRAP], &cases[i].spec, seconds, max_ops, &raw) != 0 ||
                plugin_measure(&token, &cases[i].spec, cases[i].alg, seconds, max_ops, &c[r]) != 0) {
                fprintf(stderr, "benchmark failed\n");
                sam_test_token_destroy(&token);
                return 1;
            }
            a[r] = raw.resident_per_s;
            b[r] = raw.unwrap_per_s;
        }
        double ma = median(a, ROUNDS), mb = median(b, ROUNDS), mc = median(c, ROUNDS);
        double ratio = mc / mb;
        printf("%-16s %14.0f %16.0f %16.0f %8.2f%s\n", cases[i].name, ma, mb, mc, ratio,
               ratio >= 0.9 ? "" : "  BELOW 0.9");
        if (ratio < 0.9)
            failed = 1;
    }
    sam_test_token_destroy(&token);
    return failed;
}
