/*
 * One TLS connection of server_bench's load generator, carrying one nghttp2 client session
 * (see sb_h2_internal.h). nghttp2 only frames: bytes move through SSL_read/SSL_write in 64 KiB
 * batches, so a request costs about one read and one write system call per wake-up, not per
 * frame.
 */
#include "sb_h2_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#define SB_OUT_MAX (4u << 20)  /* pending output per connection */
#define SB_IO_ROUNDS 256       /* reads or writes per connection per wake-up */
#define SB_CONNECT_TIMEOUT_S 5 /* blocking connect + handshake */

int sb_conn_tls_setup(sb_client_t *c)
{
    static const unsigned char alpn[] = {2, 'h', '2'};
    c->tls = SSL_CTX_new(TLS_client_method());
    if (c->tls == NULL || SSL_CTX_set_min_proto_version(c->tls, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_alpn_protos(c->tls, alpn, sizeof(alpn)) != 0) {
        fprintf(stderr, "server_bench: cannot set up TLS\n");
        return -1;
    }
    if (SSL_CTX_load_verify_locations(c->tls, c->conf.ca_cert, NULL) != 1) {
        fprintf(stderr, "server_bench: cannot load the CA certificate %s\n", c->conf.ca_cert);
        return -1;
    }
    if (SSL_CTX_use_certificate_chain_file(c->tls, c->conf.client_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(c->tls, c->conf.client_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(c->tls) != 1) {
        fprintf(stderr, "server_bench: cannot load the client certificate %s and key %s\n",
                c->conf.client_cert, c->conf.client_key);
        return -1;
    }
    SSL_CTX_set_verify(c->tls, SSL_VERIFY_PEER, NULL);
    /* One read(2) per wake-up rather than one per record header and body. */
    SSL_CTX_set_read_ahead(c->tls, 1);
    /* Partial writes let one SSL_write take up to 64 KiB and report what it took. */
    SSL_CTX_set_mode(c->tls, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return 0;
}

/* Closes cn; its requests in flight end as transport errors. */
void sb_conn_close(sb_client_t *c, conn_t *cn, const char *why)
{
    for (unsigned j = 0; j < c->conf.streams && cn->active > 0; j++)
        if (cn->slots[j].stream_id != 0)
            sb_req_finish(c, &cn->slots[j], why != NULL ? why : "connection closed");
    nghttp2_session_del(cn->h2);
    SSL_free(cn->ssl);
    if (cn->fd >= 0)
        close(cn->fd); /* leaves the epoll set with it */
    cn->h2 = NULL;
    cn->ssl = NULL;
    cn->fd = -1;
    cn->events = 0;
    cn->read_again = cn->read_wants_write = cn->write_blocked = false;
    cn->no_new_streams = cn->timed_out = false;
    cn->out_len = cn->out_off = 0;
    ERR_clear_error();
}

static const char *tls_error(SSL *ssl)
{
    long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK)
        return X509_verify_cert_error_string(verify);
    const char *reason = ERR_reason_error_string(ERR_peek_last_error());
    return reason != NULL ? reason : "handshake failed";
}

/*
 * Connects and handshakes blocking, bounded by SB_CONNECT_TIMEOUT_S (outside the measured
 * window), then switches to non-blocking. Explains a failure in err.
 */
int sb_conn_open(sb_client_t *c, conn_t *cn, char *err, size_t errlen)
{
    static const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
    struct timeval tv = {SB_CONNECT_TIMEOUT_S, 0};
    struct sockaddr_in sa;
    const unsigned char *alpn = NULL;
    unsigned alpn_len = 0;
    int one = 1, rc = -1;

    cn->opens++;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)c->conf.port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cn->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (cn->fd < 0 || setsockopt(cn->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
        setsockopt(cn->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
        setsockopt(cn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
        connect(cn->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        snprintf(err, errlen, "connect to 127.0.0.1:%u: %s", c->conf.port, strerror(errno));
        goto out;
    }
    if ((cn->ssl = SSL_new(c->tls)) == NULL || SSL_set_fd(cn->ssl, cn->fd) != 1 ||
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(cn->ssl), "127.0.0.1") != 1) {
        snprintf(err, errlen, "cannot set up TLS");
        goto out;
    }
    if (SSL_connect(cn->ssl) != 1) {
        snprintf(err, errlen, "TLS handshake with 127.0.0.1:%u: %s", c->conf.port,
                 tls_error(cn->ssl));
        goto out;
    }
    SSL_get0_alpn_selected(cn->ssl, &alpn, &alpn_len);
    if (alpn_len != 2 || memcmp(alpn, "h2", 2) != 0) {
        snprintf(err, errlen, "the server did not select HTTP/2 (ALPN h2)");
        goto out;
    }
    int fl = fcntl(cn->fd, F_GETFL);
    if (fl < 0 || fcntl(cn->fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "fcntl: %s", strerror(errno));
        goto out;
    }
    if (cn->out == NULL && (cn->out = malloc(2 * SB_IO_CHUNK)) != NULL)
        cn->out_cap = 2 * SB_IO_CHUNK;
    if (cn->out == NULL || nghttp2_session_client_new(&cn->h2, c->cbs, cn) != 0 ||
        nghttp2_submit_settings(cn->h2, NGHTTP2_FLAG_NONE, settings, 1) != 0) {
        snprintf(err, errlen, "cannot set up the HTTP/2 session");
        goto out;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = cn};
    if (epoll_ctl(c->ep, EPOLL_CTL_ADD, cn->fd, &ev) != 0) {
        snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
        goto out;
    }
    cn->events = EPOLLIN;
    c->out->connects++;
    rc = 0;
out:
    if (rc != 0)
        sb_conn_close(c, cn, NULL);
    return rc;
}

/* Feeds what the server sent to nghttp2; its callbacks finish the requests answered. */
int sb_conn_recv(sb_client_t *c, conn_t *cn, const char **why)
{
    cn->read_again = cn->read_wants_write = false;
    for (int i = 0; i < SB_IO_ROUNDS; i++) {
        int got = SSL_read(cn->ssl, c->in, (int)sizeof(c->in));
        if (got <= 0) {
            int e = SSL_get_error(cn->ssl, got);
            if (e == SSL_ERROR_WANT_READ)
                return 0;
            if (e == SSL_ERROR_WANT_WRITE) {
                cn->read_wants_write = true;
                return 0;
            }
            *why = e == SSL_ERROR_ZERO_RETURN ? "the server closed the connection"
                                              : "the connection failed (TLS read)";
            return -1;
        }
        ssize_t used = nghttp2_session_mem_recv(cn->h2, c->in, (size_t)got);
        if (used < 0) {
            *why = nghttp2_strerror((int)used);
            return -1;
        }
        /* With read-ahead, nothing held by OpenSSL means nothing epoll cannot report: skip
         * the read that would only return EAGAIN. */
        if (!SSL_has_pending(cn->ssl))
            return 0;
    }
    cn->read_again = true; /* SSL may hold decrypted data epoll cannot signal */
    return 0;
}

/* Gathers nghttp2's pending frames into cn->out, up to about SB_IO_CHUNK. */
static int conn_gather(conn_t *cn, const char **why)
{
    while (cn->out_len < SB_IO_CHUNK) {
        const uint8_t *frames;
        ssize_t len = nghttp2_session_mem_send(cn->h2, &frames);
        if (len < 0) {
            *why = nghttp2_strerror((int)len);
            return -1;
        }
        if (len == 0)
            break;
        if ((size_t)len > cn->out_cap - cn->out_len) {
            size_t cap = cn->out_cap;
            while (cap - cn->out_len < (size_t)len && cap < SB_OUT_MAX)
                cap *= 2;
            uint8_t *p = cap - cn->out_len >= (size_t)len ? realloc(cn->out, cap) : NULL;
            if (p == NULL) {
                *why = "output buffer full";
                return -1;
            }
            cn->out = p;
            cn->out_cap = cap;
        }
        memcpy(cn->out + cn->out_len, frames, (size_t)len);
        cn->out_len += (size_t)len;
    }
    return 0;
}

int sb_conn_send(conn_t *cn, const char **why)
{
    cn->write_blocked = false;
    for (int i = 0; i < SB_IO_ROUNDS; i++) {
        /* A blocked SSL_write is retried with the same bytes, so gather only when empty. */
        if (cn->out_off == cn->out_len) {
            cn->out_off = cn->out_len = 0;
            if (conn_gather(cn, why) != 0)
                return -1;
            if (cn->out_len == 0)
                return 0;
        }
        int put = SSL_write(cn->ssl, cn->out + cn->out_off, (int)(cn->out_len - cn->out_off));
        if (put > 0) {
            cn->out_off += (size_t)put;
            continue;
        }
        int e = SSL_get_error(cn->ssl, put);
        if (e == SSL_ERROR_WANT_WRITE) {
            cn->write_blocked = true;
            return 0;
        }
        if (e == SSL_ERROR_WANT_READ)
            return 0; /* EPOLLIN is always watched */
        *why = "the connection failed (TLS write)";
        return -1;
    }
    cn->write_blocked = true; /* more to send: come back when writable */
    return 0;
}

int sb_conn_watch(sb_client_t *c, conn_t *cn)
{
    uint32_t want = EPOLLIN | (cn->write_blocked || cn->read_wants_write ? EPOLLOUT : 0u);
    struct epoll_event ev = {.events = want, .data.ptr = cn};
    if (want == cn->events)
        return 0;
    if (epoll_ctl(c->ep, EPOLL_CTL_MOD, cn->fd, &ev) != 0) {
        fprintf(stderr, "server_bench: epoll_ctl: %s\n", strerror(errno));
        c->failed = true;
        return -1;
    }
    cn->events = want;
    return 0;
}
