/*
 * tally.c: the "tally" source plugin, the template to copy for a partner's
 * own format.
 *
 * A tally sheet is the text a small service types by hand: a period and a
 * measure, then one area a line with its figure last.
 *
 *   # Helpline contacts, first quarter
 *   period FY2024-25-Q1
 *   measure helpline_contacts
 *   Charnwood      31
 *   NW Leics       <5
 *   Melton         -
 *
 * "<5" is a figure hidden at source (its bound kept), "-" one not reported
 * (missing, never zero). The area is everything before the figure, so a
 * label with spaces needs no quotes; the hub resolves labels, periods and
 * measures against the vocabulary, so the plugin only splits the text.
 * A "period" or "measure" line applies to the lines after it.
 *
 * The plugin keeps nothing between files: its state is the feed's options,
 * read once by open() and only read after. It reads its input only through
 * in->read, a line at a time, so a large file never sits in memory, and a
 * line longer than TALLY_MAX_LINE (or the feed's max_line_bytes) is refused
 * before it is looked at. The first line it cannot read stops the file
 * with the line, the column and what was found.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/plugin.h"

#define TALLY_MAX_LINE 1024 /* a tally line is short; longer is a mistake */
#define TALLY_MAX_DIGITS 15 /* below 2^53: exact wherever it is read */
#define TALLY_MAX_LABEL 64  /* a period, measure or service id */

struct tally {
  char service_id[TALLY_MAX_LABEL + 1]; /* "" when the feed names none */
};

/* Reads the input a line at a time into a fixed buffer. */
struct lines {
  struct dahub_input *in;
  char buf[4096];
  size_t len, pos;
  int eof;
  uint32_t line; /* 1-based number of the line last returned */
  size_t max;    /* longest line accepted, in bytes */
};

/* The only options: {"service_id": "freeva.male_helpline"}, optional. */
static int tally_open(const json_t *options, void **state,
                      struct dahub_error *err) {
  struct tally *t;
  const char *sid = NULL;

  *state = NULL;
  if (options != NULL && !json_is_object(options))
    return dahub_error_set(err, -EINVAL, 0, 0, "options: expected an object");
  if (options != NULL) {
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)options, key, v) {
      if (strcmp(key, "service_id") != 0)
        return dahub_error_set(err, -EINVAL, 0, 0,
                               "options.%.64s: unknown option (the tally "
                               "plugin knows only service_id)",
                               key);
      sid = json_string_value(v);
      if (sid == NULL || sid[0] == '\0' || strlen(sid) > TALLY_MAX_LABEL)
        return dahub_error_set(err, -EINVAL, 0, 0,
                               "options.service_id: expected a service id "
                               "of 1 to %d characters",
                               TALLY_MAX_LABEL);
    }
  }
  if ((t = calloc(1, sizeof *t)) == NULL)
    return dahub_error_set(err, -ENOMEM, 0, 0, "out of memory");
  if (sid != NULL)
    memcpy(t->service_id, sid, strlen(sid) + 1);
  *state = t;
  return 0;
}

static void tally_close(void *state) { free(state); }

/* The next line, without its end ("\n" or "\r\n"), in out (cap bytes).
 * 1 with a line, 0 at the end, or a negative code with err filled. */
static int next_line(struct lines *r, char *out, size_t cap,
                     struct dahub_error *err) {
  size_t n = 0;
  ssize_t got;
  char c;

  for (;;) {
    if (r->pos == r->len) {
      if (r->eof && n == 0)
        return 0;
      if (r->eof)
        break; /* the last line has no end */
      got = r->in->read(r->in, r->buf, sizeof r->buf);
      if (got < 0)
        return dahub_error_set(err, (int)got, r->line + 1, 0,
                               "the file could not be read");
      r->len = (size_t)got;
      r->pos = 0;
      r->eof = got == 0;
      continue;
    }
    c = r->buf[r->pos++];
    if (c == '\n')
      break;
    if (n == r->max || n + 1 >= cap)
      return dahub_error_set(err, -E2BIG, r->line + 1, 0,
                             "line longer than %zu bytes", r->max);
    out[n++] = c;
  }
  r->line++;
  if (n > 0 && out[n - 1] == '\r')
    n--;
  out[n] = '\0';
  return 1;
}

static int is_space(char c) { return c == ' ' || c == '\t'; }

/* "31" (ACTUAL), "<5" (SUPPRESSED, bound 5) or "-" (MISSING). */
static int read_figure(const char *s, struct dahub_obs *o) {
  size_t i = 0;
  int64_t v = 0;

  if (strcmp(s, "-") == 0) {
    o->status = DAHUB_MISSING;
    return 0;
  }
  if (s[0] == '<')
    i = 1;
  if (s[i] == '\0' || strlen(s + i) > TALLY_MAX_DIGITS)
    return -EINVAL;
  for (; s[i] != '\0'; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -EINVAL;
    v = v * 10 + (s[i] - '0');
  }
  o->status = s[0] == '<' ? DAHUB_SUPPRESSED : DAHUB_ACTUAL;
  if (o->status == DAHUB_SUPPRESSED)
    o->bound = v;
  else
    o->value = v;
  return 0;
}

/* "period X" or "measure X": copies X into dst. 1 when the line was one. */
static int directive(const char *line, const char *word, char *dst, size_t cap,
                     uint32_t lineno, struct dahub_error *err, int *rc) {
  size_t w = strlen(word), n;
  const char *v;

  if (strncmp(line, word, w) != 0 || !is_space(line[w]))
    return 0;
  for (v = line + w; is_space(*v); v++)
    ;
  n = strlen(v);
  while (n > 0 && is_space(v[n - 1]))
    n--;
  if (n == 0 || n >= cap || memchr(v, ' ', n) != NULL ||
      memchr(v, '\t', n) != NULL) {
    *rc = dahub_error_set(err, -EINVAL, lineno, (uint32_t)(v - line) + 1,
                          "%s: expected one word after \"%s\"", word, word);
    dahub_error_detail(err, word, "one word of at most 64 characters", v);
    return 1;
  }
  memcpy(dst, v, n);
  dst[n] = '\0';
  *rc = 0;
  return 1;
}

/* An area and its figure: the figure is the last word, the area the rest. */
static int figure_line(char *line, uint32_t lineno, struct dahub_obs *o,
                       struct dahub_error *err) {
  size_t n = strlen(line);
  char *fig;

  while (n > 0 && is_space(line[n - 1]))
    line[--n] = '\0';
  fig = line + n;
  while (fig > line && !is_space(fig[-1]))
    fig--;
  o->col = (uint32_t)(fig - line) + 1;
  if (fig == line) {
    (void)dahub_error_set(err, -EINVAL, lineno, 1,
                          "expected an area, then its figure");
    dahub_error_detail(err, "figure", "an area, spaces, then a figure", line);
    return -EINVAL;
  }
  if (read_figure(fig, o) != 0) {
    (void)dahub_error_set(err, -EINVAL, lineno, o->col, "not a figure");
    dahub_error_detail(err, "figure",
                       "a whole number, \"<N\" (hidden) or \"-\" (missing)",
                       fig);
    return -EINVAL;
  }
  o->raw = fig;
  for (n = (size_t)(fig - line); n > 0 && is_space(line[n - 1]); n--)
    ;
  line[n] = '\0';
  o->area = line;
  o->area_col = 1;
  return 0;
}

static enum dahub_outcome tally_parse(void *state, struct dahub_input *in,
                                      const struct dahub_host *host,
                                      struct dahub_ctx *ctx,
                                      struct dahub_error *err) {
  const struct tally *t = state;
  struct lines r = {.in = in, .max = TALLY_MAX_LINE};
  char line[TALLY_MAX_LINE + 1],
      period[TALLY_MAX_LABEL + 1] = "", measure[TALLY_MAX_LABEL + 1] = "";
  struct dahub_obs o;
  char *s;
  int rc;

  if (in->max_line_bytes > 0 && in->max_line_bytes < r.max)
    r.max = in->max_line_bytes;
  while ((rc = next_line(&r, line, sizeof line, err)) == 1) {
    for (s = line; is_space(*s); s++)
      ;
    if (*s == '\0' || *s == '#')
      continue;
    if (directive(s, "period", period, sizeof period, r.line, err, &rc) ||
        directive(s, "measure", measure, sizeof measure, r.line, err, &rc)) {
      if (rc != 0)
        return DAHUB_FAIL;
      continue;
    }
    if (period[0] == '\0' || measure[0] == '\0') {
      (void)dahub_error_set(err, -EINVAL, r.line, 1,
                            "a figure before its period and measure");
      dahub_error_detail(err, "period",
                         "\"period\" and \"measure\" lines first", NULL);
      return DAHUB_FAIL;
    }
    memset(&o, 0, sizeof o);
    if (figure_line(s, r.line, &o, err) != 0)
      return DAHUB_FAIL;
    o.col += (uint32_t)(s - line);
    o.service_id = t->service_id[0] != '\0' ? t->service_id : NULL;
    o.period = period;
    o.measure = measure;
    o.line = r.line;
    if (host->emit(ctx, &o) != 0)
      return DAHUB_FAIL; /* the hub knows why */
  }
  return rc == 0 ? DAHUB_OK : DAHUB_FAIL;
}

DAHUB_PLUGIN(.name = "tally", .version = "1.0.0", .kind = DAHUB_KIND_SOURCE,
             .open = tally_open, .close = tally_close, .parse = tally_parse);
