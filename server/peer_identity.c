/*
 * Per-connection state: who the client is (the SHA-256 of its verified
 * certificate's SubjectPublicKeyInfo), which protocol ALPN chose, and how
 * many requests it cancelled lately.
 *
 * h2o 2.2.5 has no accessor for the peer certificate. The state lives in a
 * samd_conn_t hung on the socket's public on_close hook at accept time
 * (h2o uses that hook only for its client-side socket pool), which also
 * tells us when the connection is gone. An SSL info callback fills it at
 * handshake completion: it finds the socket through the BIO h2o attached to
 * the SSL object, and runs on full and resumed handshakes alike (a verify
 * callback would not run on resumption). Requests find the state through
 * req->conn's socket; a socket whose hook is not ours has no identity.
 */
#include "samd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sam/log.h"

/* Far above any real key; guards the DER length before we allocate. */
#define SPKI_DER_MAX 16384

static void conn_on_close(void *data)
{
    samd_conn_t *conn = data;
    samd_loop_t *loop = conn->loop;
    h2o_linklist_unlink(&conn->link);
    loop->conn_count--;
    atomic_fetch_sub(&loop->server->connections, 1);
    free(conn);
}

samd_conn_t *samd_conn_attach(samd_loop_t *loop, h2o_socket_t *sock)
{
    samd_conn_t *conn = calloc(1, sizeof(*conn));
    if (conn == NULL)
        return NULL;
    conn->loop = loop;
    conn->sock = sock;
    conn->cancel_window_at = h2o_now(loop->ctx.loop);
    h2o_linklist_insert(&loop->conns, &conn->link);
    loop->conn_count++;
    atomic_fetch_add(&loop->server->connections, 1);
    sock->on_close.cb = conn_on_close;
    sock->on_close.data = conn;
    return conn;
}

static samd_conn_t *conn_of_sock(const h2o_socket_t *sock)
{
    if (sock == NULL || sock->on_close.cb != conn_on_close)
        return NULL;
    return sock->on_close.data;
}

samd_conn_t *samd_conn_of_req(h2o_req_t *req)
{
    if (req->conn == NULL || req->conn->callbacks->get_socket == NULL)
        return NULL;
    return conn_of_sock(req->conn->callbacks->get_socket(req->conn));
}

void samd_format_peer(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (cap == 0)
        return;
    if (sa != NULL && sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        if (inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host)) == NULL)
            snprintf(host, sizeof(host), "?");
        port = ntohs(in->sin_port);
        snprintf(buf, cap, "%s:%u", host, port);
        return;
    }
    if (sa != NULL && sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        if (inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host)) == NULL)
            snprintf(host, sizeof(host), "?");
        port = ntohs(in6->sin6_port);
        snprintf(buf, cap, "[%s]:%u", host, port);
        return;
    }
    snprintf(buf, cap, "unknown");
}

static void conn_peer(samd_conn_t *conn, char *buf, size_t cap)
{
    struct sockaddr_storage ss;
    socklen_t len = h2o_socket_getpeername(conn->sock, (struct sockaddr *)&ss);
    samd_format_peer(len == 0 ? NULL : (struct sockaddr *)&ss, len, buf, cap);
}

/* SHA-256 over the DER SubjectPublicKeyInfo, the form registered keys are matched by. */
static bool spki_sha256(X509 *cert, uint8_t out[32])
{
    unsigned char *der = NULL;
    unsigned int mdlen = 0;
    bool ok = false;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), NULL);
    if (len <= 0 || len > SPKI_DER_MAX)
        goto out;
    der = malloc((size_t)len);
    if (der == NULL)
        goto out;
    unsigned char *p = der;
    if (i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &p) != len)
        goto out;
    ok = EVP_Digest(der, (size_t)len, out, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32;
out:
    free(der);
    return ok;
}

static void record_handshake(samd_conn_t *conn, const SSL *ssl)
{
    const unsigned char *alpn = NULL;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    conn->http2 = alpn_len == 2 && memcmp(alpn, "h2", 2) == 0;
    conn->handshake_done = true;

    /* Fail closed: anything short of a verified certificate is "no client certificate". */
    conn->has_client_cert = false;
    X509 *cert = SSL_get0_peer_certificate(ssl);
    if (cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
        return;
    if (!spki_sha256(cert, conn->client_spki_sha256)) {
        char peer[64];
        conn_peer(conn, peer, sizeof(peer));
        sam_log(SAM_LOG_WARNING, "samd: %s: cannot hash the client certificate's key", peer);
        return;
    }
    conn->has_client_cert = true;
}

static void log_handshake(samd_conn_t *conn, const SSL *ssl)
{
    char peer[64];
    conn_peer(conn, peer, sizeof(peer));
    sam_log(SAM_LOG_DEBUG, "samd: %s: %s handshake done (%s), %s, client certificate: %s", peer,
            SSL_get_version(ssl), SSL_session_reused(ssl) ? "resumed" : "full",
            conn->http2 ? "h2" : "http/1.1", conn->has_client_cert ? "verified" : "none");
}

static void info_callback(const SSL *ssl, int where, int ret)
{
    (void)ret;
    if ((where & SSL_CB_HANDSHAKE_DONE) == 0)
        return;
    BIO *rbio = SSL_get_rbio(ssl);
    samd_conn_t *conn = conn_of_sock(rbio == NULL ? NULL : BIO_get_data(rbio));
    if (conn != NULL) {
        record_handshake(conn, ssl);
        log_handshake(conn, ssl);
    }
}

void samd_peer_identity_install(SSL_CTX *ctx)
{
    SSL_CTX_set_info_callback(ctx, info_callback);
}

void samd_conn_shut_read(samd_conn_t *conn)
{
    if (conn->read_shut || conn->killed)
        return;
    conn->read_shut = true;
    /* h2o sees end of input at its next read and closes in its own time. */
    (void)shutdown(h2o_socket_get_fd(conn->sock), SHUT_RD);
}

void samd_conn_kill(samd_conn_t *conn, const char *why)
{
    if (conn->killed)
        return;
    conn->killed = true;
    if (why != NULL) {
        char peer[64];
        conn_peer(conn, peer, sizeof(peer));
        sam_log(SAM_LOG_WARNING, "samd: closing the connection from %s: %s", peer, why);
    }
    /* Not close(): h2o still owns the descriptor and closes it when it notices. */
    (void)shutdown(h2o_socket_get_fd(conn->sock), SHUT_RDWR);
}

void samd_conn_note_cancel(samd_conn_t *conn)
{
    uint64_t now = h2o_now(conn->loop->ctx.loop);
    uint32_t max = conn->loop->server->cfg->limits.max_resets_per_minute;
    if (now - conn->cancel_window_at >= SAMD_RESET_WINDOW_MS) {
        conn->cancel_window_at = now;
        conn->cancels = 0;
    }
    if (conn->cancels < UINT32_MAX)
        conn->cancels++;
    if (conn->cancels > max)
        samd_conn_kill(conn, "too many requests cancelled before their answer "
                             "(limits.max_resets_per_minute)");
}
