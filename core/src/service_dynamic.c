/*
 * The dynamic configuration as an immutable snapshot swapped atomically.
 *
 * Readers: count themselves in `acquiring`, load the current pointer, take a
 * reference, leave `acquiring`. The replacer swaps the pointer, then waits
 * until `acquiring` is zero: after that no reader can still hold the old
 * pointer without having counted its reference, so dropping the "current"
 * reference frees the old snapshot exactly when its last reader is done.
 * Replacements are rare; the wait is a few nanoseconds of readers.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "sam/fileio.h"
#include "sam/log.h"
#include "sam/rc.h"
#include "service_internal.h"

static void snapshot_unref(sam_dynamic_snapshot_t *s)
{
    if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1) {
        sam_dynamic_config_free(s->config);
        free(s);
    }
}

static int snapshot_new(sam_dynamic_config_t *config, sam_dynamic_snapshot_t **out)
{
    sam_dynamic_snapshot_t *s = malloc(sizeof(*s));
    if (s == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    s->config = config;
    atomic_init(&s->refs, 1);
    *out = s;
    return SAM_OK;
}

const sam_dynamic_snapshot_t *sam_service_dynamic_acquire(sam_service_t *svc)
{
    atomic_fetch_add(&svc->acquiring, 1);
    sam_dynamic_snapshot_t *s = atomic_load(&svc->dynamic);
    atomic_fetch_add(&s->refs, 1);
    atomic_fetch_sub(&svc->acquiring, 1);
    return s;
}

const sam_dynamic_config_t *sam_dynamic_snapshot_config(const sam_dynamic_snapshot_t *snap)
{
    return snap->config;
}

void sam_service_dynamic_release(sam_service_t *svc, const sam_dynamic_snapshot_t *snap)
{
    (void)svc;
    snapshot_unref((sam_dynamic_snapshot_t *)snap);
}

/* Put config in force; the caller holds replace_lock (or is alone, at open). */
static void install(sam_service_t *svc, sam_dynamic_snapshot_t *next)
{
    sam_dynamic_snapshot_t *prev = atomic_exchange(&svc->dynamic, next);
    while (atomic_load(&svc->acquiring) != 0)
        sched_yield();
    snapshot_unref(prev);
}

int sam_service_dynamic_init(sam_service_t *svc)
{
    char path[PATH_MAX];
    sam_dynamic_config_t *config = NULL;
    sam_dynamic_snapshot_t *snap = NULL;
    int rc;

    if ((rc = sam_service_path(svc, SAM_DYNAMIC_CONFIG_FILE, path, sizeof(path))) != SAM_OK)
        return rc;
    rc = sam_dynamic_config_load(path, &config);
    if (rc == SAM_E_NOT_FOUND) {
        /* A new SAM: no SSA may call until an administrator installs a configuration. */
        sam_log(SAM_LOG_WARNING, "%s not found: starting with no authorization servers and no SSAs",
                path);
        /* Version 0: below any document's, so the first PUT of version 1 or more wins. */
        if ((config = calloc(1, sizeof(*config))) == NULL)
            return sam_error_set(SAM_E_NOMEM, "out of memory");
        rc = SAM_OK;
    }
    if (rc != SAM_OK)
        return rc;
    if ((rc = sam_config_check_roles(svc->static_config, config)) != SAM_OK) {
        sam_error_prefix("%s", path);
        sam_dynamic_config_free(config);
        return SAM_E_CONFIG;
    }
    if ((rc = snapshot_new(config, &snap)) != SAM_OK) {
        sam_dynamic_config_free(config);
        return rc;
    }
    atomic_store(&svc->dynamic, snap);
    return SAM_OK;
}

void sam_service_dynamic_fini(sam_service_t *svc)
{
    snapshot_unref(atomic_exchange(&svc->dynamic, NULL));
}

/* Validate, check the version, write durably, install. The caller holds replace_lock. */
static int replace_locked(sam_service_t *svc, sam_dynamic_config_t *config)
{
    char path[PATH_MAX];
    sam_strbuf_t text = SAM_STRBUF_INIT;
    sam_dynamic_snapshot_t *snap = NULL;
    int rc;
    int64_t current = atomic_load(&svc->dynamic)->config->version;

    /* Roles never mix: an SSA may not use an administrator's key. */
    if ((rc = sam_config_check_roles(svc->static_config, config)) != SAM_OK) {
        rc = SAM_E_CONFIG;
        goto out;
    }
    if (config->version <= current) {
        rc = sam_error_set(SAM_E_VERSION_CONFLICT,
                           "version %lld is not greater than the current version %lld",
                           (long long)config->version, (long long)current);
        goto out;
    }
    if ((rc = sam_dynamic_config_write(config, &text)) != SAM_OK ||
        (rc = sam_service_path(svc, SAM_DYNAMIC_CONFIG_FILE, path, sizeof(path))) != SAM_OK)
        goto out;
    if ((rc = sam_file_write_atomic(path, text.ptr, text.len, 0600, 0)) != SAM_OK)
        goto out;
    if ((rc = snapshot_new(config, &snap)) != SAM_OK)
        goto out;
    config = NULL;
    install(svc, snap);
    sam_log(SAM_LOG_INFO, "dynamic configuration version %lld in force",
            (long long)snap->config->version);
out:
    sam_dynamic_config_free(config);
    sam_strbuf_free(&text);
    return rc;
}

int sam_service_dynamic_replace(sam_service_t *svc, const char *text, size_t len)
{
    sam_dynamic_config_t *config = NULL;
    int rc = sam_dynamic_config_parse(text, len, NULL, &config);
    if (rc != SAM_OK)
        return rc;
    pthread_mutex_lock(&svc->replace_lock);
    rc = replace_locked(svc, config);
    pthread_mutex_unlock(&svc->replace_lock);
    return rc;
}

int sam_service_dynamic_reload(sam_service_t *svc)
{
    char path[PATH_MAX];
    sam_dynamic_config_t *config = NULL;
    sam_dynamic_snapshot_t *snap = NULL;
    int rc;

    if ((rc = sam_service_path(svc, SAM_DYNAMIC_CONFIG_FILE, path, sizeof(path))) != SAM_OK ||
        (rc = sam_dynamic_config_load(path, &config)) != SAM_OK)
        return rc;
    if ((rc = sam_config_check_roles(svc->static_config, config)) != SAM_OK) {
        sam_dynamic_config_free(config);
        sam_error_prefix("%s", path);
        return SAM_E_CONFIG;
    }
    pthread_mutex_lock(&svc->replace_lock);
    if (config->version > atomic_load(&svc->dynamic)->config->version &&
        (rc = snapshot_new(config, &snap)) == SAM_OK) {
        config = NULL;
        install(svc, snap);
        sam_log(SAM_LOG_INFO, "dynamic configuration version %lld reloaded from %s",
                (long long)snap->config->version, path);
    }
    pthread_mutex_unlock(&svc->replace_lock);
    sam_dynamic_config_free(config);
    return rc;
}
