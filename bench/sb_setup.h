/*
 * server_bench: ready-to-sign key pairs on a running harness samd, and what
 * the bench reads about the samd process. Strings returned are malloc'd;
 * NULL (or -1) with a message on stderr on failure.
 */
#ifndef SAM_BENCH_SB_SETUP_H
#define SAM_BENCH_SB_SETUP_H

#include <sys/types.h>

#include "samharness.h"

/*
 * Generate a key pair from template_json (the "key_template" value), assign
 * it to signer, then certify and enable it (no certificate: it is optional).
 * Returns the key_pair object as canonical JSON text.
 */
char *sb_ready_key(samh_t *h, const char *template_json, const char *signer);
/* The "id" of a key_pair JSON text. */
char *sb_kp_id(const char *kp_json);

/* VmRSS of pid in KiB, or -1. */
long sb_proc_rss_kib(pid_t pid);
/* utime + stime of pid in seconds, or -1. */
double sb_proc_cpu_s(pid_t pid);
/* CPU time of this process (user + system), seconds. */
double sb_self_cpu_s(void);

#endif
