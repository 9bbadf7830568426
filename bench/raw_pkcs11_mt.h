/*
 * Raw PKCS#11 unwrap + sign x k + destroy on several threads at once: the
 * baseline samd's signing path is compared with, at samd's worker count.
 * Straight PKCS#11 calls, no OpenSAM code. Initializes and finalizes the
 * library itself: run it where no other user of the library is live in the
 * process (server_bench runs it in a child process).
 */
#ifndef SAM_BENCH_RAW_PKCS11_MT_H
#define SAM_BENCH_RAW_PKCS11_MT_H

#include "sam/crypto_types.h"

typedef struct {
    unsigned threads;  /* sessions working at once, one per thread */
    unsigned hashes;   /* signatures per unwrap (1: one call per hash) */
    double seconds;    /* stop issuing after this long */
    unsigned max_ops;  /* or after this many unwraps, all threads together */
    /*
     * Label of the token-resident AES wrapping key to unwrap with, made (with
     * the template samd's module wrapping key has) when the token lacks it: a
     * SAM unwraps with a token object, which SoftHSMv2 reads from its object
     * store on each use. NULL: a session AES key instead.
     */
    const char *wrap_label;
} raw_mt_params_t;

typedef struct {
    unsigned long ops; /* unwrap + sign x hashes + destroy cycles done */
    double elapsed;    /* seconds from the common start to the last thread's end */
    double ops_per_s;  /* cycles per second, all threads */
    double sigs_per_s; /* ops_per_s * hashes */
    double cpu_s;      /* CPU time (user + system) of the process over the timed loop */
} raw_mt_result_t;

/* Measure spec on the token labelled token_label; 0 on success, -1 with a message on stderr. */
int raw_mt_measure(const char *library, const char *token_label, const char *pin,
                   const sam_key_spec_t *spec, const raw_mt_params_t *p, raw_mt_result_t *out);

#endif
