/*
 * The "csc_oauth2" member of dynamic_config.json: the external OAuth2
 * authorization server of /csc/v1 (csc-v1.md, "oauth2code"). Its keys are
 * read like those of authorization_servers; it reloads with the rest of the
 * document. A single key may be given as "public_key" (+ "kid"), several as
 * "keys" (rotation), never both.
 */
#include "config_dynamic_internal.h"

#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"

#define OA_PATH "csc_oauth2"

static bool is_web_uri(const char *s)
{
    return (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0) &&
           strchr(s, ' ') == NULL;
}

/* One key: "public_key" and optional "kid" of obj (an item of "keys", or the member itself). */
static int parse_key(const sam_json_t *obj, const char *path, sam_oauth2_key_t *k)
{
    char fpath[SAM_CFG_PATH_MAX];
    int rc;

    sam_cfg_path(fpath, sizeof(fpath), path, "public_key");
    if ((rc = sam_cfg_public_key(obj, "public_key", fpath, &k->key)) != SAM_OK)
        return rc;
    sam_cfg_path(fpath, sizeof(fpath), path, "kid");
    return sam_cfg_string(obj, "kid", fpath, false, SAM_CONFIG_ID_MAX, &k->kid);
}

static int parse_keys(const sam_json_t *o, sam_csc_oauth2_t *oa)
{
    static const char *const item_keys[] = {"public_key", "kid", NULL};
    const sam_json_t *arr = NULL;
    char ipath[SAM_CFG_PATH_MAX];
    bool single = sam_json_get(o, "public_key") != NULL;
    int rc = sam_cfg_array(o, "keys", OA_PATH ".keys", false, SAM_CONFIG_MAX_OAUTH2_KEYS, &arr);

    if (rc != SAM_OK)
        return rc;
    if (single == (arr != NULL))
        return sam_cfg_fail(o, OA_PATH, "needs either \"public_key\" or \"keys\"");
    if (single) {
        if ((oa->keys = calloc(1, sizeof(*oa->keys))) == NULL)
            return sam_error_set(SAM_E_NOMEM, "out of memory");
        oa->key_count = 1;
        return parse_key(o, OA_PATH, &oa->keys[0]);
    }
    if (sam_json_get(o, "kid") != NULL)
        return sam_cfg_fail(sam_json_get(o, "kid"), OA_PATH ".kid",
                            "goes with \"public_key\" only");
    if (arr->u.arr.count == 0)
        return sam_cfg_fail(arr, OA_PATH ".keys", "must list 1 to %d keys",
                            SAM_CONFIG_MAX_OAUTH2_KEYS);
    if ((oa->keys = calloc(arr->u.arr.count, sizeof(*oa->keys))) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    for (size_t i = 0; i < arr->u.arr.count; i++) {
        const sam_json_t *item = arr->u.arr.items[i];
        sam_cfg_path_index(ipath, sizeof(ipath), OA_PATH ".keys", i);
        if (item->type != SAM_JSON_OBJECT)
            return sam_cfg_fail(item, ipath, "must be an object");
        if ((rc = sam_cfg_rc(sam_json_only_keys(item, ipath, item_keys))) != SAM_OK)
            return rc;
        oa->key_count = i + 1;
        if ((rc = parse_key(item, ipath, &oa->keys[i])) != SAM_OK)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (memcmp(oa->keys[j].key.sha256, oa->keys[i].key.sha256, 32) == 0)
                return sam_cfg_fail(item, ipath, "has the same public key as keys[%zu]", j);
    }
    return SAM_OK;
}

/* JOSE names of the asymmetric algorithms the SAD verifier knows: none and HS* never. */
static int parse_algorithms(const sam_json_t *o, sam_csc_oauth2_t *oa)
{
    const sam_json_t *arr = NULL;
    char ipath[SAM_CFG_PATH_MAX];
    int rc = sam_cfg_array(o, "algorithms", OA_PATH ".algorithms", false, 16, &arr);

    oa->algorithms = SAM_SIGALG_ALL;
    if (rc != SAM_OK || arr == NULL)
        return rc;
    if (arr->u.arr.count == 0)
        return sam_cfg_fail(arr, OA_PATH ".algorithms", "must name at least one algorithm");
    oa->algorithms = 0;
    for (size_t i = 0; i < arr->u.arr.count; i++) {
        const sam_json_t *v = arr->u.arr.items[i];
        uint32_t bit;
        sam_cfg_path_index(ipath, sizeof(ipath), OA_PATH ".algorithms", i);
        if (v->type != SAM_JSON_STRING || (bit = sam_sigalg_from_name(v->u.str.ptr)) == 0)
            return sam_cfg_fail(v, ipath,
                                "must be one of RS256, RS384, RS512, PS256, PS384, "
                                "PS512, ES256, ES384, ES512");
        oa->algorithms |= bit;
    }
    return SAM_OK;
}

int sam_cfg_parse_csc_oauth2(const sam_json_t *root, sam_dynamic_config_t *c)
{
    static const char *const keys[] = {"issuer", "base_uri", "audience",   "public_key",
                                       "kid",    "keys",     "algorithms", NULL};
    const sam_json_t *o = NULL;
    sam_csc_oauth2_t *oa;
    int rc = sam_cfg_opt_object(root, OA_PATH, OA_PATH, keys, &o);

    if (rc != SAM_OK || o == NULL)
        return rc;
    if ((oa = calloc(1, sizeof(*oa))) == NULL)
        return sam_error_set(SAM_E_NOMEM, "out of memory");
    c->csc_oauth2 = oa;
    if ((rc = sam_cfg_id(o, "issuer", OA_PATH ".issuer", &oa->issuer)) != SAM_OK)
        return rc;
    /* Our own SADs' issuer: a token of this server must never count as one of ours. */
    if (strncmp(oa->issuer, SAM_CSC_OAUTH2_ISSUER_RESERVED,
                sizeof(SAM_CSC_OAUTH2_ISSUER_RESERVED) - 1) == 0)
        return sam_cfg_fail(sam_json_get(o, "issuer"), OA_PATH ".issuer",
                            "must not begin with \"" SAM_CSC_OAUTH2_ISSUER_RESERVED "\"");
    if ((rc = sam_cfg_string(o, "base_uri", OA_PATH ".base_uri", true, 2048, &oa->base_uri)) !=
        SAM_OK)
        return rc;
    if (!is_web_uri(oa->base_uri))
        return sam_cfg_fail(sam_json_get(o, "base_uri"), OA_PATH ".base_uri",
                            "must be an http:// or https:// URI");
    if ((rc = sam_cfg_string(o, "audience", OA_PATH ".audience", false, SAM_CONFIG_ID_MAX,
                             &oa->audience)) != SAM_OK ||
        (rc = parse_keys(o, oa)) != SAM_OK)
        return rc;
    return parse_algorithms(o, oa);
}

void sam_cfg_free_csc_oauth2(sam_csc_oauth2_t *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->key_count; i++) {
        sam_public_key_clear(&o->keys[i].key);
        free(o->keys[i].kid);
    }
    free(o->keys);
    free(o->issuer);
    free(o->base_uri);
    free(o->audience);
    free(o);
}

static void put_string(sam_strbuf_t *b, const char *indent, const char *name, const char *v)
{
    sam_strbuf_printf(b, ",\n%s\"%s\": ", indent, name);
    sam_strbuf_json_string(b, v, strlen(v));
}

void sam_cfg_write_csc_oauth2(const sam_csc_oauth2_t *o, sam_strbuf_t *b)
{
    sam_strbuf_puts(b, ",\n  \"csc_oauth2\": {\n    \"issuer\": ");
    sam_strbuf_json_string(b, o->issuer, strlen(o->issuer));
    put_string(b, "    ", "base_uri", o->base_uri);
    if (o->audience != NULL)
        put_string(b, "    ", "audience", o->audience);
    sam_strbuf_puts(b, ",\n    \"keys\": [");
    for (size_t i = 0; i < o->key_count; i++) {
        sam_strbuf_puts(b, i == 0 ? "\n      {\"public_key\": " : ",\n      {\"public_key\": ");
        sam_strbuf_json_base64(b, o->keys[i].key.spki, o->keys[i].key.spki_len);
        if (o->keys[i].kid != NULL) {
            sam_strbuf_puts(b, ", \"kid\": ");
            sam_strbuf_json_string(b, o->keys[i].kid, strlen(o->keys[i].kid));
        }
        sam_strbuf_puts(b, "}");
    }
    sam_strbuf_puts(b, "\n    ]");
    if (o->algorithms != SAM_SIGALG_ALL) {
        sam_strbuf_puts(b, ",\n    \"algorithms\": [");
        for (uint32_t bit = 1, n = 0; bit <= SAM_SIGALG_ALL; bit <<= 1) {
            if ((o->algorithms & bit) != 0)
                sam_strbuf_printf(b, "%s\"%s\"", n++ > 0 ? ", " : "", sam_sigalg_name(bit));
        }
        sam_strbuf_puts(b, "]");
    }
    sam_strbuf_puts(b, "\n  }");
}
