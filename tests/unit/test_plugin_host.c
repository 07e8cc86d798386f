/*
 * test_plugin_host.c: what plugin_load() accepts and what it refuses.
 *
 * The plugins are the small ones of tests/plugins/, built into
 * DAHUB_TESTPLUGIN_DIR. Each test makes a private folder (mkdtemp: 0700),
 * copies the .so files it needs there under the names and modes the case
 * calls for, and loads from it; teardown unloads and removes everything.
 * Messages are compared in full where an operator acts on them.
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
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"

#include "plugin_host.h"

struct fixture {
  char dir[64];
  struct plugin p, p2;
  struct dahub_error err;
};

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof *f);

  if (f == NULL)
    return -1;
  (void)snprintf(f->dir, sizeof f->dir, "/tmp/dahub-plugin-XXXXXX");
  if (mkdtemp(f->dir) == NULL) {
    free(f);
    return -1;
  }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;

  plugin_unload(&f->p);
  plugin_unload(&f->p2);
  (void)chmod(f->dir, 0700);
  fixture_remove_tree(f->dir);
  free(f);
  return 0;
}

/* Copies DAHUB_TESTPLUGIN_DIR/built.so to f->dir/as.so with mode. */
static void install(struct fixture *f, const char *built, const char *as,
                    mode_t mode) {
  char src[512], dst[512], buf[65536];
  int in, out;
  ssize_t n;

  (void)snprintf(src, sizeof src, "%s/%s.so", DAHUB_TESTPLUGIN_DIR, built);
  (void)snprintf(dst, sizeof dst, "%s/%s.so", f->dir, as);
  in = open(src, O_RDONLY | O_CLOEXEC);
  assert_true(in >= 0);
  out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  assert_true(out >= 0);
  while ((n = read(in, buf, sizeof buf)) > 0)
    assert_int_equal(write(out, buf, (size_t)n), n);
  assert_int_equal(n, 0);
  assert_int_equal(fchmod(out, mode), 0); /* exact, whatever the umask */
  assert_int_equal(close(out), 0);
  assert_int_equal(close(in), 0);
}

/* f->dir/name.so, as plugin_load names it in messages. */
static const char *so_path(struct fixture *f, const char *name) {
  static char path[512];

  (void)snprintf(path, sizeof path, "%s/%s.so", f->dir, name);
  return path;
}

static void test_good_plugin_loads_with_its_descriptor(void **state) {
  struct fixture *f = *state;

  install(f, "tp_good", "tp_good", 0644);
  assert_int_equal(plugin_load(f->dir, "tp_good", &f->p, &f->err), 0);
  assert_non_null(f->p.handle);
  assert_string_equal(f->p.path, so_path(f, "tp_good"));
  assert_int_equal(f->p.desc.abi_version, DAHUB_ABI_VERSION);
  assert_int_equal(f->p.desc.struct_size, sizeof(struct dahub_plugin));
  assert_string_equal(f->p.desc.name, "tp_good");
  assert_string_equal(f->p.desc.version, "1.2.3");
  assert_int_equal(f->p.desc.kind, DAHUB_KIND_SOURCE);
  assert_non_null(f->p.desc.open);
  assert_non_null(f->p.desc.close);
  /* The copied pointer is the plugin's own parse. */
  assert_int_equal(f->p.desc.parse(NULL, NULL, NULL, NULL, NULL), DAHUB_RETRY);
}

static void test_wrong_abi_version_is_refused_naming_both(void **state) {
  struct fixture *f = *state;
  char want[1024];

  install(f, "tp_abi", "tp_abi", 0644);
  assert_int_equal(plugin_load(f->dir, "tp_abi", &f->p, &f->err), -EPROTO);
  assert_null(f->p.handle);
  (void)snprintf(want, sizeof want,
                 "plugin %s was built for ABI version %u; this dahub speaks "
                 "version %u: rebuild it",
                 so_path(f, "tp_abi"), DAHUB_ABI_VERSION + 1,
                 DAHUB_ABI_VERSION);
  assert_string_equal(f->err.msg, want);
}

static void test_descriptor_too_short_is_refused(void **state) {
  struct fixture *f = *state;
  char want[1024];

  install(f, "tp_short", "tp_short", 0644);
  assert_int_equal(plugin_load(f->dir, "tp_short", &f->p, &f->err), -EPROTO);
  assert_null(f->p.handle);
  (void)snprintf(want, sizeof want,
                 "plugin %s: descriptor is %u bytes, too short for ABI "
                 "version %u",
                 so_path(f, "tp_short"),
                 (unsigned)offsetof(struct dahub_plugin, parse),
                 DAHUB_ABI_VERSION);
  assert_string_equal(f->err.msg, want);
}

static void test_file_without_descriptor_symbol_is_refused(void **state) {
  struct fixture *f = *state;
  char want[1024];

  install(f, "tp_nosym", "tp_nosym", 0644);
  assert_int_equal(plugin_load(f->dir, "tp_nosym", &f->p, &f->err), -ENOEXEC);
  assert_null(f->p.handle);
  (void)snprintf(want, sizeof want,
                 "plugin %s does not export dahub_plugin_v1: not a dahub "
                 "plugin",
                 so_path(f, "tp_nosym"));
  assert_string_equal(f->err.msg, want);
}

static void test_undefined_symbol_fails_at_load(void **state) {
  struct fixture *f = *state;
  char want[1024];

  install(f, "tp_undef", "tp_undef", 0644);
  assert_int_equal(plugin_load(f->dir, "tp_undef", &f->p, &f->err), -ENOEXEC);
  assert_null(f->p.handle);
  (void)snprintf(want, sizeof want,
                 "plugin %s: cannot load: ", so_path(f, "tp_undef"));
  assert_memory_equal(f->err.msg, want, strlen(want));
  /* dlerror()'s own words, naming what is missing (RTLD_NOW). */
  assert_non_null(strstr(f->err.msg, "undefined symbol"));
  assert_non_null(strstr(f->err.msg, "dahub_test_missing_function"));
}

static void test_group_writable_file_is_refused(void **state) {
  struct fixture *f = *state;
  char want[1024];

  install(f, "tp_good", "tp_good", 0664);
  assert_int_equal(plugin_load(f->dir, "tp_good", &f->p, &f->err), -EPERM);
  assert_null(f->p.handle);
  (void)snprintf(want, sizeof want,
                 "plugin %s is writable by group or others (chmod go-w)",
                 so_path(f, "tp_good"));
  assert_string_equal(f->err.msg, want);
}

static void test_world_writable_file_is_refused(void **state) {
  struct fixture *f = *state;

  install(f, "tp_good", "tp_good", 0646);
  assert_int_equal(plugin_load(f->dir, "tp_good", &f->p, &f->err), -EPERM);
  assert_null(f->p.handle);
}

static void test_group_writable_folder_is_refused(void **state) {
  struct fixture *f = *state;
  char want[1024];

  install(f, "tp_good", "tp_good", 0644);
  assert_int_equal(chmod(f->dir, 0770), 0);
  assert_int_equal(plugin_load(f->dir, "tp_good", &f->p, &f->err), -EPERM);
  assert_null(f->p.handle);
  (void)snprintf(want, sizeof want,
                 "plugin folder %s is writable by group or others "
                 "(chmod go-w)",
                 f->dir);
  assert_string_equal(f->err.msg, want);
}

static void test_symlinked_file_is_refused(void **state) {
  struct fixture *f = *state;
  char want[1024];

  install(f, "tp_good", "real", 0644);
  assert_int_equal(symlink("real.so", so_path(f, "tp_good")), 0);
  assert_int_equal(plugin_load(f->dir, "tp_good", &f->p, &f->err), -ELOOP);
  assert_null(f->p.handle);
  (void)snprintf(want, sizeof want,
                 "plugin %s is a symbolic link; install the file itself",
                 so_path(f, "tp_good"));
  assert_string_equal(f->err.msg, want);
}

static void test_missing_file_is_refused(void **state) {
  struct fixture *f = *state;

  assert_int_equal(plugin_load(f->dir, "tp_good", &f->p, &f->err), -ENOENT);
  assert_null(f->p.handle);
  assert_non_null(strstr(f->err.msg, so_path(f, "tp_good")));
}

static void test_name_not_matching_file_is_refused(void **state) {
  struct fixture *f = *state;
  char want[1024];

  install(f, "tp_good", "tp_other", 0644);
  assert_int_equal(plugin_load(f->dir, "tp_other", &f->p, &f->err), -EPROTO);
  assert_null(f->p.handle);
  (void)snprintf(want, sizeof want,
                 "plugin %s calls itself \"tp_good\", expected \"tp_other\"",
                 so_path(f, "tp_other"));
  assert_string_equal(f->err.msg, want);
}

static void test_name_that_is_a_path_is_refused(void **state) {
  struct fixture *f = *state;

  assert_int_equal(plugin_load(f->dir, "../tp_good", &f->p, &f->err), -EINVAL);
  assert_null(f->p.handle);
  assert_string_equal(f->err.msg, "bad plugin name \"../tp_good\"");
}

static void test_larger_descriptor_from_newer_header_loads(void **state) {
  struct fixture *f = *state;

  install(f, "tp_future", "tp_future", 0644);
  assert_int_equal(plugin_load(f->dir, "tp_future", &f->p, &f->err), 0);
  assert_non_null(f->p.handle);
  assert_true(f->p.desc.struct_size > sizeof(struct dahub_plugin));
  assert_string_equal(f->p.desc.name, "tp_future");
  assert_string_equal(f->p.desc.version, "2.0.0");
  assert_int_equal(f->p.desc.parse(NULL, NULL, NULL, NULL, NULL), DAHUB_FAIL);
}

/* runtime.c keeps every plugin it loads while it loads the next. */
static void test_two_plugins_load_side_by_side(void **state) {
  struct fixture *f = *state;

  install(f, "tp_good", "tp_good", 0644);
  install(f, "tp_future", "tp_future", 0644);
  assert_int_equal(plugin_load(f->dir, "tp_good", &f->p, &f->err), 0);
  assert_int_equal(plugin_load(f->dir, "tp_future", &f->p2, &f->err), 0);
  assert_ptr_not_equal(f->p.handle, f->p2.handle);
  assert_string_equal(f->p.desc.name, "tp_good");
  assert_string_equal(f->p2.desc.name, "tp_future");
  assert_int_equal(f->p2.desc.parse(NULL, NULL, NULL, NULL, NULL), DAHUB_FAIL);
}

/* A reload loads the plugins again while the old ones still serve: a
 * rebuilt plugin must be the one loaded, not the copy already in memory. */
static void test_replaced_plugin_file_is_the_one_checked(void **state) {
  struct fixture *f = *state;
  char old_path[512];

  install(f, "tp_good", "tp_good", 0644);
  assert_int_equal(plugin_load(f->dir, "tp_good", &f->p, &f->err), 0);
  (void)snprintf(old_path, sizeof old_path, "%s", so_path(f, "tp_good"));
  assert_int_equal(unlink(old_path), 0);
  install(f, "tp_future", "tp_good", 0644); /* says tp_future: refused */
  assert_int_equal(plugin_load(f->dir, "tp_good", &f->p2, &f->err), -EPROTO);
  assert_null(f->p2.handle);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          test_good_plugin_loads_with_its_descriptor, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_wrong_abi_version_is_refused_naming_both, setup, teardown),
      cmocka_unit_test_setup_teardown(test_descriptor_too_short_is_refused,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_file_without_descriptor_symbol_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_undefined_symbol_fails_at_load,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_group_writable_file_is_refused,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_world_writable_file_is_refused,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_group_writable_folder_is_refused,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_symlinked_file_is_refused, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_missing_file_is_refused, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_name_not_matching_file_is_refused,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_name_that_is_a_path_is_refused,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_larger_descriptor_from_newer_header_loads, setup, teardown),
      cmocka_unit_test_setup_teardown(test_two_plugins_load_side_by_side, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          test_replaced_plugin_file_is_the_one_checked, setup, teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
