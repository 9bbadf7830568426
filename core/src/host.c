/* The host services table handed to every plugin: thin adapters to core functions. */
#include <stdarg.h>
#include <stdio.h>

#include "sam/log.h"
#include "sam/module.h"
#include "sam/rc.h"
#include "sam/secmem.h"

static void host_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void host_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sam_logv(level, fmt, ap);
    va_end(ap);
}

static int host_set_error(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int host_set_error(int rc, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sam_error_set((sam_rc)rc, "%s", msg);
}

static const sam_host_v1_t host_v1 = {
    .abi_version = SAM_HOST_ABI_VERSION,
    .struct_size = sizeof(sam_host_v1_t),
    .log = host_log,
    .set_error = host_set_error,
    .secure_alloc = sam_secure_alloc,
    .secure_free = sam_secure_free,
    .wipe = sam_wipe,
    .ct_equal = sam_ct_equal,
    .read_secret = sam_read_secret,
};

const sam_host_v1_t *sam_host(void)
{
    return &host_v1;
}
