/*
 * test_fsutil.c: the file-system steps every module leans on, and the
 * spool's rule for which names are uploads in progress.
 *
 * Each test works in its own mkdtemp folder with "from" and "to" inside it,
 * and looks at the folder afterwards: what must be there, and that nothing
 * else is (no temporary file left behind, nothing replaced).
 */
#include <dirent.h>
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
#include "spool.h"

struct fixture {
  char dir[64];
  char from[128];
  char to[128];
};

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof *f);

  if (f == NULL)
    return -1;
  (void)snprintf(f->dir, sizeof f->dir, "/tmp/dahub-fsutil-XXXXXX");
  if (mkdtemp(f->dir) == NULL) {
    free(f);
    return -1;
  }
  (void)snprintf(f->from, sizeof f->from, "%s/from", f->dir);
  (void)snprintf(f->to, sizeof f->to, "%s/to", f->dir);
  if (mkdir(f->from, 0700) != 0 || mkdir(f->to, 0700) != 0)
    return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;

  fixture_remove_tree(f->dir);
  free(f);
  return 0;
}

static void put(const char *dir, const char *name, const char *text) {
  char path[512];
  FILE *fp;

  (void)snprintf(path, sizeof path, "%s/%s", dir, name);
  fp = fopen(path, "w");
  assert_non_null(fp);
  assert_int_equal(fputs(text, fp) >= 0, 1);
  assert_int_equal(fclose(fp), 0);
}

/* The whole file, or "" when it does not exist. */
static const char *get(const char *dir, const char *name) {
  static char buf[256];
  char path[512];
  size_t n;
  FILE *fp;

  (void)snprintf(path, sizeof path, "%s/%s", dir, name);
  buf[0] = '\0';
  fp = fopen(path, "r");
  if (fp == NULL)
    return buf;
  n = fread(buf, 1, sizeof buf - 1, fp);
  buf[n] = '\0';
  (void)fclose(fp);
  return buf;
}

/* The folder's entries, sorted, joined by '|'. */
static const char *listing(const char *dir) {
  static char buf[1024];
  struct dirent **list;
  size_t used = 0;
  int n = scandir(dir, &list, NULL, alphasort);

  assert_true(n >= 0);
  buf[0] = '\0';
  for (int i = 0; i < n; i++) {
    const char *name = list[i]->d_name;

    if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
      used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s",
                               used ? "|" : "", name);
    free(list[i]);
  }
  free(list);
  return buf;
}

static void test_move_unique_keeps_a_free_name(void **state) {
  struct fixture *f = *state;
  char out[256];

  put(f->from, "q1.csv", "new");
  assert_int_equal(fs_move_unique(f->from, "q1.csv", f->to, out, sizeof out),
                   0);
  assert_string_equal(out, "q1.csv");
  assert_string_equal(listing(f->from), "");
  assert_string_equal(get(f->to, "q1.csv"), "new");
}

static void test_move_unique_numbers_a_taken_name(void **state) {
  struct fixture *f = *state;
  char out[256];

  put(f->to, "q1.csv", "old");
  put(f->from, "q1.csv", "new");
  assert_int_equal(fs_move_unique(f->from, "q1.csv", f->to, out, sizeof out),
                   0);
  assert_string_equal(out, "q1 (2).csv");
  assert_string_equal(listing(f->to), "q1 (2).csv|q1.csv");
  assert_string_equal(get(f->to, "q1.csv"), "old");
  assert_string_equal(get(f->to, "q1 (2).csv"), "new");
  assert_string_equal(listing(f->from), "");
}

static void test_move_unique_counts_past_every_taken_name(void **state) {
  struct fixture *f = *state;
  char out[256];

  put(f->to, "q1.csv", "first");
  put(f->to, "q1 (2).csv", "second");
  put(f->from, "q1.csv", "third");
  assert_int_equal(fs_move_unique(f->from, "q1.csv", f->to, out, sizeof out),
                   0);
  assert_string_equal(out, "q1 (3).csv");
  assert_string_equal(get(f->to, "q1.csv"), "first");
  assert_string_equal(get(f->to, "q1 (2).csv"), "second");
  assert_string_equal(get(f->to, "q1 (3).csv"), "third");
}

static void test_move_unique_numbers_a_name_without_extension(void **state) {
  struct fixture *f = *state;
  char out[256];

  put(f->to, "return", "old");
  put(f->from, "return", "new");
  assert_int_equal(fs_move_unique(f->from, "return", f->to, out, sizeof out),
                   0);
  assert_string_equal(out, "return (2)");
}

static void test_move_unique_of_missing_file_fails(void **state) {
  struct fixture *f = *state;
  char out[256];

  assert_int_equal(fs_move_unique(f->from, "gone.csv", f->to, out, sizeof out),
                   -ENOENT);
  assert_string_equal(listing(f->to), "");
}

static void test_write_atomic_leaves_only_the_file(void **state) {
  struct fixture *f = *state;

  assert_int_equal(fs_write_atomic(f->to, "q1.csv.error.json", "{}", 2), 0);
  assert_string_equal(listing(f->to), "q1.csv.error.json");
  assert_string_equal(get(f->to, "q1.csv.error.json"), "{}");
}

static void test_write_atomic_replaces_whole(void **state) {
  struct fixture *f = *state;
  const char *second = "{\"line\": 4}";

  put(f->to, "status.json", "a much longer first version of the file");
  assert_int_equal(
      fs_write_atomic(f->to, "status.json", second, strlen(second)), 0);
  assert_string_equal(get(f->to, "status.json"), second);
  assert_string_equal(listing(f->to), "status.json");
}

static void test_write_atomic_into_missing_folder_fails_cleanly(void **state) {
  struct fixture *f = *state;
  char dir[256];

  (void)snprintf(dir, sizeof dir, "%s/nowhere", f->dir);
  assert_int_equal(fs_write_atomic(dir, "x.json", "{}", 2), -ENOENT);
  assert_string_equal(listing(f->dir), "from|to");
}

/* A file keeps its mtime through rename(); fs_touch sets it to now, so
 * retention ages a file from its arrival in done/ (and the file's bytes
 * stay as they were). */
static void test_touch_sets_mtime_to_now_and_keeps_content(void **state) {
  struct fixture *f = *state;
  char path[512];
  struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
  struct stat st;
  time_t before = time(NULL);

  put(f->from, "q1.csv", "a,b\n");
  (void)snprintf(path, sizeof path, "%s/q1.csv", f->from);
  assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
  assert_int_equal(fs_touch(f->from, "q1.csv"), 0);
  assert_int_equal(stat(path, &st), 0);
  assert_true(st.st_mtim.tv_sec >= before - 1);
  assert_string_equal(get(f->from, "q1.csv"), "a,b\n");
  assert_int_equal(fs_touch(f->from, "missing.csv"), -ENOENT);
}

static void test_dirname_and_resolve(void **state) {
  char *s;

  (void)state;
  s = fs_dirname("conf/hub.json");
  assert_string_equal(s, "conf");
  free(s);
  s = fs_dirname("hub.json");
  assert_string_equal(s, ".");
  free(s);
  s = fs_dirname("/hub.json");
  assert_string_equal(s, "/");
  free(s);
  s = fs_resolve("/etc/dahub", "feeds.d");
  assert_string_equal(s, "/etc/dahub/feeds.d");
  free(s);
  s = fs_resolve("/etc/dahub", "/var/lib/dahub");
  assert_string_equal(s, "/var/lib/dahub");
  free(s);
}

/* --- spool_ignored_name: which names in incoming/ are never claimed --- */

static void test_dotfiles_are_ignored(void **state) {
  (void)state;
  assert_true(spool_ignored_name(".q1.csv"));
  assert_true(spool_ignored_name(".hidden"));
  assert_true(spool_ignored_name("."));
  assert_true(spool_ignored_name(".."));
}

static void test_part_uploads_are_ignored(void **state) {
  (void)state;
  assert_true(spool_ignored_name("q1.csv.part"));
  assert_true(spool_ignored_name("x.part"));
}

static void test_tmp_uploads_are_ignored(void **state) {
  (void)state;
  assert_true(spool_ignored_name("q1.csv.tmp"));
  assert_true(spool_ignored_name("x.tmp"));
}

static void test_ordinary_names_are_claimed(void **state) {
  (void)state;
  assert_false(spool_ignored_name("q1.csv"));
  assert_false(spool_ignored_name("Freeva Q1 2024-25.csv"));
  assert_false(spool_ignored_name("part"));
  assert_false(spool_ignored_name("tmp"));
  assert_false(spool_ignored_name("tmp.csv"));
  assert_false(spool_ignored_name("report.partial"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_move_unique_keeps_a_free_name, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_move_unique_numbers_a_taken_name,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_move_unique_counts_past_every_taken_name, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_move_unique_numbers_a_name_without_extension, setup, teardown),
      cmocka_unit_test_setup_teardown(test_move_unique_of_missing_file_fails,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_atomic_leaves_only_the_file,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_atomic_replaces_whole, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          test_write_atomic_into_missing_folder_fails_cleanly, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_touch_sets_mtime_to_now_and_keeps_content, setup, teardown),
      cmocka_unit_test(test_dirname_and_resolve),
      cmocka_unit_test(test_dotfiles_are_ignored),
      cmocka_unit_test(test_part_uploads_are_ignored),
      cmocka_unit_test(test_tmp_uploads_are_ignored),
      cmocka_unit_test(test_ordinary_names_are_claimed),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
