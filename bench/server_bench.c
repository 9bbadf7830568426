/*
 * make bench-server: signatures per second through samd against the raw
 * PKCS#11 unwrap + sign + destroy rate on the same token type, with as many
 * raw threads as samd has workers.
 *
 *   - samd (samharness: mTLS, SoftHSMv2 token, AS key) with one key pair per
 *     algorithm, generated, assigned, certified and enabled over /sam/v1;
 *   - per case (RS256 / ES256, 1 / 10 hashes per call): a warm-up, then
 *     `rounds` pairs of slices, raw then samd, and a last raw slice:
 *       raw:  a child process runs unwrap + sign x k + destroy on `workers`
 *             threads on its own token, then finalizes and exits; samd idles;
 *       samd: pre-minted requests (one fresh SAD each: unique jti, its hashes
 *             listed) over HTTP/2 + mTLS, `connections` x `streams` in flight
 *             on kept-alive connections (sb_client.c);
 *     each samd slice is compared with the mean of the raw slices around it,
 *     so a noisy neighbour on the shared machine weighs on both alike; the
 *     ratio reported is the median over the rounds (min..max shown too);
 *   - a table: samd sig/s, raw sig/s, ratio, p50 and p99 per request, CPU per
 *     signature on both sides, samd's VmRSS at the end of each case.
 * Signatures per second count hashes signed. Every slice is bounded in time
 * and count; traffic goes to 127.0.0.1 only.
 *
 * Exit status: 0 all well; 1 the bench failed, or a response was not 200;
 * 2 RS256 with 1 hash is below the target ratio.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sb_phase.h"
#include "sb_setup.h"

#define TARGET_RATIO 0.7
#define SAD_LIFETIME 280 /* below the default sad.max_lifetime_seconds (300) */
#define MAX_ROUNDS 9

typedef struct {
    double seconds;
    unsigned threads, workers, raw_threads, connections, streams, rounds;
    unsigned long max_requests;
    const char *only_case; /* NULL: every case */
    const char *log_level;
} opts_t;

typedef struct {
    bool ran;
    unsigned rounds_done;
    raw_mt_result_t raw[MAX_ROUNDS + 1];
    double samd_sig_s[MAX_ROUNDS], raw_sig_s[MAX_ROUNDS], ratio[MAX_ROUNDS];
    unsigned long requests, ok, bad;
    double samd_cpu_s, client_cpu_s, samd_elapsed, samd_sigs;
    long rss_kib;
    double *latency_ms; /* all rounds */
    size_t n_latency;
    char first_error[512];
} case_result_t;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, size_t n)
{
    double tmp[MAX_ROUNDS];
    if (n == 0)
        return 0;
    memcpy(tmp, v, n * sizeof(*v));
    qsort(tmp, n, sizeof(*tmp), cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static double percentile(const double *sorted, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)ceil(q * (double)n);
    return sorted[i == 0 ? 0 : i - 1];
}

/* Fold a samd slice into the case. */
static void add_slice(case_result_t *r, const sb_slice_t *s, unsigned hashes)
{
    r->requests += s->completed;
    r->ok += s->ok;
    r->bad += s->non200 + s->errors;
    r->samd_cpu_s += s->samd_cpu_s;
    r->client_cpu_s += s->client_cpu_s;
    r->samd_elapsed += s->elapsed;
    r->samd_sigs += (double)s->ok * hashes;
    r->rss_kib = s->rss_kib;
    if (r->first_error[0] == '\0' && s->first_error[0] != '\0')
        snprintf(r->first_error, sizeof(r->first_error), "%s", s->first_error);
    double *all = realloc(r->latency_ms, (r->n_latency + s->completed + 1) * sizeof(double));
    if (all != NULL) {
        memcpy(all + r->n_latency, s->latency_ms, s->completed * sizeof(double));
        r->latency_ms = all;
        r->n_latency += s->completed;
    }
}

/* Warm-up, then rounds of raw and samd slices, then the last raw slice. */
static int run_case(const opts_t *o, const sam_test_token_t *raw_token, const sb_target_t *t,
                    case_result_t *r)
{
    const sb_case_t *cs = &sb_cases[t->c];
    sb_slice_t s;
    char tag[16];

    /* Connections opened, samd's pools and caches filled; not counted. */
    size_t warm = (size_t)o->connections * o->streams * 2;
    if (sb_samd_slice(t, warm, 30.0, "warm", &s) != 0 || s.ok != warm) {
        fprintf(stderr, "server_bench: %s warm-up: %lu of %zu answered 200; %s\n", cs->name, s.ok,
                warm, s.first_error);
        r->bad += warm - s.ok;
        snprintf(r->first_error, sizeof(r->first_error), "%s", s.first_error);
        sb_slice_free(&s);
        return -1;
    }
    sb_slice_free(&s);
    r->ran = true;
    if (sb_raw_slice(raw_token, o->raw_threads, o->seconds, t->c, &r->raw[0]) != 0)
        return -1;
    for (unsigned i = 0; i < o->rounds; i++) {
        /* Enough requests for the slice even well above the raw rate; bounded. */
        double want = r->raw[i].ops_per_s * o->seconds * 3 + 256;
        size_t n = want < (double)o->max_requests ? (size_t)want : o->max_requests;
        snprintf(tag, sizeof(tag), "r%u", i);
        int rc = sb_samd_slice(t, n, o->seconds, tag, &s);
        add_slice(r, &s, cs->hashes);
        bool verified = s.verified;
        /* Throughput under steady load, like the raw slices (see sb_run_t.window). */
        double sig_s = s.window > 0 ? (double)s.ok_in_window * cs->hashes / s.window : 0;
        sb_slice_free(&s);
        if (rc != 0 || !verified) {
            fprintf(stderr, "server_bench: %s: slice %u failed%s\n", cs->name, i,
                    verified ? "" : " (no verifiable signature in a 200 answer)");
            return -1;
        }
        if (!samh_running(t->h)) {
            fprintf(stderr, "server_bench: samd ended (status %d)\n", t->h->exit_status);
            return -1;
        }
        if (sb_raw_slice(raw_token, o->raw_threads, o->seconds, t->c, &r->raw[i + 1]) != 0)
            return -1;
        r->samd_sig_s[i] = sig_s;
        r->raw_sig_s[i] = (r->raw[i].sigs_per_s + r->raw[i + 1].sigs_per_s) / 2;
        r->ratio[i] = r->raw_sig_s[i] > 0 ? sig_s / r->raw_sig_s[i] : 0;
        r->rounds_done = i + 1;
        fprintf(stderr, "server_bench: %s round %u: samd %.0f sig/s, raw %.0f/%.0f, ratio %.2f\n",
                cs->name, i, sig_s, r->raw[i].sigs_per_s, r->raw[i + 1].sigs_per_s, r->ratio[i]);
    }
    return 0;
}

/* Is case c selected? --case names it without the space ("RS256x1"). */
static bool case_selected(const opts_t *o, int c)
{
    const char *name = sb_cases[c].name, *want = o->only_case;
    if (want == NULL)
        return true;
    for (; *name != '\0'; name++) {
        if (*name == ' ')
            continue;
        if (*want++ != *name)
            return false;
    }
    return *want == '\0';
}

static double lo_hi(const double *v, unsigned n, bool hi)
{
    double x = n > 0 ? v[0] : 0;
    for (unsigned i = 1; i < n; i++)
        x = hi ? fmax(x, v[i]) : fmin(x, v[i]);
    return x;
}

static void report(const opts_t *o, case_result_t *res)
{
    printf("\nOpenSAM server benchmark: samd threads=%u workers=%u; HTTP/2 + mTLS, %u connections "
           "x %u streams;\nraw PKCS#11 unwrap+sign+destroy on %u threads; %u rounds of %.1f s "
           "slices per case (raw, samd, ..., raw); sig/s counts hashes signed\n\n",
           o->threads, o->workers, o->connections, o->streams, o->raw_threads, o->rounds, o->seconds);
    printf("%-9s %8s %8s %5s %11s %7s %7s %6s %7s %7s %5s %5s %5s %6s\n", "case", "samd", "raw",
           "ratio", "ratio", "p50", "p99", "non200", "samd", "raw", "CPU", "samd", "clnt", "samd");
    printf("%-9s %8s %8s %5s %11s %7s %7s %6s %7s %7s %5s %5s %5s %6s\n", "", "sig/s", "sig/s",
           "(med)", "min..max", "ms/req", "ms/req", "+err", "us/sig", "us/sig", "ratio", "CPU%",
           "CPU%", "RSSMiB");
    for (int c = 0; c < SB_CASE_COUNT; c++) {
        case_result_t *r = &res[c];
        if (!r->ran || r->rounds_done == 0) {
            printf("%-9s (not run)\n", sb_cases[c].name);
            continue;
        }
        unsigned n = r->rounds_done;
        double raw_cpu = 0, raw_sigs = 0;
        for (unsigned i = 0; i <= n; i++) {
            raw_cpu += r->raw[i].cpu_s;
            raw_sigs += (double)r->raw[i].ops * sb_cases[c].hashes;
        }
        qsort(r->latency_ms, r->n_latency, sizeof(double), cmp_double);
        double ratio = median(r->ratio, n);
        double samd_us = r->samd_sigs > 0 ? 1e6 * r->samd_cpu_s / r->samd_sigs : 0;
        double raw_us = raw_sigs > 0 ? 1e6 * raw_cpu / raw_sigs : 0;
        printf("%-9s %8.0f %8.0f %5.2f %5.2f..%-5.2f %7.1f %7.1f %6lu %7.0f %7.0f %5.2f %5.0f %5.0f "
               "%6.1f%s\n",
               sb_cases[c].name, median(r->samd_sig_s, n), median(r->raw_sig_s, n), ratio,
               lo_hi(r->ratio, n, false), lo_hi(r->ratio, n, true),
               percentile(r->latency_ms, r->n_latency, 0.50),
               percentile(r->latency_ms, r->n_latency, 0.99), r->bad, samd_us, raw_us,
               samd_us > 0 ? raw_us / samd_us : 0,
               r->samd_elapsed > 0 ? 100 * r->samd_cpu_s / r->samd_elapsed : 0,
               r->samd_elapsed > 0 ? 100 * r->client_cpu_s / r->samd_elapsed : 0,
               r->rss_kib / 1024.0, c == SB_CASE_RS1 && ratio < TARGET_RATIO ? "  BELOW 0.7" : "");
    }
    printf("\nratio: samd sig/s over the mean raw sig/s of the slices around it, median of the "
           "rounds;\nsamd sig/s counts the 200s completed while requests were being issued (the "
           "drain of\nthe last requests in flight is left out, as raw leaves out its threads' last "
           "operation).\nCPU ratio: raw CPU per signature over samd's: the most the ratio can reach "
           "where samd\nis CPU-bound (the client's CPU not counted). RSS: samd's VmRSS after the "
           "case.\n");
    printf("\nper round, samd sig/s | raw sig/s (mean of the slices around it):\n");
    for (int c = 0; c < SB_CASE_COUNT; c++) {
        printf("  %-9s", sb_cases[c].name);
        for (unsigned i = 0; i < res[c].rounds_done; i++)
            printf("  %.0f|%.0f", res[c].samd_sig_s[i], res[c].raw_sig_s[i]);
        printf("   (%lu requests)\n", res[c].requests);
    }
    for (int c = 0; c < SB_CASE_COUNT; c++)
        if (res[c].first_error[0] != '\0')
            printf("%s: first failure: %s\n", sb_cases[c].name, res[c].first_error);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: server_bench [--seconds S] [--rounds N] [--threads N] [--workers N]\n"
            "                    [--raw-threads N] [--connections N] [--streams N]\n"
            "                    [--max-requests N] [--case NAME] [--log-level LEVEL]\n"
            "  --seconds: length of each slice (default 3, at most 5)\n"
            "  --workers: samd's worker threads (default: samd's own default, 16)\n"
            "  --raw-threads: threads of the raw baseline (default: the online CPUs, where\n"
            "                 raw PKCS#11 on SoftHSMv2 peaks; more threads only contend)\n"
            "  --case: run one case only (RS256x1, RS256x10, ES256x1, ES256x10)\n");
}

static int parse_opts(int argc, char **argv, opts_t *o)
{
    static const struct option longs[] = {
        {"seconds", required_argument, NULL, 's'},     {"rounds", required_argument, NULL, 'r'},
        {"threads", required_argument, NULL, 't'},     {"workers", required_argument, NULL, 'w'},
        {"connections", required_argument, NULL, 'c'}, {"streams", required_argument, NULL, 'm'},
        {"max-requests", required_argument, NULL, 'n'}, {"log-level", required_argument, NULL, 'l'},
        {"raw-threads", required_argument, NULL, 'R'}, {"case", required_argument, NULL, 'C'},
        {NULL, 0, NULL, 0}};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (opts_t){.seconds = 3.0, .threads = 2, .workers = 16,
                  .raw_threads = cpus > 0 && cpus <= 64 ? (unsigned)cpus : 2,
                  .connections = 16, .streams = 4, .rounds = 3, .max_requests = 50000,
                  .log_level = "info"};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        char *end = NULL;
        unsigned long v = 0;
        if (ch == '?') {
            usage();
            return -1;
        }
        if (ch != 's' && ch != 'l' && ch != 'C') {
            errno = 0;
            v = strtoul(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || v > 1000000) {
                usage();
                return -1;
            }
        }
        switch (ch) {
        case 's':
            o->seconds = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(o->seconds > 0 && o->seconds <= 5)) {
                fprintf(stderr, "server_bench: --seconds must be in (0, 5]\n");
                return -1;
            }
            break;
        case 'r': o->rounds = (unsigned)v; break;
        case 't': o->threads = (unsigned)v; break;
        case 'w': o->workers = (unsigned)v; break;
        case 'c': o->connections = (unsigned)v; break;
        case 'm': o->streams = (unsigned)v; break;
        case 'n': o->max_requests = v; break;
        case 'l': o->log_level = optarg; break;
        case 'R': o->raw_threads = (unsigned)v; break;
        case 'C': o->only_case = optarg; break;
        default: usage(); return -1;
        }
    }
    if (o->rounds < 1 || o->rounds > MAX_ROUNDS || o->threads < 1 || o->threads > 64 ||
        o->workers < 1 || o->workers > 64 || o->raw_threads < 1 || o->raw_threads > 64 ||
        o->connections < 1 || o->connections > 64 ||
        o->streams < 1 || o->streams > 64 || o->max_requests < 1 || optind != argc) {
        usage();
        return -1;
    }
    bool known = false;
    for (int c = 0; c < SB_CASE_COUNT; c++)
        known = known || case_selected(o, c);
    if (!known) {
        fprintf(stderr, "server_bench: no case named \"%s\"\n", o->only_case);
        usage();
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts_t o;
    samh_t *h = NULL;
    sb_client_t *cl = NULL;
    EVP_PKEY *as_key = NULL;
    char *kp[2] = {NULL, NULL}, *kid[2] = {NULL, NULL};
    sam_test_token_t raw_token;
    bool have_raw_token = false;
    case_result_t res[SB_CASE_COUNT];
    int broken = 0;

    memset(res, 0, sizeof(res));
    if (parse_opts(argc, argv, &o) != 0)
        return 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* The raw slices' own token (same type), made first: samh_setup() then points
     * SOFTHSM2_CONF at samd's token, and each raw child points it back at this one. */
    if (sam_test_token_create(&raw_token, "bench-raw") != 0)
        return 1;
    have_raw_token = true;
    samh_options_t hopts = {.threads = o.threads, .workers = o.workers, .log_level = o.log_level};
    if (samh_setup(&h, &hopts) != 0 || samh_start(h) != 0)
        goto fail;
    fprintf(stderr, "server_bench: samd pid %d on 127.0.0.1:%u (dir %s)\n", (int)h->pid,
            (unsigned)h->port, h->dir);
    if ((kp[0] = sb_ready_key(h, "{\"algorithm\":\"RSA\",\"size\":2048}", SB_SIGNER)) == NULL ||
        (kp[1] = sb_ready_key(h, "{\"algorithm\":\"ECDSA\",\"named_curve\":\"secp256r1\"}",
                              SB_SIGNER)) == NULL ||
        (kid[0] = sb_kp_id(kp[0])) == NULL || (kid[1] = sb_kp_id(kp[1])) == NULL ||
        (as_key = sb_load_key(h->as_key)) == NULL)
        goto fail;
    sb_client_conf_t cconf = {h->port,
                              "/sam/v1/signatures",
                              h->ca_cert,
                              h->clients[SAMH_SSA].cert,
                              h->clients[SAMH_SSA].key,
                              o.connections,
                              o.streams,
                              30000};
    if ((cl = sb_client_new(&cconf)) == NULL)
        goto fail;
    for (int c = 0; c < SB_CASE_COUNT; c++) {
        int k = sb_cases[c].key;
        sb_target_t t = {h, cl, c, kp[k], {as_key, h->as_id, h->sam_id, SB_SIGNER, kid[k],
                                           SAD_LIFETIME}};
        if (!case_selected(&o, c))
            continue;
        fprintf(stderr, "server_bench: %s...\n", sb_cases[c].name);
        if (run_case(&o, &raw_token, &t, &res[c]) != 0)
            goto fail;
    }
    sb_client_free(cl);
    cl = NULL;
    int status = -1;
    if (samh_stop(h, 30000, &status) != 0 || status != 0) {
        fprintf(stderr, "server_bench: samd did not stop cleanly (status %d)\n", status);
        broken = 1;
    }
    goto done;
fail:
    fprintf(stderr, "server_bench: failed\n");
    broken = 1;
done:
    report(&o, res);
    unsigned long bad = 0;
    for (int c = 0; c < SB_CASE_COUNT; c++)
        bad += res[c].bad;
    double ratio = median(res[SB_CASE_RS1].ratio, res[SB_CASE_RS1].rounds_done);
    bool judged = case_selected(&o, SB_CASE_RS1);
    if (judged)
        printf("\nRS256 with 1 hash: %.2f of raw (target %.1f)%s\n", ratio, TARGET_RATIO,
               ratio >= TARGET_RATIO ? "" : ": BELOW TARGET");
    if (bad > 0)
        printf("FAILED: %lu responses were not 200 or did not arrive\n", bad);
    if (broken)
        printf("FAILED: the benchmark did not run to the end (see above)\n");
    sb_client_free(cl);
    EVP_PKEY_free(as_key);
    for (int i = 0; i < 2; i++) {
        free(kp[i]);
        free(kid[i]);
    }
    for (int c = 0; c < SB_CASE_COUNT; c++)
        free(res[c].latency_ms);
    samh_free(h);
    if (have_raw_token)
        sam_test_token_destroy(&raw_token);
    return bad > 0 || broken ? 1 : !judged || ratio >= TARGET_RATIO ? 0 : 2;
}
