/*
 * cmd_report.c: `dahub report --period P`, the board summary of a period
 * written now, as the daemon writes it before a meeting.
 *
 * report_publish() does the work (summary, disclosure control, sinks,
 * outbox); this file says what came of it: the version and its folder,
 * how many cells were hidden and why, the files written, and how many
 * deliveries wait for `dahub serve`.
 */
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "report.h"

int cmd_report(const struct cli_args *a) {
  struct runtime rt;
  struct store *st = NULL;
  struct report_result res;
  struct dahub_error e = {0};
  int rc = cli_load(&rt, a);

  if (rc != 0 || (rc = cli_open_store(&rt, &st)) != 0)
    goto out;
  if ((rc = report_publish(&rt, st, a->period, NULL, (int64_t)time(NULL), &res,
                           &e)) != 0) {
    fprintf(stderr, "report: %s\n", e.msg);
    goto out;
  }
  printf("%s %s version %d in %s\n", a->period,
         res.fresh ? "summary written as" : "unchanged since", res.version,
         res.folder);
  printf("  hidden: %zu below the threshold, %zu by secondary suppression, "
         "%zu more for the audit; %zu suppressed at source; %zu shown as "
         "fixed by what was published; audited in %.0f ms (%zu linear "
         "programmes)\n",
         res.stats.primary, res.stats.secondary, res.stats.audit,
         res.stats.source, res.stats.determined, res.control_ms, res.stats.lps);
  for (size_t i = 0; i < rt.n_sinks; i++) {
    char file[64];

    if (report_sink_file(&rt.sinks[i].plugin->desc, file, sizeof file) == 0)
      printf("  %s/%s\n", res.folder, file);
  }
  if (res.deliveries > 0)
    printf("  %zu deliveries recorded: `dahub serve` sends them\n",
           res.deliveries);
out:
  store_close(st);
  runtime_free(&rt);
  return rc == 0 ? 0 : 1;
}
