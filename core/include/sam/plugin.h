/*
 * The plugin ABI. A plugin is a shared object exporting exactly one const
 * struct whose first fields are abi_version, struct_size and name. Plugins
 * link to no core symbol: the core hands them a host services table.
 *
 * Growing the ABI: fields are only appended; struct_size tells the core which
 * fields a plugin knows. A change that is not an append bumps abi_version.
 */
#ifndef SAM_PLUGIN_H
#define SAM_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "sam/crypto_types.h"

#define SAM_HOST_ABI_VERSION 1u

enum { SAM_LOG_ERROR = 0, SAM_LOG_WARNING = 1, SAM_LOG_INFO = 2, SAM_LOG_DEBUG = 3 };

typedef void (*sam_host_log_fn)(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
typedef int (*sam_host_set_error_fn)(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
typedef void *(*sam_host_secure_alloc_fn)(size_t len);
typedef void (*sam_host_secure_free_fn)(void *p);
typedef void (*sam_host_wipe_fn)(void *p, size_t len);
typedef int (*sam_host_ct_equal_fn)(const void *a, const void *b, size_t len);
typedef int (*sam_host_read_secret_fn)(const char *source, char **out, size_t *len);

/* Services the core offers every plugin. All are thread-safe. */
typedef struct st_sam_host_v1_t {
    uint32_t abi_version; /* SAM_HOST_ABI_VERSION */
    uint32_t struct_size; /* sizeof(sam_host_v1_t) of the core */
    sam_host_log_fn log;               /* never pass secrets */
    sam_host_set_error_fn set_error;   /* sets the thread's detail message, returns rc */
    sam_host_secure_alloc_fn secure_alloc;
    sam_host_secure_free_fn secure_free;
    sam_host_wipe_fn wipe;
    sam_host_ct_equal_fn ct_equal;
    sam_host_read_secret_fn read_secret; /* "file:PATH" or "fd:N" into secure memory */
} sam_host_v1_t;

/* One configuration parameter handed to a plugin's open(); arrays end with {NULL, NULL}. */
typedef struct st_sam_param_t {
    const char *name;
    const char *value;
} sam_param_t;

/* Look up a parameter by name; NULL when absent. */
static inline const char *sam_param_get(const sam_param_t *params, const char *name)
{
    for (; params != NULL && params->name != NULL; params++) {
        const char *a = params->name, *b = name;
        while (*a != '\0' && *a == *b) {
            a++;
            b++;
        }
        if (*a == *b)
            return params->value;
    }
    return NULL;
}

#endif
