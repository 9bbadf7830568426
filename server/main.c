/*
 * samd: the OpenSAM server. Opens the SAM described by a configuration
 * directory and serves /sam/v1 over HTTP/2 (HTTP/1.1 as fallback) with
 * mutual TLS. Exit status: 0 after a clean stop, 1 when the configuration,
 * the module or the listeners fail (the message says which), 2 for a bad
 * command line.
 */
#define _GNU_SOURCE /* pipe2 */
#include "samd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sam/log.h"
#include "sam/rc.h"

#define EXIT_USAGE 2
#define TEST_DELAY_ENV "SAMD_TEST_READYZ_DELAY_MS"

typedef struct {
    const char *config_dir;
    bool foreground;
    int log_level;
} samd_args_t;

static void usage(FILE *f)
{
    fputs("Usage: samd --config-dir DIR [--foreground] [--log-level LEVEL]\n"
          "\n"
          "Serve the OpenSAM Signature Activation Module configured in DIR\n"
          "(sam_infrastructure.json, static_config.json, dynamic_config.json).\n"
          "\n"
          "  --config-dir DIR    the SAM's configuration directory\n"
          "  --foreground        stay in the foreground (for systemd, containers);\n"
          "                      otherwise samd detaches once it serves\n"
          "  --log-level LEVEL   error, warning, info (default) or debug; logs go to stderr\n"
          "  -h, --help          show this help\n"
          "  --version           show the version\n"
          "\n"
          "Signals: SIGTERM/SIGINT finish requests in flight and stop (exit 0);\n"
          "SIGHUP reloads dynamic_config.json when its version grew.\n",
          f);
}

static int parse_level(const char *s)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* -1 to run, or the exit status to return. */
static int parse_args(int argc, char **argv, samd_args_t *a)
{
    enum { OPT_DIR = 256, OPT_FG, OPT_LEVEL, OPT_VERSION };
    static const struct option opts[] = {
        {"config-dir", required_argument, NULL, OPT_DIR},
        {"foreground", no_argument, NULL, OPT_FG},
        {"log-level", required_argument, NULL, OPT_LEVEL},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    int c;
    a->log_level = SAM_LOG_INFO;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_DIR:
            a->config_dir = optarg;
            break;
        case OPT_FG:
            a->foreground = true;
            break;
        case OPT_LEVEL:
            a->log_level = parse_level(optarg);
            if (a->log_level < 0) {
                fprintf(stderr, "samd: --log-level must be error, warning, info or debug\n");
                return EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return EXIT_SUCCESS;
        case OPT_VERSION:
            printf("samd (OpenSAM) %s\n", SAMD_VERSION);
            return EXIT_SUCCESS;
        case ':':
            fprintf(stderr, "samd: %s needs an argument; see 'samd --help'\n", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            fprintf(stderr, "samd: unknown option '%s'; see 'samd --help'\n", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "samd: unexpected argument '%s'; see 'samd --help'\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (a->config_dir == NULL) {
        fprintf(stderr, "samd: --config-dir is required; see 'samd --help'\n");
        return EXIT_USAGE;
    }
    return -1;
}

/*
 * Detach: the parent waits until the child serves (or fails) and exits with
 * its verdict, so a start script sees configuration errors. Done before the
 * module is opened: PKCS#11 libraries do not survive a fork.
 */
static int daemonize(int *notify_fd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid > 0) {
        char verdict = 0;
        ssize_t n;
        close(p[1]);
        while ((n = read(p[0], &verdict, 1)) < 0 && errno == EINTR)
            ;
        _exit(n == 1 && verdict == 'R' ? EXIT_SUCCESS : EXIT_FAILURE);
    }
    close(p[0]);
    if (setsid() < 0 || chdir("/") != 0) {
        close(p[1]);
        return -1;
    }
    *notify_fd = p[1];
    return 0;
}

static void detach_done(int notify_fd)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        (void)dup2(null, STDIN_FILENO);
        (void)dup2(null, STDOUT_FILENO);
        close(null);
    }
    if (write(notify_fd, "R", 1) != 1)
        sam_log(SAM_LOG_WARNING, "samd: cannot tell the starting process we are ready");
    close(notify_fd);
}

#if defined(__SANITIZE_ADDRESS__)
/*
 * Under AddressSanitizer only. h2o keeps per-thread free lists of buffers
 * (h2o_mem_alloc_recycle) in thread-local variables it offers no way to
 * empty; when a loop thread ends, LeakSanitizer reports them. They are
 * bounded caches, not leaks.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:h2o_mem_alloc_recycle\n";
}
#endif

static uint32_t test_delay_from_env(void)
{
    const char *s = getenv(TEST_DELAY_ENV);
    char *end = NULL;
    if (s == NULL || *s == '\0')
        return 0;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > 5000) {
        sam_log(SAM_LOG_WARNING, "samd: %s ignored (0..5000)", TEST_DELAY_ENV);
        return 0;
    }
    sam_log(SAM_LOG_WARNING, "samd: %s=%lu: /readyz is slowed down for tests", TEST_DELAY_ENV, v);
    return (uint32_t)v;
}

/* Everything after the service is open. 0 when serving ended cleanly. */
static int serve(samd_server_t *server, int notify_fd)
{
    int rc = SAM_E_INTERNAL;
    bool clean = false;

    server->test_readyz_delay_ms = test_delay_from_env();
    server->ssl_ctx = samd_tls_new(&server->cfg->tls);
    if (server->ssl_ctx == NULL)
        goto out;
    h2o_config_init(&server->h2o);
    if (samd_http_register(server) != SAM_OK || samd_listen(server) != SAM_OK)
        goto out;
    server->pool =
        samd_pool_new(server, server->cfg->workers, server->cfg->limits.max_pending_jobs);
    if (server->pool == NULL)
        goto out;
    server->housekeeping = samd_housekeeping_start(server);
    if (server->housekeeping == NULL)
        goto out;
    if (samd_loops_start(server) != SAM_OK) {
        samd_loops_request_stop(server);
        (void)samd_loops_join(server);
        goto out;
    }
    if (notify_fd >= 0)
        detach_done(notify_fd);
    sam_log(SAM_LOG_INFO, "samd: SAM %s on node %s is ready", sam_service_sam_id(server->svc),
            sam_service_node(server->svc));

    (void)samd_signals_wait(server);
    samd_loops_request_stop(server);
    clean = samd_loops_join(server);
    rc = SAM_OK;
out:
    samd_housekeeping_stop(server->housekeeping);
    server->housekeeping = NULL;
    if (server->pool != NULL && !samd_pool_stop(server->pool, SAMD_FORCE_SECONDS))
        clean = false;
    if (rc == SAM_OK && !clean) {
        /* A worker is stuck (module or store hanging): freeing now would pull state
         * from under it. Leave, and say so. */
        sam_log(SAM_LOG_ERROR, "samd: stopped without a clean shutdown");
        _exit(EXIT_FAILURE);
    }
    samd_pool_free(server->pool);
    server->pool = NULL;
    if (server->listen_fds != NULL || server->loops != NULL)
        samd_listen_close(server);
    if (server->h2o.hosts != NULL)
        h2o_config_dispose(&server->h2o);
    SSL_CTX_free(server->ssl_ctx);
    server->ssl_ctx = NULL;
    return rc;
}

int main(int argc, char **argv)
{
    samd_args_t args = {0};
    samd_server_t server;
    int notify_fd = -1;
    char dir[PATH_MAX];

    int code = parse_args(argc, argv, &args);
    if (code >= 0)
        return code;
    sam_log_set_level(args.log_level);
    if (realpath(args.config_dir, dir) == NULL) {
        fprintf(stderr, "samd: configuration directory %s: %s\n", args.config_dir, strerror(errno));
        return EXIT_FAILURE;
    }
    /* Before any thread exists, so that every thread inherits the mask. */
    if (samd_signals_block() != SAM_OK) {
        fprintf(stderr, "samd: cannot set up signals: %s\n", strerror(errno));
        return EXIT_FAILURE;
    }
    if (!args.foreground && daemonize(&notify_fd) != 0) {
        fprintf(stderr, "samd: cannot detach: %s\n", strerror(errno));
        return EXIT_FAILURE;
    }

    memset(&server, 0, sizeof(server));
    pthread_mutex_init(&server.ready_lock, NULL);
    pthread_cond_init(&server.ready_cond, NULL);
    atomic_init(&server.connections, 0);
    sam_error_clear();
    if (sam_service_open(dir, &server.svc) != SAM_OK) {
        sam_log(SAM_LOG_ERROR, "samd: cannot open the SAM in %s: %s", dir, sam_error_message());
        return EXIT_FAILURE;
    }
    server.cfg = sam_service_static(server.svc);

    int rc = serve(&server, notify_fd);
    sam_service_close(server.svc);
    pthread_cond_destroy(&server.ready_cond);
    pthread_mutex_destroy(&server.ready_lock);
    if (rc != SAM_OK) {
        sam_log(SAM_LOG_ERROR, "samd: not started");
        return EXIT_FAILURE;
    }
    sam_log(SAM_LOG_INFO, "samd: stopped");
    return EXIT_SUCCESS;
}
