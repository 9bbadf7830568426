/* The service object, shared by service.c and service_dynamic.c. */
#ifndef SAM_SERVICE_INTERNAL_H
#define SAM_SERVICE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "sam/audit.h"
#include "sam/service.h"

struct st_sam_dynamic_snapshot_t {
    sam_dynamic_config_t *config;
    atomic_long refs; /* one for being current, one per reader */
};

struct st_sam_service_t {
    char *config_dir;
    char node[256];
    sam_infra_t *infra;
    sam_static_config_t *static_config;
    sam_module_t *module;
    sam_store_t *store;
    sam_verifier_t *verifier;
    sam_audit_t *audit;
    _Atomic(sam_dynamic_snapshot_t *) dynamic;
    atomic_long acquiring;          /* readers between loading the pointer and counting themselves */
    pthread_mutex_t replace_lock;   /* one replacement at a time */
};

/* Install the first dynamic configuration (open) / release the last one (close). */
int sam_service_dynamic_init(sam_service_t *svc);
void sam_service_dynamic_fini(sam_service_t *svc);
/* dir/name into buf; SAM_E_LIMIT when too long. */
int sam_service_path(const sam_service_t *svc, const char *name, char *buf, size_t cap);

#endif
