/* dynamic_config.json: registries, references, uniqueness, versions, serialization. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "config_fixtures.h"
#include "sam/config.h"
#include "sam/rc.h"
#include "sam/strbuf.h"

/* Document lines 2..10 (line 1 is "{", line 11 is "}"). */
static const char *const base[] = {
    "  \"version\": 5,",
    "  \"authorization_servers\": [",
    "    {\"id\": \"as1\", \"public_key\": \"@A@\", \"kid\": \"k1\"},",
    "    {\"id\": \"https://as2.example\", \"public_key\": \"@RSA@\"}",
    "  ],",
    "  \"signing_service_privileged_users\": [",
    "    {\"id\": \"ssa1\", \"public_key\": \"@B@\", \"allowed_authorization_servers\": [\"as1\", "
    "\"https://as2.example\"]},",
    "    {\"id\": \"ssa2\", \"public_key\": \"@C@\", \"allowed_authorization_servers\": []}",
    "  ]",
};
#define NBASE (sizeof(base) / sizeof(base[0]))

/* The base document with line `line` (2..10) replaced by repl. */
static char *doc(size_t line, const char *repl)
{
    sam_strbuf_t b = SAM_STRBUF_INIT;
    sam_strbuf_puts(&b, "{\n");
    for (size_t i = 0; i < NBASE; i++) {
        sam_strbuf_puts(&b, line == i + 2 ? repl : base[i]);
        sam_strbuf_puts(&b, "\n");
    }
    sam_strbuf_puts(&b, "}\n");
    cr_assert_eq(sam_strbuf_finish(&b), 0);
    char *expanded = fx_expand(b.ptr);
    sam_strbuf_free(&b);
    return expanded;
}

static sam_dynamic_config_t *parse_text_ok(const char *text)
{
    sam_dynamic_config_t *c = NULL;
    int rc = sam_dynamic_config_parse(text, strlen(text), "dyn.json", &c);
    cr_assert_eq(rc, SAM_OK, "refused: %s\n%s", sam_error_message(), text);
    return c;
}

static sam_dynamic_config_t *parse_ok(size_t line, const char *repl)
{
    char *text = doc(line, repl);
    sam_dynamic_config_t *c = parse_text_ok(text);
    free(text);
    return c;
}

#define REFUSED(line, repl, ...)                                                                   \
    do {                                                                                           \
        char *text_ = doc(line, repl);                                                             \
        sam_dynamic_config_t *c_ = (sam_dynamic_config_t *)1;                                      \
        int rc_ = sam_dynamic_config_parse(text_, strlen(text_), "dyn.json", &c_);                 \
        cr_assert_eq(rc_, SAM_E_CONFIG, "accepted or wrong rc %d:\n%s", rc_, text_);               \
        cr_assert_null(c_);                                                                        \
        fx_assert_contains(sam_error_message(), "dyn.json: ", __VA_ARGS__, NULL);                  \
        free(text_);                                                                               \
    } while (0)

Test(dynamic_config, valid_document)
{
    sam_dynamic_config_t *c = parse_ok(0, NULL);
    cr_assert_eq(c->version, 5);
    cr_assert_eq(c->authorization_server_count, 2);
    cr_assert_str_eq(c->authorization_servers[0].kid, "k1");
    cr_assert_null(c->authorization_servers[1].kid);
    cr_assert_eq(c->ssa_count, 2);
    cr_assert_eq(c->ssas[0].allowed_count, 2);
    cr_assert_eq(c->ssas[0].allowed[1], 1);
    cr_assert_eq(c->ssas[1].allowed_count, 0);

    const sam_ssa_t *ssa1 = sam_dynamic_config_find_ssa(c, fx_key_sha256(FX_EC256_B));
    cr_assert_eq(ssa1, &c->ssas[0]);
    cr_assert_null(sam_dynamic_config_find_ssa(c, fx_key_sha256(FX_EC256_A)),
                   "an AS key is no SSA");
    const sam_auth_server_t *as2 = sam_dynamic_config_find_as(c, "https://as2.example");
    cr_assert_eq(as2, &c->authorization_servers[1]);
    cr_assert_null(sam_dynamic_config_find_as(c, "as3"));
    cr_assert(sam_ssa_trusts(c, ssa1, as2));
    cr_assert_not(sam_ssa_trusts(c, &c->ssas[1], as2));
    sam_dynamic_config_free(c);
}

Test(dynamic_config, the_example_file_is_valid)
{
    sam_dynamic_config_t *c = NULL;
    int rc = sam_dynamic_config_load(SAM_EXAMPLES_CONFIG_DIR "/dynamic_config.json", &c);
    cr_assert_eq(rc, SAM_OK, "%s", sam_error_message());
    cr_assert_geq(c->version, 1);
    cr_assert_gt(c->ssa_count, 0);
    sam_dynamic_config_free(c);
}

Test(dynamic_config, empty_registries_are_valid)
{
    const char *t = "{\"version\": 1, \"authorization_servers\": [], "
                    "\"signing_service_privileged_users\": []}";
    sam_dynamic_config_t *c = parse_text_ok(t);
    cr_assert_eq(c->authorization_server_count, 0);
    cr_assert_eq(c->ssa_count, 0);
    sam_dynamic_config_free(c);
}

Test(dynamic_config, version)
{
    REFUSED(2, "  \"version\": 0,", "line 2", "\"version\"");
    REFUSED(2, "  \"version\": -3,", "line 2", "\"version\"");
    REFUSED(2, "  \"version\": \"5\",", "line 2", "\"version\"", "integer");
    REFUSED(2, "  \"version\": 5.0,", "line 2", "\"version\"", "integer");
    REFUSED(2, "  \"version\": 9007199254740992,", "line 2", "\"version\"");
    REFUSED(2, "  \"version\": 99999999999999999999,", "line 2");
    REFUSED(2, "", "line 1", "\"version\"", "required");
    sam_dynamic_config_t *c = parse_ok(2, "  \"version\": 9007199254740991,");
    cr_assert_eq(c->version, INT64_C(9007199254740991));
    sam_dynamic_config_free(c);
}

Test(dynamic_config, version_must_grow)
{
    cr_assert_eq(sam_dynamic_config_check_version(5, 6), SAM_OK);
    cr_assert_eq(sam_dynamic_config_check_version(0, 1), SAM_OK);
    cr_assert_eq(sam_dynamic_config_check_version(5, 5), SAM_E_VERSION_CONFLICT);
    cr_assert_eq(sam_dynamic_config_check_version(5, 3), SAM_E_VERSION_CONFLICT);
    cr_assert_str_eq(sam_error_message(), "version 3 is not greater than the installed version 5");
}

Test(dynamic_config, unknown_fields_are_refused)
{
    REFUSED(2, "  \"version\": 5, \"comment\": \"x\",", "line 2", "unknown field \"comment\"");
    REFUSED(4, "    {\"id\": \"as1\", \"public_key\": \"@A@\", \"url\": \"https://x\"},", "line 4",
            "\"url\"", "authorization_servers[0]");
    REFUSED(
        9,
        "    {\"id\": \"ssa2\", \"public_key\": \"@C@\", \"allowed_authorization_servers\": [], "
        "\"role\": \"admin\"}",
        "line 9", "\"role\"", "signing_service_privileged_users[1]");
}

Test(dynamic_config, duplicate_json_keys_are_refused)
{
    REFUSED(4, "    {\"id\": \"as1\", \"id\": \"as9\", \"public_key\": \"@A@\"},", "line 4");
}

Test(dynamic_config, authorization_servers)
{
    REFUSED(5, "    {\"id\": \"as1\", \"public_key\": \"@RSA@\"}", "line 5",
            "\"authorization_servers[1]\"", "same id");
    REFUSED(5, "    {\"id\": \"as2\", \"public_key\": \"@PEM_A@\"}", "line 5",
            "\"authorization_servers[1]\"", "same public key");
    REFUSED(5, "    {\"id\": \"as2\", \"public_key\": \"@RSA1024@\"}", "line 5",
            "\"authorization_servers[1].public_key\"");
    REFUSED(5, "    {\"id\": \"as2\", \"public_key\": \"MIIB\"}", "line 5",
            "\"authorization_servers[1].public_key\"");
    REFUSED(5, "    {\"id\": \"as2\"}", "line 5", "\"authorization_servers[1].public_key\"",
            "required");
    REFUSED(5, "    {\"id\": \"\", \"public_key\": \"@RSA@\"}", "line 5",
            "\"authorization_servers[1].id\"");
    REFUSED(5, "    {\"id\": \"as2\", \"public_key\": \"@RSA@\", \"kid\": \"\"}", "line 5",
            "\"authorization_servers[1].kid\"");
    REFUSED(5, "    \"as2\"", "line 5", "\"authorization_servers[1]\"", "object");
    REFUSED(3, "  \"authorization_servers\": {", "line 4", "malformed");
}

Test(dynamic_config, signing_service_privileged_users)
{
    REFUSED(
        9, "    {\"id\": \"ssa1\", \"public_key\": \"@C@\", \"allowed_authorization_servers\": []}",
        "line 9", "\"signing_service_privileged_users[1]\"", "same id");
    REFUSED(
        9, "    {\"id\": \"ssa2\", \"public_key\": \"@B@\", \"allowed_authorization_servers\": []}",
        "line 9", "\"signing_service_privileged_users[1]\"", "same public key");
    REFUSED(8,
            "    {\"id\": \"ssa1\", \"public_key\": \"@B@\", \"allowed_authorization_servers\": "
            "[\"as3\"]},",
            "line 8", "\"signing_service_privileged_users[0].allowed_authorization_servers[0]\"",
            "names no authorization server");
    REFUSED(8,
            "    {\"id\": \"ssa1\", \"public_key\": \"@B@\", \"allowed_authorization_servers\": "
            "[\"as1\", \"as1\"]},",
            "line 8", "allowed_authorization_servers[1]\"", "repeats");
    REFUSED(8,
            "    {\"id\": \"ssa1\", \"public_key\": \"@B@\", \"allowed_authorization_servers\": "
            "[1]},",
            "line 8", "allowed_authorization_servers[0]\"", "string");
    REFUSED(8, "    {\"id\": \"ssa1\", \"public_key\": \"@B@\"},", "line 8",
            "\"signing_service_privileged_users[0].allowed_authorization_servers\"", "required");
    REFUSED(8,
            "    {\"id\": \"ssa1\", \"public_key\": \"not base64!\", "
            "\"allowed_authorization_servers\": []},",
            "line 8", "\"signing_service_privileged_users[0].public_key\"");
    REFUSED(
        8,
        "    {\"id\": \"ssa1\", \"public_key\": \"@ED@\", \"allowed_authorization_servers\": []},",
        "line 8", "\"signing_service_privileged_users[0].public_key\"");
}

Test(dynamic_config, messages_without_a_name)
{
    char *text = doc(2, "  \"version\": 0,");
    sam_dynamic_config_t *c = NULL;
    cr_assert_eq(sam_dynamic_config_parse(text, strlen(text), NULL, &c), SAM_E_CONFIG);
    cr_assert_eq(strncmp(sam_error_message(), "line 2, column 14: field \"version\"", 34), 0, "%s",
                 sam_error_message());
    free(text);
}

Test(dynamic_config, serialization_round_trips)
{
    sam_dynamic_config_t *c = parse_ok(4, "    {\"id\": \"as1\", \"public_key\": \"@PEM_A@\", "
                                          "\"kid\": \"k\\\"1\"},");
    sam_strbuf_t b1 = SAM_STRBUF_INIT, b2 = SAM_STRBUF_INIT;
    cr_assert_eq(sam_dynamic_config_write(c, &b1), SAM_OK);
    cr_assert_null(strstr(b1.ptr, "BEGIN"), "keys are written as base64 DER");
    cr_assert_not_null(strstr(b1.ptr, fx_key_b64(FX_EC256_A)));
    sam_dynamic_config_t *again = parse_text_ok(b1.ptr);
    cr_assert_eq(again->version, c->version);
    cr_assert_eq(again->ssa_count, c->ssa_count);
    cr_assert_str_eq(again->authorization_servers[0].kid, "k\"1");
    cr_assert_eq(again->ssas[0].allowed_count, 2);
    cr_assert_eq(again->ssas[0].allowed[1], 1);
    cr_assert_eq(sam_dynamic_config_write(again, &b2), SAM_OK);
    cr_assert_str_eq(b1.ptr, b2.ptr);
    sam_strbuf_free(&b1);
    sam_strbuf_free(&b2);
    sam_dynamic_config_free(c);
    sam_dynamic_config_free(again);

    c = parse_text_ok("{\"version\": 2, \"authorization_servers\": [], "
                      "\"signing_service_privileged_users\": []}");
    cr_assert_eq(sam_dynamic_config_write(c, &b1), SAM_OK);
    cr_assert_str_eq(b1.ptr, "{\n  \"version\": 2,\n  \"authorization_servers\": [],\n"
                             "  \"signing_service_privileged_users\": []\n}\n");
    sam_strbuf_free(&b1);
    sam_dynamic_config_free(c);
}

Test(dynamic_config, roles_never_mix)
{
    char *st = fx_expand("{\"listen\": [{\"address\": \"::1\", \"port\": 1}],\n"
                         " \"tls\": {\"certificate\": \"/a\", \"private_key\": \"/b\"},\n"
                         " \"administrators\": [{\"id\": \"root\", \"public_key\": \"@B@\"}],\n"
                         " \"store\": {\"type\": \"sqlite\", \"path\": \"/s\"},\n"
                         " \"audit\": {\"service_log\": \"/l\", \"admin_log\": \"/m\"}}");
    sam_static_config_t *s = NULL;
    cr_assert_eq(sam_static_config_parse(st, strlen(st), NULL, &s), SAM_OK, "%s",
                 sam_error_message());
    sam_dynamic_config_t *d = parse_ok(0, NULL);
    cr_assert_eq(sam_config_check_roles(s, d), SAM_E_CONFIG);
    fx_assert_contains(sam_error_message(), "\"ssa1\"", "\"root\"", NULL);
    sam_dynamic_config_free(d);
    d = parse_ok(8, "    {\"id\": \"ssa1\", \"public_key\": \"@P384@\", "
                    "\"allowed_authorization_servers\": []},");
    cr_assert_eq(sam_config_check_roles(s, d), SAM_OK);
    sam_dynamic_config_free(d);
    sam_static_config_free(s);
    free(st);
}
