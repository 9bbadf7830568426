/* static_config.json: defaults, every section's checks, positions in messages. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_fixtures.h"
#include "sam/config.h"
#include "sam/rc.h"
#include "sam/strbuf.h"

/* Document lines 2..6; line 1 is "{", extra members start at line 7. */
static const char *const base[] = {
    "  \"listen\": [{\"address\": \"127.0.0.1\", \"port\": 8443}]",
    "  \"tls\": {\"certificate\": \"/etc/opensam/tls/server.pem\", \"private_key\": "
    "\"/etc/opensam/tls/server.key\"}",
    "  \"administrators\": [{\"id\": \"admin1\", \"public_key\": \"@A@\"}]",
    "  \"store\": {\"type\": \"sqlite\", \"path\": \"/var/lib/opensam/state.db\"}",
    "  \"audit\": {\"service_log\": \"/var/log/opensam/service.log\", \"admin_log\": "
    "\"/var/log/opensam/admin.log\"}",
};
#define NBASE 5

/*
 * The base document with document line `line` (2..6) replaced by repl ("" deletes
 * the member but keeps the line), and extra members from line 7 on.
 */
static char *doc(int line, const char *repl, const char *extra)
{
    const char *items[NBASE + 1];
    size_t n = 0;
    sam_strbuf_t b = SAM_STRBUF_INIT;
    for (int i = 0; i < NBASE; i++)
        items[n++] = (line == i + 2) ? (repl[0] != '\0' ? repl : NULL) : base[i];
    items[n++] = extra;
    sam_strbuf_puts(&b, "{\n");
    for (size_t i = 0; i < n; i++) {
        if (items[i] != NULL) {
            sam_strbuf_puts(&b, items[i]);
            for (size_t j = i + 1; j < n; j++)
                if (items[j] != NULL) {
                    sam_strbuf_puts(&b, ",");
                    break;
                }
        }
        if (i + 1 < n)
            sam_strbuf_puts(&b, "\n");
    }
    sam_strbuf_puts(&b, "\n}\n");
    cr_assert_eq(sam_strbuf_finish(&b), 0);
    char *expanded = fx_expand(b.ptr);
    sam_strbuf_free(&b);
    return expanded;
}

static sam_static_config_t *parse_ok(int line, const char *repl, const char *extra)
{
    char *text = doc(line, repl, extra);
    sam_static_config_t *c = NULL;
    int rc = sam_static_config_parse(text, strlen(text), "static.json", &c);
    cr_assert_eq(rc, SAM_OK, "refused: %s\n%s", sam_error_message(), text);
    cr_assert_not_null(c);
    free(text);
    return c;
}

/* Expect a refusal whose message holds each needle (NULL-terminated). */
#define REFUSED(line, repl, extra, ...)                                                            \
    do {                                                                                           \
        char *text_ = doc(line, repl, extra);                                                      \
        sam_static_config_t *c_ = (sam_static_config_t *)1;                                        \
        int rc_ = sam_static_config_parse(text_, strlen(text_), "static.json", &c_);               \
        cr_assert_eq(rc_, SAM_E_CONFIG, "accepted or wrong rc %d:\n%s", rc_, text_);               \
        cr_assert_null(c_);                                                                        \
        fx_assert_contains(sam_error_message(), "static.json: ", __VA_ARGS__, NULL);               \
        free(text_);                                                                               \
    } while (0)

Test(static_config, minimal_document_gets_the_defaults)
{
    sam_static_config_t *c = parse_ok(0, "", NULL);
    cr_assert_eq(c->listen_count, 1);
    cr_assert_str_eq(c->listen[0].address, "127.0.0.1");
    cr_assert_eq(c->listen[0].port, 8443);
    cr_assert_eq(c->threads, 2);
    cr_assert_eq(c->workers, 16);
    cr_assert_eq(c->tls.min_version, SAM_TLS_1_2);
    cr_assert_null(c->tls.client_ca);
    cr_assert_eq(c->administrator_count, 1);
    cr_assert_str_eq(c->administrators[0].id, "admin1");
    cr_assert_eq(memcmp(c->administrators[0].key.sha256, fx_key_sha256(FX_EC256_A), 32), 0);
    cr_assert_eq(c->store.type, SAM_STORE_SQLITE);
    cr_assert_str_eq(c->store.path, "/var/lib/opensam/state.db");
    cr_assert_eq(c->audit.syslog, false);
    cr_assert_eq(c->limits.max_body_bytes, 1048576);
    cr_assert_eq(c->limits.max_json_depth, 16);
    cr_assert_eq(c->limits.max_hashes_per_request, 1000);
    cr_assert_eq(c->sad.max_lifetime_seconds, 300);
    cr_assert_eq(c->sad.clock_skew_seconds, 30);
    cr_assert_null(c->sad.min_loa);
    cr_assert_eq(c->sad.loa_level_count, 3);
    cr_assert_eq(c->sad.require_assignment_consent, false);
    cr_assert_eq(c->algorithms.key_algorithms, SAM_KEYALG_ALL);
    cr_assert_eq(c->algorithms.signature_algorithms, SAM_SIGALG_ALL);
    cr_assert_eq(c->csc.enabled, false);
    cr_assert_eq(c->verifier_plugin_count, 0);
    cr_assert_null(c->node);
    cr_assert_eq(sam_static_config_find_admin(c, fx_key_sha256(FX_EC256_A)), &c->administrators[0]);
    cr_assert_null(sam_static_config_find_admin(c, fx_key_sha256(FX_EC256_B)));
    sam_static_config_free(c);
}

Test(static_config, the_example_file_is_valid)
{
    sam_static_config_t *c = NULL;
    int rc = sam_static_config_load(SAM_EXAMPLES_CONFIG_DIR "/static_config.json", &c);
    cr_assert_eq(rc, SAM_OK, "%s", sam_error_message());
    cr_assert_gt(c->administrator_count, 0);
    cr_assert(c->csc.enabled);
    sam_static_config_free(c);
}

Test(static_config, root_must_be_an_object)
{
    sam_static_config_t *c = NULL;
    cr_assert_eq(sam_static_config_parse("[1]", 3, "s.json", &c), SAM_E_CONFIG);
    fx_assert_contains(sam_error_message(), "s.json: line 1, column 1", "object", NULL);
    cr_assert_eq(sam_static_config_parse("{", 1, NULL, &c), SAM_E_CONFIG);
    fx_assert_contains(sam_error_message(), "line 1", NULL);
    cr_assert_eq(strncmp(sam_error_message(), "line", 4), 0, "no name, no prefix: %s",
                 sam_error_message());
}

Test(static_config, unknown_fields_are_refused)
{
    REFUSED(0, "", "  \"colour\": \"blue\"", "line 7", "unknown field \"colour\"");
    REFUSED(3,
            "  \"tls\": {\"certificate\": \"/a\", \"private_key\": \"/b\", \"ciphers\": \"ALL\"}",
            NULL, "line 3", "\"ciphers\"", "tls");
    REFUSED(4, "  \"administrators\": [{\"id\": \"a\", \"public_key\": \"@A@\", \"role\": 1}]",
            NULL, "line 4", "\"role\"", "administrators[0]");
    REFUSED(0, "", "  \"limits\": {\"max_bodybytes\": 2048}", "line 7", "\"max_bodybytes\"");
}

Test(static_config, duplicate_json_keys_are_refused)
{
    REFUSED(0, "", "  \"threads\": 2,\n  \"threads\": 3", "line 8");
}

Test(static_config, required_sections)
{
    REFUSED(3, "", NULL, "line 1", "\"tls\"", "required");
    REFUSED(2, "", NULL, "\"listen\"", "required");
    REFUSED(4, "", NULL, "\"administrators\"", "required");
    REFUSED(5, "", NULL, "\"store\"", "required");
    REFUSED(6, "", NULL, "\"audit\"", "required");
}

Test(static_config, listen)
{
    REFUSED(2, "  \"listen\": [{\"address\": \"127.0.0.1\", \"port\": 0}]", NULL, "line 2",
            "\"listen[0].port\"", "between 1 and 65535");
    REFUSED(2, "  \"listen\": [{\"address\": \"127.0.0.1\", \"port\": 65536}]", NULL,
            "\"listen[0].port\"");
    REFUSED(2, "  \"listen\": [{\"address\": \"localhost\", \"port\": 1}]", NULL, "line 2",
            "\"listen[0].address\"", "numeric");
    REFUSED(2, "  \"listen\": [{\"address\": \"127.0.0.1\", \"port\": \"443\"}]", NULL,
            "\"listen[0].port\"", "integer");
    REFUSED(2, "  \"listen\": []", NULL, "line 2", "\"listen\"");
    REFUSED(
        2,
        "  \"listen\": [{\"address\": \"::1\", \"port\": 1}, {\"address\": \"::1\", \"port\": 1}]",
        NULL, "\"listen[1]\"", "repeats");
    sam_static_config_t *c =
        parse_ok(2,
                 "  \"listen\": [{\"address\": \"::\", \"port\": 443}, {\"address\": "
                 "\"0.0.0.0\", \"port\": 443}]",
                 "  \"threads\": 8, \"workers\": 16");
    cr_assert_eq(c->listen_count, 2);
    cr_assert_eq(c->threads, 8);
    cr_assert_eq(c->workers, 16);
    sam_static_config_free(c);
    REFUSED(0, "", "  \"threads\": 0", "line 7", "\"threads\"", "between 1 and 64");
    REFUSED(0, "", "  \"threads\": 2.5", "line 7", "\"threads\"", "integer");
}

Test(static_config, tls)
{
    REFUSED(
        3,
        "  \"tls\": {\"certificate\": \"/a\", \"private_key\": \"/b\", \"min_version\": \"1.1\"}",
        NULL, "line 3", "\"tls.min_version\"");
    REFUSED(3, "  \"tls\": {\"certificate\": \"server.pem\", \"private_key\": \"/b\"}", NULL,
            "line 3", "\"tls.certificate\"", "absolute");
    REFUSED(3, "  \"tls\": {\"certificate\": \"/a\"}", NULL, "\"tls.private_key\"", "required");
    REFUSED(3, "  \"tls\": {\"certificate\": \"\", \"private_key\": \"/b\"}", NULL,
            "\"tls.certificate\"", "empty");
    sam_static_config_t *c = parse_ok(3,
                                      "  \"tls\": {\"certificate\": \"/a\", \"private_key\": "
                                      "\"/b\", \"client_ca\": \"/c\", \"min_version\": \"1.3\"}",
                                      NULL);
    cr_assert_eq(c->tls.min_version, SAM_TLS_1_3);
    cr_assert_str_eq(c->tls.client_ca, "/c");
    sam_static_config_free(c);
}

Test(static_config, administrators)
{
    REFUSED(4,
            "  \"administrators\": [{\"id\": \"a\", \"public_key\": \"@A@\"}, {\"id\": \"a\", "
            "\"public_key\": \"@B@\"}]",
            NULL, "line 4", "\"administrators[1]\"", "same id");
    /* The same key written once as base64 DER, once as PEM. */
    REFUSED(4,
            "  \"administrators\": [{\"id\": \"a\", \"public_key\": \"@A@\"}, {\"id\": \"b\", "
            "\"public_key\": \"@PEM_A@\"}]",
            NULL, "\"administrators[1]\"", "same public key");
    REFUSED(4, "  \"administrators\": [{\"id\": \"a\", \"public_key\": \"AAAA\"}]", NULL, "line 4",
            "\"administrators[0].public_key\"");
    REFUSED(4, "  \"administrators\": [{\"id\": \"a\", \"public_key\": \"@RSA1024@\"}]", NULL,
            "\"administrators[0].public_key\"", "1024");
    REFUSED(4, "  \"administrators\": [{\"id\": \"a\", \"public_key\": \"@ED@\"}]", NULL,
            "\"administrators[0].public_key\"", "not accepted");
    REFUSED(4, "  \"administrators\": [{\"id\": \"a b\", \"public_key\": \"@A@\"}]", NULL,
            "\"administrators[0].id\"");
    REFUSED(4, "  \"administrators\": [{\"public_key\": \"@A@\"}]", NULL,
            "\"administrators[0].id\"", "required");
    REFUSED(4, "  \"administrators\": {}", NULL, "\"administrators\"", "array");
    sam_static_config_t *c =
        parse_ok(4,
                 "  \"administrators\": [{\"id\": \"a\", \"public_key\": \"@PEM_A@\"}, {\"id\": "
                 "\"b\", \"public_key\": \"@RSA@\"}, {\"id\": \"c\", \"public_key\": \"@P384@\"}]",
                 NULL);
    cr_assert_eq(c->administrator_count, 3);
    cr_assert_eq(memcmp(c->administrators[0].key.sha256, fx_key_sha256(FX_EC256_A), 32), 0);
    cr_assert_eq(memcmp(c->administrators[1].key.sha256, fx_key_sha256(FX_RSA2048), 32), 0);
    sam_static_config_free(c);
}

Test(static_config, plugins_and_node)
{
    sam_static_config_t *c =
        parse_ok(0, "",
                 "  \"plugins\": {\"verifiers\": [\"/usr/lib/opensam/jws.so\"]},\n"
                 "  \"node\": \"node-1.example\"");
    cr_assert_eq(c->verifier_plugin_count, 1);
    cr_assert_str_eq(c->verifier_plugins[0], "/usr/lib/opensam/jws.so");
    cr_assert_str_eq(c->node, "node-1.example");
    sam_static_config_free(c);
    REFUSED(0, "", "  \"plugins\": {\"verifiers\": [\"jws.so\"]}", "line 7",
            "\"plugins.verifiers[0]\"", "absolute");
    REFUSED(0, "", "  \"plugins\": {\"verifiers\": [\"/a.so\", \"/a.so\"]}",
            "\"plugins.verifiers[1]\"");
    REFUSED(0, "", "  \"node\": \"node 1\"", "line 7", "\"node\"");
}

Test(static_config, store)
{
    REFUSED(5, "  \"store\": {\"type\": \"mysql\"}", NULL, "line 5", "\"store.type\"");
    REFUSED(5, "  \"store\": {\"type\": \"sqlite\"}", NULL, "\"store.path\"", "required");
    REFUSED(5, "  \"store\": {\"type\": \"sqlite\", \"path\": \"/a\", \"conninfo\": \"x\"}", NULL,
            "\"store.conninfo\"");
    REFUSED(5, "  \"store\": {\"type\": \"postgresql\", \"conninfo\": \"host=db password=x\"}",
            NULL, "\"store.conninfo\"", "password");
    REFUSED(5,
            "  \"store\": {\"type\": \"postgresql\", \"conninfo\": "
            "\"postgresql://sam:secret@db/sam\"}",
            NULL, "\"store.conninfo\"", "password");
    sam_static_config_t *c = parse_ok(
        5, "  \"store\": {\"type\": \"postgresql\", \"conninfo\": \"postgresql://sam@db/sam\"}",
        NULL);
    cr_assert_eq(c->store.type, SAM_STORE_POSTGRESQL);
    cr_assert_str_eq(c->store.conninfo, "postgresql://sam@db/sam");
    cr_assert_null(c->store.path);
    sam_static_config_free(c);
    c = parse_ok(5,
                 "  \"store\": {\"type\": \"postgresql\", \"conninfo\": \"host=db dbname=sam "
                 "passfile=/etc/opensam/pgpass\"}",
                 NULL);
    sam_static_config_free(c);
}

Test(static_config, audit)
{
    REFUSED(6, "  \"audit\": {\"service_log\": \"/l\", \"admin_log\": \"/l\"}", NULL, "line 6",
            "\"audit.admin_log\"");
    REFUSED(6, "  \"audit\": {\"service_log\": \"/l\", \"admin_log\": \"/m\", \"syslog\": 1}", NULL,
            "\"audit.syslog\"", "boolean");
    sam_static_config_t *c = parse_ok(
        6, "  \"audit\": {\"service_log\": \"/l\", \"admin_log\": \"/m\", \"syslog\": true}", NULL);
    cr_assert(c->audit.syslog);
    sam_static_config_free(c);
}

Test(static_config, limits)
{
    sam_static_config_t *c =
        parse_ok(0, "",
                 "  \"limits\": {\"max_body_bytes\": 2048, \"max_hashes_per_request\": 5,\n"
                 "             \"max_streams_per_connection\": 10}");
    cr_assert_eq(c->limits.max_body_bytes, 2048);
    cr_assert_eq(c->limits.max_hashes_per_request, 5);
    cr_assert_eq(c->limits.max_streams_per_connection, 10);
    cr_assert_eq(c->limits.max_json_depth, 16);
    sam_static_config_free(c);
    REFUSED(0, "", "  \"limits\": {\"max_body_bytes\": 10}", "line 7", "\"limits.max_body_bytes\"",
            "between 1024 and");
    REFUSED(0, "", "  \"limits\": {\n    \"max_json_depth\": 1000}", "line 8",
            "\"limits.max_json_depth\"");
    REFUSED(0, "", "  \"limits\": {\"max_header_bytes\": -1}", "\"limits.max_header_bytes\"");
    REFUSED(0, "", "  \"limits\": {\"max_hashes_per_request\": 99999999999999999999}", "line 7");
}

Test(static_config, sad)
{
    sam_static_config_t *c =
        parse_ok(0, "",
                 "  \"sad\": {\"max_lifetime_seconds\": 120, \"clock_skew_seconds\": 0, "
                 "\"min_loa\": \"substantial\", \"require_assignment_consent\": true}");
    cr_assert_eq(c->sad.max_lifetime_seconds, 120);
    cr_assert_eq(c->sad.clock_skew_seconds, 0);
    cr_assert(c->sad.require_assignment_consent);
    cr_assert_eq(sam_sad_loa_check(&c->sad, "high"), SAM_OK);
    cr_assert_eq(sam_sad_loa_check(&c->sad, "substantial"), SAM_OK);
    cr_assert_neq(sam_sad_loa_check(&c->sad, "low"), SAM_OK);
    cr_assert_neq(sam_sad_loa_check(&c->sad, NULL), SAM_OK);
    cr_assert_neq(sam_sad_loa_check(&c->sad, "LOW"), SAM_OK);
    sam_static_config_free(c);

    c = parse_ok(0, "",
                 "  \"sad\": {\"loa_levels\": [\"loa2\", \"loa3\", \"loa4\"], "
                 "\"min_loa\": \"loa3\"}");
    cr_assert_eq(sam_sad_loa_rank(&c->sad, "loa4"), 2);
    cr_assert_eq(sam_sad_loa_check(&c->sad, "loa2") == SAM_OK, false);
    sam_static_config_free(c);

    c = parse_ok(0, "", NULL);
    cr_assert_eq(sam_sad_loa_check(&c->sad, NULL), SAM_OK, "no minimum: no loa is fine");
    sam_static_config_free(c);

    REFUSED(0, "", "  \"sad\": {\"min_loa\": \"medium\"}", "line 7", "\"sad.min_loa\"");
    REFUSED(0, "", "  \"sad\": {\"clock_skew_seconds\": 601}", "\"sad.clock_skew_seconds\"");
    REFUSED(0, "", "  \"sad\": {\"max_lifetime_seconds\": 0}", "\"sad.max_lifetime_seconds\"");
    REFUSED(0, "", "  \"sad\": {\"loa_levels\": [\"a\", \"a\"]}", "\"sad.loa_levels[1]\"");
    REFUSED(0, "", "  \"sad\": {\"loa_levels\": []}", "\"sad.loa_levels\"");
    REFUSED(0, "", "  \"sad\": {\"require_assignment_consent\": \"yes\"}",
            "\"sad.require_assignment_consent\"");
}

Test(static_config, algorithms)
{
    sam_static_config_t *c =
        parse_ok(0, "",
                 "  \"algorithms\": {\"key_algorithms\": [\"RSA-3072\", \"P-256\"],\n"
                 "    \"signature_algorithms\": [\"PS256\", \"ES256\"]}");
    cr_assert_eq(c->algorithms.key_algorithms, SAM_KEYALG_RSA_3072 | SAM_KEYALG_P256);
    cr_assert_eq(c->algorithms.signature_algorithms, SAM_SIGALG_PS256 | SAM_SIGALG_ES256);
    sam_key_spec_t rsa2048 = {SAM_KEY_RSA, 2048, SAM_CURVE_NONE};
    sam_key_spec_t rsa3072 = {SAM_KEY_RSA, 3072, SAM_CURVE_NONE};
    sam_key_spec_t p256 = {SAM_KEY_EC, 0, SAM_CURVE_P256};
    sam_key_spec_t p384 = {SAM_KEY_EC, 0, SAM_CURVE_P384};
    cr_assert_eq(sam_alg_policy_check_key(&c->algorithms, &rsa2048), SAM_E_UNSUPPORTED_ALG);
    fx_assert_contains(sam_error_message(), "RSA-2048", NULL);
    cr_assert_eq(sam_alg_policy_check_key(&c->algorithms, &rsa3072), SAM_OK);
    cr_assert_eq(sam_alg_policy_check_key(&c->algorithms, &p256), SAM_OK);
    cr_assert_eq(sam_alg_policy_check_key(&c->algorithms, &p384), SAM_E_UNSUPPORTED_ALG);
    sam_sig_params_t rs256 = {SAM_SCHEME_RSA_PKCS1, SAM_HASH_SHA256, SAM_HASH_NONE, 0};
    sam_sig_params_t ps256 = {SAM_SCHEME_RSA_PSS, SAM_HASH_SHA256, SAM_HASH_SHA512, 20};
    sam_sig_params_t es384 = {SAM_SCHEME_ECDSA, SAM_HASH_SHA384, SAM_HASH_NONE, 0};
    cr_assert_eq(sam_alg_policy_check_sig(&c->algorithms, &rs256), SAM_E_UNSUPPORTED_ALG);
    fx_assert_contains(sam_error_message(), "RS256", NULL);
    cr_assert_eq(sam_alg_policy_check_sig(&c->algorithms, &ps256), SAM_OK);
    cr_assert_eq(sam_alg_policy_check_sig(&c->algorithms, &es384), SAM_E_UNSUPPORTED_ALG);
    sam_static_config_free(c);

    REFUSED(0, "", "  \"algorithms\": {\"key_algorithms\": [\"RSA-2048\", \"RSA-1024\"]}", "line 7",
            "\"algorithms.key_algorithms[1]\"", "RSA-1024");
    REFUSED(0, "", "  \"algorithms\": {\"signature_algorithms\": [\"HS256\"]}",
            "\"algorithms.signature_algorithms[0]\"");
    REFUSED(0, "", "  \"algorithms\": {\"key_algorithms\": [\"secp256r1\", \"prime256v1\"]}",
            "\"algorithms.key_algorithms[1]\"", "repeats");
    REFUSED(0, "", "  \"algorithms\": {\"key_algorithms\": []}", "\"algorithms.key_algorithms\"");
    REFUSED(0, "", "  \"algorithms\": {\"signature_algorithms\": [\"ES256\"]}", "\"algorithms\"",
            "RSA");
}

Test(static_config, csc)
{
    static const char csc_ok[] =
        "  \"csc\": {\"name\": \"OpenSAM\", \"logo\": \"https://example.com/logo.png\",\n"
        "    \"region\": \"CH\", \"lang\": \"en-US\", \"description\": \"test\",\n"
        "    \"pin_max_failures\": 3, \"sad_lifetime_seconds\": 60}";
    sam_static_config_t *c = parse_ok(0, "", csc_ok);
    cr_assert(c->csc.enabled);
    cr_assert_str_eq(c->csc.region, "CH");
    cr_assert_eq(c->csc.pin_max_failures, 3);
    cr_assert_eq(c->csc.otp_max_failures, 5);
    cr_assert_eq(c->csc.sad_lifetime_seconds, 60);
    sam_static_config_free(c);
    /* Moved to the dynamic configuration: refused with a pointer there. */
    REFUSED(0, "",
            "  \"csc\": {\"name\": \"n\", \"logo\": \"https://l\", \"region\": \"CH\",\n"
            "    \"lang\": \"en\", \"description\": \"d\",\n"
            "    \"oauth2\": {\"base_uri\": \"https://as.example.com\", \"issuer\": \"as1\"}}",
            "\"csc.oauth2\"", "csc_oauth2");

    c = parse_ok(0, "", "  \"csc\": {\"enabled\": false}");
    cr_assert_not(c->csc.enabled);
    sam_static_config_free(c);

    REFUSED(0, "", "  \"csc\": {\"enabled\": true}", "line 7", "\"csc.name\"", "required");
    REFUSED(0, "",
            "  \"csc\": {\"name\": \"n\", \"logo\": \"https://l\", \"region\": \"ch\",\n"
            "    \"lang\": \"en\", \"description\": \"d\"}",
            "line 7", "\"csc.region\"");
    REFUSED(0, "",
            "  \"csc\": {\"name\": \"n\", \"logo\": \"https://l\", \"region\": \"CH\",\n"
            "    \"lang\": \"en\", \"description\": \"d\", \"sad_lifetime_seconds\": 301}",
            "line 8", "\"csc.sad_lifetime_seconds\"");
    REFUSED(0, "",
            "  \"csc\": {\"name\": \"n\", \"logo\": \"ftp://l\", \"region\": \"CH\",\n"
            "    \"lang\": \"en\", \"description\": \"d\"}",
            "\"csc.logo\"");
    REFUSED(0, "",
            "  \"csc\": {\"name\": \"n\", \"logo\": \"https://l\", \"region\": \"CH\",\n"
            "    \"lang\": \"en_US\", \"description\": \"d\"}",
            "\"csc.lang\"");
}

Test(static_config, load_names_the_file)
{
    char *text = doc(0, "", "  \"threads\": 0");
    char *path = fx_temp_file(text);
    sam_static_config_t *c = NULL;
    cr_assert_eq(sam_static_config_load(path, &c), SAM_E_CONFIG);
    cr_assert_eq(strncmp(sam_error_message(), path, strlen(path)), 0, "%s", sam_error_message());
    fx_assert_contains(sam_error_message(), ": line 7, column 14: field \"threads\"", NULL);
    unlink(path);
    cr_assert_eq(sam_static_config_load(path, &c), SAM_E_NOT_FOUND);
    free(path);
    free(text);
}
