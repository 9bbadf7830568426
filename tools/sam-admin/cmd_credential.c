/*
 * sam-admin credential add|delete|list|unlock: CSC credentials in the state
 * store that DIR/static_config.json names (csc-v1.md, "Credentials": the
 * administration command line can do what POST and DELETE
 * /sam/v1/credentials do). This file only dispatches to the actions.
 */
#include "admin.h"

#include <string.h>

#define CMD "credential"

typedef struct st_action_t {
    const char *name;
    int (*run)(int argc, char **argv);
    void (*usage)(FILE *f);
} action_t;

static const action_t actions[] = {
    {"add", admin_credential_add, admin_usage_credential_add},
    {"delete", admin_credential_delete, admin_usage_credential_delete},
    {"list", admin_credential_list, admin_usage_credential_list},
    {"unlock", admin_credential_unlock, admin_usage_credential_unlock},
};

#define NACTIONS (sizeof(actions) / sizeof(actions[0]))

void admin_usage_credential(FILE *f)
{
    for (size_t i = 0; i < NACTIONS; i++) {
        if (i > 0)
            fputc('\n', f);
        actions[i].usage(f);
    }
    fputs("\nExit status: 0 success, 1 refused or failed (nothing changed), 2 bad command line.\n"
          "These commands work while samd runs; they write no audit record (like\n"
          "'sam-admin user'). See docs/configuration.md.\n",
          f);
}

int admin_cmd_credential(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        admin_usage_credential(stdout);
        return ADMIN_EXIT_OK;
    }
    if (argc < 2)
        return admin_usage_error(CMD, "an action is required: add, delete, list or unlock");
    for (size_t i = 0; i < NACTIONS; i++)
        if (strcmp(argv[1], actions[i].name) == 0)
            return actions[i].run(argc - 1, argv + 1);
    return admin_usage_error(CMD, "unknown action '%s'; the actions are add, delete, list, unlock",
                             argv[1]);
}
