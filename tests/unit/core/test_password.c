/* Salted slow hashes of passwords and PINs (password.h). */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "sam/password.h"
#include "sam/rc.h"

#define OK(expr) cr_assert_eq((expr), SAM_OK, "%s: %s", #expr, sam_error_message())

Test(password, hash_and_verify)
{
    char *h1 = NULL, *h2 = NULL;
    bool match = false;

    OK(sam_password_hash("correct horse", 13, &h1));
    OK(sam_password_hash("correct horse", 13, &h2));
    cr_assert(strncmp(h1, "$scrypt$32768$8$1$", 18) == 0, "%s", h1);
    cr_assert_str_neq(h1, h2); /* salted */
    OK(sam_password_verify("correct horse", 13, h1, &match));
    cr_assert(match);
    OK(sam_password_verify("correct horsf", 13, h1, &match));
    cr_assert(!match);
    OK(sam_password_verify("correct hors", 12, h1, &match));
    cr_assert(!match);
    free(h1);
    free(h2);
}

Test(password, refuses_bad_input)
{
    char *h = (char *)"x";
    bool match = true;
    char big[SAM_PASSWORD_MAX_LEN + 1];

    cr_assert_eq(sam_password_hash("", 0, &h), SAM_E_INVALID_ARG);
    cr_assert_null(h);
    memset(big, 'a', sizeof(big));
    cr_assert_eq(sam_password_hash(big, sizeof(big), &h), SAM_E_INVALID_ARG);
    cr_assert_eq(sam_password_verify("a", 1, "plain", &match), SAM_E_PARSE);
    cr_assert(!match);
    cr_assert_eq(sam_password_verify("a", 1, "$scrypt$3$8$1$AAAAAAAAAAAAAAAAAAAAAA==$x", &match),
                 SAM_E_PARSE);
    /* Parameters over the bounds would cost unbounded memory: refused. */
    cr_assert_eq(sam_password_verify("a", 1,
                                     "$scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA==$"
                                     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                                     &match),
                 SAM_E_PARSE);
    cr_assert_eq(sam_password_verify("a", 1, "$scrypt$32768$8$1$AAAA$AAAA", &match), SAM_E_PARSE);
}
