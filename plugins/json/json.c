/*
 * json.c: the "json" sink: the board summary as one JSON document.
 *
 * The summary already is JSON (schema "dahub.summary/1", see the README), so
 * this sink only fixes its form: keys in their built order, two-space
 * indent, UTF-8, a final newline. It is also the smallest example of a sink.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/plugin.h"
#include "dahub/sink.h"

static int json_open(const json_t *options, void **state,
                     struct dahub_error *err) {
  return dahub_sink_no_options(options, state, "json", err);
}

static enum dahub_outcome json_render(void *state, const json_t *summary,
                                      struct dahub_output *out,
                                      struct dahub_error *err) {
  char *text = json_dumps(summary, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  int rc;

  (void)state;
  if (text == NULL) {
    (void)dahub_error_set(err, -ENOMEM, 0, 0, "json: cannot serialise");
    return DAHUB_FAIL;
  }
  rc = out->write(out, text, strlen(text));
  if (rc == 0)
    rc = out->write(out, "\n", 1);
  free(text);
  return dahub_sink_written(rc, "json", err);
}

DAHUB_SINK("json", "1.0.0", json_open, dahub_sink_close_plain, "json",
           json_render);
