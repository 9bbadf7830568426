/*
 * Offline OTPs of CSC credentials: TOTP (RFC 6238) over HOTP (RFC 4226).
 *
 * The shared secret exists in clear only while a credential is created: it
 * is imported into the cryptographic module and stored as the module's
 * wrapped blob (sam_totp_protect). Checking a code unwraps it inside the
 * module, which computes the HMACs (sam_totp_check); the host sees only the
 * MACs of the candidate time steps, and wipes them.
 *
 * Thread-safe; nothing here logs a secret or a code.
 */
#ifndef SAM_TOTP_H
#define SAM_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sam/crypto_types.h"
#include "sam/module.h"

#define SAM_TOTP_MIN_SECRET                                                                        \
    10 /* bytes, decoded (RFC 4226 asks for at least 128 bits; 80 allowed) */
#define SAM_TOTP_MAX_SECRET SAM_OTP_MAX_SECRET_LEN
#define SAM_TOTP_MAX_BASE32 104 /* characters of a 64-byte secret, with padding */
#define SAM_TOTP_MAX_DIGITS 8
#define SAM_TOTP_WINDOW 1 /* time steps accepted on either side of the current one */
#define SAM_TOTP_MAX_PERIOD 300

typedef struct st_sam_totp_params_t {
    uint32_t hmac;   /* SAM_OTP_HMAC_SHA1 (default), _SHA256, _SHA512 */
    unsigned digits; /* 6 (default) or 8 */
    unsigned period; /* seconds per step, 1..SAM_TOTP_MAX_PERIOD (default 30) */
} sam_totp_params_t;

/* RFC 6238's defaults: HMAC-SHA-1, 6 digits, 30 seconds, T0 = 0. */
extern const sam_totp_params_t sam_totp_defaults;

/* Check p: SAM_E_PARSE with a message naming the bad member. */
int sam_totp_params_check(const sam_totp_params_t *p);
/* "SHA1", "SHA256", "SHA512" ↔ SAM_OTP_HMAC_*; SAM_E_PARSE / NULL for others. */
int sam_totp_algorithm(const char *name, uint32_t *hmac);
const char *sam_totp_algorithm_name(uint32_t hmac);

/*
 * Base32 (RFC 4648 section 6): upper or lower case, '=' padding optional
 * (but only as a correct tail), no spaces. out holds cap bytes. SAM_E_PARSE
 * on a bad character or shape, SAM_E_LIMIT when it does not fit.
 */
int sam_base32_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* floor(now / period): the time step (T0 = 0; now >= 0). */
int64_t sam_totp_step(int64_t now, unsigned period);
/* The HOTP message of a counter: 8 bytes, big-endian. */
void sam_totp_counter(uint64_t counter, uint8_t out[8]);
/* RFC 4226 5.3: dynamic truncation of mac (20..64 bytes) to `digits`
 * decimal digits, NUL-terminated in out. SAM_E_INVALID_ARG on bad input. */
int sam_totp_truncate(const uint8_t *mac, size_t len, unsigned digits,
                      char out[SAM_TOTP_MAX_DIGITS + 1]);

/* Computes the HMAC of each of n messages with the secret (the module, or a
 * test's own HMAC). macs[i].cap >= SAM_MAX_MAC_LEN. */
typedef int (*sam_totp_hmac_fn)(void *ctx, uint32_t hmac, const sam_bytes_t *msgs, size_t n,
                                sam_outbuf_t *macs);

/*
 * Whether code is the TOTP of a time step within SAM_TOTP_WINDOW of now's
 * and newer than last_step (a code accepted once is never accepted again:
 * the caller stores *step and passes it as last_step next time). Every
 * candidate is compared in constant time. SAM_OK with *match (and *step when
 * it matches); a code of the wrong shape is simply no match. Errors are the
 * HMAC provider's.
 */
int sam_totp_verify(const sam_totp_params_t *p, sam_totp_hmac_fn hmac, void *ctx, int64_t now,
                    int64_t last_step, const char *code, size_t code_len, bool *match,
                    int64_t *step);

/*
 * The stored form of a credential's OTP:
 *   "totp:1:<algorithm>:<digits>:<period>:<base64 of the module's blob>".
 * sam_totp_protect decodes the base32 secret (SAM_TOTP_MIN_SECRET..
 * SAM_TOTP_MAX_SECRET bytes, else SAM_E_PARSE), has the module protect it and
 * returns the record (*record malloc'd). The decoded secret lives in locked
 * memory and is wiped; the caller wipes its base32 copy.
 */
int sam_totp_protect(sam_module_t *m, const char *base32, size_t len, const sam_totp_params_t *p,
                     char **record);
/* Parse a record's parameters (the blob is not decoded). SAM_E_PARSE. */
int sam_totp_record_params(const char *record, sam_totp_params_t *p);
/* sam_totp_verify with the record's parameters and the module's HMAC. */
int sam_totp_check(sam_module_t *m, const char *record, int64_t now, int64_t last_step,
                   const char *code, size_t code_len, bool *match, int64_t *step);

#endif
