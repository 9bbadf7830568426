/*
 * sam-admin: the commands and the few helpers they share. Every message on
 * stderr starts with "sam-admin: "; exit codes are ADMIN_EXIT_*.
 */
#ifndef SAM_ADMIN_H
#define SAM_ADMIN_H

#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "sam/config.h"
#include "sam/infra.h"
#include "sam/service.h"
#include "sam/store.h"

#define ADMIN_EXIT_OK 0
#define ADMIN_EXIT_FAIL 1  /* refused or failed; nothing changed unless the message says so */
#define ADMIN_EXIT_USAGE 2 /* bad command line */

/* Not an exit code: a parser's "go on". */
#define ADMIN_CONTINUE (-1)

typedef struct st_admin_command_t {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    void (*usage)(FILE *f);
} admin_command_t;

int admin_cmd_create(int argc, char **argv);
void admin_usage_create(FILE *f);
int admin_cmd_initialize(int argc, char **argv);
void admin_usage_initialize(FILE *f);
int admin_cmd_import(int argc, char **argv);
void admin_usage_import(FILE *f);
int admin_cmd_check(int argc, char **argv);
void admin_usage_check(FILE *f);
int admin_cmd_user(int argc, char **argv);
void admin_usage_user(FILE *f);
/* sam-admin credential add|delete|list|unlock (cmd_credential.c dispatches). */
int admin_cmd_credential(int argc, char **argv);
void admin_usage_credential(FILE *f);
/* Each action's run and usage: argv[0] is the action ("add"). */
int admin_credential_add(int argc, char **argv);
void admin_usage_credential_add(FILE *f);
int admin_credential_delete(int argc, char **argv);
void admin_usage_credential_delete(FILE *f);
int admin_credential_list(int argc, char **argv);
void admin_usage_credential_list(FILE *f);
int admin_credential_unlock(int argc, char **argv);
void admin_usage_credential_unlock(FILE *f);

/* "sam-admin: <message>\n" on stderr. */
void admin_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A command-line error for cmd, with a pointer to its --help; returns ADMIN_EXIT_USAGE. */
int admin_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * One getopt_long() step shared by the commands: returns the option, or -1
 * at the end. Unknown options and missing arguments are reported and turned
 * into '?'. Call admin_getopt_reset() before the first step.
 */
void admin_getopt_reset(void);
int admin_getopt(const char *cmd, int argc, char **argv, const struct option *opts);
/* After the options: refuse operands. ADMIN_CONTINUE or ADMIN_EXIT_USAGE. */
int admin_no_operands(const char *cmd, int argc, char **argv);

/* dir "/" file into buf; -1 (with a message) when it does not fit. */
int admin_path_join(char *buf, size_t cap, const char *dir, const char *file);
/* dir is an existing, writable directory; else a message and -1. */
int admin_check_config_dir(const char *dir);
/* 0 when path does not exist; else a message naming it and -1. */
int admin_refuse_existing(const char *path);
/* An exclusive advisory lock (flock) on the directory; *fd to close to release. */
int admin_lock_dir(const char *dir, int *fd);

/*
 * The infrastructure file: open the module infra names, and install infra
 * as path (mode 0600, never replacing a file). Both print their errors.
 */
int admin_open_module(const sam_infra_t *infra, sam_module_t **out);
int admin_install_infra(const sam_infra_t *infra, const char *path);

/* The state store DIR/static_config.json names (admin_store.c); prints its errors. */
int admin_open_store(const char *dir, sam_store_t **store);
/* The same, also handing over the static configuration (*config to free; config may be NULL). */
int admin_open_store_config(const char *dir, sam_static_config_t **config, sam_store_t **store);

/*
 * The service object the core operations take (ops.h), for DIR: the three
 * configuration files, the module with its keys bound, and the state store;
 * no audit logs and no verifier (sam_service_open_tool; admin_service.c
 * says why). Prints its
 * errors. admin_close_service(NULL) is a no-op.
 */
int admin_open_service(const char *dir, sam_service_t **svc);
void admin_close_service(sam_service_t *svc);

/* Base64 DER certificates read from files (admin_certs.c), in file order. */
typedef struct st_admin_certs_t {
    char *b64[SAM_STORE_MAX_CERTIFICATES];
    size_t count;
} admin_certs_t;
/* Append the certificates of one file: PEM (one or more) or one DER; prints its errors. */
int admin_certs_read(admin_certs_t *certs, const char *path);
void admin_certs_free(admin_certs_t *certs);

/* A decimal integer in [min, max], the whole string; else -1 (no message). */
int admin_parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out);

#endif
