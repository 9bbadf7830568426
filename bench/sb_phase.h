/*
 * server_bench's measured slices: one raw PKCS#11 slice (in a child process,
 * on its own token) and one samd slice (pre-minted requests through the
 * client). The bench alternates them so that a noisy neighbour on the shared
 * machine weighs on both sides of a ratio alike. Not thread-safe.
 */
#ifndef SAM_BENCH_SB_PHASE_H
#define SAM_BENCH_SB_PHASE_H

#include <stdbool.h>
#include <stddef.h>

#include "raw_pkcs11_mt.h"
#include "samharness.h"
#include "sb_client.h"
#include "sb_sad.h"

#define SB_SIGNER "bench-signer"
/* The raw token's wrapping key: a token object, as samd's module wrapping key is. */
#define SB_RAW_WRAP_LABEL "bench-raw-wrap"

enum { SB_CASE_RS1, SB_CASE_RS10, SB_CASE_ES1, SB_CASE_ES10, SB_CASE_COUNT };

typedef struct {
    const char *name, *alg;
    sam_key_spec_t spec;
    unsigned hashes; /* per request (samd) and per unwrap (raw) */
    int key;         /* 0: the RSA key pair, 1: the EC one */
} sb_case_t;

extern const sb_case_t sb_cases[SB_CASE_COUNT];

/*
 * Raw unwrap + sign x hashes + destroy of case c on `threads` threads for at
 * most `seconds`, in a child process with SOFTHSM2_CONF pointing at tok (the
 * child initializes and finalizes the library; nothing else runs meanwhile). Unwraps
 * with the token's wrapping key SB_RAW_WRAP_LABEL, made by the first slice.
 * 0 on success; -1 with a message otherwise (a stuck child is killed).
 */
int sb_raw_slice(const sam_test_token_t *tok, unsigned threads, double seconds, int c,
                 raw_mt_result_t *out);

/* Where samd slices go. */
typedef struct {
    samh_t *h;
    sb_client_t *client;
    int c;              /* the case */
    const char *kp;     /* its key pair (canonical JSON) */
    sb_sad_ctx_t sad;   /* key_id set to the key pair's id */
} sb_target_t;

typedef struct {
    unsigned long issued, completed, ok, non200, errors;
    double elapsed;      /* seconds, first request to last response */
    double window;       /* seconds of steady load (sb_run_t.window) */
    unsigned long ok_in_window;
    double samd_cpu_s;   /* samd's CPU time over the slice */
    double client_cpu_s; /* this process's CPU time over the slice */
    long rss_kib;        /* samd's VmRSS at the end */
    long connects;       /* connections opened (0 once warm) */
    bool verified;       /* a 200 answer's signature verified with the public key */
    double *latency_ms;  /* per completed request, malloc'd */
    char first_error[512];
} sb_slice_t;

/*
 * n requests of the target's case, each with its own freshly minted SAD
 * (unique jti, its fresh hashes listed), minted before the clock starts;
 * sent until they are all answered or `seconds` have passed. 0 when the
 * slice ran (whatever the statuses), -1 when it could not.
 */
int sb_samd_slice(const sb_target_t *t, size_t n, double seconds, const char *tag,
                  sb_slice_t *out);
void sb_slice_free(sb_slice_t *s);

#endif
