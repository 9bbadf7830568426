/*
 * The running SAM as the API layers use it: its configuration, module,
 * state store and SAD verifier, opened from one configuration directory.
 * Created once by samd at start; every function is thread-safe.
 */
#ifndef SAM_SERVICE_H
#define SAM_SERVICE_H

#include "sam/config.h"
#include "sam/infra.h"
#include "sam/module.h"
#include "sam/sad.h"
#include "sam/store.h"

typedef struct st_sam_service_t sam_service_t;

/*
 * Open the SAM described by config_dir (sam_infrastructure.json,
 * static_config.json, dynamic_config.json): load and check the three files,
 * open the module and bind its keys, open the state store and the verifier
 * plugin. Errors name the file or part that failed.
 */
int sam_service_open(const char *config_dir, sam_service_t **out);
/*
 * For administration tools on a node where samd may be running: the same
 * service without the SAD verifier and without the audit logs (samd is
 * their one writer and keeps their chain in memory; a second process
 * appending would fork it). Enough for operations that use the
 * configuration, the module and the store (e.g. sam_op_credential_create);
 * never for operations that check SADs or record audit events.
 */
int sam_service_open_tool(const char *config_dir, sam_service_t **out);
void sam_service_close(sam_service_t *svc);

const char *sam_service_sam_id(const sam_service_t *svc);
const char *sam_service_node(const sam_service_t *svc);
const sam_static_config_t *sam_service_static(const sam_service_t *svc);
sam_module_t *sam_service_module(sam_service_t *svc);
sam_store_t *sam_service_store(sam_service_t *svc);
sam_verifier_t *sam_service_verifier(sam_service_t *svc);

/*
 * The dynamic configuration in force, as an immutable snapshot: a request
 * acquires it once and sees that version from start to end, then releases
 * it. Acquiring takes no lock (two atomic increments); a replaced snapshot is
 * freed when its last reader releases it.
 */
typedef struct st_sam_dynamic_snapshot_t sam_dynamic_snapshot_t;
const sam_dynamic_snapshot_t *sam_service_dynamic_acquire(sam_service_t *svc);
const sam_dynamic_config_t *sam_dynamic_snapshot_config(const sam_dynamic_snapshot_t *snap);
void sam_service_dynamic_release(sam_service_t *svc, const sam_dynamic_snapshot_t *snap);
/*
 * Replace the dynamic configuration with a new document: validate it
 * (SAM_E_CONFIG), require a greater version (SAM_E_VERSION_CONFLICT), write
 * it durably and atomically to the configuration directory (SAM_E_IO), then
 * put it in force for the next request. On any error the previous
 * configuration stays in force and on disk.
 */
int sam_service_dynamic_replace(sam_service_t *svc, const char *text, size_t len);
/* Reload dynamic_config.json from disk when its version is greater (SIGHUP, cluster). */
int sam_service_dynamic_reload(sam_service_t *svc);

/* The audit logs (docs/internals/audit.md); opened and closed with the service. */
struct st_sam_audit_t *sam_service_audit(sam_service_t *svc);
/* SIGHUP: reopen both audit logs (after logrotate moved them); the chain continues. */
int sam_service_reopen_logs(sam_service_t *svc);

/* SAM_OK when the module and the state store answer (for /readyz). */
int sam_service_ready(sam_service_t *svc);

#endif
