/*
 * test_policy.c: the delivery rules (hub/net/policy.c): which answers
 * are sent, retried or parked; the backoff's bounds; Retry-After in both
 * forms; keys; URLs as logs show them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "policy.h"

static void test_http_answers(void **state) {
  static const struct {
    long status;
    int transport;
    enum outcome want;
  } cases[] = {
      {200, CURLE_OK, OUTCOME_SENT},
      {201, CURLE_OK, OUTCOME_SENT},
      {204, CURLE_OK, OUTCOME_SENT},
      {408, CURLE_OK, OUTCOME_RETRY},
      {409, CURLE_OK, OUTCOME_RETRY},
      {425, CURLE_OK, OUTCOME_RETRY},
      {429, CURLE_OK, OUTCOME_RETRY},
      {500, CURLE_OK, OUTCOME_RETRY},
      {503, CURLE_OK, OUTCOME_RETRY},
      {400, CURLE_OK, OUTCOME_PARK},
      {401, CURLE_OK, OUTCOME_PARK},
      {403, CURLE_OK, OUTCOME_PARK},
      {404, CURLE_OK, OUTCOME_PARK},
      {413, CURLE_OK, OUTCOME_PARK},
      {422, CURLE_OK, OUTCOME_PARK},
      {302, CURLE_OK, OUTCOME_PARK},
      {0, CURLE_COULDNT_CONNECT, OUTCOME_RETRY},
      {0, CURLE_OPERATION_TIMEDOUT, OUTCOME_RETRY},
      {0, CURLE_SSL_CONNECT_ERROR, OUTCOME_RETRY},
      {0, CURLE_GOT_NOTHING, OUTCOME_RETRY},
      {0, CURLE_RECV_ERROR, OUTCOME_RETRY},
      {0, CURLE_URL_MALFORMAT, OUTCOME_PARK},
      {0, CURLE_UNSUPPORTED_PROTOCOL, OUTCOME_PARK},
      /* a 2xx whose body broke off is not known to be whole */
      {200, CURLE_PARTIAL_FILE, OUTCOME_RETRY},
  };

  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    assert_int_equal(policy_http(cases[i].status, cases[i].transport),
                     cases[i].want);
}

static void test_smtp_answers(void **state) {
  (void)state;
  assert_int_equal(policy_smtp(250, CURLE_OK), OUTCOME_SENT);
  assert_int_equal(policy_smtp(451, CURLE_SEND_ERROR), OUTCOME_RETRY);
  assert_int_equal(policy_smtp(421, CURLE_RECV_ERROR), OUTCOME_RETRY);
  assert_int_equal(policy_smtp(550, CURLE_SEND_ERROR), OUTCOME_PARK);
  assert_int_equal(policy_smtp(554, CURLE_SEND_ERROR), OUTCOME_PARK);
  assert_int_equal(policy_smtp(0, CURLE_COULDNT_CONNECT), OUTCOME_RETRY);
  assert_int_equal(policy_smtp(0, CURLE_LOGIN_DENIED), OUTCOME_PARK);
}

static void test_backoff_stays_within_its_ceiling(void **state) {
  uint64_t r = 88172645463325252u, most[8] = {0};

  (void)state;
  for (int i = 0; i < 20000; i++) {
    for (unsigned a = 1; a <= 8; a++) {
      uint64_t w;

      r ^= r << 13;
      r ^= r >> 7;
      r ^= r << 17;
      w = policy_backoff_ms(a, 1000, 60000, r, 0);
      /* 1 s, 2 s, 4 s ... capped at 60 s */
      assert_true(w <= (a >= 7 ? 60000u : 1000u << (a - 1)));
      if (w > most[a - 1])
        most[a - 1] = w;
    }
  }
  /* full jitter reaches near its ceiling, not only its floor */
  assert_true(most[0] > 900);
  assert_true(most[3] > 7200);
  assert_true(most[7] > 54000);
  assert_int_equal(policy_backoff_ms(1, 1000, 60000, 0, 0), 0);
}

static void test_backoff_honours_retry_after(void **state) {
  (void)state;
  assert_int_equal(policy_backoff_ms(1, 1000, 60000, 5, 2000), 2000);
  assert_int_equal(policy_backoff_ms(40, 1000, 60000, UINT64_MAX, 0),
                   UINT64_MAX % 60001);
  assert_true(policy_backoff_ms(60, 1000, UINT64_MAX, 12345, 0) <= 12345);
}

static void test_retry_after_in_seconds_and_as_a_date(void **state) {
  static const struct {
    const char *value;
    int rc;
    uint64_t ms;
  } cases[] = {
      {"2", 0, 2000},
      {" 120 ", 0, 120000},
      {"Wed, 21 Oct 2026 07:28:30 GMT", 0, 30000},
      /* the obsolete forms HTTP still accepts */
      {"Wednesday, 21-Oct-26 07:28:10 GMT", 0, 10000},
      {"Wed Oct 21 07:28:05 2026", 0, 5000},
      /* past: now; far: a day at most */
      {"Wed, 21 Oct 2026 07:00:00 GMT", 0, 0},
      {"99999999999999999999", 0, 24u * 3600u * 1000u},
      {"", -EINVAL, 0},
      {"-5", -EINVAL, 0},
      {"12s", -EINVAL, 0},
      {"soon", -EINVAL, 0},
  };
  time_t now = 1792567680; /* Wed, 21 Oct 2026 07:28:00 GMT */

  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    uint64_t ms = 7;

    assert_int_equal(policy_retry_after(cases[i].value, now, &ms), cases[i].rc);
    if (cases[i].rc == 0)
      assert_int_equal(ms, cases[i].ms);
  }
}

static void test_keys_are_stable_and_distinct(void **state) {
  char a[33], b[33], c[33], d[33], e[33];

  (void)state;
  assert_int_equal(policy_key("FY2024-25-Q1", 2, "board_mail", a), 0);
  assert_int_equal(policy_key("FY2024-25-Q1", 2, "board_mail", b), 0);
  assert_int_equal(policy_key("FY2024-25-Q1", 3, "board_mail", c), 0);
  assert_int_equal(policy_key("FY2024-25-Q1", 2, "dashboard", d), 0);
  assert_int_equal(policy_key("FY2024-25-Q2", 2, "board_mail", e), 0);
  assert_int_equal(strlen(a), 32);
  assert_int_equal(strspn(a, "0123456789abcdef"), 32);
  assert_string_equal(a, b);
  assert_string_not_equal(a, c);
  assert_string_not_equal(a, d);
  assert_string_not_equal(a, e);
  /* the separators keep "Q1" + "12" apart from "Q11" + "2" */
  assert_int_equal(policy_key("P1", 12, "x", a), 0);
  assert_int_equal(policy_key("P11", 2, "x", b), 0);
  assert_string_not_equal(a, b);
}

static void test_urls_lose_their_secrets_in_logs(void **state) {
  char out[128];

  (void)state;
  policy_url_for_log("https://user:s3cret@example.org:8443/feeds/q1.csv"
                     "?token=abc#frag",
                     out, sizeof out);
  assert_string_equal(out, "https://example.org:8443/feeds/q1.csv");
  policy_url_for_log("smtps://mail.example.org", out, sizeof out);
  assert_string_equal(out, "smtps://mail.example.org");
  policy_url_for_log("https://example.org/a?b@c", out, sizeof out);
  assert_string_equal(out, "https://example.org/a");
  policy_url_for_log("https://example.org/long/path", out, 12);
  assert_string_equal(out, "https://exa");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_http_answers),
      cmocka_unit_test(test_smtp_answers),
      cmocka_unit_test(test_backoff_stays_within_its_ceiling),
      cmocka_unit_test(test_backoff_honours_retry_after),
      cmocka_unit_test(test_retry_after_in_seconds_and_as_a_date),
      cmocka_unit_test(test_keys_are_stable_and_distinct),
      cmocka_unit_test(test_urls_lose_their_secrets_in_logs),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
