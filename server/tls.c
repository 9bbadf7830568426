/*
 * The server's TLS context. TLS 1.2 and 1.3 only; for 1.2 only ECDHE key
 * exchange with AEAD ciphers. ALPN offers h2 then http/1.1.
 *
 * Client certificates are requested, never required: /healthz and /readyz
 * serve anyone, and the API layer answers 401 to a caller without one. A
 * certificate that is sent must be within its validity period and, when
 * tls.client_ca is configured, chain to one of those CAs; otherwise the
 * handshake fails (threat N16). What a certificate grants is decided later,
 * by its public key alone.
 */
#include "samd.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "sam/log.h"

#define TLS12_CIPHERS                                                                              \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                   \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                   \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TLS13_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define TLS_GROUPS "X25519:P-256:P-384"
/* Same for every samd of every SAM: sessions carry no authorization, only the client's key. */
#define SESSION_ID_CONTEXT "opensam-samd"
#define SESSION_TIMEOUT_SECONDS 900
#define VERIFY_DEPTH 8

static const h2o_iovec_t alpn_protocols[] = {
    {H2O_STRLIT("h2")}, {H2O_STRLIT("http/1.1")}, {NULL, 0}};

static void log_ssl_error(const char *what, const char *path)
{
    char buf[256] = "";
    unsigned long e = ERR_peek_last_error();
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    sam_log(SAM_LOG_ERROR, "samd: %s%s%s%s%s", what, path != NULL ? " " : "",
            path != NULL ? path : "", buf[0] != '\0' ? ": " : "", buf);
}

/* With tls.client_ca: OpenSSL's own verdict (chain to a configured CA, validity, signatures). */
static int verify_with_ca(int preverify_ok, X509_STORE_CTX *store)
{
    (void)store;
    return preverify_ok;
}

/*
 * Without tls.client_ca, no chain can be checked: accept the errors that only
 * say "no trusted issuer", refuse everything else (expired, not yet valid,
 * bad signature, ...). The leaf's dates are checked here too, in case a
 * chain error stopped OpenSSL before its own date check.
 */
static int verify_without_ca(int preverify_ok, X509_STORE_CTX *store)
{
    int err = X509_STORE_CTX_get_error(store);
    if (X509_STORE_CTX_get_error_depth(store) == 0) {
        X509 *leaf = X509_STORE_CTX_get_current_cert(store);
        if (leaf == NULL || X509_cmp_current_time(X509_get0_notBefore(leaf)) >= 0) {
            X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_NOT_YET_VALID);
            return 0;
        }
        if (X509_cmp_current_time(X509_get0_notAfter(leaf)) <= 0) {
            X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_HAS_EXPIRED);
            return 0;
        }
    }
    if (preverify_ok)
        return 1;
    switch (err) {
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
        X509_STORE_CTX_set_error(store, X509_V_OK);
        return 1;
    default:
        return 0;
    }
}

static int setup_client_verification(SSL_CTX *ctx, const char *client_ca)
{
    if (client_ca == NULL) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_without_ca);
        return 0;
    }
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(client_ca);
    if (names == NULL || SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) {
        sk_X509_NAME_pop_free(names, X509_NAME_free);
        log_ssl_error("cannot load tls.client_ca", client_ca);
        return -1;
    }
    SSL_CTX_set_client_CA_list(ctx, names); /* takes names */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_with_ca);
    return 0;
}

SSL_CTX *samd_tls_new(const sam_tls_config_t *tls)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    int min = tls->min_version == SAM_TLS_1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
    if (ctx == NULL) {
        log_ssl_error("cannot create the TLS context", NULL);
        goto fail;
    }
    if (SSL_CTX_set_min_proto_version(ctx, min) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1 ||
        SSL_CTX_set_ciphersuites(ctx, TLS13_SUITES) != 1 ||
        SSL_CTX_set1_groups_list(ctx, TLS_GROUPS) != 1) {
        log_ssl_error("cannot set TLS versions, ciphers or groups", NULL);
        goto fail;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate_chain_file(ctx, tls->certificate) != 1) {
        log_ssl_error("cannot load tls.certificate", tls->certificate);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, tls->private_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        log_ssl_error("cannot load tls.private_key (or it does not match tls.certificate)",
                      tls->private_key);
        goto fail;
    }
    /* Without it, every resumption of a session with a verified peer fails. */
    if (SSL_CTX_set_session_id_context(ctx, (const unsigned char *)SESSION_ID_CONTEXT,
                                       sizeof(SESSION_ID_CONTEXT) - 1) != 1) {
        log_ssl_error("cannot set the TLS session id context", NULL);
        goto fail;
    }
    SSL_CTX_set_timeout(ctx, SESSION_TIMEOUT_SECONDS);
    SSL_CTX_set_verify_depth(ctx, VERIFY_DEPTH);
    if (setup_client_verification(ctx, tls->client_ca) != 0)
        goto fail;
    h2o_ssl_register_alpn_protocols(ctx, alpn_protocols);
    samd_peer_identity_install(ctx);
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}
