/*
 * Helpers for the /csc/v1 integration tests (test_csc_*.c): a samd with the
 * CSC layer on, users written straight into its state store, credentials
 * made through POST /sam/v1/credentials, and CSC calls over HTTP/1.1 or 2
 * without a client certificate. Every function aborts the test on failure.
 */
#ifndef SAM_TEST_CSC_SUPPORT_H
#define SAM_TEST_CSC_SUPPORT_H

#include "api_support.h"

/* The "csc" member every CSC test's static_config.json gets. */
#define CSC_STATIC_EXTRA                                                                           \
    "\"csc\": {\"name\": \"OpenSAM test\", \"logo\": \"https://example.org/logo.png\", "           \
    "\"region\": \"CH\", \"lang\": \"en-US\", \"description\": \"integration tests\", "            \
    "\"access_token_lifetime_seconds\": 600}"

samh_t *csc_start(void);
/* Add a CSC user with a password to h's store. */
void csc_add_user(samh_t *h, const char *user, const char *password);
/* Disable a user in h's store (as `sam-admin user disable` does). */
void csc_disable_user(samh_t *h, const char *user);
/* A ready key pair of signer `user` (template JSON) and its certificate
 * (base64 DER), then POST /sam/v1/credentials with extra members; returns
 * the credential id (201 expected). cert_b64_out and key_pair_out (the
 * ready key_pair JSON) may be NULL. */
char *csc_add_credential(samh_t *h, const char *user, const char *template_json,
                         const char *extra_members, char **cert_b64_out, char **key_pair_out);
/* POST /csc/v1/<method> with body (NULL: none), Authorization (NULL: none). */
void csc_call(samh_t *h, const char *method, const char *authorization, const char *body,
              bool http1, samh_response_t *r);
/* An error answer: status, "error" and exactly the "error_description". */
void csc_assert_error(const samh_response_t *r, long status, const char *error,
                      const char *description);
/* auth/login with Basic user:password; returns the access token (and the refresh
 * token into *refresh when remember). */
char *csc_login(samh_t *h, const char *user, const char *password, bool remember, char **refresh);
/* "Bearer <token>" */
char *csc_bearer(const char *token);
/* Does the file at path contain needle? (false when there is no such file) */
bool csc_file_contains(const char *path, const char *needle);
/* Call method and assert an error answer with exactly that status, code and description. */
void csc_expect(samh_t *h, const char *method, const char *auth, const char *body, long status,
                const char *error, const char *description);
/* Call method, assert 200, return the parsed body (sam_json_free it). */
sam_json_t *csc_ok(samh_t *h, const char *method, const char *auth, const char *body);

#endif
