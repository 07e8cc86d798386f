/*
 * cmd_status.c: `dahub status`, how each feed is doing, asked of the
 * running daemon through its status socket.
 *
 * Nothing is loaded but hub.json and the feeds (the socket's path), and
 * the store is not opened, so it answers while the daemon is busy.
 * --json and --metrics print the daemon's answer as it came.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "status_client.h"

int cmd_status(const struct cli_args *a) {
  struct config *conf = NULL;
  struct dahub_error e = {0};
  char *answer = NULL;
  int rc = cli_load_conf(a, &conf);

  if (rc != 0)
    goto out;
  if ((rc = status_client_ask(conf->status_socket,
                              a->metrics ? "metrics" : "status", &answer,
                              &e)) != 0) {
    fprintf(stderr, "dahub status: %s\n", e.msg);
    goto out;
  }
  if (a->json || a->metrics)
    fputs(answer, stdout);
  else if ((rc = status_client_print(answer, stdout)) != 0)
    fprintf(stderr, "dahub status: the daemon's answer is not its status\n");
out:
  free(answer);
  config_free(conf);
  return rc == 0 ? 0 : 1;
}
