/*
 * csr: a PKCS#10 certification request whose signature the SAM makes
 * (POST /sam/v1/proofs_of_possession). The SSA builds the
 * CertificationRequestInfo (subject and public key), the SAM signs it with
 * the key pair's private key, and the SSA puts the signature in place.
 */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_client.h"
#include "sam/base64.h"
#include "sam/rc.h"

#define DC_MAX_SUBJECT 1024

/*
 * "CN=alice" or "CN=alice, O=Example, C=CH" (RFC 4514 order: most specific
 * first). Escapes and multi-valued RDNs are not supported by this example.
 */
static int parse_subject(const char *text, X509_NAME **out)
{
    char buf[DC_MAX_SUBJECT + 1];
    size_t len = strnlen(text, DC_MAX_SUBJECT + 1);
    X509_NAME *name = NULL;
    char *rdn, *next;
    int rc = DC_FAIL;

    *out = NULL;
    if (len == 0 || len > DC_MAX_SUBJECT || strpbrk(text, "\\+\"") != NULL)
        return dc_fail("subject \"%s\": this example supports plain TYPE=value[, TYPE=value...]",
                       text);
    memcpy(buf, text, len + 1);
    if ((name = X509_NAME_new()) == NULL)
        return dc_fail_openssl("X509_NAME_new");
    for (rdn = buf; rdn != NULL; rdn = next) {
        char *eq;
        if ((next = strchr(rdn, ',')) != NULL)
            *next++ = '\0';
        while (*rdn == ' ')
            rdn++;
        if ((eq = strchr(rdn, '=')) == NULL || eq == rdn || eq[1] == '\0') {
            dc_fail("subject \"%s\": \"%s\" is not TYPE=value", text, rdn);
            goto out;
        }
        *eq = '\0';
        /* Insert at the front: the DER order is the reverse of the string's. */
        if (X509_NAME_add_entry_by_txt(name, rdn, MBSTRING_UTF8, (const unsigned char *)eq + 1, -1,
                                       0, 0) != 1) {
            dc_fail_openssl("subject attribute");
            goto out;
        }
    }
    *out = name;
    name = NULL;
    rc = DC_OK;
out:
    X509_NAME_free(name);
    return rc;
}

static int public_key_of(const sam_json_t *kp, EVP_PKEY **out)
{
    const char *b64 = dc_str(kp, "public_key");
    uint8_t *der = NULL;
    size_t der_len = 0;
    const unsigned char *p;
    int rc = DC_FAIL;

    *out = NULL;
    if (sam_base64_decode_alloc(b64, strlen(b64), &der, &der_len) != SAM_OK) {
        dc_fail("key pair public_key: %s", sam_error_message());
        goto out;
    }
    p = der;
    if ((*out = d2i_PUBKEY(NULL, &p, (long)der_len)) == NULL || p != der + der_len) {
        EVP_PKEY_free(*out);
        *out = NULL;
        dc_fail_openssl("reading the key pair's public key");
        goto out;
    }
    rc = DC_OK;
out:
    free(der);
    return rc;
}

/* Put the SAM's signature and the matching AlgorithmIdentifier into req. */
static int set_signature(X509_REQ *req, const char *alg, const uint8_t *sig, size_t sig_len)
{
    int rc = DC_FAIL;
    X509_ALGOR *algor = X509_ALGOR_new();
    ASN1_BIT_STRING *bits = ASN1_BIT_STRING_new();
    int rsa = strcmp(alg, "RS256") == 0;
    int nid = rsa ? NID_sha256WithRSAEncryption : NID_ecdsa_with_SHA256;

    if (algor == NULL || bits == NULL || sig_len > INT32_MAX ||
        /* RSA PKCS#1 v1.5 identifiers carry NULL parameters, ECDSA ones none (RFC 4055, 5758). */
        X509_ALGOR_set0(algor, OBJ_nid2obj(nid), rsa ? V_ASN1_NULL : V_ASN1_UNDEF, NULL) != 1 ||
        ASN1_BIT_STRING_set(bits, (unsigned char *)sig, (int)sig_len) != 1) {
        dc_fail_openssl("building the signature");
        goto out;
    }
    /* A signature is a whole number of bytes: no unused bits. */
    bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
    bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    if (X509_REQ_set1_signature_algo(req, algor) != 1) {
        dc_fail_openssl("X509_REQ_set1_signature_algo");
        goto out;
    }
    X509_REQ_set0_signature(req, bits);
    bits = NULL;
    rc = DC_OK;
out:
    X509_ALGOR_free(algor);
    ASN1_BIT_STRING_free(bits);
    return rc;
}

static int write_pem(const char *path, X509_REQ *req)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *data = NULL;
    long len;
    int rc = DC_FAIL;

    if (mem == NULL || PEM_write_bio_X509_REQ(mem, req) != 1 ||
        (len = BIO_get_mem_data(mem, &data)) <= 0) {
        dc_fail_openssl("writing the request as PEM");
        goto out;
    }
    rc = dc_write_file(path, data, (size_t)len, 0644);
out:
    BIO_free(mem);
    return rc;
}

int dc_cmd_csr(const dc_config_t *cfg, int argc, char **argv)
{
    int rc = DC_FAIL;
    sam_json_t *kp = NULL, *resp = NULL;
    const char *subject, *alg = NULL, *sig_b64;
    X509_REQ *req = NULL;
    X509_NAME *name = NULL;
    EVP_PKEY *pub = NULL;
    unsigned char *tbs = NULL;
    int tbs_len;
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    sam_strbuf_t body = SAM_STRBUF_INIT;

    (void)argc;
    printf("== Build a certification request (PKCS#10); the SAM signs it as proof of possession\n");
    if (dc_key_pair_load(argv[1], &kp) != DC_OK || dc_key_pair_sig_alg(kp, &alg) != DC_OK)
        goto out;
    if ((subject = dc_str(kp, "subject")) == NULL) {
        dc_fail("%s has no subject: assign the key pair first (sam-demo-client assign)", argv[1]);
        goto out;
    }
    if (parse_subject(subject, &name) != DC_OK || public_key_of(kp, &pub) != DC_OK)
        goto out;
    if ((req = X509_REQ_new()) == NULL || X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
        X509_REQ_set_subject_name(req, name) != 1 || X509_REQ_set_pubkey(req, pub) != 1) {
        dc_fail_openssl("building the request");
        goto out;
    }
    /* The DER CertificationRequestInfo: what the signature covers. */
    if ((tbs_len = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0) {
        dc_fail_openssl("encoding the CertificationRequestInfo");
        goto out;
    }
    dc_say("CertificationRequestInfo: subject %s, the key pair's public key, %d bytes of DER",
           subject, tbs_len);
    dc_say("the SAM signs it only because it holds this key pair's own public key");
    sam_strbuf_puts(&body, "{\"key_pair\":");
    sam_json_write_canonical(&body, kp);
    sam_strbuf_puts(&body, ",\"request\":{\"dtbs\":");
    sam_strbuf_json_base64(&body, tbs, (size_t)tbs_len);
    sam_strbuf_puts(&body, ",\"signature_algorithm\":");
    sam_strbuf_json_string(&body, alg, strlen(alg));
    sam_strbuf_puts(&body, "}}");
    if (sam_strbuf_finish(&body) != SAM_OK) {
        dc_fail("out of memory");
        goto out;
    }
    if (dc_call(cfg, "POST", "/sam/v1/proofs_of_possession", &body, NULL, &resp) != DC_OK)
        goto out;
    if ((sig_b64 = dc_str(resp, "signature")) == NULL ||
        sam_base64_decode_alloc(sig_b64, strlen(sig_b64), &sig, &sig_len) != SAM_OK) {
        dc_fail("the SAM's answer has no valid base64 \"signature\"");
        goto out;
    }
    dc_say("%s signature of %zu bytes; putting it into the request", alg, sig_len);
    if (set_signature(req, alg, sig, sig_len) != DC_OK)
        goto out;
    /* Check what we send to a CA: the request must verify with its own key. */
    if (X509_REQ_verify(req, pub) != 1) {
        dc_fail_openssl("verifying the signed request");
        goto out;
    }
    if (write_pem(argv[2], req) != DC_OK)
        goto out;
    dc_say("the request verifies with the key pair's public key; wrote %s", argv[2]);
    rc = DC_OK;
out:
    sam_strbuf_free(&body);
    free(sig);
    OPENSSL_free(tbs);
    EVP_PKEY_free(pub);
    X509_NAME_free(name);
    X509_REQ_free(req);
    sam_json_free(kp);
    sam_json_free(resp);
    return rc;
}
