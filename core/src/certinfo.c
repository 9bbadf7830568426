/* Reading the fields of a certificate that CSC credentials/info reports (certinfo.h). */
#include "sam/certinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include "sam/rc.h"

static char *name_text(const X509_NAME *name)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data = NULL, *out = NULL;
    long n;

    if (b == NULL)
        return NULL;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
        (n = BIO_get_mem_data(b, &data)) >= 0)
        out = strndup(data != NULL ? data : "", (size_t)n);
    BIO_free(b);
    return out;
}

static int generalized(const ASN1_TIME *t, char out[16])
{
    struct tm tm;

    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return SAM_E_PARSE;
    if (strftime(out, 16, "%Y%m%d%H%M%SZ", &tm) == 0)
        return SAM_E_PARSE;
    return SAM_OK;
}

int sam_cert_info_read(const uint8_t *der, size_t len, sam_cert_info_t *out)
{
    const unsigned char *p = der;
    X509 *x = NULL;
    BIGNUM *bn = NULL;
    char *hex = NULL;
    int rc = SAM_E_PARSE;

    memset(out, 0, sizeof(*out));
    if (len == 0 || len > 65536 || (x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len) {
        rc = sam_error_set(SAM_E_PARSE, "not a DER certificate");
        goto out;
    }
    if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL ||
        (hex = BN_bn2hex(bn)) == NULL) {
        rc = sam_error_set(SAM_E_PARSE, "certificate serial number unreadable");
        goto out;
    }
    out->serial_hex = strdup(hex);
    out->issuer_dn = name_text(X509_get_issuer_name(x));
    out->subject_dn = name_text(X509_get_subject_name(x));
    if (out->serial_hex == NULL || out->issuer_dn == NULL || out->subject_dn == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory reading a certificate");
        goto out;
    }
    if (generalized(X509_get0_notBefore(x), out->valid_from) != SAM_OK ||
        generalized(X509_get0_notAfter(x), out->valid_to) != SAM_OK) {
        rc = sam_error_set(SAM_E_PARSE, "certificate validity unreadable");
        goto out;
    }
    rc = SAM_OK;
out:
    if (rc != SAM_OK)
        sam_cert_info_clear(out);
    OPENSSL_free(hex);
    BN_free(bn);
    X509_free(x);
    return rc;
}

void sam_cert_info_clear(sam_cert_info_t *ci)
{
    if (ci == NULL)
        return;
    free(ci->issuer_dn);
    free(ci->subject_dn);
    free(ci->serial_hex);
    memset(ci, 0, sizeof(*ci));
}
