/*
 * Memory for secrets (PINs, unwrapped key material, tokens): locked in RAM,
 * excluded from core dumps, wiped before it is released. Pools and malloc'd
 * buffers are never used for secrets.
 */
#ifndef SAM_SECMEM_H
#define SAM_SECMEM_H

#include <stddef.h>

/* Zeroed, locked, non-dumpable block of at least len bytes; NULL on failure. */
void *sam_secure_alloc(size_t len);
/* Wipe and release a block from sam_secure_alloc(); NULL is a no-op. */
void sam_secure_free(void *p);
/* Wipe that the compiler may not elide. */
void sam_wipe(void *p, size_t len);
/* 1 when the two buffers are equal, 0 otherwise; time depends on len only. */
int sam_ct_equal(const void *a, const void *b, size_t len);

/*
 * Read a secret from "file:PATH" or "fd:N" (one line; a trailing newline is
 * dropped) into secure memory. *out is NUL-terminated; free with
 * sam_secure_free(). At most 4096 bytes. Errors: SAM_E_INVALID_ARG (bad
 * source syntax), SAM_E_IO, SAM_E_LIMIT, SAM_E_PARSE (empty).
 */
int sam_read_secret(const char *source, char **out, size_t *len);

#endif
