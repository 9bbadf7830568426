/* Secure memory, secret sources and the error vocabulary. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sam/rc.h"
#include "sam/secmem.h"

Test(secmem, alloc_is_zeroed_writable_and_freed)
{
    uint8_t *p = sam_secure_alloc(100);
    cr_assert_not_null(p);
    for (size_t i = 0; i < 100; i++)
        cr_assert_eq(p[i], 0);
    memset(p, 0xa5, 100);
    sam_secure_free(p);
    sam_secure_free(NULL);
}

Test(secmem, constant_time_compare)
{
    cr_assert(sam_ct_equal("abcdef", "abcdef", 6));
    cr_assert(!sam_ct_equal("abcdef", "abcdeF", 6));
    cr_assert(!sam_ct_equal("Xbcdef", "abcdef", 6));
    cr_assert(sam_ct_equal("", "", 0));
}

static char *write_temp(const char *content)
{
    char *path = strdup("/tmp/opensam-secret-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    return path;
}

static int read_from(const char *prefix, const char *path, char **out, size_t *len)
{
    char src[4200];
    snprintf(src, sizeof(src), "%s%s", prefix, path);
    return sam_read_secret(src, out, len);
}

Test(secrets, file_source_drops_the_newline)
{
    char *path = write_temp("s3cret-pin\nignored second line\n");
    char *pin = NULL;
    size_t len = 0;
    cr_assert_eq(read_from("file:", path, &pin, &len), SAM_OK, "%s", sam_error_message());
    cr_assert_eq(len, 10);
    cr_assert_str_eq(pin, "s3cret-pin");
    sam_secure_free(pin);
    unlink(path);
    free(path);
}

Test(secrets, fd_source)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    cr_assert_eq(write(fds[1], "1234\r\n", 6), 6);
    close(fds[1]);
    char src[32], *pin = NULL;
    size_t len = 0;
    snprintf(src, sizeof(src), "fd:%d", fds[0]);
    cr_assert_eq(sam_read_secret(src, &pin, &len), SAM_OK, "%s", sam_error_message());
    cr_assert_str_eq(pin, "1234");
    sam_secure_free(pin);
    close(fds[0]);
}

Test(secrets, refusals_are_clear)
{
    char *pin = NULL;
    size_t len = 0;
    cr_assert_eq(sam_read_secret("1234", &pin, &len), SAM_E_INVALID_ARG);
    cr_assert(strstr(sam_error_message(), "file:PATH") != NULL);
    cr_assert(strstr(sam_error_message(), "1234") == NULL, "the secret is not echoed");
    cr_assert_eq(sam_read_secret("fd:x", &pin, &len), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_read_secret("file:/nonexistent/pin", &pin, &len), SAM_E_NOT_FOUND);
    cr_assert(strstr(sam_error_message(), "/nonexistent/pin") != NULL);
    char *empty = write_temp("\n");
    cr_assert_eq(read_from("file:", empty, &pin, &len), SAM_E_PARSE);
    unlink(empty);
    free(empty);
    char big[5000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    char *huge = write_temp(big);
    cr_assert_eq(read_from("file:", huge, &pin, &len), SAM_E_LIMIT);
    unlink(huge);
    free(huge);
    cr_assert_null(pin);
}

Test(rc, names_messages_and_prefix)
{
    cr_assert_str_eq(sam_rc_name(SAM_E_INVALID_KEY_PAIR), "invalid_key_pair");
    cr_assert_str_eq(sam_rc_name(SAM_E_BACKEND_UNAVAILABLE), "backend_unavailable");
    cr_assert_str_eq(sam_rc_name((sam_rc)-9999), "internal_error");
    sam_error_clear();
    cr_assert_eq(sam_error_set(SAM_E_PARSE, "field %s is bad", "x"), SAM_E_PARSE);
    cr_assert_str_eq(sam_error_message(), "field x is bad");
    sam_error_prefix("file %s", "a.json");
    cr_assert_str_eq(sam_error_message(), "file a.json: field x is bad");
    sam_error_clear();
    cr_assert_str_eq(sam_error_message(), "success");
}
