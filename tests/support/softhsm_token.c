#define _GNU_SOURCE /* nftw */
#include "softhsm_token.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sam/rc.h"

const char *const sam_test_labels[SAM_MODULE_KEY_COUNT] = {
    "opensam-test-wrap", "opensam-test-seal", "opensam-test-audit", "opensam-test-csc"};

int sam_test_run(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, STDOUT_FILENO);
            close(devnull);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    int ok = fputs(text, f) >= 0;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

int sam_test_token_create(sam_test_token_t *t, const char *label)
{
    char buf[PATH_MAX + 64];
    memset(t, 0, sizeof(*t));
    const char *tmp = getenv("TMPDIR");
    snprintf(t->dir, sizeof(t->dir), "%s/opensam-token-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(t->dir) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    if (snprintf(t->conf, sizeof(t->conf), "%s/softhsm2.conf", t->dir) >= (int)sizeof(t->conf) ||
        snprintf(t->pin_file, sizeof(t->pin_file), "%s/pin", t->dir) >= (int)sizeof(t->pin_file) ||
        snprintf(t->pin_source, sizeof(t->pin_source), "file:%s", t->pin_file) >=
            (int)sizeof(t->pin_source)) {
        fprintf(stderr, "token path too long\n");
        return -1;
    }
    snprintf(t->label, sizeof(t->label), "%s", label);
    snprintf(buf, sizeof(buf), "%s/tokens", t->dir);
    if (mkdir(buf, 0700) != 0) {
        perror("mkdir tokens");
        return -1;
    }
    char conf_text[PATH_MAX + 128];
    snprintf(conf_text, sizeof(conf_text),
             "directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
             t->dir);
    if (write_text(t->conf, conf_text) != 0 || write_text(t->pin_file, SAM_TEST_PIN "\n") != 0) {
        perror("write token files");
        return -1;
    }
    setenv("SOFTHSM2_CONF", t->conf, 1);
    char *argv[] = {"softhsm2-util", "--init-token", "--free", "--label", t->label, "--pin",
                    SAM_TEST_PIN, "--so-pin", SAM_TEST_SO_PIN, NULL};
    if (sam_test_run(argv) != 0) {
        fprintf(stderr, "softhsm2-util --init-token failed\n");
        return -1;
    }
    return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void sam_test_token_destroy(sam_test_token_t *t)
{
    if (t->dir[0] != '\0')
        nftw(t->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    t->dir[0] = '\0';
}

int sam_test_module_open(const sam_test_token_t *t, int create_keys, sam_module_t **out)
{
    const sam_param_t params[] = {{"library", SAM_TEST_SOFTHSM_LIBRARY},
                                  {"token_label", t->label},
                                  {"pin", t->pin_source},
                                  {"profile", "softhsm"},
                                  {NULL, NULL}};
    sam_module_t *m = NULL;
    int rc = sam_module_open(SAM_TEST_PKCS11_PLUGIN, params, sam_test_labels, &m);
    if (rc == SAM_OK)
        rc = create_keys ? sam_module_create_keys(m) : sam_module_bind_keys(m);
    if (rc != SAM_OK) {
        fprintf(stderr, "sam_test_module_open: %s\n", sam_error_message());
        sam_module_close(m);
        return rc;
    }
    *out = m;
    return SAM_OK;
}
