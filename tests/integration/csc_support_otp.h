/*
 * Helpers of the OTP and authorization tests (test_csc_otp.c): TOTP codes
 * computed the way an authenticator app does (OpenSSL's HMAC over the known
 * test secret), credentials/authorize bodies, and SAD answers. Every
 * function aborts the test on failure.
 */
#ifndef SAM_TEST_CSC_SUPPORT_OTP_H
#define SAM_TEST_CSC_SUPPORT_OTP_H

#include <stdint.h>

#include "csc_support.h"

/* RFC 6238's SHA-1 test secret "12345678901234567890" and its base32 form. */
#define OTP_SECRET "12345678901234567890"
#define OTP_SECRET_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

/* The TOTP of OTP_SECRET at unix time t + offset seconds (now: t = 0 means time(NULL)).
 * algorithm "SHA1" | "SHA256" | "SHA512"; the secret is OTP_SECRET repeated to 20/32/64 bytes
 * as in RFC 6238's vectors. out holds digits + 1 bytes. */
void otp_code(const char *algorithm, unsigned digits, unsigned period, int64_t offset, char out[9]);
/* The base32 form of the RFC 6238 secret for algorithm (20, 32 or 64 bytes). */
const char *otp_secret_b32(const char *algorithm);

/* {"credentialID": cred, "numSignatures": num[, "hash": [hash_b64]][, "PIN": pin][, "OTP": otp]} */
char *otp_authorize_body(const char *cred, int num, const char *hash_b64, const char *pin,
                         const char *otp);
/* credentials/authorize with body, expecting 200: returns the SAD (malloc'd). */
char *otp_expect_sad(samh_t *h, const char *auth, const char *body);

/* A file's text, e.g. the service audit log (malloc'd; "" when there is no such file). */
char *otp_read_file(const char *path);

#endif
