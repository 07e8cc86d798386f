/*
 * config_feeds.c: feeds.d/NAME.json, one file a feed (see config.h).
 *
 * Feed files are read in name order so errors and start-up are the same on
 * every run; a name defined twice is an error in the second file. A
 * feed's options are kept as JSON for its plugin's open() to check: the
 * hub knows only the members every feed has.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "fsutil.h"

/* One address, local@domain.tld, of the characters an address may have
 * unquoted: nothing that could end a header line or start another. */
static int set_contact(void *dst, const struct dahub_opt *o, const json_t *v) {
  const char *s = json_string_value(v), *at = strchr(s, '@');
  size_t n = strlen(s);

  if (n > 254 || at == NULL || at == s || strchr(at + 1, '@') != NULL ||
      strchr(at + 1, '.') == NULL || at[1] == '.' || s[n - 1] == '.')
    return -EINVAL;
  for (const char *c = s; *c != '\0'; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
          (*c >= '0' && *c <= '9') || strchr("@.-_+'", *c) != NULL))
      return -EINVAL;
  return dahub_opt_keep(dst, o, v);
}

/* A feed's file. "expect", "retain" and "pull" have their own readers;
 * "options" is its plugin's to check, at open(). */
#define AT(field) offsetof(struct feed_conf, field)
#define RETAIN_EXPECT                                                          \
  "a duration such as \"30d\", \"12h\", \"15m\" or \"45s\", at most 3650d"
/* One option a line: the table reads as one. */
/* clang-format off */
static const struct dahub_opt feed_opts[] = {
  /* key, type, flags, min, max, default, where, setter, expect, help */
  {"name", DAHUB_OPT_IDENT, DAHUB_OPT_REQUIRED, 0, CONFIG_NAME_MAX, 0, AT(name), dahub_opt_keep, NULL, "the feed, and its spool folder"},
  {"source_id", DAHUB_OPT_IDENT, DAHUB_OPT_REQUIRED, 0, CONFIG_NAME_MAX, 0, AT(source_id), dahub_opt_keep, NULL, "the partner, as the store knows it"},
  {"plugin", DAHUB_OPT_IDENT, DAHUB_OPT_REQUIRED, 0, CONFIG_NAME_MAX, 0, AT(plugin), dahub_opt_keep, NULL, "the source plugin that reads the files"},
  {"service_id", DAHUB_OPT_STRING, 0, 0, 0, 0, AT(service_id), dahub_opt_keep, NULL, "the service, when the files do not say"},
  {"hmac_key_file", DAHUB_OPT_STRING, 0, 0, 0, 0, AT(hmac_key_file), dahub_opt_keep, NULL, "the key that pseudonymises references"},
  {"options", DAHUB_OPT_OBJECT, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "for the plugin's open() to check"},
  {"description", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "a note for the people who keep the file"},
  {"expect", DAHUB_OPT_STRING, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "how often a return is due (load_expect)"},
  {"due_days", DAHUB_OPT_UINT, 0, 0, 366, 30, AT(due_days), NULL, NULL, "days after a period's end before it is late"},
  /* true: no report, log line or `dahub try` quotes the files' cells
   * (redact.h); a case-level plugin says so itself, this is for others */
  {"personal", DAHUB_OPT_BOOL, 0, 0, 0, 0, AT(personal), NULL, NULL, "its files hold data about people"},
  {"retain", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "how long files stay in done/ and failed/"},
  {"pull", DAHUB_OPT_ANY, 0, 0, 0, 0, DAHUB_OPT_NOWHERE, NULL, NULL, "fetch the files over HTTPS (config_pull.c)"},
  {"contact", DAHUB_OPT_STRING, 0, 0, 0, 0, AT(contact), set_contact, "an e-mail address such as data.lead@partner.example", "gets a failed file's report by e-mail (hub.json's feedback_via)"},
  {.key = NULL}};

/* A folder left out keeps CONFIG_RETAIN_DEFAULT: its default is
 * retention.c's to decide, once the feed's plugin has said whether its
 * files are personal data. */
static const struct dahub_opt retain_opts[] = {
  {"done", DAHUB_OPT_DURATION, 0, 0, CONFIG_RETAIN_MAX_S, CONFIG_RETAIN_DEFAULT, AT(retain_done_s), NULL, RETAIN_EXPECT, "how long a read file is kept"},
  {"failed", DAHUB_OPT_DURATION, 0, 0, CONFIG_RETAIN_MAX_S, CONFIG_RETAIN_DEFAULT, AT(retain_failed_s), NULL, RETAIN_EXPECT, "how long a refused file is kept"},
  {.key = NULL}};
/* clang-format on */
#undef AT

void config_feed_clear(struct feed_conf *f) {
  dahub_opt_free(feed_opts, f); /* the names and files it kept */
  free(f->file);
  free(f->contact); /* kept by set_contact() */
  json_decref(f->options);
  config_pull_free(f->pull);
}

int config_parse_duration(const char *s, uint64_t *seconds) {
  return dahub_opt_duration(s, CONFIG_RETAIN_MAX_S, seconds);
}

/* "retain": {"done": "0d", "failed": "30d"}. */
static void load_retain(struct jsonconf *jc, struct feed_conf *f) {
  const json_t *r = json_object_get(jc->root, "retain");

  if (r != NULL && !json_is_object(r)) {
    dahub_opt_defaults(retain_opts, f);
    jsonconf_error(jc, "retain",
                   "retain: expected an object such as "
                   "{\"done\": \"400d\", \"failed\": \"90d\"}");
    return;
  }
  (void)jsonconf_check(jc, r, "retain", JSONCONF_BY_PATH, retain_opts, f);
}

/* "expect": "quarterly" (default), "half-yearly", "annual" or "none". */
static void load_expect(struct jsonconf *jc, struct feed_conf *f) {
  static const struct {
    const char *name;
    int months;
  } kinds[] = {
      {"quarterly", 3}, {"half-yearly", 6}, {"annual", 12}, {"none", 0}};
  const char *e = json_string_value(json_object_get(jc->root, "expect"));
  size_t i;

  f->expect_months = 3;
  if (e == NULL || e[0] == '\0')
    return; /* absent, or the table said what is wrong */
  for (i = 0; i < sizeof kinds / sizeof *kinds; i++)
    if (strcmp(e, kinds[i].name) == 0)
      break;
  if (i == sizeof kinds / sizeof *kinds)
    jsonconf_error(jc, "expect",
                   "expect: expected quarterly, half-yearly, "
                   "annual or none, found \"%s\"",
                   e);
  else
    f->expect_months = kinds[i].months;
}

static int load_feed(struct config *c, const char *base, const char *path,
                     struct errlist *errs) {
  struct feed_conf *f = &c->feeds[c->n_feeds];
  struct jsonconf jc;
  json_t *opts;
  int rc;

  memset(f, 0, sizeof *f);
  if ((rc = jsonconf_load(&jc, path, errs)) != 0)
    goto out;
  (void)jsonconf_check(&jc, jc.root, "", JSONCONF_BY_KEY, feed_opts, f);
  if (f->hmac_key_file != NULL) {
    char *p = fs_resolve(base, f->hmac_key_file);

    free(f->hmac_key_file);
    if ((f->hmac_key_file = p) == NULL)
      jsonconf_error(&jc, "hmac_key_file", "hmac_key_file: path too long");
  }
  load_expect(&jc, f);
  opts = json_object_get(jc.root, "options");
  if (json_is_object(opts))
    f->options = json_incref(opts);
  load_retain(&jc, f);
  config_load_pull(&jc, json_object_get(jc.root, "pull"), base,
                   c->max_file_bytes, &f->pull);
  if (f->contact != NULL && c->feedback_via == NULL)
    jsonconf_error(&jc, "contact",
                   "contact: hub.json names no e-mail delivery to send the "
                   "reports by (\"feedback_via\")");
  f->file = strdup(path);
  if (f->name != NULL && config_feed(c, f->name) != NULL)
    jsonconf_error(&jc, "name", "feed \"%s\" is defined twice", f->name);
  rc = jc.nerr > 0 ? -EINVAL : 0;
out:
  jsonconf_close(&jc);
  if (rc == 0 && f->file != NULL)
    c->n_feeds++;
  else
    config_feed_clear(f);
  return rc;
}

static int is_json_name(const char *n) {
  size_t len = strlen(n);

  return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".json") == 0;
}

int config_load_feeds(struct config *c, const char *base,
                      struct errlist *errs) {
  struct dirent **list = NULL;
  char *dir = fs_resolve(base, "feeds.d");
  int n, rc = 0;

  if (dir == NULL)
    return -ENOMEM;
  n = scandir(dir, &list, NULL, alphasort);
  if (n < 0) {
    rc = -errno;
    errlist_add(errs, dir, 0, 0, "cannot read the feeds folder: %s",
                strerror(-rc));
    free(dir);
    return rc;
  }
  c->feeds = calloc(CONFIG_MAX_FEEDS, sizeof *c->feeds);
  if (c->feeds == NULL)
    rc = -ENOMEM;
  for (int i = 0; i < n; i++) {
    char *p;

    if (rc != -ENOMEM && is_json_name(list[i]->d_name)) {
      if (c->n_feeds == CONFIG_MAX_FEEDS) {
        errlist_add(errs, dir, 0, 0, "more than %d feeds", CONFIG_MAX_FEEDS);
        rc = -E2BIG;
      } else if ((p = fs_resolve(dir, list[i]->d_name)) == NULL) {
        rc = -ENOMEM;
      } else {
        if (load_feed(c, base, p, errs) != 0)
          rc = -EINVAL;
        free(p);
      }
    }
    free(list[i]);
  }
  free(list);
  free(dir);
  return rc;
}
