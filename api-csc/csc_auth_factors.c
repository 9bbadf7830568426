/*
 * The explicit-mode factors of credentials/authorize: the PIN (slow salted
 * hash) and the offline OTP (TOTP, secret in the module). Both go through
 * one lockout: a consecutive-failure counter per credential and factor in
 * the state store (so it holds across nodes and restarts), reset by a
 * success; at the configured maximum the factor is locked, also for the
 * right value, until an operator unlocks it (sam-admin credential unlock).
 */
#include <string.h>
#include <time.h>

#include "csc_authorize.h"
#include "sam/password.h"
#include "sam/totp.h"

/* One factor: its request member, counter, limit, answers and check. */
typedef struct st_csc_factor_t {
    const char *member; /* "PIN", "OTP" */
    sam_store_failure_kind kind;
    const char *missing;       /* the answer when the member is absent or not a string */
    const char *invalid_code;  /* "invalid_pin": the answer's error and the audit's */
    const char *invalid_text;  /* "The PIN is invalid" */
    const char *locked_text;   /* "PIN locked" */
    const char *audit_locked;  /* "pin_locked" */
    const char *audit_missing; /* "missing_pin" */
    /* SAM_OK with *match; may record what a match spends (the OTP's time step). */
    int (*check)(csc_call_t *call, const csc_cred_t *cr, const char *value, size_t len,
                 bool *match);
} csc_factor_t;

static int check_pin(csc_call_t *call, const csc_cred_t *cr, const char *value, size_t len,
                     bool *match)
{
    (void)call;
    *match = false;
    if (len == 0 || len > SAM_PASSWORD_MAX_LEN)
        return SAM_OK;
    return sam_password_verify(value, len, cr->c->pin_hash, match);
}

static int check_otp(csc_call_t *call, const csc_cred_t *cr, const char *value, size_t len,
                     bool *match)
{
    int64_t step = -1;
    int rc = sam_totp_check(sam_service_module(call->svc), cr->c->otp_secret, (int64_t)time(NULL),
                            cr->c->otp_last_step, value, len, match, &step);

    if (rc != SAM_OK || !*match)
        return rc;
    /* Spend the step; a racing request with the same code (another node) loses here. */
    rc = sam_store_credential_otp_step(sam_service_store(call->svc), cr->c->id, step);
    if (rc == SAM_E_EXISTS) {
        *match = false;
        return SAM_OK;
    }
    return rc;
}

static const csc_factor_t pin_factor = {
    .member = "PIN",
    .kind = SAM_STORE_PIN_FAILURES,
    .missing = "Missing (or invalid type) string parameter PIN",
    .invalid_code = "invalid_pin",
    .invalid_text = "The PIN is invalid",
    .locked_text = "PIN locked",
    .audit_locked = "pin_locked",
    .audit_missing = "missing_pin",
    .check = check_pin,
};

static const csc_factor_t otp_factor = {
    .member = "OTP",
    .kind = SAM_STORE_OTP_FAILURES,
    .missing = "Missing (or invalid type) string parameter OTP",
    .invalid_code = "invalid_otp",
    .invalid_text = "The OTP is invalid",
    .locked_text = "OTP locked",
    .audit_locked = "otp_locked",
    .audit_missing = "missing_otp",
    .check = check_otp,
};

static int internal(csc_call_t *call, int rc, const char **error)
{
    csc_fail_internal(call, rc);
    *error = "internal";
    return rc;
}

static int check_factor(csc_call_t *call, const csc_cred_t *cr, const csc_factor_t *f,
                        uint32_t max_failures, const char **error)
{
    sam_store_t *store = sam_service_store(call->svc);
    const sam_json_t *v = sam_json_get(call->body, f->member);
    uint32_t failures = 0;
    bool match = false;
    int rc;

    if ((rc = sam_store_credential_failures(store, cr->c->id, f->kind, &failures)) != SAM_OK)
        return internal(call, rc, error);
    if (failures >= max_failures) {
        csc_invalid_request(call, f->locked_text);
        *error = f->audit_locked;
        return SAM_E_UNAUTHORIZED;
    }
    if (v == NULL || v->type != SAM_JSON_STRING) {
        csc_invalid_request(call, f->missing);
        *error = f->audit_missing;
        return SAM_E_PARSE;
    }
    if ((rc = f->check(call, cr, v->u.str.ptr, v->u.str.len, &match)) != SAM_OK)
        return internal(call, rc, error);
    if (match) {
        if ((rc = sam_store_credential_failure_reset(store, cr->c->id, f->kind)) != SAM_OK)
            return internal(call, rc, error);
        return SAM_OK;
    }
    if ((rc = sam_store_credential_failure(store, cr->c->id, f->kind, &failures)) != SAM_OK)
        return internal(call, rc, error);
    /* The failure that reaches the limit already answers "locked". */
    if (failures >= max_failures) {
        csc_invalid_request(call, f->locked_text);
        *error = f->audit_locked;
    } else {
        csc_error(call, 400, f->invalid_code, f->invalid_text);
        *error = f->invalid_code;
    }
    return SAM_E_UNAUTHORIZED;
}

int csc_check_factors(csc_call_t *call, const csc_cred_t *cr, const char **error)
{
    int rc;

    *error = NULL;
    /* The PIN first: a wrong PIN does not spend the OTP. */
    if (cr->c->pin_hash != NULL &&
        (rc = check_factor(call, cr, &pin_factor, call->cfg->pin_max_failures, error)) != SAM_OK)
        return rc;
    if (cr->c->otp_secret != NULL &&
        (rc = check_factor(call, cr, &otp_factor, call->cfg->otp_max_failures, error)) != SAM_OK)
        return rc;
    return SAM_OK;
}
