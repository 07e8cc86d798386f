/*
 * status.c: the status socket (status.h).
 *
 * A client connects, sends one line ("status\n" or "metrics\n"), gets one
 * text and the connection is closed. Everything is bounded, as the socket
 * is open to every member of the service's group: a request longer than
 * STATUS_MAX_LINE, or one that is not a known word, gets an error line; a
 * client silent for STATUS_REQUEST_MS, or one that does not read its
 * answer within STATUS_ANSWER_MS, is closed; past STATUS_MAX_CLIENTS at
 * once, a new client is accepted and closed at once (accepting is what
 * keeps the listen queue moving). Nothing here blocks: a whole request
 * only marks its client waiting, with a stamp from a counter, and tells
 * the daemon, which reads the disk and the store on its thread pool; when
 * that read is in, the daemon answers every client that was waiting
 * before it began (status_answer()), so a crowd of clients costs one read,
 * and the answers are written by libuv as each client reads. A client
 * that waits longer than STATUS_ANSWER_MS is closed.
 *
 * A socket file left by a crash would make bind() fail, so one found at
 * start is removed, unless a process still answers on it (a second daemon
 * on the same configuration); anything else at the path (a file, a link)
 * is never removed.
 */
#include "status.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common.h"
#include "log.h"

struct client {
  uv_pipe_t pipe;
  uv_timer_t timer;
  uv_write_t wr;
  struct status_server *srv;
  char buf[STATUS_MAX_LINE];
  size_t len;
  char *answer;
  enum status_request req; /* while waiting */
  uint64_t stamp;          /* the server's seq when it asked */
  int waiting;             /* for status_answer() */
  int handles;             /* open, of pipe and timer */
  int closing;
  struct client *next, *prev;
};

struct status_server {
  uv_pipe_t pipe;
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  status_want_fn want;
  void *arg;
  struct client clients; /* list head */
  size_t n_clients;
  size_t n_waiting;
  uint64_t seq; /* requests so far: the next one's stamp */
  int bound;    /* the path is our socket: removed at stop, never another's */
};

enum status_request status_parse_request(const char *buf, size_t len) {
  const char *nl = memchr(buf, '\n', len);
  size_t n;

  if (nl == NULL)
    return len >= STATUS_MAX_LINE ? STATUS_REQ_BAD : STATUS_REQ_INCOMPLETE;
  n = (size_t)(nl - buf);
  if (n > 0 && buf[n - 1] == '\r')
    n--;
  if (n == 6 && memcmp(buf, "status", 6) == 0)
    return STATUS_REQ_STATUS;
  if (n == 7 && memcmp(buf, "metrics", 7) == 0)
    return STATUS_REQ_METRICS;
  return STATUS_REQ_BAD;
}

static void client_closed(uv_handle_t *h) {
  struct client *c = h->data;

  if (--c->handles > 0)
    return;
  free(c->answer);
  free(c);
}

static void client_close(struct client *c) {
  if (c->closing)
    return;
  c->closing = 1;
  if (c->waiting) {
    c->waiting = 0;
    c->srv->n_waiting--;
  }
  if (c->next != NULL) { /* counted: one of the server's clients */
    c->prev->next = c->next;
    c->next->prev = c->prev;
    c->srv->n_clients--;
  }
  uv_close((uv_handle_t *)&c->timer, client_closed);
  uv_close((uv_handle_t *)&c->pipe, client_closed);
}

static void on_timeout(uv_timer_t *t) {
  struct client *c = t->data;

  log_event(LOG_DEBUG, "status_client_timeout", "request=%s",
            c->answer ? "answered" : "none");
  client_close(c);
}

static void on_written(uv_write_t *w, int status) {
  (void)status; /* either way this client is done */
  client_close(w->data);
}

/* Sends text (owned from here) and closes once it is written. */
static void client_send(struct client *c, char *text) {
  uv_buf_t b;

  c->answer = text;
  (void)uv_read_stop((uv_stream_t *)&c->pipe);
  b = uv_buf_init(text, (unsigned)strlen(text));
  c->wr.data = c;
  (void)uv_timer_start(&c->timer, on_timeout, STATUS_ANSWER_MS, 0);
  if (uv_write(&c->wr, (uv_stream_t *)&c->pipe, &b, 1, on_written) != 0)
    client_close(c);
}

static void client_error(struct client *c, const char *msg) {
  char *text = strdup(msg);

  if (text == NULL)
    client_close(c);
  else
    client_send(c, text);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  struct client *c = h->data;

  (void)hint;
  /* a full buffer without a newline is refused by status_parse_request() */
  *b = uv_buf_init(c->buf + c->len, (unsigned)(sizeof c->buf - c->len));
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b) {
  struct client *c = st->data;
  enum status_request req;

  (void)b;
  if (n < 0) {
    client_close(c); /* EOF before a whole line, or an error */
    return;
  }
  c->len += (size_t)n;
  req = status_parse_request(c->buf, c->len);
  if (req == STATUS_REQ_INCOMPLETE)
    return;
  if (req == STATUS_REQ_BAD) {
    log_event(LOG_NOTICE, "status_bad_request", "bytes=%zu", c->len);
    client_error(c,
                 c->len >= sizeof c->buf && memchr(c->buf, '\n', c->len) == NULL
                     ? "error: request too long\n"
                     : "error: unknown request (status, metrics)\n");
    return;
  }
  /* answered once the daemon's read that begins after now is in; the
   * timer now bounds the wait as it bounds the write */
  (void)uv_read_stop(st);
  c->req = req;
  c->stamp = c->srv->seq++;
  c->waiting = 1;
  c->srv->n_waiting++;
  if (uv_timer_start(&c->timer, on_timeout, STATUS_ANSWER_MS, 0) != 0) {
    client_close(c);
    return;
  }
  c->srv->want(c->srv->arg);
}

uint64_t status_seq(const struct status_server *s) { return s->seq; }

size_t status_waiting(const struct status_server *s) {
  return s != NULL ? s->n_waiting : 0;
}

void status_answer(struct status_server *s, uint64_t before,
                   status_answer_fn fn, void *arg) {
  struct client *c, *next;
  char *text;

  for (c = s->clients.next; c != &s->clients; c = next) {
    next = c->next; /* c may close below, and leave the list */
    if (!c->waiting || c->stamp >= before)
      continue;
    c->waiting = 0;
    s->n_waiting--;
    text = NULL;
    if (fn(arg, c->req, &text) != 0)
      client_error(c, "error: status not available\n");
    else
      client_send(c, text);
  }
}

static void on_connection(uv_stream_t *server, int status) {
  struct status_server *s = server->data;
  struct client *c;

  if (status < 0) {
    log_event(LOG_WARNING, "status_accept_failed", "error=%s",
              uv_err_name(status));
    return;
  }
  if ((c = calloc(1, sizeof *c)) == NULL) {
    log_event(LOG_ERR, "status_accept_failed", "reason=\"out of memory\"");
    return;
  }
  c->srv = s;
  c->pipe.data = c->timer.data = c;
  if (uv_pipe_init(server->loop, &c->pipe, 0) != 0) {
    free(c);
    return;
  }
  c->handles = 1;
  if (uv_timer_init(server->loop, &c->timer) != 0) {
    c->closing = 1;
    uv_close((uv_handle_t *)&c->pipe, client_closed);
    return;
  }
  c->handles = 2;
  if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0) {
    client_close(c);
    return;
  }
  if (s->n_clients >= STATUS_MAX_CLIENTS) {
    log_event(LOG_NOTICE, "status_busy", "clients=%zu", s->n_clients);
    client_close(c);
    return;
  }
  c->next = s->clients.next;
  c->prev = &s->clients;
  s->clients.next->prev = c;
  s->clients.next = c;
  s->n_clients++;
  if (uv_timer_start(&c->timer, on_timeout, STATUS_REQUEST_MS, 0) != 0 ||
      uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) != 0)
    client_close(c);
}

/* Clears path for bind(): 0 when nothing is there or a dead socket was
 * removed; an error when something else is there or a process answers. */
static int clear_path(const char *path, struct dahub_error *err) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  struct stat sb;
  int fd, live;

  if (lstat(path, &sb) != 0)
    return errno == ENOENT ? 0
                           : dahub_error_set(err, -errno, 0, 0, "%s: %s", path,
                                             strerror(errno));
  if (!S_ISSOCK(sb.st_mode))
    return dahub_error_set(err, -EEXIST, 0, 0,
                           "%s exists and is not a socket: not replaced", path);
  memcpy(sa.sun_path, path, strlen(path) + 1);
  if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
    return dahub_error_set(err, -errno, 0, 0, "socket: %s", strerror(errno));
  live = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  (void)close(fd);
  if (live)
    return dahub_error_set(err, -EADDRINUSE, 0, 0,
                           "%s: another process answers on it", path);
  if (unlink(path) != 0)
    return dahub_error_set(err, -errno, 0, 0, "%s: %s", path, strerror(errno));
  return 0;
}

static void server_closed(uv_handle_t *h) { free(h->data); }

int status_start(uv_loop_t *loop, const char *path, status_want_fn want,
                 void *arg, struct status_server **out,
                 struct dahub_error *err) {
  struct status_server *s = NULL;
  size_t len = strlen(path);
  int rc;

  *out = NULL;
  if (len == 0 || len >= sizeof s->path)
    return dahub_error_set(err, -ENAMETOOLONG, 0, 0,
                           "%s: a socket path has 1 to %zu bytes", path,
                           sizeof s->path - 1);
  if ((rc = clear_path(path, err)) != 0)
    return rc;
  if ((s = calloc(1, sizeof *s)) == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
  memcpy(s->path, path, len + 1);
  s->want = want;
  s->arg = arg;
  s->clients.next = s->clients.prev = &s->clients;
  s->pipe.data = s;
  if ((rc = uv_pipe_init(loop, &s->pipe, 0)) != 0) {
    free(s);
    return dahub_error_set(err, rc, 0, 0, "status socket: %s", uv_strerror(rc));
  }
  if ((rc = uv_pipe_bind(&s->pipe, path)) == 0)
    s->bound = 1;
  if (rc != 0 || (rc = chmod(path, 0660) != 0 ? -errno : 0) != 0 ||
      (rc = uv_listen((uv_stream_t *)&s->pipe, 64, on_connection)) != 0) {
    (void)dahub_error_set(err, rc, 0, 0, "%s: %s", path, uv_strerror(rc));
    status_stop(s);
    return rc;
  }
  *out = s;
  return 0;
}

void status_stop(struct status_server *s) {
  if (s == NULL)
    return;
  while (s->clients.next != &s->clients)
    client_close(s->clients.next);
  if (s->bound)
    (void)unlink(s->path);
  uv_close((uv_handle_t *)&s->pipe, server_closed);
}
