/*
 * File reading with a size bound, and atomic, durable replacement. Used for
 * configuration and key material, where a half-written file after a crash or
 * a silently overwritten file would be worse than an error.
 */
#define _GNU_SOURCE /* mkostemp */
#include "sam/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sam/rc.h"

int sam_file_read(const char *path, size_t max, char **out, size_t *len)
{
    struct stat st;
    char *buf = NULL, *p;
    size_t used = 0, cap, hard;
    int fd = -1, rc = SAM_E_IO;
    ssize_t n;

    *out = NULL;
    if (len != NULL)
        *len = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer (refused below anyway);
     * it changes nothing for regular files. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        rc = sam_error_set(errno == ENOENT ? SAM_E_NOT_FOUND : SAM_E_IO, "cannot open %s: %s", path,
                           strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        rc = sam_error_set(SAM_E_IO, "cannot stat %s: %s", path, strerror(errno));
        goto out;
    }
    /* Not a FIFO or device: reading one could block or never end. */
    if (!S_ISREG(st.st_mode)) {
        rc = sam_error_set(SAM_E_IO, "%s is not a regular file", path);
        goto out;
    }
    if (st.st_size < 0 || (unsigned long long)st.st_size > max) {
        rc = sam_error_set(SAM_E_LIMIT, "%s is %lld bytes, over the limit of %zu", path,
                           (long long)st.st_size, max);
        goto out;
    }
    /* Room for max bytes, one more to notice a file that grew, and the NUL. */
    hard = max <= SIZE_MAX - 2 ? max + 2 : SIZE_MAX;
    cap = (size_t)st.st_size + 2;
    buf = malloc(cap);
    if (buf == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory reading %s", path);
        goto out;
    }
    for (;;) {
        if (used == cap - 1) {
            /* The file grew while we read it. */
            if (cap >= hard) {
                rc = sam_error_set(SAM_E_LIMIT, "%s is over the limit of %zu bytes", path, max);
                goto out;
            }
            cap = cap > hard / 2 ? hard : cap * 2;
            p = realloc(buf, cap);
            if (p == NULL) {
                rc = sam_error_set(SAM_E_NOMEM, "out of memory reading %s", path);
                goto out;
            }
            buf = p;
        }
        n = read(fd, buf + used, cap - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = sam_error_set(SAM_E_IO, "cannot read %s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    if (used > max) {
        rc = sam_error_set(SAM_E_LIMIT, "%s is over the limit of %zu bytes", path, max);
        goto out;
    }
    buf[used] = '\0';
    *out = buf;
    buf = NULL;
    if (len != NULL)
        *len = used;
    rc = SAM_OK;
out:
    free(buf);
    if (fd >= 0)
        (void)close(fd); /* read-only: nothing to lose */
    return rc;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    ssize_t n;

    while (len > 0) {
        n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* fsync the directory holding path, so that a rename or link survives a crash. */
static int sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    int fd = -1, rc = SAM_E_IO;

    if (slash == NULL) {
        dir = strdup(".");
    } else if (slash == path) {
        dir = strdup("/");
    } else {
        dir = strndup(path, (size_t)(slash - path));
    }
    if (dir == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory writing %s", path);
        goto out;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        rc = sam_error_set(SAM_E_IO, "cannot sync directory %s: %s", dir, strerror(errno));
        goto out;
    }
    rc = SAM_OK;
out:
    if (fd >= 0)
        (void)close(fd);
    free(dir);
    return rc;
}

int sam_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                          int exclusive)
{
    static const char suffix[] = ".XXXXXX";
    char *tmp = NULL;
    size_t plen;
    int fd = -1, rc = SAM_E_IO, have_tmp = 0;

    if (path == NULL || path[0] == '\0' || (data == NULL && len != 0)) {
        rc = sam_error_set(SAM_E_INVALID_ARG, "sam_file_write_atomic: no path or no data");
        goto out;
    }
    plen = strlen(path);
    tmp = malloc(plen + sizeof(suffix));
    if (tmp == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory writing %s", path);
        goto out;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, suffix, sizeof(suffix));
    /* Same directory as path: rename and link do not cross file systems. */
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = sam_error_set(SAM_E_IO, "cannot create a temporary file for %s: %s", path,
                           strerror(errno));
        goto out;
    }
    have_tmp = 1;
    /* fchmod, unlike open's mode, is not reduced by the umask; no set-id bits. */
    if (fchmod(fd, (mode_t)(mode & 0777)) != 0) {
        rc = sam_error_set(SAM_E_IO, "cannot set the mode of %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (write_all(fd, data, len) != 0) {
        rc = sam_error_set(SAM_E_IO, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fsync(fd) != 0) {
        rc = sam_error_set(SAM_E_IO, "cannot sync %s: %s", tmp, strerror(errno));
        goto out;
    }
    /* close() can report a deferred write error (e.g. on NFS). */
    if (close(fd) != 0) {
        fd = -1;
        rc = sam_error_set(SAM_E_IO, "cannot close %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (exclusive) {
        /* link() fails on an existing name, where rename() would replace it. */
        if (link(tmp, path) != 0) {
            rc = sam_error_set(errno == EEXIST ? SAM_E_EXISTS : SAM_E_IO, "cannot create %s: %s",
                               path, strerror(errno));
            goto out;
        }
        if (unlink(tmp) != 0) {
            rc = sam_error_set(SAM_E_IO, "wrote %s but cannot remove %s: %s", path, tmp,
                               strerror(errno));
            goto out;
        }
    } else if (rename(tmp, path) != 0) {
        rc = sam_error_set(SAM_E_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto out;
    }
    have_tmp = 0;
    rc = sync_dir(path);
out:
    if (fd >= 0)
        (void)close(fd);
    if (have_tmp)
        (void)unlink(tmp); /* best effort; the error already says what went wrong */
    free(tmp);
    return rc;
}
