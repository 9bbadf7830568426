#include "sam/request.h"

#include <string.h>

void sam_response_error(sam_response_t *resp, int status, const char *code,
                        const char *description)
{
    sam_strbuf_free(&resp->body);
    resp->status = status;
    sam_strbuf_puts(&resp->body, "{\"error\":");
    sam_strbuf_json_string(&resp->body, code, strlen(code));
    sam_strbuf_puts(&resp->body, ",\"error_description\":");
    sam_strbuf_json_string(&resp->body, description, strlen(description));
    sam_strbuf_puts(&resp->body, "}");
}
