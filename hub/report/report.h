/*
 * report.h: a board summary written through every sink into the outbox.
 *
 * outbox/<period>/v<N>/summary.<ext> (or the sink's own file name), one
 * file per sink, each written atomically; then the version is recorded in the
 * store. A version is only made when the summary says something new: the same
 * figures again give the version already written.
 */
#ifndef DAHUB_REPORT_H
#define DAHUB_REPORT_H

#include <limits.h>

#include "disclosure.h"
#include "runtime.h"
#include "store.h"

struct report_result {
  int version;
  int fresh; /* 1 when this call wrote the version, 0 when it existed */
  char folder[PATH_MAX];
  struct disclosure_stats stats; /* of the summary as built by this call */
  double control_ms;
  size_t deliveries; /* outbox rows recorded with the version */
};

/* The name of the file sink d writes in a version's folder: its own
 * file_name, or "summary.<extension>". 0, or -ENAMETOOLONG. */
int report_sink_file(const struct dahub_plugin *d, char *buf, size_t n);

/* Builds the summary of period and publishes it. meeting (may be NULL) is
 * the board meeting it is for: a meeting that already has the same figures
 * gets nothing new; a changed summary (a late correction) gets a new
 * version. 0 with *res, or negative with err. */
int report_publish(const struct runtime *rt, struct store *st,
                   const char *period, const char *meeting, int64_t now,
                   struct report_result *res, struct dahub_error *err);

/* The combined summary of period over a region's boards (st from
 * store_open_region(), boards their names, sorted), disclosure control
 * and its audit run over the combined table, written through every sink
 * into out_dir (made when missing), each file atomically. Nothing is
 * recorded and nothing delivered: a region has no versions, so the
 * document has no "version" and says its boards in "region". 0 with *res
 * (version 0, folder out_dir), or negative with err. */
int report_region(const struct runtime *rt, struct store *st,
                  const char *const *boards, size_t n, const char *period,
                  const char *out_dir, int64_t now, struct report_result *res,
                  struct dahub_error *err);

#endif
