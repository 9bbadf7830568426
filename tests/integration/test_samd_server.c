/*
 * samd as a server: TLS and client certificates, HTTP/2 and HTTP/1.1,
 * limits, the worker pool, stream resets, signals. A real samd over real
 * mutual TLS against a real SoftHSMv2 token (tests/integration/harness).
 * The /sam/v1 answers themselves belong to the API tests; here only what
 * the server decides, plus the identity the server hands to the API.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/ssl.h>

#include "samharness.h"

#define TEST_TIMEOUT 180

static samh_t *h;

static void start(const samh_options_t *opts)
{
    cr_assert_eq(samh_setup(&h, opts), 0, "harness setup failed");
    cr_assert_eq(samh_start(h), 0, "samd did not start");
}

static void teardown(void)
{
    samh_free(h);
    h = NULL;
}

/* SIGTERM must end samd cleanly. */
static void stop_ok(void)
{
    int status = -1;
    cr_assert_eq(samh_stop(h, 30000, &status), 0, "samd did not stop in time");
    cr_assert_eq(status, 0, "samd exited with %d", status);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool is_hex32(const char *s)
{
    if (strlen(s) != 32)
        return false;
    for (size_t i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static void assert_json_response(const samh_response_t *r, long status)
{
    cr_assert_eq(r->curl_code, 0, "no response: %s", r->error);
    cr_assert_eq(r->status, status, "status %ld, expected %ld; body %s", r->status, status,
                 r->body);
    cr_assert_str_eq(r->content_type, "application/json");
    cr_assert_eq(r->content_length, (long)r->body_len, "Content-Length %ld for %zu bytes",
                 r->content_length, r->body_len);
    cr_assert(is_hex32(r->request_id), "X-Request-Id \"%s\"", r->request_id);
}

static void assert_error(const samh_response_t *r, long status, const char *code)
{
    char needle[64];
    assert_json_response(r, status);
    snprintf(needle, sizeof(needle), "\"error\":\"%s\"", code);
    cr_assert(strstr(r->body, needle) != NULL, "body %s lacks %s", r->body, needle);
    cr_assert(strstr(r->body, "\"error_description\":") != NULL, "body %s", r->body);
}

/* ---- protocols ------------------------------------------------------------ */

Test(samd_server, healthz_without_client_cert_h2_and_http1, .fini = teardown,
     .timeout = TEST_TIMEOUT)
{
    samh_response_t r, r1;
    start(NULL);

    cr_assert_eq(samh_get(h, SAMH_NO_CERT, "/healthz", &r), 0, "%s", r.error);
    assert_json_response(&r, 200);
    cr_assert_eq(r.http_version, CURL_HTTP_VERSION_2_0);
    cr_assert_str_eq(r.body, "{\"status\":\"ok\"}");

    samh_request_t req = {.path = "/healthz", .http1 = true};
    cr_assert_eq(samh_request(h, &req, &r1), 0, "%s", r1.error);
    assert_json_response(&r1, 200);
    cr_assert_eq(r1.http_version, CURL_HTTP_VERSION_1_1);
    cr_assert_str_eq(r1.body, "{\"status\":\"ok\"}");
    cr_assert_str_neq(r.request_id, r1.request_id, "request ids repeat");

    samh_response_free(&r);
    samh_response_free(&r1);
    stop_ok();
}

Test(samd_server, alpn_negotiates_h2_or_http1, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    samh_tls_result_t res;
    start(NULL);

    samh_tls_probe_t both = {.alpn = "h2,http/1.1"};
    cr_assert_eq(samh_tls_probe(h, &both, &res), 0, "%s", res.error);
    cr_assert_str_eq(res.alpn, "h2");

    samh_tls_probe_t h1 = {.alpn = "http/1.1"};
    cr_assert_eq(samh_tls_probe(h, &h1, &res), 0, "%s", res.error);
    cr_assert_str_eq(res.alpn, "http/1.1");

    samh_tls_probe_t none = {.alpn = NULL};
    cr_assert_eq(samh_tls_probe(h, &none, &res), 0, "%s", res.error);
    cr_assert_str_eq(res.alpn, "");
    stop_ok();
}

Test(samd_server, tls_versions, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    samh_tls_result_t res;
    start(NULL);

    samh_tls_probe_t v12 = {.min_version = TLS1_2_VERSION, .max_version = TLS1_2_VERSION};
    cr_assert_eq(samh_tls_probe(h, &v12, &res), 0, "TLS 1.2: %s", res.error);
    cr_assert_eq(res.version, TLS1_2_VERSION);

    samh_tls_probe_t v13 = {.min_version = TLS1_3_VERSION, .max_version = TLS1_3_VERSION};
    cr_assert_eq(samh_tls_probe(h, &v13, &res), 0, "TLS 1.3: %s", res.error);
    cr_assert_eq(res.version, TLS1_3_VERSION);

    samh_tls_probe_t v11 = {.min_version = TLS1_1_VERSION, .max_version = TLS1_1_VERSION};
    cr_assert_neq(samh_tls_probe(h, &v11, &res), 0, "TLS 1.1 was accepted");
    cr_assert_not(res.handshake_ok, "TLS 1.1 handshake completed");
    /* The server ends the handshake (h2o 2.2.5 closes without flushing the alert). */
    cr_assert(strstr(res.error, "protocol version") != NULL ||
                  strstr(res.error, "unexpected eof") != NULL,
              "not refused by the server: %s", res.error);

    samh_tls_probe_t v10 = {.min_version = TLS1_VERSION, .max_version = TLS1_VERSION};
    cr_assert_neq(samh_tls_probe(h, &v10, &res), 0, "TLS 1.0 was accepted");
    stop_ok();
}

/* ---- client certificates (threat N16) -------------------------------------- */

static void assert_refused(samh_client_t who, const char *what)
{
    samh_tls_result_t res;
    for (int v = TLS1_2_VERSION; v <= TLS1_3_VERSION; v++) {
        samh_tls_probe_t p = {
            .client = who, .min_version = v, .max_version = v, .alpn = "h2,http/1.1"};
        cr_assert_neq(samh_tls_probe(h, &p, &res), 0, "%s accepted with TLS version %x", what,
                      (unsigned)v);
        cr_assert_not(res.served, "%s served", what);
    }
    samh_response_t r;
    cr_assert_neq(samh_get(h, who, "/healthz", &r), 0, "%s: curl got status %ld", what, r.status);
    cr_assert_eq(r.status, 0);
    samh_response_free(&r);
}

Test(samd_server, unknown_ca_and_expired_certificates_refused, .fini = teardown,
     .timeout = TEST_TIMEOUT)
{
    start(NULL);
    assert_refused(SAMH_OTHER_CA, "a certificate from an unknown CA");
    assert_refused(SAMH_EXPIRED, "an expired certificate");
    /* The server is still fine. */
    samh_response_t r;
    cr_assert_eq(samh_get(h, SAMH_SSA, "/healthz", &r), 0, "%s", r.error);
    cr_assert_eq(r.status, 200);
    samh_response_free(&r);
    stop_ok();
}

/* Without tls.client_ca any issuer is accepted (roles come from keys), but dates still count. */
Test(samd_server, without_client_ca_only_dates_are_checked, .fini = teardown,
     .timeout = TEST_TIMEOUT)
{
    samh_tls_result_t res;
    samh_options_t o = {.no_client_ca = true};
    start(&o);
    samh_client_t ok[] = {SAMH_NO_CERT, SAMH_SSA, SAMH_OTHER_CA};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        for (int v = TLS1_2_VERSION; v <= TLS1_3_VERSION; v++) {
            samh_tls_probe_t p = {.client = ok[i], .min_version = v, .max_version = v};
            cr_assert_eq(samh_tls_probe(h, &p, &res), 0, "client %d, version %x: %s", (int)ok[i],
                         (unsigned)v, res.error);
        }
    }
    assert_refused(SAMH_EXPIRED, "an expired certificate");
    samh_response_t r;
    cr_assert_eq(samh_get(h, SAMH_SSA, "/sam/v1/info", &r), 0, "%s", r.error);
    cr_assert_eq(r.status, 200, "SSA: %ld %s", r.status, r.body);
    samh_response_free(&r);
    stop_ok();
}

Test(samd_server, trusted_certificates_accepted, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    samh_tls_result_t res;
    start(NULL);
    samh_client_t ok[] = {SAMH_NO_CERT, SAMH_ADMIN, SAMH_SSA, SAMH_UNREGISTERED};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        for (int v = TLS1_2_VERSION; v <= TLS1_3_VERSION; v++) {
            samh_tls_probe_t p = {.client = ok[i], .min_version = v, .max_version = v};
            cr_assert_eq(samh_tls_probe(h, &p, &res), 0, "client %d, version %x: %s", (int)ok[i],
                         (unsigned)v, res.error);
        }
    }
    stop_ok();
}

/*
 * The identity reaches the API layer: a caller without a certificate or with
 * an unregistered key is not served (401 is the API's answer); registered
 * callers of either role may read /sam/v1/info. Also over a resumed session.
 */
Test(samd_server, identity_reaches_the_api, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    samh_response_t r;
    samh_options_t o = {.log_level = "debug"};
    start(&o);

    cr_assert_eq(samh_get(h, SAMH_NO_CERT, "/sam/v1/info", &r), 0, "%s", r.error);
    cr_assert_neq(r.status, 200, "/sam/v1/info served without a client certificate");
    cr_assert_geq(r.status, 400);
    cr_assert_str_eq(r.content_type, "application/json");
    samh_response_free(&r);

    cr_assert_eq(samh_get(h, SAMH_UNREGISTERED, "/sam/v1/info", &r), 0, "%s", r.error);
    cr_assert_neq(r.status, 200, "/sam/v1/info served to an unregistered key");
    samh_response_free(&r);

    cr_assert_eq(samh_get(h, SAMH_SSA, "/sam/v1/info", &r), 0, "%s", r.error);
    cr_assert_eq(r.status, 200, "SSA: %ld %s", r.status, r.body);
    samh_response_free(&r);
    cr_assert_eq(samh_get(h, SAMH_ADMIN, "/sam/v1/info", &r), 0, "%s", r.error);
    cr_assert_eq(r.status, 200, "admin: %ld %s", r.status, r.body);
    samh_response_free(&r);

    /* Two connections of one client: the second resumes the TLS session. */
    for (int http1 = 0; http1 <= 1; http1++) {
        samh_batch_t *b = samh_batch_new(h, false);
        cr_assert_not_null(b);
        samh_request_t first = {.path = "/sam/v1/info", .client = SAMH_SSA, .http1 = http1};
        samh_request_t again = first;
        again.fresh_connection = true;
        cr_assert_geq(samh_batch_add(b, &first), 0);
        cr_assert_eq(samh_batch_wait(b, 20000), 0);
        cr_assert_geq(samh_batch_add(b, &again), 0);
        cr_assert_eq(samh_batch_wait(b, 20000), 0);
        for (size_t i = 0; i < 2; i++)
            cr_assert_eq(samh_batch_response(b, i)->status, 200, "request %zu: %ld %s", i,
                         samh_batch_response(b, i)->status, samh_batch_response(b, i)->body);
        cr_assert_eq(samh_batch_connections(b), 2);
        samh_batch_free(b);
    }
    stop_ok();
    cr_assert(samh_log_contains(h, "handshake done (resumed)"), "no resumed handshake in the log");
    cr_assert(samh_log_contains(h, "(resumed), h2, client certificate: verified"));
    cr_assert(samh_log_contains(h, "(resumed), http/1.1, client certificate: verified"));
}

/* ---- paths and limits ------------------------------------------------------ */

Test(samd_server, unknown_path_and_wrong_method, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    samh_response_t r;
    start(NULL);
    const char *paths[] = {"/", "/nope", "/sam/v10", "/samv1", "/healthz/x", "/HEALTHZ"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        cr_assert_eq(samh_get(h, SAMH_SSA, paths[i], &r), 0, "%s", r.error);
        assert_error(&r, 404, "not_found");
        samh_response_free(&r);
    }
    samh_request_t post = {.path = "/healthz", .body = "{}", .body_len = 2};
    cr_assert_eq(samh_request(h, &post, &r), 0, "%s", r.error);
    assert_error(&r, 405, "method_not_allowed");
    samh_response_free(&r);
    /* The query is not part of the path. */
    cr_assert_eq(samh_get(h, SAMH_NO_CERT, "/healthz?x=1", &r), 0, "%s", r.error);
    assert_json_response(&r, 200);
    samh_response_free(&r);
    stop_ok();
}

Test(samd_server, body_over_the_limit, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    static char body[3 * 4096 + 1];
    samh_response_t r;
    samh_options_t o = {.limits = "\"max_body_bytes\": 4096"};
    start(&o);
    memset(body, 'a', sizeof(body) - 1);

    for (int http1 = 0; http1 <= 1; http1++) {
        samh_request_t at = {.path = "/sam/v1/info",
                             .client = SAMH_SSA,
                             .body = body,
                             .body_len = 4096,
                             .http1 = http1};
        cr_assert_eq(samh_request(h, &at, &r), 0, "%s", r.error);
        cr_assert_neq(r.status, 413, "a body at the limit was refused");
        samh_response_free(&r);

        samh_request_t over = at;
        over.body_len = 5000;
        cr_assert_eq(samh_request(h, &over, &r), 0, "%s", r.error);
        assert_error(&r, 413, "payload_too_large");
        samh_response_free(&r);

        /* Far over: h2o refuses on its own (HTTP/2 reset, HTTP/1.1 413); never served. */
        samh_request_t huge = at;
        huge.body_len = 3 * 4096;
        (void)samh_request(h, &huge, &r);
        cr_assert(r.status == 413 || r.status == 0, "huge body: status %ld", r.status);
        samh_response_free(&r);
    }
    /* The server is fine. */
    cr_assert_eq(samh_get(h, SAMH_NO_CERT, "/healthz", &r), 0, "%s", r.error);
    cr_assert_eq(r.status, 200);
    samh_response_free(&r);
    stop_ok();
}

Test(samd_server, headers_over_the_limit, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    static char line[2100];
    samh_response_t r;
    samh_options_t o = {.limits = "\"max_header_bytes\": 1024"};
    start(&o);
    snprintf(line, sizeof(line), "X-Filler: ");
    memset(line + 10, 'x', 2000);
    line[2010] = '\0';
    const char *headers[] = {line, NULL};
    for (int http1 = 0; http1 <= 1; http1++) {
        samh_request_t req = {.path = "/healthz", .headers = headers, .http1 = http1};
        cr_assert_eq(samh_request(h, &req, &r), 0, "%s", r.error);
        assert_error(&r, 431, "invalid_request");
        samh_response_free(&r);
    }
    stop_ok();
}

/* ---- concurrency ----------------------------------------------------------- */

Test(samd_server, sixty_four_streams_on_one_connection, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    samh_options_t o = {.workers = 4, .env = {"SAMD_TEST_READYZ_DELAY_MS=50"}};
    start(&o);
    samh_batch_t *b = samh_batch_new(h, true);
    cr_assert_not_null(b);
    for (int i = 0; i < 64; i++) {
        samh_request_t req = {.path = i % 2 ? "/readyz" : "/sam/v1/info", .client = SAMH_SSA};
        cr_assert_geq(samh_batch_add(b, &req), 0);
    }
    cr_assert_eq(samh_batch_wait(b, 60000), 0, "not all 64 streams were answered in time");
    for (size_t i = 0; i < 64; i++) {
        const samh_response_t *r = samh_batch_response(b, i);
        cr_assert_eq(r->curl_code, 0, "stream %zu: %s", i, r->error);
        cr_assert_eq(r->status, 200, "stream %zu: %ld %s", i, r->status, r->body);
        cr_assert_eq(r->http_version, CURL_HTTP_VERSION_2_0);
    }
    cr_assert_eq(samh_batch_connections(b), 1, "%ld connections", samh_batch_connections(b));
    samh_batch_free(b);
    stop_ok();
}

Test(samd_server, full_pool_answers_503, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    samh_options_t o = {.workers = 1,
                        .limits = "\"max_pending_jobs\": 2",
                        .env = {"SAMD_TEST_READYZ_DELAY_MS=300"}};
    start(&o);
    samh_batch_t *b = samh_batch_new(h, true);
    cr_assert_not_null(b);
    for (int i = 0; i < 10; i++) {
        samh_request_t req = {.path = "/readyz"};
        cr_assert_geq(samh_batch_add(b, &req), 0);
    }
    cr_assert_eq(samh_batch_wait(b, 60000), 0);
    int ok = 0, busy = 0;
    for (size_t i = 0; i < 10; i++) {
        const samh_response_t *r = samh_batch_response(b, i);
        if (r->status == 200) {
            ok++;
        } else {
            assert_error(r, 503, "backend_unavailable");
            cr_assert(strstr(r->body, "server busy") != NULL, "%s", r->body);
            busy++;
        }
    }
    cr_assert_geq(ok, 1);
    cr_assert_geq(busy, 1);
    samh_batch_free(b);
    stop_ok();
}

/*
 * Rapid reset: streams opened and reset before their answer. Over
 * limits.max_resets_per_minute the connection is closed; others are served.
 */
Test(samd_server, stream_resets_close_the_connection, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    samh_options_t o = {.workers = 1,
                        .log_level = "debug",
                        .limits = "\"max_resets_per_minute\": 5",
                        .env = {"SAMD_TEST_READYZ_DELAY_MS=200"}};
    start(&o);
    samh_batch_t *b = samh_batch_new(h, true);
    cr_assert_not_null(b);
    samh_request_t req = {.path = "/readyz", .timeout_ms = 30000};
    for (int i = 0; i < 21; i++)
        cr_assert_geq(samh_batch_add(b, &req), 0);
    /* Let every request reach the server, then reset all but the first. */
    for (int i = 0; i < 50 && !samh_log_contains(h, "too many") && samh_batch_pump(b, 20) == 21;
         i++)
        ;
    for (size_t i = 1; i < 21; i++)
        (void)samh_batch_cancel(b, i);
    /* One more request on the connection, so that curl surely flushes the resets. */
    samh_request_t more = {.path = "/healthz", .timeout_ms = 30000};
    cr_assert_geq(samh_batch_add(b, &more), 0);
    (void)samh_batch_wait(b, 30000);
    for (int i = 0; i < 100 && !samh_log_contains(h, "too many requests cancelled"); i++)
        sleep_ms(50);
    cr_assert(samh_log_contains(h, "too many requests cancelled"),
              "the connection was not closed for its resets");
    samh_batch_free(b);

    samh_response_t r;
    cr_assert_eq(samh_get(h, SAMH_NO_CERT, "/healthz", &r), 0, "%s", r.error);
    cr_assert_eq(r.status, 200);
    samh_response_free(&r);
    stop_ok();
}

/* ---- signals --------------------------------------------------------------- */

Test(samd_server, sigterm_finishes_requests_in_flight, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    samh_options_t o = {.workers = 2, .env = {"SAMD_TEST_READYZ_DELAY_MS=400"}};
    start(&o);
    samh_batch_t *h2 = samh_batch_new(h, true);
    samh_batch_t *h1 = samh_batch_new(h, false);
    cr_assert(h2 != NULL && h1 != NULL);
    for (int i = 0; i < 8; i++) {
        samh_request_t req = {.path = "/readyz", .client = SAMH_SSA, .timeout_ms = 30000};
        cr_assert_geq(samh_batch_add(h2, &req), 0);
    }
    for (int i = 0; i < 2; i++) {
        samh_request_t req = {.path = "/readyz", .http1 = true, .timeout_ms = 30000};
        cr_assert_geq(samh_batch_add(h1, &req), 0);
    }
    /* The requests are on the wire (the first ones are being served) ... */
    for (int i = 0; i < 5; i++) {
        (void)samh_batch_pump(h2, 15);
        (void)samh_batch_pump(h1, 15);
    }
    cr_assert_eq(samh_batch_pump(h2, 0), 8, "requests finished before the signal");
    /* ... when SIGTERM comes. */
    cr_assert_eq(samh_signal(h, SIGTERM), 0);
    for (int i = 0; i < 1000; i++) {
        int left = samh_batch_pump(h2, 10) + samh_batch_pump(h1, 10);
        if (left == 0)
            break;
    }
    for (size_t i = 0; i < 8; i++) {
        const samh_response_t *r = samh_batch_response(h2, i);
        cr_assert_eq(r->status, 200, "h2 request %zu: %ld %s", i, r->status, r->error);
    }
    for (size_t i = 0; i < 2; i++) {
        const samh_response_t *r = samh_batch_response(h1, i);
        cr_assert_eq(r->status, 200, "http/1.1 request %zu: %ld %s", i, r->status, r->error);
    }
    samh_batch_free(h2);
    samh_batch_free(h1);
    /* No new connection is taken any more. */
    samh_response_t r;
    cr_assert_neq(samh_get(h, SAMH_NO_CERT, "/healthz", &r), 0, "served after SIGTERM");
    samh_response_free(&r);
    stop_ok();
    cr_assert(samh_log_contains(h, "SIGTERM"));
    cr_assert(samh_log_contains(h, "samd: stopped"));
}

Test(samd_server, sighup_does_not_stop_the_server, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    samh_response_t r;
    start(NULL);
    cr_assert_eq(samh_signal(h, SIGHUP), 0);
    for (int i = 0; i < 100 && !samh_log_contains(h, "SIGHUP"); i++)
        sleep_ms(20);
    cr_assert(samh_log_contains(h, "SIGHUP"), "SIGHUP not handled");
    cr_assert(samh_running(h), "samd died on SIGHUP");
    cr_assert_eq(samh_get(h, SAMH_SSA, "/healthz", &r), 0, "%s", r.error);
    cr_assert_eq(r.status, 200);
    samh_response_free(&r);
    cr_assert_eq(samh_signal(h, SIGHUP), 0);
    sleep_ms(100);
    cr_assert(samh_running(h), "samd died on a second SIGHUP");
    stop_ok();
}

Test(samd_server, sigint_stops_cleanly_with_idle_connections, .fini = teardown,
     .timeout = TEST_TIMEOUT)
{
    start(NULL);
    /* Idle keep-alive connections of both protocols must not hold the stop. */
    samh_batch_t *b2 = samh_batch_new(h, true), *b1 = samh_batch_new(h, false);
    samh_request_t r2 = {.path = "/healthz"}, r1 = {.path = "/healthz", .http1 = true};
    cr_assert_geq(samh_batch_add(b2, &r2), 0);
    cr_assert_geq(samh_batch_add(b1, &r1), 0);
    cr_assert_eq(samh_batch_wait(b2, 10000), 0);
    cr_assert_eq(samh_batch_wait(b1, 10000), 0);
    cr_assert_eq(samh_batch_response(b2, 0)->status, 200);
    cr_assert_eq(samh_batch_response(b1, 0)->status, 200);
    cr_assert_eq(samh_signal(h, SIGINT), 0);
    for (int i = 0; i < 250 && samh_running(h); i++)
        sleep_ms(20);
    cr_assert_not(samh_running(h), "samd still runs 5 s after SIGINT with idle connections");
    cr_assert_eq(h->exit_status, 0);
    samh_batch_free(b2);
    samh_batch_free(b1);
}

/* ---- start-up ---------------------------------------------------------------- */

Test(samd_server, busy_port_stops_start_up, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    static const char *const fg[] = {"--foreground", NULL};
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int one = 1, status = -1;
    cr_assert_eq(samh_setup(&h, NULL), 0);
    in.sin_port = htons(h->port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    cr_assert_eq(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0);
    cr_assert_eq(listen(fd, 1), 0);
    cr_assert_eq(samh_run(h, fg, 30000, &status), 0);
    close(fd);
    cr_assert_eq(status, 1, "samd exited with %d", status);
    cr_assert(samh_log_contains(h, "cannot listen on 127.0.0.1 port"));
}

Test(samd_server, broken_certificate_stops_start_up, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    static const char *const fg[] = {"--foreground", NULL};
    int status = -1;
    cr_assert_eq(samh_setup(&h, NULL), 0);
    FILE *f = fopen(h->server_cert, "w");
    cr_assert_not_null(f);
    fputs("not a certificate\n", f);
    fclose(f);
    cr_assert_eq(samh_run(h, fg, 30000, &status), 0);
    cr_assert_eq(status, 1, "samd exited with %d", status);
    cr_assert(samh_log_contains(h, "cannot load tls.certificate"));
}

/* The pid of the process whose command line names dir (unique to this test). */
static pid_t find_daemon(const char *dir)
{
    DIR *proc = opendir("/proc");
    struct dirent *e;
    pid_t found = 0;
    while (proc != NULL && found == 0 && (e = readdir(proc)) != NULL) {
        char path[300], cmd[4096];
        char *end = NULL;
        long v = strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end != '\0' || v <= 0 || v > INT32_MAX)
            continue;
        pid_t pid = (pid_t)v;
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        size_t n = fread(cmd, 1, sizeof(cmd) - 1, f);
        fclose(f);
        for (size_t i = 0; i < n; i++)
            if (cmd[i] == '\0')
                cmd[i] = ' ';
        cmd[n] = '\0';
        if (strstr(cmd, "samd --config-dir") != NULL && strstr(cmd, dir) != NULL)
            found = pid;
    }
    if (proc != NULL)
        closedir(proc);
    return found;
}

Test(samd_server, detaches_once_serving, .fini = teardown, .timeout = TEST_TIMEOUT)
{
    int status = -1;
    samh_response_t r;
    cr_assert_eq(samh_setup(&h, NULL), 0);
    /* Without --foreground the starting process returns once samd serves. */
    cr_assert_eq(samh_run(h, NULL, 30000, &status), 0);
    cr_assert_eq(status, 0, "the starting process exited with %d", status);
    cr_assert_eq(samh_get(h, SAMH_NO_CERT, "/healthz", &r), 0, "%s", r.error);
    cr_assert_eq(r.status, 200);
    samh_response_free(&r);
    pid_t pid = find_daemon(h->config_dir);
    cr_assert_gt(pid, 0, "no detached samd found");
    cr_assert_eq(kill(pid, SIGTERM), 0);
    for (int i = 0; i < 1500 && kill(pid, 0) == 0; i++)
        sleep_ms(20);
    cr_assert_neq(kill(pid, 0), 0, "the detached samd did not stop");
    cr_assert(samh_log_contains(h, "samd: stopped"));
    cr_assert_not(samh_log_contains(h, "Sanitizer"), "sanitizer report in the log");
}
