/*
 * static_config.json: the top level, administrators, plugins, store and
 * audit. The network and policy sections live in config_static_*.c.
 */
#include "config_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sam/fileio.h"
#include "sam/rc.h"

static const char *const top_keys[] = {
    "node",    "listen", "threads", "workers", "tls", "administrators",
    "plugins", "store",  "audit",   "limits",  "sad", "algorithms",
    "csc",     NULL};

static bool node_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
}

static int parse_node(const sam_json_t *root, sam_static_config_t *c)
{
    int rc = sam_cfg_string(root, "node", "node", false, 64, &c->node);
    if (rc != SAM_OK || c->node == NULL)
        return rc;
    for (const char *p = c->node; *p != '\0'; p++)
        if (!node_char(*p))
            return sam_cfg_fail(sam_json_get(root, "node"), "node",
                                "may hold only letters, digits, '.', '_' and '-'");
    return SAM_OK;
}

static int parse_admin(const sam_json_t *item, const char *path, sam_admin_t *a)
{
    static const char *const keys[] = {"id", "public_key", NULL};
    char fpath[SAM_CFG_PATH_MAX];
    if (item->type != SAM_JSON_OBJECT)
        return sam_cfg_fail(item, path, "must be an object");
    int rc = sam_cfg_rc(sam_json_only_keys(item, path, keys));
    if (rc != SAM_OK)
        return rc;
    sam_cfg_path(fpath, sizeof(fpath), path, "id");
    rc = sam_cfg_id(item, "id", fpath, &a->id);
    if (rc != SAM_OK)
        return rc;
    sam_cfg_path(fpath, sizeof(fpath), path, "public_key");
    return sam_cfg_public_key(item, "public_key", fpath, &a->key);
}

static int parse_admins(const sam_json_t *root, sam_static_config_t *c)
{
    const sam_json_t *arr = NULL;
    char ipath[SAM_CFG_PATH_MAX];
    int rc =
        sam_cfg_array(root, "administrators", "administrators", true, SAM_CONFIG_MAX_ADMINS, &arr);
    if (rc != SAM_OK || arr->u.arr.count == 0)
        return rc;
    c->administrators = calloc(arr->u.arr.count, sizeof(*c->administrators));
    if (c->administrators == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    for (size_t i = 0; i < arr->u.arr.count; i++) {
        const sam_json_t *item = arr->u.arr.items[i];
        sam_admin_t *a = &c->administrators[i];
        sam_cfg_path_index(ipath, sizeof(ipath), "administrators", i);
        c->administrator_count = i + 1;
        rc = parse_admin(item, ipath, a);
        if (rc != SAM_OK)
            return rc;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->administrators[j].id, a->id) == 0)
                return sam_cfg_fail(sam_json_get(item, "id"), ipath,
                                    "has the same id as administrators[%zu]", j);
            if (memcmp(c->administrators[j].key.sha256, a->key.sha256, 32) == 0)
                return sam_cfg_fail(sam_json_get(item, "public_key"), ipath,
                                    "has the same public key as administrators[%zu]", j);
        }
    }
    return SAM_OK;
}

static int parse_plugins(const sam_json_t *root, sam_static_config_t *c)
{
    static const char *const keys[] = {"verifiers", NULL};
    const sam_json_t *plugins = NULL, *arr = NULL;
    char ipath[SAM_CFG_PATH_MAX];
    int rc = sam_cfg_opt_object(root, "plugins", "plugins", keys, &plugins);
    if (rc == SAM_OK && plugins != NULL)
        rc = sam_cfg_array(plugins, "verifiers", "plugins.verifiers", false, SAM_CONFIG_MAX_PLUGINS,
                           &arr);
    if (rc != SAM_OK || arr == NULL || arr->u.arr.count == 0)
        return rc;
    c->verifier_plugins = calloc(arr->u.arr.count, sizeof(char *));
    if (c->verifier_plugins == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    for (size_t i = 0; i < arr->u.arr.count; i++) {
        const sam_json_t *item = arr->u.arr.items[i];
        sam_cfg_path_index(ipath, sizeof(ipath), "plugins.verifiers", i);
        c->verifier_plugin_count = i + 1;
        rc = sam_cfg_item_string(item, ipath, 4095, &c->verifier_plugins[i]);
        if (rc != SAM_OK)
            return rc;
        if (c->verifier_plugins[i][0] != '/')
            return sam_cfg_fail(item, ipath, "must be an absolute path");
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->verifier_plugins[j], c->verifier_plugins[i]) == 0)
                return sam_cfg_fail(item, ipath, "repeats plugins.verifiers[%zu]", j);
    }
    return SAM_OK;
}

/* Case-insensitive strstr (strcasestr is a GNU extension). */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

/* A password in the connection string would sit in a world-readable-ish file and in logs. */
static bool conninfo_has_password(const char *s)
{
    if (strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0) {
        const char *auth = strchr(s, '/') + 2;
        const char *at = strchr(auth, '@');
        const char *slash = strchr(auth, '/');
        if (at != NULL && (slash == NULL || at < slash) && memchr(auth, ':', (size_t)(at - auth)))
            return true;
        const char *query = strchr(auth, '?');
        return query != NULL && find_ci(query, "password=") != NULL;
    }
    for (const char *p = s; (p = find_ci(p, "password")) != NULL; p += 8) {
        const char *q = p + 8;
        bool word_start = p == s || p[-1] == ' ' || p[-1] == '\t';
        while (*q == ' ' || *q == '\t')
            q++;
        if (word_start && *q == '=')
            return true;
    }
    return false;
}

static int parse_store(const sam_json_t *root, sam_store_config_t *s)
{
    static const char *const keys[] = {"type", "path", "conninfo", NULL};
    const sam_json_t *store = NULL;
    char *type = NULL;
    int rc = sam_cfg_need_object(root, "store", "store", keys, &store);
    if (rc == SAM_OK)
        rc = sam_cfg_string(store, "type", "store.type", true, 16, &type);
    if (rc != SAM_OK)
        goto out;
    if (strcmp(type, "sqlite") == 0) {
        s->type = SAM_STORE_SQLITE;
        if (sam_json_get(store, "conninfo") != NULL) {
            rc = sam_cfg_fail(sam_json_get(store, "conninfo"), "store.conninfo",
                              "is for \"postgresql\" only");
            goto out;
        }
        rc = sam_cfg_abs_path(store, "path", "store.path", true, &s->path);
    } else if (strcmp(type, "postgresql") == 0) {
        s->type = SAM_STORE_POSTGRESQL;
        if (sam_json_get(store, "path") != NULL) {
            rc = sam_cfg_fail(sam_json_get(store, "path"), "store.path", "is for \"sqlite\" only");
            goto out;
        }
        rc = sam_cfg_string(store, "conninfo", "store.conninfo", true, 4096, &s->conninfo);
        if (rc == SAM_OK && conninfo_has_password(s->conninfo))
            rc = sam_cfg_fail(sam_json_get(store, "conninfo"), "store.conninfo",
                              "must not hold a password (use a passfile, see docs)");
    } else {
        rc = sam_cfg_fail(sam_json_get(store, "type"), "store.type",
                          "must be \"sqlite\" or \"postgresql\"");
    }
out:
    free(type);
    return rc;
}

static int parse_audit(const sam_json_t *root, sam_audit_config_t *a)
{
    static const char *const keys[] = {"service_log", "admin_log", "syslog", "sync", NULL};
    const sam_json_t *audit = NULL;
    int rc = sam_cfg_need_object(root, "audit", "audit", keys, &audit);
    if (rc == SAM_OK)
        rc = sam_cfg_abs_path(audit, "service_log", "audit.service_log", true, &a->service_log);
    if (rc == SAM_OK)
        rc = sam_cfg_abs_path(audit, "admin_log", "audit.admin_log", true, &a->admin_log);
    if (rc == SAM_OK && strcmp(a->service_log, a->admin_log) == 0)
        rc = sam_cfg_fail(sam_json_get(audit, "admin_log"), "audit.admin_log",
                          "must not be the service log");
    a->syslog = false;
    if (rc == SAM_OK)
        rc = sam_cfg_bool(audit, "syslog", "audit.syslog", false, &a->syslog);
    a->sync = true;
    if (rc == SAM_OK)
        rc = sam_cfg_bool(audit, "sync", "audit.sync", false, &a->sync);
    return rc;
}

int sam_static_config_parse(const char *text, size_t len, const char *name,
                            sam_static_config_t **out)
{
    sam_json_t *root = NULL;
    sam_static_config_t *c = calloc(1, sizeof(*c));
    int rc = c == NULL ? sam_error_set(SAM_E_NOMEM, "out of memory") : SAM_OK;

    *out = NULL;
    if (rc == SAM_OK)
        rc = sam_cfg_parse_json(text, len, &root);
    if (rc == SAM_OK)
        rc = sam_cfg_root(root, top_keys);
    if (rc == SAM_OK)
        rc = parse_node(root, c);
    if (rc == SAM_OK)
        rc = sam_cfg_parse_net(root, c);
    if (rc == SAM_OK)
        rc = parse_admins(root, c);
    if (rc == SAM_OK)
        rc = parse_plugins(root, c);
    if (rc == SAM_OK)
        rc = parse_store(root, &c->store);
    if (rc == SAM_OK)
        rc = parse_audit(root, &c->audit);
    if (rc == SAM_OK)
        rc = sam_cfg_parse_limits(root, &c->limits);
    if (rc == SAM_OK)
        rc = sam_cfg_parse_sad(root, &c->sad);
    if (rc == SAM_OK)
        rc = sam_cfg_parse_algorithms(root, &c->algorithms);
    if (rc == SAM_OK)
        rc = sam_cfg_parse_csc(root, &c->sad, &c->csc);
    sam_json_free(root);
    if (rc != SAM_OK) {
        sam_static_config_free(c);
        return sam_cfg_finish_error(rc, name);
    }
    *out = c;
    return SAM_OK;
}

int sam_static_config_load(const char *path, sam_static_config_t **out)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = sam_file_read(path, SAM_CONFIG_MAX_BYTES, &text, &len);
    if (rc == SAM_OK)
        rc = sam_static_config_parse(text, len, path, out);
    free(text);
    return rc;
}

void sam_static_config_free(sam_static_config_t *c)
{
    if (c == NULL)
        return;
    free(c->node);
    sam_cfg_free_net(c);
    for (size_t i = 0; i < c->administrator_count; i++) {
        free(c->administrators[i].id);
        sam_public_key_clear(&c->administrators[i].key);
    }
    free(c->administrators);
    sam_cfg_free_strings(c->verifier_plugins, c->verifier_plugin_count);
    free(c->store.path);
    free(c->store.conninfo);
    free(c->audit.service_log);
    free(c->audit.admin_log);
    sam_cfg_free_sad(&c->sad);
    sam_cfg_free_csc(&c->csc);
    free(c);
}

const sam_admin_t *sam_static_config_find_admin(const sam_static_config_t *c,
                                                const uint8_t spki_sha256[32])
{
    for (size_t i = 0; i < c->administrator_count; i++)
        if (memcmp(c->administrators[i].key.sha256, spki_sha256, 32) == 0)
            return &c->administrators[i];
    return NULL;
}
