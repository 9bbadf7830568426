/*
 * Re-initializing the library: C_Finalize, C_Initialize, find the token,
 * log in, find the module keys again (handles do not survive). Two reasons:
 * SoftHSMv2 keeps ~244 bytes per destroyed session object until C_Finalize,
 * so a long-running SAM re-initializes every `reinit_after` temporary
 * objects; and when the module reported it was gone, this is how service
 * resumes without a restart. Always under the exclusive lock: no operation
 * is in flight, no session is lent.
 */
#include "p11_internal.h"

int p11_reinit_locked(p11_ctx_t *ctx)
{
    p11_module_stop(ctx);
    ctx->keys_bound = 0;
    int rc = p11_module_start(ctx);
    if (rc == SAM_OK && ctx->keys_wanted)
        rc = p11_keys_bind(ctx);
    if (rc != SAM_OK) {
        /* Half started: leave no login or session behind; the next attempt starts afresh. */
        p11_module_stop(ctx);
        return rc;
    }
    atomic_store(&ctx->temp_objects, 0);
    atomic_fetch_add(&ctx->reinit_count, 1);
    return SAM_OK;
}
