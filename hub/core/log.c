/*
 * log.c: the only writer of stderr (see log.h).
 *
 * Each line is built in a stack buffer and written with a single write(2):
 * lines from the loop thread and from workers never interleave. A line is
 * capped at 2 KiB; a longer one is cut, never split.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_BYTES 2048

/* Set on the loop thread (start, reload), read by every thread that logs. */
static atomic_int log_level = LOG_INFO;

void log_set_level(int prio) {
  atomic_store_explicit(&log_level, prio, memory_order_relaxed);
}

int log_level_parse(const char *name, int *prio) {
  static const struct {
    const char *name;
    int prio;
  } levels[] = {{"error", LOG_ERR},
                {"warning", LOG_WARNING},
                {"notice", LOG_NOTICE},
                {"info", LOG_INFO},
                {"debug", LOG_DEBUG}};

  for (size_t i = 0; name != NULL && i < sizeof levels / sizeof levels[0]; i++)
    if (strcmp(name, levels[i].name) == 0) {
      *prio = levels[i].prio;
      return 0;
    }
  return -EINVAL;
}

void log_event(int prio, const char *event, const char *fmt, ...) {
  char line[LINE_MAX_BYTES];
  va_list ap;
  int n, m;

  if (prio > atomic_load_explicit(&log_level, memory_order_relaxed))
    return;
  n = snprintf(line, sizeof line, "<%d>event=%s", prio, event);
  if (n < 0 || (size_t)n >= sizeof line - 2)
    return;
  if (fmt != NULL && fmt[0] != '\0') {
    line[n++] = ' ';
    va_start(ap, fmt);
    m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
      m = 0;
    n += m;
    if ((size_t)n > sizeof line - 2)
      n = sizeof line - 2; /* cut: the line stays one line */
  }
  line[n++] = '\n';
  /* Nothing useful can be done if stderr is gone. */
  if (write(STDERR_FILENO, line, (size_t)n) < 0)
    return;
}

const char *log_quote(char *buf, size_t n, const char *s) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;

  if (n < 8) {
    if (n > 0)
      buf[0] = '\0';
    return buf;
  }
  buf[o++] = '"';
  for (; s != NULL && *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    char esc[4];
    size_t k = 0;

    if (c == '"' || c == '\\') {
      esc[k++] = '\\';
      esc[k++] = (char)c;
    } else if (c == '\n') {
      esc[k++] = '\\';
      esc[k++] = 'n';
    } else if (c == '\t') {
      esc[k++] = '\\';
      esc[k++] = 't';
    } else if (c < 0x20 || c == 0x7f) {
      esc[k++] = '\\';
      esc[k++] = 'x';
      esc[k++] = hex[c >> 4];
      esc[k++] = hex[c & 15];
    } else {
      esc[k++] = (char)c;
    }
    if (o + k + 5 > n) { /* room for ...", NUL */
      buf[o++] = '.';
      buf[o++] = '.';
      buf[o++] = '.';
      break;
    }
    for (size_t i = 0; i < k; i++)
      buf[o++] = esc[i];
  }
  buf[o++] = '"';
  buf[o] = '\0';
  return buf;
}
