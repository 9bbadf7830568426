/*
 * sam-demo-client [--sandbox FILE] COMMAND ARGS...: one step of an SSA's work
 * with a SAM per invocation. See README.md for the whole flow.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_client.h"

typedef struct st_dc_command_t {
    const char *name;
    int argc; /* including the command name */
    int argc_max;
    const char *args;
    int (*run)(const dc_config_t *cfg, int argc, char **argv);
} dc_command_t;

static const dc_command_t commands[] = {
    {"generate", 2, 3, "OUT.json [ECDSA|RSA]", dc_cmd_generate},
    {"assign", 4, 4, "IN.json SIGNER_ID OUT.json", dc_cmd_assign},
    {"csr", 3, 3, "IN.json OUT.csr.pem", dc_cmd_csr},
    {"certify", 5, 5, "IN.json SIGNER_ID CERT.pem OUT.json", dc_cmd_certify},
    {"sign", 5, 5, "IN.json SIGNER_ID FILE OUT.sig", dc_cmd_sign},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
    fprintf(f, "Usage: sam-demo-client [--sandbox FILE] COMMAND ARGS...\n\n"
               "An example SSA: one /sam/v1 call per invocation, explained as it goes.\n\n"
               "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].args);
    fprintf(f, "\n"
               "  generate  a key pair in the SAM's module (default ECDSA P-256; RSA: 2048 bits)\n"
               "  assign    the key pair to a signer, with subject \"CN=SIGNER_ID\"\n"
               "  csr       a PKCS#10 request, signed by the SAM (proof of possession)\n"
               "  certify   record the certificate; mark the key certified and enabled\n"
               "  sign      mint a SAD for the SHA-256 of FILE (as the AS), then sign it\n"
               "\n"
               "Key pairs are kept in JSON files: the SAM stores none, the SSA sends them back.\n"
               "--sandbox FILE: the sandbox description written by examples/sandbox/run-sandbox\n"
               "(make run); default $SAM_SANDBOX, else sandbox/sandbox.json.\n"
               "Exit status: 0 done, 1 failed (the SAM's error is printed), 2 bad command line.\n");
}

int main(int argc, char **argv)
{
    int rc = 2;
    int i = 1;
    const char *sandbox = getenv("SAM_SANDBOX");
    const dc_command_t *cmd = NULL;
    dc_config_t cfg = {0};

    if (sandbox == NULL || sandbox[0] == '\0')
        sandbox = "sandbox/sandbox.json";
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--sandbox") != 0 || i + 1 >= argc) {
            fprintf(stderr, "sam-demo-client: unknown option or missing argument: %s\n", argv[i]);
            return 2;
        }
        sandbox = argv[i + 1];
        i += 2;
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    for (size_t c = 0; c < N_COMMANDS; c++)
        if (strcmp(argv[i], commands[c].name) == 0)
            cmd = &commands[c];
    if (cmd == NULL) {
        fprintf(stderr, "sam-demo-client: unknown command \"%s\"\n", argv[i]);
        usage(stderr);
        return 2;
    }
    if (argc - i < cmd->argc || argc - i > cmd->argc_max) {
        fprintf(stderr, "usage: sam-demo-client [--sandbox FILE] %s %s\n", cmd->name, cmd->args);
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "sam-demo-client: libcurl failed to initialize\n");
        return 1;
    }
    rc = 1;
    if (dc_config_load(sandbox, &cfg) != DC_OK)
        goto out;
    if (cmd->run(&cfg, argc - i, argv + i) != DC_OK)
        goto out;
    rc = 0;
out:
    dc_config_free(&cfg);
    curl_global_cleanup();
    return rc;
}
