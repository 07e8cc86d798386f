/*
 * cli.h: what the commands of the dahub command line share.
 *
 * main.c parses the arguments (args.c) and runs one command; each command
 * lives in a cmd_*.c of its own and begins with one of the loaders of
 * load.c, so every command reads hub.json, the vocabulary and the plugins
 * the same way. A command returns its exit code: 0 fine, 1 the input or
 * the config is bad (the reasons are printed), 2 usage, 3 the command is
 * not for the configured store (`dahub backup` of a PostgreSQL store).
 */
#ifndef DAHUB_CLI_H
#define DAHUB_CLI_H

#include <stddef.h>

#include "config.h"
#include "runtime.h"
#include "store.h"

#define CLI_DEFAULT_CONFIG "/etc/dahub/hub.json"
#define CLI_EXIT_NOT_THIS_STORE 3

struct cli_args {
  const char *command;
  const char *config;
  const char *plugin_dir;
  const char *feed;
  const char *file;
  const char *period;
  const char *retry;  /* deliveries: the outbox row to send again */
  const char *boards; /* report: a region's boards, "a,b" */
  const char *out;    /* report --boards: the folder it is written to */
  int log_level;      /* LOG_ERR..LOG_DEBUG, or -1: hub.json's */
  int json, metrics;  /* status: the daemon's JSON, or Prometheus text */
  int force;          /* backup: replace an existing file */
};

/* args.c: 0 with a filled, or -1 when the words are not a command line
 * dahub takes (cli_usage() says what is). */
int cli_parse_args(int argc, char **argv, struct cli_args *a);
/* Prints the usage to stderr; returns 2, the exit code for it. */
int cli_usage(void);

/* load.c. The runtime (config, vocabulary, plugins) and the log level;
 * prints every error. OUT: runtime_free() whatever the result. */
int cli_load(struct runtime *rt, const struct cli_args *a);
/* hub.json and the feeds alone, for the commands that need no plugin;
 * prints every error. OUT: config_free(). */
int cli_load_conf(const struct cli_args *a, struct config **conf);
/* The store hub.json names (storeconf.h): SQLite's file in the state
 * folder, made when missing, or PostgreSQL's. OUT: store_close(). */
int cli_open_store(const struct runtime *rt, struct store **st);

/* One function a command, each in its own file. */
int cmd_serve(const struct cli_args *a);      /* cmd_serve.c */
int cmd_check(const struct cli_args *a);      /* cmd_check.c */
int cmd_try(const struct cli_args *a);        /* cmd_try.c */
int cmd_report(const struct cli_args *a);     /* cmd_report.c */
int cmd_deliveries(const struct cli_args *a); /* cmd_deliveries.c */
int cmd_status(const struct cli_args *a);     /* cmd_status.c */
int cmd_backup(const struct cli_args *a);     /* cmd_store.c */
int cmd_verify(const struct cli_args *a);     /* cmd_store.c */

#endif
