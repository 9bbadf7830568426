/*
 * Typed access to parsed JSON for validators. Every refusal names the field
 * by the caller's path and the place in the text, so that a client can fix
 * its request without guessing.
 */
#include "sam/json.h"

#include <string.h>

#include "sam/rc.h"

const sam_json_t *sam_json_get(const sam_json_t *obj, const char *key)
{
    size_t i;

    if (obj == NULL || key == NULL || obj->type != SAM_JSON_OBJECT)
        return NULL;
    for (i = 0; i < obj->u.obj.count; i++) {
        if (strcmp(obj->u.obj.keys[i], key) == 0)
            return obj->u.obj.values[i];
    }
    return NULL;
}

const char *sam_json_type_name(sam_json_type t)
{
    switch (t) {
    case SAM_JSON_NULL:
        return "null";
    case SAM_JSON_BOOL:
        return "boolean";
    case SAM_JSON_INTEGER:
        return "integer";
    case SAM_JSON_NUMBER:
        return "number";
    case SAM_JSON_STRING:
        return "string";
    case SAM_JSON_ARRAY:
        return "array";
    case SAM_JSON_OBJECT:
        return "object";
    }
    return "unknown";
}

/* What a field of type t "must be", for messages. */
static const char *must_be(sam_json_type t)
{
    switch (t) {
    case SAM_JSON_BOOL:
        return "a boolean";
    case SAM_JSON_INTEGER:
        return "an integer";
    case SAM_JSON_STRING:
        return "a string";
    case SAM_JSON_ARRAY:
        return "an array";
    case SAM_JSON_OBJECT:
        return "an object";
    default:
        return "a value of another type";
    }
}

static int required(const sam_json_t *obj, const char *path)
{
    if (obj == NULL)
        return sam_error_set(SAM_E_PARSE, "field \"%s\" is required", path);
    return sam_error_set(SAM_E_PARSE, "line %u, column %u: field \"%s\" is required", obj->line,
                         obj->column, path);
}

static int wrong_type(const sam_json_t *v, const char *path, sam_json_type want)
{
    return sam_error_set(SAM_E_PARSE, "line %u, column %u: field \"%s\" must be %s", v->line,
                         v->column, path, must_be(want));
}

/*
 * The member key of obj as type want. *v is NULL when the member is absent,
 * or (with null_is_absent) null. Returns SAM_OK or SAM_E_PARSE.
 */
static int member(const sam_json_t *obj, const char *key, const char *path, sam_json_type want,
                  int optional, int null_is_absent, const sam_json_t **v)
{
    const sam_json_t *m = sam_json_get(obj, key);

    if (path == NULL)
        path = key != NULL ? key : "";
    *v = NULL;
    if (m == NULL || (null_is_absent && m->type == SAM_JSON_NULL))
        return optional ? SAM_OK : required(obj, path);
    if (m->type != want)
        return wrong_type(m, path, want);
    *v = m;
    return SAM_OK;
}

int sam_json_need_object(const sam_json_t *obj, const char *key, const char *path,
                         const sam_json_t **out)
{
    const sam_json_t *v;
    int rc = member(obj, key, path, SAM_JSON_OBJECT, 0, 0, &v);

    if (rc == SAM_OK)
        *out = v;
    return rc;
}

int sam_json_need_array(const sam_json_t *obj, const char *key, const char *path,
                        const sam_json_t **out)
{
    const sam_json_t *v;
    int rc = member(obj, key, path, SAM_JSON_ARRAY, 0, 0, &v);

    if (rc == SAM_OK)
        *out = v;
    return rc;
}

static int get_string(const sam_json_t *obj, const char *key, const char *path, int optional,
                      const char **out, size_t *len)
{
    const sam_json_t *v;
    int rc = member(obj, key, path, SAM_JSON_STRING, optional, optional, &v);

    if (rc == SAM_OK && v != NULL) {
        *out = v->u.str.ptr;
        if (len != NULL)
            *len = v->u.str.len;
    }
    return rc;
}

int sam_json_need_string(const sam_json_t *obj, const char *key, const char *path, const char **out,
                         size_t *len)
{
    return get_string(obj, key, path, 0, out, len);
}

int sam_json_opt_string(const sam_json_t *obj, const char *key, const char *path, const char **out,
                        size_t *len)
{
    return get_string(obj, key, path, 1, out, len);
}

static int get_int(const sam_json_t *obj, const char *key, const char *path, int optional,
                   int64_t *out)
{
    const sam_json_t *v;
    int rc = member(obj, key, path, SAM_JSON_INTEGER, optional, 0, &v);

    if (rc == SAM_OK && v != NULL)
        *out = v->u.num.integer;
    return rc;
}

int sam_json_need_int(const sam_json_t *obj, const char *key, const char *path, int64_t *out)
{
    return get_int(obj, key, path, 0, out);
}

int sam_json_opt_int(const sam_json_t *obj, const char *key, const char *path, int64_t *out)
{
    return get_int(obj, key, path, 1, out);
}

static int get_bool(const sam_json_t *obj, const char *key, const char *path, int optional,
                    bool *out)
{
    const sam_json_t *v;
    int rc = member(obj, key, path, SAM_JSON_BOOL, optional, 0, &v);

    if (rc == SAM_OK && v != NULL)
        *out = v->u.boolean;
    return rc;
}

int sam_json_need_bool(const sam_json_t *obj, const char *key, const char *path, bool *out)
{
    return get_bool(obj, key, path, 0, out);
}

int sam_json_opt_bool(const sam_json_t *obj, const char *key, const char *path, bool *out)
{
    return get_bool(obj, key, path, 1, out);
}

/*
 * The member names come from the client: quote them JSON-escaped and cut
 * long, so that the message stays one readable line. The tree keeps no key
 * positions, so the place given is that of the member's value.
 */
int sam_json_only_keys(const sam_json_t *obj, const char *path, const char *const *allowed)
{
    enum { SHOWN = 64 };
    sam_strbuf_t b = SAM_STRBUF_INIT;
    const sam_json_t *v;
    const char *key;
    size_t i, k, klen;
    int rc = SAM_OK;

    if (path == NULL)
        path = "";
    if (obj == NULL || allowed == NULL) {
        rc = sam_error_set(SAM_E_INVALID_ARG, "sam_json_only_keys: no object");
        goto out;
    }
    if (obj->type != SAM_JSON_OBJECT) {
        if (path[0] == '\0')
            rc = sam_error_set(SAM_E_PARSE, "line %u, column %u: the document must be an object",
                               obj->line, obj->column);
        else
            rc = wrong_type(obj, path, SAM_JSON_OBJECT);
        goto out;
    }
    for (i = 0; i < obj->u.obj.count; i++) {
        key = obj->u.obj.keys[i];
        for (k = 0; allowed[k] != NULL; k++) {
            if (strcmp(allowed[k], key) == 0)
                break;
        }
        if (allowed[k] != NULL)
            continue;
        v = obj->u.obj.values[i];
        klen = strlen(key);
        sam_strbuf_json_string(&b, key, klen < SHOWN ? klen : SHOWN);
        if (klen > SHOWN && b.len > 0) {
            b.len--; /* drop the closing quote to mark the cut */
            sam_strbuf_puts(&b, "...\"");
        }
        if (sam_strbuf_finish(&b) != SAM_OK) {
            rc =
                sam_error_set(SAM_E_PARSE, "line %u, column %u: unknown field", v->line, v->column);
        } else if (path[0] == '\0') {
            rc = sam_error_set(SAM_E_PARSE, "line %u, column %u: unknown field %s at the top level",
                               v->line, v->column, b.ptr);
        } else {
            rc = sam_error_set(SAM_E_PARSE, "line %u, column %u: unknown field %s in \"%s\"",
                               v->line, v->column, b.ptr, path);
        }
        goto out;
    }
out:
    sam_strbuf_free(&b);
    return rc;
}
