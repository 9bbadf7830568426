/* What the raw PKCS#11 baselines share: the library's header, error checks, a clock, slot lookup. */
#ifndef SAM_BENCH_P11_COMMON_H
#define SAM_BENCH_P11_COMMON_H

#include <stdio.h>

#include <p11-kit/pkcs11.h>

/* Run a PKCS#11 call; on failure name it and jump to the function's `out`. */
#define CHECK(call)                                                                                \
    do {                                                                                           \
        CK_RV rv_ = (call);                                                                        \
        if (rv_ != CKR_OK) {                                                                       \
            fprintf(stderr, "raw: %s: 0x%lx\n", #call, (unsigned long)rv_);                        \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

/* DER of the P-256 OID, as CKA_EC_PARAMS wants it. */
extern const CK_BYTE bench_p256_oid[10];
/* DigestInfo prefix for SHA-256 (RSASSA-PKCS1-v1_5 via CKM_RSA_PKCS). */
extern const CK_BYTE bench_sha256_prefix[19];

/* Monotonic seconds. */
double bench_now(void);
/* The slot of the token labelled label; 0, or -1 with a message. */
int bench_find_slot(CK_FUNCTION_LIST_PTR f, const char *label, CK_SLOT_ID *slot);

#endif
