/*
 * Signals without signal handlers: SIGTERM, SIGINT and SIGHUP are blocked in
 * every thread (the mask is set before the first thread starts and is
 * inherited), and the main thread, which serves no connection, takes them
 * with sigwaitinfo(). Whatever a signal triggers then runs as ordinary code:
 * a reload on SIGHUP, a message to each event loop on SIGTERM/SIGINT.
 */
#include "samd.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "sam/log.h"
#include "sam/rc.h"

static void wait_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
}

int samd_signals_block(void)
{
    sigset_t set;
    struct sigaction ign;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    /* A peer that vanishes mid-write must cost an EPIPE, not the process. */
    if (sigaction(SIGPIPE, &ign, NULL) != 0)
        return SAM_E_IO;
    wait_set(&set);
    return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0 ? SAM_OK : SAM_E_IO;
}

static void reload(samd_server_t *server)
{
    sam_error_clear();
    int rc = sam_service_dynamic_reload(server->svc);
    if (rc == SAM_OK)
        sam_log(SAM_LOG_INFO, "samd: SIGHUP: dynamic configuration checked");
    else
        sam_log(SAM_LOG_ERROR, "samd: SIGHUP: dynamic configuration not reloaded: %s",
                sam_error_message());
    /* logrotate's postrotate: the chain continues into the files opened anew. */
    if (sam_service_reopen_logs(server->svc) == SAM_OK)
        sam_log(SAM_LOG_INFO, "samd: SIGHUP: audit logs reopened");
    else
        sam_log(SAM_LOG_ERROR, "samd: SIGHUP: audit logs not reopened: %s", sam_error_message());
}

int samd_signals_wait(samd_server_t *server)
{
    sigset_t set;
    wait_set(&set);
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&set, &info);
        if (sig < 0) {
            if (errno == EINTR)
                continue;
            sam_log(SAM_LOG_ERROR, "samd: sigwaitinfo: %s; stopping", strerror(errno));
            return SIGTERM;
        }
        if (sig == SIGHUP) {
            reload(server);
            continue;
        }
        sam_log(SAM_LOG_INFO, "samd: %s: finishing requests in flight, then stopping",
                sig == SIGINT ? "SIGINT" : "SIGTERM");
        return sig;
    }
}
