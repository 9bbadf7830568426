/*
 * samd internals: the server (one per process), its event loops (one per
 * thread), connections, and the jobs that carry a request to the worker pool
 * and back. docs/internals/server.md tells the whole story; each .c file
 * owns one part:
 *
 *   main.c           command line, service, start and stop
 *   listener.c       listening sockets, loop threads, accept, drain, dispose
 *   tls.c            the SSL_CTX (versions, ciphers, ALPN, client certificates)
 *   peer_identity.c  per-connection state: client key, cancelled streams
 *   http_handler.c   the h2o handler: bounds, copy into a job, dispatch
 *   response.c       sending JSON responses from the loop thread
 *   worker_pool.c    bounded pool running jobs off the loops
 *   routes.c         which path goes where; the job functions
 *   signals.c        SIGTERM/SIGINT/SIGHUP on the main thread
 *
 * Thread context is stated per function: "loop" means the event loop thread
 * that owns the object, "worker" a pool thread, "main" the main thread.
 */
#ifndef SAMD_H
#define SAMD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include <h2o.h>

#include "sam/request.h"
#include "sam/service.h"

#define SAMD_NAME "samd"
/* How long SIGTERM waits for requests in flight before closing connections. */
#define SAMD_DRAIN_SECONDS 10
/* After that, how long closed connections and running jobs get to finish. */
#define SAMD_FORCE_SECONDS 5
/* Window over which cancelled streams are counted (limits.max_resets_per_minute). */
#define SAMD_RESET_WINDOW_MS 60000u
/* Connections accepted per listener wake-up, so one listener cannot starve the loop. */
#define SAMD_ACCEPT_BURST 16

typedef struct st_samd_server_t samd_server_t;
typedef struct st_samd_loop_t samd_loop_t;
typedef struct st_samd_conn_t samd_conn_t;
typedef struct st_samd_job_t samd_job_t;
typedef struct st_samd_pool_t samd_pool_t;
typedef struct st_samd_housekeeping_t samd_housekeeping_t;

/* ---- the server --------------------------------------------------------- */

struct st_samd_server_t {
    sam_service_t *svc;
    const sam_static_config_t *cfg; /* owned by svc */
    SSL_CTX *ssl_ctx;
    h2o_globalconf_t h2o; /* shared, read-only once the loops run */
    int *listen_fds;      /* one bound socket per static "listen" entry */
    size_t listen_count;
    samd_loop_t *loops;
    size_t loop_count;
    samd_pool_t *pool;
    samd_housekeeping_t *housekeeping;
    size_t entity_hard_limit;      /* what h2o buffers at most (> max_body_bytes) */
    uint32_t test_readyz_delay_ms; /* SAMD_TEST_READYZ_DELAY_MS, 0 normally */
    atomic_uint connections;       /* open connections, all loops */
    pthread_mutex_t ready_lock;    /* loops report start-up here */
    pthread_cond_t ready_cond;
    size_t loops_ready;
};

/* ---- one event loop ----------------------------------------------------- */

struct st_samd_loop_t {
    samd_server_t *server;
    size_t index;
    pthread_t tid;
    bool thread_started;
    bool clean; /* disposed everything before its thread ended */
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    int *fds; /* this loop's copies of the listening sockets (-1 once handed to h2o) */
    h2o_socket_t **listeners;
    size_t listener_count;
    h2o_multithread_receiver_t job_receiver; /* finished jobs from the pool */
    h2o_multithread_receiver_t ctl_receiver; /* stop from the main thread */
    h2o_multithread_message_t stop_msg;
    bool stop_requested;  /* loop thread only */
    h2o_linklist_t conns; /* samd_conn_t, loop thread only */
    size_t conn_count;
    size_t jobs_outstanding; /* handed to the pool, not yet back */
};

/* ---- one connection (peer_identity.c) ----------------------------------- */

struct st_samd_conn_t {
    h2o_linklist_t link; /* in loop->conns */
    samd_loop_t *loop;
    h2o_socket_t *sock;
    bool handshake_done;
    bool http2;           /* ALPN chose h2 */
    bool has_client_cert; /* a verified client certificate */
    uint8_t client_spki_sha256[32];
    uint32_t inflight;         /* jobs of this connection in the pool */
    uint32_t cancels;          /* requests cancelled before their answer, this window */
    uint64_t cancel_window_at; /* loop clock (ms) when the window began */
    bool read_shut;            /* shutdown(SHUT_RD) done (drain) */
    bool killed;               /* shutdown(SHUT_RDWR) done (abuse or forced stop) */
};

/* Loop: state for a freshly accepted socket; NULL when out of memory. */
samd_conn_t *samd_conn_attach(samd_loop_t *loop, h2o_socket_t *sock);
/* Loop: the connection a request arrived on, or NULL (then: no client identity). */
samd_conn_t *samd_conn_of_req(h2o_req_t *req);
/* Loop: count a request cancelled before its answer; closes abusive connections. */
void samd_conn_note_cancel(samd_conn_t *conn);
/* Loop: stop reading (SHUT_RD; h2o closes when it next reads) or cut (SHUT_RDWR). */
void samd_conn_shut_read(samd_conn_t *conn);
void samd_conn_kill(samd_conn_t *conn, const char *why);
/* Main, once: register the SSL info callback that records client identities. */
void samd_peer_identity_install(SSL_CTX *ctx);
/* Any thread: "a.b.c.d:port" or "[v6]:port" into buf (always NUL-terminated). */
void samd_format_peer(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap);

/* ---- TLS (tls.c) -------------------------------------------------------- */

/* Main: the server's SSL_CTX from the "tls" section; NULL with a logged error. */
SSL_CTX *samd_tls_new(const sam_tls_config_t *tls);

/* ---- routes and jobs ---------------------------------------------------- */

typedef enum {
    SAMD_ROUTE_NOT_FOUND = 0,
    SAMD_ROUTE_HEALTHZ,    /* inline */
    SAMD_ROUTE_READYZ,     /* pool */
    SAMD_ROUTE_SAM_API,    /* pool: samapi_handle() */
    SAMD_ROUTE_CSC_API,    /* pool: csc_handle() */
    SAMD_ROUTE_BAD_METHOD, /* inline 405 */
} samd_route_t;

/* Any thread: the route of a method and a path (no query). */
samd_route_t samd_route(const char *method, size_t method_len, const char *path, size_t path_len);
/* Worker: run a pool route, filling job->resp. */
void samd_route_run(samd_server_t *server, samd_job_t *job);

/*
 * A request on its way through the pool. Allocated by the loop with the
 * request's strings copied behind it (the worker never touches h2o memory);
 * owned by the pool while queued or running and by the loop otherwise; freed
 * by the loop. The request may vanish meanwhile (client reset, disconnect):
 * then a dispose hook in the request's pool clears req and conn, sets
 * cancelled, and the answer is dropped when the job comes back.
 */
struct st_samd_job_t {
    h2o_multithread_message_t msg; /* worker -> loop */
    h2o_linklist_t qlink;          /* in the pool's queue */
    samd_loop_t *loop;
    samd_conn_t *conn;             /* NULL once the request is gone */
    h2o_req_t *req;                /* NULL once the request is gone */
    struct st_samd_req_ref_t *ref; /* the hook in req->pool */
    samd_route_t route;
    atomic_bool cancelled;
    uint64_t queued_at_ms; /* CLOCK_MONOTONIC */
    sam_request_t sreq;
    sam_response_t resp;
    size_t data_len;
    char data[]; /* the copied strings */
};

/* Loop: free a job, wiping the copied request (it may hold a SAD or a token). */
void samd_job_free(samd_job_t *job);

/* ---- worker pool (worker_pool.c) ---------------------------------------- */

/* housekeeping.c: purge expired SAD records and tokens from the store, at
 * start and then every SAMD_PURGE_INTERVAL_SECONDS. NULL on failure. */
#define SAMD_PURGE_INTERVAL_SECONDS 60
samd_housekeeping_t *samd_housekeeping_start(samd_server_t *server);
/* Main: stop and free; NULL is a no-op. */
void samd_housekeeping_stop(samd_housekeeping_t *hk);

/* Main: start `workers` threads; at most max_pending jobs wait. NULL on failure. */
samd_pool_t *samd_pool_new(samd_server_t *server, uint32_t workers, uint32_t max_pending);
/*
 * Loop: queue a job. SAM_OK, or SAM_E_LIMIT when the queue is full (the
 * caller answers 503 and keeps the job). The job comes back through
 * h2o_multithread_send_message(&job->loop->job_receiver).
 */
int samd_pool_submit(samd_pool_t *pool, samd_job_t *job);
/* Main: stop the workers once the queue is empty; true when all joined in time. */
bool samd_pool_stop(samd_pool_t *pool, unsigned timeout_seconds);
/* Main: free a stopped pool; NULL is a no-op. */
void samd_pool_free(samd_pool_t *pool);
/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t samd_now_ms(void);

/* ---- HTTP (http_handler.c, response.c) ---------------------------------- */

/* Main: register the one handler for every path of the default host. */
int samd_http_register(samd_server_t *server);
/* Loop: the jobs the pool finished, back on the loop that owns them. */
void samd_http_on_jobs_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);

/*
 * Loop: answer req with a JSON body (copied into the request's pool), its
 * Content-Length, Content-Type application/json (when there is a body),
 * Cache-Control no-store and X-Request-Id.
 */
void samd_respond(h2o_req_t *req, int status, const char *body, size_t len, const char *request_id,
                  const char *www_authenticate);
/* Loop: answer {"error": code, "error_description": description}. */
void samd_respond_error(h2o_req_t *req, int status, const char *code, const char *description,
                        const char *request_id);
/* Any thread: fill resp with the same error body (what the pool routes use). */
void samd_response_error(sam_response_t *resp, int status, const char *code,
                         const char *description);

/* ---- listeners and loops (listener.c) ----------------------------------- */

/* Main: bind every static "listen" address; logs and returns a sam_rc. */
int samd_listen(samd_server_t *server);
/* Main: start the loop threads and wait until each serves. */
int samd_loops_start(samd_server_t *server);
/* Main: ask every loop to drain and stop (async-signal context not allowed). */
void samd_loops_request_stop(samd_server_t *server);
/* Main: wait for the loop threads; true when every loop disposed cleanly. */
bool samd_loops_join(samd_server_t *server);
/* Main: close the bound sockets and free the loops. */
void samd_listen_close(samd_server_t *server);

/* ---- signals (signals.c) ------------------------------------------------ */

/* Main, before any thread exists: block the signals samd waits for, ignore SIGPIPE. */
int samd_signals_block(void);
/* Main: serve signals until SIGTERM or SIGINT; SIGHUP reloads. Returns the signal. */
int samd_signals_wait(samd_server_t *server);

#endif
