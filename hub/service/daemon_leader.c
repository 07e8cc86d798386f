/*
 * daemon_leader.c: whether this hub is its board's active one, when the
 * store is PostgreSQL's and a standby may run beside it (daemon_int.h).
 *
 * The active hub runs the meeting calendar, the deliveries and the pulls;
 * a standby runs none of them, only the spool intake (both may ingest:
 * dedup is in the database). The board's lock (pgstore_leader_*()) decides
 * which: it lives as long as the connection that holds it, one of its own,
 * so a hub that dies or is cut off loses it, and a standby takes it at its
 * next try.
 *
 * Tries run on the wire thread's loop (daemon_wire.c), every LEADER_TRY_MS
 * from the first at start: a try is a query, and a reconnect may wait its
 * connect timeout, which the main loop must never do. A change of role
 * calls back at once (the wire thread starts or stops the outbox and the
 * pulls, and tells the main loop for the calendar). The first answer, each
 * change and each new reason a try fails are logged (leader_active,
 * leader_standby); the same failure again is not, so a server down for an
 * hour is one line. On SQLite there is no leader: a file has one hub.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "daemon_int.h"
#include "log.h"
#include "pgstore.h"

struct leader {
  uv_timer_t timer;
  struct pgstore_leader *pl; /* NULL: not connected (open failed) */
  char conninfo_file[PATH_MAX];
  char board[128];
  int (*on_change)(void *arg, int active);
  void *arg;
  int active;
  int told;                                      /* a role has been logged */
  char why[sizeof((struct dahub_error){0}.msg)]; /* last reason logged */
};

static void log_standby(struct leader *l, int was_active, const char *why) {
  char q[300];

  if (l->told && !was_active && strcmp(l->why, why) == 0)
    return; /* said already */
  (void)snprintf(l->why, sizeof l->why, "%s", why);
  l->told = 1;
  log_event(was_active || strcmp(why, "another hub is active") != 0
                ? LOG_WARNING
                : LOG_NOTICE,
            "leader_standby", "board=%s reason=%s try_ms=%d", l->board,
            log_quote(q, sizeof q, why), LEADER_TRY_MS);
}

static void on_try(uv_timer_t *t) {
  struct leader *l = t->data;
  struct dahub_error e = {0};
  int rc, was = l->active;

  if (l->pl == NULL)
    rc = pgstore_leader_open(l->conninfo_file, l->board, &l->pl, &e);
  else
    rc = 0;
  if (rc == 0)
    rc = pgstore_leader_try(l->pl, &e);
  if (rc == 1 && !was) {
    if (l->on_change(l->arg, 1) != 0) {
      /* it cannot run what an active hub runs: the lock goes, so the
       * standby may take it, and this hub tries again later */
      pgstore_leader_close(l->pl);
      l->pl = NULL;
      log_standby(l, 0, "cannot start the deliveries or the pulls");
      return;
    }
    l->active = 1;
    l->told = 1;
    l->why[0] = '\0';
    log_event(LOG_NOTICE, "leader_active", "board=%s try_ms=%d", l->board,
              LEADER_TRY_MS);
    return;
  }
  if (rc == 1)
    return;
  if (was) {
    l->active = 0;
    (void)l->on_change(l->arg, 0);
  }
  log_standby(l, was,
              rc == 0            ? "another hub is active"
              : e.msg[0] != '\0' ? e.msg
                                 : "the server cannot be reached");
}

static void leader_closed(uv_handle_t *h) {
  free(container_of((uv_timer_t *)h, struct leader, timer));
}

int leader_start(uv_loop_t *loop, const struct config *c,
                 int (*on_change)(void *arg, int active), void *arg,
                 struct leader **out) {
  struct leader *l = calloc(1, sizeof *l);
  int rc;

  *out = NULL;
  if (l == NULL)
    return -ENOMEM;
  if (snprintf(l->conninfo_file, sizeof l->conninfo_file, "%s",
               c->store.pg_conninfo_file) >= (int)sizeof l->conninfo_file ||
      snprintf(l->board, sizeof l->board, "%s", c->store.pg_board) >=
          (int)sizeof l->board) {
    free(l);
    return -ENAMETOOLONG;
  }
  l->on_change = on_change;
  l->arg = arg;
  l->timer.data = l;
  if ((rc = uv_timer_init(loop, &l->timer)) != 0) {
    free(l);
    return rc;
  }
  /* the first try at once: a standby is told so, an only hub starts */
  if ((rc = uv_timer_start(&l->timer, on_try, 0, LEADER_TRY_MS)) != 0) {
    uv_close((uv_handle_t *)&l->timer, leader_closed);
    return rc;
  }
  *out = l;
  return 0;
}

void leader_stop(struct leader *l) {
  if (l == NULL)
    return;
  (void)uv_timer_stop(&l->timer);
  /* given up now, so the standby's next try has it */
  pgstore_leader_close(l->pl);
  l->pl = NULL;
  uv_close((uv_handle_t *)&l->timer, leader_closed);
}
