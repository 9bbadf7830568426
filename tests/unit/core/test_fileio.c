/* sam/fileio.h: bounded reads, atomic and exclusive writes, no temporary files left. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sam/fileio.h"
#include "sam/rc.h"

static char dir[PATH_MAX];

static void make_dir(void)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(dir, sizeof(dir), "%s/sam-fileio-XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[PATH_MAX + 256];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        if (unlink(p) != 0)
            rmdir(p);
    }
    closedir(d);
    rmdir(dir);
}

TestSuite(fileio, .init = make_dir, .fini = remove_dir);

static void path_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

/* Number of entries in the test directory (temporary files would show here). */
static int entries(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    cr_assert_not_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    }
    closedir(d);
    return n;
}

static void assert_content(const char *path, const char *expected)
{
    char *data = NULL;
    size_t len = 0;

    cr_assert_eq(sam_file_read(path, 1 << 20, &data, &len), SAM_OK, "%s", sam_error_message());
    cr_assert_eq(len, strlen(expected));
    cr_assert_str_eq(data, expected);
    free(data);
}

Test(fileio, write_then_read)
{
    char p[PATH_MAX + 64];
    struct stat st;

    path_of(p, sizeof(p), "conf.json");
    cr_assert_eq(sam_file_write_atomic(p, "{\"a\":1}", 7, 0600, 0), SAM_OK, "%s",
                 sam_error_message());
    assert_content(p, "{\"a\":1}");
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600);
    cr_assert_eq(entries(), 1);

    /* replacing is allowed without exclusive; the mode is the one asked for */
    cr_assert_eq(sam_file_write_atomic(p, "second", 6, 0644, 0), SAM_OK);
    assert_content(p, "second");
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0644);
    cr_assert_eq(entries(), 1);
}

Test(fileio, mode_has_no_setid_bits)
{
    char p[PATH_MAX + 64];
    struct stat st;

    path_of(p, sizeof(p), "m");
    cr_assert_eq(sam_file_write_atomic(p, "x", 1, 04755, 0), SAM_OK);
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0755);
}

Test(fileio, exclusive_refuses_to_overwrite)
{
    char p[PATH_MAX + 64];

    path_of(p, sizeof(p), "key.blob");
    cr_assert_eq(sam_file_write_atomic(p, "first", 5, 0600, 1), SAM_OK, "%s", sam_error_message());
    assert_content(p, "first");
    sam_error_clear();
    cr_assert_eq(sam_file_write_atomic(p, "other", 5, 0600, 1), SAM_E_EXISTS);
    cr_assert(strstr(sam_error_message(), p) != NULL, "message names the path: %s",
              sam_error_message());
    assert_content(p, "first");
    cr_assert_eq(entries(), 1, "no temporary file left behind");
}

Test(fileio, empty_data)
{
    char p[PATH_MAX + 64];
    char *data = NULL;
    size_t len = 9;

    path_of(p, sizeof(p), "empty");
    cr_assert_eq(sam_file_write_atomic(p, NULL, 0, 0600, 1), SAM_OK, "%s", sam_error_message());
    cr_assert_eq(sam_file_read(p, 0, &data, &len), SAM_OK, "%s", sam_error_message());
    cr_assert_eq(len, 0);
    cr_assert_str_eq(data, "");
    free(data);
}

Test(fileio, write_into_missing_directory)
{
    char p[PATH_MAX + 64];

    path_of(p, sizeof(p), "no/such/file");
    cr_assert_eq(sam_file_write_atomic(p, "x", 1, 0600, 0), SAM_E_IO);
    cr_assert(strstr(sam_error_message(), p) != NULL, "%s", sam_error_message());
    cr_assert_eq(entries(), 0);
}

Test(fileio, write_over_a_directory_fails_cleanly)
{
    char p[PATH_MAX + 64];

    path_of(p, sizeof(p), "sub");
    cr_assert_eq(mkdir(p, 0700), 0);
    cr_assert_eq(sam_file_write_atomic(p, "x", 1, 0600, 0), SAM_E_IO);
    cr_assert_eq(sam_file_write_atomic(p, "x", 1, 0600, 1), SAM_E_EXISTS);
    cr_assert_eq(entries(), 1, "only the directory; no temporary file");
}

Test(fileio, read_limit)
{
    char p[PATH_MAX + 64], buf[100];
    char *data = (char *)0x1;
    size_t len = 7;

    memset(buf, 'z', sizeof(buf));
    path_of(p, sizeof(p), "hundred");
    cr_assert_eq(sam_file_write_atomic(p, buf, sizeof(buf), 0600, 0), SAM_OK);
    sam_error_clear();
    cr_assert_eq(sam_file_read(p, 99, &data, &len), SAM_E_LIMIT);
    cr_assert_null(data);
    cr_assert_eq(len, 0);
    cr_assert(strstr(sam_error_message(), p) != NULL, "%s", sam_error_message());
    cr_assert_eq(sam_file_read(p, 100, &data, &len), SAM_OK);
    cr_assert_eq(len, 100);
    cr_assert_eq(data[100], '\0');
    cr_assert_eq(memcmp(data, buf, 100), 0);
    free(data);
    cr_assert_eq(sam_file_read(p, 100, &data, NULL), SAM_OK, "len may be NULL");
    free(data);
}

/* /proc files claim size 0: the read must grow its buffer, and still stop at the limit. */
Test(fileio, read_file_with_unknown_size)
{
    char *data = NULL;
    size_t len = 0;

    cr_assert_eq(sam_file_read("/proc/self/status", 1 << 20, &data, &len), SAM_OK, "%s",
                 sam_error_message());
    cr_assert_gt(len, 100);
    cr_assert_eq(strlen(data), len);
    cr_assert(strncmp(data, "Name:", 5) == 0);
    free(data);
    data = (char *)0x1;
    cr_assert_eq(sam_file_read("/proc/self/status", 10, &data, &len), SAM_E_LIMIT);
    cr_assert_null(data);
    cr_assert_eq(len, 0);
}

Test(fileio, read_errors_name_the_path)
{
    char p[PATH_MAX + 64];
    char *data = (char *)0x1;

    path_of(p, sizeof(p), "absent");
    cr_assert_eq(sam_file_read(p, 100, &data, NULL), SAM_E_NOT_FOUND);
    cr_assert_null(data);
    cr_assert(strstr(sam_error_message(), p) != NULL, "%s", sam_error_message());
    cr_assert(strstr(sam_error_message(), "No such file") != NULL, "%s", sam_error_message());

    cr_assert_eq(sam_file_read(dir, 100, &data, NULL), SAM_E_IO);
    cr_assert(strstr(sam_error_message(), dir) != NULL, "%s", sam_error_message());

    /* a FIFO is refused without waiting for a writer */
    path_of(p, sizeof(p), "fifo");
    cr_assert_eq(mkfifo(p, 0600), 0);
    cr_assert_eq(sam_file_read(p, 100, &data, NULL), SAM_E_IO);
    cr_assert(strstr(sam_error_message(), "not a regular file") != NULL, "%s", sam_error_message());
}

Test(fileio, bad_arguments)
{
    cr_assert_eq(sam_file_write_atomic("", "x", 1, 0600, 0), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_file_write_atomic("/tmp/x", NULL, 1, 0600, 0), SAM_E_INVALID_ARG);
}
