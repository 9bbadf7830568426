/* info: the service's description (no token). */
#include <stdlib.h>
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
    char *oauth2 = NULL;
    int rc;

    /* The csc_oauth2 member of the dynamic configuration in force (csc-v1.md). */
    if ((rc = csc_oauth2_base_uri(call->svc, &oauth2)) != SAM_OK) {
        csc_fail_internal(call, rc);
        return;
    }
    /* lang (input) may ask for another language; we answer in ours. */
    sam_strbuf_puts(b, "{\"specs\":\"1.0.4.0\",");
    put_string(b, "name", c->name);
    put_string(b, "logo", c->logo);
    put_string(b, "region", c->region);
    put_string(b, "lang", c->lang);
    put_string(b, "description", c->description);
    if (oauth2 != NULL) {
        sam_strbuf_puts(b, "\"authType\":[\"basic\",\"oauth2code\"],");
        put_string(b, "oauth2", oauth2);
    } else {
        sam_strbuf_puts(b, "\"authType\":[\"basic\"],");
    }
    free(oauth2);
    sam_strbuf_puts(b, "\"methods\":[");
    for (size_t i = 0; csc_implemented_methods[i] != NULL; i++)
        sam_strbuf_printf(b, "%s\"%s\"", i > 0 ? "," : "", csc_implemented_methods[i]);
    sam_strbuf_puts(b, "]}");
    call->resp->status = 200;
}
