/*
 * Where a log's chain stands at start: the last record of the file, or the
 * state file "<log>.chain" when the file is missing or empty (just rotated),
 * or nothing (a new chain: seq 1 comes next, prev all zeros).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_internal.h"
#include "sam/fileio.h"
#include "sam/json.h"
#include "sam/log.h"
#include "sam/rc.h"

#define TAIL_WINDOW (SAM_AUDIT_MAX_LINE + 2)

static int state_path(const char *path, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s.chain", path);
    if (n < 0 || (size_t)n >= cap)
        return sam_error_set(SAM_E_AUDIT_UNAVAILABLE, "audit log path too long");
    return SAM_OK;
}

int audit_state_write(const char *path, const audit_chain_t *chain)
{
    char sp[PATH_MAX], text[256];
    int rc;
    if ((rc = state_path(path, sp, sizeof(sp))) != SAM_OK)
        return rc;
    int n = snprintf(text, sizeof(text), "{\"seq\":%" PRIu64 ",\"prev\":\"%s\",\"time\":\"%s\"}\n",
                     chain->seq, chain->prev, chain->time);
    if (n < 0 || (size_t)n >= sizeof(text))
        return sam_error_set(SAM_E_INTERNAL, "audit state too long");
    return sam_file_write_atomic(sp, text, (size_t)n, 0640, 0);
}

static int state_read(const char *path, audit_chain_t *chain)
{
    char sp[PATH_MAX], *text = NULL;
    size_t len;
    sam_json_t *j = NULL;
    const char *prev, *time;
    size_t plen, tlen;
    int64_t seq;
    int rc;

    if ((rc = state_path(path, sp, sizeof(sp))) != SAM_OK)
        return rc;
    rc = sam_file_read(sp, 4096, &text, &len);
    if (rc == SAM_E_NOT_FOUND)
        return SAM_OK; /* a new chain */
    if (rc != SAM_OK)
        goto out;
    if ((rc = sam_json_parse(text, len, &sam_json_default_limits, &j)) != SAM_OK ||
        (rc = sam_json_need_int(j, "seq", "seq", &seq)) != SAM_OK ||
        (rc = sam_json_need_string(j, "prev", "prev", &prev, &plen)) != SAM_OK ||
        (rc = sam_json_need_string(j, "time", "time", &time, &tlen)) != SAM_OK)
        goto out;
    if (seq < 0 || plen != 64 || tlen > AUDIT_TIME_LEN) {
        rc = sam_error_set(SAM_E_PARSE, "bad values");
        goto out;
    }
    chain->seq = (uint64_t)seq;
    memcpy(chain->prev, prev, 65);
    memcpy(chain->time, time, tlen + 1);
out:
    if (rc != SAM_OK) {
        sam_error_prefix("audit chain state %s", sp);
        rc = SAM_E_AUDIT_UNAVAILABLE;
    }
    sam_json_free(j);
    free(text);
    return rc;
}

/* Cut a torn last line (never acknowledged); *size becomes the new size. */
static int cut_torn(int fd, const char *path, const char *buf, size_t n, off_t *size)
{
    size_t keep = n;
    while (keep > 0 && buf[keep - 1] != '\n')
        keep--;
    if (keep == 0 && (off_t)n < *size)
        return sam_error_set(SAM_E_AUDIT_UNAVAILABLE,
                             "%s: last line longer than %d bytes", path, SAM_AUDIT_MAX_LINE);
    off_t new_size = *size - (off_t)(n - keep);
    sam_log(SAM_LOG_WARNING, "audit log %s: cutting off a torn last line (%zu bytes, never "
            "acknowledged)", path, n - keep);
    if (ftruncate(fd, new_size) != 0 || fsync(fd) != 0)
        return sam_error_set(SAM_E_AUDIT_UNAVAILABLE, "%s: cannot cut the torn line: %s", path,
                             strerror(errno));
    *size = new_size;
    return SAM_OK;
}

static int read_tail(int fd, off_t size, char *buf, size_t *n)
{
    size_t want = size > TAIL_WINDOW ? TAIL_WINDOW : (size_t)size;
    ssize_t r = pread(fd, buf, want, size - (off_t)want);
    if (r != (ssize_t)want)
        return sam_error_set(SAM_E_AUDIT_UNAVAILABLE, "cannot read the end of the audit log");
    *n = want;
    return SAM_OK;
}

int audit_tail_recover(const char *path, EVP_PKEY *key, audit_chain_t *chain)
{
    char *buf = NULL;
    size_t n = 0;
    struct stat st;
    audit_line_t line;
    int rc = SAM_OK, fd;

    memset(chain, 0, sizeof(*chain));
    memcpy(chain->prev, AUDIT_ZERO_PREV, 65);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return state_read(path, chain);
    if (fd < 0)
        return sam_error_set(SAM_E_AUDIT_UNAVAILABLE, "audit log %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = sam_error_set(SAM_E_AUDIT_UNAVAILABLE, "audit log %s: not a regular file", path);
        goto out;
    }
    off_t size = st.st_size;
    if ((buf = malloc(TAIL_WINDOW)) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    if (size > 0 && (rc = read_tail(fd, size, buf, &n)) == SAM_OK && buf[n - 1] != '\n' &&
        (rc = cut_torn(fd, path, buf, n, &size)) == SAM_OK && size > 0)
        rc = read_tail(fd, size, buf, &n);
    if (rc != SAM_OK)
        goto out;
    if (size == 0) {
        rc = state_read(path, chain);
        goto out;
    }
    size_t end = n - 1, start = end;
    while (start > 0 && buf[start - 1] != '\n')
        start--;
    if (start == 0 && (off_t)n < size) {
        rc = sam_error_set(SAM_E_AUDIT_UNAVAILABLE, "%s: last line too long", path);
        goto out;
    }
    if (audit_line_check(key, buf + start, end - start, &line) != SAM_OK) {
        char why[256];
        snprintf(why, sizeof(why), "%s", sam_error_message());
        rc = sam_error_set(SAM_E_AUDIT_UNAVAILABLE,
                           "audit log %s: the last record does not verify (%s); refusing to "
                           "continue a chain that may have been tampered with", path, why);
        goto out;
    }
    chain->seq = line.seq;
    memcpy(chain->prev, line.hash, 65);
    memcpy(chain->time, line.time, sizeof(line.time));
out:
    free(buf);
    close(fd);
    return rc;
}
