/*
 * What CSC credentials/info reports about an end-entity certificate, read
 * from its DER: issuer and subject DN (RFC 4514), serial number (hex),
 * validity (GeneralizedTime "YYYYMMDDHHMMSSZ").
 */
#ifndef SAM_CERTINFO_H
#define SAM_CERTINFO_H

#include <stddef.h>
#include <stdint.h>

typedef struct st_sam_cert_info_t {
    char *issuer_dn, *subject_dn, *serial_hex; /* malloc'd */
    char valid_from[16], valid_to[16];
} sam_cert_info_t;

/* SAM_E_PARSE when der is not one certificate. Free with sam_cert_info_clear(). */
int sam_cert_info_read(const uint8_t *der, size_t len, sam_cert_info_t *out);
void sam_cert_info_clear(sam_cert_info_t *ci);

#endif
