/*
 * sam-audit: the auditor's tool for OpenSAM's audit logs.
 *   sam-audit verify [--public-key PEM | --infra sam_infrastructure.json] [--progress] FILE...
 *   sam-audit show [--signer ID] [--key ID] [--since T] [--until T] FILE...
 *   sam-audit export-key --infra sam_infrastructure.json [--out PEM]
 */
#include <stdio.h>
#include <string.h>

#include "sam_audit_tool.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: sam-audit COMMAND [options] [FILE...]\n"
               "  verify      check signatures, chain, sequence and time order of audit files\n"
               "              (oldest rotated file first); exit 0 when all hold, 1 otherwise\n"
               "  show        print the records that match filters (signer, key, time range)\n"
               "  export-key  write the audit public key (PEM) from the module\n"
               "'sam-audit COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "verify") == 0)
        return cmd_verify(argc - 1, argv + 1);
    if (strcmp(argv[1], "show") == 0)
        return cmd_show(argc - 1, argv + 1);
    if (strcmp(argv[1], "export-key") == 0)
        return cmd_export_key(argc - 1, argv + 1);
    fprintf(stderr, "sam-audit: unknown command %s\n", argv[1]);
    usage(stderr);
    return 2;
}
