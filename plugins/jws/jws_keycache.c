/*
 * Decoded public keys of authorization servers, kept between calls. OpenSSL
 * 3 spends about 400 µs decoding a P-256 SubjectPublicKeyInfo, several times
 * what verifying an ES256 signature with it costs, and the keys change only
 * with the dynamic configuration. Entries are matched on the exact DER bytes,
 * so a changed key is simply a new entry; the least recently used one goes.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "jws_internal.h"

void jws_keycache_init(jws_keycache_t *c)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    c->ready = 1;
}

void jws_keycache_free(jws_keycache_t *c)
{
    if (!c->ready)
        return;
    for (size_t i = 0; i < JWS_KEYCACHE_SLOTS; i++) {
        EVP_PKEY_free(c->slots[i].pkey);
        free(c->slots[i].der);
    }
    pthread_mutex_destroy(&c->lock);
    memset(c, 0, sizeof(*c));
}

/* Decode der exactly (no trailing bytes); NULL when it does not parse. */
static EVP_PKEY *decode(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)len);
    if (pkey != NULL && p != der + len) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    return pkey;
}

EVP_PKEY *jws_keycache_get(jws_keycache_t *c, const uint8_t *der, size_t len)
{
    EVP_PKEY *pkey = NULL;
    size_t victim = 0;

    if (der == NULL || len == 0 || len > JWS_KEYCACHE_MAX_DER)
        return NULL;
    pthread_mutex_lock(&c->lock);
    c->clock++;
    for (size_t i = 0; i < JWS_KEYCACHE_SLOTS; i++) {
        jws_keycache_slot_t *e = &c->slots[i];
        if (e->pkey != NULL && e->der_len == len && memcmp(e->der, der, len) == 0) {
            e->last_used = c->clock;
            if (EVP_PKEY_up_ref(e->pkey) == 1)
                pkey = e->pkey;
            pthread_mutex_unlock(&c->lock);
            return pkey;
        }
        if (e->last_used < c->slots[victim].last_used)
            victim = i;
    }
    pthread_mutex_unlock(&c->lock);

    /* Decode outside the lock: it is the slow part. */
    if ((pkey = decode(der, len)) == NULL)
        return NULL;
    uint8_t *copy = malloc(len);
    if (copy == NULL)
        return pkey; /* usable, just not cached */
    memcpy(copy, der, len);
    pthread_mutex_lock(&c->lock);
    jws_keycache_slot_t *e = &c->slots[victim];
    if (EVP_PKEY_up_ref(pkey) == 1) {
        EVP_PKEY_free(e->pkey);
        free(e->der);
        e->pkey = pkey;
        e->der = copy;
        e->der_len = len;
        e->last_used = c->clock;
        copy = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    free(copy);
    return pkey;
}
