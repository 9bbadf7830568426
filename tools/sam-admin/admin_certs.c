/* Certificate files for sam-admin credential add (admin.h): PEM or DER to base64 DER. */
#include "admin.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sam/base64.h"
#include "sam/fileio.h"
#include "sam/rc.h"
#include "sam/store.h"

/* A file holds a chain at most; each certificate is bounded like the store's. */
#define MAX_CERT_FILE (SAM_STORE_MAX_CERTIFICATES * SAM_STORE_MAX_KEY_PAIR_LEN)

static int append(admin_certs_t *certs, const char *path, X509 *x)
{
    unsigned char *der = NULL;
    int len;

    if (certs->count == SAM_STORE_MAX_CERTIFICATES) {
        admin_err("%s: more than %d certificates in all", path, SAM_STORE_MAX_CERTIFICATES);
        return -1;
    }
    len = i2d_X509(x, &der);
    if (len <= 0 || (size_t)len > SAM_STORE_MAX_KEY_PAIR_LEN) {
        OPENSSL_free(der);
        admin_err("%s: a certificate that cannot be encoded or is over %u bytes", path,
                  SAM_STORE_MAX_KEY_PAIR_LEN);
        return -1;
    }
    certs->b64[certs->count] = sam_base64_encode_alloc(der, (size_t)len);
    OPENSSL_free(der);
    if (certs->b64[certs->count] == NULL) {
        admin_err("out of memory");
        return -1;
    }
    certs->count++;
    return 0;
}

/* Every PEM certificate of text, in order; 0 found is not an error here. */
static int read_pem(admin_certs_t *certs, const char *path, const char *text, size_t len,
                    size_t *found)
{
    BIO *bio = BIO_new_mem_buf(text, (int)len);
    X509 *x = NULL;
    int ret = 0;

    *found = 0;
    if (bio == NULL) {
        admin_err("out of memory");
        return -1;
    }
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        (*found)++;
        ret = append(certs, path, x);
        X509_free(x);
        if (ret != 0)
            break;
    }
    /* The end of the PEM data reads as "no start line"; anything else is a
     * certificate block that does not parse, which must not be skipped. */
    if (ret == 0 && ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE) {
        admin_err("%s: certificate %zu does not parse", path, *found + 1);
        ret = -1;
    }
    ERR_clear_error();
    BIO_free(bio);
    return ret;
}

int admin_certs_read(admin_certs_t *certs, const char *path)
{
    char *text = NULL;
    size_t len = 0, found = 0;
    const unsigned char *p;
    X509 *x = NULL;
    int ret = -1;

    if (sam_file_read(path, MAX_CERT_FILE, &text, &len) != SAM_OK) {
        admin_err("certificate: %s", sam_error_message());
        goto out;
    }
    if (read_pem(certs, path, text, len, &found) != 0)
        goto out;
    if (found == 0) {
        p = (const unsigned char *)text;
        x = d2i_X509(NULL, &p, (long)len);
        if (x == NULL || p != (const unsigned char *)text + len) {
            admin_err("%s: neither PEM certificates nor one DER certificate", path);
            goto out;
        }
        if (append(certs, path, x) != 0)
            goto out;
    }
    ret = 0;
out:
    X509_free(x);
    free(text);
    return ret;
}

void admin_certs_free(admin_certs_t *certs)
{
    for (size_t i = 0; i < certs->count; i++)
        free(certs->b64[i]);
    certs->count = 0;
}
