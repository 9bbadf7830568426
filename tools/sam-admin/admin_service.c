/*
 * The service object that the core operations (ops.h) take, opened for one
 * sam-admin command with sam_service_open_tool(): configuration, module and
 * state store, no verifier and no audit logs. samd is the logs' one writer
 * and keeps their chain in memory, and sam-admin must work while samd runs;
 * so, like the other sam-admin commands that change the state store (user,
 * credential unlock), these commands write no audit record
 * (docs/configuration.md).
 */
#include "admin.h"

#include "sam/rc.h"

int admin_open_service(const char *dir, sam_service_t **out)
{
    int rc = sam_service_open_tool(dir, out);
    if (rc == SAM_OK)
        return 0;
    if (rc == SAM_E_PIN)
        admin_err("cannot log in to the token: %s", sam_error_message());
    else
        admin_err("%s", sam_error_message());
    return -1;
}

void admin_close_service(sam_service_t *svc)
{
    sam_service_close(svc);
}
