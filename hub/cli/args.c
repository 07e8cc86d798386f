/*
 * args.c: the words of a dahub command line, read into struct cli_args.
 *
 * Only the shape is checked here (which options a command takes, how many
 * words follow them); what the words name (a config, a feed, a period) is
 * for the command to check, since only it loads what they refer to.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"

int cli_usage(void) {
  fputs("usage: dahub serve [--config PATH] [--plugin-dir DIR] "
        "[--log-level LEVEL]\n"
        "       dahub check [--config PATH] [--plugin-dir DIR]\n"
        "       dahub try   [--config PATH] [--plugin-dir DIR] --feed NAME "
        "FILE\n"
        "       dahub report [--config PATH] [--plugin-dir DIR] --period "
        "FY2024-25-Q4\n"
        "       dahub report [--config PATH] [--plugin-dir DIR] --period "
        "FY2024-25-Q4 --boards A,B,... --out DIR\n"
        "       dahub deliveries [--config PATH] [--retry ID]\n"
        "       dahub status [--config PATH] [--json | --metrics]\n"
        "       dahub backup [--config PATH] [--force] PATH\n"
        "       dahub verify [--config PATH] [--plugin-dir DIR]\n"
        "every command takes --log-level " LOG_LEVEL_NAMES "\n"
        "default config: " CLI_DEFAULT_CONFIG "\n"
        "default plugin folder: " DAHUB_DEFAULT_PLUGIN_DIR "\n",
        stderr);
  return 2;
}

int cli_parse_args(int argc, char **argv, struct cli_args *a) {
  static const struct option opts[] = {
      {"config", required_argument, NULL, 'c'},
      {"plugin-dir", required_argument, NULL, 'p'},
      {"feed", required_argument, NULL, 'f'},
      {"period", required_argument, NULL, 'P'},
      {"retry", required_argument, NULL, 'r'},
      {"boards", required_argument, NULL, 'B'},
      {"out", required_argument, NULL, 'o'},
      {"log-level", required_argument, NULL, 'l'},
      {"json", no_argument, NULL, 'j'},
      {"metrics", no_argument, NULL, 'm'},
      {"force", no_argument, NULL, 'F'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c;

  memset(a, 0, sizeof *a);
  a->config = CLI_DEFAULT_CONFIG;
  a->log_level = -1;
  if (argc < 2)
    return -1;
  a->command = argv[1];
  optind = 2;
  while ((c = getopt_long(argc, argv, "c:p:f:P:r:B:o:l:jmFh", opts, NULL)) !=
         -1) {
    switch (c) {
    case 'c':
      a->config = optarg;
      break;
    case 'p':
      a->plugin_dir = optarg;
      break;
    case 'f':
      a->feed = optarg;
      break;
    case 'P':
      a->period = optarg;
      break;
    case 'r':
      a->retry = optarg;
      break;
    case 'B':
      a->boards = optarg;
      break;
    case 'o':
      a->out = optarg;
      break;
    case 'j':
      a->json = 1;
      break;
    case 'm':
      a->metrics = 1;
      break;
    case 'F':
      a->force = 1;
      break;
    case 'l':
      if (log_level_parse(optarg, &a->log_level) != 0) {
        fprintf(stderr, "--log-level: expected " LOG_LEVEL_NAMES "\n");
        return -1;
      }
      break;
    default:
      return -1;
    }
  }
  if (strcmp(a->command, "try") == 0 || strcmp(a->command, "backup") == 0) {
    if ((a->feed == NULL && a->command[0] == 't') || optind != argc - 1)
      return -1;
    a->file = argv[optind];
  } else if (optind != argc) {
    return -1;
  }
  if (strcmp(a->command, "report") == 0 && a->period == NULL)
    return -1;
  if (a->force && strcmp(a->command, "backup") != 0)
    return -1;
  /* a region's report is written to a folder named for it, never into
   * the hub's outbox as if it were the board's */
  if ((a->boards != NULL || a->out != NULL) &&
      (strcmp(a->command, "report") != 0 || a->boards == NULL ||
       a->out == NULL))
    return -1;
  if ((a->json || a->metrics) &&
      (strcmp(a->command, "status") != 0 || (a->json && a->metrics)))
    return -1;
  return 0;
}
