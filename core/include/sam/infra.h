/*
 * sam_infrastructure.json: the private configuration of one SAM (its id, the
 * backend plugin, the module and token, the labels of the module-held keys).
 * Made by `sam-admin create`, copied to further nodes by `sam-admin initialize`.
 */
#ifndef SAM_INFRA_H
#define SAM_INFRA_H

#include "sam/backend.h"
#include "sam/module.h"
#include "sam/strbuf.h"

#define SAM_INFRA_FORMAT 1
#define SAM_INFRA_MAX_PARAMS 16
#define SAM_ID_MAX 64

typedef struct st_sam_infra_t {
    char sam_id[SAM_ID_MAX + 1];       /* [A-Za-z0-9._-]{1,64} */
    char *backend_plugin;              /* path of the backend .so */
    sam_param_t params[SAM_INFRA_MAX_PARAMS + 1]; /* backend parameters, {NULL,NULL}-terminated */
    char *labels[SAM_MODULE_KEY_COUNT];
} sam_infra_t;

/* Read and validate a file. Errors name the file, line and field. */
int sam_infra_load(const char *path, sam_infra_t **out);
/* Serialize (pretty JSON). */
int sam_infra_write_json(const sam_infra_t *infra, sam_strbuf_t *b);
/* Open the module the file describes (keys not yet bound). */
int sam_infra_open_module(const sam_infra_t *infra, sam_module_t **out);
/* Is s a valid SAM id? */
int sam_id_valid(const char *s);
void sam_infra_free(sam_infra_t *infra);

#endif
