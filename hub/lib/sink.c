/*
 * sink.c: what the sink plugins share (see dahub/sink.h): the csv, json
 * and xlsx sinks take no options, every sink ends render() the same way,
 * and a return's status and a breakdown read the same in the board pack,
 * the workbook and the CSV.
 */
#include "dahub/sink.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int dahub_sink_no_options(const json_t *options, void **state, const char *sink,
                          struct dahub_error *err) {
  *state = NULL;
  if (options != NULL && json_object_size(options) > 0)
    return dahub_error_set(err, -EINVAL, 0, 0, "the %s sink takes no options",
                           sink);
  return 0;
}

void dahub_sink_close_plain(void *state) { (void)state; }

enum dahub_outcome dahub_sink_written(int rc, const char *sink,
                                      struct dahub_error *err) {
  if (rc == 0)
    return DAHUB_OK;
  (void)dahub_error_set(err, rc, 0, 0, "%s: output refused", sink);
  return DAHUB_FAIL;
}

const char *dahub_sink_period(const json_t *summary) {
  return json_string_value(
      json_object_get(json_object_get(summary, "period"), "id"));
}

const char *dahub_sink_status_words(const char *status) {
  static const char *const words[][2] = {{"reported", "received"},
                                         {"late", "late"},
                                         {"not_yet_due", "not yet due"},
                                         {"not_expected", "not expected"},
                                         {"not_reported", "not received"}};

  for (size_t i = 0; status != NULL && i < sizeof words / sizeof *words; i++)
    if (strcmp(status, words[i][0]) == 0)
      return words[i][1];
  return "unknown";
}

void dahub_sink_dims_text(const json_t *dims, const char *sep, char *buf,
                          size_t n) {
  const char *k;
  json_t *v;
  size_t used = 0;

  buf[0] = '\0';
  /* jansson's iterator takes a non-const object; it is only read */
  json_object_foreach((json_t *)dims, k, v) {
    const char *s = json_string_value(v);
    int w = snprintf(buf + used, n - used, "%s%s=%s", used ? sep : "", k,
                     s != NULL ? s : "");

    if (w < 0 || (size_t)w >= n - used)
      break;
    used += (size_t)w;
  }
}
