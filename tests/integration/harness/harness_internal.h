/* Shared between the harness's files; not for tests. */
#ifndef SAM_TEST_HARNESS_INTERNAL_H
#define SAM_TEST_HARNESS_INTERNAL_H

#include <sys/types.h>

#include "samharness.h"

/* dir "/" name into buf; -1 when it does not fit. */
int samh_path(char *buf, size_t cap, const char *dir, const char *name);
/* Create path (never replacing a file) with mode and write text. */
int samh_write_file(const char *path, const char *text, mode_t mode);
/* Keys and certificates into h->dir; fills h->clients, h->ca_cert, h->as_*. */
int samh_certs_generate(samh_t *h);
/* Token, module keys, the three configuration files into h->config_dir. */
int samh_config_generate(samh_t *h);

#endif
