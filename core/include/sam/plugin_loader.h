/*
 * Loading plugin shared objects. The loader opens the file with
 * RTLD_NOW|RTLD_LOCAL, finds the kind's one exported symbol, and refuses,
 * naming the file and the reason: a missing symbol, another ABI version, a
 * struct shorter than the core needs, an empty name, a missing required
 * function, or a name already loaded for that kind.
 */
#ifndef SAM_PLUGIN_LOADER_H
#define SAM_PLUGIN_LOADER_H

#include <stddef.h>
#include <stdint.h>

typedef struct st_sam_plugin_t sam_plugin_t;

/* Every plugin table starts like this. */
typedef struct st_sam_plugin_header_t {
    uint32_t abi_version;
    uint32_t struct_size;
    const char *name;
} sam_plugin_header_t;

typedef struct st_sam_plugin_kind_t {
    const char *kind;       /* "backend", "verifier": used in messages */
    const char *symbol;     /* exported symbol, e.g. "sam_backend_v1" */
    uint32_t abi_version;   /* the only version accepted */
    size_t min_struct_size; /* the fields the core uses */
    /* NULL, or the name of the first required function pointer that is NULL. */
    const char *(*missing_function)(const void *table);
} sam_plugin_kind_t;

/* Load path as a plugin of kind. Errors: SAM_E_PLUGIN (detail names path and why). */
int sam_plugin_load(const char *path, const sam_plugin_kind_t *kind, sam_plugin_t **out);
/* The plugin's table (cast to the kind's struct). */
const void *sam_plugin_table(const sam_plugin_t *p);
const char *sam_plugin_path(const sam_plugin_t *p);
/* Unload; NULL is a no-op. */
void sam_plugin_unload(sam_plugin_t *p);

#endif
