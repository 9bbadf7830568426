/* sam-audit verify: the whole chain over a set of files, or the first bad record. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sam/audit.h"
#include "sam/rc.h"
#include "sam_audit_tool.h"

static void progress(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    fprintf(stderr, "\rsam-audit: verified %" PRIu64 " of %" PRIu64 " MiB", done >> 20, total >> 20);
    if (done >= total)
        fputc('\n', stderr);
}

static void help(void)
{
    printf("usage: sam-audit verify [--public-key PEM | --infra sam_infrastructure.json]\n"
           "                        [--progress] FILE...\n"
           "Check FILEs, oldest rotated file first, as one chain: every line a record signed\n"
           "by the audit key, seq one more than the previous record's, prev the SHA-256 of\n"
           "the previous line, time not earlier. Prints the first bad record (file, line,\n"
           "why) and exits 1, or a summary and exits 0. Progress goes to stderr when it is\n"
           "a terminal or with --progress.\n");
}

int cmd_verify(int argc, char **argv)
{
    const char *pem = NULL, *infra = NULL;
    bool show_progress = isatty(STDERR_FILENO);
    uint8_t key[SAM_AUDIT_TOOL_MAX_KEY];
    size_t key_len = 0;
    int i;

    for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            help();
            return 0;
        } else if (strcmp(argv[i], "--public-key") == 0 && i + 1 < argc) {
            pem = argv[++i];
        } else if (strcmp(argv[i], "--infra") == 0 && i + 1 < argc) {
            infra = argv[++i];
        } else if (strcmp(argv[i], "--progress") == 0) {
            show_progress = true;
        } else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else {
            fprintf(stderr, "sam-audit verify: unknown option %s (see --help)\n", argv[i]);
            return 2;
        }
    }
    if ((pem == NULL) == (infra == NULL) || i >= argc) {
        fprintf(stderr, "sam-audit verify: give one of --public-key, --infra, and files\n");
        return 2;
    }
    if ((pem != NULL ? tool_key_from_pem(pem, key, sizeof(key), &key_len)
                     : tool_key_from_infra(infra, key, sizeof(key), &key_len)) != 0)
        return 1;
    sam_audit_verify_t v = {.progress = show_progress ? progress : NULL};
    const char *const *files = (const char *const *)(argv + i);
    size_t n = (size_t)(argc - i);
    sam_error_clear();
    if (sam_audit_verify_files(key, key_len, files, n, &v) != SAM_OK) {
        fprintf(stderr, "sam-audit verify: %s\n", sam_error_message());
        return 1;
    }
    if (!v.ok) {
        printf("BAD %s:%" PRIu64 ": %s\n", files[v.bad_file], v.bad_line, v.why);
        printf("%" PRIu64 " records verified before it\n", v.records);
        return 1;
    }
    if (v.records == 0) {
        printf("OK: no records\n");
        return 0;
    }
    printf("OK: %" PRIu64 " records in %zu file(s), seq %" PRIu64 "..%" PRIu64 ", %s .. %s%s\n",
           v.records, n, v.first_seq, v.last_seq, v.first_time, v.last_time,
           v.anchored ? "" : " (continues an earlier file not given)");
    return 0;
}
