#include "p11_common.h"

#include <string.h>
#include <time.h>

const CK_BYTE bench_p256_oid[10] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
const CK_BYTE bench_sha256_prefix[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                         0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_find_slot(CK_FUNCTION_LIST_PTR f, const char *label, CK_SLOT_ID *slot)
{
    CK_SLOT_ID slots[64];
    CK_ULONG n = 64;
    char padded[32];
    size_t len = strlen(label) < sizeof(padded) ? strlen(label) : sizeof(padded);

    memset(padded, ' ', sizeof(padded));
    memcpy(padded, label, len);
    if (f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
        return -1;
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK && memcmp(ti.label, padded, 32) == 0) {
            *slot = slots[i];
            return 0;
        }
    }
    fprintf(stderr, "raw: no token labelled \"%s\"\n", label);
    return -1;
}
