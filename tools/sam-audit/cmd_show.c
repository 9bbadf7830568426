/* sam-audit show: the records an auditor asks for, as they stand in the files. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam/audit.h"
#include "sam/json.h"
#include "sam/rc.h"
#include "sam_audit_tool.h"

typedef struct {
    const char *signer, *key, *since, *until, *event;
} filter_t;

static bool str_is(const sam_json_t *v, const char *want)
{
    return v != NULL && v->type == SAM_JSON_STRING && strcmp(v->u.str.ptr, want) == 0;
}

static bool matches(const filter_t *f, const sam_json_t *rec)
{
    const sam_json_t *t = sam_json_get(rec, "time");
    const char *time = t != NULL && t->type == SAM_JSON_STRING ? t->u.str.ptr : "";
    if (f->signer != NULL && !str_is(sam_json_get(rec, "signer"), f->signer))
        return false;
    if (f->key != NULL && !str_is(sam_json_get(rec, "key_id"), f->key))
        return false;
    if (f->event != NULL && !str_is(sam_json_get(rec, "event"), f->event))
        return false;
    /* Times compare as text; a shorter bound ("2025-03-01") covers what it prefixes. */
    if (f->since != NULL && strcmp(time, f->since) < 0)
        return false;
    if (f->until != NULL && strncmp(time, f->until, strlen(f->until)) > 0)
        return false;
    return true;
}

static int show_file(const filter_t *f, const char *path, char *buf, size_t cap)
{
    static const sam_json_limits_t limits = {SAM_AUDIT_MAX_LINE, 4, SAM_AUDIT_MAX_LINE, 64, 256};
    FILE *in = fopen(path, "re");
    unsigned long line = 0;
    int ret = 0;

    if (in == NULL) {
        fprintf(stderr, "sam-audit show: %s: cannot open\n", path);
        return 1;
    }
    while (fgets(buf, (int)cap, in) != NULL) {
        size_t len = strlen(buf);
        sam_json_t *rec = NULL;
        line++;
        if (len > 0 && buf[len - 1] == '\n')
            buf[--len] = '\0';
        if (sam_json_parse(buf, len, &limits, &rec) != SAM_OK) {
            fprintf(stderr, "sam-audit show: %s:%lu: not a record (use verify)\n", path, line);
            ret = 1;
            continue;
        }
        if (matches(f, rec))
            printf("%s\n", buf);
        sam_json_free(rec);
    }
    fclose(in);
    return ret;
}

int cmd_show(int argc, char **argv)
{
    filter_t f = {0};
    int i, ret = 0;

    for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0) {
            printf("usage: sam-audit show [--signer ID] [--key ID] [--event NAME] [--since T]\n"
                   "                      [--until T] FILE...\n"
                   "Print the records that match every filter given. T is UTC in the records'\n"
                   "form, or a prefix of it (2025-03-01, 2025-03-01T12); --until includes the\n"
                   "records its prefix covers. show does not verify: run verify first.\n");
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "sam-audit show: %s needs a value\n", opt);
            return 2;
        }
        const char *val = argv[++i];
        if (strcmp(opt, "--signer") == 0)
            f.signer = val;
        else if (strcmp(opt, "--key") == 0)
            f.key = val;
        else if (strcmp(opt, "--event") == 0)
            f.event = val;
        else if (strcmp(opt, "--since") == 0)
            f.since = val;
        else if (strcmp(opt, "--until") == 0)
            f.until = val;
        else {
            fprintf(stderr, "sam-audit show: unknown option %s (see --help)\n", opt);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "sam-audit show: no file given\n");
        return 2;
    }
    char *buf = malloc(SAM_AUDIT_MAX_LINE + 2);
    if (buf == NULL)
        return 1;
    for (; i < argc; i++)
        ret |= show_file(&f, argv[i], buf, SAM_AUDIT_MAX_LINE + 2);
    free(buf);
    return ret;
}
