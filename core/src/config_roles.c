/* Checks that span static_config.json and dynamic_config.json. */
#include "sam/config.h"

#include "sam/rc.h"

int sam_config_check_roles(const sam_static_config_t *s, const sam_dynamic_config_t *d)
{
    /* Roles never mix: one client key is an administrator or an SSA, not both. */
    for (size_t i = 0; i < d->ssa_count; i++) {
        const sam_admin_t *a = sam_static_config_find_admin(s, d->ssas[i].key.sha256);
        if (a != NULL)
            return sam_error_set(SAM_E_CONFIG,
                                 "SSA \"%s\" uses the public key of administrator \"%s\"; "
                                 "a client key may hold only one role",
                                 d->ssas[i].id, a->id);
    }
    return SAM_OK;
}
