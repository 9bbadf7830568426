/*
 * credentials/list: the ids of the caller's own credentials, in id order,
 * maxResults at a time. pageToken is the last id of the previous page,
 * base64url-encoded; nextPageToken is absent on the last page.
 */
#include <stdlib.h>
#include <string.h>

#include "csc_internal.h"
#include "sam/base64.h"

#define LIST_DEFAULT 100

void csc_credentials_list(csc_call_t *call)
{
    const sam_json_t *uid = sam_json_get(call->body, "userID");
    const char *page = NULL;
    char after[257] = "";
    char **ids = NULL;
    size_t n = 0, max = LIST_DEFAULT;
    int64_t want = 0;
    bool present = false;
    int rc;

    if (uid != NULL && uid->type != SAM_JSON_NULL) {
        csc_invalid_request(call, "userID parameter MUST be null");
        goto out;
    }
    if (csc_opt_int(call, "maxResults", &want, &present) != SAM_OK) {
        csc_invalid_request(call, CSC_MALFORMED);
        goto out;
    }
    /* The spec: an invalid or too big maxResults gets our own maximum. */
    if (present && want >= 1 && want <= LIST_DEFAULT)
        max = (size_t)want;
    if (csc_opt_string(call, "pageToken", &page) != SAM_OK) {
        csc_invalid_request(call, "Invalid parameter pageToken");
        goto out;
    }
    if (page != NULL) {
        size_t plen = strlen(page), got = 0;
        if (plen == 0 || sam_base64_decoded_cap(plen) >= sizeof(after) ||
            sam_base64url_decode(page, plen, (uint8_t *)after, &got) != SAM_OK || got == 0 ||
            memchr(after, '\0', got) != NULL) {
            csc_invalid_request(call, "Invalid parameter pageToken");
            goto out;
        }
        after[got] = '\0';
    }
    rc = sam_store_credential_list(sam_service_store(call->svc), call->user_id,
                                   page != NULL ? after : NULL, max + 1, &ids, &n);
    if (rc != SAM_OK) {
        csc_fail_internal(call, rc);
        goto out;
    }
    sam_strbuf_t *b = &call->resp->body;
    sam_strbuf_puts(b, "{\"credentialIDs\":[");
    for (size_t i = 0; i < n && i < max; i++) {
        if (i > 0)
            sam_strbuf_puts(b, ",");
        sam_strbuf_json_string(b, ids[i], strlen(ids[i]));
    }
    sam_strbuf_puts(b, "]");
    if (n > max) {
        const char *last = ids[max - 1];
        char tok[sizeof(after) * 2];
        sam_base64url_encode((const uint8_t *)last, strlen(last), tok);
        sam_strbuf_printf(b, ",\"nextPageToken\":\"%s\"", tok);
    }
    sam_strbuf_puts(b, "}");
    call->resp->status = 200;
out:
    sam_store_ids_free(ids, n);
}
