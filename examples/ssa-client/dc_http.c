/*
 * The one place sam-demo-client talks to the SAM: libcurl, HTTP/2 over TLS,
 * the SSA's client certificate, the sandbox CA, bounded answers.
 */
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_client.h"
#include "sam/rc.h"

#define DC_CONNECT_TIMEOUT_S 10L
#define DC_TIMEOUT_S 30L
#define DC_MAX_URL 2048

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    sam_strbuf_t *b = userdata;
    size_t len = size * nmemb;

    /* Returning less than len makes libcurl abort the transfer. */
    if (nmemb != 0 && len / nmemb != size)
        return 0;
    if (len > DC_MAX_RESPONSE_BYTES - b->len)
        return 0;
    sam_strbuf_append(b, data, len);
    return b->failed ? 0 : len;
}

char *dc_url_escape(const char *segment)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strnlen(segment, 1025), o = 0;
    char *esc;

    if (len == 0 || len > 1024 || (esc = malloc(3 * len + 1)) == NULL)
        return NULL;
    /* RFC 3986 unreserved characters stay; every other byte is %XX. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)segment[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            esc[o++] = (char)c;
        } else {
            esc[o++] = '%';
            esc[o++] = hex[c >> 4];
            esc[o++] = hex[c & 15];
        }
    }
    esc[o] = '\0';
    return esc;
}

/* Print the SAM's {"error", "error_description"} answer; returns DC_FAIL. */
static int report_error(long status, const sam_strbuf_t *body)
{
    sam_json_t *doc = NULL;
    const char *code = NULL, *text = NULL;

    if (body->len > 0 && sam_json_parse(body->ptr, body->len, NULL, &doc) == SAM_OK) {
        code = dc_str(doc, "error");
        text = dc_str(doc, "error_description");
    }
    if (code != NULL)
        dc_fail("the SAM answered %ld %s: %s", status, code, text != NULL ? text : "");
    else
        dc_fail("the SAM answered %ld without an error body", status);
    sam_json_free(doc);
    return DC_FAIL;
}

static const char *http_version_name(long v)
{
    switch (v) {
    case CURL_HTTP_VERSION_2_0:
        return "HTTP/2";
    case CURL_HTTP_VERSION_1_1:
        return "HTTP/1.1";
    case CURL_HTTP_VERSION_1_0:
        return "HTTP/1.0";
    default:
        return "HTTP";
    }
}

int dc_call(const dc_config_t *cfg, const char *method, const char *path, const sam_strbuf_t *body,
            const char *sad, sam_json_t **out)
{
    int rc = DC_FAIL;
    CURL *h = NULL;
    CURLcode cc;
    struct curl_slist *headers = NULL, *tmp;
    sam_strbuf_t resp = {NULL, 0, 0, DC_MAX_RESPONSE_BYTES, 0};
    char url[DC_MAX_URL], errbuf[CURL_ERROR_SIZE] = "";
    char *sad_header = NULL;
    long status = 0, version = 0;
    int n;

    *out = NULL;
    n = snprintf(url, sizeof(url), "%s%s", cfg->url, path);
    if (n < 0 || (size_t)n >= sizeof(url)) {
        dc_fail("URL too long");
        goto out;
    }
    dc_say("-> %s %s%s%s", method, url, body != NULL ? " (JSON body)" : "",
           sad != NULL ? " with a SAD header (the token is not shown)" : "");

    if ((h = curl_easy_init()) == NULL) {
        dc_fail("libcurl: no handle");
        goto out;
    }
    if (body != NULL) {
        if ((tmp = curl_slist_append(headers, "Content-Type: application/json")) == NULL)
            goto nomem;
        headers = tmp;
    }
    if (sad != NULL) {
        size_t len = strnlen(sad, 16385);
        if (len > 16384) {
            dc_fail("SAD too long");
            goto out;
        }
        if ((sad_header = malloc(len + 6)) == NULL)
            goto nomem;
        memcpy(sad_header, "SAD: ", 5);
        memcpy(sad_header + 5, sad, len + 1);
        if ((tmp = curl_slist_append(headers, sad_header)) == NULL)
            goto nomem;
        headers = tmp;
    }
    if ((tmp = curl_slist_append(headers, "Accept: application/json")) == NULL)
        goto nomem;
    headers = tmp;

    /* Each setopt can fail only on a bad option or no memory; check them all the same. */
    if ((cc = curl_easy_setopt(h, CURLOPT_URL, url)) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https")) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS)) !=
            CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_cert)) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_SSLCERT, cfg->ssa_cert)) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_SSLKEY, cfg->ssa_key)) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L)) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L)) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method)) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers)) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body)) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp)) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf)) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, DC_CONNECT_TIMEOUT_S)) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_TIMEOUT, DC_TIMEOUT_S)) != CURLE_OK ||
        (cc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK) {
        dc_fail("libcurl: %s", curl_easy_strerror(cc));
        goto out;
    }
    if (body != NULL &&
        ((cc = curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->ptr != NULL ? body->ptr : "")) !=
             CURLE_OK ||
         (cc = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len)) !=
             CURLE_OK)) {
        dc_fail("libcurl: %s", curl_easy_strerror(cc));
        goto out;
    }

    if ((cc = curl_easy_perform(h)) != CURLE_OK) {
        dc_fail("request to %s failed: %s", url,
                errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
        if (cc == CURLE_COULDNT_CONNECT)
            fprintf(stderr, "  is the sandbox running? start it with `make run`\n");
        goto out;
    }
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
        curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &version) != CURLE_OK) {
        dc_fail("libcurl: no status");
        goto out;
    }
    dc_say("<- %ld (%s, %zu bytes)", status, http_version_name(version), resp.len);
    if (status < 200 || status > 299) {
        report_error(status, &resp);
        goto out;
    }
    if (resp.len > 0 && sam_json_parse(resp.ptr, resp.len, NULL, out) != SAM_OK) {
        dc_fail("the SAM's answer is not JSON: %s", sam_error_message());
        goto out;
    }
    rc = DC_OK;
    goto out;
nomem:
    dc_fail("out of memory");
out:
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    if (sad_header != NULL) {
        /* The SAD authorizes signatures until it expires: do not leave it in freed memory. */
        OPENSSL_cleanse(sad_header, strlen(sad_header));
        free(sad_header);
    }
    sam_strbuf_free(&resp);
    return rc;
}
