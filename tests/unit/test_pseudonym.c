/*
 * test_pseudonym.c: the keyed HMAC matches HMAC-SHA256 (RFC 4231 vectors)
 * and key files are refused when others can read them.
 */
#include <errno.h>
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

#include "pseudonym.h"

static void hex(const uint8_t *b, size_t n, char *out) {
  for (size_t i = 0; i < n; i++)
    (void)snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?" */
static void test_rfc4231_case_2(void **state) {
  struct pseudonym *p;
  uint8_t out[32];
  char h[65];

  (void)state;
  assert_int_equal(pseudonym_new((const uint8_t *)"Jefe", 4, &p), 0);
  assert_int_equal(pseudonym_hmac(p, "what do ya want for nothing?", 28, out),
                   0);
  hex(out, 32, h);
  assert_string_equal(
      h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  /* the context is reusable: the same input gives the same output */
  assert_int_equal(pseudonym_hmac(p, "what do ya want for nothing?", 28, out),
                   0);
  hex(out, 32, h);
  assert_string_equal(
      h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  pseudonym_free(p);
}

/* RFC 4231 test case 6: a 131-byte key is hashed first. */
static void test_rfc4231_long_key(void **state) {
  struct pseudonym *p;
  uint8_t key[131], out[32];
  char h[65];
  const char *data = "Test Using Larger Than Block-Size Key - Hash Key First";

  (void)state;
  memset(key, 0xaa, sizeof key);
  assert_int_equal(pseudonym_new(key, sizeof key, &p), 0);
  assert_int_equal(pseudonym_hmac(p, data, strlen(data), out), 0);
  hex(out, 32, h);
  assert_string_equal(
      h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  pseudonym_free(p);
}

static void write_key(const char *path, mode_t mode, size_t len) {
  FILE *f = fopen(path, "wb");

  assert_non_null(f);
  for (size_t i = 0; i < len; i++)
    fputc((int)(i * 7 + 1), f);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(chmod(path, mode), 0);
}

static void test_key_file_rules(void **state) {
  char dir[] = "/tmp/dahub-key-XXXXXX", path[64];
  struct dahub_error e = {0};
  uint8_t *key = NULL;
  size_t len = 0;

  (void)state;
  assert_non_null(mkdtemp(dir));
  (void)snprintf(path, sizeof path, "%s/k", dir);
  write_key(path, 0600, 32);
  assert_int_equal(pseudonym_read_key(path, &key, &len, &e), 0);
  assert_int_equal(len, 32);
  free(key);
  write_key(path, 0644, 32); /* others may read it */
  assert_int_not_equal(pseudonym_read_key(path, &key, &len, &e), 0);
  assert_non_null(strstr(e.msg, "group or others"));
  write_key(path, 0600, 8); /* too short to be a key */
  assert_int_not_equal(pseudonym_read_key(path, &key, &len, &e), 0);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(rmdir(dir), 0);
}

static void test_key_file_link_is_refused(void **state) {
  char dir[] = "/tmp/dahub-key-XXXXXX", path[64], link[64];
  struct dahub_error e = {0};
  uint8_t *key = NULL;
  size_t len = 0;

  (void)state;
  assert_non_null(mkdtemp(dir));
  (void)snprintf(path, sizeof path, "%s/k", dir);
  (void)snprintf(link, sizeof link, "%s/l", dir);
  write_key(path, 0600, 32);
  assert_int_equal(symlink(path, link), 0);
  assert_int_equal(pseudonym_read_key(link, &key, &len, &e), -EINVAL);
  assert_null(key);
  assert_non_null(strstr(e.msg, "not a regular file"));
  assert_int_equal(unlink(link), 0);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(rmdir(dir), 0);
}

/* A key another user owns could be replaced by that user, who would then
 * choose the pseudonyms: refused, naming the file. Giving the file away
 * takes root; elsewhere the test is skipped. */
static void test_key_file_owned_by_another_user_is_refused(void **state) {
  char dir[] = "/tmp/dahub-key-XXXXXX", path[64];
  struct dahub_error e = {0};
  uint8_t *key = NULL;
  size_t len = 0;

  (void)state;
  if (geteuid() != 0)
    skip();
  assert_non_null(mkdtemp(dir));
  (void)snprintf(path, sizeof path, "%s/k", dir);
  write_key(path, 0600, 32);
  assert_int_equal(chown(path, 65534, 65534), 0);
  assert_int_equal(pseudonym_read_key(path, &key, &len, &e), -EPERM);
  assert_null(key);
  assert_non_null(strstr(e.msg, path));
  assert_non_null(strstr(e.msg, "owned by uid 65534"));
  assert_non_null(strstr(e.msg, "root or to the user dahub runs as"));
  /* back to root: the same file is accepted */
  assert_int_equal(chown(path, 0, 0), 0);
  assert_int_equal(pseudonym_read_key(path, &key, &len, &e), 0);
  assert_int_equal(len, 32);
  free(key);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(rmdir(dir), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc4231_case_2),
      cmocka_unit_test(test_rfc4231_long_key),
      cmocka_unit_test(test_key_file_rules),
      cmocka_unit_test(test_key_file_link_is_refused),
      cmocka_unit_test(test_key_file_owned_by_another_user_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
