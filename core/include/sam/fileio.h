/* Small, careful file operations used by configuration and tools. */
#ifndef SAM_FILEIO_H
#define SAM_FILEIO_H

#include <stddef.h>

/*
 * Read a whole regular file of at most max bytes into a malloc'd,
 * NUL-terminated buffer. Errors: SAM_E_NOT_FOUND, SAM_E_IO, SAM_E_LIMIT
 * (detail names the path).
 */
int sam_file_read(const char *path, size_t max, char **out, size_t *len);

/*
 * Replace path atomically and durably with data: write a temporary file in
 * the same directory with the given mode, fsync it, rename it over path,
 * fsync the directory. With exclusive, fail with SAM_E_EXISTS when path exists.
 */
int sam_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                          int exclusive);

#endif
