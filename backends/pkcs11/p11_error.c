/*
 * Error messages. Every failure goes through p11_err(), which hands the text
 * to the core (host->set_error) and keeps a thread-local copy: the host table
 * offers no way to read the current message back, and the re-init path wants
 * to remember why the module became unavailable.
 */
#include <stdarg.h>
#include <stdio.h>

#include "p11_internal.h"

static __thread char last_error[512];

int p11_err(p11_ctx_t *ctx, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
    if (ctx != NULL && ctx->host != NULL && ctx->host->set_error != NULL)
        ctx->host->set_error(rc, "%s", last_error);
    return rc;
}

int p11_fail(p11_ctx_t *ctx, CK_RV rv, const char *fmt, ...)
{
    char what[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    const char *name = p11_rv_name(rv);
    if (name != NULL)
        return p11_err(ctx, p11_rv_rc(rv), "%s: %s (%s)", what, p11_rv_text(rv), name);
    return p11_err(ctx, p11_rv_rc(rv), "%s: %s (CKR 0x%lx)", what, p11_rv_text(rv),
                   (unsigned long)rv);
}

const char *p11_last_error(void)
{
    return last_error;
}
