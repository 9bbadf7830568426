#include "sam/plugin_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"

struct st_sam_plugin_t {
    void *handle;
    const void *table;
    const sam_plugin_kind_t *kind;
    char *path;
    char *name;
    sam_plugin_t *next; /* registry of loaded plugins, for the duplicate check */
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static sam_plugin_t *registry;

/* A plugin of the same kind and name, or the same table (the same file twice). */
static const sam_plugin_t *find_loaded(const sam_plugin_kind_t *kind, const char *name,
                                       const void *table)
{
    for (const sam_plugin_t *p = registry; p != NULL; p = p->next) {
        if (p->kind == kind && (p->table == table || strcmp(p->name, name) == 0))
            return p;
    }
    return NULL;
}

static int check_table(const char *path, const sam_plugin_kind_t *kind, const void *table)
{
    const sam_plugin_header_t *h = table;
    if (h->abi_version != kind->abi_version)
        return sam_error_set(SAM_E_PLUGIN, "%s plugin %s: ABI version %u, this SAM needs %u",
                             kind->kind, path, h->abi_version, kind->abi_version);
    if (h->struct_size < kind->min_struct_size)
        return sam_error_set(SAM_E_PLUGIN,
                             "%s plugin %s: table of %u bytes is shorter than the %zu this SAM needs",
                             kind->kind, path, h->struct_size, kind->min_struct_size);
    if (h->name == NULL || h->name[0] == '\0' || strnlen(h->name, 65) > 64)
        return sam_error_set(SAM_E_PLUGIN, "%s plugin %s: missing or overlong name", kind->kind,
                             path);
    const char *missing = kind->missing_function != NULL ? kind->missing_function(table) : NULL;
    if (missing != NULL)
        return sam_error_set(SAM_E_PLUGIN, "%s plugin %s: required function %s is missing",
                             kind->kind, path, missing);
    return SAM_OK;
}

int sam_plugin_load(const char *path, const sam_plugin_kind_t *kind, sam_plugin_t **out)
{
    int rc = SAM_E_PLUGIN;
    sam_plugin_t *p = NULL;
    void *handle = NULL;
    int locked = 0;

    *out = NULL;
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        rc = sam_error_set(SAM_E_PLUGIN, "%s plugin %s: cannot load: %s", kind->kind, path,
                           dlerror());
        goto out;
    }
    (void)dlerror();
    const void *table = dlsym(handle, kind->symbol);
    if (table == NULL) {
        rc = sam_error_set(SAM_E_PLUGIN, "%s plugin %s: no symbol %s (not a %s plugin?)",
                           kind->kind, path, kind->symbol, kind->kind);
        goto out;
    }
    if ((rc = check_table(path, kind, table)) != SAM_OK)
        goto out;
    const char *name = ((const sam_plugin_header_t *)table)->name;
    pthread_mutex_lock(&registry_lock);
    locked = 1;
    const sam_plugin_t *dup = find_loaded(kind, name, table);
    if (dup != NULL) {
        rc = sam_error_set(SAM_E_PLUGIN, "%s plugin %s: a plugin named \"%s\" is already loaded from %s",
                           kind->kind, path, name, dup->path);
        goto out;
    }
    p = calloc(1, sizeof(*p));
    if (p == NULL || (p->path = strdup(path)) == NULL || (p->name = strdup(name)) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "loading %s: out of memory", path);
        goto out;
    }
    p->handle = handle;
    p->table = table;
    p->kind = kind;
    p->next = registry;
    registry = p;
    handle = NULL;
    *out = p;
    p = NULL;
    rc = SAM_OK;
out:
    if (locked)
        pthread_mutex_unlock(&registry_lock);
    if (p != NULL) {
        free(p->path);
        free(p->name);
        free(p);
    }
    if (handle != NULL)
        dlclose(handle);
    return rc;
}

const void *sam_plugin_table(const sam_plugin_t *p)
{
    return p->table;
}

const char *sam_plugin_path(const sam_plugin_t *p)
{
    return p->path;
}

void sam_plugin_unload(sam_plugin_t *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&registry_lock);
    for (sam_plugin_t **pp = &registry; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    dlclose(p->handle);
    free(p->path);
    free(p->name);
    free(p);
}
