/* generate, assign, certify: the key pair's life before it can sign. */
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_client.h"
#include "sam/fileio.h"
#include "sam/rc.h"

/* Characters that would need escaping in a distinguished name: keep the demo's subjects plain. */
#define DC_DN_SPECIALS ",+=\\\"<>;#"

static void show_key_pair(const sam_json_t *response)
{
    const sam_json_t *kp = sam_json_get(response, "key_pair");
    const sam_json_t *status = sam_json_get(kp, "status");
    const sam_json_t *signer = sam_json_get(kp, "signer");
    const char *curve = dc_str(kp, "named_curve");
    const sam_json_t *size = sam_json_get(kp, "size");
    const char *names[] = {"assigned", "certified", "enabled"};

    dc_say("key pair id: %s", dc_str(kp, "id") ? dc_str(kp, "id") : "?");
    if (curve != NULL)
        dc_say("algorithm:   %s on %s", dc_str(kp, "algorithm") ? dc_str(kp, "algorithm") : "?",
               curve);
    else if (size != NULL && size->type == SAM_JSON_INTEGER)
        dc_say("algorithm:   %s %lld bits", dc_str(kp, "algorithm") ? dc_str(kp, "algorithm") : "?",
               (long long)size->u.num.integer);
    if (signer != NULL && signer->type == SAM_JSON_OBJECT)
        dc_say("signer:      %s, subject %s", dc_str(signer, "id") ? dc_str(signer, "id") : "?",
               dc_str(kp, "subject") ? dc_str(kp, "subject") : "(none)");
    for (size_t i = 0; i < 3; i++) {
        const sam_json_t *b = sam_json_get(status, names[i]);
        dc_say("status.%-10s %s", names[i],
               b != NULL && b->type == SAM_JSON_BOOL ? (b->u.boolean ? "true" : "false") : "?");
    }
}

int dc_cmd_generate(const dc_config_t *cfg, int argc, char **argv)
{
    int rc = DC_FAIL;
    const char *alg = argc > 2 ? argv[2] : "ECDSA";
    sam_strbuf_t body = SAM_STRBUF_INIT;
    sam_json_t *resp = NULL;

    if (strcmp(alg, "ECDSA") == 0) {
        printf("== Generate an ECDSA key pair on P-256 inside the SAM's cryptographic module\n");
        sam_strbuf_puts(&body, "{\"key_template\":{\"algorithm\":\"ECDSA\",\"named_curve\":"
                               "\"secp256r1\"}}");
    } else if (strcmp(alg, "RSA") == 0) {
        printf("== Generate an RSA-2048 key pair inside the SAM's cryptographic module\n");
        sam_strbuf_puts(&body, "{\"key_template\":{\"algorithm\":\"RSA\",\"size\":2048}}");
    } else {
        return dc_fail("generate: algorithm must be ECDSA or RSA, not \"%s\"", alg);
    }
    if (sam_strbuf_finish(&body) != SAM_OK) {
        dc_fail("out of memory");
        goto out;
    }
    dc_say("the private key never leaves the module in clear: the SAM returns it wrapped,");
    dc_say("inside a sealed key_pair object that the SSA keeps and sends back unchanged");
    if (dc_call(cfg, "POST", "/sam/v1/key_pairs", &body, NULL, &resp) != DC_OK)
        goto out;
    show_key_pair(resp);
    if (dc_key_pair_save(argv[1], resp) != DC_OK)
        goto out;
    dc_say("saved the key_pair object to %s", argv[1]);
    rc = DC_OK;
out:
    sam_strbuf_free(&body);
    sam_json_free(resp);
    return rc;
}

int dc_cmd_assign(const dc_config_t *cfg, int argc, char **argv)
{
    int rc = DC_FAIL;
    const char *signer = argv[2];
    size_t slen = strnlen(signer, 257);
    sam_json_t *kp = NULL, *resp = NULL;
    sam_strbuf_t body = SAM_STRBUF_INIT, path = SAM_STRBUF_INIT;
    char *esc = NULL, subject[3 + 256 + 1];

    (void)argc;
    if (slen == 0 || slen > 256 || strpbrk(signer, DC_DN_SPECIALS) != NULL)
        return dc_fail("assign: the signer id must be 1-256 characters without any of %s",
                       DC_DN_SPECIALS);
    printf("== Assign the key pair to signer \"%s\" (subject \"CN=%s\")\n", signer, signer);
    if (dc_key_pair_load(argv[1], &kp) != DC_OK)
        goto out;
    if ((esc = dc_url_escape(signer)) == NULL) {
        dc_fail("out of memory");
        goto out;
    }
    sam_strbuf_printf(&path, "/sam/v1/signers/%s/key_pairs", esc);
    sam_strbuf_puts(&body, "{\"key_pair\":");
    sam_json_write_canonical(&body, kp);
    sam_strbuf_puts(&body, ",\"signer\":{\"id\":");
    sam_strbuf_json_string(&body, signer, slen);
    snprintf(subject, sizeof(subject), "CN=%s", signer);
    sam_strbuf_puts(&body, "},\"subject\":");
    sam_strbuf_json_string(&body, subject, strlen(subject));
    sam_strbuf_puts(&body, "}");
    if (sam_strbuf_finish(&body) != SAM_OK || sam_strbuf_finish(&path) != SAM_OK) {
        dc_fail("out of memory");
        goto out;
    }
    dc_say("a key pair is assigned once in its life; the SAM records that in its state store");
    if (dc_call(cfg, "POST", path.ptr, &body, NULL, &resp) != DC_OK)
        goto out;
    show_key_pair(resp);
    if (dc_key_pair_save(argv[3], resp) != DC_OK)
        goto out;
    dc_say("saved the assigned key_pair object to %s (use it from now on)", argv[3]);
    rc = DC_OK;
out:
    free(esc);
    sam_strbuf_free(&body);
    sam_strbuf_free(&path);
    sam_json_free(kp);
    sam_json_free(resp);
    return rc;
}

/* The certificate in PEM, as DER. */
static int read_cert_der(const char *path, X509 **cert, unsigned char **der, int *der_len)
{
    char *text = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    int rc = DC_FAIL;

    *cert = NULL;
    *der = NULL;
    if (sam_file_read(path, DC_MAX_CERT_BYTES, &text, &len) != SAM_OK) {
        dc_fail("%s", sam_error_message());
        goto out;
    }
    if (len > INT_MAX || (bio = BIO_new_mem_buf(text, (int)len)) == NULL ||
        (*cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
        dc_fail_openssl("reading a PEM certificate");
        goto out;
    }
    if ((*der_len = i2d_X509(*cert, der)) <= 0) {
        dc_fail_openssl("encoding the certificate");
        goto out;
    }
    rc = DC_OK;
out:
    BIO_free(bio);
    free(text);
    return rc;
}

int dc_cmd_certify(const dc_config_t *cfg, int argc, char **argv)
{
    int rc = DC_FAIL;
    const char *signer = argv[2];
    size_t slen = strnlen(signer, 257);
    sam_json_t *kp = NULL, *resp = NULL;
    sam_strbuf_t body = SAM_STRBUF_INIT, path = SAM_STRBUF_INIT;
    char *esc = NULL, subject[256] = "?";
    X509 *cert = NULL;
    unsigned char *der = NULL;
    int der_len = 0;

    (void)argc;
    if (slen == 0 || slen > 256)
        return dc_fail("certify: the signer id must be 1-256 characters");
    printf("== Record the certificate; mark the key pair certified and enabled\n");
    if (dc_key_pair_load(argv[1], &kp) != DC_OK ||
        read_cert_der(argv[3], &cert, &der, &der_len) != DC_OK)
        goto out;
    X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof(subject));
    dc_say("certificate %s: subject %s", argv[3], subject);
    if ((esc = dc_url_escape(dc_str(kp, "id"))) == NULL) {
        dc_fail("out of memory");
        goto out;
    }
    sam_strbuf_printf(&path, "/sam/v1/key_pairs/%s", esc);
    sam_strbuf_puts(&body, "{\"key_pair\":");
    sam_json_write_canonical(&body, kp);
    sam_strbuf_puts(&body, ",\"signer\":{\"id\":");
    sam_strbuf_json_string(&body, signer, slen);
    sam_strbuf_puts(&body, "},\"status\":{\"certified\":true,\"enabled\":true},\"certificate\":");
    sam_strbuf_json_base64(&body, der, (size_t)der_len);
    sam_strbuf_puts(&body, "}");
    if (sam_strbuf_finish(&body) != SAM_OK || sam_strbuf_finish(&path) != SAM_OK) {
        dc_fail("out of memory");
        goto out;
    }
    dc_say("the SAM checks that the certificate holds this key pair's public key, and from");
    dc_say("now on refuses to sign outside the certificate's validity period");
    if (dc_call(cfg, "PUT", path.ptr, &body, NULL, &resp) != DC_OK)
        goto out;
    show_key_pair(resp);
    if (dc_key_pair_save(argv[4], resp) != DC_OK)
        goto out;
    dc_say("saved the certified key_pair object to %s", argv[4]);
    rc = DC_OK;
out:
    OPENSSL_free(der);
    X509_free(cert);
    free(esc);
    sam_strbuf_free(&body);
    sam_strbuf_free(&path);
    sam_json_free(kp);
    sam_json_free(resp);
    return rc;
}
