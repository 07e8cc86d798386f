/*
 * cmd_check.c: `dahub check`, which loads everything `dahub serve` would
 * and says whether it would start.
 *
 * It loads the runtime through cli_load(), as serve does, so what check
 * accepts is exactly what serve runs. A PostgreSQL store is asked too
 * (pgstore_check(), which changes nothing): the server, the role, the
 * schema's version, the role's rights and its boards, one line each, as
 * far as the check got; a problem there fails the check like a config
 * error. SQLite's file is made by the first start and needs no asking.
 */
#include <stdio.h>

#include "cli.h"
#include "pgstore.h"
#include "storeconf.h"

/* What pgstore_check() found, a line a finding; 0, or 1 after a problem
 * (printed to stderr, as the config's). */
static int check_postgresql(const struct config *c) {
  const char *board = c->store.pg_board;
  struct dahub_error e = {0};
  struct pgstore_check k;
  int rc = pgstore_check(c->store.pg_conninfo_file, board, &k, &e);

  if (k.connected && k.user[0] != '\0')
    printf("store: PostgreSQL %d.%d answered, as role %s\n",
           k.server_version / 10000, k.server_version % 10000, k.user);
  if (k.connected && k.schema == 0 && rc == 0)
    printf("store: no dahub schema yet: the first start makes version %d\n",
           k.latest);
  else if (k.connected && k.schema > 0 && k.schema < k.latest)
    printf("store: schema version %d: the next start migrates it to %d\n",
           k.schema, k.latest);
  else if (k.connected && k.schema == k.latest)
    printf("store: schema version %d, this dahub's\n", k.schema);
  if (k.can_write && k.schema == 0)
    printf("store: role %s may make the schema, and will own its tables "
           "(no board's policy binds it)\n",
           k.user);
  else if (k.can_write)
    printf("store: role %s may write every table\n", k.user);
  /* without a schema there are no board's rows yet: the line above said
   * whose they will be */
  if (k.schema > 0 && k.board_ok && k.all_boards)
    printf("store: board %s: role %s owns the tables (no board's policy "
           "binds it)\n",
           board, k.user);
  else if (k.schema > 0 && k.board_ok)
    printf("store: board %s: one of role %s's boards (%s)\n", board, k.user,
           k.boards);
  if (rc != 0) {
    fprintf(stderr, "%s: store: %s\n", c->path, e.msg);
    return 1;
  }
  return 0;
}

int cmd_check(const struct cli_args *a) {
  struct runtime rt;
  char name[128];
  int rc = cli_load(&rt, a);

  if (rc == 0 && storeconf_is_postgresql(rt.conf))
    rc = check_postgresql(rt.conf);
  if (rc == 0)
    printf("ok: %zu feeds, %zu plugins, vocabulary loaded%s%s\n", rt.n_feeds,
           rt.n_plugins, storeconf_is_postgresql(rt.conf) ? ", store " : "",
           storeconf_is_postgresql(rt.conf)
               ? storeconf_name(rt.conf, name, sizeof name)
               : "");
  runtime_free(&rt);
  return rc == 0 ? 0 : 1;
}
