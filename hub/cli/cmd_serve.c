/*
 * cmd_serve.c: `dahub serve`, the daemon in the foreground.
 *
 * It loads the runtime through cli_load(), as `dahub check` (cmd_check.c)
 * does, so what check accepts is exactly what serve runs. serve hands the
 * runtime to the daemon, which loads the configuration again on SIGHUP.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "daemon.h"

int cmd_serve(const struct cli_args *a) {
  struct runtime *rt = calloc(1, sizeof *rt);

  if (rt == NULL)
    return 1;
  if (cli_load(rt, a) != 0) {
    runtime_free(rt);
    free(rt);
    return 1;
  }
  /* the daemon owns rt from here, and loads the config again on SIGHUP */
  return daemon_serve(rt, a->config, a->plugin_dir, a->log_level) == 0 ? 0 : 1;
}
