/* The state store of a node, as its static_config.json names it (admin.h). */
#include "admin.h"

#include "sam/config.h"
#include "sam/rc.h"

int admin_open_store(const char *dir, sam_store_t **store)
{
    char path[PATH_MAX];
    sam_static_config_t *sc = NULL;
    int ret = -1;

    *store = NULL;
    if (admin_path_join(path, sizeof(path), dir, SAM_STATIC_CONFIG_FILE) != 0)
        return -1;
    if (sam_static_config_load(path, &sc) != SAM_OK) {
        admin_err("%s", sam_error_message());
        goto out;
    }
    if (sc->store.type != SAM_STORE_SQLITE) {
        admin_err("%s: only the SQLite store is available in this build", path);
        goto out;
    }
    if (sam_store_open_sqlite(sc->store.path, store) != SAM_OK) {
        admin_err("%s", sam_error_message());
        goto out;
    }
    ret = 0;
out:
    sam_static_config_free(sc);
    return ret;
}
