/* A bare OpenSSL client, to test what the server's TLS layer accepts. */
#include "harness_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define DEFAULT_TIMEOUT_MS 5000L

static void ssl_reason(samh_tls_result_t *r, const char *stage)
{
    char buf[200] = "";
    unsigned long e = ERR_get_error();
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    snprintf(r->error, sizeof(r->error), "%s: %s", stage, buf[0] != '\0' ? buf : "failed");
}

/* "h2,http/1.1" into ALPN wire format. */
static int alpn_wire(const char *list, unsigned char *out, size_t cap, size_t *len)
{
    size_t n = 0;
    const char *p = list;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t l = comma != NULL ? (size_t)(comma - p) : strlen(p);
        if (l == 0 || l > 255 || n + 1 + l > cap)
            return -1;
        out[n++] = (unsigned char)l;
        memcpy(out + n, p, l);
        n += l;
        p += l;
        if (*p == ',')
            p++;
    }
    *len = n;
    return 0;
}

static int connect_local(uint16_t port, long timeout_ms)
{
    struct sockaddr_in in;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    memset(&in, 0, sizeof(in));
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
        connect(fd, (struct sockaddr *)&in, sizeof(in)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int read_at_least(SSL *ssl, char *buf, size_t cap, size_t want)
{
    size_t got = 0;
    while (got < want && got < cap) {
        int n = SSL_read(ssl, buf + got, (int)(cap - got));
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return (int)got;
}

/* After the handshake: does the server serve? */
static int exchange(SSL *ssl, samh_tls_result_t *r)
{
    char buf[512];
    if (strcmp(r->alpn, "h2") == 0) {
        /* Preface and an empty SETTINGS; the server's first frame is its SETTINGS. */
        static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                                      "\x00\x00\x00\x04\x00\x00\x00\x00\x00";
        if (SSL_write(ssl, preface, (int)sizeof(preface) - 1) <= 0) {
            ssl_reason(r, "write");
            return -1;
        }
        if (read_at_least(ssl, buf, sizeof(buf), 9) < 9) {
            ssl_reason(r, "read");
            return -1;
        }
        if (buf[3] != 0x04) {
            snprintf(r->error, sizeof(r->error), "first HTTP/2 frame is not SETTINGS");
            return -1;
        }
        return 0;
    }
    static const char get[] =
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (SSL_write(ssl, get, (int)sizeof(get) - 1) <= 0) {
        ssl_reason(r, "write");
        return -1;
    }
    int n = read_at_least(ssl, buf, sizeof(buf) - 1, 12);
    if (n < 12) {
        ssl_reason(r, "read");
        return -1;
    }
    buf[n] = '\0';
    if (strncmp(buf, "HTTP/1.1 200", 12) != 0) {
        snprintf(r->error, sizeof(r->error), "unexpected answer: %.40s", buf);
        return -1;
    }
    return 0;
}

int samh_tls_probe(samh_t *h, const samh_tls_probe_t *p, samh_tls_result_t *r)
{
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    int fd = -1, rc = -1;
    long timeout = p->timeout_ms > 0 ? p->timeout_ms : DEFAULT_TIMEOUT_MS;
    const samh_identity_t *id = &h->clients[p->client];

    memset(r, 0, sizeof(*r));
    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL)
        goto ssl_fail;
    SSL_CTX_set_security_level(ctx, 0);
    if (SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0") != 1 ||
        SSL_CTX_set_min_proto_version(ctx, p->min_version != 0 ? p->min_version : TLS1_2_VERSION) !=
            1 ||
        SSL_CTX_set_max_proto_version(ctx, p->max_version != 0 ? p->max_version : TLS1_3_VERSION) !=
            1 ||
        SSL_CTX_load_verify_locations(ctx, h->ca_cert, NULL) != 1)
        goto ssl_fail;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (p->client != SAMH_NO_CERT &&
        (SSL_CTX_use_certificate_file(ctx, id->cert, SSL_FILETYPE_PEM) != 1 ||
         SSL_CTX_use_PrivateKey_file(ctx, id->key, SSL_FILETYPE_PEM) != 1))
        goto ssl_fail;
    if (p->alpn != NULL) {
        unsigned char wire[64];
        size_t len = 0;
        if (alpn_wire(p->alpn, wire, sizeof(wire), &len) != 0 ||
            SSL_CTX_set_alpn_protos(ctx, wire, (unsigned)len) != 0) /* 0 is success here */
            goto ssl_fail;
    }
    fd = connect_local(h->port, timeout);
    if (fd < 0) {
        snprintf(r->error, sizeof(r->error), "connect: %s", strerror(errno));
        goto out;
    }
    ssl = SSL_new(ctx);
    if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 ||
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1") != 1)
        goto ssl_fail;
    if (SSL_connect(ssl) != 1) {
        ssl_reason(r, "handshake");
        goto out;
    }
    r->handshake_ok = true;
    r->version = SSL_version(ssl);
    const unsigned char *sel = NULL;
    unsigned int sel_len = 0;
    SSL_get0_alpn_selected(ssl, &sel, &sel_len);
    if (sel_len > 0 && sel_len < sizeof(r->alpn)) {
        memcpy(r->alpn, sel, sel_len);
        r->alpn[sel_len] = '\0';
    }
    rc = exchange(ssl, r);
    r->served = rc == 0;
    goto out;
ssl_fail:
    ssl_reason(r, "client setup");
out:
    if (ssl != NULL) {
        (void)SSL_shutdown(ssl);
        SSL_free(ssl);
    }
    if (fd >= 0)
        close(fd);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}
