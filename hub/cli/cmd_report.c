/*
 * cmd_report.c: `dahub report --period P`, the board summary of a period
 * written now, as the daemon writes it before a meeting; and `dahub
 * report --boards A,B --period P --out DIR`, a region's combined summary.
 *
 * report_publish() does the board's work (summary, disclosure control,
 * sinks, outbox) and report_region() the region's (the same over the
 * boards' rows read as one table, into DIR, nothing recorded); this file
 * says what came of it: the version and its folder, how many cells were
 * hidden and why, the files written, and how many deliveries wait for
 * `dahub serve`. A region is read from the PostgreSQL database hub.json
 * names, with its role; SQLite holds one board only, so there a region is
 * refused.
 */
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "pgstore_region.h"
#include "report.h"
#include "storeconf.h"

static void print_result(const struct runtime *rt,
                         const struct report_result *res) {
  printf("  hidden: %zu below the threshold, %zu by secondary suppression, "
         "%zu more for the audit; %zu suppressed at source; %zu shown as "
         "fixed by what was published; audited in %.0f ms (%zu linear "
         "programmes)\n",
         res->stats.primary, res->stats.secondary, res->stats.audit,
         res->stats.source, res->stats.determined, res->control_ms,
         res->stats.lps);
  for (size_t i = 0; i < rt->n_sinks; i++) {
    char file[64];

    if (report_sink_file(&rt->sinks[i].plugin->desc, file, sizeof file) == 0)
      printf("  %s/%s\n", res->folder, file);
  }
}

static int report_boards(const struct cli_args *a) {
  char names[PGSTORE_REGION_MAX][PGSTORE_REGION_NAME];
  const char *boards[PGSTORE_REGION_MAX];
  struct runtime rt;
  struct store *st = NULL;
  struct report_result res;
  struct dahub_error e = {0};
  size_t n = 0;
  int rc;

  if ((rc = pgstore_region_boards(a->boards, names, &n, &e)) != 0) {
    fprintf(stderr, "report: %s\n", e.msg);
    return 1;
  }
  if ((rc = cli_load(&rt, a)) != 0)
    goto out;
  if (!storeconf_is_postgresql(rt.conf)) {
    fprintf(stderr,
            "report: --boards needs a PostgreSQL store (hub.json's "
            "\"store\": {\"postgresql\": ...}); %s keeps one board's figures "
            "in SQLite\n",
            rt.conf->path);
    rc = -1;
    goto out;
  }
  for (size_t i = 0; i < n; i++)
    boards[i] = names[i];
  if ((rc = store_open_region(rt.conf->store.pg_conninfo_file, boards, n, &st,
                              &e)) != 0 ||
      (rc = report_region(&rt, st, boards, n, a->period, a->out,
                          (int64_t)time(NULL), &res, &e)) != 0) {
    fprintf(stderr, "report: %s\n", e.msg);
    goto out;
  }
  printf("%s region summary of %s written in %s\n", a->period, a->boards,
         res.folder);
  print_result(&rt, &res);
out:
  store_close(st);
  runtime_free(&rt);
  return rc == 0 ? 0 : 1;
}

int cmd_report(const struct cli_args *a) {
  struct runtime rt;
  struct store *st = NULL;
  struct report_result res;
  struct dahub_error e = {0};
  int rc;

  if (a->boards != NULL)
    return report_boards(a);
  if ((rc = cli_load(&rt, a)) != 0 || (rc = cli_open_store(&rt, &st)) != 0)
    goto out;
  if ((rc = report_publish(&rt, st, a->period, NULL, (int64_t)time(NULL), &res,
                           &e)) != 0) {
    fprintf(stderr, "report: %s\n", e.msg);
    goto out;
  }
  printf("%s %s version %d in %s\n", a->period,
         res.fresh ? "summary written as" : "unchanged since", res.version,
         res.folder);
  print_result(&rt, &res);
  if (res.deliveries > 0)
    printf("  %zu deliveries recorded: `dahub serve` sends them\n",
           res.deliveries);
out:
  store_close(st);
  runtime_free(&rt);
  return rc == 0 ? 0 : 1;
}
