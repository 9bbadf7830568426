/* Between config_dynamic.c, config_dynamic_oauth2.c and config_dynamic_write.c. */
#ifndef SAM_CONFIG_DYNAMIC_INTERNAL_H
#define SAM_CONFIG_DYNAMIC_INTERNAL_H

#include "config_internal.h"

/* The optional "csc_oauth2" member of root into c->csc_oauth2 (left NULL when absent). */
int sam_cfg_parse_csc_oauth2(const sam_json_t *root, sam_dynamic_config_t *c);
void sam_cfg_free_csc_oauth2(sam_csc_oauth2_t *o);
/* The member as GET /sam/v1/configurations/dynamic writes it: ",\n  \"csc_oauth2\": {...}". */
void sam_cfg_write_csc_oauth2(const sam_csc_oauth2_t *o, sam_strbuf_t *b);

#endif
