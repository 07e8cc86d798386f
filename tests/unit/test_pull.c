/*
 * test_pull.c: when a pulled feed is fetched and when it is stale
 * (hub/intake/pull.c): a fixed phase per feed within its interval, so
 * feeds do not all fire at once; a daily time in local time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "pull.h"

static void test_every_interval_has_a_fixed_phase_per_feed(void **state) {
  struct pull_conf c = {.every_s = 3600, .daily_minute = -1};
  int64_t now = 1792567680123, hour = 3600000;
  int64_t a = pull_next_ms(&c, "lwa", now), b = pull_next_ms(&c, "freeva", now);

  (void)state;
  /* the next slot is ahead, within one interval */
  assert_true(a > now && a <= now + hour);
  assert_true(b > now && b <= now + hour);
  /* two feeds, two phases */
  assert_true(a % hour != b % hour);
  /* the same phase whenever asked, one interval on after the slot */
  assert_int_equal(pull_next_ms(&c, "lwa", now + 5 * hour) % hour, a % hour);
  assert_int_equal(pull_next_ms(&c, "lwa", a), a + hour);
  assert_int_equal(pull_next_ms(&c, "lwa", a - 1), a);
}

static void test_daily_is_the_next_local_time(void **state) {
  struct pull_conf c = {.every_s = 86400, .daily_minute = 6 * 60 + 30};
  struct tm tm = {
      .tm_year = 126, .tm_mon = 9, .tm_mday = 21, .tm_hour = 7, .tm_isdst = -1};
  time_t seven = mktime(&tm), at;
  struct tm got;

  (void)state;
  at = (time_t)(pull_next_ms(&c, "lwa", (int64_t)seven * 1000) / 1000);
  (void)localtime_r(&at, &got);
  assert_int_equal(got.tm_mday, 22); /* 06:30 has passed today */
  assert_int_equal(got.tm_hour, 6);
  assert_int_equal(got.tm_min, 30);
  tm.tm_hour = 5;
  tm.tm_mday = 21;
  tm.tm_isdst = -1;
  at = (time_t)(pull_next_ms(&c, "lwa", (int64_t)mktime(&tm) * 1000) / 1000);
  (void)localtime_r(&at, &got);
  assert_int_equal(got.tm_mday, 21);
  assert_int_equal(got.tm_hour, 6);
}

static void test_stale_after_failing_long_enough(void **state) {
  struct pull_conf c = {.every_s = 3600, .stale_after_s = 7200};

  (void)state;
  assert_false(pull_is_stale(&c, 0, 1000000000));
  assert_false(pull_is_stale(&c, 1000, 1000 + 7199999));
  assert_true(pull_is_stale(&c, 1000, 1000 + 7200000));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_interval_has_a_fixed_phase_per_feed),
      cmocka_unit_test(test_daily_is_the_next_local_time),
      cmocka_unit_test(test_stale_after_failing_long_enough),
  };

  (void)setenv("TZ", "Europe/London", 1);
  tzset();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
