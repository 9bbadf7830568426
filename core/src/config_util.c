/* Field access helpers for the configuration validators (see config_internal.h). */
#include "config_internal.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"

/*
 * Configuration documents: 4 MiB, shallow (the deepest path is
 * signing_service_privileged_users[i].allowed_authorization_servers[j]),
 * strings up to 64 KiB (PEM keys), arrays as long as the largest registry.
 */
const sam_json_limits_t sam_config_json_limits = {
    .max_bytes = SAM_CONFIG_MAX_BYTES,
    .max_depth = 8,
    .max_string = 64 * 1024,
    .max_items = SAM_CONFIG_MAX_SSAS,
    .max_nodes = 262144,
};

void sam_cfg_path(char *buf, size_t cap, const char *parent, const char *key)
{
    if (parent == NULL || parent[0] == '\0')
        snprintf(buf, cap, "%s", key);
    else
        snprintf(buf, cap, "%s.%s", parent, key);
}

void sam_cfg_path_index(char *buf, size_t cap, const char *parent, size_t i)
{
    snprintf(buf, cap, "%s[%zu]", parent, i);
}

int sam_cfg_fail(const sam_json_t *v, const char *path, const char *fmt, ...)
{
    char why[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (v == NULL)
        return sam_error_set(SAM_E_CONFIG, "field \"%s\" %s", path, why);
    return sam_error_set(SAM_E_CONFIG, "line %u, column %u: field \"%s\" %s", v->line, v->column,
                         path, why);
}

int sam_cfg_rc(int rc)
{
    if (rc == SAM_OK || rc == SAM_E_NOMEM || rc == SAM_E_INTERNAL)
        return rc;
    return SAM_E_CONFIG;
}

int sam_cfg_root(const sam_json_t *root, const char *const *allowed)
{
    if (root->type != SAM_JSON_OBJECT)
        return sam_error_set(SAM_E_CONFIG, "line %u, column %u: the document must be a JSON object",
                             root->line, root->column);
    return sam_cfg_rc(sam_json_only_keys(root, "", allowed));
}

int sam_cfg_opt_object(const sam_json_t *obj, const char *key, const char *path,
                       const char *const *allowed, const sam_json_t **out)
{
    const sam_json_t *v = sam_json_get(obj, key);
    *out = NULL;
    if (v == NULL || v->type == SAM_JSON_NULL)
        return SAM_OK;
    if (v->type != SAM_JSON_OBJECT)
        return sam_cfg_fail(v, path, "must be an object");
    int rc = sam_cfg_rc(sam_json_only_keys(v, path, allowed));
    if (rc == SAM_OK)
        *out = v;
    return rc;
}

int sam_cfg_need_object(const sam_json_t *obj, const char *key, const char *path,
                        const char *const *allowed, const sam_json_t **out)
{
    const sam_json_t *v = NULL;
    int rc = sam_cfg_rc(sam_json_need_object(obj, key, path, &v));
    if (rc == SAM_OK)
        rc = sam_cfg_rc(sam_json_only_keys(v, path, allowed));
    *out = rc == SAM_OK ? v : NULL;
    return rc;
}

int sam_cfg_array(const sam_json_t *obj, const char *key, const char *path, bool required,
                  size_t max, const sam_json_t **out)
{
    const sam_json_t *v = sam_json_get(obj, key);
    *out = NULL;
    if (v == NULL || v->type == SAM_JSON_NULL) {
        if (!required)
            return SAM_OK;
        /* Let json.h word the "is required" message. */
        int rc = sam_cfg_rc(sam_json_need_array(obj, key, path, &v));
        return rc != SAM_OK ? rc : sam_cfg_fail(obj, path, "is required");
    }
    if (v->type != SAM_JSON_ARRAY)
        return sam_cfg_fail(v, path, "must be an array");
    if (v->u.arr.count > max)
        return sam_cfg_fail(v, path, "has %zu items; at most %zu are allowed", v->u.arr.count, max);
    *out = v;
    return SAM_OK;
}

static int check_text(const sam_json_t *v, const char *path, const char *s, size_t len, size_t max)
{
    if (len == 0)
        return sam_cfg_fail(v, path, "must not be empty");
    if (len > max)
        return sam_cfg_fail(v, path, "is longer than %zu bytes", max);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f)
            return sam_cfg_fail(v, path, "must not contain control characters");
    }
    return SAM_OK;
}

static int copy_text(const char *s, size_t len, char **out)
{
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    memcpy(copy, s, len);
    copy[len] = '\0';
    *out = copy;
    return SAM_OK;
}

int sam_cfg_string(const sam_json_t *obj, const char *key, const char *path, bool required,
                   size_t max, char **out)
{
    const char *s = NULL;
    size_t len = 0;
    int rc = required ? sam_json_need_string(obj, key, path, &s, &len)
                      : sam_json_opt_string(obj, key, path, &s, &len);
    rc = sam_cfg_rc(rc);
    if (rc != SAM_OK || s == NULL)
        return rc;
    rc = check_text(sam_json_get(obj, key), path, s, len, max);
    if (rc == SAM_OK)
        rc = copy_text(s, len, out);
    return rc;
}

int sam_cfg_item_string(const sam_json_t *v, const char *path, size_t max, char **out)
{
    if (v->type != SAM_JSON_STRING)
        return sam_cfg_fail(v, path, "must be a string");
    int rc = check_text(v, path, v->u.str.ptr, v->u.str.len, max);
    if (rc == SAM_OK)
        rc = copy_text(v->u.str.ptr, v->u.str.len, out);
    return rc;
}

int sam_cfg_abs_path(const sam_json_t *obj, const char *key, const char *path, bool required,
                     char **out)
{
    char *s = NULL;
    int rc = sam_cfg_string(obj, key, path, required, PATH_MAX - 1, &s);
    if (rc != SAM_OK || s == NULL)
        return rc;
    if (s[0] != '/') {
        free(s);
        return sam_cfg_fail(sam_json_get(obj, key), path, "must be an absolute path");
    }
    *out = s;
    return SAM_OK;
}

bool sam_cfg_id_valid(const char *s, size_t len)
{
    if (len == 0 || len > SAM_CONFIG_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
            return false;
    }
    return true;
}

int sam_cfg_id(const sam_json_t *obj, const char *key, const char *path, char **out)
{
    const char *s = NULL;
    size_t len = 0;
    int rc = sam_cfg_rc(sam_json_need_string(obj, key, path, &s, &len));
    if (rc != SAM_OK)
        return rc;
    if (!sam_cfg_id_valid(s, len))
        return sam_cfg_fail(sam_json_get(obj, key), path,
                            "must be 1 to %d printable ASCII characters without space, "
                            "quote or backslash",
                            SAM_CONFIG_ID_MAX);
    return copy_text(s, len, out);
}

int sam_cfg_uint(const sam_json_t *obj, const char *key, const char *path, bool required,
                 uint32_t min, uint32_t max, uint32_t *out)
{
    int64_t v = 0;
    const sam_json_t *node = sam_json_get(obj, key);
    int rc =
        required ? sam_json_need_int(obj, key, path, &v) : sam_json_opt_int(obj, key, path, &v);
    rc = sam_cfg_rc(rc);
    if (rc != SAM_OK || node == NULL)
        return rc;
    if (v < (int64_t)min || v > (int64_t)max)
        return sam_cfg_fail(node, path, "must be between %u and %u", min, max);
    *out = (uint32_t)v;
    return SAM_OK;
}

int sam_cfg_bool(const sam_json_t *obj, const char *key, const char *path, bool required, bool *out)
{
    return sam_cfg_rc(required ? sam_json_need_bool(obj, key, path, out)
                               : sam_json_opt_bool(obj, key, path, out));
}

int sam_cfg_public_key(const sam_json_t *obj, const char *key, const char *path,
                       sam_public_key_t *out)
{
    const char *s = NULL;
    size_t len = 0;
    int rc = sam_cfg_rc(sam_json_need_string(obj, key, path, &s, &len));
    if (rc != SAM_OK)
        return rc;
    rc = sam_public_key_parse(s, len, out);
    if (rc == SAM_E_NOMEM)
        return rc;
    if (rc != SAM_OK) {
        char why[256];
        snprintf(why, sizeof(why), "%s", sam_error_message());
        return sam_cfg_fail(sam_json_get(obj, key), path, "is not an acceptable public key: %s",
                            why);
    }
    return SAM_OK;
}

int sam_cfg_parse_json(const char *text, size_t len, sam_json_t **out)
{
    return sam_cfg_rc(sam_json_parse(text, len, &sam_config_json_limits, out));
}

int sam_cfg_finish_error(int rc, const char *name)
{
    if (rc == SAM_OK)
        return rc;
    if (name != NULL)
        sam_error_prefix("%s", name); /* adds ": " */
    return sam_cfg_rc(rc);
}

void sam_cfg_free_strings(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}
