#include "sam/module.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "sam/plugin_loader.h"
#include "sam/rc.h"

struct st_sam_module_t {
    sam_plugin_t *plugin;
    const sam_backend_v1_t *be;
    void *state;
    int opened;
};

/* Every function of ABI version 1 is required. */
static const char *backend_missing_function(const void *table)
{
    const sam_backend_v1_t *b = table;
    static const struct {
        size_t offset;
        const char *name;
    } required[] = {
#define REQ(f) {offsetof(sam_backend_v1_t, f), #f}
        REQ(open), REQ(close), REQ(health), REQ(create_module_keys), REQ(bind_module_keys),
        REQ(generate_key_pair), REQ(sign), REQ(seal), REQ(seal_verify), REQ(sign_with_module_key),
        REQ(module_public_key), REQ(count_temporary_keys),
#undef REQ
    };
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        void *const *slot = (void *const *)((const char *)b + required[i].offset);
        if (*slot == NULL)
            return required[i].name;
    }
    return NULL;
}

const sam_plugin_kind_t sam_backend_kind = {
    .kind = "backend",
    .symbol = SAM_BACKEND_SYMBOL,
    .abi_version = SAM_BACKEND_ABI_VERSION,
    .min_struct_size = offsetof(sam_backend_v1_t, count_temporary_keys) + sizeof(void *),
    .missing_function = backend_missing_function,
};

int sam_module_open(const char *plugin_path, const sam_param_t *params,
                    const char *const labels[SAM_MODULE_KEY_COUNT], sam_module_t **out)
{
    int rc;
    sam_module_t *m = calloc(1, sizeof(*m));

    *out = NULL;
    if (m == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    if ((rc = sam_plugin_load(plugin_path, &sam_backend_kind, &m->plugin)) != SAM_OK)
        goto out;
    m->be = sam_plugin_table(m->plugin);
    if (m->be->state_size > 1024 * 1024) {
        rc = sam_error_set(SAM_E_PLUGIN, "backend plugin %s: asks for %zu bytes of state",
                           plugin_path, m->be->state_size);
        goto out;
    }
    if ((m->state = calloc(1, m->be->state_size ? m->be->state_size : 1)) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    m->opened = 1; /* close() copes with a half-opened state */
    if ((rc = m->be->open(m->state, sam_host(), params, labels)) != SAM_OK)
        goto out;
    *out = m;
    m = NULL;
out:
    sam_module_close(m);
    return rc;
}

void sam_module_close(sam_module_t *m)
{
    if (m == NULL)
        return;
    if (m->opened)
        m->be->close(m->state);
    free(m->state);
    sam_plugin_unload(m->plugin);
    free(m);
}

const sam_backend_v1_t *sam_module_backend(const sam_module_t *m)
{
    return m->be;
}

int sam_module_create_keys(sam_module_t *m)
{
    return m->be->create_module_keys(m->state);
}

int sam_module_bind_keys(sam_module_t *m)
{
    return m->be->bind_module_keys(m->state);
}

int sam_module_health(sam_module_t *m)
{
    return m->be->health(m->state);
}

int sam_module_generate(sam_module_t *m, const sam_key_spec_t *spec, sam_outbuf_t *spki,
                        sam_outbuf_t *wrapped)
{
    return m->be->generate_key_pair(m->state, spec, spki, wrapped);
}

int sam_module_sign(sam_module_t *m, const sam_key_spec_t *spec, sam_bytes_t wrapped,
                    const sam_sig_params_t *params, const sam_bytes_t *hashes, size_t n,
                    sam_outbuf_t *sigs)
{
    return m->be->sign(m->state, spec, wrapped, params, hashes, n, sigs);
}

int sam_module_seal(sam_module_t *m, sam_bytes_t data, sam_outbuf_t *mac)
{
    return m->be->seal(m->state, data, mac);
}

int sam_module_seal_verify(sam_module_t *m, sam_bytes_t data, sam_bytes_t mac)
{
    return m->be->seal_verify(m->state, data, mac);
}

int sam_module_sign_with_key(sam_module_t *m, sam_module_key which, const sam_sig_params_t *params,
                             sam_bytes_t hash, sam_outbuf_t *sig)
{
    return m->be->sign_with_module_key(m->state, which, params, hash, sig);
}

int sam_module_public_key(sam_module_t *m, sam_module_key which, sam_outbuf_t *spki)
{
    return m->be->module_public_key(m->state, which, spki);
}

int sam_module_count_temporary_keys(sam_module_t *m, size_t *count)
{
    return m->be->count_temporary_keys(m->state, count);
}

/* Whether the plugin's table reaches slot `offset` (appended after ABI 1's
 * first release) and fills it: older plugins keep loading without it. */
static bool has_slot(const sam_module_t *m, size_t offset)
{
    if (m->be->struct_size < offset + sizeof(void *))
        return false;
    return *(void *const *)((const char *)m->be + offset) != NULL;
}

#define HAS_SLOT(m, f) has_slot(m, offsetof(sam_backend_v1_t, f))

bool sam_module_has_otp(const sam_module_t *m)
{
    return HAS_SLOT(m, otp_protect) && HAS_SLOT(m, otp_hmac);
}

int sam_module_otp_protect(sam_module_t *m, sam_bytes_t secret, sam_outbuf_t *blob)
{
    if (!sam_module_has_otp(m))
        return sam_error_set(SAM_E_UNSUPPORTED_ALG,
                             "backend %s cannot protect OTP secrets (plugin too old)", m->be->name);
    return m->be->otp_protect(m->state, secret, blob);
}

int sam_module_otp_hmac(sam_module_t *m, sam_bytes_t blob, uint32_t hmac, const sam_bytes_t *msgs,
                        size_t n, sam_outbuf_t *macs)
{
    if (!sam_module_has_otp(m))
        return sam_error_set(SAM_E_UNSUPPORTED_ALG, "backend %s cannot check OTPs (plugin too old)",
                             m->be->name);
    return m->be->otp_hmac(m->state, blob, hmac, msgs, n, macs);
}
