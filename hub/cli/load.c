/*
 * load.c: what a command loads before it does its job, and how it tells
 * the officer when that fails.
 *
 * The commands that run plugins (serve, check, try, report, deliveries,
 * verify) load the whole runtime, so what `check` accepts is what `serve`
 * runs; status and backup need only hub.json and the feeds, so they answer
 * even when a plugin would not load. Every error is printed, one a line,
 * as `file:line:column: message`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "storeconf.h"

static void print_line(const char *msg, void *arg) {
  fprintf(arg, "%s\n", msg);
}

int cli_load(struct runtime *rt, const struct cli_args *a) {
  struct errlist errs = {0};
  int rc = runtime_load(rt, a->config, a->plugin_dir, &errs);

  log_set_level(a->log_level >= 0 ? a->log_level
                : rc == 0         ? rt->conf->log_level
                                  : LOG_INFO);
  errlist_each(&errs, print_line, stderr);
  if (errs.dropped > 0)
    fprintf(stderr, "... and %zu more errors\n", errs.dropped);
  if (rc != 0 && errlist_count(&errs) == 0)
    fprintf(stderr, "%s: cannot load the configuration (%s)\n", a->config,
            strerror(-rc));
  if (rc != 0)
    fprintf(stderr, "%zu error(s); nothing was started\n",
            errlist_count(&errs) ? errlist_count(&errs) : 1);
  errlist_clear(&errs);
  return rc;
}

int cli_load_conf(const struct cli_args *a, struct config **conf) {
  struct errlist errs = {0};
  int rc = config_load(a->config, a->plugin_dir, conf, &errs);

  errlist_each(&errs, print_line, stderr);
  if (rc != 0 && errlist_count(&errs) == 0)
    fprintf(stderr, "%s: cannot load the configuration (%s)\n", a->config,
            strerror(-rc));
  errlist_clear(&errs);
  return rc;
}

int cli_open_store(const struct runtime *rt, struct store **st) {
  struct dahub_error e = {0};
  int rc;

  if ((rc = storeconf_open(rt->conf, st, &e)) != 0)
    fprintf(stderr, "store: %s\n", e.msg);
  return rc;
}
