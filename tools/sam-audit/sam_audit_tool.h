/* sam-audit's commands, one file each; main.c dispatches. Each returns the exit status. */
#ifndef SAM_AUDIT_TOOL_H
#define SAM_AUDIT_TOOL_H

#include <stddef.h>
#include <stdint.h>

#define SAM_AUDIT_TOOL_MAX_KEY 1024

int cmd_verify(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_export_key(int argc, char **argv);

/*
 * The audit public key as DER SPKI: from a PEM file, or from the module that
 * sam_infrastructure.json describes. 0, or 1 with a message on stderr.
 */
int tool_key_from_pem(const char *path, uint8_t *der, size_t cap, size_t *len);
int tool_key_from_infra(const char *path, uint8_t *der, size_t cap, size_t *len);

#endif
