/*
 * server_bench's load generator: HTTP/2 over mutual TLS, keep-alive, a fixed
 * number of connections with a fixed number of streams in flight on each,
 * driven by one thread (sb_h2_client.c, on libnghttp2 and OpenSSL), keeping
 * the client's own CPU small on a machine it shares with samd.
 * Traffic goes to 127.0.0.1 only. Not thread-safe; one run at a time.
 */
#ifndef SAM_BENCH_SB_CLIENT_H
#define SAM_BENCH_SB_CLIENT_H

#include <stddef.h>

typedef struct {
    unsigned port;           /* https://127.0.0.1:port */
    const char *path;        /* e.g. "/sam/v1/signatures" */
    const char *ca_cert;     /* the only trust anchor (PEM) */
    const char *client_cert; /* PEM certificate and key presented */
    const char *client_key;
    unsigned connections; /* 1..64 */
    unsigned streams;     /* in flight per connection, 1..64 */
    long timeout_ms;      /* per transfer */
} sb_client_conf_t;

typedef struct {
    const char *body; /* POST body (JSON) */
    size_t body_len;
    const char *sad_header; /* "SAD: <jws>" */
} sb_req_t;

#define SB_STATUS_SLOTS 8

typedef struct {
    unsigned long issued, completed;
    unsigned long ok;                /* HTTP 200 */
    unsigned long non200;            /* any other HTTP status */
    unsigned long transport_errors;  /* no complete response (TLS, HTTP/2, timeout) */
    long statuses[SB_STATUS_SLOTS];  /* the distinct non-200 statuses seen */
    unsigned long status_counts[SB_STATUS_SLOTS];
    char first_error[512];           /* the first non-200 body or transport error */
    double elapsed;                  /* first issue to last completion, seconds */
    /* The steady window: from the first issue until issuing stopped (or the
     * last completion, if earlier), and the 200s completed inside it. The
     * drain after issuing stopped is left out, as the raw baseline leaves
     * out what its threads do after their deadline. */
    double window;
    unsigned long ok_in_window;
    double *latency_ms;              /* per completed request (malloc'd), completed entries */
    long connects;                   /* connections opened during the run */
    char *first_ok_body;             /* the body of the first 200 (malloc'd), for checking */
    size_t first_ok_len;
    size_t first_ok_index;           /* which request it answered */
} sb_run_t;

typedef struct st_sb_client_t sb_client_t;

/* NULL with a message on stderr on failure. */
sb_client_t *sb_client_new(const sb_client_conf_t *conf);
/*
 * Send reqs[0..n) in order, keeping connections x streams in flight; stop
 * issuing after max_seconds, then wait (bounded by the transfer timeout) for
 * those in flight. 0 when the run completed (whatever the statuses), -1 when
 * the client itself failed. out is filled either way; release it with
 * sb_run_free().
 */
int sb_client_run(sb_client_t *c, const sb_req_t *reqs, size_t n, double max_seconds,
                  sb_run_t *out);
void sb_run_free(sb_run_t *r);
void sb_client_free(sb_client_t *c);

#endif
