/*
 * One HTTP request and its response as the API layers see them: plain data,
 * no h2o types, so that handlers run on worker threads (and could run in a
 * separate key-holding process) without knowing the server.
 *
 * Ownership: the server owns every pointer in sam_request_t for the duration
 * of the handler call; the handler fills sam_response_t, and the server
 * releases resp->body with sam_strbuf_free() after sending it.
 */
#ifndef SAM_REQUEST_H
#define SAM_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sam/strbuf.h"

typedef struct st_sam_request_t {
    const char *method;       /* "GET", "POST", ... NUL-terminated */
    const char *path;         /* without the query string, NUL-terminated, not percent-decoded */
    const char *query;        /* after '?', or NULL */
    const char *content_type; /* Content-Type header value, or NULL */
    const char *sad;          /* SAD header value, or NULL */
    size_t sad_len;
    const char *authorization; /* Authorization header value, or NULL */
    const char *body;          /* NUL-terminated copy of the body ("" when none) */
    size_t body_len;
    bool has_client_cert;          /* a client certificate was verified on this connection */
    uint8_t client_spki_sha256[32]; /* SHA-256 of its SubjectPublicKeyInfo DER */
    char request_id[33];            /* 128 random bits, hex; also in the audit record */
    char peer[64];                  /* client address, for logs and audit */
    bool http2;                     /* HTTP/2 (else HTTP/1.1) */
} sam_request_t;

typedef struct st_sam_response_t {
    int status;                   /* e.g. 200; 0 means not handled (the server answers 404) */
    sam_strbuf_t body;            /* JSON body; empty for 204 */
    const char *www_authenticate; /* static string or NULL: a WWW-Authenticate header */
} sam_response_t;

/* Fill resp with {"error": code, "error_description": description} and the status. */
void sam_response_error(sam_response_t *resp, int status, const char *code,
                        const char *description);

#endif
