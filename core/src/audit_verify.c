/*
 * Verifying a set of audit files (oldest first) as one chain: every line a
 * signed record, seq +1, prev = SHA-256 of the previous line, time not
 * earlier. Stops at the first bad record and says where and why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit_internal.h"
#include "sam/rc.h"

#define PROGRESS_STEP (4u << 20)

typedef struct {
    bool have_prev;
    uint64_t seq;
    char hash[65];
    char time[AUDIT_TIME_LEN + 1];
} chain_pos_t;

static void bad(sam_audit_verify_t *v, size_t file, uint64_t line, const char *why)
{
    v->ok = false;
    v->bad_file = file;
    v->bad_line = line;
    snprintf(v->why, sizeof(v->why), "%s", why);
}

/* One line against the chain so far; false (and v filled) when it is bad. */
static bool check_one(EVP_PKEY *key, const char *text, size_t len, chain_pos_t *pos,
                      sam_audit_verify_t *v, size_t file, uint64_t lineno)
{
    audit_line_t line;
    char why[256];

    if (audit_line_check(key, text, len, &line) != SAM_OK) {
        bad(v, file, lineno, sam_error_message());
        return false;
    }
    if (!pos->have_prev) {
        v->first_seq = line.seq;
        memcpy(v->first_time, line.time, sizeof(line.time));
        v->anchored = line.seq == 1;
        if (line.seq == 1 && strcmp(line.prev, AUDIT_ZERO_PREV) != 0) {
            bad(v, file, lineno, "seq 1 must not link to a previous record");
            return false;
        }
    } else {
        if (line.seq != pos->seq + 1) {
            snprintf(why, sizeof(why), "seq %llu where %llu was expected (a record deleted, "
                     "duplicated or reordered)", (unsigned long long)line.seq,
                     (unsigned long long)(pos->seq + 1));
            bad(v, file, lineno, why);
            return false;
        }
        if (strcmp(line.prev, pos->hash) != 0) {
            bad(v, file, lineno, "prev is not the hash of the previous record (records replaced "
                                 "or logs spliced)");
            return false;
        }
        if (strcmp(line.time, pos->time) < 0) {
            bad(v, file, lineno, "time earlier than the previous record's");
            return false;
        }
    }
    pos->have_prev = true;
    pos->seq = line.seq;
    memcpy(pos->hash, line.hash, sizeof(pos->hash));
    memcpy(pos->time, line.time, sizeof(pos->time));
    v->records++;
    v->last_seq = line.seq;
    memcpy(v->last_time, line.time, sizeof(line.time));
    return true;
}

static int verify_file(EVP_PKEY *key, const char *path, size_t index, chain_pos_t *pos,
                       char *buf, uint64_t *done, uint64_t total, sam_audit_verify_t *v)
{
    FILE *f = fopen(path, "re");
    uint64_t lineno = 0, next_report = *done + PROGRESS_STEP;

    if (f == NULL)
        return sam_error_set(SAM_E_IO, "%s: %s", path, strerror(errno));
    while (v->ok && fgets(buf, SAM_AUDIT_MAX_LINE + 2, f) != NULL) {
        size_t len = strlen(buf);
        lineno++;
        *done += len;
        if (len == 0 || buf[len - 1] != '\n') {
            bad(v, index, lineno, feof(f) ? "incomplete last line (the file was cut)"
                                          : "line too long");
            break;
        }
        if (memchr(buf, '\0', len - 1) != NULL) {
            bad(v, index, lineno, "NUL byte in the line");
            break;
        }
        if (!check_one(key, buf, len - 1, pos, v, index, lineno))
            break;
        if (v->progress != NULL && *done >= next_report) {
            v->progress(v->progress_ctx, *done, total);
            next_report = *done + PROGRESS_STEP;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (err)
        return sam_error_set(SAM_E_IO, "%s: read error", path);
    return SAM_OK;
}

int sam_audit_verify_files(const uint8_t *spki, size_t spki_len, const char *const *files,
                           size_t n, sam_audit_verify_t *v)
{
    EVP_PKEY *key = NULL;
    chain_pos_t pos = {0};
    uint64_t total = 0, done = 0;
    char *buf = NULL;
    int rc;

    v->ok = true;
    v->records = v->first_seq = v->last_seq = 0;
    v->first_time[0] = v->last_time[0] = v->why[0] = '\0';
    v->anchored = false;
    v->bad_file = 0;
    v->bad_line = 0;
    if ((rc = audit_key_from_spki(spki, spki_len, &key)) != SAM_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(files[i], &st) == 0)
            total += (uint64_t)st.st_size;
    }
    if ((buf = malloc(SAM_AUDIT_MAX_LINE + 2)) == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n && v->ok; i++)
        if ((rc = verify_file(key, files[i], i, &pos, buf, &done, total, v)) != SAM_OK)
            goto out;
    if (v->progress != NULL)
        v->progress(v->progress_ctx, done, total);
    rc = SAM_OK;
out:
    free(buf);
    EVP_PKEY_free(key);
    return rc;
}
