/* server_bench's measured slices; see sb_phase.h. */
#include "sb_phase.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "sb_setup.h"

const sb_case_t sb_cases[SB_CASE_COUNT] = {
    {"RS256 x1", "RS256", {SAM_KEY_RSA, 2048, SAM_CURVE_NONE}, 1, 0},
    {"RS256 x10", "RS256", {SAM_KEY_RSA, 2048, SAM_CURVE_NONE}, 10, 0},
    {"ES256 x1", "ES256", {SAM_KEY_EC, 0, SAM_CURVE_P256}, 1, 1},
    {"ES256 x10", "ES256", {SAM_KEY_EC, 0, SAM_CURVE_P256}, 10, 1},
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- raw, in a child process ---------------------------------------------------- */

static int write_all(int fd, const void *p, size_t len)
{
    const char *c = p;
    while (len > 0) {
        ssize_t n = write(fd, c, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        c += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One case of the raw loop in a child process, on the raw token (its own softhsm2.conf). */
int sb_raw_slice(const sam_test_token_t *tok, unsigned threads, double seconds, int c,
                 raw_mt_result_t *out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        raw_mt_result_t r;
        raw_mt_params_t p = {threads, sb_cases[c].hashes, seconds, 1000000, SB_RAW_WRAP_LABEL};
        close(fds[0]);
        if (setenv("SOFTHSM2_CONF", tok->conf, 1) != 0 ||
            raw_mt_measure(SAM_TEST_SOFTHSM_LIBRARY, tok->label, SAM_TEST_PIN, &sb_cases[c].spec, &p,
                           &r) != 0)
            _exit(1);
        _exit(write_all(fds[1], &r, sizeof(r)) == 0 ? 0 : 1);
    }
    close(fds[1]);
    /* Bounded: the loop stops issuing after `seconds`; key generation takes a few. */
    double deadline = now() + seconds + 60.0;
    size_t got = 0;
    char *dst = (char *)out;
    while (got < sizeof(*out)) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int left = (int)((deadline - now()) * 1000.0);
        int ready = left > 0 ? poll(&pfd, 1, left) : 0;
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0) {
            fprintf(stderr, "server_bench: the raw phase did not finish in time\n");
            kill(pid, SIGKILL);
            break;
        }
        ssize_t n = read(fds[0], dst + got, sizeof(*out) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (got != sizeof(*out) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "server_bench: the raw phase of %s failed\n", sb_cases[c].name);
        return -1;
    }
    return 0;
}

/* ---- samd ---------------------------------------------------------------------- */

typedef struct {
    size_t n;
    uint8_t *hashes; /* n * hashes_per_req * SB_HASH_LEN */
    char **sads;     /* "SAD: <jws>" */
    char **bodies;
    sb_req_t *reqs;
} batch_t;

static void batch_free(batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (b->sads != NULL)
            free(b->sads[i]);
        if (b->bodies != NULL)
            free(b->bodies[i]);
    }
    free(b->sads);
    free(b->bodies);
    free(b->reqs);
    free(b->hashes);
    memset(b, 0, sizeof(*b));
}

/* n requests of case c, each with a fresh SAD (unique jti) listing its own fresh hashes. */
static int batch_make(batch_t *b, int c, const char *kp, const sb_sad_ctx_t *sctx, size_t n,
                      const char *tag)
{
    unsigned k = sb_cases[c].hashes;
    memset(b, 0, sizeof(*b));
    b->hashes = malloc(n * k * SB_HASH_LEN);
    b->sads = calloc(n, sizeof(*b->sads));
    b->bodies = calloc(n, sizeof(*b->bodies));
    b->reqs = calloc(n, sizeof(*b->reqs));
    if (b->hashes == NULL || b->sads == NULL || b->bodies == NULL || b->reqs == NULL ||
        RAND_bytes(b->hashes, (int)(n * k * SB_HASH_LEN)) != 1)
        goto fail;
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        char jti[96];
        const uint8_t *hs = b->hashes + i * k * SB_HASH_LEN;
        snprintf(jti, sizeof(jti), "bench-%d-%d-%s-%zu", (int)getpid(), c, tag, i);
        char *sad = sb_mint_sad(sctx, jti, hs, k);
        if (sad == NULL)
            goto fail;
        size_t len = strlen(sad) + 6;
        b->sads[i] = malloc(len);
        if (b->sads[i] == NULL) {
            free(sad);
            goto fail;
        }
        snprintf(b->sads[i], len, "SAD: %s", sad);
        free(sad);
        b->bodies[i] = sb_sign_body(sb_cases[c].alg, kp, SB_SIGNER, hs, k, &b->reqs[i].body_len);
        if (b->bodies[i] == NULL)
            goto fail;
        b->reqs[i].body = b->bodies[i];
        b->reqs[i].sad_header = b->sads[i];
    }
    return 0;
fail:
    fprintf(stderr, "server_bench: cannot prepare the requests of %s\n", sb_cases[c].name);
    batch_free(b);
    return -1;
}

void sb_slice_free(sb_slice_t *s)
{
    free(s->latency_ms);
    s->latency_ms = NULL;
}

int sb_samd_slice(const sb_target_t *t, size_t n, double seconds, const char *tag,
                  sb_slice_t *out)
{
    const sb_case_t *cs = &sb_cases[t->c];
    batch_t b;
    sb_run_t run;

    memset(out, 0, sizeof(*out));
    if (batch_make(&b, t->c, t->kp, &t->sad, n, tag) != 0)
        return -1;
    double samd0 = sb_proc_cpu_s(t->h->pid), self0 = sb_self_cpu_s();
    int r = sb_client_run(t->client, b.reqs, b.n, seconds, &run);
    double samd1 = sb_proc_cpu_s(t->h->pid), self1 = sb_self_cpu_s();
    out->rss_kib = sb_proc_rss_kib(t->h->pid);
    out->samd_cpu_s = samd1 - samd0;
    out->client_cpu_s = self1 - self0;
    out->issued = run.issued;
    out->completed = run.completed;
    out->ok = run.ok;
    out->non200 = run.non200;
    out->errors = run.transport_errors + (run.issued - run.completed);
    out->elapsed = run.elapsed;
    out->window = run.window;
    out->ok_in_window = run.ok_in_window;
    out->connects = run.connects;
    snprintf(out->first_error, sizeof(out->first_error), "%s", run.first_error);
    out->latency_ms = run.latency_ms; /* taken over */
    run.latency_ms = NULL;
    if (run.first_ok_body != NULL)
        out->verified = sb_verify_response(t->kp, cs->alg, run.first_ok_body, run.first_ok_len,
                                           b.hashes + run.first_ok_index * cs->hashes * SB_HASH_LEN,
                                           cs->hashes);
    sb_run_free(&run);
    batch_free(&b);
    return r;
}
