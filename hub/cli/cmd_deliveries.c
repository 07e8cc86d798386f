/*
 * cmd_deliveries.c: `dahub deliveries`, every delivery of a summary to the
 * board and what became of it, and `--retry ID` to send a parked one again
 * once its cause is fixed.
 *
 * It only reads and marks outbox rows in the store; the running daemon
 * does the sending.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"

/* One outbox row a line: what became of each delivery. */
static int print_delivery(void *arg, const struct store_outbox_row *r) {
  char when[32] = "";
  time_t t = (time_t)(r->next_ms / 1000);
  struct tm tm;

  (void)arg;
  if (r->state == OUTBOX_PENDING || r->state == OUTBOX_RETRYING) {
    (void)gmtime_r(&t, &tm);
    (void)strftime(when, sizeof when, " next %Y-%m-%dT%H:%M:%SZ", &tm);
  }
  if (r->recipient[0] != '\0') /* a failed file's report to its contact */
    printf("%-5" PRId64 " %-14s %-4s %-16s %-8s attempts %d%s%s", r->id,
           r->feed, "-", r->destination, store_outbox_state_name(r->state),
           r->attempts, when, r->status ? "" : "\n");
  else
    printf("%-5" PRId64 " %-14s v%-3d %-16s %-8s attempts %d%s%s", r->id,
           r->period, r->version, r->destination,
           store_outbox_state_name(r->state), r->attempts, when,
           r->status ? "" : "\n");
  if (r->status)
    printf(" status %ld\n", r->status);
  if (r->recipient[0] != '\0')
    printf("      report %.200s to %.200s\n", r->files, r->recipient);
  if (r->answer[0] != '\0' && r->state != OUTBOX_SENT)
    printf("      %.200s\n", r->answer);
  return 0;
}

int cmd_deliveries(const struct cli_args *a) {
  struct runtime rt;
  struct store *st = NULL;
  struct dahub_error e = {0};
  int rc = cli_load(&rt, a);

  if (rc != 0 || (rc = cli_open_store(&rt, &st)) != 0)
    goto out;
  if (a->retry != NULL) {
    char *end;
    long long id = strtoll(a->retry, &end, 10);

    rc = *a->retry == '\0' || *end != '\0' || id <= 0
             ? -EINVAL
             : store_outbox_retry(st, id, store_now_ms(), &e);
    if (rc == 0)
      printf("delivery %lld is pending again: `dahub serve` sends it "
             "within seconds\n",
             id);
    else
      fprintf(stderr, "deliveries: %s\n",
              rc == -EINVAL   ? "--retry wants a delivery number"
              : rc == -ENOENT ? "no such delivery"
              : rc == -EBUSY  ? "that delivery is not parked"
                              : e.msg);
    goto out;
  }
  printf("id    period         ver  destination      state\n");
  if ((rc = store_outbox_each(st, print_delivery, NULL, &e)) != 0)
    fprintf(stderr, "deliveries: %s\n", e.msg);
out:
  store_close(st);
  runtime_free(&rt);
  return rc == 0 ? 0 : 1;
}
