/*
 * The state store's public functions: check and bound every argument, turn
 * the SAD's hash lists into a tally, and dispatch to the implementation
 * (store_internal.h). Nothing here knows which database is behind.
 */
#include "sam/store.h"

#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"
#include "store_internal.h"

struct st_sam_store_t {
    const sam_store_ops_t *ops;
    void *impl;
};

/* A reservation is the request it recorded, kept by the caller: giving it
 * back subtracts exactly that, so the store keeps no row per reservation.
 * req's strings and hashes point into the same allocation. */
struct st_sam_store_reservation_t {
    sam_store_sad_request_t req;
    bool released;
};

int sam_store_wrap(const sam_store_ops_t *ops, void *impl, sam_store_t **out)
{
    sam_store_t *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        ops->close(impl);
        return sam_error_set(SAM_E_NOMEM, "out of memory opening the state store");
    }
    s->ops = ops;
    s->impl = impl;
    *out = s;
    return SAM_OK;
}

const sam_store_ops_t *sam_store_ops_of(sam_store_t *s, void **impl)
{
    *impl = s->impl;
    return s->ops;
}

void sam_store_close(sam_store_t *s)
{
    if (s == NULL)
        return;
    s->ops->close(s->impl);
    free(s);
}

/* An identifier: present, 1..SAM_STORE_MAX_ID_LEN bytes. */
static int check_id(const char *what, const char *v)
{
    size_t len;

    if (v == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: %s missing", what);
    len = strnlen(v, SAM_STORE_MAX_ID_LEN + 1);
    if (len == 0 || len > SAM_STORE_MAX_ID_LEN)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: %s must be 1 to %d bytes", what,
                             SAM_STORE_MAX_ID_LEN);
    return SAM_OK;
}

static int check_hashes(const char *what, const sam_bytes_t *h, size_t n)
{
    if (n > SAM_STORE_MAX_HASHES)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: %zu %s hashes, over the limit of %d",
                             n, what, SAM_STORE_MAX_HASHES);
    if (n > 0 && h == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: %s hashes missing", what);
    for (size_t i = 0; i < n; i++) {
        if (h[i].ptr == NULL || h[i].len == 0 || h[i].len > SAM_STORE_MAX_HASH_LEN)
            return sam_error_set(SAM_E_INVALID_ARG,
                                 "state store: %s hash %zu must be 1 to %d bytes", what, i,
                                 SAM_STORE_MAX_HASH_LEN);
    }
    return SAM_OK;
}

/* Order hashes by length, then bytes (hashes are public: memcmp is fine). */
static int cmp_bytes(const void *pa, const void *pb)
{
    const sam_bytes_t *a = pa, *b = pb;

    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return memcmp(a->ptr, b->ptr, a->len);
}

static sam_bytes_t *sorted_copy(const sam_bytes_t *h, size_t n)
{
    sam_bytes_t *c = malloc((n > 0 ? n : 1) * sizeof(*c));

    if (c == NULL)
        return NULL;
    if (n > 0) {
        memcpy(c, h, n * sizeof(*c));
        qsort(c, n, sizeof(*c), cmp_bytes);
    }
    return c;
}

/*
 * Count each distinct requested hash and how often the SAD lists it. A hash
 * asked for more often than listed can never be reserved, whatever the store
 * holds: refuse it here, before any database work.
 */
static int tally(const sam_bytes_t *authorized, size_t n_authorized, const sam_bytes_t *requested,
                 size_t n_requested, sam_store_hash_tally_t **out, size_t *n_out)
{
    sam_bytes_t *auth = NULL, *req = NULL;
    sam_store_hash_tally_t *t = NULL;
    size_t i = 0, j = 0, n = 0;
    int rc = SAM_E_NOMEM;

    auth = sorted_copy(authorized, n_authorized);
    req = sorted_copy(requested, n_requested);
    t = calloc(n_requested, sizeof(*t));
    if (auth == NULL || req == NULL || t == NULL) {
        rc = sam_error_set(SAM_E_NOMEM, "out of memory checking a SAD reservation");
        goto out;
    }
    while (i < n_requested) {
        sam_store_hash_tally_t *e = &t[n++];

        e->hash = req[i];
        while (i < n_requested && cmp_bytes(&req[i], &e->hash) == 0) {
            e->requested++;
            i++;
        }
        while (j < n_authorized && cmp_bytes(&auth[j], &e->hash) < 0)
            j++;
        while (j < n_authorized && cmp_bytes(&auth[j], &e->hash) == 0) {
            e->authorized++;
            j++;
        }
        if (e->requested > e->authorized) {
            rc = sam_error_set(SAM_E_SAD_EXHAUSTED,
                               "a hash is requested more often than the SAD authorizes");
            goto out;
        }
    }
    *out = t;
    *n_out = n;
    t = NULL;
    rc = SAM_OK;
out:
    free(auth);
    free(req);
    free(t);
    return rc;
}

/* One block holding a copy of req: the struct, the tallies, their hash bytes, issuer, jti. */
static sam_store_reservation_t *reservation_copy(const sam_store_sad_request_t *req)
{
    size_t issuer_len = strlen(req->issuer) + 1, jti_len = strlen(req->jti) + 1;
    size_t size = sizeof(sam_store_reservation_t) + req->n_hashes * sizeof(sam_store_hash_tally_t);

    for (size_t i = 0; i < req->n_hashes; i++)
        size += req->hashes[i].hash.len;
    size += issuer_len + jti_len;

    sam_store_reservation_t *r = calloc(1, size);
    if (r == NULL)
        return NULL;
    sam_store_hash_tally_t *t = (sam_store_hash_tally_t *)(r + 1);
    uint8_t *p = (uint8_t *)(t + req->n_hashes);

    r->req = *req;
    r->req.hashes = t;
    for (size_t i = 0; i < req->n_hashes; i++) {
        t[i] = req->hashes[i];
        memcpy(p, req->hashes[i].hash.ptr, req->hashes[i].hash.len);
        t[i].hash.ptr = p;
        p += req->hashes[i].hash.len;
    }
    memcpy(p, req->issuer, issuer_len);
    r->req.issuer = (const char *)p;
    p += issuer_len;
    memcpy(p, req->jti, jti_len);
    r->req.jti = (const char *)p;
    return r;
}

int sam_store_sad_reserve(sam_store_t *s, const char *issuer, const char *jti, int64_t expires,
                          const sam_bytes_t *authorized, size_t n_authorized,
                          uint32_t num_signatures, const sam_bytes_t *requested, size_t n_requested,
                          sam_store_reservation_t **reservation)
{
    sam_store_sad_request_t req = {0};
    sam_store_hash_tally_t *hashes = NULL;
    sam_store_reservation_t *r = NULL;
    int rc;

    if (reservation != NULL)
        *reservation = NULL;
    if (s == NULL || reservation == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: store or reservation missing");
    if ((rc = check_id("issuer", issuer)) != SAM_OK || (rc = check_id("jti", jti)) != SAM_OK ||
        (rc = check_hashes("authorized", authorized, n_authorized)) != SAM_OK ||
        (rc = check_hashes("requested", requested, n_requested)) != SAM_OK)
        return rc;
    if (n_requested == 0)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: no hash to reserve");
    if (n_requested > num_signatures)
        return sam_error_set(SAM_E_SAD_EXHAUSTED,
                             "%zu signatures requested, the SAD allows %u in total", n_requested,
                             num_signatures);
    rc = tally(authorized, n_authorized, requested, n_requested, &hashes, &req.n_hashes);
    if (rc != SAM_OK)
        return rc;
    req.issuer = issuer;
    req.jti = jti;
    req.expires = expires;
    req.num_signatures = num_signatures;
    req.n_requested = (uint32_t)n_requested;
    req.hashes = hashes;
    /* Copied first: once recorded, the reservation must reach the caller. */
    if ((r = reservation_copy(&req)) == NULL)
        rc = sam_error_set(SAM_E_NOMEM, "out of memory recording a SAD reservation");
    else if ((rc = s->ops->sad_reserve(s->impl, &req)) == SAM_OK) {
        *reservation = r;
        r = NULL;
    }
    free(r);
    free(hashes);
    return rc;
}

int sam_store_sad_release(sam_store_t *s, sam_store_reservation_t *reservation)
{
    int rc;

    if (s == NULL || reservation == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: store or reservation missing");
    if (reservation->released)
        return SAM_OK;
    if ((rc = s->ops->sad_release(s->impl, &reservation->req)) == SAM_OK)
        reservation->released = true;
    return rc;
}

void sam_store_reservation_free(sam_store_reservation_t *reservation)
{
    free(reservation);
}

int sam_store_assign_key(sam_store_t *s, const char *key_id, const char *signer_id)
{
    int rc;

    if (s == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: store missing");
    if ((rc = check_id("key id", key_id)) != SAM_OK ||
        (rc = check_id("signer id", signer_id)) != SAM_OK)
        return rc;
    return s->ops->assign_key(s->impl, key_id, signer_id);
}

int sam_store_key_assignee(sam_store_t *s, const char *key_id, char **signer_id)
{
    int rc;

    if (signer_id != NULL)
        *signer_id = NULL;
    if (s == NULL || signer_id == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: store or output missing");
    if ((rc = check_id("key id", key_id)) != SAM_OK)
        return rc;
    return s->ops->key_assignee(s->impl, key_id, signer_id);
}

int sam_store_delete_key(sam_store_t *s, const char *key_id)
{
    int rc;

    if (s == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: store missing");
    if ((rc = check_id("key id", key_id)) != SAM_OK)
        return rc;
    return s->ops->delete_key(s->impl, key_id);
}

int sam_store_key_deleted(sam_store_t *s, const char *key_id, bool *deleted)
{
    int rc;

    /* Fail closed for a caller that would look at *deleted despite an error. */
    if (deleted != NULL)
        *deleted = true;
    if (s == NULL || deleted == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: store or output missing");
    if ((rc = check_id("key id", key_id)) != SAM_OK)
        return rc;
    return s->ops->key_deleted(s->impl, key_id, deleted);
}

int sam_store_key_check(sam_store_t *s, const char *key_id, uint32_t revision)
{
    bool deleted = true, found = false;
    uint32_t current = 0;
    int rc;

    if (s == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: store missing");
    if ((rc = check_id("key id", key_id)) != SAM_OK)
        return rc;
    if ((rc = s->ops->key_state(s->impl, key_id, &deleted, &found, &current)) != SAM_OK)
        return rc;
    if (deleted)
        return sam_error_set(SAM_E_KEY_DELETED, "key pair %s was deleted", key_id);
    if ((found ? current : 0) != revision)
        return sam_error_set(SAM_E_INVALID_KEY_PAIR,
                             "key_pair: an older copy; the key pair has changed since");
    return SAM_OK;
}

int sam_store_key_revision_advance(sam_store_t *s, const char *key_id, uint32_t from, uint32_t to)
{
    int rc;

    if (s == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: store missing");
    if ((rc = check_id("key id", key_id)) != SAM_OK)
        return rc;
    if (to <= from)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: a revision only goes forward");
    return s->ops->key_revision_advance(s->impl, key_id, from, to);
}

int sam_store_purge_expired(sam_store_t *s, int64_t now)
{
    if (s == NULL)
        return sam_error_set(SAM_E_INVALID_ARG, "state store: store missing");
    return s->ops->purge_expired(s->impl, now);
}
