#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sam/log.h"
#include "sam/rc.h"
#include "service_internal.h"

#ifndef SAM_DEFAULT_VERIFIER_PLUGIN
#define SAM_DEFAULT_VERIFIER_PLUGIN "sam_verifier_jws.so"
#endif

int sam_service_path(const sam_service_t *svc, const char *name, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/%s", svc->config_dir, name);
    if (n < 0 || (size_t)n >= cap)
        return sam_error_set(SAM_E_LIMIT, "configuration path too long");
    return SAM_OK;
}

/* The audit logs, and the "start" record in each. */
static int service_audit_open(sam_service_t *svc)
{
    const sam_audit_config_t *ac = &svc->static_config->audit;
    sam_audit_options_t o = {.path = {ac->service_log, ac->admin_log},
                             .node = svc->node,
                             .sam_id = svc->infra->sam_id,
                             .module = svc->module,
                             .sync = ac->sync,
                             .syslog = ac->syslog};
    sam_audit_event_t ev = {.event = "start", .outcome = "success"};
    int rc;
    if ((rc = sam_audit_open(&o, &svc->audit)) != SAM_OK)
        return rc;
    if (!ac->sync)
        sam_log(SAM_LOG_WARNING, "audit.sync is false: records are not synced (benchmarks only)");
    for (int i = 0; i < SAM_AUDIT_LOG_COUNT; i++)
        if ((rc = sam_audit_record(svc->audit, (sam_audit_log)i, &ev)) != SAM_OK)
            return rc;
    return SAM_OK;
}

/* with_logs false: no verifier and no audit logs (sam_service_open_tool). */
static int open_parts(sam_service_t *svc, bool with_logs)
{
    char path[PATH_MAX];
    int rc;
    const sam_static_config_t *sc;

    if ((rc = sam_service_path(svc, SAM_INFRA_CONFIG_FILE, path, sizeof(path))) != SAM_OK ||
        (rc = sam_infra_load(path, &svc->infra)) != SAM_OK)
        return rc;
    if ((rc = sam_service_path(svc, SAM_STATIC_CONFIG_FILE, path, sizeof(path))) != SAM_OK ||
        (rc = sam_static_config_load(path, &svc->static_config)) != SAM_OK)
        return rc;
    sc = svc->static_config;
    if (sc->node != NULL)
        snprintf(svc->node, sizeof(svc->node), "%s", sc->node);
    else if (gethostname(svc->node, sizeof(svc->node) - 1) != 0)
        snprintf(svc->node, sizeof(svc->node), "unknown");
    if ((rc = sam_service_dynamic_init(svc)) != SAM_OK)
        return rc;
    if ((rc = sam_infra_open_module(svc->infra, &svc->module)) != SAM_OK ||
        (rc = sam_module_bind_keys(svc->module)) != SAM_OK) {
        sam_error_prefix("cryptographic module");
        return rc;
    }
    if (sc->store.type != SAM_STORE_SQLITE)
        return sam_error_set(SAM_E_CONFIG, "store type not available in this build (sqlite only)");
    if ((rc = sam_store_open_sqlite(sc->store.path, &svc->store)) != SAM_OK)
        return rc; /* the store's messages name it and its path */
    if (!with_logs)
        return SAM_OK;
    const char *verifier =
        sc->verifier_plugin_count > 0 ? sc->verifier_plugins[0] : SAM_DEFAULT_VERIFIER_PLUGIN;
    if ((rc = sam_verifier_open(verifier, NULL, &svc->verifier)) != SAM_OK)
        return rc;
    return service_audit_open(svc);
}

static int service_open(const char *config_dir, bool with_logs, sam_service_t **out)
{
    int rc;
    sam_service_t *svc = calloc(1, sizeof(*svc));

    *out = NULL;
    if (svc == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    pthread_mutex_init(&svc->replace_lock, NULL);
    if ((svc->config_dir = strdup(config_dir)) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = open_parts(svc, with_logs)) != SAM_OK)
        goto out;
    *out = svc;
    svc = NULL;
out:
    sam_service_close(svc);
    return rc;
}

int sam_service_open(const char *config_dir, sam_service_t **out)
{
    return service_open(config_dir, true, out);
}

int sam_service_open_tool(const char *config_dir, sam_service_t **out)
{
    return service_open(config_dir, false, out);
}

void sam_service_close(sam_service_t *svc)
{
    if (svc == NULL)
        return;
    if (svc->audit != NULL) {
        sam_audit_event_t ev = {.event = "stop", .outcome = "success"};
        for (int i = 0; i < SAM_AUDIT_LOG_COUNT; i++)
            if (sam_audit_record(svc->audit, (sam_audit_log)i, &ev) != SAM_OK)
                sam_log(SAM_LOG_ERROR, "stop not recorded: %s", sam_error_message());
        sam_audit_close(svc->audit);
    }
    sam_verifier_close(svc->verifier);
    sam_store_close(svc->store);
    sam_module_close(svc->module);
    sam_service_dynamic_fini(svc);
    sam_static_config_free(svc->static_config);
    sam_infra_free(svc->infra);
    pthread_mutex_destroy(&svc->replace_lock);
    free(svc->config_dir);
    free(svc);
}

const char *sam_service_sam_id(const sam_service_t *svc)
{
    return svc->infra->sam_id;
}

const char *sam_service_node(const sam_service_t *svc)
{
    return svc->node;
}

const sam_static_config_t *sam_service_static(const sam_service_t *svc)
{
    return svc->static_config;
}

sam_module_t *sam_service_module(sam_service_t *svc)
{
    return svc->module;
}

sam_store_t *sam_service_store(sam_service_t *svc)
{
    return svc->store;
}

sam_verifier_t *sam_service_verifier(sam_service_t *svc)
{
    return svc->verifier;
}

sam_audit_t *sam_service_audit(sam_service_t *svc)
{
    return svc->audit;
}

int sam_service_reopen_logs(sam_service_t *svc)
{
    return sam_audit_reopen(svc->audit);
}

int sam_service_ready(sam_service_t *svc)
{
    int rc;
    bool deleted;
    if ((rc = sam_module_health(svc->module)) != SAM_OK)
        return rc;
    /* Any read proves the store answers. */
    return sam_store_key_deleted(svc->store, "readiness-probe", &deleted);
}
