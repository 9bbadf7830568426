/*
 * Throwaway SoftHSMv2 tokens for tests: a temporary directory with its own
 * softhsm2.conf (SOFTHSM2_CONF is set for this process and its children), an
 * initialized token and a PIN file. Nothing outside the directory is touched.
 */
#ifndef SAM_TEST_SOFTHSM_TOKEN_H
#define SAM_TEST_SOFTHSM_TOKEN_H

#include <limits.h>

#include "sam/module.h"

#define SAM_TEST_PIN "1234-test-pin"
#define SAM_TEST_SO_PIN "5678-test-so-pin"

typedef struct st_sam_test_token_t {
    char dir[PATH_MAX];      /* temporary directory, removed by destroy */
    char conf[PATH_MAX];     /* softhsm2.conf */
    char pin_file[PATH_MAX]; /* holds SAM_TEST_PIN */
    char pin_source[PATH_MAX + 8]; /* "file:<pin_file>" */
    char label[33];
} sam_test_token_t;

/* Create a token labelled label. Returns 0, or -1 with a message on stderr. */
int sam_test_token_create(sam_test_token_t *t, const char *label);
/* Remove the token directory. */
void sam_test_token_destroy(sam_test_token_t *t);

/* Default module key labels for tests. */
extern const char *const sam_test_labels[SAM_MODULE_KEY_COUNT];

/*
 * Open the PKCS#11 backend plugin on the token. With create_keys, make the
 * module keys (else bind existing ones). Returns a sam_rc.
 */
int sam_test_module_open(const sam_test_token_t *t, int create_keys, sam_module_t **out);

/* Run argv (no shell) and wait; returns its exit status, or -1. */
int sam_test_run(char *const argv[]);

#endif
