/*
 * status.h: the status socket, a unix socket on the daemon's loop that
 * answers one request line ("status" or "metrics") with one text, then
 * closes. Loop thread only.
 */
#ifndef DAHUB_STATUS_H
#define DAHUB_STATUS_H

#include <stddef.h>

#include <uv.h>

#include "dahub/error.h"

#define STATUS_MAX_LINE 256    /* a longer request is refused */
#define STATUS_MAX_CLIENTS 16  /* more at once are closed at once */
#define STATUS_REQUEST_MS 2000 /* a client silent this long is closed */
#define STATUS_ANSWER_MS 10000 /* one that does not read its answer too */

enum status_request {
  STATUS_REQ_INCOMPLETE, /* no newline yet */
  STATUS_REQ_STATUS,
  STATUS_REQ_METRICS,
  STATUS_REQ_BAD,
};

/* What the first len bytes a client sent ask for. */
enum status_request status_parse_request(const char *buf, size_t len);

/* Makes the answer to req. OUT: *text (NUL-terminated), the caller frees.
 * 0, or negative: the client gets an error line. */
typedef int (*status_answer_fn)(void *arg, enum status_request req,
                                char **text);

struct status_server;

/* Listens on path (mode 0660). A socket left there by a crash is replaced;
 * anything else at path is refused, as is a socket another process still
 * answers on. OUT: stop with status_stop(). */
int status_start(uv_loop_t *loop, const char *path, status_answer_fn fn,
                 void *arg, struct status_server **out,
                 struct dahub_error *err);
/* Closes the socket and every client, removes the socket file; frees
 * itself as the loop runs on. NULL is a no-op. */
void status_stop(struct status_server *s);

#endif
