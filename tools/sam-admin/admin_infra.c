/* The parts of create and initialize that touch the module and the infrastructure file. */
#include "admin.h"

#include "sam/fileio.h"
#include "sam/rc.h"
#include "sam/strbuf.h"

int admin_open_module(const sam_infra_t *infra, sam_module_t **out)
{
    int rc = sam_infra_open_module(infra, out);
    if (rc == SAM_OK)
        return 0;
    const char *token = sam_param_get(infra->params, "token_label");
    if (rc == SAM_E_PIN)
        admin_err("cannot log in to token \"%s\": %s", token != NULL ? token : "?",
                  sam_error_message());
    else
        admin_err("cannot open the cryptographic module: %s", sam_error_message());
    return -1;
}

int admin_install_infra(const sam_infra_t *infra, const char *path)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    int ret = -1;
    int rc = sam_infra_write_json(infra, &b);
    if (rc != SAM_OK) {
        admin_err("cannot serialize the infrastructure configuration: %s", sam_strerror(rc));
        goto out;
    }
    rc = sam_file_write_atomic(path, b.ptr, b.len, 0600, 1);
    if (rc != SAM_OK) {
        admin_err("%s", sam_error_message());
        goto out;
    }
    ret = 0;
out:
    sam_strbuf_free(&b);
    return ret;
}
