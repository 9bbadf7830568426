/*
 * The cryptographic module as the core sees it: a loaded backend plugin, its
 * private state, and the host services table. Thread-safe as the backend is
 * (see backend.h); sam_module_close() must run alone.
 */
#ifndef SAM_MODULE_H
#define SAM_MODULE_H

#include <stdbool.h>

#include "sam/backend.h"

typedef struct st_sam_module_t sam_module_t;

/* The host services table the core hands every plugin. */
const sam_host_v1_t *sam_host(void);

/* The kind descriptor for backend plugins (used by the loader). */
extern const struct st_sam_plugin_kind_t sam_backend_kind;

/*
 * Load the backend plugin at plugin_path and open it with params and the
 * module key labels. Module keys are not looked up yet: call
 * sam_module_bind_keys() (a running SAM) or sam_module_create_keys()
 * (`sam-admin create`).
 */
int sam_module_open(const char *plugin_path, const sam_param_t *params,
                    const char *const labels[SAM_MODULE_KEY_COUNT], sam_module_t **out);
void sam_module_close(sam_module_t *m);
const sam_backend_v1_t *sam_module_backend(const sam_module_t *m);

int sam_module_create_keys(sam_module_t *m);
int sam_module_bind_keys(sam_module_t *m);
int sam_module_health(sam_module_t *m);
int sam_module_generate(sam_module_t *m, const sam_key_spec_t *spec, sam_outbuf_t *spki,
                        sam_outbuf_t *wrapped);
int sam_module_sign(sam_module_t *m, const sam_key_spec_t *spec, sam_bytes_t wrapped,
                    const sam_sig_params_t *params, const sam_bytes_t *hashes, size_t n,
                    sam_outbuf_t *sigs);
int sam_module_seal(sam_module_t *m, sam_bytes_t data, sam_outbuf_t *mac);
int sam_module_seal_verify(sam_module_t *m, sam_bytes_t data, sam_bytes_t mac);
int sam_module_sign_with_key(sam_module_t *m, sam_module_key which, const sam_sig_params_t *params,
                             sam_bytes_t hash, sam_outbuf_t *sig);
int sam_module_public_key(sam_module_t *m, sam_module_key which, sam_outbuf_t *spki);
int sam_module_count_temporary_keys(sam_module_t *m, size_t *count);

/* OTP secrets (backend.h, otp_protect and otp_hmac). A plugin built before
 * these slots were appended has none: sam_module_has_otp() is false and the
 * two calls fail with SAM_E_UNSUPPORTED_ALG. */
bool sam_module_has_otp(const sam_module_t *m);
int sam_module_otp_protect(sam_module_t *m, sam_bytes_t secret, sam_outbuf_t *blob);
int sam_module_otp_hmac(sam_module_t *m, sam_bytes_t blob, uint32_t hmac, const sam_bytes_t *msgs,
                        size_t n, sam_outbuf_t *macs);

#endif
