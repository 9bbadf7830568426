/*
 * The CSC API v1.0.4.0 layer (/csc/v1, csc-v1.md). Runs on a worker thread
 * (it touches the store and the module). No client certificate is needed.
 */
#ifndef SAMCSC_H
#define SAMCSC_H

#include "sam/request.h"
#include "sam/service.h"

/* Answer one request whose path starts with /csc/v1/. */
void csc_handle(sam_service_t *svc, const sam_request_t *req, sam_response_t *resp);

#endif
