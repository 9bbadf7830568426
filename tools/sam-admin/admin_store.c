/* The state store of a node, as its static_config.json names it (admin.h). */
#include "admin.h"

#include "sam/rc.h"

int admin_open_store_config(const char *dir, sam_static_config_t **config, sam_store_t **store)
{
    char path[PATH_MAX];
    sam_static_config_t *sc = NULL;
    int ret = -1;

    *store = NULL;
    if (config != NULL)
        *config = NULL;
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
    if (config != NULL) {
        *config = sc;
        sc = NULL;
    }
out:
    sam_static_config_free(sc);
    return ret;
}

int admin_open_store(const char *dir, sam_store_t **store)
{
    return admin_open_store_config(dir, NULL, store);
}
