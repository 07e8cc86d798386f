/*
 * runtime.c: loads config, vocabulary, plugins and feed states (runtime.h).
 *
 * Errors are gathered, not stopped at: an officer running `dahub check`
 * after adding two feeds sees both feeds' problems at once. A plugin is
 * loaded once however many feeds use it; each feed gets its own state from
 * the plugin's open(), so one plugin serves many feeds without globals.
 */
#include "runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "jsonconf.h"
#include "pseudonym.h"

static struct plugin *find_plugin(struct runtime *rt, const char *name) {
  for (size_t i = 0; i < rt->n_plugins; i++)
    if (strcmp(rt->plugins[i].desc.name, name) == 0)
      return &rt->plugins[i];
  return NULL;
}

/* The plugin called name, loading it on first use; NULL with errs, which
 * name the file and what used it. */
static struct plugin *use_plugin(struct runtime *rt, const char *name,
                                 const char *file, const char *user,
                                 struct errlist *errs) {
  struct plugin *p = find_plugin(rt, name);
  struct dahub_error e = {0};

  if (p != NULL)
    return p;
  p = &rt->plugins[rt->n_plugins];
  if (plugin_load(rt->conf->plugin_dir, name, p, &e) != 0) {
    errlist_add(errs, file, 0, 0, "%s: %s", user, e.msg);
    return NULL;
  }
  rt->n_plugins++;
  return p;
}

/* What checking a feed's codes needs to say each problem. */
struct code_check {
  const struct vocab *vocab;
  const struct feed_conf *fc;
  struct errlist *errs;
  int bad;
};

static void check_code(void *arg, const char *field, const char *code,
                       const char *path) {
  struct code_check *c = arg;
  unsigned line = 0, col = 0;
  char msg[640];

  if (vocab_check_code(c->vocab, field, code, msg, sizeof msg) == 0)
    return;
  if (strncmp(path, "options.", 8) == 0)
    jsonconf_locate_path(c->fc->file, path, &line, &col);
  errlist_add(c->errs, c->fc->file, line, col, "feed \"%s\": %s \"%.80s\": %s",
              c->fc->name, path, code, msg[0] ? msg : "out of memory");
  c->bad = 1;
}

/* Every code the feed's options name, judged by the vocabulary now rather
 * than by the first file: 0, or -EINVAL with each problem in errs. */
static int check_codes(const struct runtime *rt, const struct ingest_feed *f,
                       struct errlist *errs) {
  struct code_check c = {rt->vocab, f->conf, errs, 0};

  if (rt->vocab == NULL || f->plugin->desc.codes == NULL)
    return 0; /* a vocabulary that did not load is reported already */
  f->plugin->desc.codes(f->state, check_code, &c);
  return c.bad ? -EINVAL : 0;
}

/* Problems of one feed's options listed at most; a count says the rest. */
#define OPEN_PROBLEMS_MAX 20

/* Where a feed's problems go, as the plugin's open_each() says them. */
struct open_problems {
  const struct feed_conf *fc;
  struct errlist *errs;
  unsigned n;
};

/* One problem of a feed's options, at the place its path names. */
static void open_problem(void *arg, const struct dahub_error *e) {
  struct open_problems *p = arg;
  unsigned line = 0, col = 0;

  if (p->n++ >= OPEN_PROBLEMS_MAX)
    return;
  /* the plugin names the option by its path; find where it is written */
  if (strncmp(e->field, "options.", 8) == 0)
    jsonconf_locate_path(p->fc->file, e->field, &line, &col);
  errlist_add(p->errs, p->fc->file, line, col, "feed \"%s\": %s", p->fc->name,
              e->msg);
}

/* The plugin's open() of the feed's options: 0, or negative with every
 * problem the plugin says (open_each()), or the one it returns, in errs. */
static int open_feed(const struct plugin *pl, const struct feed_conf *fc,
                     void **state, struct errlist *errs) {
  struct open_problems p = {fc, errs, 0};
  struct dahub_error e = {0};
  int rc;

  if (pl->desc.open_each != NULL)
    rc = pl->desc.open_each(fc->options, state, open_problem, &p, &e);
  else
    rc = pl->desc.open(fc->options, state, &e);
  if (rc == 0)
    return 0;
  if (p.n == 0)
    open_problem(&p, &e);
  else if (p.n > OPEN_PROBLEMS_MAX)
    errlist_add(errs, fc->file, 0, 0,
                "feed \"%s\": and %u more problems in its options", fc->name,
                p.n - OPEN_PROBLEMS_MAX);
  return rc;
}

static int load_sinks(struct runtime *rt, struct errlist *errs) {
  const struct summary_conf *s = &rt->conf->summary;
  int rc = 0;

  for (size_t i = 0; i < s->n_sinks; i++) {
    struct runtime_sink *k = &rt->sinks[rt->n_sinks];
    struct dahub_error e = {0};
    char user[96];

    (void)snprintf(user, sizeof user, "sink \"%s\"", s->sinks[i]);
    k->plugin = use_plugin(rt, s->sinks[i], rt->conf->path, user, errs);
    if (k->plugin == NULL) {
      rc = -EINVAL;
    } else if (k->plugin->desc.kind != DAHUB_KIND_SINK) {
      errlist_add(errs, rt->conf->path, 0, 0,
                  "summary.sinks: plugin \"%s\" is not a sink", s->sinks[i]);
      rc = -EINVAL;
    } else if (k->plugin->desc.open(
                   json_object_get(s->sink_options, s->sinks[i]), &k->state,
                   &e) != 0) {
      errlist_add(errs, rt->conf->path, 0, 0, "%s: %s", user, e.msg);
      rc = -EINVAL;
    } else {
      rt->n_sinks++;
    }
  }
  return rc;
}

int runtime_load(struct runtime *rt, const char *config_path,
                 const char *plugin_dir, struct errlist *errs) {
  int rc;

  memset(rt, 0, sizeof *rt);
  /* with config errors, still check what did load: every problem at once */
  rc = config_load_partial(config_path, plugin_dir, &rt->conf, errs);
  if (rt->conf == NULL)
    return rc;
  if (vocab_load(rt->conf->vocabulary, &rt->vocab, errs) != 0 && rc == 0)
    rc = -EINVAL;
  rt->plugins =
      calloc(rt->conf->n_feeds + CONFIG_MAX_SINKS, sizeof *rt->plugins);
  rt->feeds = calloc(rt->conf->n_feeds, sizeof *rt->feeds);
  if (rt->plugins == NULL || rt->feeds == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < rt->conf->n_feeds; i++) {
    const struct feed_conf *fc = &rt->conf->feeds[i];
    struct ingest_feed *f = &rt->feeds[rt->n_feeds];
    struct dahub_error e = {0};
    char user[96];
    struct plugin *p;

    (void)snprintf(user, sizeof user, "feed \"%s\"", fc->name);
    p = use_plugin(rt, fc->plugin, fc->file, user, errs);

    if (p == NULL) {
      rc = -EINVAL;
      continue;
    }
    if (p->desc.kind != DAHUB_KIND_SOURCE) {
      errlist_add(errs, fc->file, 0, 0,
                  "feed \"%s\": plugin \"%s\" is not a source", fc->name,
                  fc->plugin);
      rc = -EINVAL;
      continue;
    }
    f->conf = fc;
    f->plugin = p;
    if (fc->hmac_key_file != NULL &&
        pseudonym_read_key(fc->hmac_key_file, &f->hmac_key, &f->hmac_key_len,
                           &e) != 0) {
      errlist_add(errs, fc->file, 0, 0, "feed \"%s\": %s", fc->name, e.msg);
      rc = -EINVAL;
      continue;
    }
    if (open_feed(p, fc, &f->state, errs) != 0) {
      free(f->hmac_key); /* this slot is reused by the next feed */
      f->hmac_key = NULL;
      rc = -EINVAL;
      continue;
    }
    /* the officer's word, or the plugin's for its layout (a case-level
     * extract): either is enough */
    f->personal = fc->personal ||
                  (p->desc.personal != NULL && p->desc.personal(f->state));
    if (check_codes(rt, f, errs) != 0)
      rc = -EINVAL;
    rt->n_feeds++;
  }
  if (load_sinks(rt, errs) != 0)
    rc = -EINVAL;
  return rc;
}

void runtime_free(struct runtime *rt) {
  for (size_t i = 0; i < rt->n_feeds; i++)
    rt->feeds[i].plugin->desc.close(rt->feeds[i].state);
  for (size_t i = 0; i < rt->n_feeds; i++)
    if (rt->feeds[i].hmac_key != NULL) {
      OPENSSL_cleanse(rt->feeds[i].hmac_key, rt->feeds[i].hmac_key_len);
      free(rt->feeds[i].hmac_key);
    }
  for (size_t i = 0; i < rt->n_sinks; i++)
    rt->sinks[i].plugin->desc.close(rt->sinks[i].state);
  for (size_t i = 0; i < rt->n_plugins; i++)
    plugin_unload(&rt->plugins[i]);
  free(rt->feeds);
  free(rt->plugins);
  vocab_free(rt->vocab);
  config_free(rt->conf);
  memset(rt, 0, sizeof *rt);
}

struct ingest_feed *runtime_feed(struct runtime *rt, const char *name) {
  for (size_t i = 0; i < rt->n_feeds; i++)
    if (strcmp(rt->feeds[i].conf->name, name) == 0)
      return &rt->feeds[i];
  return NULL;
}
