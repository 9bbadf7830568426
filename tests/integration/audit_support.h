/* Helpers for test_audit_*.c: reading audit logs and running sam-audit verify. */
#ifndef SAM_TEST_AUDIT_SUPPORT_H
#define SAM_TEST_AUDIT_SUPPORT_H

#include <stddef.h>

#include "samharness.h"

/* How many records of files[0..n) have "request_id":"<rid>". */
size_t aud_count_rid(const char *const *files, size_t n, const char *rid);
/* The one line of path with request_id rid (malloc'd), or NULL. */
char *aud_line_of(const char *path, const char *rid);
/* Run sam-audit verify --infra on files; returns its exit status. */
int aud_verify(samh_t *h, const char *const *files, size_t n);
/* A SAD for one use of hash by "alice" with kp. */
char *aud_sad(samh_t *h, const char *kp, const void *hash, size_t len);
/* The body of a signature request for hash (RS256 or ES256 by key type). */
char *aud_sign_body(const char *kp, const char *alg, const void *hash, size_t len);

#endif
