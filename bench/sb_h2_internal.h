/*
 * Private to server_bench's HTTP/2 load generator (see sb_client.h for its contract):
 *
 *   sb_h2_conn.c    one TLS connection carrying one nghttp2 client session: the TLS context,
 *                   open (connect, handshake, ALPN check), close, moving bytes between the
 *                   socket and nghttp2 in large batches, and the connection's epoll interest.
 *   sb_h2_client.c  the requests and the run: nghttp2's callbacks, issuing requests onto the
 *                   connections, deadlines, and the public functions of sb_client.h.
 *
 * Not thread-safe: one thread drives a client and all its connections.
 */
#ifndef SAM_BENCH_SB_H2_INTERNAL_H
#define SAM_BENCH_SB_H2_INTERNAL_H

#include "sb_client.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#define SB_IO_CHUNK (64u * 1024u) /* one SSL_read; output gathered before one SSL_write */
#define SB_NAME_MAX 32            /* the SAD header's name, lower-cased */
#define SB_BODY_MAX (1u << 20)    /* response body kept per request */

typedef struct st_conn_t conn_t;

typedef struct {
    conn_t *conn;
    int32_t stream_id; /* 0: free */
    const sb_req_t *req;
    size_t req_index, body_sent;
    double t_start;
    long status;
    bool ended, too_big; /* END_STREAM seen; body over SB_BODY_MAX */
    char clen[24];
    char sad_name[SB_NAME_MAX];
    char *buf; /* response body, NUL-terminated, reused across requests */
    size_t len, cap;
} slot_t;

struct st_conn_t {
    sb_client_t *client;
    int fd; /* -1: closed */
    SSL *ssl;
    nghttp2_session *h2;
    uint32_t events;       /* as registered with epoll */
    bool read_again;       /* SSL_read stopped at SB_IO_ROUNDS with data left */
    bool read_wants_write; /* TLS needs to write before it can read */
    bool write_blocked;    /* waiting for EPOLLOUT */
    bool no_new_streams;   /* GOAWAY: finish what runs, then reconnect */
    bool timed_out;        /* RST streams may still point at this run's requests */
    unsigned active, opens;
    uint8_t *out; /* frames from nghttp2 not yet taken by SSL_write */
    size_t out_len, out_off, out_cap;
    slot_t *slots;
};

struct st_sb_client_t {
    sb_client_conf_t conf;
    char authority[32];
    SSL_CTX *tls;
    nghttp2_session_callbacks *cbs;
    int ep;
    conn_t *conns;
    uint8_t in[SB_IO_CHUNK];
    /* the current run */
    const sb_req_t *reqs;
    size_t n, next;
    double stop_at;
    size_t inflight;
    double first_issue, last_done;
    sb_run_t *out;
    unsigned connect_failures;
    bool failed;
};

/* ---- sb_h2_conn.c -------------------------------------------------------------- */

/* Sets up c->tls from c->conf: TLS 1.2+, ALPN h2, the CA and the client certificate. -1 with a
 * message on stderr on failure. */
int sb_conn_tls_setup(sb_client_t *c);
/* Connects and handshakes cn (blocking, bounded), starts its HTTP/2 session and adds it to the
 * epoll set; counts it in c->out->connects. -1 with an explanation in err (cn left closed). */
int sb_conn_open(sb_client_t *c, conn_t *cn, char *err, size_t errlen);
/* Closes cn; its requests in flight end as transport errors (why, or "connection closed"). */
void sb_conn_close(sb_client_t *c, conn_t *cn, const char *why);
/* Feeds what the server sent to nghttp2. -1 with the reason in *why when cn must be closed. */
int sb_conn_recv(sb_client_t *c, conn_t *cn, const char **why);
/* Writes nghttp2's pending frames as far as the socket takes them. -1 with *why as above. */
int sb_conn_send(conn_t *cn, const char **why);
/* Matches cn's epoll interest to what it waits for; -1 (and c->failed) when epoll fails. */
int sb_conn_watch(sb_client_t *c, conn_t *cn);

/* ---- sb_h2_client.c ------------------------------------------------------------ */

/* The request on s is over: a complete response (error NULL) or a transport error. */
void sb_req_finish(sb_client_t *c, slot_t *s, const char *error);

#endif
