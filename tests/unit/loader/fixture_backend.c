/*
 * A backend plugin table built several ways (FIXTURE_VARIANT) to test what
 * the loader refuses. Its functions are never called.
 */
#include "sam/backend.h"

#define EXPORT __attribute__((visibility("default")))

static int f_open(void *s, const sam_host_v1_t *h, const sam_param_t *p,
                  const char *const l[SAM_MODULE_KEY_COUNT])
{
    (void)s, (void)h, (void)p, (void)l;
#ifdef FIXTURE_OPEN_OK
    return 0;
#else
    return -8;
#endif
}
static void f_close(void *s)
{
    (void)s;
}
static int f_state(void *s)
{
    (void)s;
    return -8;
}
static int f_generate(void *s, const sam_key_spec_t *k, sam_outbuf_t *a, sam_outbuf_t *b)
{
    (void)s, (void)k, (void)a, (void)b;
    return -8;
}
static __attribute__((unused)) int f_sign(void *s, const sam_key_spec_t *k, sam_bytes_t w, const sam_sig_params_t *p,
                  const sam_bytes_t *h, size_t n, sam_outbuf_t *o)
{
    (void)s, (void)k, (void)w, (void)p, (void)h, (void)n, (void)o;
    return -8;
}
static int f_seal(void *s, sam_bytes_t d, sam_outbuf_t *m)
{
    (void)s, (void)d, (void)m;
    return -8;
}
static int f_seal_verify(void *s, sam_bytes_t d, sam_bytes_t m)
{
    (void)s, (void)d, (void)m;
    return -8;
}
static int f_sign_mk(void *s, sam_module_key w, const sam_sig_params_t *p, sam_bytes_t h,
                     sam_outbuf_t *o)
{
    (void)s, (void)w, (void)p, (void)h, (void)o;
    return -8;
}
static int f_pub(void *s, sam_module_key w, sam_outbuf_t *o)
{
    (void)s, (void)w, (void)o;
    return -8;
}
static int f_count(void *s, size_t *c)
{
    (void)s, (void)c;
    return -8;
}
static __attribute__((unused)) int f_otp_protect(void *s, sam_bytes_t k, sam_outbuf_t *o)
{
    (void)s, (void)k, (void)o;
    return -8;
}
static __attribute__((unused)) int f_otp_hmac(void *s, sam_bytes_t b, uint32_t h,
                                              const sam_bytes_t *m, size_t n, sam_outbuf_t *o)
{
    (void)s, (void)b, (void)h, (void)m, (void)n, (void)o;
    return -8;
}

#ifndef FIXTURE_NAME
#define FIXTURE_NAME "fixture"
#endif
#ifndef FIXTURE_ABI
#define FIXTURE_ABI SAM_BACKEND_ABI_VERSION
#endif
#ifndef FIXTURE_SIZE
#define FIXTURE_SIZE sizeof(sam_backend_v1_t)
#endif
#ifdef FIXTURE_NO_SIGN
#define FIXTURE_SIGN NULL
#else
#define FIXTURE_SIGN f_sign
#endif

#ifndef FIXTURE_NO_SYMBOL
EXPORT const sam_backend_v1_t sam_backend_v1 = {
#else
EXPORT const sam_backend_v1_t some_other_symbol = {
#endif
    .abi_version = FIXTURE_ABI,
    .struct_size = FIXTURE_SIZE,
    .name = FIXTURE_NAME,
    .description = "loader test fixture",
    .capabilities = 0,
    .state_size = 8,
    .open = f_open,
    .close = f_close,
    .health = f_state,
    .create_module_keys = f_state,
    .bind_module_keys = f_state,
    .generate_key_pair = f_generate,
    .sign = FIXTURE_SIGN,
    .seal = f_seal,
    .seal_verify = f_seal_verify,
    .sign_with_module_key = f_sign_mk,
    .module_public_key = f_pub,
    .count_temporary_keys = f_count,
#ifdef FIXTURE_OTP /* slots appended to ABI 1 (used only within struct_size) */
    .otp_protect = f_otp_protect,
    .otp_hmac = f_otp_hmac,
#endif
};
