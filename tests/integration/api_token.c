/*
 * api_token_objects(): count the token objects of a harness's SoftHSMv2
 * token from the test process, through the PKCS#11 library itself. Kept
 * apart from api_support.c because p11-kit's <pkcs11.h> defines lowercase
 * macros (count, value, ...).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api_support.h"

#include <p11-kit/pkcs11.h>

/* Space-padded CK_UTF8CHAR[32] label equals label? */
static int label_is(const unsigned char *padded, const char *label)
{
    size_t n = strlen(label);
    if (n > 32 || memcmp(padded, label, n) != 0)
        return 0;
    for (size_t i = n; i < 32; i++)
        if (padded[i] != ' ')
            return 0;
    return 1;
}

static long count_objects(samh_t *h)
{
    long result = -1;
    CK_FUNCTION_LIST_PTR f = NULL;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    CK_SLOT_ID slots[64];
    CK_ULONG n_slots = 64;
    int initialized = 0;

    if (setenv("SOFTHSM2_CONF", h->token.conf, 1) != 0)
        return -1;
    void *dl = dlopen(SAM_TEST_SOFTHSM_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL)
        return -1;
    CK_C_GetFunctionList get = NULL;
    *(void **)&get = dlsym(dl, "C_GetFunctionList");
    if (get == NULL || get(&f) != CKR_OK || f->C_Initialize(NULL) != CKR_OK)
        goto out;
    initialized = 1;
    if (f->C_GetSlotList(CK_TRUE, slots, &n_slots) != CKR_OK)
        goto out;
    for (CK_ULONG i = 0; i < n_slots && s == CK_INVALID_HANDLE; i++) {
        CK_TOKEN_INFO info;
        if (f->C_GetTokenInfo(slots[i], &info) == CKR_OK &&
            label_is(info.label, h->token.label) &&
            f->C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
            s = CK_INVALID_HANDLE;
    }
    if (s == CK_INVALID_HANDLE ||
        f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)SAM_TEST_PIN, strlen(SAM_TEST_PIN)) != CKR_OK)
        goto out;
    /* Every object this session can see: the token's (private ones included). */
    if (f->C_FindObjectsInit(s, NULL, 0) != CKR_OK)
        goto out;
    long total = 0;
    for (int round = 0; round < 1000; round++) {
        CK_OBJECT_HANDLE objs[64];
        CK_ULONG got = 0;
        if (f->C_FindObjects(s, objs, 64, &got) != CKR_OK)
            break;
        if (got == 0) {
            result = total;
            break;
        }
        total += (long)got;
    }
    (void)f->C_FindObjectsFinal(s);
out:
    if (s != CK_INVALID_HANDLE) {
        (void)f->C_Logout(s);
        (void)f->C_CloseSession(s);
    }
    if (initialized)
        (void)f->C_Finalize(NULL);
    return result;
}

/* In a child process, so that the module's global state never meets the test's. */
long api_token_objects(samh_t *h)
{
    int fds[2];
    long result = -1;
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        long n = count_objects(h);
        ssize_t w = write(fds[1], &n, sizeof(n));
        _exit(w == (ssize_t)sizeof(n) ? 0 : 1);
    }
    close(fds[1]);
    ssize_t r;
    do
        r = read(fds[0], &result, sizeof(result));
    while (r < 0 && errno == EINTR);
    if (r != (ssize_t)sizeof(result))
        result = -1;
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return result;
}
