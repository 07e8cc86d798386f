/*
 * test_transfers.c: libcurl on the libuv loop (hub/net/transfers.c),
 * against a real HTTP server on 127.0.0.1 that this test runs on a thread:
 * transfers run side by side on one thread, a refused connection is
 * reported as such, and closing ends a stalled transfer and leaves the
 * loop with nothing open.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "transfers.h"

/* Answers each connection with its path as the body; /stall answers
 * nothing until the client goes. */
struct server {
  int fd;
  int port;
  pthread_t thread;
  int stop;
};

static void *serve(void *arg) {
  struct server *s = arg;

  for (;;) {
    char req[2048], resp[4096];
    size_t got = 0;
    int c = accept(s->fd, NULL, NULL);

    if (c < 0 || s->stop) {
      if (c >= 0)
        close(c);
      return NULL;
    }
    while (got < sizeof req - 1) {
      ssize_t r = read(c, req + got, sizeof req - 1 - got);

      if (r <= 0)
        break;
      got += (size_t)r;
      req[got] = '\0';
      if (strstr(req, "\r\n\r\n") != NULL)
        break;
    }
    req[got] = '\0';
    if (strncmp(req, "GET /stall", 10) == 0) {
      char b;

      while (read(c, &b, 1) > 0) /* until the client hangs up */
        ;
    } else {
      char path[256] = "";
      int n;

      (void)sscanf(req, "GET %255s", path);
      n = snprintf(resp, sizeof resp,
                   "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
                   "Connection: close\r\n\r\n%s",
                   strlen(path), path);
      if (write(c, resp, (size_t)n) != n)
        fprintf(stderr, "short write\n");
    }
    close(c);
  }
}

static int server_start(struct server *s) {
  struct sockaddr_in a = {.sin_family = AF_INET};
  socklen_t len = sizeof a;

  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s->stop = 0;
  if ((s->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
      bind(s->fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      listen(s->fd, 16) != 0 ||
      getsockname(s->fd, (struct sockaddr *)&a, &len) != 0)
    return -1;
  s->port = ntohs(a.sin_port);
  return pthread_create(&s->thread, NULL, serve, s);
}

static void server_stop(struct server *s) {
  s->stop = 1;
  shutdown(s->fd, SHUT_RDWR);
  close(s->fd);
  pthread_join(s->thread, NULL);
}

struct got {
  char body[256];
  size_t len;
  CURLcode result;
  long status;
  int done;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg) {
  struct got *g = arg;
  size_t k = size * n;

  if (g->len + k >= sizeof g->body)
    return 0;
  memcpy(g->body + g->len, p, k);
  g->len += k;
  g->body[g->len] = '\0';
  return k;
}

static void on_done(CURL *easy, CURLcode result, void *arg) {
  struct got *g = arg;

  g->result = result;
  (void)curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &g->status);
  g->done++;
  curl_easy_cleanup(easy);
}

static CURL *get(int port, const char *path, struct got *g) {
  CURL *e = curl_easy_init();
  char url[128];

  (void)snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
  assert_non_null(e);
  (void)curl_easy_setopt(e, CURLOPT_URL, url);
  (void)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  (void)curl_easy_setopt(e, CURLOPT_WRITEDATA, g);
  (void)curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
  return e;
}

static void test_transfers_run_side_by_side(void **state) {
  struct server s;
  struct got g[3] = {0};
  static const char *const paths[] = {"/a", "/bb", "/ccc"};
  struct transfers *t;
  uv_loop_t loop;

  (void)state;
  assert_int_equal(server_start(&s), 0);
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(transfers_new(&loop, &t), 0);
  for (int i = 0; i < 3; i++)
    assert_int_equal(
        transfers_add(t, get(s.port, paths[i], &g[i]), on_done, &g[i]), 0);
  assert_int_equal(transfers_running(t), 3);
  (void)uv_run(&loop, UV_RUN_DEFAULT); /* returns when nothing is left */
  for (int i = 0; i < 3; i++) {
    assert_int_equal(g[i].done, 1);
    assert_int_equal(g[i].result, CURLE_OK);
    assert_int_equal(g[i].status, 200);
    assert_string_equal(g[i].body, paths[i]);
  }
  assert_int_equal(transfers_running(t), 0);
  transfers_close(t);
  (void)uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  server_stop(&s);
}

static void test_a_refused_connection_is_reported(void **state) {
  struct server s;
  struct got g = {0};
  struct transfers *t;
  uv_loop_t loop;
  int port;

  (void)state;
  assert_int_equal(server_start(&s), 0);
  port = s.port;
  server_stop(&s); /* nobody listens there now */
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(transfers_new(&loop, &t), 0);
  assert_int_equal(transfers_add(t, get(port, "/x", &g), on_done, &g), 0);
  (void)uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(g.done, 1);
  assert_int_equal(g.result, CURLE_COULDNT_CONNECT);
  transfers_close(t);
  (void)uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void close_soon(uv_timer_t *timer) {
  transfers_close(timer->data);
  uv_close((uv_handle_t *)timer, NULL);
}

static void test_closing_ends_a_stalled_transfer(void **state) {
  struct server s;
  struct got g = {0};
  struct transfers *t;
  uv_loop_t loop;
  uv_timer_t timer;

  (void)state;
  assert_int_equal(server_start(&s), 0);
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(transfers_new(&loop, &t), 0);
  assert_int_equal(transfers_add(t, get(s.port, "/stall", &g), on_done, &g), 0);
  assert_int_equal(uv_timer_init(&loop, &timer), 0);
  timer.data = t;
  assert_int_equal(uv_timer_start(&timer, close_soon, 200, 0), 0);
  (void)uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(g.done, 1);
  assert_int_equal(g.result, CURLE_ABORTED_BY_CALLBACK);
  assert_int_equal(uv_loop_close(&loop), 0); /* every handle closed */
  server_stop(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_transfers_run_side_by_side),
      cmocka_unit_test(test_a_refused_connection_is_reported),
      cmocka_unit_test(test_closing_ends_a_stalled_transfer),
  };
  int rc;

  curl_global_init(CURL_GLOBAL_DEFAULT);
  rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
