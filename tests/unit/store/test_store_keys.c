/* Key assignment once ever, the assignee, and the deleted-keys deny-list. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "sam/rc.h"
#include "sam/store.h"
#include "store_fixture.h"

TestSuite(store_keys, .init = fx_setup, .fini = fx_teardown);

#define OK(expr) cr_assert_eq((expr), SAM_OK, "%s: %s", #expr, sam_error_message())

static void assert_assignee(sam_store_t *s, const char *key, const char *signer)
{
    char *who = NULL;

    OK(sam_store_key_assignee(s, key, &who));
    cr_assert_str_eq(who, signer);
    free(who);
}

static bool deleted(sam_store_t *s, const char *key)
{
    bool d = true;

    OK(sam_store_key_deleted(s, key, &d));
    return d;
}

Test(store_keys, assign_once)
{
    sam_store_t *s = fx_open();
    char *who = (char *)"x";

    cr_assert_eq(sam_store_key_assignee(s, "k1", &who), SAM_E_NOT_FOUND);
    cr_assert_null(who);
    OK(sam_store_assign_key(s, "k1", "alice"));
    assert_assignee(s, "k1", "alice");
    OK(sam_store_assign_key(s, "k1", "alice")); /* idempotent */
    cr_assert_eq(sam_store_assign_key(s, "k1", "bob"), SAM_E_KEY_ALREADY_ASSIGNED);
    cr_assert_eq(sam_store_assign_key(s, "k1", "alice2"), SAM_E_KEY_ALREADY_ASSIGNED);
    cr_assert_eq(sam_store_assign_key(s, "k1", "alic"), SAM_E_KEY_ALREADY_ASSIGNED);
    assert_assignee(s, "k1", "alice");
    OK(sam_store_assign_key(s, "k2", "bob")); /* another key: independent */
    assert_assignee(s, "k2", "bob");
    cr_assert_eq(sam_store_key_assignee(s, "K1", &who), SAM_E_NOT_FOUND); /* bytes, not case */
    sam_store_close(s);

    s = fx_open();
    assert_assignee(s, "k1", "alice");
    cr_assert_eq(sam_store_assign_key(s, "k1", "bob"), SAM_E_KEY_ALREADY_ASSIGNED);
    OK(sam_store_assign_key(s, "k1", "alice"));
    sam_store_close(s);
}

Test(store_keys, delete)
{
    sam_store_t *s = fx_open();

    OK(sam_store_assign_key(s, "k1", "alice"));
    cr_assert_not(deleted(s, "k1"));
    cr_assert_not(deleted(s, "k2"));
    OK(sam_store_delete_key(s, "k1"));
    OK(sam_store_delete_key(s, "k2")); /* never assigned: may be deleted too */
    OK(sam_store_delete_key(s, "k1")); /* twice: fine */
    cr_assert(deleted(s, "k1"));
    cr_assert(deleted(s, "k2"));
    cr_assert_not(deleted(s, "k3"));
    /* Assigning a deleted key: refused, also to its own signer. */
    cr_assert_eq(sam_store_assign_key(s, "k1", "alice"), SAM_E_KEY_DELETED);
    cr_assert_eq(sam_store_assign_key(s, "k1", "bob"), SAM_E_KEY_DELETED);
    cr_assert_eq(sam_store_assign_key(s, "k2", "bob"), SAM_E_KEY_DELETED);
    assert_assignee(s, "k1", "alice"); /* the assignment row is kept */
    sam_store_close(s);

    s = fx_open();
    cr_assert(deleted(s, "k1"));
    cr_assert(deleted(s, "k2"));
    cr_assert_not(deleted(s, "k3"));
    cr_assert_eq(sam_store_assign_key(s, "k2", "carol"), SAM_E_KEY_DELETED);
    sam_store_close(s);
}

Test(store_keys, bounds)
{
    sam_store_t *s = fx_open();
    char id[258];
    char *who = NULL;
    bool d = false;

    memset(id, 'k', sizeof(id));
    id[257] = '\0';
    cr_assert_eq(sam_store_assign_key(s, id, "a"), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_assign_key(s, "k", id), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_assign_key(s, "", "a"), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_assign_key(s, "k", NULL), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_delete_key(s, id), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_key_deleted(s, id, &d), SAM_E_INVALID_ARG);
    cr_assert(d, "a failed deny-list check reads as deleted");
    cr_assert_eq(sam_store_key_deleted(s, "k", NULL), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_key_assignee(s, id, &who), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_key_assignee(s, "k", NULL), SAM_E_INVALID_ARG);
    id[256] = '\0';
    OK(sam_store_assign_key(s, id, id));
    assert_assignee(s, id, id);
    sam_store_close(s);
    sam_store_close(NULL);
}

/* Key pair revisions (N12): no record is revision 0; only the current one passes. */
Test(store_keys, revision_check_and_advance)
{
    sam_store_t *s = fx_open();

    OK(sam_store_key_check(s, "k1", 0));
    cr_assert_eq(sam_store_key_check(s, "k1", 1), SAM_E_INVALID_KEY_PAIR);
    cr_assert_eq(sam_store_key_revision_advance(s, "k1", 1, 2), SAM_E_INVALID_KEY_PAIR);
    OK(sam_store_key_check(s, "k1", 0)); /* a refused advance changed nothing */
    OK(sam_store_key_revision_advance(s, "k1", 0, 1));
    cr_assert_eq(sam_store_key_check(s, "k1", 0), SAM_E_INVALID_KEY_PAIR);
    cr_assert_str_eq(sam_error_message(),
                     "key_pair: an older copy; the key pair has changed since");
    OK(sam_store_key_check(s, "k1", 1));
    cr_assert_eq(sam_store_key_check(s, "k1", 2), SAM_E_INVALID_KEY_PAIR); /* not yet */
    cr_assert_eq(sam_store_key_revision_advance(s, "k1", 0, 1), SAM_E_INVALID_KEY_PAIR); /* again */
    OK(sam_store_key_revision_advance(s, "k1", 1, 2));
    cr_assert_eq(sam_store_key_check(s, "k1", 1), SAM_E_INVALID_KEY_PAIR);
    /* A revision only goes forward. */
    cr_assert_eq(sam_store_key_revision_advance(s, "k1", 2, 2), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_key_check(NULL, "k1", 0), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_store_key_check(s, "", 0), SAM_E_INVALID_ARG);
    OK(sam_store_key_check(s, "k2", 0)); /* another key: independent */
    sam_store_close(s);

    s = fx_open(); /* kept across a restart */
    OK(sam_store_key_check(s, "k1", 2));
    cr_assert_eq(sam_store_key_check(s, "k1", 0), SAM_E_INVALID_KEY_PAIR);
    /* A deleted key fails the check at any revision, the current one included. */
    OK(sam_store_delete_key(s, "k1"));
    cr_assert_eq(sam_store_key_check(s, "k1", 2), SAM_E_KEY_DELETED);
    cr_assert_eq(sam_store_key_check(s, "k1", 0), SAM_E_KEY_DELETED);
    OK(sam_store_key_check(s, "k2", 0));
    sam_store_close(s);
}
