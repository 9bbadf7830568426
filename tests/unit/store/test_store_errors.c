/*
 * A store that cannot be used: every failure is SAM_E_STORE_UNAVAILABLE with
 * a message naming the file, and a store that can be written again serves
 * again, with nothing recorded by the calls that failed.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sam/rc.h"
#include "sam/store.h"
#include "store_fixture.h"

TestSuite(store_errors, .init = fx_setup, .fini = fx_teardown);

#define OK(expr) cr_assert_eq((expr), SAM_OK, "%s: %s", #expr, sam_error_message())

static void open_fails(const char *path, const char *phrase)
{
    sam_store_t *s = (sam_store_t *)0x1;
    int rc = sam_store_open_sqlite(path, &s);

    cr_assert_eq(rc, SAM_E_STORE_UNAVAILABLE, "open %s gave %d: %s", path, rc, sam_error_message());
    cr_assert_null(s);
    cr_assert_not_null(strstr(sam_error_message(), path), "message [%s] names no path",
                       sam_error_message());
    cr_assert_not_null(strstr(sam_error_message(), phrase), "message [%s] lacks [%s]",
                       sam_error_message(), phrase);
}

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    cr_assert_eq(close(fd), 0);
}

Test(store_errors, created_mode_0600)
{
    struct stat st;
    char wal[320];
    mode_t old = umask(0);
    sam_store_t *s = fx_open();

    umask(old);
    OK(fx_reserve(s, "as", "j", 1, "A", "A", NULL));
    cr_assert_eq(stat(fx_path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
    snprintf(wal, sizeof(wal), "%s-wal", fx_path);
    cr_assert_eq(stat(wal, &st), 0, "WAL mode: %s exists", wal);
    cr_assert_eq(st.st_mode & 0777, 0600, "WAL mode %o", st.st_mode & 0777);
    snprintf(wal, sizeof(wal), "%s-shm", fx_path);
    cr_assert_eq(stat(wal, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "SHM mode %o", st.st_mode & 0777);
    sam_store_close(s);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT version FROM schema_version"), 5);
}

Test(store_errors, missing_directory)
{
    char path[400];

    snprintf(path, sizeof(path), "%s/no-such-dir/state.db", fx_dir);
    open_fails(path, "does not exist");
}

Test(store_errors, not_a_database)
{
    char garbage[8192];

    for (size_t i = 0; i < sizeof(garbage); i++)
        garbage[i] = (char)(i * 7 + 3);
    write_file(fx_path, garbage, sizeof(garbage));
    open_fails(fx_path, "not a database");
}

Test(store_errors, directory_in_place_of_the_file)
{
    sam_store_t *s = fx_open();

    OK(fx_reserve(s, "as", "j", 1, "A", "A", NULL));
    sam_store_close(s);
    cr_assert_eq(unlink(fx_path), 0);
    cr_assert_eq(mkdir(fx_path, 0700), 0);
    open_fails(fx_path, "is a directory");
}

Test(store_errors, world_writable_refused)
{
    sam_store_t *s = fx_open();

    sam_store_close(s);
    cr_assert_eq(chmod(fx_path, 0666), 0);
    open_fails(fx_path, "writable by everyone");
}

Test(store_errors, newer_schema_refused)
{
    sam_store_t *s = fx_open();

    sam_store_close(s);
    fx_sql_exec(fx_path, "UPDATE schema_version SET version = 99");
    open_fails(fx_path, "schema version 99");
}

/* Make fx_path read-only and expect the open to refuse it. Run as a user
 * that file permissions apply to. */
static int read_only_check(void)
{
    sam_store_t *s = NULL;

    if (sam_store_open_sqlite(fx_path, &s) != SAM_OK)
        return 10;
    if (fx_reserve(s, "as", "j", 2, "AB", "A", NULL) != SAM_OK)
        return 11;
    sam_store_close(s);
    if (chmod(fx_path, 0400) != 0)
        return 12;
    s = (sam_store_t *)0x1;
    if (sam_store_open_sqlite(fx_path, &s) != SAM_E_STORE_UNAVAILABLE || s != NULL)
        return 13;
    if (strstr(sam_error_message(), fx_path) == NULL ||
        strstr(sam_error_message(), "cannot be written") == NULL) {
        fprintf(stderr, "message: %s\n", sam_error_message());
        return 14;
    }
    return 0;
}

Test(store_errors, read_only_file)
{
    int code, status;
    pid_t pid;

    if (geteuid() != 0) {
        cr_assert_eq(read_only_check(), 0);
        return;
    }
    /* Root ignores file permissions: check as nobody, in a directory of its own. */
    if (chown(fx_dir, 65534, 65534) != 0)
        cr_skip_test("running as root and cannot hand %s to nobody", fx_dir);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(77);
        _exit(read_only_check());
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status));
    code = WEXITSTATUS(status);
    if (code == 77)
        cr_skip_test("running as root and cannot become nobody");
    cr_assert_eq(code, 0, "read-only check failed at step %d", code);
}

/*
 * The store cannot be written while open (disk full, I/O error): simulated
 * with a file size limit, which binds root too. Reservations fail with
 * SAM_E_STORE_UNAVAILABLE and record nothing; once writes work again, the
 * same store serves again without reopening.
 */
Test(store_errors, write_failure_then_recovery)
{
    sam_store_t *s = fx_open();
    struct rlimit old, tiny;
    int rc;

    OK(fx_reserve(s, "as", "j", 3, "ABC", "A", NULL));
    OK(sam_store_assign_key(s, "k0", "alice"));
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    cr_assert_neq(signal(SIGXFSZ, SIG_IGN), SIG_ERR);
    tiny = old;
    tiny.rlim_cur = 1;
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &tiny), 0);

    rc = fx_reserve(s, "as", "j", 3, "ABC", "B", NULL);
    cr_assert_eq(rc, SAM_E_STORE_UNAVAILABLE, "reserve gave %d: %s", rc, sam_error_message());
    cr_assert_not_null(strstr(sam_error_message(), fx_path), "[%s]", sam_error_message());
    rc = sam_store_assign_key(s, "k1", "bob");
    cr_assert_eq(rc, SAM_E_STORE_UNAVAILABLE, "assign gave %d: %s", rc, sam_error_message());
    rc = sam_store_delete_key(s, "k0");
    cr_assert_eq(rc, SAM_E_STORE_UNAVAILABLE, "delete gave %d: %s", rc, sam_error_message());

    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    /* Nothing of the failed calls was recorded. */
    OK(fx_reserve(s, "as", "j", 3, "ABC", "BC", NULL));
    cr_assert_eq(fx_reserve(s, "as", "j", 3, "ABC", "B", NULL), SAM_E_SAD_EXHAUSTED);
    OK(sam_store_assign_key(s, "k1", "carol"));
    {
        bool d = true;

        OK(sam_store_key_deleted(s, "k0", &d));
        cr_assert_not(d);
    }
    sam_store_close(s);
}

/* Another writer holds the lock past the busy timeout: give up, change nothing. */
Test(store_errors, locked_past_timeout, .timeout = 60)
{
    sam_store_t *s = fx_open();
    sqlite3 *other = NULL;
    struct timespec t0, t1;
    double waited;
    int rc;

    OK(fx_reserve(s, "as", "j", 2, "AB", "A", NULL));
    cr_assert_eq(sqlite3_open_v2(fx_path, &other, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = fx_reserve(s, "as", "j", 2, "AB", "B", NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert_eq(rc, SAM_E_STORE_UNAVAILABLE, "reserve gave %d: %s", rc, sam_error_message());
    cr_assert_not_null(strstr(sam_error_message(), "still locked"), "[%s]", sam_error_message());
    cr_assert(waited >= 4.5 && waited < 15.0, "waited %.1f s", waited);
    /* Reads still work in WAL mode while a writer holds the lock. */
    {
        bool d = true;

        OK(sam_store_key_deleted(s, "k", &d));
        cr_assert_not(d);
    }
    cr_assert_eq(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_close(other), SQLITE_OK);
    OK(fx_reserve(s, "as", "j", 2, "AB", "B", NULL));
    cr_assert_eq(fx_reserve(s, "as", "j", 2, "AB", "B", NULL), SAM_E_SAD_EXHAUSTED);
    sam_store_close(s);
}

Test(store_errors, open_arguments)
{
    sam_store_t *s = NULL;

    cr_assert_eq(sam_store_open_sqlite(NULL, &s), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_open_sqlite("", &s), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_open_sqlite(fx_path, NULL), SAM_E_INVALID_ARG);
}
