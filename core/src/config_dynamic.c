/*
 * dynamic_config.json, the document of PUT /sam/v1/configurations/dynamic:
 * version, authorization servers, signing service privileged users (SSAs).
 */
#include "config_dynamic_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sam/fileio.h"
#include "sam/rc.h"

#define AS_PATH "authorization_servers"
#define SSA_PATH "signing_service_privileged_users"

static const char *const top_keys[] = {"version", AS_PATH, SSA_PATH, "csc_oauth2", NULL};

static int parse_version(const sam_json_t *root, int64_t *out)
{
    int rc = sam_cfg_rc(sam_json_need_int(root, "version", "version", out));
    if (rc == SAM_OK && (*out < 1 || *out > SAM_DYNAMIC_VERSION_MAX))
        rc = sam_cfg_fail(sam_json_get(root, "version"), "version",
                          "must be an integer from 1 to %" PRId64, SAM_DYNAMIC_VERSION_MAX);
    return rc;
}

static int parse_as(const sam_json_t *item, const char *path, sam_auth_server_t *as)
{
    static const char *const keys[] = {"id", "public_key", "kid", NULL};
    char fpath[SAM_CFG_PATH_MAX];
    if (item->type != SAM_JSON_OBJECT)
        return sam_cfg_fail(item, path, "must be an object");
    int rc = sam_cfg_rc(sam_json_only_keys(item, path, keys));
    if (rc != SAM_OK)
        return rc;
    sam_cfg_path(fpath, sizeof(fpath), path, "id");
    rc = sam_cfg_id(item, "id", fpath, &as->id);
    if (rc != SAM_OK)
        return rc;
    sam_cfg_path(fpath, sizeof(fpath), path, "public_key");
    rc = sam_cfg_public_key(item, "public_key", fpath, &as->key);
    if (rc != SAM_OK)
        return rc;
    sam_cfg_path(fpath, sizeof(fpath), path, "kid");
    return sam_cfg_string(item, "kid", fpath, false, SAM_CONFIG_ID_MAX, &as->kid);
}

static int parse_servers(const sam_json_t *root, sam_dynamic_config_t *c)
{
    const sam_json_t *arr = NULL;
    char ipath[SAM_CFG_PATH_MAX];
    int rc = sam_cfg_array(root, AS_PATH, AS_PATH, true, SAM_CONFIG_MAX_AUTH_SERVERS, &arr);
    if (rc != SAM_OK || arr->u.arr.count == 0)
        return rc;
    c->authorization_servers = calloc(arr->u.arr.count, sizeof(*c->authorization_servers));
    if (c->authorization_servers == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    for (size_t i = 0; i < arr->u.arr.count; i++) {
        const sam_json_t *item = arr->u.arr.items[i];
        sam_auth_server_t *as = &c->authorization_servers[i];
        sam_cfg_path_index(ipath, sizeof(ipath), AS_PATH, i);
        c->authorization_server_count = i + 1;
        rc = parse_as(item, ipath, as);
        if (rc != SAM_OK)
            return rc;
        /* Quadratic, but bounded by SAM_CONFIG_MAX_AUTH_SERVERS. */
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->authorization_servers[j].id, as->id) == 0)
                return sam_cfg_fail(sam_json_get(item, "id"), ipath,
                                    "has the same id as " AS_PATH "[%zu]", j);
            if (memcmp(c->authorization_servers[j].key.sha256, as->key.sha256, 32) == 0)
                return sam_cfg_fail(sam_json_get(item, "public_key"), ipath,
                                    "has the same public key as " AS_PATH "[%zu]", j);
        }
    }
    return SAM_OK;
}

/* Sorted view of the authorization servers' ids, to resolve SSA references fast. */
typedef struct {
    const char *id;
    size_t index;
} as_ref_t;

static int cmp_ref(const void *a, const void *b)
{
    return strcmp(((const as_ref_t *)a)->id, ((const as_ref_t *)b)->id);
}

static int parse_allowed(const sam_json_t *item, const char *path, const as_ref_t *refs,
                         size_t nrefs, sam_ssa_t *ssa)
{
    const sam_json_t *arr = NULL;
    char fpath[SAM_CFG_PATH_MAX], ipath[SAM_CFG_PATH_MAX];
    sam_cfg_path(fpath, sizeof(fpath), path, "allowed_authorization_servers");
    int rc = sam_cfg_array(item, "allowed_authorization_servers", fpath, true,
                           SAM_CONFIG_MAX_AUTH_SERVERS, &arr);
    if (rc != SAM_OK || arr->u.arr.count == 0)
        return rc;
    ssa->allowed = calloc(arr->u.arr.count, sizeof(size_t));
    if (ssa->allowed == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    for (size_t i = 0; i < arr->u.arr.count; i++) {
        const sam_json_t *v = arr->u.arr.items[i];
        sam_cfg_path_index(ipath, sizeof(ipath), fpath, i);
        if (v->type != SAM_JSON_STRING)
            return sam_cfg_fail(v, ipath, "must be a string");
        as_ref_t key = {v->u.str.ptr, 0};
        const as_ref_t *hit =
            nrefs == 0 ? NULL : bsearch(&key, refs, nrefs, sizeof(*refs), cmp_ref);
        if (hit == NULL)
            return sam_cfg_fail(v, ipath, "names no authorization server of this configuration");
        for (size_t j = 0; j < ssa->allowed_count; j++)
            if (ssa->allowed[j] == hit->index)
                return sam_cfg_fail(v, ipath, "repeats an authorization server");
        ssa->allowed[ssa->allowed_count++] = hit->index;
    }
    return SAM_OK;
}

static int parse_ssa(const sam_json_t *item, const char *path, const as_ref_t *refs, size_t nrefs,
                     sam_ssa_t *ssa)
{
    static const char *const keys[] = {"id", "public_key", "allowed_authorization_servers", NULL};
    char fpath[SAM_CFG_PATH_MAX];
    if (item->type != SAM_JSON_OBJECT)
        return sam_cfg_fail(item, path, "must be an object");
    int rc = sam_cfg_rc(sam_json_only_keys(item, path, keys));
    if (rc != SAM_OK)
        return rc;
    sam_cfg_path(fpath, sizeof(fpath), path, "id");
    rc = sam_cfg_id(item, "id", fpath, &ssa->id);
    if (rc != SAM_OK)
        return rc;
    sam_cfg_path(fpath, sizeof(fpath), path, "public_key");
    rc = sam_cfg_public_key(item, "public_key", fpath, &ssa->key);
    if (rc != SAM_OK)
        return rc;
    return parse_allowed(item, path, refs, nrefs, ssa);
}

static int parse_ssas(const sam_json_t *root, sam_dynamic_config_t *c)
{
    const sam_json_t *arr = NULL;
    as_ref_t *refs = NULL;
    char ipath[SAM_CFG_PATH_MAX];
    int rc = sam_cfg_array(root, SSA_PATH, SSA_PATH, true, SAM_CONFIG_MAX_SSAS, &arr);
    if (rc != SAM_OK || arr->u.arr.count == 0)
        goto out;
    size_t nrefs = c->authorization_server_count;
    refs = calloc(nrefs + 1, sizeof(*refs));
    c->ssas = calloc(arr->u.arr.count, sizeof(*c->ssas));
    if (refs == NULL || c->ssas == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nrefs; i++)
        refs[i] = (as_ref_t){c->authorization_servers[i].id, i};
    qsort(refs, nrefs, sizeof(*refs), cmp_ref);
    for (size_t i = 0; i < arr->u.arr.count; i++) {
        const sam_json_t *item = arr->u.arr.items[i];
        sam_ssa_t *ssa = &c->ssas[i];
        sam_cfg_path_index(ipath, sizeof(ipath), SSA_PATH, i);
        c->ssa_count = i + 1;
        rc = parse_ssa(item, ipath, refs, nrefs, ssa);
        if (rc != SAM_OK)
            goto out;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->ssas[j].id, ssa->id) == 0) {
                rc = sam_cfg_fail(sam_json_get(item, "id"), ipath,
                                  "has the same id as " SSA_PATH "[%zu]", j);
                goto out;
            }
            if (memcmp(c->ssas[j].key.sha256, ssa->key.sha256, 32) == 0) {
                rc = sam_cfg_fail(sam_json_get(item, "public_key"), ipath,
                                  "has the same public key as " SSA_PATH "[%zu]", j);
                goto out;
            }
        }
    }
out:
    free(refs);
    return rc;
}

int sam_dynamic_config_parse(const char *text, size_t len, const char *name,
                             sam_dynamic_config_t **out)
{
    sam_json_t *root = NULL;
    sam_dynamic_config_t *c = calloc(1, sizeof(*c));
    int rc = c == NULL ? sam_error_set(SAM_E_NOMEM, "out of memory") : SAM_OK;

    *out = NULL;
    if (rc == SAM_OK)
        rc = sam_cfg_parse_json(text, len, &root);
    if (rc == SAM_OK)
        rc = sam_cfg_root(root, top_keys);
    if (rc == SAM_OK)
        rc = parse_version(root, &c->version);
    if (rc == SAM_OK)
        rc = parse_servers(root, c);
    if (rc == SAM_OK)
        rc = parse_ssas(root, c);
    if (rc == SAM_OK)
        rc = sam_cfg_parse_csc_oauth2(root, c);
    sam_json_free(root);
    if (rc != SAM_OK) {
        sam_dynamic_config_free(c);
        return sam_cfg_finish_error(rc, name);
    }
    *out = c;
    return SAM_OK;
}

int sam_dynamic_config_load(const char *path, sam_dynamic_config_t **out)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = sam_file_read(path, SAM_CONFIG_MAX_BYTES, &text, &len);
    if (rc == SAM_OK)
        rc = sam_dynamic_config_parse(text, len, path, out);
    free(text);
    return rc;
}

void sam_dynamic_config_free(sam_dynamic_config_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->authorization_server_count; i++) {
        free(c->authorization_servers[i].id);
        free(c->authorization_servers[i].kid);
        sam_public_key_clear(&c->authorization_servers[i].key);
    }
    free(c->authorization_servers);
    for (size_t i = 0; i < c->ssa_count; i++) {
        free(c->ssas[i].id);
        free(c->ssas[i].allowed);
        sam_public_key_clear(&c->ssas[i].key);
    }
    free(c->ssas);
    sam_cfg_free_csc_oauth2(c->csc_oauth2);
    free(c);
}

int sam_dynamic_config_check_version(int64_t current, int64_t proposed)
{
    if (proposed > current)
        return SAM_OK;
    return sam_error_set(SAM_E_VERSION_CONFLICT,
                         "version %" PRId64 " is not greater than the installed version %" PRId64,
                         proposed, current);
}

const sam_ssa_t *sam_dynamic_config_find_ssa(const sam_dynamic_config_t *c,
                                             const uint8_t spki_sha256[32])
{
    for (size_t i = 0; i < c->ssa_count; i++)
        if (memcmp(c->ssas[i].key.sha256, spki_sha256, 32) == 0)
            return &c->ssas[i];
    return NULL;
}

const sam_auth_server_t *sam_dynamic_config_find_as(const sam_dynamic_config_t *c, const char *id)
{
    for (size_t i = 0; i < c->authorization_server_count; i++)
        if (strcmp(c->authorization_servers[i].id, id) == 0)
            return &c->authorization_servers[i];
    return NULL;
}

bool sam_ssa_trusts(const sam_dynamic_config_t *c, const sam_ssa_t *ssa,
                    const sam_auth_server_t *as)
{
    for (size_t i = 0; i < ssa->allowed_count; i++) {
        size_t index = ssa->allowed[i];
        if (index < c->authorization_server_count && &c->authorization_servers[index] == as)
            return true;
    }
    return false;
}
