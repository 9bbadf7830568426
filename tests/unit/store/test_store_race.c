/*
 * Races on one store file: threads sharing a store handle, and processes
 * each opening the file after fork(). Whatever the interleaving, a SAD is
 * never spent beyond its allowance and a key is assigned exactly once.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sam/rc.h"
#include "sam/store.h"
#include "store_fixture.h"

TestSuite(store_race, .init = fx_setup, .fini = fx_teardown, .timeout = 120);

#define N_THREADS 8
#define N_PROCS 4

typedef struct {
    sam_store_t *s;
    pthread_barrier_t *start;
    int idx;
    const char *authorized;
    uint32_t num_signatures;
    int attempts;
    int ok, exhausted, released, other;
    char why[600]; /* the first unexpected result */
} worker_t;

static void unexpected(worker_t *w, int rc)
{
    if (w->other++ == 0)
        snprintf(w->why, sizeof(w->why), "%s: %s", sam_rc_name(rc), sam_error_message());
}

static void *reserve_worker(void *arg)
{
    worker_t *w = arg;

    pthread_barrier_wait(w->start);
    for (int i = 0; i < w->attempts; i++) {
        /* Distinct hashes per thread when the SAD lists distinct ones. */
        char req[2] = {w->authorized[(size_t)(w->idx + i * N_THREADS) % strlen(w->authorized)],
                       '\0'};
        sam_store_reservation_t *r = NULL;
        int rc = fx_reserve(w->s, "as", "j", w->num_signatures, w->authorized, req, &r);

        if (rc == SAM_OK) {
            w->ok++;
            /* Give some back, as a failed signature would. */
            if (w->ok % 4 == 0) {
                rc = sam_store_sad_release(w->s, r);
                if (rc == SAM_OK)
                    w->released++;
                else
                    unexpected(w, rc);
            }
            sam_store_reservation_free(r);
        } else if (rc == SAM_E_SAD_EXHAUSTED) {
            w->exhausted++;
        } else {
            unexpected(w, rc);
        }
    }
    return NULL;
}

/* Run N_THREADS workers; return the signatures that stayed spent. */
static int run_reserve_threads(const char *authorized, uint32_t num, int attempts)
{
    sam_store_t *s = fx_open();
    pthread_barrier_t start;
    pthread_t th[N_THREADS];
    worker_t w[N_THREADS];
    int spent = 0;

    cr_assert_eq(pthread_barrier_init(&start, NULL, N_THREADS), 0);
    for (int i = 0; i < N_THREADS; i++) {
        w[i] = (worker_t){.s = s,
                          .start = &start,
                          .idx = i,
                          .authorized = authorized,
                          .num_signatures = num,
                          .attempts = attempts};
        cr_assert_eq(pthread_create(&th[i], NULL, reserve_worker, &w[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++) {
        cr_assert_eq(pthread_join(th[i], NULL), 0);
        cr_assert_eq(w[i].other, 0, "thread %d: %d unexpected results, first %s", i, w[i].other,
                     w[i].why);
        spent += w[i].ok - w[i].released;
    }
    cr_assert_eq(pthread_barrier_destroy(&start), 0);
    sam_store_close(s);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT used_total FROM sad"), spent);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT sum(used) FROM sad_hash"), spent);
    return spent;
}

Test(store_race, threads_reserve_distinct_hashes)
{
    /* 8 threads, one signature each, 8 hashes listed, 5 allowed. */
    cr_assert_eq(run_reserve_threads("ABCDEFGH", 5, 1), 5);
}

Test(store_race, threads_reserve_one_hash_listed_five_times)
{
    cr_assert_eq(run_reserve_threads("AAAAA", 100, 1), 5);
}

Test(store_race, threads_reserve_and_release_under_load)
{
    /* 8 x 25 attempts at a hash listed 60 times; releases give some back. */
    cr_assert_eq(
        run_reserve_threads("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 60, 25),
        60);
}

/*
 * Reservations of concurrent callers share one transaction (group commit,
 * store_sqlite_group.c). Each thread spends its own SAD (2 signatures) with
 * 5 attempts: in every batch some items are refused and rolled back to
 * their savepoint, and that must take nothing from the others.
 */
typedef struct {
    sam_store_t *s;
    pthread_barrier_t *start;
    int idx, ok, exhausted, other;
    char why[600];
} own_sad_worker_t;

static void *own_sad_worker(void *arg)
{
    own_sad_worker_t *w = arg;
    char jti[16];

    snprintf(jti, sizeof(jti), "j%d", w->idx);
    pthread_barrier_wait(w->start);
    for (int i = 0; i < 5; i++) {
        int rc = fx_reserve(w->s, "as", jti, 2, "ABCDE", (const char[]){"ABCDE"[i], '\0'}, NULL);
        if (rc == SAM_OK)
            w->ok++;
        else if (rc == SAM_E_SAD_EXHAUSTED)
            w->exhausted++;
        else if (w->other++ == 0)
            snprintf(w->why, sizeof(w->why), "%s: %s", sam_rc_name(rc), sam_error_message());
    }
    return NULL;
}

Test(store_race, threads_reserve_own_sads_refusals_isolated)
{
    enum { N = 16 };
    sam_store_t *s = fx_open();
    pthread_barrier_t start;
    pthread_t th[N];
    own_sad_worker_t w[N];

    cr_assert_eq(pthread_barrier_init(&start, NULL, N), 0);
    for (int i = 0; i < N; i++) {
        w[i] = (own_sad_worker_t){.s = s, .start = &start, .idx = i};
        cr_assert_eq(pthread_create(&th[i], NULL, own_sad_worker, &w[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        cr_assert_eq(pthread_join(th[i], NULL), 0);
        cr_assert_eq(w[i].other, 0, "thread %d: %s", i, w[i].why);
        cr_assert_eq(w[i].ok, 2, "thread %d: %d reservations granted, 2 allowed", i, w[i].ok);
        cr_assert_eq(w[i].exhausted, 3);
    }
    cr_assert_eq(pthread_barrier_destroy(&start), 0);
    sam_store_close(s);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT count(*) FROM sad"), N);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT sum(used_total) FROM sad"), 2 * N);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT sum(used) FROM sad_hash"), 2 * N);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT count(*) FROM sad_hash"), 2 * N);
}

/* Fork N_PROCS children that each open the store, wait at the gate, then
 * run child(idx) and exit with its result. Returns the exit codes. */
static void run_procs(int (*child)(sam_store_t *s, int idx), int codes[N_PROCS])
{
    int gate[2];
    pid_t pid[N_PROCS];

    cr_assert_eq(pipe(gate), 0);
    for (int i = 0; i < N_PROCS; i++) {
        pid[i] = fork();
        cr_assert(pid[i] >= 0);
        if (pid[i] == 0) {
            sam_store_t *s = NULL;
            char c;
            int code;

            close(gate[1]);
            if (sam_store_open_sqlite(fx_path, &s) != SAM_OK) {
                fprintf(stderr, "child %d: %s\n", i, sam_error_message());
                _exit(100);
            }
            code = read(gate[0], &c, 1) == 0 ? child(s, i) : 101; /* EOF: go */
            sam_store_close(s);
            _exit(code);
        }
    }
    /* Let the children open (racing over creating the file and its schema). */
    usleep(200000);
    close(gate[0]);
    close(gate[1]);
    for (int i = 0; i < N_PROCS; i++) {
        int status;

        cr_assert_eq(waitpid(pid[i], &status, 0), pid[i]);
        cr_assert(WIFEXITED(status), "child %d died", i);
        codes[i] = WEXITSTATUS(status);
    }
}

/* Each process tries 3 single signatures of 12 listed hashes; 5 allowed. */
static int reserve_child(sam_store_t *s, int idx)
{
    static const char names[] = "ABCDEFGHIJKL";
    int ok = 0;

    for (int i = 0; i < 3; i++) {
        char req[2] = {names[idx * 3 + i], '\0'};
        int rc = fx_reserve(s, "as", "j", 5, names, req, NULL);

        if (rc == SAM_OK)
            ok++;
        else if (rc != SAM_E_SAD_EXHAUSTED) {
            fprintf(stderr, "child %d: %s\n", idx, sam_error_message());
            return 102;
        }
    }
    return ok;
}

Test(store_race, processes_reserve)
{
    int codes[N_PROCS], total = 0;

    run_procs(reserve_child, codes);
    for (int i = 0; i < N_PROCS; i++) {
        cr_assert(codes[i] <= 3, "child %d failed with %d", i, codes[i]);
        total += codes[i];
    }
    cr_assert_eq(total, 5);
    cr_assert_eq(fx_sql_int(fx_path, "SELECT used_total FROM sad"), 5);
}

typedef struct {
    sam_store_t *s;
    pthread_barrier_t *start;
    int idx;
    int rc;
} assigner_t;

static void *assign_worker(void *arg)
{
    assigner_t *a = arg;
    char signer[32];

    snprintf(signer, sizeof(signer), "signer-%d", a->idx);
    pthread_barrier_wait(a->start);
    a->rc = sam_store_assign_key(a->s, "key-1", signer);
    return NULL;
}

static void check_winner(int winner)
{
    sam_store_t *s = fx_open();
    char signer[32], *who = NULL;

    snprintf(signer, sizeof(signer), "signer-%d", winner);
    cr_assert_eq(sam_store_key_assignee(s, "key-1", &who), SAM_OK);
    cr_assert_str_eq(who, signer);
    free(who);
    cr_assert_eq(sam_store_assign_key(s, "key-1", signer), SAM_OK, "repeat of the winner");
    cr_assert_eq(sam_store_assign_key(s, "key-1", "someone-else"), SAM_E_KEY_ALREADY_ASSIGNED);
    sam_store_close(s);
}

Test(store_race, threads_assign)
{
    sam_store_t *s = fx_open();
    pthread_barrier_t start;
    pthread_t th[N_THREADS];
    assigner_t a[N_THREADS];
    int winner = -1;

    cr_assert_eq(pthread_barrier_init(&start, NULL, N_THREADS), 0);
    for (int i = 0; i < N_THREADS; i++) {
        a[i] = (assigner_t){.s = s, .start = &start, .idx = i};
        cr_assert_eq(pthread_create(&th[i], NULL, assign_worker, &a[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        cr_assert_eq(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < N_THREADS; i++) {
        if (a[i].rc == SAM_OK) {
            cr_assert_eq(winner, -1, "two winners: %d and %d", winner, i);
            winner = i;
        } else {
            cr_assert_eq(a[i].rc, SAM_E_KEY_ALREADY_ASSIGNED, "thread %d: %d", i, a[i].rc);
        }
    }
    cr_assert_neq(winner, -1, "no winner");
    cr_assert_eq(pthread_barrier_destroy(&start), 0);
    sam_store_close(s);
    check_winner(winner);
}

static int assign_child(sam_store_t *s, int idx)
{
    char signer[32];
    int rc;

    snprintf(signer, sizeof(signer), "signer-%d", idx);
    rc = sam_store_assign_key(s, "key-1", signer);
    if (rc == SAM_OK)
        return 0;
    if (rc == SAM_E_KEY_ALREADY_ASSIGNED)
        return 1;
    fprintf(stderr, "child %d: %s\n", idx, sam_error_message());
    return 2;
}

Test(store_race, processes_assign)
{
    int codes[N_PROCS], winner = -1;

    run_procs(assign_child, codes);
    for (int i = 0; i < N_PROCS; i++) {
        cr_assert(codes[i] <= 1, "child %d failed with %d", i, codes[i]);
        if (codes[i] == 0) {
            cr_assert_eq(winner, -1, "two winners: %d and %d", winner, i);
            winner = i;
        }
    }
    cr_assert_neq(winner, -1, "no winner");
    check_winner(winner);
}

/*
 * A store handle opened before fork() is refused in the child, and closing it
 * there leaves the parent's store intact.
 */
Test(store_race, handle_not_usable_after_fork)
{
    sam_store_t *s = fx_open();
    pid_t pid;
    int status;

    cr_assert_eq(fx_reserve(s, "as", "j", 3, "ABC", "A", NULL), SAM_OK);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int rc = fx_reserve(s, "as", "j", 3, "ABC", "B", NULL);

        sam_store_close(s);
        _exit(rc == SAM_E_STORE_UNAVAILABLE ? 0 : 1);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_assert_eq(fx_reserve(s, "as", "j", 3, "ABC", "B", NULL), SAM_OK);
    sam_store_close(s);
    s = fx_open();
    cr_assert_eq(fx_reserve(s, "as", "j", 3, "ABC", "C", NULL), SAM_OK);
    cr_assert_eq(fx_reserve(s, "as", "j", 3, "ABC", "A", NULL), SAM_E_SAD_EXHAUSTED);
    sam_store_close(s);
}

/* Connections opened later by the pool find the same file after a chdir(). */
Test(store_race, relative_path_then_chdir)
{
    sam_store_t *s = NULL;
    pthread_barrier_t start;
    pthread_t th[N_THREADS];
    worker_t w[N_THREADS];
    int ok = 0;

    cr_assert_eq(chdir(fx_dir), 0);
    cr_assert_eq(sam_store_open_sqlite("state.db", &s), SAM_OK, "%s", sam_error_message());
    cr_assert_eq(chdir("/"), 0);
    cr_assert_eq(pthread_barrier_init(&start, NULL, N_THREADS), 0);
    for (int i = 0; i < N_THREADS; i++) {
        w[i] = (worker_t){.s = s,
                          .start = &start,
                          .idx = i,
                          .authorized = "ABCDEFGH",
                          .num_signatures = 5,
                          .attempts = 1};
        cr_assert_eq(pthread_create(&th[i], NULL, reserve_worker, &w[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++) {
        cr_assert_eq(pthread_join(th[i], NULL), 0);
        cr_assert_eq(w[i].other, 0, "thread %d: %s", i, w[i].why);
        ok += w[i].ok;
    }
    cr_assert_eq(pthread_barrier_destroy(&start), 0);
    sam_store_close(s);
    cr_assert_eq(ok, 5);
}

/* Two (or more) advances of one key from the same revision: exactly one wins (N12). */
static void *advance_worker(void *arg)
{
    assigner_t *a = arg;

    pthread_barrier_wait(a->start);
    a->rc = sam_store_key_revision_advance(a->s, "key-1", 3, 4);
    return NULL;
}

Test(store_race, threads_advance_revision)
{
    sam_store_t *s = fx_open();
    pthread_barrier_t start;
    pthread_t th[N_THREADS];
    assigner_t a[N_THREADS];
    int won = 0;

    cr_assert_eq(sam_store_key_revision_advance(s, "key-1", 0, 3), SAM_OK);
    cr_assert_eq(pthread_barrier_init(&start, NULL, N_THREADS), 0);
    for (int i = 0; i < N_THREADS; i++) {
        a[i] = (assigner_t){.s = s, .start = &start, .idx = i};
        cr_assert_eq(pthread_create(&th[i], NULL, advance_worker, &a[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        cr_assert_eq(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < N_THREADS; i++) {
        if (a[i].rc == SAM_OK)
            won++;
        else
            cr_assert_eq(a[i].rc, SAM_E_INVALID_KEY_PAIR, "thread %d: %d", i, a[i].rc);
    }
    cr_assert_eq(won, 1, "%d of %d racing advances won", won, N_THREADS);
    cr_assert_eq(pthread_barrier_destroy(&start), 0);
    cr_assert_eq(sam_store_key_check(s, "key-1", 4), SAM_OK);
    cr_assert_eq(sam_store_key_check(s, "key-1", 3), SAM_E_INVALID_KEY_PAIR);
    sam_store_close(s);
}

static int advance_child(sam_store_t *s, int idx)
{
    int rc = sam_store_key_revision_advance(s, "key-1", 0, 1);

    (void)idx;
    if (rc == SAM_OK)
        return 0;
    if (rc == SAM_E_INVALID_KEY_PAIR)
        return 1;
    fprintf(stderr, "child %d: %s\n", idx, sam_error_message());
    return 2;
}

Test(store_race, processes_advance_revision)
{
    int codes[N_PROCS], won = 0;

    run_procs(advance_child, codes);
    for (int i = 0; i < N_PROCS; i++) {
        cr_assert(codes[i] <= 1, "child %d failed with %d", i, codes[i]);
        won += codes[i] == 0;
    }
    cr_assert_eq(won, 1, "%d of %d racing advances won", won, N_PROCS);
}
