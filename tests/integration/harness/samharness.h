/*
 * samharness: drive a real samd over real mutual TLS against a real
 * SoftHSMv2 token, for integration tests.
 *
 * samh_setup() makes a temporary directory holding everything, generated at
 * test time (nothing committed):
 *   - a CA, a server certificate for 127.0.0.1 and localhost, and client
 *     certificates: a registered administrator, a registered SSA, one whose
 *     key is registered nowhere, one from another CA, an expired one;
 *   - the key of an authorization server registered in the dynamic
 *     configuration (to mint SADs), trusted by the SSA;
 *   - a SoftHSMv2 token, the SAM's module keys and sam_infrastructure.json
 *     (made by the built `sam-admin create`);
 *   - static_config.json (listens on 127.0.0.1 on a free port; SQLite store
 *     and audit logs in the directory) and dynamic_config.json.
 * samh_start() runs the built samd in the foreground as a child process,
 * its stderr in log_path, and waits for /healthz. samh_stop() sends SIGTERM
 * and reports the exit status. samh_free() stops samd if it still runs and
 * removes the directory and the token.
 *
 * The client side is libcurl: HTTP/2 over TLS (CURL_HTTP_VERSION_2TLS;
 * HTTP/1.1 on request), the harness CA pinned as the only trust anchor, the
 * chosen client certificate. Traffic goes to 127.0.0.1 only. Every wait is
 * bounded in time.
 *
 * Thread context: one samh_t per test process (Criterion forks a process
 * per test); not thread-safe. Functions return 0 on success and -1 with a
 * message on stderr otherwise, unless said otherwise.
 *
 * Use (tests/integration/CMakeLists.txt shows it): link the samharness
 * target; it depends on samd, sam-admin and the plugins, so they are built
 * first. A test:
 *
 *     samh_t *h;
 *     samh_response_t r;
 *     cr_assert_eq(samh_setup(&h, NULL), 0);
 *     cr_assert_eq(samh_start(h), 0);
 *     cr_assert_eq(samh_get(h, SAMH_SSA, "/sam/v1/info", &r), 0, "%s", r.error);
 *     cr_assert_eq(r.status, 200);
 *     samh_response_free(&r);
 *     int status;
 *     cr_assert_eq(samh_stop(h, 0, &status), 0);
 *     cr_assert_eq(status, 0);
 *     samh_free(h);
 *
 * SAMH_KEEP=1 in the environment keeps the directory (logs, configuration,
 * keys) for a post-mortem. samd honours SAMD_TEST_READYZ_DELAY_MS (0..5000,
 * through opts.env) to hold /readyz requests in the worker pool that long.
 */
#ifndef SAM_TEST_SAMHARNESS_H
#define SAM_TEST_SAMHARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "softhsm_token.h"

/* Which client certificate a request presents. */
typedef enum {
    SAMH_NO_CERT = 0,  /* none */
    SAMH_ADMIN,        /* administrator "it-admin", in static_config.json */
    SAMH_SSA,          /* SSA "it-ssa", in dynamic_config.json */
    SAMH_UNREGISTERED, /* issued by the trusted CA, key registered nowhere */
    SAMH_OTHER_CA,     /* valid dates, issued by a CA the server does not trust */
    SAMH_EXPIRED,      /* issued by the trusted CA, expired yesterday */
    SAMH_CLIENT_COUNT
} samh_client_t;

typedef struct st_samh_identity_t {
    char cert[PATH_MAX]; /* PEM certificate */
    char key[PATH_MAX];  /* PEM private key, P-256, unencrypted, mode 0600 */
    char spki_b64[256];  /* base64 DER SubjectPublicKeyInfo, as the configuration writes keys */
    uint8_t spki_sha256[32];
} samh_identity_t;

typedef struct st_samh_options_t {
    uint32_t threads;         /* "threads"; 0: 2 */
    uint32_t workers;         /* "workers"; 0: 2 */
    const char *limits;       /* members of "limits", e.g. "\"max_body_bytes\": 4096", or NULL */
    const char *static_extra; /* more top-level members of static_config.json, or NULL */
    const char *dynamic_json; /* the whole dynamic_config.json instead of the default, or NULL */
    bool no_client_ca;        /* leave tls.client_ca out */
    const char *log_level;    /* samd --log-level; NULL: "info" */
    const char *env[8];       /* "NAME=value" added to samd's environment; NULL-terminated */
} samh_options_t;

/* Read-only for tests, except through the functions below. */
typedef struct st_samh_t {
    char dir[PATH_MAX];        /* temporary directory with everything below */
    char config_dir[PATH_MAX]; /* samd --config-dir */
    char ca_cert[PATH_MAX];    /* the trusted client and server CA (PEM) */
    char server_cert[PATH_MAX];
    char log_path[PATH_MAX];                         /* samd's stderr, appended across restarts */
    char service_log[PATH_MAX], admin_log[PATH_MAX]; /* audit logs */
    char sam_id[65];
    char node[32];
    uint16_t port;                              /* 127.0.0.1:port */
    samh_identity_t clients[SAMH_CLIENT_COUNT]; /* [SAMH_NO_CERT] is empty */
    char admin_id[32], ssa_id[32];
    char as_id[32];        /* the registered authorization server (iss of SADs) */
    char as_key[PATH_MAX]; /* its private key (PEM, P-256: ES256) */
    char as_spki_b64[256];
    pid_t pid;       /* samd while it runs, else 0 */
    int exit_status; /* once samd ended: exit code, or 128 + signal */
    samh_options_t opts;
    sam_test_token_t token;
} samh_t;

/* Make everything above (not started). opts NULL: defaults. Sets SIGPIPE to SIG_IGN. */
int samh_setup(samh_t **out, const samh_options_t *opts);
/* Start samd and wait (at most 30 s) until GET /healthz answers 200. */
int samh_start(samh_t *h);
/*
 * SIGTERM, then wait at most timeout_ms (0: 30 s) for samd to exit.
 * *status: its exit code, or 128 + signal when killed by one; when it does
 * not exit in time it is killed with SIGKILL and -1 is returned.
 */
int samh_stop(samh_t *h, long timeout_ms, int *status);
/*
 * Run samd once with --config-dir and the extra arguments (NULL-terminated;
 * no --foreground is added) and wait at most timeout_ms (0: 30 s) for it to
 * exit, e.g. to see a configuration refused. *status as for samh_stop();
 * -1 when it did not exit in time (it is killed).
 */
int samh_run(samh_t *h, const char *const *args, long timeout_ms, int *status);
/* Send a signal to the running samd. */
int samh_signal(samh_t *h, int sig);
/* Is samd still running? When it has ended, h->exit_status says how and h->pid is 0. */
bool samh_running(samh_t *h);
/* Does samd's log contain needle? */
bool samh_log_contains(const samh_t *h, const char *needle);
/* Stop samd if needed (SIGKILL after 30 s), remove the directory and the token. NULL: no-op. */
void samh_free(samh_t *h);

/* Write a file in h->config_dir (e.g. a new dynamic_config.json before SIGHUP). */
int samh_write_config(samh_t *h, const char *name, const char *text);

/* ---- HTTP client (libcurl) ------------------------------------------------ */

typedef struct st_samh_request_t {
    const char *method; /* NULL: GET, or POST when there is a body */
    const char *path;   /* e.g. "/sam/v1/info"; may hold a query */
    const char *body;   /* NULL: none */
    size_t body_len;
    const char *content_type;   /* NULL: application/json when there is a body */
    const char *sad;            /* SAD header, or NULL */
    const char *authorization;  /* Authorization header, or NULL */
    const char *const *headers; /* more "Name: value" lines, NULL-terminated, or NULL */
    samh_client_t client;
    bool http1;            /* HTTP/1.1 only (ALPN offers http/1.1 alone) */
    bool fresh_connection; /* do not reuse a connection (in a batch: a new handshake,
                              resuming the batch's TLS session when the server allows) */
    long tls_version;      /* CURLOPT_SSLVERSION value (e.g. min|max); 0: curl's default */
    long timeout_ms;       /* 0: 15000 */
} samh_request_t;

typedef struct st_samh_response_t {
    int curl_code;     /* CURLE_OK (0) when a complete HTTP response arrived */
    char error[256];   /* curl's message otherwise */
    long status;       /* HTTP status, 0 when none */
    long http_version; /* CURL_HTTP_VERSION_2_0 or CURL_HTTP_VERSION_1_1 */
    char *body;        /* NUL-terminated (malloc'd), never NULL after a response */
    size_t body_len;
    char content_type[128];
    char request_id[64]; /* X-Request-Id */
    char www_authenticate[128]; /* WWW-Authenticate, "" when absent */
    long content_length; /* Content-Length header, -1 when absent */
    long connects;       /* connections this transfer opened */
} samh_response_t;

/* One request. 0 when an HTTP response arrived (any status); resp is filled either way. */
int samh_request(samh_t *h, const samh_request_t *req, samh_response_t *resp);
/* GET path as who. */
int samh_get(samh_t *h, samh_client_t who, const char *path, samh_response_t *resp);
/* Release resp->body. */
void samh_response_free(samh_response_t *resp);

/*
 * Many requests at once. With one_connection, every request waits for and
 * shares a single connection (HTTP/2 streams); requests of one batch must
 * then use the same client certificate and protocol. Transfers run only
 * inside samh_batch_pump()/samh_batch_wait().
 */
typedef struct st_samh_batch_t samh_batch_t;
samh_batch_t *samh_batch_new(samh_t *h, bool one_connection);
/* Queue a request; returns its index, or -1. At most 1024 per batch. */
int samh_batch_add(samh_batch_t *b, const samh_request_t *req);
/* Run transfers for about ms milliseconds; returns how many are still running. */
int samh_batch_pump(samh_batch_t *b, long ms);
/* Abandon one running transfer (on HTTP/2: a RST_STREAM); its response stays empty. */
int samh_batch_cancel(samh_batch_t *b, size_t index);
/* Run until every transfer ended; 0 when they did within timeout_ms. */
int samh_batch_wait(samh_batch_t *b, long timeout_ms);
/* The response of request index (complete once it ended). */
const samh_response_t *samh_batch_response(const samh_batch_t *b, size_t index);
/* Connections opened by the batch's transfers in total. */
long samh_batch_connections(const samh_batch_t *b);
void samh_batch_free(samh_batch_t *b);

/* ---- raw TLS -------------------------------------------------------------- */

/*
 * An OpenSSL client, to see what the TLS layer accepts. Security level 0,
 * so that old versions are really offered. After the handshake it checks
 * that the server serves: with h2 chosen, the server's SETTINGS frame must
 * arrive; otherwise GET /healthz over HTTP/1.1 must answer 200. (With TLS
 * 1.3 a refused client certificate shows only after the client's side of
 * the handshake, at the first read.)
 */
typedef struct st_samh_tls_probe_t {
    samh_client_t client;
    int min_version, max_version; /* TLS1_x_VERSION; 0: TLS 1.2 .. TLS 1.3 */
    const char *alpn;             /* offer, comma-separated ("h2,http/1.1"); NULL: none */
    long timeout_ms;              /* 0: 5000 */
} samh_tls_probe_t;

typedef struct st_samh_tls_result_t {
    bool handshake_ok; /* the client completed its handshake */
    bool served;       /* and the server answered as above */
    int version;       /* negotiated, TLS1_x_VERSION */
    char alpn[32];     /* protocol the server chose, "" when none */
    char error[256];   /* OpenSSL's reason (or ours) when something failed */
} samh_tls_result_t;

/* 0 when served, -1 otherwise (r says where it stopped). */
int samh_tls_probe(samh_t *h, const samh_tls_probe_t *p, samh_tls_result_t *r);

#endif
