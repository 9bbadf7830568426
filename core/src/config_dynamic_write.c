/* The dynamic configuration in force, written back as GET /sam/v1/configurations/dynamic returns
 * it. */
#include "config_dynamic_internal.h"

#include <inttypes.h>
#include <string.h>

#include "sam/rc.h"

static void put_key(sam_strbuf_t *b, const char *indent, const char *name)
{
    sam_strbuf_printf(b, "%s\"%s\": ", indent, name);
}

static void write_servers(const sam_dynamic_config_t *c, sam_strbuf_t *b)
{
    sam_strbuf_puts(b, "  \"authorization_servers\": [");
    for (size_t i = 0; i < c->authorization_server_count; i++) {
        const sam_auth_server_t *as = &c->authorization_servers[i];
        sam_strbuf_puts(b, i == 0 ? "\n    {\n" : ",\n    {\n");
        put_key(b, "      ", "id");
        sam_strbuf_json_string(b, as->id, strlen(as->id));
        sam_strbuf_puts(b, ",\n");
        put_key(b, "      ", "public_key");
        sam_strbuf_json_base64(b, as->key.spki, as->key.spki_len);
        if (as->kid != NULL) {
            sam_strbuf_puts(b, ",\n");
            put_key(b, "      ", "kid");
            sam_strbuf_json_string(b, as->kid, strlen(as->kid));
        }
        sam_strbuf_puts(b, "\n    }");
    }
    sam_strbuf_puts(b, c->authorization_server_count == 0 ? "],\n" : "\n  ],\n");
}

static void write_allowed(const sam_dynamic_config_t *c, const sam_ssa_t *ssa, sam_strbuf_t *b)
{
    put_key(b, "      ", "allowed_authorization_servers");
    sam_strbuf_puts(b, "[");
    for (size_t j = 0; j < ssa->allowed_count; j++) {
        const char *id = c->authorization_servers[ssa->allowed[j]].id;
        sam_strbuf_puts(b, j == 0 ? "\n        " : ",\n        ");
        sam_strbuf_json_string(b, id, strlen(id));
    }
    sam_strbuf_puts(b, ssa->allowed_count == 0 ? "]" : "\n      ]");
}

static void write_ssas(const sam_dynamic_config_t *c, sam_strbuf_t *b)
{
    sam_strbuf_puts(b, "  \"signing_service_privileged_users\": [");
    for (size_t i = 0; i < c->ssa_count; i++) {
        const sam_ssa_t *ssa = &c->ssas[i];
        sam_strbuf_puts(b, i == 0 ? "\n    {\n" : ",\n    {\n");
        put_key(b, "      ", "id");
        sam_strbuf_json_string(b, ssa->id, strlen(ssa->id));
        sam_strbuf_puts(b, ",\n");
        put_key(b, "      ", "public_key");
        sam_strbuf_json_base64(b, ssa->key.spki, ssa->key.spki_len);
        sam_strbuf_puts(b, ",\n");
        write_allowed(c, ssa, b);
        sam_strbuf_puts(b, "\n    }");
    }
    sam_strbuf_puts(b, c->ssa_count == 0 ? "]" : "\n  ]");
}

int sam_dynamic_config_write(const sam_dynamic_config_t *c, sam_strbuf_t *b)
{
    sam_strbuf_printf(b, "{\n  \"version\": %" PRId64 ",\n", c->version);
    write_servers(c, b);
    write_ssas(c, b);
    if (c->csc_oauth2 != NULL)
        sam_cfg_write_csc_oauth2(c->csc_oauth2, b);
    sam_strbuf_puts(b, "\n}\n");
    int rc = sam_strbuf_finish(b);
    if (rc != SAM_OK)
        return sam_error_set(rc, "cannot serialize the dynamic configuration");
    return SAM_OK;
}
