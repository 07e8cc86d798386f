/*
 * status_client.c: asks the daemon through its status socket, and prints
 * what it says for a person (status_client.h).
 *
 * A plain blocking socket with a receive and send timeout: this runs in
 * the `dahub status` command, not on the daemon's loop. The answer is read
 * to the close, bounded by STATUS_CLIENT_MAX_ANSWER.
 */
#include "status_client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

static int connect_to(const char *path, struct dahub_error *err) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  struct timeval tv = {.tv_sec = STATUS_CLIENT_TIMEOUT_S};
  size_t len = strlen(path);
  int fd;

  if (len == 0 || len >= sizeof sa.sun_path)
    return dahub_error_set(err, -ENAMETOOLONG, 0, 0,
                           "%s: not a usable socket path", path);
  memcpy(sa.sun_path, path, len + 1);
  if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
    return dahub_error_set(err, -errno, 0, 0, "socket: %s", strerror(errno));
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    int e = errno;

    (void)close(fd);
    return dahub_error_set(
        err, -e, 0, 0, "%s: %s", path,
        e == ENOENT || e == ECONNREFUSED
            ? "the daemon is not running (no one answers on its status "
              "socket)"
        : e == EACCES ? "permission denied (members of the dahub group may "
                        "ask)"
                      : strerror(e));
  }
  return fd;
}

int status_client_ask(const char *path, const char *request, char **answer,
                      struct dahub_error *err) {
  char line[64], *buf = NULL;
  size_t len = 0, cap = 0;
  int fd, rc, n = snprintf(line, sizeof line, "%s\n", request);

  *answer = NULL;
  if (n < 0 || (size_t)n >= sizeof line)
    return dahub_error_set(err, -EINVAL, 0, 0, "request too long");
  if ((fd = connect_to(path, err)) < 0)
    return fd;
  if (write(fd, line, (size_t)n) != n) {
    rc = dahub_error_set(err, -EIO, 0, 0, "%s: cannot send: %s", path,
                         strerror(errno));
    goto out;
  }
  for (;;) {
    ssize_t got;

    if (cap - len < 4096) {
      char *b;

      cap = cap ? cap * 2 : 65536;
      if (cap > STATUS_CLIENT_MAX_ANSWER + 1 ||
          (b = realloc(buf, cap)) == NULL) {
        rc = dahub_error_set(err, -EFBIG, 0, 0, "%s: answer too long", path);
        goto out;
      }
      buf = b;
    }
    got = read(fd, buf + len, cap - len - 1);
    if (got == 0)
      break;
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      rc = dahub_error_set(err, -errno, 0, 0, "%s: %s", path,
                           errno == EAGAIN ? "no answer in time"
                                           : strerror(errno));
      goto out;
    }
    len += (size_t)got;
  }
  if (buf == NULL || len == 0) {
    rc = dahub_error_set(err, -EPROTO, 0, 0, "%s: no answer", path);
    goto out;
  }
  buf[len] = '\0';
  if (strncmp(buf, "error:", 6) == 0) {
    rc = dahub_error_set(err, -EPROTO, 0, 0, "%s: the daemon says %.*s", path,
                         (int)strcspn(buf, "\n"), buf);
    goto out;
  }
  *answer = buf;
  buf = NULL;
  rc = 0;
out:
  free(buf);
  (void)close(fd);
  return rc;
}

static const char *text_or(const json_t *o, const char *key, const char *dflt) {
  const char *s = json_string_value(json_object_get(o, key));

  return s != NULL ? s : dflt;
}

/* Whether every feed's return is judged on the same quarter (feeds with
 * different due days may not be). */
static int one_period(const json_t *feeds) {
  const char *first = text_or(json_array_get(feeds, 0), "period", "");

  for (size_t i = 1; i < json_array_size(feeds); i++)
    if (strcmp(text_or(json_array_get(feeds, i), "period", ""), first) != 0)
      return 0;
  return 1;
}

static void print_feed(const json_t *f, int with_period, FILE *out) {
  const json_t *pull = json_object_get(f, "pull");

  fprintf(out, "%-20.64s %-20s %-9s %7lld %7lld  %-20s %s%s%.15s\n",
          text_or(f, "feed", "?"), text_or(f, "last_at", "-"),
          text_or(f, "last_result", "-"),
          (long long)json_integer_value(json_object_get(f, "waiting")),
          (long long)json_integer_value(json_object_get(f, "failed")),
          text_or(f, "last_success", "-"),
          json_is_true(json_object_get(f, "late")) ? "late" : "ok",
          with_period ? " " : "", with_period ? text_or(f, "period", "") : "");
  if (json_is_object(pull))
    fprintf(out, "  pull: last ok %s, failing since %s (%lld in a row)%s\n",
            text_or(pull, "last_ok", "never"),
            text_or(pull, "failing_since", "-"),
            (long long)json_integer_value(json_object_get(pull, "failures")),
            json_is_true(json_object_get(pull, "stale")) ? ", stale" : "");
}

int status_client_print(const char *json, FILE *out) {
  json_error_t je;
  json_t *doc = json_loads(json, 0, &je), *feeds, *ob;
  size_t i;
  int same;

  feeds = json_object_get(doc, "feeds");
  if (!json_is_array(feeds)) {
    json_decref(doc);
    return -EPROTO;
  }
  fprintf(out, "dahub since %s, as of %s\n", text_or(doc, "started", "?"),
          text_or(doc, "now", "?"));
  if (strcmp(text_or(doc, "role", "active"), "standby") == 0)
    fprintf(out, "role: standby (another hub of the board runs the meeting "
                 "calendar, the deliveries and the pulls)\n");
  else
    fprintf(out, "role: active\n");
  fprintf(out, "%-20s %-20s %-9s %7s %7s  %-20s %s\n", "FEED", "LAST FILE",
          "RESULT", "WAITING", "FAILED", "LAST SUCCESS", "RETURN");
  same = one_period(feeds);
  for (i = 0; i < json_array_size(feeds); i++)
    print_feed(json_array_get(feeds, i), !same, out);
  if (json_array_size(feeds) > 0 && same)
    fprintf(out, "(failed: since start; return: for %s)\n",
            text_or(json_array_get(feeds, 0), "period", "the last quarter"));
  else if (json_array_size(feeds) > 0)
    fprintf(out, "(failed: since start; return: for the latest quarter past "
                 "each feed's due days)\n");
  ob = json_object_get(doc, "outbox");
  if (json_is_object(ob))
    fprintf(out,
            "outbox: %lld pending, %lld sending, %lld retrying, %lld parked, "
            "%lld sent\n",
            (long long)json_integer_value(json_object_get(ob, "pending")),
            (long long)json_integer_value(json_object_get(ob, "sending")),
            (long long)json_integer_value(json_object_get(ob, "retrying")),
            (long long)json_integer_value(json_object_get(ob, "parked")),
            (long long)json_integer_value(json_object_get(ob, "sent")));
  else
    fprintf(out, "outbox: unknown (the store was busy)\n");
  json_decref(doc);
  return 0;
}
