/*
 * sam-admin: the commands and the few helpers they share. Every message on
 * stderr starts with "sam-admin: "; exit codes are ADMIN_EXIT_*.
 */
#ifndef SAM_ADMIN_H
#define SAM_ADMIN_H

#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "sam/infra.h"
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
int admin_cmd_credential_unlock(int argc, char **argv);
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

#endif
