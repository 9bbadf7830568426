#define _GNU_SOURCE /* memmem */
/* Helpers of the /csc/v1 integration tests (csc_support.h). */
#include "csc_support.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sam/password.h"
#include "sam/rc.h"
#include "sam/store.h"

samh_t *csc_start(void)
{
    samh_options_t o = {.static_extra = CSC_STATIC_EXTRA};
    return api_start(&o);
}

void csc_add_user(samh_t *h, const char *user, const char *password)
{
    char path[PATH_MAX + 32];
    sam_store_t *s = NULL;
    char *hash = NULL;

    snprintf(path, sizeof(path), "%s/state.sqlite", h->dir);
    cr_assert_eq(sam_store_open_sqlite(path, &s), SAM_OK, "%s", sam_error_message());
    cr_assert_eq(sam_password_hash(password, strlen(password), &hash), SAM_OK);
    cr_assert_eq(sam_store_user_add(s, user, hash), SAM_OK, "%s", sam_error_message());
    free(hash);
    sam_store_close(s);
}

void csc_disable_user(samh_t *h, const char *user)
{
    char path[PATH_MAX + 32];
    sam_store_t *s = NULL;

    snprintf(path, sizeof(path), "%s/state.sqlite", h->dir);
    cr_assert_eq(sam_store_open_sqlite(path, &s), SAM_OK, "%s", sam_error_message());
    cr_assert_eq(sam_store_user_set_disabled(s, user, true), SAM_OK, "%s", sam_error_message());
    sam_store_close(s);
}

char *csc_add_credential(samh_t *h, const char *user, const char *template_json,
                         const char *extra_members, char **cert_b64_out, char **key_pair_out)
{
    size_t cert_len = 0;
    char *kp = api_generate(h, template_json);
    char *assigned = api_assign(h, kp, user, "CN=CSC test user");
    uint8_t *cert = api_issue_cert(assigned, -3600, 86400, &cert_len);
    char *ready = api_update_status(h, assigned, user, true, true, cert, cert_len);
    char *b64 = api_b64(cert, cert_len);
    char *body = api_printf(
        "{\"key_pair\": %s, \"user_id\": \"%s\", \"certificates\": [\"%s\"]%s%s}", ready, user, b64,
        extra_members != NULL ? ", " : "", extra_members != NULL ? extra_members : "");
    samh_response_t r;

    api_call(h, SAMH_SSA, "POST", "/sam/v1/credentials", body, NULL, &r);
    api_assert_status(&r, 201);
    sam_json_t *j = api_json(&r);
    const sam_json_t *id = sam_json_get(j, "credential_id");
    cr_assert(id != NULL && id->type == SAM_JSON_STRING);
    char *out = strdup(id->u.str.ptr);
    sam_json_free(j);
    samh_response_free(&r);
    if (cert_b64_out != NULL)
        *cert_b64_out = b64;
    else
        free(b64);
    free(body);
    free(kp);
    free(assigned);
    if (key_pair_out != NULL)
        *key_pair_out = ready;
    else
        free(ready);
    free(cert);
    return out;
}

/* Write all of len bytes to fd; false on a short write. */
static bool write_all(int fd, const void *p, size_t len)
{
    const char *c = p;
    while (len > 0) {
        ssize_t n = write(fd, c, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        c += n;
        len -= (size_t)n;
    }
    return true;
}

/*
 * With SAM_TEST_CSC_DUMP_DIR set, every answer csc_call receives goes into a
 * file of its own there, for tests/integration/csc_schema (schema validation):
 * a line "<status> <method> <content-type>", then the body as received.
 * Criterion runs tests in parallel processes, so names carry the pid and a
 * per-process counter, and O_EXCL makes a clash (a reused pid) take the next name.
 */
static void dump_response(const char *method, const samh_response_t *r)
{
    static atomic_uint seq;
    const char *dir = getenv("SAM_TEST_CSC_DUMP_DIR");
    char path[PATH_MAX], head[384]; /* method (< 128) and content type (< 128) */
    int fd = -1;

    if (dir == NULL || dir[0] == '\0')
        return;
    for (unsigned tries = 0; fd < 0 && tries < 1000; tries++) {
        int n = snprintf(path, sizeof(path), "%s/%ld-%u.resp", dir, (long)getpid(),
                         atomic_fetch_add(&seq, 1));
        cr_assert(n > 0 && (size_t)n < sizeof(path), "dump path too long");
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        cr_assert(fd >= 0 || errno == EEXIST, "cannot create %s: %s", path, strerror(errno));
    }
    cr_assert(fd >= 0, "no free dump file name in %s", dir);
    int n = snprintf(head, sizeof(head), "%ld %s %s\n", r->status, method, r->content_type);
    cr_assert(n > 0 && (size_t)n < sizeof(head), "dump header too long");
    bool ok = write_all(fd, head, (size_t)n) && write_all(fd, r->body, r->body_len);
    cr_assert(close(fd) == 0 && ok, "cannot write %s", path);
}

void csc_call(samh_t *h, const char *method, const char *authorization, const char *body,
              bool http1, samh_response_t *r)
{
    char path[128];

    snprintf(path, sizeof(path), "/csc/v1/%s", method);
    samh_request_t req = {.method = "POST",
                          .path = path,
                          .body = body,
                          .body_len = body != NULL ? strlen(body) : 0,
                          .content_type = "application/json",
                          .authorization = authorization,
                          .client = SAMH_NO_CERT,
                          .http1 = http1};
    cr_assert_eq(samh_request(h, &req, r), 0, "%s", r->error);
    dump_response(method, r);
}

void csc_assert_error(const samh_response_t *r, long status, const char *error,
                      const char *description)
{
    api_assert_error(r, status, error);
    sam_json_t *j = api_json(r);
    const sam_json_t *d = sam_json_get(j, "error_description");
    cr_assert(d != NULL && d->type == SAM_JSON_STRING);
    cr_assert_str_eq(d->u.str.ptr, description, "body %s", r->body);
    sam_json_free(j);
}

char *csc_bearer(const char *token)
{
    return api_printf("Bearer %s", token);
}

char *csc_login(samh_t *h, const char *user, const char *password, bool remember, char **refresh)
{
    char *up = api_printf("%s:%s", user, password);
    char *b64 = api_b64((const uint8_t *)up, strlen(up));
    char *auth = api_printf("Basic %s", b64);
    samh_response_t r;

    csc_call(h, "auth/login", auth, remember ? "{\"rememberMe\": true}" : "{}", false, &r);
    api_assert_status(&r, 200);
    sam_json_t *j = api_json(&r);
    const sam_json_t *at = sam_json_get(j, "access_token");
    const sam_json_t *rt = sam_json_get(j, "refresh_token");
    const sam_json_t *ei = sam_json_get(j, "expires_in");
    cr_assert(at != NULL && at->type == SAM_JSON_STRING);
    cr_assert(ei != NULL && ei->type == SAM_JSON_INTEGER && ei->u.num.integer == 600);
    cr_assert_eq(rt != NULL, remember, "%s", r.body);
    char *out = strdup(at->u.str.ptr);
    if (refresh != NULL)
        *refresh = rt != NULL ? strdup(rt->u.str.ptr) : NULL;
    sam_json_free(j);
    samh_response_free(&r);
    free(up);
    free(b64);
    free(auth);
    return out;
}

bool csc_file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    static char buf[8 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return memmem(buf, n, needle, strlen(needle)) != NULL;
}

void csc_expect(samh_t *h, const char *method, const char *auth, const char *body, long status,
                const char *error, const char *description)
{
    samh_response_t r;
    csc_call(h, method, auth, body, false, &r);
    csc_assert_error(&r, status, error, description);
    samh_response_free(&r);
}

sam_json_t *csc_ok(samh_t *h, const char *method, const char *auth, const char *body)
{
    samh_response_t r;
    csc_call(h, method, auth, body, false, &r);
    api_assert_status(&r, 200);
    sam_json_t *j = api_json(&r);
    samh_response_free(&r);
    return j;
}
