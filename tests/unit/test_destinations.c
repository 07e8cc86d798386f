/*
 * test_destinations.c: hub.json's "deliveries" (hub/deliver/destinations.c)
 * through config_load(), with real files in a temporary folder: what a
 * good list gives, every kind of mistake refused with a message naming it,
 * and credential files that must be owner-only and are never quoted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"

#include "config.h"
#include "credential.h"

#define SECRET "s3cret-do-not-log"

struct fixture {
  char dir[64];
  struct errlist errs;
  struct config *c;
};

static void put(const char *dir, const char *name, const char *text,
                mode_t mode) {
  char path[256];
  FILE *fp;

  (void)snprintf(path, sizeof path, "%s/%s", dir, name);
  fp = fopen(path, "w");
  assert_non_null(fp);
  assert_true(fputs(text, fp) >= 0);
  assert_int_equal(fclose(fp), 0);
  assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof *f);
  char feeds[128];

  if (f == NULL)
    return -1;
  (void)snprintf(f->dir, sizeof f->dir, "/tmp/dahub-dest-XXXXXX");
  if (mkdtemp(f->dir) == NULL)
    return -1;
  (void)snprintf(feeds, sizeof feeds, "%s/feeds.d", f->dir);
  if (mkdir(feeds, 0700) != 0)
    return -1;
  put(feeds, "freeva.json",
      "{\"name\": \"freeva\", \"source_id\": \"freeva\", "
      "\"plugin\": \"mapped\"}",
      0600);
  (void)unsetenv("CREDENTIALS_DIRECTORY");
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;

  config_free(f->c);
  errlist_clear(&f->errs);
  fixture_remove_tree(f->dir);
  (void)unsetenv("CREDENTIALS_DIRECTORY");
  free(f);
  return 0;
}

/* hub.json with deliveries set to list; then config_load()'s result. */
static int load(struct fixture *f, const char *list) {
  char text[4096], hub[128];
  int rc;

  (void)snprintf(text, sizeof text,
                 "{\"spool_dir\": \"spool\", \"state_dir\": \"state\",\n"
                 " \"plugin_dir\": \"plugins\", \"vocabulary\": \"v.json\",\n"
                 " \"deliveries\": %s}\n",
                 list);
  put(f->dir, "hub.json", text, 0600);
  (void)snprintf(hub, sizeof hub, "%s/hub.json", f->dir);
  config_free(f->c);
  f->c = NULL;
  errlist_clear(&f->errs);
  rc = config_load(hub, NULL, &f->c, &f->errs);
  errlist_each(&f->errs, fixture_print_error, NULL);
  return rc;
}

struct search {
  const char *want;
  int found, secret;
};

static void search_one(const char *msg, void *arg) {
  struct search *s = arg;

  s->found |= strstr(msg, s->want) != NULL;
  s->secret |= strstr(msg, SECRET) != NULL;
}

/* Fails unless loading list is refused with an error containing want. */
static void expect_refused(struct fixture *f, const char *list,
                           const char *want) {
  struct search s = {want, 0, 0};

  assert_int_equal(load(f, list), -EINVAL);
  assert_null(f->c);
  errlist_each(&f->errs, search_one, &s);
  if (!s.found)
    fail_msg("no error containing \"%s\"", want);
  assert_false(s.secret);
}

#define MAIL                                                                   \
  "{\"name\": \"board_mail\", \"kind\": \"smtp\", "                            \
  "\"url\": \"smtps://mail.example.org\", "                                    \
  "\"from\": \"figures@council.example\", "                                    \
  "\"to\": [\"clerk@council.example\", \"chair@council.example\"], "           \
  "\"payloads\": [\"json\", \"csv\"], \"username\": \"figures\", "             \
  "\"password_file\": \"smtp-password\", \"give_up_after\": \"3d\"}"
#define HOOK                                                                   \
  "{\"name\": \"dashboard\", \"kind\": \"https\", "                            \
  "\"url\": \"https://dash.example.org/api/figures\", \"method\": \"PUT\", "   \
  "\"payloads\": [\"json\"], \"auth_file\": \"dash-token\", "                  \
  "\"timeout\": \"30s\"}"

static void test_a_good_list_is_read(void **state) {
  struct fixture *f = *state;
  const struct destination *d;

  put(f->dir, "smtp-password", SECRET "\n", 0600);
  put(f->dir, "dash-token", "Bearer " SECRET "\n", 0400);
  assert_int_equal(load(f, "[" MAIL ", " HOOK "]"), 0);
  assert_int_equal(f->c->n_deliveries, 2);
  d = &f->c->deliveries[0];
  assert_string_equal(d->name, "board_mail");
  assert_int_equal(d->kind, DEST_SMTP);
  assert_int_equal(d->n_to, 2);
  assert_string_equal(d->to[1], "chair@council.example");
  assert_int_equal(d->n_payloads, 2);
  assert_string_equal(d->subject, "Board figures {label}, version {version}");
  assert_int_equal(d->give_up_after, 3 * 86400);
  assert_int_equal(d->timeout_s, 60);
  assert_int_equal(d->plain_loopback, 0);
  assert_non_null(strstr(d->password_file, "/smtp-password"));
  d = &f->c->deliveries[1];
  assert_int_equal(d->kind, DEST_HTTPS);
  assert_string_equal(d->method, "PUT");
  assert_int_equal(d->timeout_s, 30);
  assert_int_equal(d->give_up_after, 7 * 86400);
}

static void test_credentials_come_from_the_credentials_directory(void **state) {
  struct fixture *f = *state;
  char creds[128], *secret = NULL, err[256];

  (void)snprintf(creds, sizeof creds, "%s/creds", f->dir);
  assert_int_equal(mkdir(creds, 0700), 0);
  put(creds, "smtp-password", SECRET "\n", 0600);
  /* not beside hub.json: found only through $CREDENTIALS_DIRECTORY */
  assert_int_equal(setenv("CREDENTIALS_DIRECTORY", creds, 1), 0);
  assert_int_equal(load(f, "[" MAIL "]"), 0);
  assert_non_null(strstr(f->c->deliveries[0].password_file, "/creds/"));
  assert_int_equal(credential_read(f->c->deliveries[0].password_file, &secret,
                                   err, sizeof err),
                   0);
  assert_string_equal(secret, SECRET); /* the newline dropped */
  free(secret);
}

static void test_a_credential_others_can_read_is_refused(void **state) {
  struct fixture *f = *state;
  char path[128];

  put(f->dir, "smtp-password", SECRET "\n", 0640);
  expect_refused(f, "[" MAIL "]", "may be read by others (mode 640)");
  put(f->dir, "smtp-password", "", 0600);
  expect_refused(f, "[" MAIL "]", "expected one line of text");
  (void)snprintf(path, sizeof path, "%s/smtp-password", f->dir);
  assert_int_equal(unlink(path), 0);
  expect_refused(f, "[" MAIL "]", "cannot open credential file");
}

static void test_mistakes_are_named(void **state) {
  static const struct {
    const char *list, *want;
  } cases[] = {
      {"{}", "deliveries: expected an array"},
      {"[{\"name\": \"x\", \"kind\": \"fax\", \"url\": \"https://a.example\","
       " \"payloads\": [\"json\"]}]",
       "deliveries[0].kind: expected \"smtp\" or \"https\""},
      {"[{\"name\": \"x\", \"kind\": \"https\", \"url\": \"http://a.example\","
       " \"payloads\": [\"json\"]}]",
       "deliveries[0].url: expected an https:// URL"},
      {"[{\"name\": \"x\", \"kind\": \"https\", \"url\": \"https://a.example\","
       " \"payloads\": [\"pdf\"]}]",
       "deliveries[0].payloads[0]: expected one of summary.sinks"},
      {"[{\"name\": \"x\", \"kind\": \"https\", \"url\": \"https://a.example\","
       " \"payloads\": [\"json\", \"json\"]}]",
       "deliveries[0].payloads[1]: \"json\" is named twice"},
      {"[{\"name\": \"x\", \"kind\": \"https\", \"url\": \"https://a.example\","
       " \"payloads\": [\"json\"], \"timeout\": \"2h\"}]",
       "deliveries[0].timeout: at most 3600s"},
      {"[{\"name\": \"x\", \"kind\": \"https\", \"url\": \"https://a.example\","
       " \"payloads\": [\"json\"], \"method\": \"DELETE\"}]",
       "deliveries[0].method: expected \"POST\" or \"PUT\""},
      {"[{\"name\": \"x\", \"kind\": \"https\", \"url\": \"https://a.example\","
       " \"payloads\": [\"json\"], \"retries\": 3}]",
       "retries"},
      {"[{\"name\": \"x\", \"kind\": \"https\", \"url\": \"https://a.example\","
       " \"payloads\": [\"json\"], \"timeout\": \"soon\"}]",
       "deliveries[0].timeout: expected a duration"},
      {"[{\"name\": \"x\", \"kind\": \"https\", \"url\": \"https://a.example\","
       " \"payloads\": [\"json\"], \"auth_file\": \"../token\"}]",
       "deliveries[0].auth_file: expected a file name"},
      {"[{\"name\": \"x\", \"kind\": \"smtp\", \"url\": "
       "\"smtp://mail.example\","
       " \"payloads\": [\"json\"], \"from\": \"a@b.example\", \"to\": "
       "[\"c@d.example\"], \"starttls\": false}]",
       "deliveries[0].starttls: may be false only for a relay on this"},
      {"[{\"name\": \"x\", \"kind\": \"smtp\", \"url\": \"smtps://m.example\","
       " \"payloads\": [\"json\"], \"from\": \"a@b.example\", \"to\": "
       "[\"c@d.example>\\r\\nBcc: e@f.example\"]}]",
       "deliveries[0].to[0]: expected an address"},
      {"[{\"name\": \"x\", \"kind\": \"smtp\", \"url\": \"smtps://m.example\","
       " \"payloads\": [\"json\"], \"from\": \"a@b.example\", \"to\": [],"
       " \"subject\": \"a\\nb\"}]",
       "deliveries[0].to: expected 1 to 16 addresses"},
      {"[{\"name\": \"x\", \"kind\": \"smtp\", \"url\": \"smtps://m.example\","
       " \"payloads\": [\"json\"], \"from\": \"a@b.example\", \"to\": "
       "[\"c@d.example\"], \"subject\": \"a\\nb\"}]",
       "deliveries[0].subject: expected one line"},
      {"[{\"name\": \"x\", \"kind\": \"https\", \"url\": \"https://a.example\","
       " \"payloads\": [\"json\"]}, {\"name\": \"x\", \"kind\": \"https\", "
       "\"url\": \"https://b.example\", \"payloads\": [\"csv\"]}]",
       "deliveries[1].name: \"x\" is used twice"},
  };
  struct fixture *f = *state;

  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    expect_refused(f, cases[i].list, cases[i].want);
}

static void test_plain_smtp_to_a_local_relay_is_allowed(void **state) {
  struct fixture *f = *state;

  assert_int_equal(load(f,
                        "[{\"name\": \"relay\", \"kind\": \"smtp\", \"url\": "
                        "\"smtp://127.0.0.1:2525\", \"payloads\": [\"csv\"], "
                        "\"from\": \"a@b.example\", \"to\": [\"c@d.example\"], "
                        "\"starttls\": false}]"),
                   0);
  assert_int_equal(f->c->deliveries[0].plain_loopback, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_a_good_list_is_read, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          test_credentials_come_from_the_credentials_directory, setup,
          teardown),
      cmocka_unit_test_setup_teardown(
          test_a_credential_others_can_read_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mistakes_are_named, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_plain_smtp_to_a_local_relay_is_allowed, setup, teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
