/* GET /sam/v1/info: who this SAM is and what it supports. */
#include <string.h>

#include "samapi_internal.h"

void samapi_info(samapi_call_t *call)
{
    const sam_static_config_t *sc = sam_service_static(call->svc);
    sam_strbuf_t *b = &call->resp->body;
    const char *id = sam_service_sam_id(call->svc);

    sam_strbuf_puts(b, "{\"sam_id\":");
    sam_strbuf_json_string(b, id, strlen(id));
    sam_strbuf_puts(b, ",\"software\":\"OpenSAM\",\"version\":\"" SAM_VERSION "\"");
    sam_strbuf_puts(b, ",\"key_algorithms\":[");
    int first = 1;
    for (uint32_t bit = 1; bit <= SAM_KEYALG_ALL; bit <<= 1) {
        if ((sc->algorithms.key_algorithms & bit) == 0)
            continue;
        sam_strbuf_printf(b, "%s\"%s\"", first ? "" : ",", sam_keyalg_name(bit));
        first = 0;
    }
    sam_strbuf_puts(b, "],\"signature_algorithms\":[");
    first = 1;
    for (uint32_t bit = 1; bit <= SAM_SIGALG_ALL; bit <<= 1) {
        if ((sc->algorithms.signature_algorithms & bit) == 0)
            continue;
        sam_strbuf_printf(b, "%s\"%s\"", first ? "" : ",", sam_sigalg_name(bit));
        first = 0;
    }
    sam_strbuf_printf(b, "],\"apis\":[\"sam/v1\"%s]}", sc->csc.enabled ? ",\"csc/v1\"" : "");
    call->resp->status = 200;
}
