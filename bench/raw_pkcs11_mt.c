/*
 * Multi-threaded raw PKCS#11 baseline; see raw_pkcs11_mt.h. One session per
 * thread (SoftHSMv2 wants CKF_OS_LOCKING_OK and one session per thread); the
 * wrapping key and the wrapped signer key are session objects of a setup
 * session that stays open, so every thread's session sees them.
 */
#include "raw_pkcs11_mt.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "p11_common.h"

#define RAW_MAX_THREADS 64
#define RAW_MAX_HASHES 100




typedef struct {
    CK_FUNCTION_LIST_PTR f;
    CK_SLOT_ID slot;
    CK_OBJECT_HANDLE wrap_key;
    CK_BYTE blob[8192];
    CK_ULONG blob_len;
    const sam_key_spec_t *spec;
    const raw_mt_params_t *p;
    pthread_mutex_t gate_lock; /* start gate: threads report ready, then wait for go */
    pthread_cond_t gate_cond;
    unsigned ready;
    int go;
    double t0;
    atomic_ulong issued;
    atomic_ulong done;
    atomic_int failed;
    pthread_mutex_t end_lock;
    double t_end; /* latest end of any thread */
} shared_t;


/* One unwrap, p->hashes signatures, one destroy. */
static CK_RV one_cycle(shared_t *sh, CK_SESSION_HANDLE s, unsigned seq)
{
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_KEY_TYPE kt = sh->spec->type == SAM_KEY_RSA ? CKK_RSA : CKK_EC;
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_KEY_TYPE, &kt, sizeof(kt)},
                           {CKA_TOKEN, &no, 1},           {CKA_SIGN, &yes, 1},
                           {CKA_SENSITIVE, &yes, 1},      {CKA_EXTRACTABLE, &no, 1},
                           {CKA_PRIVATE, &yes, 1}};
    CK_MECHANISM wrap_mech = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
    CK_MECHANISM sign_mech = {sh->spec->type == SAM_KEY_RSA ? CKM_RSA_PKCS : CKM_ECDSA, NULL, 0};
    CK_BYTE tbs[sizeof(bench_sha256_prefix) + 32], sig[1024];
    CK_OBJECT_HANDLE k;
    CK_RV rv;

    memcpy(tbs, bench_sha256_prefix, sizeof(bench_sha256_prefix));
    memset(tbs + sizeof(bench_sha256_prefix), 0x5a, 32);
    CK_BYTE *hash = tbs + sizeof(bench_sha256_prefix);
    CK_BYTE *in = sh->spec->type == SAM_KEY_RSA ? tbs : hash;
    CK_ULONG in_len = sh->spec->type == SAM_KEY_RSA ? sizeof(tbs) : 32;

    rv = sh->f->C_UnwrapKey(s, &wrap_mech, sh->wrap_key, sh->blob, sh->blob_len, tmpl, 7, &k);
    if (rv != CKR_OK)
        return rv;
    for (unsigned i = 0; i < sh->p->hashes && rv == CKR_OK; i++) {
        CK_ULONG sig_len = sizeof(sig);
        memcpy(hash, &seq, sizeof(seq));
        memcpy(hash + sizeof(seq), &i, sizeof(i));
        rv = sh->f->C_SignInit(s, &sign_mech, k);
        if (rv == CKR_OK)
            rv = sh->f->C_Sign(s, in, in_len, sig, &sig_len);
    }
    CK_RV drv = sh->f->C_DestroyObject(s, k);
    return rv != CKR_OK ? rv : drv;
}

static double cpu_now(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void *worker(void *arg)
{
    shared_t *sh = arg;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    CK_RV rv = sh->f->C_OpenSession(sh->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);

    if (rv != CKR_OK) {
        fprintf(stderr, "raw: C_OpenSession (thread): 0x%lx\n", (unsigned long)rv);
        atomic_store(&sh->failed, 1);
    }
    pthread_mutex_lock(&sh->gate_lock);
    sh->ready++;
    pthread_cond_broadcast(&sh->gate_cond);
    while (!sh->go)
        pthread_cond_wait(&sh->gate_cond, &sh->gate_lock);
    pthread_mutex_unlock(&sh->gate_lock);
    while (rv == CKR_OK && !atomic_load(&sh->failed)) {
        if (bench_now() - sh->t0 >= sh->p->seconds)
            break;
        unsigned long seq = atomic_fetch_add(&sh->issued, 1);
        if (seq >= sh->p->max_ops)
            break;
        rv = one_cycle(sh, s, (unsigned)seq);
        if (rv != CKR_OK) {
            fprintf(stderr, "raw: unwrap/sign/destroy: 0x%lx\n", (unsigned long)rv);
            atomic_store(&sh->failed, 1);
            break;
        }
        atomic_fetch_add(&sh->done, 1);
    }
    double end = bench_now();
    pthread_mutex_lock(&sh->end_lock);
    if (end > sh->t_end)
        sh->t_end = end;
    pthread_mutex_unlock(&sh->end_lock);
    if (s != CK_INVALID_HANDLE)
        sh->f->C_CloseSession(s);
    return NULL;
}

/* The token's AES key labelled label, made like samd's module wrapping key when absent. */
static int token_wrap_key(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const char *label,
                          CK_OBJECT_HANDLE *key)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_AES;
    CK_ULONG len = 32, n = 0;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE find[] = {{CKA_CLASS, &cls, sizeof(cls)},
                           {CKA_LABEL, (void *)label, (CK_ULONG)strlen(label)}};
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},    {CKA_KEY_TYPE, &type, sizeof(type)},
        {CKA_VALUE_LEN, &len, sizeof(len)}, {CKA_TOKEN, &yes, 1},
        {CKA_PRIVATE, &yes, 1},            {CKA_SENSITIVE, &yes, 1},
        {CKA_EXTRACTABLE, &no, 1},         {CKA_LABEL, (void *)label, (CK_ULONG)strlen(label)},
        {CKA_WRAP, &yes, 1},               {CKA_UNWRAP, &yes, 1},
        {CKA_SIGN, &no, 1},                {CKA_VERIFY, &no, 1}};
    CK_MECHANISM gen = {CKM_AES_KEY_GEN, NULL, 0};

    CHECK(f->C_FindObjectsInit(s, find, 2));
    CK_RV rv = f->C_FindObjects(s, key, 1, &n);
    f->C_FindObjectsFinal(s);
    CHECK(rv);
    if (n == 1)
        return 0;
    CHECK(f->C_GenerateKey(s, &gen, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), key));
    return 0;
out:
    return -1;
}

/* Wrapping key (session or token object) and a wrapped signer key of spec (session objects). */
static int make_keys(shared_t *sh, CK_SESSION_HANDLE s)
{
    CK_FUNCTION_LIST_PTR f = sh->f;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG aes_len = 32, bits = sh->spec->rsa_bits;
    CK_BYTE e[] = {1, 0, 1};
    CK_OBJECT_HANDLE pub, priv;
    CK_ATTRIBUTE wrap_tmpl[] = {{CKA_TOKEN, &no, 1}, {CKA_VALUE_LEN, &aes_len, sizeof(aes_len)},
                                {CKA_WRAP, &yes, 1}, {CKA_UNWRAP, &yes, 1},
                                {CKA_EXTRACTABLE, &no, 1}};
    CK_ATTRIBUTE rsa_pub[] = {{CKA_TOKEN, &no, 1}, {CKA_MODULUS_BITS, &bits, sizeof(bits)},
                              {CKA_PUBLIC_EXPONENT, e, 3}, {CKA_VERIFY, &yes, 1}};
    CK_ATTRIBUTE ec_pub[] = {{CKA_TOKEN, &no, 1},
                             {CKA_EC_PARAMS, (void *)bench_p256_oid, sizeof(bench_p256_oid)},
                             {CKA_VERIFY, &yes, 1}};
    CK_ATTRIBUTE priv_tmpl[] = {{CKA_TOKEN, &no, 1}, {CKA_SIGN, &yes, 1}, {CKA_SENSITIVE, &yes, 1},
                                {CKA_EXTRACTABLE, &yes, 1}, {CKA_PRIVATE, &yes, 1}};
    CK_MECHANISM aes_gen = {CKM_AES_KEY_GEN, NULL, 0};
    CK_MECHANISM gen = {sh->spec->type == SAM_KEY_RSA ? CKM_RSA_PKCS_KEY_PAIR_GEN
                                                      : CKM_EC_KEY_PAIR_GEN,
                        NULL, 0};
    CK_MECHANISM wrap_mech = {CKM_AES_KEY_WRAP_PAD, NULL, 0};

    if (sh->p->wrap_label != NULL) {
        if (token_wrap_key(f, s, sh->p->wrap_label, &sh->wrap_key) != 0)
            goto out;
    } else {
        CHECK(f->C_GenerateKey(s, &aes_gen, wrap_tmpl, 5, &sh->wrap_key));
    }
    if (sh->spec->type == SAM_KEY_RSA)
        CHECK(f->C_GenerateKeyPair(s, &gen, rsa_pub, 4, priv_tmpl, 5, &pub, &priv));
    else
        CHECK(f->C_GenerateKeyPair(s, &gen, ec_pub, 3, priv_tmpl, 5, &pub, &priv));
    sh->blob_len = sizeof(sh->blob);
    CHECK(f->C_WrapKey(s, &wrap_mech, sh->wrap_key, priv, sh->blob, &sh->blob_len));
    return 0;
out:
    return -1;
}

int raw_mt_measure(const char *library, const char *token_label, const char *pin,
                   const sam_key_spec_t *spec, const raw_mt_params_t *p, raw_mt_result_t *out)
{
    static shared_t sh; /* large (the blob); one measurement at a time */
    pthread_t tids[RAW_MAX_THREADS];
    unsigned started = 0;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    int initialized = 0, ret = -1;

    memset(out, 0, sizeof(*out));
    if (p->threads == 0 || p->threads > RAW_MAX_THREADS || p->hashes == 0 ||
        p->hashes > RAW_MAX_HASHES || p->seconds <= 0 || p->max_ops == 0) {
        fprintf(stderr, "raw: bad parameters\n");
        return -1;
    }
    memset(&sh, 0, sizeof(sh));
    sh.spec = spec;
    sh.p = p;
    pthread_mutex_init(&sh.end_lock, NULL);
    pthread_mutex_init(&sh.gate_lock, NULL);
    pthread_cond_init(&sh.gate_cond, NULL);
    /* Never dlclose()d: SoftHSMv2 does not survive being unloaded and loaded again. */
    void *lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "raw: dlopen %s: %s\n", library, dlerror());
        return -1;
    }
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    if (get == NULL || get(&sh.f) != CKR_OK) {
        fprintf(stderr, "raw: %s has no usable C_GetFunctionList\n", library);
        return -1;
    }
    CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
    CHECK(sh.f->C_Initialize(&args));
    initialized = 1;
    if (bench_find_slot(sh.f, token_label, &sh.slot) != 0)
        goto out;
    CHECK(sh.f->C_OpenSession(sh.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
    CHECK(sh.f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)));
    if (make_keys(&sh, s) != 0)
        goto out;

    for (; started < p->threads; started++) {
        if (pthread_create(&tids[started], NULL, worker, &sh) != 0) {
            fprintf(stderr, "raw: pthread_create failed\n");
            atomic_store(&sh.failed, 1);
            break;
        }
    }
    /* Start the clock once every session is open. */
    pthread_mutex_lock(&sh.gate_lock);
    while (sh.ready < started)
        pthread_cond_wait(&sh.gate_cond, &sh.gate_lock);
    double cpu0 = cpu_now();
    sh.t0 = bench_now();
    sh.go = 1;
    pthread_cond_broadcast(&sh.gate_cond);
    pthread_mutex_unlock(&sh.gate_lock);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    if (atomic_load(&sh.failed))
        goto out;
    out->cpu_s = cpu_now() - cpu0;
    out->ops = atomic_load(&sh.done);
    out->elapsed = sh.t_end - sh.t0;
    out->ops_per_s = out->elapsed > 0 ? (double)out->ops / out->elapsed : 0;
    out->sigs_per_s = out->ops_per_s * p->hashes;
    ret = 0;
out:
    if (s != CK_INVALID_HANDLE)
        sh.f->C_CloseSession(s);
    if (initialized)
        sh.f->C_Finalize(NULL);
    pthread_mutex_destroy(&sh.end_lock);
    pthread_mutex_destroy(&sh.gate_lock);
    pthread_cond_destroy(&sh.gate_cond);
    return ret;
}
