#include "sam/infra.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam/fileio.h"
#include "sam/json.h"
#include "sam/rc.h"

#define INFRA_MAX_BYTES (64 * 1024)
#define LABEL_MAX 128

static const char *const key_names[SAM_MODULE_KEY_COUNT] = {"wrap", "seal", "audit", "csc"};

int sam_id_valid(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (n >= SAM_ID_MAX || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return n > 0;
}

void sam_infra_free(sam_infra_t *infra)
{
    if (infra == NULL)
        return;
    free(infra->backend_plugin);
    for (size_t i = 0; i < SAM_INFRA_MAX_PARAMS; i++) {
        free((char *)infra->params[i].name);
        free((char *)infra->params[i].value);
    }
    for (size_t i = 0; i < SAM_MODULE_KEY_COUNT; i++)
        free(infra->labels[i]);
    free(infra);
}

static int parse_infra(const sam_json_t *doc, sam_infra_t *infra)
{
    static const char *const top_fields[] = {"format", "sam_id", "backend", "module_keys", NULL};
    static const char *const backend_fields[] = {"plugin", "parameters", NULL};
    int rc;
    int64_t format;
    const char *s;
    size_t len;
    const sam_json_t *backend, *params, *keys;

    if (doc->type != SAM_JSON_OBJECT)
        return sam_error_set(SAM_E_PARSE, "line %u, column %u: the document must be an object",
                             doc->line, doc->column);
    if ((rc = sam_json_only_keys(doc, "", top_fields)) != SAM_OK ||
        (rc = sam_json_need_int(doc, "format", "format", &format)) != SAM_OK)
        return rc;
    if (format != SAM_INFRA_FORMAT)
        return sam_error_set(SAM_E_PARSE, "field \"format\": version %lld is not supported (expected %d)",
                             (long long)format, SAM_INFRA_FORMAT);
    if ((rc = sam_json_need_string(doc, "sam_id", "sam_id", &s, &len)) != SAM_OK)
        return rc;
    if (!sam_id_valid(s))
        return sam_error_set(SAM_E_PARSE, "field \"sam_id\" must be 1 to %d characters of A-Z a-z 0-9 . _ -",
                             SAM_ID_MAX);
    memcpy(infra->sam_id, s, len + 1);
    if ((rc = sam_json_need_object(doc, "backend", "backend", &backend)) != SAM_OK ||
        (rc = sam_json_only_keys(backend, "backend", backend_fields)) != SAM_OK ||
        (rc = sam_json_need_string(backend, "plugin", "backend.plugin", &s, &len)) != SAM_OK)
        return rc;
    if (len == 0 || (infra->backend_plugin = strdup(s)) == NULL)
        return sam_error_set(len == 0 ? SAM_E_PARSE : SAM_E_NOMEM, "field \"backend.plugin\" is empty");
    if ((rc = sam_json_need_object(backend, "parameters", "backend.parameters", &params)) != SAM_OK)
        return rc;
    if (params->u.obj.count > SAM_INFRA_MAX_PARAMS)
        return sam_error_set(SAM_E_PARSE, "backend.parameters: more than %d parameters",
                             SAM_INFRA_MAX_PARAMS);
    for (size_t i = 0; i < params->u.obj.count; i++) {
        const sam_json_t *v = params->u.obj.values[i];
        if (v->type != SAM_JSON_STRING)
            return sam_error_set(SAM_E_PARSE, "line %u, column %u: field \"backend.parameters.%s\" must be a string",
                                 v->line, v->column, params->u.obj.keys[i]);
        if ((infra->params[i].name = strdup(params->u.obj.keys[i])) == NULL ||
            (infra->params[i].value = strdup(v->u.str.ptr)) == NULL)
            return sam_error_set(SAM_E_NOMEM, "out of memory");
    }
    if ((rc = sam_json_need_object(doc, "module_keys", "module_keys", &keys)) != SAM_OK ||
        (rc = sam_json_only_keys(keys, "module_keys", key_names)) != SAM_OK)
        return rc;
    for (size_t i = 0; i < SAM_MODULE_KEY_COUNT; i++) {
        char path[32];
        snprintf(path, sizeof(path), "module_keys.%s", key_names[i]);
        if ((rc = sam_json_need_string(keys, key_names[i], path, &s, &len)) != SAM_OK)
            return rc;
        if (len == 0 || len > LABEL_MAX)
            return sam_error_set(SAM_E_PARSE, "field \"%s\" must have 1 to %d bytes", path, LABEL_MAX);
        if ((infra->labels[i] = strdup(s)) == NULL)
            return sam_error_set(SAM_E_NOMEM, "out of memory");
    }
    return SAM_OK;
}

int sam_infra_load(const char *path, sam_infra_t **out)
{
    int rc;
    char *text = NULL;
    size_t len = 0;
    sam_json_t *doc = NULL;
    sam_infra_t *infra = calloc(1, sizeof(*infra));

    *out = NULL;
    if (infra == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    if ((rc = sam_file_read(path, INFRA_MAX_BYTES, &text, &len)) != SAM_OK)
        goto out;
    if ((rc = sam_json_parse(text, len, &sam_json_default_limits, &doc)) != SAM_OK ||
        (rc = parse_infra(doc, infra)) != SAM_OK) {
        if (rc != SAM_E_NOMEM)
            rc = SAM_E_CONFIG;
        sam_error_prefix("%s", path);
        goto out;
    }
    *out = infra;
    infra = NULL;
out:
    sam_json_free(doc);
    free(text);
    sam_infra_free(infra);
    return rc;
}

int sam_infra_write_json(const sam_infra_t *infra, sam_strbuf_t *b)
{
    sam_strbuf_printf(b, "{\n  \"format\": %d,\n  \"sam_id\": ", SAM_INFRA_FORMAT);
    sam_strbuf_json_string(b, infra->sam_id, strlen(infra->sam_id));
    sam_strbuf_puts(b, ",\n  \"backend\": {\n    \"plugin\": ");
    sam_strbuf_json_string(b, infra->backend_plugin, strlen(infra->backend_plugin));
    sam_strbuf_puts(b, ",\n    \"parameters\": {");
    for (size_t i = 0; i < SAM_INFRA_MAX_PARAMS && infra->params[i].name != NULL; i++) {
        sam_strbuf_puts(b, i == 0 ? "\n      " : ",\n      ");
        sam_strbuf_json_string(b, infra->params[i].name, strlen(infra->params[i].name));
        sam_strbuf_puts(b, ": ");
        sam_strbuf_json_string(b, infra->params[i].value, strlen(infra->params[i].value));
    }
    sam_strbuf_puts(b, "\n    }\n  },\n  \"module_keys\": {");
    for (size_t i = 0; i < SAM_MODULE_KEY_COUNT; i++) {
        sam_strbuf_printf(b, "%s\n    \"%s\": ", i == 0 ? "" : ",", key_names[i]);
        sam_strbuf_json_string(b, infra->labels[i], strlen(infra->labels[i]));
    }
    sam_strbuf_puts(b, "\n  }\n}\n");
    return sam_strbuf_finish(b);
}

int sam_infra_open_module(const sam_infra_t *infra, sam_module_t **out)
{
    const char *labels[SAM_MODULE_KEY_COUNT];
    for (size_t i = 0; i < SAM_MODULE_KEY_COUNT; i++)
        labels[i] = infra->labels[i];
    return sam_module_open(infra->backend_plugin, infra->params, labels, out);
}
