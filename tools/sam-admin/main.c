/*
 * sam-admin: the operator's command line for a SAM's configuration.
 * main() only dispatches; each command lives in cmd_<name>.c.
 */
#include "admin.h"

#include <string.h>

#include "sam/log.h"

static const admin_command_t commands[] = {
    {"create", "create a new SAM: module keys and sam_infrastructure.json", admin_cmd_create,
     admin_usage_create},
    {"initialize", "install an existing SAM's sam_infrastructure.json on this node",
     admin_cmd_initialize, admin_usage_initialize},
    {"import", "validate and install static_config.json or dynamic_config.json", admin_cmd_import,
     admin_usage_import},
    {"check", "validate the installed configuration files", admin_cmd_check, admin_usage_check},
    {"user", "add, re-password or disable a user of the CSC API", admin_cmd_user, admin_usage_user},
    {"credential", "add, delete, list or unlock the credentials of the CSC API",
     admin_cmd_credential, admin_usage_credential},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
    fputs("Usage: sam-admin COMMAND [OPTIONS]\n"
          "       sam-admin COMMAND --help\n"
          "\n"
          "Manage the configuration of an OpenSAM Signature Activation Module.\n"
          "\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Options:\n"
          "  -h, --help     show this help\n"
          "  --version      show the version\n"
          "\n"
          "Exit status: 0 success, 1 refused or failed, 2 bad command line.\n"
          "See docs/configuration.md for the files and their fields.\n",
          f);
}

static const admin_command_t *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return ADMIN_EXIT_USAGE;
    }
    const char *arg = argv[1];
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
        usage(stdout);
        return ADMIN_EXIT_OK;
    }
    if (strcmp(arg, "--version") == 0) {
        printf("sam-admin (OpenSAM) %s\n", SAM_ADMIN_VERSION);
        return ADMIN_EXIT_OK;
    }
    if (strcmp(arg, "help") == 0) {
        const admin_command_t *cmd = argc > 2 ? find_command(argv[2]) : NULL;
        if (argc > 2 && cmd == NULL) {
            admin_err("unknown command '%s'; see 'sam-admin --help'", argv[2]);
            return ADMIN_EXIT_USAGE;
        }
        if (cmd != NULL)
            cmd->usage(stdout);
        else
            usage(stdout);
        return ADMIN_EXIT_OK;
    }
    /* Plugins' informational lines would drown the command's own messages. */
    sam_log_set_level(SAM_LOG_WARNING);
    const admin_command_t *cmd = find_command(arg);
    if (cmd == NULL) {
        admin_err("unknown command '%s'; see 'sam-admin --help'", arg);
        return ADMIN_EXIT_USAGE;
    }
    if (fflush(stdout) != 0)
        return ADMIN_EXIT_FAIL;
    int code = cmd->run(argc - 1, argv + 1);
    /* A full disk or closed stdout must not pass for success. */
    if (fflush(stdout) != 0 && code == ADMIN_EXIT_OK) {
        admin_err("cannot write to standard output");
        code = ADMIN_EXIT_FAIL;
    }
    return code;
}
