/* Running the built samd as a child process, with bounded waits. */
#include "harness_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_TIMEOUT_MS 30000L
#define STOP_TIMEOUT_MS 30000L
#define POLL_MS 20L
#define LOG_READ_MAX (16L * 1024 * 1024)

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void record_exit(samh_t *h, int status)
{
    h->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    h->pid = 0;
}

bool samh_running(samh_t *h)
{
    int status;
    if (h->pid <= 0)
        return false;
    pid_t r = waitpid(h->pid, &status, WNOHANG);
    if (r == h->pid) {
        record_exit(h, status);
        return false;
    }
    return r == 0;
}

static void print_log_tail(const samh_t *h)
{
    char buf[4096];
    FILE *f = fopen(h->log_path, "r");
    if (f == NULL)
        return;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > (long)sizeof(buf) - 1)
            (void)fseek(f, size - (long)sizeof(buf) + 1, SEEK_SET);
        else
            rewind(f);
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    fprintf(stderr, "samharness: end of %s:\n%s\n", h->log_path, buf);
}

#define MAX_EXTRA_ARGS 16

static void child_exec(samh_t *h, pid_t parent, const char *samd, const char *const *extra)
{
    sigset_t none;
    /* A test process that dies (timeout, crash) takes its samd along, so that no
     * server outlives the test that started it. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(127);
    const char *level = h->opts.log_level != NULL ? h->opts.log_level : "info";
    int log = open(h->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log < 0 || null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(log, STDOUT_FILENO) < 0 ||
        dup2(log, STDERR_FILENO) < 0)
        _exit(127);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (size_t i = 0; i < sizeof(h->opts.env) / sizeof(h->opts.env[0]); i++) {
        if (h->opts.env[i] == NULL)
            break;
        if (putenv((char *)h->opts.env[i]) != 0)
            _exit(127);
    }
    char *argv[5 + MAX_EXTRA_ARGS + 1] = {(char *)samd, "--config-dir", h->config_dir,
                                          "--log-level", (char *)level};
    size_t n = 5;
    for (size_t i = 0; extra[i] != NULL && i < MAX_EXTRA_ARGS; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    execv(samd, argv);
    _exit(127);
}

static pid_t spawn(samh_t *h, const char *const *extra)
{
    char samd[PATH_MAX];
    if (samh_path(samd, sizeof(samd), SAM_TEST_BINARY_DIR, "bin/samd") != 0)
        return -1;
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        fprintf(stderr, "samharness: fork: %s\n", strerror(errno));
    if (pid == 0)
        child_exec(h, parent, samd, extra);
    return pid;
}

int samh_run(samh_t *h, const char *const *args, long timeout_ms, int *status)
{
    static const char *const none[] = {NULL};
    int st;
    *status = -1;
    pid_t pid = spawn(h, args != NULL ? args : none);
    if (pid < 0)
        return -1;
    long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : STOP_TIMEOUT_MS);
    while (now_ms() < deadline) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            return 0;
        }
        sleep_ms(POLL_MS);
    }
    fprintf(stderr, "samharness: samd did not exit in time: SIGKILL\n");
    (void)kill(pid, SIGKILL);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return -1;
}

int samh_start(samh_t *h)
{
    static const char *const foreground[] = {"--foreground", NULL};
    if (h->pid > 0) {
        fprintf(stderr, "samharness: samd already runs\n");
        return -1;
    }
    pid_t pid = spawn(h, foreground);
    if (pid < 0)
        return -1;
    h->pid = pid;
    h->exit_status = -1;

    long deadline = now_ms() + START_TIMEOUT_MS;
    while (now_ms() < deadline) {
        samh_response_t r;
        if (!samh_running(h)) {
            fprintf(stderr, "samharness: samd exited with status %d while starting\n",
                    h->exit_status);
            print_log_tail(h);
            return -1;
        }
        samh_request_t req = {.path = "/healthz", .timeout_ms = 2000};
        int ok = samh_request(h, &req, &r) == 0 && r.status == 200;
        samh_response_free(&r);
        if (ok)
            return 0;
        sleep_ms(50);
    }
    fprintf(stderr, "samharness: samd did not answer /healthz within %ld ms\n", START_TIMEOUT_MS);
    print_log_tail(h);
    (void)samh_stop(h, 1000, &h->exit_status);
    return -1;
}

int samh_signal(samh_t *h, int sig)
{
    if (h->pid <= 0 || kill(h->pid, sig) != 0) {
        fprintf(stderr, "samharness: cannot signal samd\n");
        return -1;
    }
    return 0;
}

int samh_stop(samh_t *h, long timeout_ms, int *status)
{
    int st;
    *status = -1;
    if (h->pid <= 0) {
        *status = h->exit_status;
        return 0;
    }
    if (kill(h->pid, SIGTERM) != 0 && errno != ESRCH)
        return -1;
    long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : STOP_TIMEOUT_MS);
    while (now_ms() < deadline) {
        if (!samh_running(h)) {
            *status = h->exit_status;
            return 0;
        }
        sleep_ms(POLL_MS);
    }
    fprintf(stderr, "samharness: samd did not stop in time: SIGKILL\n");
    print_log_tail(h);
    (void)kill(h->pid, SIGKILL);
    while (waitpid(h->pid, &st, 0) < 0 && errno == EINTR)
        ;
    record_exit(h, st);
    return -1;
}

bool samh_log_contains(const samh_t *h, const char *needle)
{
    FILE *f = fopen(h->log_path, "r");
    char *buf = NULL;
    bool found = false;
    if (f == NULL)
        return false;
    buf = malloc((size_t)LOG_READ_MAX + 1);
    if (buf != NULL) {
        size_t n = fread(buf, 1, (size_t)LOG_READ_MAX, f);
        buf[n] = '\0';
        found = strstr(buf, needle) != NULL;
    }
    free(buf);
    fclose(f);
    return found;
}
