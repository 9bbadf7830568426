/*
 * Test PKI, made fresh for every harness: P-256 keys, a CA, a server
 * certificate for 127.0.0.1 and localhost, client certificates (trusted
 * CA, another CA, expired) and an authorization server key.
 */
#include "harness_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define DAY (24L * 3600L)

typedef enum { CERT_CA, CERT_SERVER, CERT_CLIENT } cert_kind;

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? 0 : -1;
}

static int set_serial(X509 *cert)
{
    BIGNUM *bn = BN_new();
    int rc = -1;
    if (bn != NULL && BN_rand(bn, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL)
        rc = 0;
    BN_free(bn);
    return rc;
}

static int add_exts(X509 *c, X509 *issuer, cert_kind kind)
{
    switch (kind) {
    case CERT_CA:
        return add_ext(c, issuer, NID_basic_constraints, "critical,CA:TRUE") |
               add_ext(c, issuer, NID_key_usage, "critical,keyCertSign,cRLSign") |
               add_ext(c, issuer, NID_subject_key_identifier, "hash");
    case CERT_SERVER:
        return add_ext(c, issuer, NID_basic_constraints, "critical,CA:FALSE") |
               add_ext(c, issuer, NID_key_usage, "critical,digitalSignature") |
               add_ext(c, issuer, NID_ext_key_usage, "serverAuth") |
               add_ext(c, issuer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1") |
               add_ext(c, issuer, NID_subject_key_identifier, "hash") |
               add_ext(c, issuer, NID_authority_key_identifier, "keyid");
    case CERT_CLIENT:
    default:
        return add_ext(c, issuer, NID_basic_constraints, "critical,CA:FALSE") |
               add_ext(c, issuer, NID_key_usage, "critical,digitalSignature") |
               add_ext(c, issuer, NID_ext_key_usage, "clientAuth") |
               add_ext(c, issuer, NID_subject_key_identifier, "hash") |
               add_ext(c, issuer, NID_authority_key_identifier, "keyid");
    }
}

/* A certificate for key, issued by issuer/issuer_key (NULL: self-signed), valid from..to (s from
 * now). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, cert_kind kind, X509 *issuer,
                       EVP_PKEY *issuer_key, long from, long to)
{
    X509 *c = X509_new();
    if (c == NULL)
        return NULL;
    X509_NAME *name = X509_get_subject_name(c);
    if (X509_set_version(c, 2) != 1 || set_serial(c) != 0 ||
        X509_gmtime_adj(X509_getm_notBefore(c), from) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(c), to) == NULL || X509_set_pubkey(c, key) != 1 ||
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"OpenSAM tests",
                                   -1, -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                   0) != 1 ||
        X509_set_issuer_name(c, issuer != NULL ? X509_get_subject_name(issuer) : name) != 1 ||
        add_exts(c, issuer != NULL ? issuer : c, kind) != 0 ||
        X509_sign(c, issuer_key != NULL ? issuer_key : key, EVP_sha256()) <= 0) {
        X509_free(c);
        return NULL;
    }
    return c;
}

static FILE *create_file(const char *path, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    if (f == NULL)
        close(fd);
    return f;
}

static int write_key(const char *path, EVP_PKEY *key)
{
    FILE *f = create_file(path, 0600);
    if (f == NULL)
        return -1;
    int ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int write_cert(const char *path, X509 *cert)
{
    FILE *f = create_file(path, 0644);
    if (f == NULL)
        return -1;
    int ok = PEM_write_X509(f, cert) == 1;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* base64 and SHA-256 of the DER SubjectPublicKeyInfo. */
static int spki_of(EVP_PKEY *key, char *b64, size_t cap, uint8_t sha[32])
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(key, &der);
    int rc = -1;
    if (len <= 0)
        return -1;
    if ((size_t)(4 * ((len + 2) / 3) + 1) <= cap) {
        EVP_EncodeBlock((unsigned char *)b64, der, len);
        unsigned int mdlen = 0;
        uint8_t tmp[EVP_MAX_MD_SIZE];
        if (EVP_Digest(der, (size_t)len, tmp, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32) {
            if (sha != NULL)
                memcpy(sha, tmp, 32);
            rc = 0;
        }
    }
    OPENSSL_free(der);
    return rc;
}

/* A key and a certificate written as dir/name.key and dir/name.pem. */
static int make_identity(samh_t *h, samh_identity_t *id, const char *name, cert_kind kind,
                         X509 *issuer, EVP_PKEY *issuer_key, long from, long to, X509 **cert_out,
                         EVP_PKEY **key_out)
{
    char file[64];
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = NULL;
    int rc = -1;
    if (key == NULL)
        goto out;
    cert = make_cert(key, name, kind, issuer, issuer_key, from, to);
    if (cert == NULL)
        goto out;
    snprintf(file, sizeof(file), "%s.key", name);
    if (samh_path(id->key, sizeof(id->key), h->dir, file) != 0 || write_key(id->key, key) != 0)
        goto out;
    snprintf(file, sizeof(file), "%s.pem", name);
    if (samh_path(id->cert, sizeof(id->cert), h->dir, file) != 0 || write_cert(id->cert, cert) != 0)
        goto out;
    if (spki_of(key, id->spki_b64, sizeof(id->spki_b64), id->spki_sha256) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "samharness: cannot make the %s certificate\n", name);
    if (rc == 0 && cert_out != NULL) {
        *cert_out = cert;
        cert = NULL;
    }
    if (rc == 0 && key_out != NULL) {
        *key_out = key;
        key = NULL;
    }
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

int samh_certs_generate(samh_t *h)
{
    samh_identity_t ca = {0}, other_ca = {0}, server = {0};
    X509 *ca_cert = NULL, *other_cert = NULL;
    EVP_PKEY *ca_key = NULL, *other_key = NULL, *as_key = NULL;
    int rc = -1;

    if (make_identity(h, &ca, "ca", CERT_CA, NULL, NULL, -DAY, 30 * DAY, &ca_cert, &ca_key) != 0 ||
        make_identity(h, &other_ca, "other-ca", CERT_CA, NULL, NULL, -DAY, 30 * DAY, &other_cert,
                      &other_key) != 0 ||
        make_identity(h, &server, "server", CERT_SERVER, ca_cert, ca_key, -DAY, 30 * DAY, NULL,
                      NULL) != 0 ||
        make_identity(h, &h->clients[SAMH_ADMIN], "admin", CERT_CLIENT, ca_cert, ca_key, -DAY,
                      30 * DAY, NULL, NULL) != 0 ||
        make_identity(h, &h->clients[SAMH_SSA], "ssa", CERT_CLIENT, ca_cert, ca_key, -DAY, 30 * DAY,
                      NULL, NULL) != 0 ||
        make_identity(h, &h->clients[SAMH_UNREGISTERED], "unregistered", CERT_CLIENT, ca_cert,
                      ca_key, -DAY, 30 * DAY, NULL, NULL) != 0 ||
        make_identity(h, &h->clients[SAMH_OTHER_CA], "foreign", CERT_CLIENT, other_cert, other_key,
                      -DAY, 30 * DAY, NULL, NULL) != 0 ||
        make_identity(h, &h->clients[SAMH_EXPIRED], "expired", CERT_CLIENT, ca_cert, ca_key,
                      -2 * DAY, -DAY, NULL, NULL) != 0)
        goto out;
    snprintf(h->ca_cert, sizeof(h->ca_cert), "%s", ca.cert);
    snprintf(h->server_cert, sizeof(h->server_cert), "%s", server.cert);

    as_key = EVP_EC_gen("P-256");
    if (as_key == NULL || samh_path(h->as_key, sizeof(h->as_key), h->dir, "as.key") != 0 ||
        write_key(h->as_key, as_key) != 0 ||
        spki_of(as_key, h->as_spki_b64, sizeof(h->as_spki_b64), NULL) != 0) {
        fprintf(stderr, "samharness: cannot make the authorization server key\n");
        goto out;
    }
    rc = 0;
out:
    X509_free(ca_cert);
    X509_free(other_cert);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(other_key);
    EVP_PKEY_free(as_key);
    return rc;
}
