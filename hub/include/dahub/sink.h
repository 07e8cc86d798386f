/*
 * dahub/sink.h: what every sink plugin needs besides plugin.h: open()
 * and close() for a sink that takes no options, the end of render(), and
 * the words for the summary's parts that a reader sees in each format
 * alike (a return's status, a breakdown).
 *
 * In dahub_text (hub/lib/sink.c), so a plugin needs no hub symbol. Nothing
 * here keeps state; any thread may call it.
 */
#ifndef DAHUB_SINK_H
#define DAHUB_SINK_H

#include <stddef.h>

#include <jansson.h>

#include "dahub/plugin.h"

/* The body of open() for a sink without options: any option is refused
 * ("the <sink> sink takes no options"); *state is NULL. Its close() can be
 * dahub_sink_close_plain. */
int dahub_sink_no_options(const json_t *options, void **state, const char *sink,
                          struct dahub_error *err);
void dahub_sink_close_plain(void *state);

/* The descriptor of a sink (DAHUB_PLUGIN()): its name, version, open()
 * and close(), the extension of the file it makes, and render(). */
#define DAHUB_SINK(name_, version_, open_, close_, extension_, render_)        \
  DAHUB_PLUGIN(.name = name_, .version = version_, .kind = DAHUB_KIND_SINK,    \
               .open = open_, .close = close_, .extension = extension_,        \
               .render = render_)

/* How render() ends once everything went to out: OK when rc, the last
 * out->write()'s, is 0; else FAIL with err "<sink>: output refused". */
enum dahub_outcome dahub_sink_written(int rc, const char *sink,
                                      struct dahub_error *err);

/* The summary's period id ("FY2024-25-Q1"), or NULL when it has none. */
const char *dahub_sink_period(const json_t *summary);

/* A return's completeness status as a reader says it: "reported" is
 * "received", "not_yet_due" "not yet due"; "unknown" for any other. */
const char *dahub_sink_status_words(const char *status);

/* A figure's breakdown, {"age_band":"25-34","gender":"male"}, as
 * "age_band=25-34" sep "gender=male" in buf (n bytes; "" for none), cut
 * where buf ends. */
void dahub_sink_dims_text(const json_t *dims, const char *sep, char *buf,
                          size_t n);

#endif
