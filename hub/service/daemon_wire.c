/*
 * daemon_wire.c: the deliveries (outbox.c) and the pulls (pull.c) of
 * `dahub serve`, on a libuv loop of their own in a thread of their own.
 *
 * Both wait on the network and on their store connection (loop_store), and
 * a store call may wait: on SQLite for an ingest's write lock, on
 * PostgreSQL for the server (a connect may take its whole timeout). The
 * main loop must never wait (it handles the signals, the spool intake, the
 * status socket and the watchdog), so none of this runs there, and
 * loop_store is used on the wire thread only.
 *
 * The main loop talks to the wire thread through a mailbox under a mutex
 * and one uv_async_t each way:
 *  - configure: a generation (a reference taken on the main loop) whose
 *    destinations and feeds the wire thread reads from then on; the one it
 *    read before goes back to the main loop, which drops it, as every
 *    generation's count is the main loop's;
 *  - kick: look for due rows now (a summary was recorded, a report for a
 *    feed's contact written);
 *  - stop: the outbox and the pulls close (a row on the wire goes again at
 *    the next start, a fetch cut short keeps nothing); the thread ends and
 *    says so, and the main loop joins it only then, never waiting for it,
 *    so a stuck wire thread cannot hold the shutdown past its grace period.
 * The outbox's counts are copied into the mailbox after each turn of the
 * wire loop, for the main loop to read.
 *
 * The outbox and the pulls run only while this hub is its board's active
 * one (d->active). On SQLite it always is, from the start. On PostgreSQL
 * the leader (daemon_leader.c) tries the board's lock on this loop and
 * says when the role changes: becoming active starts both at once (rows
 * another hub left sending go again only once their lease ends), losing
 * it closes both at once (a row on the wire stays sending, for whichever
 * hub is active when its lease ends); the main loop is told, for the
 * meeting calendar. A pulled body reaches the spool
 * as any dropped file does: renamed into incoming/, where the main loop's
 * spool watcher claims it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_int.h"
#include "log.h"
#include "storeconf.h"

struct wire {
  struct daemon *d;
  uv_thread_t thread;
  int thread_on; /* main loop: created, not yet joined */
  int asked_stop;
  uv_async_t back; /* main loop: retired generations, or the end */
  int back_on;
  uv_sem_t started;
  int start_rc;
  /* the wire thread's own */
  uv_loop_t loop;
  int loop_on;
  uv_async_t inbox; /* the mailbox has something */
  uv_check_t publish;
  uv_timer_t hold; /* test builds: DAHUB_TEST_WIRE_MS */
  uint64_t hold_ms;
  struct outbox *outbox;
  struct pulls *pulls;
  struct leader *leader;    /* PostgreSQL: the board's lock */
  struct outbox_stats past; /* of the outboxes closed on losing the lock */
  struct generation *using; /* the configuration outbox and pulls read */
  /* the mailbox */
  uv_mutex_t mu;
  struct generation *want; /* to configure, a reference */
  int kick, stop, done;
  int role_changed;           /* for the main loop: d->active changed */
  struct generation *retired; /* through retired_next, for the main loop */
  struct outbox_stats stats;
};

/* ---- the wire thread ---- */

static void retire(struct wire *w, struct generation *g) {
  if (g == NULL)
    return;
  uv_mutex_lock(&w->mu);
  g->retired_next = w->retired;
  w->retired = g;
  uv_mutex_unlock(&w->mu);
  uv_async_send(&w->back);
}

static void configure(struct wire *w, struct generation *g) {
  const struct config *c = g->rt->conf;

  /* both read g from now on, before the one they read can go */
  if (w->outbox != NULL) {
    outbox_configure(w->outbox, c->deliveries, c->n_deliveries);
    pulls_configure(w->pulls, g->rt->feeds, g->rt->n_feeds);
  }
  retire(w, w->using);
  w->using = g;
}

static void on_publish(uv_check_t *h) {
  struct wire *w = h->data;
  struct outbox_stats s = w->past;

  if (w->outbox != NULL) {
    struct outbox_stats o = outbox_stats(w->outbox);

    s.sent += o.sent;
    s.retries += o.retries;
    s.parked += o.parked;
  }
  uv_mutex_lock(&w->mu);
  w->stats = s;
  uv_mutex_unlock(&w->mu);
}

/* Closes the outbox and the pulls, keeping the outbox's counts. */
static void passive(struct wire *w) {
  on_publish(&w->publish);
  uv_mutex_lock(&w->mu);
  w->past = w->stats;
  uv_mutex_unlock(&w->mu);
  outbox_close(w->outbox); /* a row on the wire goes again later */
  w->outbox = NULL;
  pulls_close(w->pulls); /* a fetch cut short keeps nothing */
  w->pulls = NULL;
}

/* The outbox and the pulls, for the configuration in use. recover: rows
 * left sending are due at once (the store's only hub). 0 or negative,
 * logged; nothing is left running then. */
static int active(struct wire *w, int recover) {
  int rc;

  if ((rc = outbox_new(&w->loop, w->d->loop_store, recover, &w->outbox)) != 0) {
    log_event(LOG_ERR, "outbox_failed", "error=%s", strerror(-rc));
    return rc;
  }
  if ((rc = pulls_new(&w->loop, w->d->loop_store, &w->pulls)) != 0) {
    log_event(LOG_ERR, "pulls_failed", "error=%s", strerror(-rc));
    passive(w);
    return rc;
  }
  /* the configuration in use, whose reference w->using keeps; both look
   * for their work at once */
  outbox_configure(w->outbox, w->using->rt->conf->deliveries,
                   w->using->rt->conf->n_deliveries);
  pulls_configure(w->pulls, w->using->rt->feeds, w->using->rt->n_feeds);
  return 0;
}

/* Tells the main loop the role changed. */
static void tell_role(struct wire *w, int is_active) {
  atomic_store(&w->d->active, is_active);
  uv_mutex_lock(&w->mu);
  w->role_changed = 1;
  uv_mutex_unlock(&w->mu);
  uv_async_send(&w->back);
}

/* The leader's answer: this hub has become active, or no longer is. */
static int on_role(void *arg, int is_active) {
  struct wire *w = arg;
  int rc = 0;

  if (is_active && (rc = active(w, 0)) != 0)
    return rc;
  if (!is_active)
    passive(w);
  tell_role(w, is_active);
  return 0;
}

static void wire_close(struct wire *w) {
  passive(w);             /* the counts as they are at the stop */
  leader_stop(w->leader); /* after the outbox: the lock goes last */
  w->leader = NULL;
  uv_close((uv_handle_t *)&w->inbox, NULL);
  uv_close((uv_handle_t *)&w->publish, NULL);
  uv_close((uv_handle_t *)&w->hold, NULL);
}

static void on_inbox(uv_async_t *h) {
  struct wire *w = h->data;
  struct generation *g;
  int kick, stop;

  uv_mutex_lock(&w->mu);
  g = w->want;
  w->want = NULL;
  kick = w->kick;
  stop = w->stop;
  w->kick = 0;
  uv_mutex_unlock(&w->mu);
  if (stop) {
    retire(w, g);
    wire_close(w);
    return;
  }
  if (g != NULL)
    configure(w, g); /* looks for due rows too */
  else if (kick && w->outbox != NULL)
    outbox_kick(w->outbox);
}

static void on_hold(uv_timer_t *t) {
  struct wire *w = t->data;

  /* as a store call that does not come back would: the wire loop waits */
  daemon_hooks_wire_hold(w->hold_ms);
}

/* What the wire loop needs before it runs; the outbox's recovery of rows
 * a crash left on the wire is a store call, so it is made here too. */
static int setup(struct wire *w) {
  int rc;

  if ((rc = uv_loop_init(&w->loop)) != 0) {
    log_event(LOG_ERR, "loop_failed", "error=%s", uv_err_name(rc));
    return rc;
  }
  w->loop_on = 1;
  w->inbox.data = w->publish.data = w->hold.data = w;
  if ((rc = uv_async_init(&w->loop, &w->inbox, on_inbox)) != 0 ||
      (rc = uv_check_init(&w->loop, &w->publish)) != 0 ||
      (rc = uv_check_start(&w->publish, on_publish)) != 0 ||
      (rc = uv_timer_init(&w->loop, &w->hold)) != 0) {
    log_event(LOG_ERR, "loop_failed", "error=%s", uv_err_name(rc));
    return rc;
  }
  w->using = w->want;
  w->want = NULL; /* set before the thread began: no one else reads it */
  if (storeconf_is_postgresql(w->using->rt->conf)) {
    /* a standby until the first try says otherwise */
    if ((rc = leader_start(&w->loop, w->using->rt->conf, on_role, w,
                           &w->leader)) != 0) {
      log_event(LOG_ERR, "leader_failed", "error=%s", strerror(-rc));
      return rc;
    }
  } else if ((rc = active(w, 1)) != 0) { /* a file has one hub */
    return rc;
  }
  if (w->hold_ms > 0)
    (void)uv_timer_start(&w->hold, on_hold, 0, 0);
  return 0;
}

static void close_walk(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

static void wire_main(void *arg) {
  struct wire *w = arg;
  int rc = setup(w);

  w->start_rc = rc;
  uv_sem_post(&w->started);
  if (rc == 0)
    (void)uv_run(&w->loop, UV_RUN_DEFAULT); /* until a stop closes all */
  else if (w->loop_on) {
    outbox_close(w->outbox);
    pulls_close(w->pulls);
    leader_stop(w->leader);
    w->outbox = NULL;
    w->pulls = NULL;
    w->leader = NULL;
  }
  if (w->loop_on) {
    uv_walk(&w->loop, close_walk, NULL);
    (void)uv_run(&w->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&w->loop) != 0)
      log_event(LOG_WARNING, "loop_not_empty", "loop=wire");
  }
  retire(w, w->using);
  w->using = NULL;
  uv_mutex_lock(&w->mu);
  w->done = 1;
  uv_mutex_unlock(&w->mu);
  uv_async_send(&w->back);
}

/* ---- the main loop ---- */

/* Drops the generations the wire thread is done with; joins it once it has
 * ended. */
static void reap(struct wire *w) {
  struct generation *g;
  int done, role;

  uv_mutex_lock(&w->mu);
  g = w->retired;
  w->retired = NULL;
  done = w->done;
  role = w->role_changed;
  w->role_changed = 0;
  uv_mutex_unlock(&w->mu);
  if (role && !done)
    daemon_board_role(w->d);
  while (g != NULL) {
    struct generation *next = g->retired_next;

    daemon_gen_put(g);
    g = next;
  }
  if (done && w->thread_on) {
    (void)uv_thread_join(&w->thread); /* it has ended: no wait */
    w->thread_on = 0;
  }
  if (done && w->back_on && !uv_is_closing((uv_handle_t *)&w->back))
    uv_close((uv_handle_t *)&w->back, NULL);
}

static void on_back(uv_async_t *h) { reap(h->data); }

int daemon_wire_start(struct daemon *d) {
  struct wire *w = calloc(1, sizeof *w);
  int rc;

  if (w == NULL) {
    log_event(LOG_ERR, "outbox_failed", "error=%s", strerror(ENOMEM));
    return -ENOMEM;
  }
  w->d = d;
  w->hold_ms = daemon_hooks_wire_ms(d);
  w->back.data = w;
  if ((rc = uv_mutex_init(&w->mu)) != 0) {
    free(w);
    log_event(LOG_ERR, "loop_failed", "error=%s", uv_err_name(rc));
    return rc;
  }
  if ((rc = uv_sem_init(&w->started, 0)) != 0) {
    uv_mutex_destroy(&w->mu);
    free(w);
    log_event(LOG_ERR, "loop_failed", "error=%s", uv_err_name(rc));
    return rc;
  }
  d->wire = w; /* daemon_wire_close() and _free() from here on */
  if ((rc = uv_async_init(&d->loop, &w->back, on_back)) != 0) {
    log_event(LOG_ERR, "loop_failed", "error=%s", uv_err_name(rc));
    return rc;
  }
  w->back_on = 1;
  w->want = daemon_gen_get(d->gen);
  if ((rc = uv_thread_create(&w->thread, wire_main, w)) != 0) {
    log_event(LOG_ERR, "thread_failed", "error=%s", uv_err_name(rc));
    return rc;
  }
  w->thread_on = 1;
  uv_sem_wait(&w->started);
  if (w->start_rc != 0) { /* the thread ends at once */
    (void)uv_thread_join(&w->thread);
    w->thread_on = 0;
    reap(w);
  }
  return w->start_rc;
}

/* Whether the wire thread runs and takes mail. */
static int open_for_mail(const struct daemon *d) {
  return d->wire != NULL && d->wire->thread_on && !d->wire->asked_stop;
}

void daemon_wire_configure(struct daemon *d, struct generation *g) {
  struct wire *w = d->wire;
  struct generation *old;

  if (!open_for_mail(d))
    return;
  uv_mutex_lock(&w->mu);
  old = w->want; /* never taken: g replaces it */
  w->want = daemon_gen_get(g);
  uv_mutex_unlock(&w->mu);
  daemon_gen_put(old);
  uv_async_send(&w->inbox);
}

void daemon_wire_kick(struct daemon *d) {
  struct wire *w = d->wire;

  if (!open_for_mail(d) || atomic_load(&d->stopping))
    return;
  uv_mutex_lock(&w->mu);
  w->kick = 1;
  uv_mutex_unlock(&w->mu);
  uv_async_send(&w->inbox);
}

struct outbox_stats daemon_wire_stats(const struct daemon *d) {
  struct outbox_stats s = {0};

  if (d->wire != NULL) {
    uv_mutex_lock(&d->wire->mu);
    s = d->wire->stats;
    uv_mutex_unlock(&d->wire->mu);
  }
  return s;
}

void daemon_wire_stop(struct daemon *d) {
  struct wire *w = d->wire;

  if (!open_for_mail(d))
    return;
  w->asked_stop = 1;
  uv_mutex_lock(&w->mu);
  w->stop = 1;
  uv_mutex_unlock(&w->mu);
  uv_async_send(&w->inbox);
}

void daemon_wire_close(struct daemon *d) {
  struct wire *w = d->wire;

  if (w == NULL)
    return;
  daemon_wire_stop(d);
  if (w->thread_on) { /* the main loop has ended: it may wait now */
    (void)uv_thread_join(&w->thread);
    w->thread_on = 0;
  }
  uv_mutex_lock(&w->mu);
  w->done = 1;
  uv_mutex_unlock(&w->mu);
  reap(w);
  daemon_gen_put(w->want); /* a configuration never taken */
  w->want = NULL;
}

void daemon_wire_free(struct daemon *d) {
  struct wire *w = d->wire;

  if (w == NULL)
    return;
  uv_sem_destroy(&w->started);
  uv_mutex_destroy(&w->mu);
  free(w);
  d->wire = NULL;
}
