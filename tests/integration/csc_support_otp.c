/* Helpers of the OTP and authorization tests (csc_support_otp.h). */
#include "csc_support_otp.h"

#include <criterion/criterion.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sam/totp.h"

static const char seed64[] = "1234567890123456789012345678901234567890123456789012345678901234";

static size_t seed_len(const char *algorithm)
{
    return strcmp(algorithm, "SHA1") == 0 ? 20 : strcmp(algorithm, "SHA256") == 0 ? 32 : 64;
}

const char *otp_secret_b32(const char *algorithm)
{
    switch (seed_len(algorithm)) {
    case 20:
        return OTP_SECRET_B32;
    case 32:
        return "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";
    default:
        return "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3T"
               "QOJQGEZDGNBVGY3TQOJQGEZDGNA";
    }
}

void otp_code(const char *algorithm, unsigned digits, unsigned period, int64_t offset, char out[9])
{
    const EVP_MD *md = strcmp(algorithm, "SHA1") == 0     ? EVP_sha1()
                       : strcmp(algorithm, "SHA256") == 0 ? EVP_sha256()
                                                          : EVP_sha512();
    uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    int64_t t = (int64_t)time(NULL) + offset;

    sam_totp_counter((uint64_t)(t / period), msg);
    cr_assert_not_null(HMAC(md, seed64, (int)seed_len(algorithm), msg, 8, mac, &len));
    cr_assert_eq(sam_totp_truncate(mac, len, digits, out), 0);
}

char *otp_authorize_body(const char *cred, int num, const char *hash_b64, const char *pin,
                         const char *otp)
{
    char *h = hash_b64 != NULL ? api_printf(", \"hash\": [\"%s\"]", hash_b64) : strdup("");
    char *p = pin != NULL ? api_printf(", \"PIN\": \"%s\"", pin) : strdup("");
    char *o = otp != NULL ? api_printf(", \"OTP\": \"%s\"", otp) : strdup("");
    char *body =
        api_printf("{\"credentialID\": \"%s\", \"numSignatures\": %d%s%s%s}", cred, num, h, p, o);
    free(h);
    free(p);
    free(o);
    return body;
}

char *otp_expect_sad(samh_t *h, const char *auth, const char *body)
{
    sam_json_t *j = csc_ok(h, "credentials/authorize", auth, body);
    const sam_json_t *sad = sam_json_get(j, "SAD"), *ei = sam_json_get(j, "expiresIn");

    cr_assert(sad != NULL && sad->type == SAM_JSON_STRING);
    cr_assert(ei != NULL && ei->type == SAM_JSON_INTEGER && ei->u.num.integer > 0);
    char *out = strdup(sad->u.str.ptr);
    sam_json_free(j);
    return out;
}

char *otp_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0;

    if (f == NULL)
        return strdup("");
    FILE *m = open_memstream(&buf, &len);
    cr_assert_not_null(m);
    char chunk[4096];
    size_t n;
    /* Bounded: the test's log is small; stop at 64 MiB in any case. */
    for (size_t total = 0; (n = fread(chunk, 1, sizeof(chunk), f)) > 0 && total < (64u << 20);
         total += n)
        fwrite(chunk, 1, n, m);
    fclose(f);
    fclose(m);
    return buf;
}
