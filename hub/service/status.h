/*
 * status.h: the status socket, a unix socket on the daemon's loop that
 * answers one request line ("status" or "metrics") with one text, then
 * closes. Loop thread only.
 */
#ifndef DAHUB_STATUS_H
#define DAHUB_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "dahub/error.h"

#define STATUS_MAX_LINE 256    /* a longer request is refused */
#define STATUS_MAX_CLIENTS 16  /* more at once are closed at once */
#define STATUS_REQUEST_MS 2000 /* a client silent this long is closed */
#define STATUS_ANSWER_MS 10000 /* one not answered or not reading too */

enum status_request {
  STATUS_REQ_INCOMPLETE, /* no newline yet */
  STATUS_REQ_STATUS,
  STATUS_REQ_METRICS,
  STATUS_REQ_BAD,
};

/* What the first len bytes a client sent ask for. */
enum status_request status_parse_request(const char *buf, size_t len);

/* A client's request is whole: the owner reads what the answer needs
 * (off the loop) and then calls status_answer(). Loop thread. */
typedef void (*status_want_fn)(void *arg);
/* Makes the answer to req. OUT: *text (NUL-terminated), the caller frees.
 * 0, or negative: the client gets an error line. */
typedef int (*status_answer_fn)(void *arg, enum status_request req,
                                char **text);

struct status_server;

/* Listens on path (mode 0660). A socket left there by a crash is replaced;
 * anything else at path is refused, as is a socket another process still
 * answers on. want is called for each whole request. OUT: stop with
 * status_stop(). */
int status_start(uv_loop_t *loop, const char *path, status_want_fn want,
                 void *arg, struct status_server **out,
                 struct dahub_error *err);
/* The stamp the next request will get: a read that begins now can answer
 * every client stamped below it. */
uint64_t status_seq(const struct status_server *s);
/* Clients waiting for an answer (0 for NULL). */
size_t status_waiting(const struct status_server *s);
/* Answers, with fn, every waiting client stamped below `before`. */
void status_answer(struct status_server *s, uint64_t before,
                   status_answer_fn fn, void *arg);
/* Closes the socket and every client, removes the socket file; frees
 * itself as the loop runs on. NULL is a no-op. */
void status_stop(struct status_server *s);

#endif
