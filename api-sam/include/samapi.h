/*
 * The native API, /sam/v1 (../shared/spec/sam-v1.md). The server calls
 * samapi_handle() on a worker thread for every request whose path starts
 * with /sam/v1; it parses and bounds the request, checks the caller's role,
 * calls the core, and maps sam_rc to the spec's status and error code.
 */
#ifndef SAMAPI_H
#define SAMAPI_H

#include "sam/request.h"
#include "sam/service.h"

void samapi_handle(sam_service_t *svc, const sam_request_t *req, sam_response_t *resp);

#endif
