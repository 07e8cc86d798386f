/*
 * main.c: the dahub command line.
 *
 *   dahub serve [--config PATH] [--plugin-dir DIR] [--log-level LEVEL]
 *   dahub check [--config PATH] [--plugin-dir DIR]
 *   dahub try   [--config PATH] [--plugin-dir DIR] --feed NAME FILE
 *   dahub report [--config PATH] [--plugin-dir DIR] --period PERIOD
 *                [--boards A,B,... --out DIR]
 *   dahub deliveries [--config PATH] [--retry ID]
 *   dahub status [--config PATH] [--json | --metrics]
 *   dahub backup [--config PATH] [--force] PATH
 *   dahub verify [--config PATH] [--plugin-dir DIR]
 *
 * This file sets up the libraries once for the process and runs the
 * command named; the arguments are read in cli/args.c and each command is
 * a cli/cmd_*.c of its own. Every command loads the same runtime (config,
 * vocabulary, plugins), so what `check` accepts is what `serve` runs.
 * --log-level, on any command, wins over hub.json's log_level, across
 * reloads too. Exit codes: 0 fine, 1 the input or config is bad (the
 * reasons are printed), 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "cli.h"

static const struct command {
  const char *name;
  int (*run)(const struct cli_args *a);
} commands[] = {
    {"deliveries", cmd_deliveries},
    {"status", cmd_status},
    {"serve", cmd_serve},
    {"check", cmd_check},
    {"try", cmd_try},
    {"report", cmd_report},
    {"backup", cmd_backup},
    {"verify", cmd_verify},
};

int main(int argc, char **argv) {
  struct cli_args a;

  if (cli_parse_args(argc, argv, &a) != 0)
    return cli_usage();
  /* Before SQLite starts: its allocation statistics take a global mutex on
   * every allocation, a few per stored figure, and nothing reads them. */
  (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    fputs("dahub: cannot set up libcurl\n", stderr);
    return 1;
  }
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (strcmp(a.command, commands[i].name) == 0)
      return commands[i].run(&a);
  return cli_usage();
}
