/*
 * transfers.c: the libcurl multi interface driven by libuv (transfers.h).
 *
 * libcurl is never called from inside its own callbacks: the socket
 * callback only starts or stops a uv_poll_t and the timer callback only
 * arms a uv_timer_t; libcurl runs when libuv calls us back. A socket libcurl
 * is done with stops being polled at once (its descriptor may be closed and
 * reused straight after), and its handle is freed when libuv has closed it.
 */
#include "transfers.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"

struct job {
  CURL *easy;
  transfer_done_fn *done;
  void *arg;
  struct job *prev, *next;
};

struct transfers {
  uv_loop_t *loop;
  CURLM *multi;
  uv_timer_t timer;
  struct job *jobs; /* running, most recent first */
  size_t running;
  size_t open_handles; /* the timer and every poll not yet closed */
  int closing;
};

struct sock {
  uv_poll_t poll;
  struct transfers *t;
  curl_socket_t fd;
};

static void maybe_free(struct transfers *t) {
  if (t->closing && t->open_handles == 0)
    free(t);
}

static void handle_closed(uv_handle_t *h) {
  struct transfers *t = h->data;

  if (h->type == UV_POLL)
    free(container_of((uv_poll_t *)(void *)h, struct sock, poll));
  t->open_handles--;
  maybe_free(t);
}

static void unlink_job(struct transfers *t, struct job *j) {
  if (j->prev != NULL)
    j->prev->next = j->next;
  else
    t->jobs = j->next;
  if (j->next != NULL)
    j->next->prev = j->prev;
  t->running--;
}

/* Every finished transfer: out of the multi, then its owner told. */
static void collect(struct transfers *t) {
  CURLMsg *m;
  int left;

  while ((m = curl_multi_info_read(t->multi, &left)) != NULL) {
    struct job *j = NULL;
    CURLcode result = m->data.result;
    CURL *easy = m->easy_handle;

    if (m->msg != CURLMSG_DONE)
      continue;
    (void)curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&j);
    (void)curl_multi_remove_handle(t->multi, easy);
    if (j == NULL)
      continue;
    unlink_job(t, j);
    j->done(easy, result, j->arg);
    free(j);
  }
}

static void on_poll(uv_poll_t *p, int status, int events) {
  struct sock *s = container_of(p, struct sock, poll);
  int flags = 0, running;

  if (status < 0)
    flags = CURL_CSELECT_ERR;
  else {
    if (events & UV_READABLE)
      flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
      flags |= CURL_CSELECT_OUT;
  }
  (void)curl_multi_socket_action(s->t->multi, s->fd, flags, &running);
  collect(s->t);
}

static void on_timer(uv_timer_t *timer) {
  struct transfers *t = timer->data;
  int running;

  (void)curl_multi_socket_action(t->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  collect(t);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
                     void *socketp) {
  struct transfers *t = userp;
  struct sock *s = socketp;
  int events = 0;

  (void)easy;
  if (what == CURL_POLL_REMOVE) {
    if (s != NULL) {
      (void)uv_poll_stop(&s->poll);
      (void)curl_multi_assign(t->multi, fd, NULL);
      uv_close((uv_handle_t *)&s->poll, handle_closed);
    }
    return 0;
  }
  if (s == NULL) {
    if ((s = calloc(1, sizeof *s)) == NULL)
      return -1;
    s->t = t;
    s->fd = fd;
    if (uv_poll_init_socket(t->loop, &s->poll, fd) != 0) {
      free(s);
      return -1;
    }
    s->poll.data = t;
    t->open_handles++;
    (void)curl_multi_assign(t->multi, fd, s);
  }
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
    events |= UV_READABLE;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
    events |= UV_WRITABLE;
  return uv_poll_start(&s->poll, events, on_poll) == 0 ? 0 : -1;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
  struct transfers *t = userp;

  (void)multi;
  if (timeout_ms < 0)
    (void)uv_timer_stop(&t->timer);
  else /* 0 too: libcurl runs on the loop's next turn, not from here */
    (void)uv_timer_start(&t->timer, on_timer, (uint64_t)timeout_ms, 0);
  return 0;
}

int transfers_new(uv_loop_t *loop, struct transfers **out) {
  struct transfers *t;

  *out = NULL;
  if ((t = calloc(1, sizeof *t)) == NULL)
    return -ENOMEM;
  t->loop = loop;
  if ((t->multi = curl_multi_init()) == NULL) {
    free(t);
    return -ENOMEM;
  }
  if (uv_timer_init(loop, &t->timer) != 0) {
    (void)curl_multi_cleanup(t->multi);
    free(t);
    return -EIO;
  }
  t->timer.data = t;
  t->open_handles = 1;
  (void)curl_multi_setopt(t->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  (void)curl_multi_setopt(t->multi, CURLMOPT_SOCKETDATA, t);
  (void)curl_multi_setopt(t->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  (void)curl_multi_setopt(t->multi, CURLMOPT_TIMERDATA, t);
  *out = t;
  return 0;
}

int transfers_add(struct transfers *t, CURL *easy, transfer_done_fn *done,
                  void *arg) {
  struct job *j;
  CURLMcode mc;

  if (t->closing)
    return -EINVAL;
  if ((j = calloc(1, sizeof *j)) == NULL)
    return -ENOMEM;
  j->easy = easy;
  j->done = done;
  j->arg = arg;
  (void)curl_easy_setopt(easy, CURLOPT_PRIVATE, j);
  if ((mc = curl_multi_add_handle(t->multi, easy)) != CURLM_OK) {
    (void)curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
    free(j);
    return mc == CURLM_OUT_OF_MEMORY   ? -ENOMEM
           : mc == CURLM_ADDED_ALREADY ? -EINVAL
                                       : -EIO;
  }
  j->next = t->jobs;
  if (t->jobs != NULL)
    t->jobs->prev = j;
  t->jobs = j;
  t->running++;
  return 0;
}

size_t transfers_running(const struct transfers *t) { return t->running; }

void transfers_close(struct transfers *t) {
  if (t == NULL)
    return;
  t->closing = 1;
  while (t->jobs != NULL) {
    struct job *j = t->jobs;

    (void)curl_multi_remove_handle(t->multi, j->easy);
    unlink_job(t, j);
    j->done(j->easy, CURLE_ABORTED_BY_CALLBACK, j->arg);
    free(j);
  }
  /* removing the handles has closed their sockets' polls */
  (void)curl_multi_cleanup(t->multi);
  t->multi = NULL;
  (void)uv_timer_stop(&t->timer);
  uv_close((uv_handle_t *)&t->timer, handle_closed);
}

int transfers_header(struct curl_slist **list, const char *fmt, ...) {
  struct curl_slist *l;
  char *line = NULL;
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vasprintf(&line, fmt, ap);
  va_end(ap);
  if (n < 0)
    return -ENOMEM;
  l = curl_slist_append(*list, line);
  explicit_bzero(line, (size_t)n);
  free(line);
  if (l == NULL)
    return -ENOMEM;
  *list = l;
  return 0;
}

void transfers_headers_free(struct curl_slist *list) {
  for (struct curl_slist *l = list; l != NULL; l = l->next)
    if (strncasecmp(l->data, "Authorization:", 14) == 0)
      explicit_bzero(l->data, strlen(l->data));
  curl_slist_free_all(list);
}
