/* info: the service's description (no token). */
#include <string.h>

#include "csc_internal.h"

static void put_string(sam_strbuf_t *b, const char *key, const char *value)
{
    sam_strbuf_printf(b, "\"%s\":", key);
    sam_strbuf_json_string(b, value, strlen(value));
    sam_strbuf_puts(b, ",");
}

void csc_info(csc_call_t *call)
{
    const sam_csc_config_t *c = call->cfg;
    sam_strbuf_t *b = &call->resp->body;

    /* lang (input) may ask for another language; we answer in ours. */
    sam_strbuf_puts(b, "{\"specs\":\"1.0.4.0\",");
    put_string(b, "name", c->name);
    put_string(b, "logo", c->logo);
    put_string(b, "region", c->region);
    put_string(b, "lang", c->lang);
    put_string(b, "description", c->description);
    if (c->oauth2_base_uri != NULL) {
        sam_strbuf_puts(b, "\"authType\":[\"basic\",\"oauth2code\"],");
        put_string(b, "oauth2", c->oauth2_base_uri);
    } else {
        sam_strbuf_puts(b, "\"authType\":[\"basic\"],");
    }
    sam_strbuf_puts(b, "\"methods\":[");
    for (size_t i = 0; csc_implemented_methods[i] != NULL; i++)
        sam_strbuf_printf(b, "%s\"%s\"", i > 0 ? "," : "", csc_implemented_methods[i]);
    sam_strbuf_puts(b, "]}");
    call->resp->status = 200;
}
