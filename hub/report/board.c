/*
 * board.c: the meeting calendar (see board.h).
 *
 * Deciding "already sent" is report.c's job (by the summary's content hash
 * and the meeting's name in the store), so this module can be asked as
 * often as we like: after a restart, after every stored file, on a timer.
 * Each answer either writes a new version or writes nothing.
 */
#include "board.h"

#include <string.h>

#include "dahub/period.h"
#include "log.h"
#include "report.h"
#include "summary.h"

#define DAY 86400

/* A meeting given as a bare date lasts the whole day. */
static int64_t meeting_end(const struct summary_conf *s, size_t i) {
  return strchr(s->meeting_ids[i], 'T') ? s->meetings[i] : s->meetings[i] + DAY;
}

int64_t board_due(const struct summary_conf *s, int64_t now, int *due) {
  int64_t next = INT64_MAX;

  for (size_t i = 0; i < s->n_meetings; i++) {
    int64_t from = s->meetings[i] - (int64_t)s->days_before * DAY;
    int64_t end = meeting_end(s, i);

    due[i] = now >= from && now < end;
    if (from > now && from < next)
      next = from;
  }
  return next;
}

int board_publish_due(const struct runtime *rt, struct store *st, int64_t now) {
  const struct summary_conf *s = &rt->conf->summary;
  int due[CONFIG_MAX_MEETINGS];
  int written = 0;

  (void)board_due(s, now, due);
  for (size_t i = 0; i < s->n_meetings; i++) {
    struct report_result res;
    struct dahub_error e = {0};
    char period[16], q[300];

    if (!due[i])
      continue;
    /* a meeting's date is a valid one (config_summary.c), so this does
     * not fail; were it to, the empty id fails report_publish below */
    (void)dahub_period_quarter_before(s->meetings[i], period);
    if (report_publish(rt, st, period, s->meeting_ids[i], now, &res, &e) != 0) {
      log_event(LOG_ERR, "summary_failed", "meeting=%s period=%s error=%s",
                s->meeting_ids[i], period, log_quote(q, sizeof q, e.msg));
      continue;
    }
    if (!res.fresh)
      continue;
    written++;
    log_event(LOG_NOTICE, "summary_published",
              "meeting=%s period=%s version=%d folder=%s primary=%zu "
              "secondary=%zu audit=%zu determined=%zu at_source=%zu lps=%zu "
              "control_ms=%.1f",
              s->meeting_ids[i], period, res.version,
              log_quote(q, sizeof q, res.folder), res.stats.primary,
              res.stats.secondary, res.stats.audit, res.stats.determined,
              res.stats.source, res.stats.lps, res.control_ms);
  }
  return written;
}
