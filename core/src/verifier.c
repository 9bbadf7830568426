/* A loaded SAD verifier plugin with its private state: what module.c is for backends. */
#include <stddef.h>
#include <stdlib.h>

#include "sam/module.h"
#include "sam/plugin_loader.h"
#include "sam/rc.h"
#include "sam/sad.h"
#include "sad_internal.h"

struct st_sam_verifier_t {
    sam_plugin_t *plugin;
    const sam_verifier_v1_t *vt;
    void *state;
    int opened;
};

/* Every function of ABI version 1 is required. */
static const char *verifier_missing_function(const void *table)
{
    const sam_verifier_v1_t *t = table;

    if (t->open == NULL)
        return "open";
    if (t->close == NULL)
        return "close";
    if (t->verify == NULL)
        return "verify";
    return NULL;
}

const sam_plugin_kind_t sam_verifier_kind = {
    .kind = "verifier",
    .symbol = SAM_VERIFIER_SYMBOL,
    .abi_version = SAM_VERIFIER_ABI_VERSION,
    .min_struct_size = offsetof(sam_verifier_v1_t, verify) + sizeof(void *),
    .missing_function = verifier_missing_function,
};

int sam_verifier_open(const char *plugin_path, const sam_param_t *params, sam_verifier_t **out)
{
    int rc;
    sam_verifier_t *v = NULL;

    if (out == NULL || plugin_path == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "sam_verifier_open: missing argument");
    *out = NULL;
    if ((v = calloc(1, sizeof(*v))) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    if ((rc = sam_plugin_load(plugin_path, &sam_verifier_kind, &v->plugin)) != SAM_OK)
        goto out;
    v->vt = sam_plugin_table(v->plugin);
    if (v->vt->state_size > 1024 * 1024) {
        rc = sam_error_set(SAM_E_PLUGIN, "verifier plugin %s: asks for %zu bytes of state",
                           plugin_path, v->vt->state_size);
        goto out;
    }
    if ((v->state = calloc(1, v->vt->state_size ? v->vt->state_size : 1)) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    v->opened = 1; /* close() copes with a half-opened state */
    sam_error_clear();
    if ((rc = v->vt->open(v->state, sam_host(), params)) != SAM_OK) {
        if (sam_error_message() == sam_strerror(SAM_OK)) /* the plugin said nothing */
            sam_error_set(rc, "%s", sam_strerror(rc));
        sam_error_prefix("verifier plugin %s", plugin_path);
        goto out;
    }
    *out = v;
    v = NULL;
out:
    sam_verifier_close(v);
    return rc;
}

void sam_verifier_close(sam_verifier_t *v)
{
    if (v == NULL)
        return;
    if (v->opened)
        v->vt->close(v->state);
    free(v->state);
    sam_plugin_unload(v->plugin);
    free(v);
}

int sam_verifier_verify(sam_verifier_t *v, const char *jws, size_t jws_len,
                        const sam_issuer_key_t *keys, size_t n_keys, size_t *key_index,
                        sam_outbuf_t *payload)
{
    return v->vt->verify(v->state, jws, jws_len, keys, n_keys, key_index, payload);
}
