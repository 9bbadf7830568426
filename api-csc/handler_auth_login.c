/*
 * auth/login: HTTP Basic (user:password, checked against the slow hash) or
 * a refresh token in the body, for a fresh access token (and a refresh
 * token with rememberMe). Tokens are 32 random bytes, base64url; the store
 * keeps only their SHA-256. The password is wiped as soon as it is checked.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/rand.h>

#include "csc_internal.h"
#include "sam/base64.h"
#include "sam/password.h"
#include "sam/secmem.h"

#define BASIC_MAX 2048
/* Checked against when the user is unknown, so that an unknown user costs
 * the same time as a wrong password (no user enumeration by timing). */
static const char dummy_hash[] = "$scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$"
                                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/* Decode "Basic <b64>" into a secure buffer "user:password"; the caller
 * frees with sam_secure_free after wiping (len bytes). */
static int decode_basic(const char *auth, char **out, size_t *len)
{
    static const char scheme[] = "Basic ";
    size_t n;
    char *buf;

    if (strncasecmp(auth, scheme, sizeof(scheme) - 1) != 0)
        return SAM_E_PARSE;
    auth += sizeof(scheme) - 1;
    n = strnlen(auth, BASIC_MAX + 1);
    if (n == 0 || n > BASIC_MAX)
        return SAM_E_PARSE;
    if ((buf = sam_secure_alloc(sam_base64_decoded_cap(n) + 1)) == NULL)
        return SAM_E_NOMEM;
    if (sam_base64_decode(auth, n, (uint8_t *)buf, len) != SAM_OK) {
        sam_secure_free(buf);
        return SAM_E_PARSE;
    }
    buf[*len] = '\0';
    *out = buf;
    return SAM_OK;
}

/* A new token string into out (CSC_TOKEN_BYTES random, base64url) and its hash. */
static int new_token(char *out, uint8_t hash[32])
{
    uint8_t raw[CSC_TOKEN_BYTES];

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return sam_error_set(SAM_E_INTERNAL, "no random bytes for a token");
    sam_base64url_encode(raw, sizeof(raw), out);
    sam_wipe(raw, sizeof(raw));
    csc_token_hash(out, strlen(out), hash);
    return SAM_OK;
}

/* Check user:password[0..len); *user malloc'd on success. SAM_E_UNAUTHORIZED on mismatch. */
static int check_password(csc_call_t *call, const char *up, size_t len, char **user)
{
    const char *colon = memchr(up, ':', len);
    char *hash = NULL;
    bool disabled = true, match = false;
    int rc;

    if (colon == NULL || colon == up || (size_t)(colon - up) > 256 || memchr(up, '\0', len))
        return SAM_E_PARSE;
    if ((*user = strndup(up, (size_t)(colon - up))) == NULL)
        return SAM_E_NOMEM;
    size_t pwlen = len - (size_t)(colon - up) - 1;
    rc = sam_store_user_get(sam_service_store(call->svc), *user, &hash, &disabled);
    if (rc == SAM_E_NOT_FOUND || rc == SAM_E_INVALID_ARG) {
        if (pwlen > 0 && pwlen <= SAM_PASSWORD_MAX_LEN)
            (void)sam_password_verify(colon + 1, pwlen, dummy_hash, &match);
        rc = SAM_E_UNAUTHORIZED;
        goto out;
    }
    if (rc != SAM_OK)
        goto out;
    if (pwlen == 0 || pwlen > SAM_PASSWORD_MAX_LEN) {
        rc = SAM_E_UNAUTHORIZED;
        goto out;
    }
    rc = sam_password_verify(colon + 1, pwlen, hash, &match);
    if (rc == SAM_OK && (!match || disabled))
        rc = SAM_E_UNAUTHORIZED;
out:
    free(hash);
    if (rc != SAM_OK) {
        free(*user);
        *user = NULL;
    }
    return rc;
}

static void answer(csc_call_t *call, const char *access, const char *refresh, uint32_t expires_in)
{
    sam_strbuf_t *b = &call->resp->body;

    sam_strbuf_printf(b, "{\"access_token\":\"%s\",", access);
    if (refresh != NULL)
        sam_strbuf_printf(b, "\"refresh_token\":\"%s\",", refresh);
    sam_strbuf_printf(b, "\"expires_in\":%u}", expires_in);
    call->resp->status = 200;
}

void csc_auth_login(csc_call_t *call)
{
    const sam_csc_config_t *cfg = call->cfg;
    sam_store_t *store = sam_service_store(call->svc);
    const char *refresh_in = NULL;
    bool remember = false;
    char *up = NULL, *user = NULL;
    size_t up_len = 0;
    char access[64], refresh[64];
    uint8_t access_hash[32], refresh_hash[32], parent_hash[32];
    bool have_parent = false;
    int64_t now = (int64_t)time(NULL);
    int rc;

    if (csc_opt_string(call, "refresh_token", &refresh_in) != SAM_OK) {
        csc_invalid_request(call, "Invalid string parameter: refresh_token");
        goto out;
    }
    if (csc_opt_bool(call, "rememberMe", &remember) != SAM_OK) {
        csc_invalid_request(call, CSC_MALFORMED);
        goto out;
    }
    if (refresh_in != NULL) {
        size_t n = strnlen(refresh_in, CSC_TOKEN_MAX_LEN + 1);
        if (n == 0 || n > CSC_TOKEN_MAX_LEN) {
            csc_invalid_request(call, "Invalid string parameter: refresh_token");
            goto out;
        }
        csc_token_hash(refresh_in, n, parent_hash);
        rc = sam_store_token_get(store, parent_hash, SAM_STORE_TOKEN_REFRESH, now, &user);
        if (rc == SAM_E_NOT_FOUND) {
            csc_invalid_request(call, "Invalid refresh_token");
            goto out;
        }
        if (rc != SAM_OK) {
            csc_fail_internal(call, rc);
            goto out;
        }
        have_parent = true;
        remember = false; /* the refresh token stays; no second one */
    } else {
        if (call->req->authorization == NULL) {
            csc_error(call, 401, "invalid_request", "Malformed authentication parameter.");
            goto out;
        }
        rc = decode_basic(call->req->authorization, &up, &up_len);
        if (rc == SAM_E_NOMEM) {
            csc_fail_internal(call, sam_error_set(rc, "out of memory"));
            goto out;
        }
        if (rc != SAM_OK) {
            csc_error(call, 401, "invalid_request", "Malformed authentication parameter.");
            goto out;
        }
        rc = check_password(call, up, up_len, &user);
        if (rc == SAM_E_PARSE) {
            csc_invalid_request(call, "Malformed username-password.");
            goto out;
        }
        if (rc == SAM_E_UNAUTHORIZED) {
            csc_error(call, 400, "authentication_error",
                      "An error occurred during authentication process");
            goto out;
        }
        if (rc != SAM_OK) {
            csc_fail_internal(call, rc);
            goto out;
        }
    }
    if ((rc = new_token(access, access_hash)) != SAM_OK ||
        (remember && (rc = new_token(refresh, refresh_hash)) != SAM_OK)) {
        csc_fail_internal(call, rc);
        goto out;
    }
    if (remember) {
        sam_store_token_t r = {refresh_hash, SAM_STORE_TOKEN_REFRESH, user,
                               now + cfg->refresh_token_lifetime_seconds, NULL};
        if ((rc = sam_store_token_add(store, &r)) != SAM_OK) {
            csc_fail_internal(call, rc);
            goto out;
        }
    }
    sam_store_token_t a = {access_hash, SAM_STORE_TOKEN_ACCESS, user,
                           now + cfg->access_token_lifetime_seconds,
                           remember      ? refresh_hash
                           : have_parent ? parent_hash
                                         : NULL};
    if ((rc = sam_store_token_add(store, &a)) != SAM_OK) {
        csc_fail_internal(call, rc);
        goto out;
    }
    answer(call, access, remember ? refresh : NULL, cfg->access_token_lifetime_seconds);
out:
    if (up != NULL) {
        sam_wipe(up, up_len);
        sam_secure_free(up);
    }
    sam_wipe(access, sizeof(access));
    sam_wipe(refresh, sizeof(refresh));
    free(user);
}
