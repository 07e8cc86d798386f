/*
 * test_retention.c: which files a sweep of done/ and failed/ removes, and
 * everything it must leave alone.
 *
 * Each test works in its own mkdtemp folder holding a feed's four spool
 * folders and an "outside" folder, sets file ages with utimensat (as an
 * operator's touch would), sweeps, and looks at what is left.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"

#include "fsutil.h"
#include "retention.h"

#define DAY 86400
#define PATH_BUF (PATH_MAX + NAME_MAX + 2) /* a folder and a name */

struct fixture {
  char dir[64];
  char outside[128];
  struct feed_conf conf;
  struct ingest_feed feed;
  struct retention_stats st;
  int64_t now;
};

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof *f);

  if (f == NULL)
    return -1;
  (void)snprintf(f->dir, sizeof f->dir, "/tmp/dahub-retention-XXXXXX");
  if (mkdtemp(f->dir) == NULL)
    return -1;
  (void)snprintf(f->outside, sizeof f->outside, "%s/outside", f->dir);
  (void)snprintf(f->feed.incoming, PATH_MAX, "%s/incoming", f->dir);
  (void)snprintf(f->feed.work, PATH_MAX, "%s/work", f->dir);
  (void)snprintf(f->feed.done, PATH_MAX, "%s/done", f->dir);
  (void)snprintf(f->feed.failed, PATH_MAX, "%s/failed", f->dir);
  if (mkdir(f->outside, 0700) != 0 || mkdir(f->feed.incoming, 0700) != 0 ||
      mkdir(f->feed.work, 0700) != 0 || mkdir(f->feed.done, 0700) != 0 ||
      mkdir(f->feed.failed, 0700) != 0)
    return -1;
  f->conf.name = "lwa";
  f->conf.retain_done_s = 400 * DAY;
  f->conf.retain_failed_s = 30 * DAY;
  f->feed.conf = &f->conf;
  f->now = (int64_t)time(NULL);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;

  fixture_remove_tree(f->dir);
  free(f);
  return 0;
}

/* Writes dir/name, last modified days_old days ago. */
static void put(const char *dir, const char *name, int days_old) {
  char path[PATH_BUF];
  struct timespec t[2];
  FILE *fp;

  assert_int_equal(fs_join(path, sizeof path, dir, name), 0);
  fp = fopen(path, "w");
  assert_non_null(fp);
  assert_true(fputs("area,value\nE07000130,3\n", fp) >= 0);
  assert_int_equal(fclose(fp), 0);
  t[0].tv_sec = t[1].tv_sec = time(NULL) - (time_t)days_old * DAY;
  t[0].tv_nsec = t[1].tv_nsec = 0;
  assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

/* A link dir/name -> target, itself dated days_old days ago. */
static void put_link(const char *dir, const char *name, const char *target,
                     int days_old) {
  char path[PATH_BUF];
  struct timespec t[2];

  assert_int_equal(fs_join(path, sizeof path, dir, name), 0);
  assert_int_equal(symlink(target, path), 0);
  t[0].tv_sec = t[1].tv_sec = time(NULL) - (time_t)days_old * DAY;
  t[0].tv_nsec = t[1].tv_nsec = 0;
  assert_int_equal(utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW), 0);
}

static int there(const char *dir, const char *name) {
  char path[PATH_BUF];
  struct stat st;

  assert_int_equal(fs_join(path, sizeof path, dir, name), 0);
  return lstat(path, &st) == 0;
}

static void sweep(struct fixture *f) {
  retention_sweep(&f->feed, RETENTION_DONE | RETENTION_FAILED, f->now, NULL,
                  &f->st);
}

static void test_defaults_follow_personal_data(void **state) {
  struct fixture *f = *state;

  f->conf.retain_done_s = f->conf.retain_failed_s = CONFIG_RETAIN_DEFAULT;
  f->feed.personal = 0;
  assert_int_equal(retention_period(&f->feed, RETENTION_DONE), 400 * DAY);
  assert_int_equal(retention_period(&f->feed, RETENTION_FAILED), 90 * DAY);
  /* a personal feed (a case-level extract) leaves done/ once stored */
  f->feed.personal = 1;
  assert_int_equal(retention_period(&f->feed, RETENTION_DONE), 0);
  assert_int_equal(retention_period(&f->feed, RETENTION_FAILED), 30 * DAY);
  /* the feed's own word wins */
  f->conf.retain_done_s = 7 * DAY;
  assert_int_equal(retention_period(&f->feed, RETENTION_DONE), 7 * DAY);
  assert_int_equal(retention_period(&f->feed, RETENTION_FAILED), 30 * DAY);
}

static void test_old_failed_file_goes_with_its_report(void **state) {
  struct fixture *f = *state;

  put(f->feed.failed, "old.csv", 40);
  put(f->feed.failed, "old.csv.error.json", 0); /* the file's age decides */
  put(f->feed.failed, "fresh.csv", 29);
  put(f->feed.failed, "fresh.csv.error.json", 29);
  sweep(f);
  assert_false(there(f->feed.failed, "old.csv"));
  assert_false(there(f->feed.failed, "old.csv.error.json"));
  assert_true(there(f->feed.failed, "fresh.csv"));
  assert_true(there(f->feed.failed, "fresh.csv.error.json"));
  assert_int_equal(f->st.removed, 1);
  assert_int_equal(f->st.failures, 0);
}

static void test_each_folder_has_its_own_period(void **state) {
  struct fixture *f = *state;

  put(f->feed.done, "q1.csv", 40); /* done/ keeps 400 days */
  put(f->feed.done, "q1.csv.duplicate.json", 40);
  put(f->feed.done, "q0.csv", 401);
  put(f->feed.done, "q0.csv.duplicate.json", 401);
  put(f->feed.failed, "bad.csv", 40);
  sweep(f);
  assert_true(there(f->feed.done, "q1.csv"));
  assert_true(there(f->feed.done, "q1.csv.duplicate.json"));
  assert_false(there(f->feed.done, "q0.csv"));
  assert_false(there(f->feed.done, "q0.csv.duplicate.json"));
  assert_false(there(f->feed.failed, "bad.csv"));
  assert_int_equal(f->st.removed, 2);
}

static void test_zero_removes_a_file_just_stored(void **state) {
  struct fixture *f = *state;

  f->conf.retain_done_s = 0;
  put(f->feed.done, "cases.csv", 0);
  put(f->feed.failed, "bad.csv", 0); /* failed/ still keeps 30 days */
  f->now -= 5; /* a clock a little behind the file system's */
  sweep(f);
  assert_false(there(f->feed.done, "cases.csv"));
  assert_true(there(f->feed.failed, "bad.csv"));
}

static void test_only_the_folders_asked_for_are_swept(void **state) {
  struct fixture *f = *state;

  f->conf.retain_done_s = 0;
  put(f->feed.done, "cases.csv", 0);
  put(f->feed.failed, "bad.csv", 40);
  retention_sweep(&f->feed, RETENTION_DONE, f->now, NULL, &f->st);
  assert_false(there(f->feed.done, "cases.csv"));
  assert_true(there(f->feed.failed, "bad.csv"));
}

static void test_work_and_incoming_are_never_touched(void **state) {
  struct fixture *f = *state;

  f->conf.retain_done_s = 0;
  f->conf.retain_failed_s = 0;
  put(f->feed.work, "being_ingested.csv", 4000);
  put(f->feed.incoming, "uploading.csv", 4000);
  sweep(f);
  assert_true(there(f->feed.work, "being_ingested.csv"));
  assert_true(there(f->feed.incoming, "uploading.csv"));
  assert_int_equal(f->st.removed, 0);
}

static void test_links_folders_and_dotfiles_are_left_alone(void **state) {
  struct fixture *f = *state;
  char target[PATH_BUF], sub[PATH_BUF];

  f->conf.retain_done_s = 0;
  put(f->outside, "secret.csv", 4000);
  (void)snprintf(target, sizeof target, "%s/secret.csv", f->outside);
  put_link(f->feed.done, "link.csv", target, 4000);
  put_link(f->feed.done, "outside", f->outside, 4000);
  (void)snprintf(sub, sizeof sub, "%s/folder", f->feed.done);
  assert_int_equal(mkdir(sub, 0700), 0);
  put(sub, "inner.csv", 4000);
  put(f->feed.done, ".q1.csv.duplicate.json.tmp", 4000);
  sweep(f);
  assert_true(there(f->feed.done, "link.csv"));
  assert_true(there(f->feed.done, "outside"));
  assert_true(there(f->outside, "secret.csv"));
  assert_true(there(sub, "inner.csv"));
  assert_true(there(f->feed.done, ".q1.csv.duplicate.json.tmp"));
  assert_int_equal(f->st.removed, 0);
  assert_int_equal(f->st.failures, 0);
}

/* A companion whose file is a link: the link is not its file, so the
 * companion is judged alone, and the link's target is never touched. */
static void
test_a_companion_without_its_file_goes_by_its_own_age(void **state) {
  struct fixture *f = *state;
  char target[PATH_BUF];

  put(f->feed.failed, "gone.csv.error.json", 40);
  put(f->feed.failed, "recent.csv.error.json", 1);
  put(f->outside, "x.csv", 4000);
  (void)snprintf(target, sizeof target, "%s/x.csv", f->outside);
  put_link(f->feed.failed, "x.csv", target, 4000);
  put(f->feed.failed, "x.csv.error.json", 40);
  sweep(f);
  assert_false(there(f->feed.failed, "gone.csv.error.json"));
  assert_true(there(f->feed.failed, "recent.csv.error.json"));
  assert_false(there(f->feed.failed, "x.csv.error.json"));
  assert_true(there(f->feed.failed, "x.csv"));
  assert_true(there(f->outside, "x.csv"));
  assert_int_equal(f->st.removed, 2);
}

static void test_a_linked_folder_is_not_followed(void **state) {
  struct fixture *f = *state;

  f->conf.retain_done_s = 0;
  put(f->outside, "secret.csv", 4000);
  assert_int_equal(rmdir(f->feed.done), 0);
  assert_int_equal(symlink(f->outside, f->feed.done), 0);
  sweep(f);
  assert_true(there(f->outside, "secret.csv"));
  assert_int_equal(f->st.removed, 0);
  assert_int_equal(f->st.failures, 1); /* and logged at warning */
}

static void test_a_missing_folder_is_a_counted_failure(void **state) {
  struct fixture *f = *state;

  put(f->feed.done, "q0.csv", 401);
  assert_int_equal(rmdir(f->feed.failed), 0);
  sweep(f);
  assert_false(there(f->feed.done, "q0.csv"));
  assert_int_equal(f->st.removed, 1);
  assert_int_equal(f->st.failures, 1);
}

static void test_a_sweep_stops_when_asked(void **state) {
  struct fixture *f = *state;
  atomic_int stop = 1;

  put(f->feed.done, "q0.csv", 401);
  retention_sweep(&f->feed, RETENTION_DONE | RETENTION_FAILED, f->now, &stop,
                  &f->st);
  assert_true(there(f->feed.done, "q0.csv"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_defaults_follow_personal_data, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_old_failed_file_goes_with_its_report,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_each_folder_has_its_own_period,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_zero_removes_a_file_just_stored,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_only_the_folders_asked_for_are_swept,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_work_and_incoming_are_never_touched,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_links_folders_and_dotfiles_are_left_alone, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_a_companion_without_its_file_goes_by_its_own_age, setup,
          teardown),
      cmocka_unit_test_setup_teardown(test_a_linked_folder_is_not_followed,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_a_missing_folder_is_a_counted_failure, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_sweep_stops_when_asked, setup,
                                      teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
