/*
 * Shared by credentials/authorize and credentials/extendTransaction: the
 * explicit-mode factors (csc_auth_factors.c) and the service audit record
 * of a /csc/v1 call (csc_audit.c).
 */
#ifndef CSC_AUTHORIZE_H
#define CSC_AUTHORIZE_H

#include "csc_internal.h"

/*
 * Check the factors an explicit-mode credential has (the PIN, then the OTP)
 * against the request's "PIN" and "OTP", each with its own consecutive-
 * failure counter and lockout (csc.pin_max_failures, csc.otp_max_failures).
 * An OTP is accepted once only (the credential's last accepted time step in
 * the store). SAM_OK when every factor matched; otherwise the call is
 * answered and *error names the outcome for the audit ("invalid_pin",
 * "pin_locked", "invalid_otp", "otp_locked", "missing_pin", "missing_otp" or
 * "internal"). The values are never logged; the caller wipes them.
 */
int csc_check_factors(csc_call_t *call, const csc_cred_t *cr, const char **error);

/* What one audit record of a /csc/v1 call says besides the call's caller and answer. */
typedef struct st_csc_audit_t {
    const char *event;  /* "csc_authorize", "csc_extend_transaction" */
    const char *method; /* "credentials/authorize", for the reason */
    const char *signer;
    const char *key_id;
    const char *sad_jti; /* the SAD handed out, or NULL */
    const char *sad_iss;
    const sam_bytes_t *hashes;
    size_t n_hashes;
    uint32_t num_signatures;
    const char *error; /* short code when refused, or NULL */
} csc_audit_t;

/*
 * Append the record (outcome and status from call->resp) to the service
 * log and wait for it. On failure the answer is replaced by 503 (its body,
 * which may hold a SAD, wiped) and the audit's error is returned: nothing
 * is handed out that is not recorded.
 */
int csc_audit(csc_call_t *call, const csc_audit_t *a);

/* The shared pieces of authorize and extendTransaction (csc_sad_answer.c). */
/* Wipe a string member of the parsed body (a PIN, an OTP) in place. */
void csc_wipe_member(csc_call_t *call, const char *key);
/* Issue the SAD of claims and answer {"SAD", "expiresIn"} (400 when too large). */
void csc_answer_sad(csc_call_t *call, const csc_sad_claims_t *claims);
/* The issuer id of our SADs, for the audit record ("" when it cannot be had). */
void csc_own_issuer(csc_call_t *call, char issuer[CSC_ISSUER_MAX]);
/* May the request leave `hash` out? (a SCAL "1" credential, and no `hash` member) */
bool csc_hashes_optional(const csc_call_t *call, const csc_cred_t *cr);

#endif
