/*
 * cmd_store.c: the store's safety: `dahub backup PATH`, a checked copy of
 * the store while the daemon runs, and `dahub verify`, the store whole and
 * every file in done/ as recorded.
 *
 * backup needs no plugins (hub.json alone gives the store's path), and is
 * SQLite's file's alone: a PostgreSQL store is refused, naming what to use
 * instead. verify loads the runtime, since it reads each feed's done/
 * folder, and runs on either store.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "storeconf.h"
#include "verify.h"

int cmd_backup(const struct cli_args *a) {
  struct dahub_error e = {0};
  struct config *conf = NULL;
  char path[PATH_MAX];
  int rc = cli_load_conf(a, &conf), exit_code = 1;

  if (rc != 0)
    goto out;
  if (storeconf_is_postgresql(conf)) {
    /* a copy of one board's rows would not be a backup of the database */
    fprintf(stderr,
            "dahub backup: the store is in PostgreSQL (board %s): back it "
            "up with PostgreSQL's own pg_dump, or keep a replica\n",
            conf->store.pg_board);
    exit_code = CLI_EXIT_NOT_THIS_STORE;
    goto out;
  }
  if ((rc = storeconf_sqlite_path(conf, path, sizeof path, &e)) != 0 ||
      (rc = store_backup(path, a->file, a->force, &e)) != 0) {
    fprintf(stderr, "dahub backup: %s\n", e.msg);
    goto out;
  }
  printf("%s: a copy of %s, checked with integrity_check\n", a->file, path);
  exit_code = 0;
out:
  config_free(conf);
  return exit_code;
}

int cmd_verify(const struct cli_args *a) {
  struct runtime rt;
  struct dahub_error e = {0};
  unsigned problems = 0;
  int rc = cli_load(&rt, a);

  if (rc != 0)
    goto out;
  if ((rc = verify_run(&rt, stdout, &problems, &e)) != 0)
    fprintf(stderr, "dahub verify: %s\n", e.msg);
  else if (problems > 0)
    printf("verify: %u problem%s\n", problems, problems == 1 ? "" : "s");
  else
    printf("verify: ok\n");
out:
  runtime_free(&rt);
  return rc == 0 && problems == 0 ? 0 : 1;
}
