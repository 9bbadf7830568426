/*
 * Shared by the audit tests: a token with the module keys, a temporary
 * directory with the two logs, an open writer, and file helpers.
 */
#ifndef SAM_TEST_AUDIT_FIXTURE_H
#define SAM_TEST_AUDIT_FIXTURE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "sam/audit.h"
#include "softhsm_token.h"

extern sam_test_token_t ax_token;
extern sam_module_t *ax_module;
extern char ax_dir[PATH_MAX];
extern char ax_service[PATH_MAX + 16], ax_admin[PATH_MAX + 16];

/* .init / .fini: token, module keys, directory; and their removal. */
void ax_setup(void);
void ax_teardown(void);

/* Open the writer on ax_service / ax_admin (asserting success). */
sam_audit_t *ax_open(void);
/* Append n records "test" to a log, numbered from first (request_id "r<k>"). */
void ax_write(sam_audit_t *a, sam_audit_log log, int first, int n);
/* Verify files with the module's audit key; returns the result. */
sam_audit_verify_t ax_verify(const char *const *files, size_t n);
sam_audit_verify_t ax_verify1(const char *file);

/* Whole file into a malloc'd buffer; lines split in place (up to max). */
char *ax_read(const char *path, size_t *len);
size_t ax_lines(char *text, char **lines, size_t max);
/* Write lines (each without newline) as a file. */
void ax_write_lines(const char *path, char *const *lines, size_t n);
void ax_copy(const char *from, const char *to);

#endif
