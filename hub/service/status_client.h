/*
 * status_client.h: `dahub status`'s side of the status socket.
 */
#ifndef DAHUB_STATUS_CLIENT_H
#define DAHUB_STATUS_CLIENT_H

#include <stdio.h>

#include "dahub/error.h"

#define STATUS_CLIENT_MAX_ANSWER (16u << 20) /* a longer answer is refused */
#define STATUS_CLIENT_TIMEOUT_S 10

/* Sends request ("status", "metrics") to the daemon on path and reads its
 * answer. OUT: *answer (NUL-terminated), the caller frees. 0, or negative
 * with err saying why for a person (not running, refused, too slow). */
int status_client_ask(const char *path, const char *request, char **answer,
                      struct dahub_error *err);

/* Prints the answer to "status" as a table per feed and the outbox
 * backlog. 0, or -EPROTO for an answer that is not the daemon's JSON. */
int status_client_print(const char *json, FILE *out);

#endif
